//! The tests' Docker engine, driven through the `docker` CLI (as a user would check on it).

use std::process::{Command, Output};

/// The private engine the tests use (see `devnet_test_fixtures::docker_host`): fails, saying how
/// to start one, when none answers.
pub fn host() -> String {
    devnet_test_fixtures::docker_host()
}

/// `docker -H <host> <args>` (a CLI that cannot run is an empty failed output: this is called
/// from drops too).
pub fn cli(host: &str, args: &[&str]) -> Output {
    Command::new("docker")
        .arg("-H")
        .arg(host)
        .args(args)
        .output()
        .unwrap_or_else(|e| Output {
            status: std::os::unix::process::ExitStatusExt::from_raw(1 << 8),
            stdout: Vec::new(),
            stderr: format!("running the docker CLI (Debian: apt-get install docker.io): {e}").into_bytes(),
        })
}

/// `docker … <args>`'s stdout; fails with its stderr unless it succeeded.
pub fn cli_ok(host: &str, args: &[&str]) -> String {
    let out = cli(host, args);
    assert!(
        out.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Ids of the containers, running or not, labelled with the daemon home `home`.
pub fn containers(host: &str, home: &str) -> Vec<String> {
    let filter = format!("label=dev.devnet-builder.home={home}");
    cli_ok(host, &["ps", "-a", "-q", "--no-trunc", "--filter", &filter])
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Ids of the networks labelled with the daemon home `home`.
pub fn networks(host: &str, home: &str) -> Vec<String> {
    let filter = format!("label=dev.devnet-builder.home={home}");
    cli_ok(host, &["network", "ls", "-q", "--no-trunc", "--filter", &filter])
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The image a container runs.
pub fn image_of(host: &str, container: &str) -> String {
    cli_ok(host, &["inspect", "--format", "{{.Config.Image}}", container])
        .trim()
        .to_string()
}

/// A private Docker engine of one test's own (beside the shared one: its own directory, socket,
/// bridge and address pool), started and stopped through `scripts/dockerd`; stopped on drop.
pub struct PrivateEngine {
    env: Vec<(&'static str, String)>,
    pub host: String,
}

impl PrivateEngine {
    /// An engine in `/tmp/devnet-dockerd-<name>-<pid>`, on a bridge of this process's own
    /// (`dvb<n><pid>`) with 10.213+2n.0.1/24 and containers' networks from 10.214+2n.0.0/16.
    pub fn start(name: &str, n: u8) -> Self {
        let pid = std::process::id();
        let dir = format!("/tmp/devnet-dockerd-{name}-{pid}");
        let engine = Self {
            env: vec![
                ("DEVNET_DOCKER_DIR", dir.clone()),
                ("DEVNET_DOCKER_BRIDGE", format!("dvb{n}{}", pid % 10_000_000)),
                (
                    "DEVNET_DOCKER_BRIDGE_CIDR",
                    format!("10.{}.0.1/24", 213 + 2 * u32::from(n)),
                ),
                ("DEVNET_DOCKER_POOL", format!("10.{}.0.0/16", 214 + 2 * u32::from(n))),
            ],
            host: format!("unix://{dir}/docker.sock"),
        };
        engine.script("start");
        engine
    }

    fn run_script(&self, verb: &str) -> std::io::Result<Output> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Command::new(root.join("scripts/dockerd"))
            .arg(verb)
            .envs(self.env.iter().map(|(k, v)| (k, v.as_str())))
            .output()
    }

    fn script(&self, verb: &str) {
        let out = self.run_script(verb).expect("scripts/dockerd runs");
        assert!(
            out.status.success(),
            "scripts/dockerd {verb}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops the engine (its containers stop with it).
    pub fn stop(&self) {
        self.script("stop");
    }

    /// Starts it again on the same data.
    pub fn restart(&self) {
        self.script("start");
    }
}

impl Drop for PrivateEngine {
    /// Never a panic: this runs while a failed test unwinds too.
    fn drop(&mut self) {
        let _ = self.run_script("stop");
        if let Some((_, dir)) = self.env.iter().find(|(k, _)| *k == "DEVNET_DOCKER_DIR") {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
