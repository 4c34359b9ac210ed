//! Where a daemon keeps everything: its store, socket, config, logs, plugin cache, and each
//! devnet's files. Nothing a daemon writes lives outside its home, so several daemons with
//! different homes run side by side.
//!
//! ```text
//! <home>/devnetd.toml          config (optional)
//! <home>/state.redb            the store
//! <home>/devnetd.sock          the API (mode 0600)
//! <home>/devnetd.log           the daemon's own log, when it runs detached
//! <home>/aot/                  compiled plugins
//! <home>/plugins/              installed plugin components
//! <home>/devnets/<name>/chain/ the devnet's files: what its plugin may touch
//! <home>/devnets/<name>/logs/  one log per node
//! <home>/devnets/<name>/keyring.json   its keys (0600), out of the plugin's reach
//! ```

use std::path::{Path, PathBuf};

/// The environment variable that names the home when `--home` is not given.
pub const HOME_ENV: &str = "DEVNET_HOME";

#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `--home`, else `$DEVNET_HOME`, else `$HOME/.local/share/devnet-builder`. Made absolute.
    pub fn resolve(arg: Option<&Path>) -> Self {
        let root = arg
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
            .unwrap_or_else(|| {
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| "/tmp".into());
                home.join(".local/share/devnet-builder")
            });
        let root = std::path::absolute(&root).unwrap_or(root);
        Self { root }
    }

    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// devnetd's own log (`dvb daemon logs`).
    pub fn daemon_log(&self) -> PathBuf {
        self.root.join("devnetd.log")
    }

    pub fn config_file(&self) -> PathBuf {
        self.root.join("devnetd.toml")
    }

    pub fn store(&self) -> PathBuf {
        self.root.join("state.redb")
    }

    pub fn socket(&self) -> PathBuf {
        self.root.join(devnet_api::SOCKET_FILE)
    }

    pub fn aot_dir(&self) -> PathBuf {
        self.root.join("aot")
    }

    pub fn plugins_dir(&self) -> PathBuf {
        self.root.join("plugins")
    }

    /// Public keys whose plugin signatures this home accepts.
    pub fn trusted_keys_dir(&self) -> PathBuf {
        self.root.join("trusted-keys")
    }

    pub fn devnet_dir(&self, devnet: &str) -> PathBuf {
        self.root.join("devnets").join(devnet)
    }

    /// The directory granted to the devnet's plugin, and the nodes' working directory.
    pub fn chain_dir(&self, devnet: &str) -> PathBuf {
        self.devnet_dir(devnet).join("chain")
    }

    pub fn node_log(&self, devnet: &str, node: &str) -> PathBuf {
        self.devnet_dir(devnet).join("logs").join(format!("{node}.log"))
    }

    pub fn keyring(&self, devnet: &str) -> PathBuf {
        self.devnet_dir(devnet).join("keyring.json")
    }
}
