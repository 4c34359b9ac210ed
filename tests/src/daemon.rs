//! A real devnetd on a temporary home, and dvb run against it, as a user would: the binaries
//! `target/debug/devnetd` and `target/debug/dvb` (built on first use), the chain binaries from
//! the cache, the plugins from `target/plugins`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use devnet_runtime::marked_leaders;

fn repo_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|dir| dir.join("plugins/Cargo.toml").exists())
        .unwrap_or(manifest_dir)
        .to_path_buf()
}

/// `target/debug/<name>`, after one `cargo build` per test process. It is part of the build
/// `scripts/test` runs (`--workspace --all-targets`, under its clippy wrapper, whose variables
/// the tests inherit), so it is a no-op there (a `cargo test` without those variables rebuilds
/// the workspace's crates once, here): a narrower one
/// (`-p devnet-daemon -p devnet-cli --bins`) resolves other features (the e2e crate's
/// dev-dependencies are left out), rebuilt tokio, tonic and the daemon in the middle of the
/// suite, and held every daemon test for about 9 minutes on a fresh clone.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let root = repo_root();
    let built = BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args(["build", "--quiet", "--workspace", "--bins", "--tests"])
            .current_dir(&root)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    });
    if let Err(e) = built {
        panic!("building devnetd and dvb failed:\n{e}");
    }
    root.join("target/debug").join(name)
}

/// A devnetd serving a temporary home; killed (and every node of its home with it) when dropped.
pub struct Daemon {
    pub home: tempfile::TempDir,
    child: Option<Child>,
    /// The Docker engine its containers run in, when the test uses one: they go on drop too.
    docker: Option<String>,
}

/// What one dvb run did.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Self {
        Self {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("dvb printed no JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

impl Daemon {
    /// A fresh home with no daemon yet (for standalone dvb).
    pub fn home_only() -> Self {
        // Short: the socket path must fit a unix socket address.
        let home = tempfile::Builder::new()
            .prefix("dvb")
            .tempdir_in("/tmp")
            .expect("a temp dir in /tmp");
        Self {
            home,
            child: None,
            docker: None,
        }
    }

    /// A devnetd on a fresh home, serving once its socket answers.
    pub fn start() -> Self {
        let mut d = Self::home_only();
        d.serve();
        d
    }

    /// A devnetd on a fresh home whose Docker engine is the tests' private one
    /// ([`crate::docker::host`]); its containers are removed when it is dropped.
    pub fn start_with_docker() -> Self {
        let mut d = Self::home_only();
        d.set_docker();
        d.serve();
        d
    }

    /// Every daemon of this home uses the tests' private Docker engine from now on, and the
    /// home's containers are removed on drop.
    pub fn set_docker(&mut self) {
        self.set_docker_host(&crate::docker::host());
    }

    /// Every daemon of this home uses the Docker engine at `host`.
    pub fn set_docker_host(&mut self, host: &str) {
        self.docker = Some(host.to_string());
    }

    /// The Docker engine of [`Self::start_with_docker`].
    pub fn docker_host(&self) -> &str {
        self.docker.as_deref().expect("a daemon started with start_with_docker")
    }

    /// The containers (running or not) labelled with this home.
    pub fn containers(&self) -> Vec<String> {
        crate::docker::containers(self.docker_host(), &self.path().display().to_string())
    }

    /// The Docker networks labelled with this home.
    pub fn networks(&self) -> Vec<String> {
        crate::docker::networks(self.docker_host(), &self.path().display().to_string())
    }

    pub fn path(&self) -> &Path {
        self.home.path()
    }

    /// Starts devnetd on this home and waits until `dvb daemon status` reaches it.
    pub fn serve(&mut self) {
        self.serve_with(&[]);
    }

    /// [`Self::serve`] with settings from the environment (`DEVNET_<KEY>`).
    pub fn serve_with(&mut self, env: &[(&str, &str)]) {
        self.spawn_with(env);
        crate::wait_for("devnetd to answer", Duration::from_secs(30), || {
            if let Some(c) = self.child.as_mut()
                && let Some(status) = c.try_wait()?
            {
                anyhow::bail!("devnetd exited ({status}):\n{}", self.daemon_log());
            }
            let run = self.dvb(&["daemon", "status", "-o", "json"]);
            Ok((run.ok && run.json()["running"] == true).then_some(()))
        })
        .expect("devnetd serving");
    }

    /// Starts devnetd on this home with `env`, without waiting for it to serve.
    pub fn spawn_with(&mut self, env: &[(&str, &str)]) {
        assert!(self.child.is_none(), "a daemon already serves this home");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path().join("devnetd.test.log"))
            .expect("the daemon's log");
        let child = Command::new(binary("devnetd"))
            .arg("--home")
            .arg(self.path())
            .env("DEVNET_LOG", "info")
            .envs(self.docker.iter().map(|h| ("DEVNET_DOCKER_HOST", h.as_str())))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("devnetd starts");
        self.child = Some(child);
    }

    pub fn daemon_pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The daemon's exit status once it has exited by itself, waiting at most `limit`; `None`
    /// while it still runs.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = std::time::Instant::now();
        loop {
            let c = self.child.as_mut()?;
            if let Ok(Some(status)) = c.try_wait() {
                self.child = None;
                return Some(status);
            }
            if started.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL to the daemon, as a crash: nothing of it runs after this.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, and its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("a running daemon");
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(c.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .expect("SIGTERM");
        crate::wait_for("devnetd to exit", Duration::from_secs(60), || Ok(c.try_wait()?))
            .expect("devnetd exits after SIGTERM")
    }

    pub fn daemon_log(&self) -> String {
        std::fs::read_to_string(self.path().join("devnetd.test.log")).unwrap_or_default()
    }

    /// Runs dvb on this home.
    pub fn dvb(&self, args: &[&str]) -> Run {
        let out = Command::new(binary("dvb"))
            .arg("--home")
            .arg(self.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("dvb runs");
        Run::from(out)
    }

    /// Runs dvb and fails with its output unless it succeeded.
    pub fn dvb_ok(&self, args: &[&str]) -> Run {
        let run = self.dvb(args);
        assert!(
            run.ok,
            "dvb {} failed:\n{}\n{}\n--- devnetd log (tail) ---\n{}",
            args.join(" "),
            run.stdout,
            run.stderr,
            tail(&self.daemon_log(), 30)
        );
        run
    }

    /// `dvb deploy` of a cosmos devnet with `validators` validators making a block every 300 ms
    /// (and the `--set` settings in `settings`), waiting for its first block.
    pub fn deploy_cosmos(&self, name: &str, version: &str, validators: u32, settings: &[&str]) -> Run {
        let validators = validators.to_string();
        let mut args = vec![
            "deploy",
            "--name",
            name,
            "--network",
            "cosmos",
            "--version",
            version,
            "--validators",
            &validators,
            "--set",
            "block-time=300ms",
        ];
        for s in settings {
            args.extend(["--set", s]);
        }
        self.dvb_ok(&args)
    }

    /// `dvb upgrade create <devnet> --name v050-to-v053 --to-version v0.53 --height <halt>`, with
    /// `extra` arguments; not checked (a failing upgrade is what some tests want).
    pub fn upgrade_to_v053(&self, devnet: &str, halt: u64, extra: &[&str]) -> Run {
        let halt = halt.to_string();
        let mut args = vec![
            "upgrade",
            "create",
            devnet,
            "--name",
            "v050-to-v053",
            "--to-version",
            "v0.53",
            "--height",
            &halt,
        ];
        args.extend_from_slice(extra);
        self.dvb(&args)
    }

    /// `dvb tx submit <devnet> --from validator-0 --to <to> --amount <amount> -o json`, with
    /// `extra` arguments (`--unordered`, `--no-wait`); not checked.
    pub fn transfer(&self, devnet: &str, to: &str, amount: &str, extra: &[&str]) -> Run {
        let mut args = vec![
            "tx",
            "submit",
            devnet,
            "--from",
            "validator-0",
            "--to",
            to,
            "--amount",
            amount,
            "-o",
            "json",
        ];
        args.extend_from_slice(extra);
        self.dvb(&args)
    }

    /// `dvb status <devnet> -o json`: the devnet and its nodes.
    /// `dvb status <devnet>` once `count` nodes report a height of at least `height`, or a
    /// failure after `limit` with what was seen.
    pub fn wait_heights(&self, devnet: &str, count: usize, height: u64, limit: Duration) -> serde_json::Value {
        crate::wait_for(&format!("{count} nodes at height >= {height}"), limit, || {
            let s = self.status(devnet);
            let h = heights(&s);
            Ok((h.len() == count && h.iter().all(|x| *x >= height)).then_some(s))
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn status(&self, devnet: &str) -> serde_json::Value {
        self.dvb_ok(&["status", devnet, "-o", "json"]).json()
    }

    /// Leaders of every node process this home's daemons started (they carry its marker).
    pub fn node_processes(&self) -> Vec<u32> {
        marked_leaders("DEVNETD_HOME", &self.path().display().to_string())
            .into_iter()
            .map(|p| p.pid)
            .collect()
    }
}

/// An attribute the plugin gave a transaction's outcome (`dvb tx … -o json`), e.g. an EVM
/// receipt's `gasUsed`.
pub fn tx_attribute(tx: &serde_json::Value, key: &str) -> String {
    tx["status"]["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|kv| kv[0] == key))
        .and_then(|kv| kv[1].as_str())
        .unwrap_or_else(|| panic!("no attribute {key} in {tx}"))
        .to_string()
}

/// Waits for anvil to finish a dump of its chain into `state` (it rewrites the file in place
/// every few seconds) that began after now: what it holds then survives a SIGKILL. The second
/// dump to finish from now on, as the first may have begun before.
pub fn wait_for_anvil_dump(state: &Path) {
    let modified = || std::fs::metadata(state).and_then(|m| m.modified()).ok();
    for _ in 0..2 {
        let before = modified();
        crate::wait_for("a new dump of anvil's state", Duration::from_secs(30), || {
            let fresh = modified().is_some_and(|m| Some(m) != before);
            let whole = std::fs::read(state)
                .ok()
                .is_some_and(|b| serde_json::from_slice::<serde_json::Value>(&b).is_ok());
            Ok((fresh && whole).then_some(()))
        })
        .expect("anvil dumps its state every few seconds");
    }
}

/// The nodes of a `dvb status -o json` answer.
/// Each node's height, in the order of `dvb status`.
pub fn heights(status: &serde_json::Value) -> Vec<u64> {
    nodes(status)
        .iter()
        .map(|n| n["status"]["height"].as_u64().unwrap_or(0))
        .collect()
}

/// Every port of every node.
pub fn all_ports(status: &serde_json::Value) -> Vec<u16> {
    nodes(status)
        .iter()
        .flat_map(|n| n["spec"]["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["port"].as_u64().and_then(|p| u16::try_from(p).ok()))
        .collect()
}

/// The node named `name` (`hub/validator-0`) in `dvb status -o json`.
pub fn node<'a>(status: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    status["nodes"]
        .as_array()
        .and_then(|ns| ns.iter().find(|n| n["meta"]["name"] == name))
        .unwrap_or_else(|| panic!("no node {name} in {status}"))
}

pub fn nodes(status: &serde_json::Value) -> Vec<serde_json::Value> {
    status["nodes"].as_array().cloned().unwrap_or_default()
}

/// Port `name` of one of [`nodes`].
pub fn port(node: &serde_json::Value, name: &str) -> u16 {
    node["spec"]["ports"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .and_then(|p| p["port"].as_u64())
        .unwrap_or_else(|| panic!("no port {name} in {node}")) as u16
}

pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
        if let Some(host) = &self.docker {
            // Never a panic here: this runs while a failed test unwinds too.
            let filter = format!("label=dev.devnet-builder.home={}", self.path().display());
            let out = crate::docker::cli(host, &["ps", "-a", "-q", "--filter", &filter]);
            let ids = String::from_utf8_lossy(&out.stdout).into_owned();
            let ids: Vec<&str> = ids.split_whitespace().collect();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f", "-v"];
                args.extend(ids);
                let _ = crate::docker::cli(host, &args);
            }
            // Then its devnets' networks (one in use cannot go).
            let filter = format!("label=dev.devnet-builder.home={}", self.path().display());
            let out = crate::docker::cli(host, &["network", "ls", "-q", "--filter", &filter]);
            for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = crate::docker::cli(host, &["network", "rm", id]);
            }
        }
        for pid in self.node_processes() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}
