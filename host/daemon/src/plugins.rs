//! The plugins a daemon can use: components named `<network>.wasm` in `<home>/plugins` and
//! then the config's `plugin_path`, each loaded (compiled or mapped from the AOT cache) on first
//! use and kept; and one instance per devnet, granted that devnet's directory, binary and ports.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use devnet_plugin_host::wit::PluginInfo;
use devnet_plugin_host::{Capability, DevnetGrant, EngineLimits, LoadedPlugin, PluginEngine, PluginInstance};
use tokio::sync::Mutex;

use crate::DaemonError;

/// One devnet's plugin instance; calls on it take turns.
pub type SharedInstance = Arc<Mutex<PluginInstance>>;

pub struct Plugins {
    engine: PluginEngine,
    dirs: Vec<PathBuf>,
    loaded: Mutex<HashMap<String, (Arc<LoadedPlugin>, PluginInfo)>>,
    instances: std::sync::Mutex<HashMap<String, SharedInstance>>,
}

/// What the daemon grants a devnet's plugin.
pub struct GrantFor {
    pub devnet: String,
    pub dir: PathBuf,
    pub binary: PathBuf,
    pub ports: Vec<u16>,
}

impl Plugins {
    pub fn new(aot_dir: PathBuf, dirs: Vec<PathBuf>) -> Result<Self, DaemonError> {
        Ok(Self {
            engine: PluginEngine::new(aot_dir, EngineLimits::default())?,
            dirs,
            loaded: Mutex::default(),
            instances: std::sync::Mutex::default(),
        })
    }

    /// Every component found, by network name (the first directory wins).
    pub fn available(&self) -> Vec<(String, PathBuf)> {
        let mut out: Vec<(String, PathBuf)> = Vec::new();
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            let mut found: Vec<(String, PathBuf)> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
                .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
                .collect();
            found.sort();
            for (name, path) in found {
                if !out.iter().any(|(n, _)| *n == name) {
                    out.push((name, path));
                }
            }
        }
        out
    }

    /// The plugin for `network`, loaded once.
    pub async fn load(&self, network: &str) -> Result<(Arc<LoadedPlugin>, PluginInfo), DaemonError> {
        let mut loaded = self.loaded.lock().await;
        if let Some(found) = loaded.get(network) {
            return Ok(found.clone());
        }
        let available = self.available();
        let Some((_, path)) = available.iter().find(|(n, _)| n == network) else {
            let names: Vec<&str> = available.iter().map(|(n, _)| n.as_str()).collect();
            let dirs: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
            return Err(DaemonError::InvalidArgument(format!(
                "unknown network {network:?}: no plugin {network}.wasm in {}; available: {}",
                dirs.join(", "),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )));
        };
        let plugin = Arc::new(self.engine.load(path).await?);
        let info = plugin.instantiate(DevnetGrant::none("(info)")).await?.info().await?;
        loaded.insert(network.to_string(), (plugin.clone(), info.clone()));
        Ok((plugin, info))
    }

    /// Who the plugin for `network` is, loading it if needed.
    pub async fn summary(&self, network: &str) -> Result<devnet_api::pb::PluginInfo, DaemonError> {
        let (loaded, info) = self.load(network).await?;
        Ok(devnet_api::pb::PluginInfo {
            name: info.name.clone(),
            version: info.version.clone(),
            api_version: loaded.api_version.clone(),
            platform: platform_name(&format!("{:?}", info.platform)),
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
        })
    }

    /// The instance serving `grant.devnet`, made on first use.
    pub async fn instance(&self, network: &str, grant: GrantFor) -> Result<SharedInstance, DaemonError> {
        if let Some(found) = self.lock_instances().get(&grant.devnet) {
            return Ok(found.clone());
        }
        let (plugin, _) = self.load(network).await?;
        let mut g = DevnetGrant::none(&grant.devnet)
            .with(Capability::Log)
            .with(Capability::RunBinary)
            .with(Capability::Files)
            .with(Capability::Http);
        g.dir = Some(grant.dir);
        g.binary = Some(grant.binary);
        g.http_ports = grant.ports.into_iter().collect();
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

/// `Platform::Cosmos` (the binding's debug form) as the WIT spells it: `cosmos`.
fn platform_name(debug: &str) -> String {
    debug.rsplit("::").next().unwrap_or(debug).to_lowercase()
}
