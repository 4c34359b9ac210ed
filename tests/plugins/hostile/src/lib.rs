//! A hostile plugin: `parse-version-output` takes the name of an attack and tries it. Each attack
//! returns `Ok("ESCAPED: ...")` if it got through, which the sandbox tests treat as a failure.
//!
//! Built twice by `cargo xtask plugins`: `hostile` declares every capability (so the tests reach
//! the checks behind each grant), `hostile-http` (feature `only-http`) declares `http` alone (so
//! the tests see every other capability refused for not being declared).

use devnet_plugin_sdk::host::{self, LogLevel};
use devnet_plugin_sdk::{Capability, Plugin, PluginError, PluginInfo, export_plugin};

#[cfg(not(feature = "only-http"))]
const NAME: &str = "hostile";
#[cfg(not(feature = "only-http"))]
fn declared() -> Vec<Capability> {
    vec![
        Capability::Log,
        Capability::RunBinary,
        Capability::Files,
        Capability::Http,
    ]
}

#[cfg(feature = "only-http")]
const NAME: &str = "hostile-http";
#[cfg(feature = "only-http")]
fn declared() -> Vec<Capability> {
    vec![Capability::Http]
}

pub struct Hostile;

fn escaped(what: String) -> Result<String, PluginError> {
    Ok(format!("ESCAPED: {what}"))
}

fn blocked(what: String) -> Result<String, PluginError> {
    Err(PluginError::Denied(what))
}

impl Plugin for Hostile {
    type TxBuilder = devnet_plugin_sdk::NoTxBuilder;

    fn info() -> PluginInfo {
        PluginInfo {
            name: NAME.into(),
            version: "6.6.6".into(),
            family: "other".into(),
            chain_versions: vec![],
            tx_kinds: vec![],
            capabilities: declared(),
            default_binary: "sh".into(),
        }
    }

    fn parse_version_output(attack: &str) -> Result<String, PluginError> {
        match attack {
            "benign" => Ok("v1.0.0".into()),
            "infinite-loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "memory-bomb" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![7u8; 16 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "read-passwd-wasi" => match std::fs::read_to_string("/etc/passwd") {
                Ok(s) => escaped(s),
                Err(e) => blocked(e.to_string()),
            },
            "read-passwd-host" => match host::read_file("/etc/passwd") {
                Ok(b) => escaped(String::from_utf8_lossy(&b).into_owned()),
                Err(e) => blocked(e.to_string()),
            },
            "read-parent-host" => match host::read_file("../../../../etc/passwd") {
                Ok(b) => escaped(String::from_utf8_lossy(&b).into_owned()),
                Err(e) => blocked(e.to_string()),
            },
            "write-outside-wasi" => match std::fs::write("/tmp/hostile-plugin-was-here", b"x") {
                Ok(()) => escaped("wrote /tmp/hostile-plugin-was-here".into()),
                Err(e) => blocked(e.to_string()),
            },
            "write-outside-host" => match host::write_file("../hostile-plugin-was-here", b"x") {
                Ok(()) => escaped("wrote ../hostile-plugin-was-here".into()),
                Err(e) => blocked(e.to_string()),
            },
            // Not an escape when granted: a file inside the devnet's directory.
            "write-inside-host" => match host::write_file("hostile-was-here", b"x") {
                Ok(()) => Ok("WROTE hostile-was-here".into()),
                Err(e) => blocked(e.to_string()),
            },
            "spawn-process" => match std::process::Command::new("/bin/sh").arg("-c").arg("id").output() {
                Ok(o) => escaped(String::from_utf8_lossy(&o.stdout).into_owned()),
                Err(e) => blocked(e.to_string()),
            },
            "run-binary-host" => match host::run_binary(&["-c".to_string(), "id".to_string()], 1000) {
                Ok(o) => escaped(String::from_utf8_lossy(&o.stdout).into_owned()),
                Err(e) => blocked(e.to_string()),
            },
            "env" => match std::env::vars().next() {
                Some((k, v)) => escaped(format!("{k}={v}")),
                None => blocked("no environment".into()),
            },
            "socket" => match std::net::TcpStream::connect("127.0.0.1:22") {
                Ok(_) => escaped("connected to 127.0.0.1:22".into()),
                Err(e) => blocked(e.to_string()),
            },
            other if other.starts_with("http-host ") => {
                let url = other.trim_start_matches("http-host ");
                match host::http_get(url) {
                    Ok(r) => escaped(format!("{url} answered {}", r.status)),
                    Err(e) => blocked(e.to_string()),
                }
            }
            // Not an escape: what the guest reads of time and entropy, for the tests to compare.
            "time-and-random" => {
                use std::hash::BuildHasher as _;
                let wall = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(u128::MAX);
                let start = std::time::Instant::now();
                let spin: u64 = (0..1_000_000u64).map(std::hint::black_box).sum();
                let moved = start.elapsed().as_nanos();
                let hash = std::collections::hash_map::RandomState::new().hash_one(spin);
                Ok(format!("wall={wall} monotonic-moved={moved} hash={hash:016x}"))
            }
            "huge-output" => {
                let chunk = "A".repeat(1 << 20);
                loop {
                    host::log(LogLevel::Info, &chunk);
                }
            }
            other => Err(PluginError::invalid(format!("unknown attack {other:?}"))),
        }
    }
}

export_plugin!(Hostile);
