//! devnetd's settings: `<home>/devnetd.toml`, each key overridable by `DEVNET_<KEY>` in the
//! environment (e.g. `DEVNET_STOP_NODES_ON_EXIT=true`), else the default. Unknown keys and
//! values of the wrong type are refused with the key named.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{DaemonError, Home};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Stop every node when the daemon exits (by default they keep running and are adopted by
    /// the next daemon).
    pub stop_nodes_on_exit: bool,
    /// Restarts in a row before a node is marked Failed.
    pub restart_limit: u32,
    /// The first restart's delay; it doubles up to `restart_backoff_max_ms`.
    pub restart_backoff_ms: u64,
    pub restart_backoff_max_ms: u64,
    /// SIGTERM, then SIGKILL after this long.
    pub stop_grace_secs: u64,
    /// A running chain whose height has not moved for this long is reported stuck.
    pub stuck_after_secs: u64,
    /// How often the Health controller asks each node for its status.
    pub health_interval_ms: u64,
    /// Loopback ports for nodes are taken from this range (inclusive), below Linux's
    /// ephemeral range so outgoing connections never hold them.
    pub port_range: [u16; 2],
    /// Where plugin components (`<name>.wasm`) are looked for, after `<home>/plugins`.
    pub plugin_path: Vec<PathBuf>,
    /// A node log is rotated past this size; this many rotated files are kept.
    pub log_max_bytes: u64,
    pub log_keep: u32,
    /// The Docker engine for `--runtime docker` nodes (`unix:///…`, `tcp://…`); empty:
    /// `DOCKER_HOST`, else `unix:///var/run/docker.sock`.
    pub docker_host: String,
    /// Where to serve Prometheus metrics (`GET /metrics`), e.g. `127.0.0.1:9464`; empty: none.
    pub metrics_listen: String,
    /// Where to serve the API remotely, over TLS with tokens (`dvb daemon token create`), e.g.
    /// `127.0.0.1:7443`; empty: the unix socket only.
    pub listen: String,
    /// The listener's certificate chain and key (PEM); both empty: a self-signed certificate
    /// made at the first start (`<home>/tls/`), its fingerprint in `dvb daemon status`.
    pub tls_cert: String,
    pub tls_key: String,
    /// Docker engines on other machines (`[[docker.hosts]]`) that `dvb deploy --runtime docker
    /// --hosts a,b` spreads nodes over.
    pub docker: DockerConfig,
}

/// `[docker]` of devnetd.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DockerConfig {
    #[serde(default)]
    pub hosts: Vec<DockerHostConfig>,
}

/// One `[[docker.hosts]]`: an engine on another machine, reached over TCP with mutual TLS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerHostConfig {
    /// What `--hosts` and `--place` call it.
    pub name: String,
    /// `tcp://address:port` of its engine (dockerd `--tlsverify -H tcp://…:2376`).
    pub url: String,
    /// This daemon's client certificate and key, and the CA of the engine's certificate (PEM;
    /// a relative path is taken from the daemon's home).
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
    /// Where nodes on it are reached, by their peers and by this daemon; empty: the URL's host.
    #[serde(default)]
    pub address: String,
}

impl DockerHostConfig {
    /// Where its nodes are reached: `address`, else the URL's host.
    pub fn node_address(&self) -> String {
        if !self.address.is_empty() {
            return self.address.clone();
        }
        let rest = self.url.trim_start_matches("tcp://");
        let authority = rest.split('/').next().unwrap_or(rest);
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
            _ => authority,
        };
        // `[::1]` in a URL is `::1` to connect to.
        host.trim_start_matches('[').trim_end_matches(']').to_string()
    }

    /// As the runtime takes it, its files' paths made absolute from `home`.
    pub fn runtime_host(&self, home: &std::path::Path) -> devnet_runtime::DockerHost {
        devnet_runtime::DockerHost {
            name: self.name.clone(),
            url: self.url.clone(),
            cert: home.join(&self.cert),
            key: home.join(&self.key),
            ca: home.join(&self.ca),
            address: self.node_address(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            stop_nodes_on_exit: false,
            restart_limit: 5,
            restart_backoff_ms: 1000,
            restart_backoff_max_ms: 30_000,
            stop_grace_secs: 10,
            stuck_after_secs: 30,
            health_interval_ms: 1000,
            port_range: [20000, 32000],
            plugin_path: Vec::new(),
            log_max_bytes: 64 << 20,
            log_keep: 3,
            docker_host: String::new(),
            metrics_listen: String::new(),
            listen: String::new(),
            tls_cert: String::new(),
            tls_key: String::new(),
            docker: DockerConfig::default(),
        }
    }
}

/// Where one setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub key: String,
    pub from: String,
}

impl Config {
    /// The config of `home`: its file, then the environment, then defaults.
    pub fn load(home: &Home) -> Result<(Self, Vec<Source>), DaemonError> {
        let path = home.config_file();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(DaemonError::io(format!("reading {}", path.display()))(e)),
        };
        Self::from_parts(&text, &path.display().to_string(), |k| std::env::var(k).ok())
    }

    /// The config from a file's text and an environment lookup.
    pub fn from_parts(
        file: &str,
        file_name: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(Self, Vec<Source>), DaemonError> {
        let bad = |m: String| DaemonError::InvalidArgument(m);
        let mut table: toml::Table = toml::from_str(file).map_err(|e| bad(format!("{file_name}: {e}")))?;
        let known = Self::keys();
        let mut sources = Vec::new();
        for key in table.keys() {
            if !known.contains(key) {
                return Err(bad(format!(
                    "{file_name}: unknown setting `{key}`; the settings are: {}",
                    known.join(", ")
                )));
            }
            sources.push(Source {
                key: key.clone(),
                from: format!("file {file_name}"),
            });
        }
        for key in &known {
            let var = format!("DEVNET_{}", key.to_uppercase());
            let Some(raw) = env(&var) else { continue };
            let value = Self::env_value(key, &raw).map_err(|e| bad(format!("{var}={raw:?}: {e}")))?;
            table.insert(key.clone(), value);
            sources.retain(|s| &s.key != key);
            sources.push(Source {
                key: key.clone(),
                from: format!("env {var}"),
            });
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| bad(format!("{file_name} (with DEVNET_* overrides): {e}")))?;
        config.check().map_err(|e| bad(format!("{file_name}: {e}")))?;
        for key in known {
            if !sources.iter().any(|s| s.key == key) {
                sources.push(Source {
                    key,
                    from: "default".into(),
                });
            }
        }
        Ok((config, sources))
    }

    fn keys() -> Vec<String> {
        match toml::Value::try_from(Self::default()) {
            Ok(toml::Value::Table(t)) => t.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// An environment value as TOML: `true`, `5`, `[20000, 21000]`; a path list is `a:b`.
    fn env_value(key: &str, raw: &str) -> Result<toml::Value, String> {
        if matches!(
            key,
            "docker_host" | "metrics_listen" | "listen" | "tls_cert" | "tls_key"
        ) {
            return Ok(toml::Value::String(raw.to_string()));
        }
        if key == "plugin_path" {
            return Ok(toml::Value::Array(
                raw.split(':')
                    .filter(|p| !p.is_empty())
                    .map(|p| toml::Value::String(p.to_string()))
                    .collect(),
            ));
        }
        let doc: toml::Table = toml::from_str(&format!("v = {raw}")).map_err(|_| "not a TOML value".to_string())?;
        doc.get("v").cloned().ok_or_else(|| "empty".to_string())
    }

    fn check(&self) -> Result<(), String> {
        let [lo, hi] = self.port_range;
        if lo == 0 || hi < lo || hi - lo < 64 {
            return Err(format!(
                "port_range [{lo}, {hi}]: give a range of at least 64 ports, e.g. [20000, 32000]"
            ));
        }
        if self.health_interval_ms == 0 {
            return Err("health_interval_ms must be above 0".into());
        }
        if !self.metrics_listen.is_empty() && self.metrics_listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!(
                "metrics_listen {:?}: give an address and a port, e.g. 127.0.0.1:9464 (or leave it empty: no metrics)",
                self.metrics_listen
            ));
        }
        if !self.listen.is_empty() && self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!(
                "listen {:?}: give an address and a port, e.g. 127.0.0.1:7443 (or leave it empty: the unix socket only)",
                self.listen
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for h in &self.docker.hosts {
            if h.name.is_empty()
                || !h
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(format!(
                    "[[docker.hosts]] name {:?}: use lower-case letters, digits and '-', e.g. \"a\" or \"rack-2\"",
                    h.name
                ));
            }
            if !names.insert(h.name.as_str()) {
                return Err(format!(
                    "[[docker.hosts]]: two hosts are named {:?}; give each its own name",
                    h.name
                ));
            }
            let port = h
                .url
                .strip_prefix("tcp://")
                .and_then(|r| r.rsplit_once(':'))
                .map(|(_, p)| p);
            if port.is_none_or(|p| p.parse::<u16>().is_err()) {
                return Err(format!(
                    "[[docker.hosts]] {}: url {:?}: give tcp://address:port, e.g. tcp://10.0.0.2:2376 (its engine \
                     listening with --tlsverify)",
                    h.name, h.url
                ));
            }
            for (what, path) in [("cert", &h.cert), ("key", &h.key), ("ca", &h.ca)] {
                if path.as_os_str().is_empty() {
                    return Err(format!(
                        "[[docker.hosts]] {}: no {what}: the engine is reached with mutual TLS; give cert, key and ca \
                         (PEM files)",
                        h.name
                    ));
                }
            }
        }
        if self.tls_cert.is_empty() != self.tls_key.is_empty() {
            return Err(format!(
                "tls_cert {:?} and tls_key {:?}: give both (PEM files), or neither for a self-signed certificate",
                self.tls_cert, self.tls_key
            ));
        }
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn stop_grace(&self) -> Duration {
        Duration::from_secs(self.stop_grace_secs)
    }

    /// Where the Docker engine is, as configured or by default.
    pub fn docker_host(&self) -> String {
        if self.docker_host.is_empty() {
            devnet_runtime::default_docker_host()
        } else {
            self.docker_host.clone()
        }
    }

    pub fn restart_policy(&self) -> devnet_runtime::RestartPolicy {
        devnet_runtime::RestartPolicy {
            limit: self.restart_limit,
            initial_backoff: Duration::from_millis(self.restart_backoff_ms),
            max_backoff: Duration::from_millis(self.restart_backoff_max_ms),
            ..devnet_runtime::RestartPolicy::default()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_environment_should_override_the_file_and_say_so() {
        let file = "restart_limit = 2\nstuck_after_secs = 9\n";
        let env = |k: &str| (k == "DEVNET_RESTART_LIMIT").then(|| "7".to_string());
        let (c, sources) = Config::from_parts(file, "devnetd.toml", env).unwrap();
        assert_eq!(c.restart_limit, 7);
        assert_eq!(c.stuck_after_secs, 9);
        assert_eq!(c.stop_grace_secs, Config::default().stop_grace_secs);
        let from = |k: &str| sources.iter().find(|s| s.key == k).unwrap().from.clone();
        assert_eq!(from("restart_limit"), "env DEVNET_RESTART_LIMIT");
        assert_eq!(from("stuck_after_secs"), "file devnetd.toml");
        assert_eq!(from("log_keep"), "default");
    }

    #[test]
    fn a_path_list_should_come_from_a_colon_separated_variable() {
        let env = |k: &str| (k == "DEVNET_PLUGIN_PATH").then(|| "/a:/b".to_string());
        let (c, _) = Config::from_parts("", "f", env).unwrap();
        assert_eq!(c.plugin_path, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
    }

    #[test]
    fn metrics_listen_should_be_an_address_and_port_or_nothing() {
        let env = |v: &'static str| move |k: &str| (k == "DEVNET_METRICS_LISTEN").then(|| v.to_string());
        let (c, _) = Config::from_parts("", "f", env("127.0.0.1:9464")).unwrap();
        assert_eq!(c.metrics_listen, "127.0.0.1:9464");
        assert_eq!(Config::from_parts("", "f", |_| None).unwrap().0.metrics_listen, "");
        let e = Config::from_parts("metrics_listen = \"9464\"", "f", |_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("metrics_listen") && e.contains("127.0.0.1:9464"), "{e}");
    }

    #[test]
    fn listen_should_be_an_address_and_tls_files_should_come_in_pairs() {
        let (c, _) = Config::from_parts("listen = \"127.0.0.1:7443\"", "f", |_| None).unwrap();
        assert_eq!(c.listen, "127.0.0.1:7443");
        let e = Config::from_parts("listen = \"localhost\"", "f", |_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("listen") && e.contains("127.0.0.1:7443"), "{e}");
        let e = Config::from_parts("tls_cert = \"/c.pem\"", "f", |_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("tls_key") && e.contains("both"), "{e}");
    }

    #[test]
    fn docker_hosts_should_be_read_and_checked() {
        let file = "[[docker.hosts]]\nname = \"a\"\nurl = \"tcp://10.213.0.2:2376\"\ncert = \"tls/cert.pem\"\n\
                    key = \"tls/key.pem\"\nca = \"/etc/ca.pem\"\n";
        let (c, _) = Config::from_parts(file, "f", |_| None).unwrap();
        let host = &c.docker.hosts[0];
        assert_eq!(host.node_address(), "10.213.0.2");
        let six = Config::from_parts(&file.replace("10.213.0.2", "[fd00::2]"), "f", |_| None).unwrap();
        assert_eq!(six.0.docker.hosts[0].node_address(), "fd00::2");
        let runtime = host.runtime_host(std::path::Path::new("/home/d"));
        assert_eq!(runtime.cert, PathBuf::from("/home/d/tls/cert.pem"));
        assert_eq!(runtime.ca, PathBuf::from("/etc/ca.pem"));
        let bad = |text: &str| Config::from_parts(text, "f", |_| None).unwrap_err().to_string();
        let e = bad(&file.replace("tcp://10.213.0.2:2376", "10.213.0.2"));
        assert!(e.contains("tcp://address:port"), "{e}");
        let e = bad(&file.replace("ca = \"/etc/ca.pem\"\n", "ca = \"\"\n"));
        assert!(e.contains("no ca"), "{e}");
        let e = bad(&format!("{file}{file}"));
        assert!(e.contains("two hosts are named \"a\""), "{e}");
        let e = bad(&file.replace("name = \"a\"", "name = \"A b\""));
        assert!(e.contains("lower-case"), "{e}");
        let e = bad(&format!("{file}tls = true\n"));
        assert!(e.contains("tls"), "{e}");
    }

    #[test]
    fn bad_settings_should_be_named() {
        let e = Config::from_parts("restart_limt = 2", "f", |_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`restart_limt`") && e.contains("restart_limit"), "{e}");
        let e = Config::from_parts("restart_limit = \"x\"", "f", |_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("restart_limit"), "{e}");
        let env = |k: &str| (k == "DEVNET_STOP_NODES_ON_EXIT").then(|| "yes please".to_string());
        let e = Config::from_parts("", "f", env).unwrap_err().to_string();
        assert!(e.contains("DEVNET_STOP_NODES_ON_EXIT"), "{e}");
        let e = Config::from_parts("port_range = [30000, 30010]", "f", |_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least 64"), "{e}");
    }
}
