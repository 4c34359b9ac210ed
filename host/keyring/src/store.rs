//! The keyring file: JSON, mode 0600, replaced only by rename.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use zeroize::Zeroizing;

use crate::key::Key;
use crate::{Algorithm, KeyringError};

const FORMAT: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct File {
    format: u32,
    keys: Vec<Entry>,
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

pub(crate) fn load(path: &Path) -> Result<BTreeMap<String, Key>, KeyringError> {
    let text = match std::fs::read(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
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
    Ok(keys)
}

pub(crate) fn save(path: &Path, keys: &BTreeMap<String, Key>) -> Result<(), KeyringError> {
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
