//! The keyring file: JSON, mode 0600, replaced only by rename.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use zeroize::Zeroizing;

use crate::key::Key;
use crate::threshold::Group;
use crate::{Algorithm, KeyringError, ThresholdScheme};

const FORMAT: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct File {
    format: u32,
    keys: Vec<Entry>,
    /// Threshold groups; absent from keyrings written before there were any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<GroupEntry>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct GroupEntry {
    id: String,
    scheme: ThresholdScheme,
    members: u32,
    /// The public polynomial, hex.
    polynomial: String,
    /// Member `i`'s share at `i`, hex; wiped from memory when dropped.
    shares: Zeroizing<Vec<String>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    id: String,
    algorithm: Algorithm,
    /// Hex; wiped from memory when dropped.
    secret: Zeroizing<String>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyringError + '_ {
    move |source| KeyringError::Io {
        path: path.to_path_buf(),
        source,
    }
}

type Loaded = (BTreeMap<String, Key>, BTreeMap<String, Group>);

pub(crate) fn load(path: &Path) -> Result<Loaded, KeyringError> {
    let text = match std::fs::read(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((BTreeMap::new(), BTreeMap::new())),
        Err(e) => return Err(io(path)(e)),
    };
    let corrupt = |reason: String| KeyringError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let file: File = serde_json::from_slice(&text).map_err(|e| corrupt(e.to_string()))?;
    if file.format != FORMAT {
        return Err(corrupt(format!("format {}, this build reads {FORMAT}", file.format)));
    }
    let mut keys = BTreeMap::new();
    for entry in file.keys {
        let secret =
            Zeroizing::new(hex::decode(entry.secret.as_bytes()).map_err(|e| corrupt(format!("{}: {e}", entry.id)))?);
        let key = Key::from_secret(entry.algorithm, &secret).map_err(|e| corrupt(format!("{}: {e}", entry.id)))?;
        keys.insert(entry.id, key);
    }
    let mut groups = BTreeMap::new();
    for entry in file.groups {
        let unhex = |what: &str, text: &str| {
            hex::decode(text.as_bytes()).map_err(|e| corrupt(format!("{} {what}: {e}", entry.id)))
        };
        let polynomial = unhex("polynomial", &entry.polynomial)?;
        let shares = entry
            .shares
            .iter()
            .map(|s| unhex("share", s).map(Zeroizing::new))
            .collect::<Result<Vec<_>, _>>()?;
        let group = Group::from_parts(entry.scheme, entry.members, polynomial, shares)
            .map_err(|e| corrupt(format!("{}: {e}", entry.id)))?;
        groups.insert(entry.id, group);
    }
    Ok((keys, groups))
}

pub(crate) fn save(
    path: &Path,
    keys: &BTreeMap<String, Key>,
    groups: &BTreeMap<String, Group>,
) -> Result<(), KeyringError> {
    let file = File {
        format: FORMAT,
        keys: keys
            .iter()
            .map(|(id, key)| Entry {
                id: id.clone(),
                algorithm: key.algorithm(),
                secret: Zeroizing::new(hex::encode(key.secret())),
            })
            .collect(),
        groups: groups
            .iter()
            .map(|(id, group)| GroupEntry {
                id: id.clone(),
                scheme: group.scheme(),
                members: group.members(),
                polynomial: hex::encode(group.polynomial()),
                shares: Zeroizing::new(group.shares().iter().map(|s| hex::encode(s.as_slice())).collect()),
            })
            .collect(),
    };
    let text = Zeroizing::new(serde_json::to_vec_pretty(&file).map_err(|e| KeyringError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io(&tmp))?;
    // `mode` only applies to a new file; a stale temporary keeps its bits, so set them again.
    out.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(io(&tmp))?;
    out.write_all(&text).map_err(io(&tmp))?;
    out.sync_all().map_err(io(&tmp))?;
    drop(out);
    std::fs::rename(&tmp, path).map_err(io(path))
}
