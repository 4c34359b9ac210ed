//! The `docker.*` settings of a devnet (`dvb deploy --runtime docker --set docker.cpus=1.5`):
//! the daemon's, not the plugin's, so they never reach it.

use devnet_core::{NodeLimits, RuntimeKind};

/// Settings under this prefix are the runtime's.
pub const PREFIX: &str = "docker.";

const KEYS: &str = "docker.cpus (e.g. 1.5), docker.memory (e.g. 512m, 2g), docker.network (host or bridge)";

/// What a devnet's `docker.*` settings ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DockerSettings {
    /// Per-node limits.
    pub limits: NodeLimits,
    /// `docker.network=bridge`: the devnet on a network of its own, each node at a fixed
    /// address on it, its ports published on 127.0.0.1; otherwise host networking.
    pub bridge: bool,
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
            _ => return Err(format!("unknown setting {key}; the Docker settings are: {KEYS}")),
        }
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
        assert!(!parse(&set("docker.network", "host"), docker).unwrap().bridge);
        let local = parse(&set("docker.cpus", "1"), RuntimeKind::Local).unwrap_err();
        assert!(local.contains("--runtime docker"), "{local}");
        assert_eq!(
            parse(&set("block-time", "1s"), RuntimeKind::Local).unwrap(),
            DockerSettings::default()
        );
    }
}
