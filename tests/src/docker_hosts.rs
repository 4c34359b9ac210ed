//! Docker hosts on "other machines" for the tests: each a network namespace of this machine
//! with its own dockerd listening on TCP with mutual TLS (`nsenter --net=…`; `ip netns exec`
//! cannot host dockerd), joined to the others by a bridge of this process's own. The daemon
//! reaches each at its address, as it would reach another machine; nothing but these
//! namespaces and the bridge is touched (no firewall rule, no sysctl), and all of it goes on
//! drop.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One Docker host in a namespace.
pub struct NsHost {
    pub name: String,
    /// Its address on the bridge: where its engine and its nodes are reached.
    pub address: String,
    /// `tcp://address:2376`.
    pub url: String,
    netns: String,
    dir: PathBuf,
}

/// The hosts, their bridge, and the certificates of their mutual TLS.
pub struct NsHosts {
    pub hosts: Vec<NsHost>,
    bridge: String,
    /// `ca.pem`, `cert.pem`/`key.pem` (the client's), `server.pem`/`server-key.pem`, and
    /// `stranger-ca.pem` (a CA that signed nothing here).
    pub tls: PathBuf,
    root: PathBuf,
}

fn run(what: &str, cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: {e} (the tests need iproute2, util-linux's nsenter and Debian's docker.io)"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{what}: {}", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn ip(args: &[&str]) -> Result<(), String> {
    run(&format!("ip {}", args.join(" ")), Command::new("ip").args(args))
}

impl NsHosts {
    /// Starts a host per name (at most 8), each on 10.241.<k>.<2+i> with k of this process.
    pub fn start(names: &[&str]) -> Result<Self, String> {
        let pid = std::process::id();
        let k = 20 + pid % 200;
        let root = PathBuf::from(format!("/tmp/dvbh-{pid}"));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).map_err(|e| format!("creating {}: {e}", root.display()))?;
        let mut made = Self {
            hosts: Vec::new(),
            bridge: format!("dvbh{}", pid % 100_000),
            tls: root.join("tls"),
            root: root.clone(),
        };
        let addresses: Vec<String> = (0..names.len()).map(|i| format!("10.241.{k}.{}", 2 + i)).collect();
        make_certificates(&made.tls, &addresses)?;
        ip(&["link", "add", &made.bridge, "type", "bridge"])?;
        ip(&["addr", "add", &format!("10.241.{k}.1/24"), "dev", &made.bridge])?;
        ip(&["link", "set", &made.bridge, "up"])?;
        for (i, name) in names.iter().enumerate() {
            let netns = format!("dvbh{pid}-{name}");
            let outside = format!("dvh{}{name}", pid % 100_000);
            let inside = format!("dvi{}{name}", pid % 100_000);
            ip(&["netns", "add", &netns])?;
            let host = NsHost {
                name: name.to_string(),
                address: addresses[i].clone(),
                url: format!("tcp://{}:2376", addresses[i]),
                netns: netns.clone(),
                dir: root.join(name),
            };
            made.hosts.push(host);
            ip(&["link", "add", &outside, "type", "veth", "peer", "name", &inside])?;
            ip(&["link", "set", &inside, "netns", &netns])?;
            ip(&["link", "set", &outside, "master", &made.bridge, "up"])?;
            ip(&["-n", &netns, "link", "set", "lo", "up"])?;
            ip(&[
                "-n",
                &netns,
                "addr",
                "add",
                &format!("{}/24", addresses[i]),
                "dev",
                &inside,
            ])?;
            ip(&["-n", &netns, "link", "set", &inside, "up"])?;
        }
        for i in 0..made.hosts.len() {
            made.start_engine(i)?;
        }
        Ok(made)
    }

    /// The `[[docker.hosts]]` of devnetd.toml for every host, and one more, `stranger`, at the
    /// first host's address with a CA that did not sign its certificate.
    pub fn config(&self) -> String {
        let tls = self.tls.display();
        let mut text = String::new();
        for h in &self.hosts {
            text.push_str(&format!(
                "[[docker.hosts]]\nname = \"{}\"\nurl = \"{}\"\ncert = \"{tls}/cert.pem\"\nkey = \"{tls}/key.pem\"\n\
                 ca = \"{tls}/ca.pem\"\n\n",
                h.name, h.url
            ));
        }
        if let Some(first) = self.hosts.first() {
            text.push_str(&format!(
                "[[docker.hosts]]\nname = \"stranger\"\nurl = \"{}\"\ncert = \"{tls}/cert.pem\"\nkey = \"{tls}/key.pem\"\n\
                 ca = \"{tls}/stranger-ca.pem\"\n",
                first.url
            ));
        }
        text
    }

    pub fn host(&self, name: &str) -> &NsHost {
        self.hosts
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("no test host {name}"))
    }

    /// `docker` CLI arguments that reach host `name` over its mutual TLS.
    pub fn cli_args(&self, name: &str) -> Vec<String> {
        let tls = self.tls.display();
        vec![
            "--tlsverify".into(),
            format!("--tlscacert={tls}/ca.pem"),
            format!("--tlscert={tls}/cert.pem"),
            format!("--tlskey={tls}/key.pem"),
            "-H".into(),
            self.host(name).url.clone(),
        ]
    }

    /// `docker <tls args> <args>` on host `name`: stdout, or an error with stderr.
    pub fn docker(&self, name: &str, args: &[&str]) -> Result<String, String> {
        let out = Command::new("docker")
            .args(self.cli_args(name))
            .args(args)
            .output()
            .map_err(|e| format!("running docker (Debian: apt-get install docker.io): {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The lines of `docker <args>` on `name` (ids of `ps -q`, say), or a failure.
    pub fn lines(&self, name: &str, args: &[&str]) -> Vec<String> {
        self.docker(name, args)
            .unwrap_or_else(|e| panic!("docker {} on {name}: {e}", args.join(" ")))
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn index(&self, name: &str) -> usize {
        self.hosts
            .iter()
            .position(|h| h.name == name)
            .unwrap_or_else(|| panic!("no test host {name}"))
    }

    fn start_engine(&self, i: usize) -> Result<(), String> {
        let h = &self.hosts[i];
        std::fs::create_dir_all(&h.dir).map_err(|e| format!("creating {}: {e}", h.dir.display()))?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(h.dir.join("dockerd.log"))
            .map_err(|e| e.to_string())?;
        let d = h.dir.display();
        let tls = self.tls.display();
        Command::new("setsid")
            .arg("nsenter")
            .arg(format!("--net=/run/netns/{}", h.netns))
            .arg("dockerd")
            .args(["--host", &h.url, "--tlsverify"])
            .arg(format!("--tlscacert={tls}/ca.pem"))
            .arg(format!("--tlscert={tls}/server.pem"))
            .arg(format!("--tlskey={tls}/server-key.pem"))
            .arg(format!("--data-root={d}/data"))
            .arg(format!("--exec-root={d}/exec"))
            .arg(format!("--pidfile={d}/dockerd.pid"))
            .args([
                "--bridge=none",
                "--iptables=false",
                "--ip-forward=false",
                "--ip-masq=false",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| {
                format!(
                    "starting dockerd in {} (Debian: apt-get install docker.io): {e}",
                    h.netns
                )
            })?;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if self
                .docker(&h.name, &["version", "--format", "{{.Server.Version}}"])
                .is_ok()
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let log = std::fs::read_to_string(h.dir.join("dockerd.log")).unwrap_or_default();
        Err(format!(
            "dockerd of test host {} did not answer at {} within 30 s; its log ends:\n{}",
            h.name,
            h.url,
            crate::daemon::tail(&log, 20)
        ))
    }

    /// Stops host `name`'s engine (its containers stop with it), by its pid.
    pub fn stop(&self, name: &str) {
        stop_engine(&self.hosts[self.index(name)].dir);
    }

    /// Starts host `name`'s engine again on the same data.
    pub fn restart(&self, name: &str) -> Result<(), String> {
        self.start_engine(self.index(name))
    }
}

fn stop_engine(dir: &Path) {
    let pid = std::fs::read_to_string(dir.join("dockerd.pid")).unwrap_or_default();
    if let Ok(pid) = pid.trim().parse::<i32>() {
        // Only our own dockerd: the pid file's pid must still run with our data root.
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let ours = String::from_utf8_lossy(&cmdline).contains(&format!("--data-root={}/data", dir.display()));
        if ours {
            let pid = nix::unistd::Pid::from_raw(pid);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(30) && nix::sys::signal::kill(pid, None).is_ok() {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
    let _ = Command::new("umount").arg(dir.join("exec/netns/default")).output();
}

impl Drop for NsHosts {
    /// Never a panic: this runs while a failed test unwinds too.
    fn drop(&mut self) {
        for h in &self.hosts {
            stop_engine(&h.dir);
            let _ = Command::new("ip").args(["netns", "del", &h.netns]).output();
        }
        let _ = Command::new("ip").args(["link", "del", &self.bridge]).output();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A CA, a server certificate for `addresses`, a client certificate, and a stranger CA, as PEM
/// files in `dir`.
fn make_certificates(dir: &Path, addresses: &[String]) -> Result<(), String> {
    use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
    let bad = |e: rcgen::Error| format!("making the test hosts' certificates: {e}");
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let ca = |name: &str| -> Result<(rcgen::Certificate, CertificateParams, KeyPair), String> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(bad)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().map_err(bad)?;
        let cert = params.self_signed(&key).map_err(bad)?;
        Ok((cert, params, key))
    };
    let (ca_cert, ca_params, ca_key) = ca("devnet-builder test hosts CA")?;
    let issuer = Issuer::new(ca_params, ca_key);
    let mut server = CertificateParams::new(addresses.to_vec()).map_err(bad)?;
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate().map_err(bad)?;
    let server_cert = server.signed_by(&server_key, &issuer).map_err(bad)?;
    let mut client = CertificateParams::new(Vec::<String>::new()).map_err(bad)?;
    client.distinguished_name.push(rcgen::DnType::CommonName, "devnetd");
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate().map_err(bad)?;
    let client_cert = client.signed_by(&client_key, &issuer).map_err(bad)?;
    let (stranger, _, _) = ca("a CA that signed nothing here")?;
    for (file, text) in [
        ("ca.pem", ca_cert.pem()),
        ("server.pem", server_cert.pem()),
        ("server-key.pem", server_key.serialize_pem()),
        ("cert.pem", client_cert.pem()),
        ("key.pem", client_key.serialize_pem()),
        ("stranger-ca.pem", stranger.pem()),
    ] {
        std::fs::write(dir.join(file), text).map_err(|e| format!("writing {file}: {e}"))?;
    }
    Ok(())
}
