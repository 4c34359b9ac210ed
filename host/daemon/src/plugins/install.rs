//! Installing a plugin component into `<home>/plugins`, every check before anything changes:
//!
//! 1. the bytes, from a path, an `http://` or `https://` URL, an OCI registry (`oci://`,
//!    [`super::oci`]), or uploaded with the call (`dvb --remote … plugin install ./file.wasm`);
//! 2. their sha256 against `--sha256` or the checksum file beside them (`<component>.sha256`;
//!    from a registry, the layer digest of the manifest);
//! 3. a signature (`--signature`, or `<component>.sig` beside it; from a registry, the artifact
//!    that refers to the manifest, required unless `--allow-unsigned`), when there is one,
//!    against the keys the user trusts;
//! 4. the component's plugin API version against the versions this host supports;
//! 5. an ahead-of-time compile into the AOT cache, and its `info` call (a plugin that traps or
//!    does not fit the world stops here);
//! 6. its name against what is installed: `install` refuses a name in use, `upgrade` needs one.
//!
//! Then the file goes in by a rename (an interrupted install leaves the previous one in place)
//! and the Plugin resource is written in one store transaction. The built-in plugins take this
//! same path the first time a devnet needs them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use devnet_core::{Meta, Plugin, PluginSpec, PluginStatus, validate_name};
use devnet_plugin_host::{ApiVersion, LoadedPlugin, read_api_version};
use devnet_store::Store;
use sha2::{Digest as _, Sha256};

use crate::DaemonError;
use devnet_keyring::TrustedKeys;

/// The largest component accepted.
pub(crate) const MAX_COMPONENT_BYTES: u64 = 64 << 20;

/// What to install, and how.
#[derive(Debug, Clone, Default)]
pub struct InstallRequest {
    /// A path, an `http(s)://` URL or an `oci://` reference.
    pub source: String,
    /// The expected sha256 (hex); none: the checksum file beside the source.
    pub sha256: Option<String>,
    /// A signature file (path or URL); none: `<source>.sig` when it exists.
    pub signature: Option<String>,
    /// Replace an installed plugin of the same name (`dvb plugin upgrade`).
    pub upgrade: bool,
    /// One of the plugins shipped with devnet-builder.
    pub builtin: bool,
    /// Install from a registry without a signature.
    pub allow_unsigned: bool,
    /// The component sent with the call, from the client's machine: `source` then only names it
    /// (`uploaded:<the client's path>`) and nothing beside it is read on this machine.
    pub upload: Option<Upload>,
}

/// A component a client sent, and its signature when it has one.
#[derive(Clone, Default)]
pub struct Upload {
    pub component: Vec<u8>,
    pub signature: Option<Vec<u8>>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("component_bytes", &self.component.len())
            .field("signed", &self.signature.is_some())
            .finish()
    }
}

/// What an install did.
#[derive(Clone)]
pub struct Installed {
    pub plugin: Plugin,
    /// The API versions this host supports, as shown before installing.
    pub supported: String,
    /// The version it replaced, for an upgrade.
    pub previous: Option<String>,
    pub compile_ms: u64,
    /// What the install passed over on its way (registry tags skipped, and why).
    pub notes: Vec<String>,
}

/// The bytes at `source`; `Ok(None)` when an optional one is not there.
fn fetch(source: &str, optional: bool) -> Result<Option<Vec<u8>>, DaemonError> {
    use std::io::Read as _;
    if source.starts_with("http://") || source.starts_with("https://") {
        crate::tls::install_default_provider();
        let tls = devnet_api::remote::https_client_config()
            .map_err(|e| DaemonError::InvalidArgument(format!("fetching {source}: {e}")))?;
        let agent = ureq::AgentBuilder::new()
            .timeout(std::time::Duration::from_secs(60))
            .tls_config(std::sync::Arc::new(tls))
            .build();
        let response = match agent.get(source).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(404, _)) if optional => return Ok(None),
            Err(e) => return Err(DaemonError::InvalidArgument(format!("fetching {source}: {e}"))),
        };
        let mut bytes = Vec::new();
        response
            .into_reader()
            .take(MAX_COMPONENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| DaemonError::InvalidArgument(format!("fetching {source}: {e}")))?;
        if bytes.len() as u64 > MAX_COMPONENT_BYTES {
            return Err(DaemonError::InvalidArgument(format!(
                "{source} is larger than the {MAX_COMPONENT_BYTES}-byte limit"
            )));
        }
        return Ok(Some(bytes));
    }
    let path = Path::new(source);
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && optional => Ok(None),
        Err(e) => Err(DaemonError::InvalidArgument(format!("{source}: {e}"))),
        Ok(m) if m.len() > MAX_COMPONENT_BYTES => Err(DaemonError::InvalidArgument(format!(
            "{source} is larger than the {MAX_COMPONENT_BYTES}-byte limit"
        ))),
        Ok(_) => std::fs::read(path)
            .map(Some)
            .map_err(|e| DaemonError::InvalidArgument(format!("{source}: {e}"))),
    }
}

/// The expected digest: `--sha256`, else the first word of `<source>.sha256` (as `sha256sum`
/// writes it).
fn expected_sha256(req: &InstallRequest) -> Result<String, DaemonError> {
    let (text, from) = match &req.sha256 {
        Some(given) => (given.clone(), "--sha256".to_string()),
        None if req.upload.is_some() => {
            return Err(DaemonError::InvalidArgument(format!(
                "no checksum for {}: pass --sha256 <hex>, or put its `sha256sum` output in a .sha256 file beside it \
                 (dvb sends that file's word with the component)",
                req.source
            )));
        }
        None => {
            let file = format!("{}.sha256", req.source);
            let bytes = fetch(&file, true)?.ok_or_else(|| {
                DaemonError::InvalidArgument(format!(
                    "no checksum for {}: pass --sha256 <hex>, or put its `sha256sum` output in {file}",
                    req.source
                ))
            })?;
            (String::from_utf8_lossy(&bytes).into_owned(), file)
        }
    };
    let word = text.split_whitespace().next().unwrap_or_default().to_lowercase();
    if word.len() != 64 || !word.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(DaemonError::InvalidArgument(format!(
            "{from}: {word:?} is not a sha256 (64 hex digits)"
        )));
    }
    Ok(word)
}

/// Everything up to (not including) writing: the bytes checked, compiled and asked who they are.
pub struct Checked {
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub api_version: ApiVersion,
    pub signed_by: Option<String>,
    pub loaded: LoadedPlugin,
    pub compile_ms: u64,
    /// What the install records as the source: the request's, or for a registry the reference
    /// with its manifest digest.
    pub source: String,
    pub notes: Vec<String>,
}

/// Steps 1 to 5 of the module doc; `dest` names the component in errors and in what is loaded.
pub async fn check(
    engine: &devnet_plugin_host::PluginEngine,
    trusted: &TrustedKeys,
    req: &InstallRequest,
) -> Result<Checked, DaemonError> {
    let from_registry = if req.source.starts_with("oci://") {
        Some(super::oci::resolve(&req.source).await?)
    } else {
        None
    };
    let (bytes, expected) = match &from_registry {
        Some(r) => {
            if let Some(given) = &req.sha256
                && !given.trim().eq_ignore_ascii_case(&r.sha256)
            {
                return Err(DaemonError::InvalidArgument(format!(
                    "checksum mismatch for {}: --sha256 {given}, and the registry's component is {}",
                    req.source, r.sha256
                )));
            }
            (r.bytes.clone(), r.sha256.clone())
        }
        None => match &req.upload {
            Some(upload) => {
                if upload.component.len() as u64 > MAX_COMPONENT_BYTES {
                    return Err(DaemonError::InvalidArgument(format!(
                        "{}: {} bytes, over the {} MiB a component may have",
                        req.source,
                        upload.component.len(),
                        MAX_COMPONENT_BYTES >> 20
                    )));
                }
                (upload.component.clone(), expected_sha256(req)?)
            }
            None => (fetch(&req.source, false)?.unwrap_or_default(), expected_sha256(req)?),
        },
    };
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != expected {
        return Err(DaemonError::InvalidArgument(format!(
            "checksum mismatch for {}: expected sha256 {expected}, the bytes have {actual}; the download is \
             damaged or not the published one",
            req.source
        )));
    }
    // The candidates: a file's one signature, or a registry's referrers (the first a trusted
    // key made counts; one junk signature pushed ahead of it does not block the install).
    let signatures: Vec<Vec<u8>> = match (&req.signature, &from_registry) {
        (Some(s), _) => fetch(s, false)?.into_iter().collect(),
        (None, _) if req.builtin => Vec::new(),
        (None, None) if req.upload.is_some() => {
            let signature = req.upload.as_ref().and_then(|u| u.signature.clone());
            // From another machine, as from a registry: signed, or unsigned on purpose.
            if signature.is_none() && !req.allow_unsigned {
                return Err(DaemonError::InvalidArgument(format!(
                    "{} came without a signature: sign it (`dvb plugin sign <file> --key <secret>` writes the .sig \
                     beside it) with a key the daemon trusts, or install it with --allow-unsigned",
                    req.source
                )));
            }
            signature.into_iter().collect()
        }
        (None, Some(r)) => {
            if r.signatures.is_empty() && !req.allow_unsigned {
                return Err(DaemonError::InvalidArgument(format!(
                    "{} ({}) has no signature in the registry: publish it with `dvb plugin publish … --key <secret>`, or install it with --allow-unsigned",
                    req.source, r.source
                )));
            }
            r.signatures.clone()
        }
        (None, None) => fetch(&format!("{}.sig", req.source), true)?.into_iter().collect(),
    };
    let mut signed_by = None;
    let mut refused = None;
    for sig in &signatures {
        match trusted.verify(&bytes, sig) {
            Ok(key) => {
                signed_by = Some(key);
                break;
            }
            Err(e) => refused = Some(e),
        }
    }
    if let (None, Some(e)) = (&signed_by, refused) {
        return Err(e.into());
    }
    let source_path = PathBuf::from(&req.source);
    let api_version = read_api_version(&source_path, &bytes).map_err(|e| match e {
        devnet_plugin_host::PluginHostError::UnsupportedApi { found, .. } => DaemonError::InvalidArgument(format!(
            "{}: built against devnet:plugin@{found}, and this host supports {}; {}",
            req.source,
            devnet_plugin_host::supported_range(),
            if newer(&found) {
                "upgrade devnet-builder, or rebuild the plugin on an SDK of a supported API"
            } else {
                "rebuild the plugin on the current devnet-plugin-sdk"
            }
        )),
        other => DaemonError::InvalidArgument(other.to_string()),
    })?;
    let started = Instant::now();
    // The AOT cache is keyed by the bytes: loading the installed file later maps this compile.
    let loaded = match engine.load_bytes(&source_path, &bytes).await {
        Ok(loaded) => loaded,
        Err(e) => {
            // Refused after compiling: nothing of it stays, not even in the cache.
            engine.forget_compiled(&bytes);
            return Err(DaemonError::InvalidArgument(short(e)));
        }
    };
    let compile_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = validate_name(&loaded.name) {
        engine.forget_compiled(&bytes);
        return Err(DaemonError::InvalidArgument(format!(
            "{}: the plugin calls itself {:?}: {e}",
            req.source, loaded.name
        )));
    }
    let (source, notes) = match from_registry {
        Some(r) => (r.source, r.notes),
        None => (req.source.clone(), Vec::new()),
    };
    Ok(Checked {
        bytes,
        sha256: actual,
        api_version,
        signed_by,
        loaded,
        compile_ms,
        source,
        notes,
    })
}

/// A load error without a trap's wasm backtrace: its first line and its cause.
fn short(e: devnet_plugin_host::PluginHostError) -> String {
    match e {
        devnet_plugin_host::PluginHostError::Trap { plugin, call, reason } => {
            let cause = reason
                .lines()
                .last()
                .map(|l| l.rsplit(": ").next().unwrap_or(l).trim())
                .unwrap_or_default();
            format!(
                "{plugin}: `{call}` trapped ({cause}): the plugin panicked or aborted; `dvb plugin test` shows where"
            )
        }
        other => other.to_string(),
    }
}

/// Whether API `found` is newer than every version this host supports.
fn newer(found: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(found) > parts(ApiVersion::NEWEST.as_str())
}

/// Step 6 and the install itself: `checked` goes to `<dir>/<name>.wasm` by a rename, and its
/// Plugin resource is written. `in_use`: another component already answers to the name (a
/// built-in not installed yet, or one on the plugin path).
pub fn commit(
    store: &Store,
    dir: &Path,
    req: &InstallRequest,
    checked: Checked,
    supported: String,
) -> Result<Installed, DaemonError> {
    let name = checked.loaded.name.clone();
    let existing = store.get::<Plugin>(&name)?;
    let dest = dir.join(format!("{name}.wasm"));
    match (&existing, req.upgrade) {
        (Some(p), false) => {
            return Err(DaemonError::AlreadyExists(format!(
                "a plugin named {name:?} is installed already (version {}, from {}); `dvb plugin upgrade {}` \
                 replaces it",
                p.status.version, p.spec.source, req.source
            )));
        }
        (None, true) => {
            return Err(DaemonError::NotFound(format!(
                "no plugin named {name:?} is installed, so there is nothing to upgrade; `dvb plugin install {}` \
                 installs it",
                req.source
            )));
        }
        _ => {}
    }
    std::fs::create_dir_all(dir).map_err(DaemonError::io(format!("creating {}", dir.display())))?;
    // What an install killed before its rename left behind.
    let prefix = format!(".{name}.wasm.");
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with(&prefix) && file.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let tmp = dir.join(format!(".{name}.wasm.{}.tmp", std::process::id()));
    let written = (|| {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&checked.bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &dest)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(DaemonError::io(format!("installing {}", dest.display()))(e));
    }
    let info_family = checked.loaded.family().to_string();
    let plugin = Plugin {
        meta: Meta::named(&name),
        spec: PluginSpec {
            component: dest.display().to_string(),
            sha256: checked.sha256.clone(),
            source: checked.source.clone(),
            builtin: req.builtin,
            signed_by: checked.signed_by.clone(),
        },
        status: PluginStatus {
            version: checked.loaded.version.clone(),
            api_version: checked.api_version.to_string(),
            family: info_family,
            message: match &checked.signed_by {
                Some(k) => format!("signed by {k}; compiled in {} ms", checked.compile_ms),
                None => format!("unsigned; compiled in {} ms", checked.compile_ms),
            },
        },
    };
    let previous = existing.as_ref().map(|p| p.status.version.clone());
    let stored = store.write(|w| {
        let stored = match w.get::<Plugin>(&name)? {
            Some(mut old) => {
                old.spec = plugin.spec.clone();
                old.status = plugin.status.clone();
                w.update(old)?
            }
            None => w.create(plugin.clone())?,
        };
        let what = match &previous {
            Some(v) => format!("{name} {v} → {} from {}", plugin.status.version, req.source),
            None => format!("{name} {} from {}", plugin.status.version, req.source),
        };
        w.event(devnet_core::Event::new(
            devnet_core::EventKind::Normal,
            devnet_core::Kind::Plugin,
            &name,
            if previous.is_some() { "Upgraded" } else { "Installed" },
            what,
        ))?;
        Ok(stored)
    })?;
    Ok(Installed {
        plugin: stored,
        supported,
        previous,
        compile_ms: checked.compile_ms,
        notes: checked.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_version_past_the_newest_should_count_as_newer() {
        assert!(newer("9.0.0"));
        assert!(newer("0.10.0"));
        assert!(!newer("0.0.1"));
        assert!(devnet_plugin_host::supported_range().contains(" to "));
    }
}
