//! The `docker.*` settings of a devnet (`dvb deploy --runtime docker --set docker.cpus=1.5`):
//! the daemon's, not the plugin's, so they never reach it.

use devnet_core::{NodeLimits, RuntimeKind};

/// Settings under this prefix are the runtime's.
pub const PREFIX: &str = "docker.";

const KEYS: &str = "docker.cpus (e.g. 1.5), docker.memory (e.g. 512m, 2g), docker.network (host or bridge), \
                    docker.hosts (e.g. a,b), docker.place (e.g. validator-0=a)";

/// What a devnet's `docker.*` settings ask for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DockerSettings {
    /// Per-node limits.
    pub limits: NodeLimits,
    /// `docker.network=bridge`: the devnet on a network of its own, each node at a fixed
    /// address on it, its ports published on 127.0.0.1; otherwise host networking.
    pub bridge: bool,
    /// `docker.hosts=a,b` (`--hosts`): the Docker hosts of devnetd.toml the nodes go to, round
    /// robin; none: the daemon's own engine.
    pub hosts: Vec<String>,
    /// `docker.place=validator-0=a,full-0=b` (`--place`): nodes pinned to a host.
    pub place: std::collections::BTreeMap<String, String>,
}

impl DockerSettings {
    /// The Docker host of the node named `node` at `index`, if the devnet is spread over hosts.
    pub fn host_of(&self, node: &str, index: usize) -> Option<&str> {
        if self.hosts.is_empty() {
            return None;
        }
        Some(self.place.get(node).unwrap_or(&self.hosts[index % self.hosts.len()]))
    }
}

/// A Docker host name as devnetd.toml allows it.
fn host_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "{name:?} is not a Docker host name (lower-case letters, digits, '-')"
        ));
    }
    Ok(name)
}

/// Whether `key` is a runtime setting rather than the plugin's.
pub fn is_runtime_setting(key: &str) -> bool {
    key.starts_with(PREFIX)
}

/// What `overrides` ask of Docker; an unknown or malformed `docker.*` setting, or one given to a
/// devnet not in Docker, is refused with what to write instead.
pub fn parse(overrides: &[(String, String)], runtime: RuntimeKind) -> Result<DockerSettings, String> {
    let mut settings = DockerSettings::default();
    let limits = &mut settings.limits;
    for (key, value) in overrides.iter().filter(|(k, _)| is_runtime_setting(k)) {
        if runtime != RuntimeKind::Docker {
            return Err(format!(
                "setting {key}: the docker.* settings are for nodes in Docker; add --runtime docker, or drop it"
            ));
        }
        match key.as_str() {
            "docker.cpus" => limits.nano_cpus = Some(cpus(value).map_err(|e| format!("setting {key}={value:?}: {e}"))?),
            "docker.memory" => {
                limits.memory_bytes = Some(bytes(value).map_err(|e| format!("setting {key}={value:?}: {e}"))?);
            }
            "docker.network" => match value.as_str() {
                "host" => settings.bridge = false,
                "bridge" => settings.bridge = true,
                _ => {
                    return Err(format!(
                        "setting {key}={value:?}: use host (the default: the nodes on the machine's \
                         loopback) or bridge (a network of the devnet's own)"
                    ));
                }
            },
            "docker.hosts" => {
                for name in value.split(',') {
                    let name = host_name(name).map_err(|e| format!("setting {key}={value:?}: {e}"))?;
                    if settings.hosts.iter().any(|h| h == name) {
                        return Err(format!("setting {key}={value:?}: {name} is named twice"));
                    }
                    settings.hosts.push(name.to_string());
                }
            }
            "docker.place" => {
                for pair in value.split(',') {
                    let Some((node, host)) = pair.split_once('=') else {
                        return Err(format!(
                            "setting {key}={value:?}: give node=host pairs, e.g. validator-0=a,full-0=b"
                        ));
                    };
                    let host = host_name(host).map_err(|e| format!("setting {key}={value:?}: {e}"))?;
                    if settings
                        .place
                        .insert(node.trim().to_string(), host.to_string())
                        .is_some()
                    {
                        return Err(format!("setting {key}={value:?}: {} is placed twice", node.trim()));
                    }
                }
            }
            _ => return Err(format!("unknown setting {key}; the Docker settings are: {KEYS}")),
        }
    }
    if !settings.place.is_empty() && settings.hosts.is_empty() {
        return Err(
            "docker.place pins nodes to Docker hosts: give docker.hosts too (--hosts a,b), the hosts the \
             other nodes go to"
                .into(),
        );
    }
    if let Some((node, host)) = settings.place.iter().find(|(_, h)| !settings.hosts.contains(h)) {
        return Err(format!(
            "docker.place puts {node} on {host}, which is not in docker.hosts ({}); add it to --hosts",
            settings.hosts.join(",")
        ));
    }
    if settings.bridge && !settings.hosts.is_empty() {
        return Err(
            "docker.network=bridge is a network on one engine; nodes spread over Docker hosts use each \
             host's network: drop one of docker.network and docker.hosts"
                .into(),
        );
    }
    Ok(settings)
}

/// `1.5` CPUs as billionths.
fn cpus(value: &str) -> Result<u64, String> {
    let n: f64 = value
        .trim()
        .parse()
        .map_err(|_| "a number of CPUs, e.g. 0.5 or 2".to_string())?;
    if !(0.01..=1024.0).contains(&n) {
        return Err("give between 0.01 and 1024 CPUs".into());
    }
    Ok((n * 1e9).round() as u64)
}

/// `512m`, `2g`, `1048576` as bytes (Docker's units: b, k, m, g, powers of 1024).
fn bytes(value: &str) -> Result<u64, String> {
    let v = value.trim().to_ascii_lowercase();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (digits, unit) = v.split_at(split);
    let n: u64 = digits.parse().map_err(|_| "a size such as 512m or 2g".to_string())?;
    let factor: u64 = match unit.trim_end_matches('b') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return Err(format!("unit {unit:?}: use b, k, m or g (e.g. 512m)")),
    };
    let total = n.checked_mul(factor).ok_or("too large")?;
    // Docker's own floor: a smaller limit is refused by the engine at container start.
    if total < 6 << 20 {
        return Err("at least 6m (Docker refuses less)".into());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(k: &str, v: &str) -> Vec<(String, String)> {
        vec![(k.to_string(), v.to_string())]
    }

    #[test]
    fn settings_should_parse_cpus_and_memory_in_dockers_units() {
        let l = parse(
            &[
                ("docker.cpus".into(), "1.5".into()),
                ("docker.memory".into(), "512m".into()),
                ("gov.voting-period".into(), "20s".into()),
            ],
            RuntimeKind::Docker,
        )
        .unwrap()
        .limits;
        assert_eq!(l.nano_cpus, Some(1_500_000_000));
        assert_eq!(l.memory_bytes, Some(512 << 20));
        assert_eq!(
            parse(&set("docker.memory", "2g"), RuntimeKind::Docker)
                .unwrap()
                .limits
                .memory_bytes,
            Some(2 << 30)
        );
    }

    #[test]
    fn settings_should_refuse_bad_values_unknown_keys_and_a_local_devnet() {
        let docker = RuntimeKind::Docker;
        assert!(
            parse(&set("docker.cpus", "lots"), docker)
                .unwrap_err()
                .contains("number of CPUs")
        );
        assert!(parse(&set("docker.cpus", "0"), docker).unwrap_err().contains("between"));
        assert!(parse(&set("docker.memory", "5x"), docker).unwrap_err().contains("unit"));
        assert!(parse(&set("docker.memory", "1k"), docker).unwrap_err().contains("6m"));
        assert!(
            parse(&set("docker.gpus", "1"), docker)
                .unwrap_err()
                .contains("docker.cpus")
        );
        assert!(
            parse(&set("docker.network", "overlay"), docker)
                .unwrap_err()
                .contains("bridge")
        );
        assert!(parse(&set("docker.network", "bridge"), docker).unwrap().bridge);
        let spread = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            parse(&pairs, docker)
        };
        let s = spread(&[("docker.hosts", "a, b"), ("docker.place", "validator-1=a")]).unwrap();
        let placed: Vec<_> = (0..4).map(|i| s.host_of(&format!("validator-{i}"), i)).collect();
        assert_eq!(placed, [Some("a"), Some("a"), Some("a"), Some("b")]);
        assert_eq!(
            spread(&[("docker.hosts", "a")]).unwrap().host_of("full-0", 4),
            Some("a")
        );
        assert_eq!(DockerSettings::default().host_of("validator-0", 0), None);
        let e = spread(&[("docker.place", "validator-0=a")]).unwrap_err();
        assert!(e.contains("give docker.hosts too"), "{e}");
        let e = spread(&[("docker.hosts", "a"), ("docker.place", "validator-0=c")]).unwrap_err();
        assert!(e.contains("not in docker.hosts"), "{e}");
        let e = spread(&[("docker.hosts", "a,a")]).unwrap_err();
        assert!(e.contains("twice"), "{e}");
        let e = spread(&[("docker.hosts", "A")]).unwrap_err();
        assert!(e.contains("not a Docker host name"), "{e}");
        let e = spread(&[("docker.hosts", "a"), ("docker.place", "validator-0")]).unwrap_err();
        assert!(e.contains("node=host"), "{e}");
        let e = spread(&[("docker.hosts", "a"), ("docker.network", "bridge")]).unwrap_err();
        assert!(e.contains("drop one"), "{e}");
        assert!(!parse(&set("docker.network", "host"), docker).unwrap().bridge);
        let local = parse(&set("docker.cpus", "1"), RuntimeKind::Local).unwrap_err();
        assert!(local.contains("--runtime docker"), "{local}");
        assert_eq!(
            parse(&set("block-time", "1s"), RuntimeKind::Local).unwrap(),
            DockerSettings::default()
        );
    }
}
