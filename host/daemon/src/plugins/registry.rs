//! The plugins a daemon can use, by network name (the plugin's own name):
//!
//! 1. those installed in `<home>/plugins` (`dvb plugin install`, each with its Plugin resource);
//! 2. components on the config's `plugin_path`, used where they lie (for plugin development);
//! 3. the built-in ones shipped beside the binaries, installed into `<home>/plugins` through the
//!    same checks as any other the first time a devnet needs them, and again when the shipped
//!    file changes.
//!
//! Each is loaded (compiled, or mapped from the AOT cache) on first use and kept until its file
//! changes: an install or upgrade is picked up without a restart, while devnets already running
//! keep the instance they have. One instance per devnet, granted that devnet's directory, binary
//! and ports.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use devnet_core::{Plugin, PluginSummary};
use devnet_plugin_host::wit::PluginInfo;
use devnet_plugin_host::{Capability, DevnetGrant, EngineLimits, LoadedPlugin, PluginEngine, PluginInstance};
use devnet_store::Store;
use sha2::{Digest as _, Sha256};
use tokio::sync::Mutex;

use crate::DaemonError;
use crate::plugins::install::{InstallRequest, Installed, check, commit};
use devnet_keyring::TrustedKeys;

/// What the daemon allows any devnet's plugin, scoped to that devnet (its directory, its binary,
/// its nodes' ports). A plugin gets the part of it that its `info.capabilities` declares.
pub const DEVNET_ALLOWS: [Capability; 4] = Capability::ALL;

/// One devnet's plugin instance; calls on it take turns.
pub type SharedInstance = Arc<Mutex<PluginInstance>>;

/// A loaded plugin and the file identity it was loaded from (size, modification time).
type Cached = (Arc<LoadedPlugin>, PluginInfo, FileStamp);
type FileStamp = Option<(u64, std::time::SystemTime)>;

pub struct Plugins {
    engine: PluginEngine,
    installed: PathBuf,
    dev_dirs: Vec<PathBuf>,
    builtin_dirs: Vec<PathBuf>,
    store: Arc<Store>,
    trusted: TrustedKeys,
    loaded: Mutex<HashMap<String, Cached>>,
    instances: std::sync::Mutex<HashMap<String, SharedInstance>>,
}

/// What the daemon grants a devnet's plugin.
pub struct GrantFor {
    pub devnet: String,
    pub dir: PathBuf,
    pub binary: PathBuf,
    pub ports: Vec<u16>,
    /// Where each node is, by its short name (what `placement` answers).
    pub addresses: std::collections::BTreeMap<String, devnet_plugin_host::wit::NodeAddress>,
}

/// Where a home keeps its plugins and the keys it trusts.
pub struct PluginDirs {
    pub aot: PathBuf,
    pub installed: PathBuf,
    pub trusted_keys: PathBuf,
    pub dev: Vec<PathBuf>,
    pub builtin: Vec<PathBuf>,
}

fn stamp(path: &Path) -> FileStamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// `<name>.wasm` files of `dir`, by name, sorted.
fn components(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
        .filter(|(n, _)| !n.starts_with('.'))
        .collect();
    found.sort();
    found
}

fn sha256_file(path: &Path) -> Option<String> {
    Some(hex::encode(Sha256::digest(std::fs::read(path).ok()?)))
}

impl Plugins {
    pub fn new(dirs: PluginDirs, store: Arc<Store>) -> Result<Self, DaemonError> {
        Ok(Self {
            engine: PluginEngine::new(dirs.aot, EngineLimits::default())?,
            installed: dirs.installed,
            dev_dirs: dirs.dev,
            builtin_dirs: dirs.builtin,
            store,
            trusted: TrustedKeys::new(dirs.trusted_keys),
            loaded: Mutex::default(),
            instances: std::sync::Mutex::default(),
        })
    }

    /// Every plugin a devnet can name, with the file it would use now (the first place wins).
    pub fn available(&self) -> Vec<(String, PathBuf)> {
        let mut out: Vec<(String, PathBuf)> = Vec::new();
        let dirs = std::iter::once(&self.installed)
            .chain(&self.dev_dirs)
            .chain(&self.builtin_dirs);
        for dir in dirs {
            for (name, path) in components(dir) {
                if !out.iter().any(|(n, _)| *n == name) {
                    out.push((name, path));
                }
            }
        }
        out
    }

    fn builtin(&self, name: &str) -> Option<PathBuf> {
        self.builtin_dirs
            .iter()
            .map(|d| d.join(format!("{name}.wasm")))
            .find(|p| p.is_file())
    }

    fn on_dev_path(&self, name: &str) -> Option<PathBuf> {
        self.dev_dirs
            .iter()
            .map(|d| d.join(format!("{name}.wasm")))
            .find(|p| p.is_file())
    }

    /// The file for `network` now: installed, on the plugin path, or a built-in installed
    /// first (or again, when the shipped one changed).
    async fn resolve(&self, network: &str) -> Result<PathBuf, DaemonError> {
        let installed = self.installed.join(format!("{network}.wasm"));
        let record = self.store.get::<Plugin>(network)?;
        if installed.is_file() {
            // A built-in installed earlier follows the shipped file.
            if let Some(p) = &record
                && p.spec.builtin
                && let Some(shipped) = self.builtin(network)
                && sha256_file(&shipped).is_some_and(|sha| sha != p.spec.sha256)
            {
                self.install_unlocked(InstallRequest {
                    source: shipped.display().to_string(),
                    upgrade: true,
                    builtin: true,
                    ..Default::default()
                })
                .await?;
            }
            return Ok(installed);
        }
        if let Some(dev) = self.on_dev_path(network) {
            return Ok(dev);
        }
        if let Some(shipped) = self.builtin(network) {
            self.install_unlocked(InstallRequest {
                source: shipped.display().to_string(),
                upgrade: record.is_some(),
                builtin: true,
                ..Default::default()
            })
            .await?;
            return Ok(installed);
        }
        let names: Vec<String> = self.available().into_iter().map(|(n, _)| n).collect();
        Err(DaemonError::InvalidArgument(format!(
            "unknown network {network:?}: no plugin of that name is installed, on the plugin path or built in; \
             available: {}; `dvb plugin install <component>` adds one",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )))
    }

    /// Installs every built-in plugin that is not installed yet (or whose shipped file changed),
    /// through the same checks as `dvb plugin install`; run when a daemon or a standalone dvb
    /// opens a home, so that no later command installs anything as a side effect. A built-in
    /// that fails its checks is logged and left out; the others still go in.
    pub async fn install_builtins(&self) {
        let names: Vec<String> = self
            .builtin_dirs
            .iter()
            .flat_map(|d| components(d))
            .map(|(n, _)| n)
            .collect();
        let mut loaded = self.loaded.lock().await;
        for name in names {
            if let Err(e) = self.resolve(&name).await {
                tracing::warn!(plugin = %name, "built-in plugin not installed: {e}");
            }
            loaded.remove(&name);
        }
    }

    /// The plugin for `network`, loaded once and again only when its file changes.
    pub async fn load(&self, network: &str) -> Result<(Arc<LoadedPlugin>, PluginInfo), DaemonError> {
        let mut loaded = self.loaded.lock().await;
        if let Some((plugin, info, was)) = loaded.get(network)
            && stamp(&plugin.path) == *was
            && plugin.path.is_file()
        {
            return Ok((plugin.clone(), info.clone()));
        }
        let path = self.resolve(network).await?;
        let was = stamp(&path);
        let plugin = Arc::new(self.engine.load(&path).await?);
        if path.starts_with(&self.installed) {
            self.reconcile_record(network, &path, &plugin)?;
        }
        let info = plugin.info.clone();
        loaded.insert(network.to_string(), (plugin.clone(), info.clone(), was));
        Ok((plugin, info))
    }

    /// An install killed between its rename and its store write leaves the new file under the
    /// old record: the record follows the file (whose bytes were checked before the rename).
    fn reconcile_record(&self, name: &str, path: &Path, plugin: &LoadedPlugin) -> Result<(), DaemonError> {
        let Some(sha) = sha256_file(path) else {
            return Ok(());
        };
        self.store.write(|w| {
            let Some(mut record) = w.get::<Plugin>(name)? else {
                return Ok(());
            };
            if record.spec.sha256 == sha {
                return Ok(());
            }
            let message = format!(
                "the record said {} ({}); the installed file is {} ({sha}): an install was interrupted after \
                 its rename",
                record.status.version, record.spec.sha256, plugin.version
            );
            record.spec.sha256 = sha.clone();
            record.spec.signed_by = None;
            record.status.version = plugin.version.clone();
            record.status.api_version = plugin.api_version.to_string();
            record.status.message = message.clone();
            w.update(record)?;
            w.event(devnet_core::Event::new(
                devnet_core::EventKind::Warning,
                devnet_core::Kind::Plugin,
                name,
                "Recovered",
                message,
            ))?;
            Ok(())
        })?;
        Ok(())
    }

    /// Installs (or with `upgrade`, replaces) a plugin after every check; the next devnet that
    /// names it uses it, with no restart.
    pub async fn install(&self, req: InstallRequest) -> Result<Installed, DaemonError> {
        let mut loaded = self.loaded.lock().await;
        let installed = self.install_unlocked(req).await?;
        // Devnets made from now on use it; the running ones keep their instance.
        loaded.remove(&installed.plugin.meta.name);
        Ok(installed)
    }

    async fn install_unlocked(&self, req: InstallRequest) -> Result<Installed, DaemonError> {
        let checked = check(&self.engine, &self.trusted, &req).await?;
        let (name, sha, bytes) = (
            checked.loaded.name.clone(),
            checked.sha256.clone(),
            checked.bytes.clone(),
        );
        let outcome = if !req.upgrade
            && !req.builtin
            && self.store.get::<Plugin>(&name)?.is_none()
            && let Some(other) = self.builtin(&name).or_else(|| self.on_dev_path(&name))
        {
            Err(DaemonError::AlreadyExists(format!(
                "the name {name:?} is taken by {}; `dvb plugin upgrade {}` installs this one in its place",
                other.display(),
                req.source
            )))
        } else {
            commit(
                &self.store,
                &self.installed,
                &req,
                checked,
                devnet_plugin_host::supported_range(),
            )
        };
        // Refused: its compile leaves the cache too, unless an installed plugin is those bytes.
        if outcome.is_err() && !self.installed()?.iter().any(|p| p.spec.sha256 == sha) {
            self.engine.forget_compiled(&bytes);
        }
        outcome
    }

    /// Uninstalls `name`: its file and its Plugin resource. Devnets of that network must be
    /// gone first.
    pub async fn remove(&self, name: &str, in_use: &[String]) -> Result<Plugin, DaemonError> {
        let mut loaded = self.loaded.lock().await;
        let Some(record) = self.store.get::<Plugin>(name)? else {
            return Err(DaemonError::NotFound(format!(
                "no plugin {name:?} is installed; `dvb plugin list` shows them"
            )));
        };
        if !in_use.is_empty() {
            return Err(DaemonError::FailedPrecondition(format!(
                "devnets {} run on the {name} plugin; destroy them first",
                in_use.join(", ")
            )));
        }
        let file = self.installed.join(format!("{name}.wasm"));
        // The record first: a crash after it leaves a stray file, never a record without one.
        self.store.write(|w| {
            w.delete::<Plugin>(name)?;
            w.event(devnet_core::Event::new(
                devnet_core::EventKind::Normal,
                devnet_core::Kind::Plugin,
                name,
                "Removed",
                format!("{} {}", name, record.status.version),
            ))?;
            Ok(())
        })?;
        if let Err(e) = std::fs::remove_file(&file)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(DaemonError::io(format!("removing {}", file.display()))(e));
        }
        loaded.remove(name);
        Ok(record)
    }

    /// The Plugin resources of what is installed.
    pub fn installed(&self) -> Result<Vec<Plugin>, DaemonError> {
        Ok(self.store.list::<Plugin>("")?)
    }

    /// Who the plugin for `network` is, loading it if needed.
    pub async fn summary(&self, network: &str) -> Result<PluginSummary, DaemonError> {
        let (loaded, info) = self.load(network).await?;
        Ok(PluginSummary {
            name: info.name.clone(),
            version: info.version.clone(),
            api_version: loaded.api_version.to_string(),
            family: loaded.family().to_string(),
            default_binary: info.default_binary.clone(),
            chain_versions: info
                .chain_versions
                .iter()
                .map(|r| match &r.until {
                    Some(until) => format!("{}..{until}", r.since),
                    None => format!(">={}", r.since),
                })
                .collect(),
            path: loaded.path.display().to_string(),
            capabilities: loaded
                .declared_capabilities()
                .iter()
                .map(|c| c.wit_name().to_string())
                .collect(),
            ..self.origin_of(network, &loaded.path)?
        })
    }

    /// Where `network`'s component comes from, and what its install recorded.
    fn origin_of(&self, network: &str, path: &Path) -> Result<PluginSummary, DaemonError> {
        let mut out = PluginSummary::default();
        match self.store.get::<Plugin>(network)? {
            Some(p) if path.starts_with(&self.installed) => {
                out.sha256 = p.spec.sha256;
                out.source = p.spec.source;
                out.builtin = p.spec.builtin;
                out.signed_by = p.spec.signed_by;
                out.origin = if out.builtin {
                    "built in, installed"
                } else {
                    "installed"
                }
                .into();
            }
            _ => out.origin = "plugin path".into(),
        }
        Ok(out)
    }

    /// Tells `observe` of every export call of every plugin (for metrics).
    pub fn observe_calls(&self, observe: impl Fn(&str, &str, std::time::Duration) + Send + Sync + 'static) {
        self.engine.observe_calls(observe);
    }

    /// The instance serving `grant.devnet`, made on first use.
    pub async fn instance(&self, network: &str, grant: GrantFor) -> Result<SharedInstance, DaemonError> {
        if let Some(found) = self.lock_instances().get(&grant.devnet) {
            return Ok(found.clone());
        }
        let (plugin, _) = self.load(network).await?;
        // What a devnet allows its plugin; `instantiate` cuts it to what the plugin declared.
        let mut g = DEVNET_ALLOWS
            .into_iter()
            .fold(DevnetGrant::none(&grant.devnet), DevnetGrant::with);
        g.dir = Some(grant.dir);
        g.binary = Some(grant.binary);
        g.http_ports = grant.ports.into_iter().collect();
        g.addresses = grant.addresses;
        let instance = Arc::new(Mutex::new(plugin.instantiate(g).await?));
        Ok(self.lock_instances().entry(grant.devnet).or_insert(instance).clone())
    }

    /// Drops the devnet's instance (it is destroyed, or re-provisioned with other ports).
    pub fn forget(&self, devnet: &str) {
        self.lock_instances().remove(devnet);
    }

    fn lock_instances(&self) -> std::sync::MutexGuard<'_, HashMap<String, SharedInstance>> {
        // Each update is one insert or remove: a poisoned map is still consistent.
        self.instances.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A fresh instance with no grants: for `info`, ports and version parsing.
    pub async fn probe(&self, network: &str) -> Result<PluginInstance, DaemonError> {
        let (plugin, _) = self.load(network).await?;
        Ok(plugin.instantiate(DevnetGrant::none("(probe)")).await?)
    }
}
