//! The remote listener (`listen` in devnetd.toml): the same API over TLS (a self-signed
//! certificate made at the first start), a token on every call. dvb drives a real anvil devnet
//! through it with `--remote … --token-file … --fingerprint …`; no token, a wrong one, a revoked
//! one, a read-only token that tries to deploy, a token for another devnet, plaintext to the TLS
//! port and a certificate that does not match are each refused with the reason, nothing
//! changes, and the daemon keeps serving.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use devnet_e2e::daemon::{Daemon, Run, binary};

/// dvb against `url` with `token` (a file; none: no token) trusting the certificate by `trust`
/// (`--fingerprint X` or `--ca-cert F`, or nothing: the system's roots). No --home: the remote
/// daemon's home is not here.
fn remote(url: &str, token: Option<&Path>, trust: &[&str], args: &[&str]) -> Run {
    remote_with(url, token, trust, args, &[])
}

/// [`remote`] with `env` set for dvb.
fn remote_with(url: &str, token: Option<&Path>, trust: &[&str], args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut c = Command::new(binary("dvb"));
    c.envs(env.iter().map(|(k, v)| (k, v.as_os_str())));
    c.arg("--remote").arg(url);
    if let Some(t) = token {
        c.arg("--token-file").arg(t);
    }
    let out = c
        .args(trust)
        .args(args)
        .env_remove("DVB_TOKEN")
        .env_remove("DEVNET_HOME")
        .stdin(Stdio::null())
        .output()
        .expect("dvb runs");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A token made on the daemon's socket, written to a file for --token-file.
fn token(d: &Daemon, name: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec!["daemon", "token", "create", "--name", name];
    args.extend_from_slice(extra);
    let made = d.dvb_ok(&args);
    let t = made.stdout.trim();
    assert!(t.starts_with(&format!("dvbt_{name}_")), "{}", made.stdout);
    let path = d.path().join(format!("{name}.token"));
    std::fs::write(&path, t).unwrap();
    path
}

fn devnet_names(list: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["meta"]["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

fn refused(run: &Run, what: &str, says: &str) {
    assert!(!run.ok, "{what} was not refused:\n{}", run.stdout);
    assert!(
        run.stderr.contains(says),
        "{what}: expected {says:?} in:\n{}",
        run.stderr
    );
}

/// A devnetd serving its remote listener on a free port: the daemon, `host:port`, and the
/// SHA-256 of its certificate as `dvb daemon status` shows them.
fn serving_remote() -> (Daemon, String, String) {
    let port = devnet_e2e::ports::free_ports(1)[0];
    let listen = format!("127.0.0.1:{port}");
    let mut d = Daemon::home_only();
    d.serve_with(&[("DEVNET_LISTEN", &listen)]);
    let status = d.dvb_ok(&["daemon", "status", "-o", "json"]).json();
    assert_eq!(status["remote_listen"], listen.as_str(), "{status}");
    let fingerprint = status["tls_fingerprint"].as_str().expect("a fingerprint").to_string();
    assert_eq!(fingerprint.len(), 64, "{fingerprint}");
    (d, listen, fingerprint)
}

#[test]
fn remote_calls_should_need_a_valid_token_and_a_trusted_certificate() {
    let (d, listen, fingerprint) = serving_remote();
    let url = format!("https://{listen}");
    let pin = ["--fingerprint", fingerprint.as_str()];
    // The unix socket stays private and needs no token.
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(d.path().join("devnetd.sock"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let ci = token(&d, "ci", &[]);
    let ro = token(&d, "viewer", &["--read-only"]);
    let scoped = token(&d, "team-a", &["--devnet", "a"]);
    let follower = token(&d, "follower", &[]);
    let who = remote(&url, Some(&ci), &pin, &["whoami", "-o", "json"]);
    assert!(who.ok, "{}", who.stderr);
    assert_eq!(who.json()["name"], "ci");
    assert_eq!(who.json()["transport"], "tls");

    // A real devnet deployed through the remote listener, another on the socket.
    let deploy = |name: &str| {
        vec!["deploy", "--name", name, "--network", "evm", "--set", "client=anvil"]
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let args = deploy("a");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let made = remote(&url, Some(&ci), &pin, &args);
    assert!(made.ok, "remote deploy: {}\n{}", made.stdout, made.stderr);
    // The devnet's private keys: to a full-access token, not to a read-only one.
    let keyed = remote(&url, Some(&ci), &pin, &["endpoints", "a", "--with-keys", "-o", "json"]);
    assert!(keyed.ok, "{}", keyed.stderr);
    let key = &keyed.json()["accounts"][0]["private_key"];
    assert_eq!(key.as_str().map(str::len), Some(64), "{}", keyed.stdout);
    refused(
        &remote(&url, Some(&ro), &pin, &["endpoints", "a", "--with-keys"]),
        "private keys under a read-only token",
        "private keys need a full-access token",
    );
    let args = deploy("b");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    d.dvb_ok(&args);
    let all = vec!["a".to_string(), "b".to_string()];
    let listed = remote(&url, Some(&ci), &pin, &["list", "-o", "json"]);
    assert_eq!(devnet_names(&listed.json()), all);
    let tokens_before = d.dvb_ok(&["daemon", "token", "list", "-o", "json"]).stdout;

    // Refused, each with its reason.
    refused(&remote(&url, None, &pin, &["list"]), "no token", "no token");
    let wrong = d.path().join("wrong.token");
    std::fs::write(&wrong, format!("dvbt_ci_{}", "0".repeat(64))).unwrap();
    refused(
        &remote(&url, Some(&wrong), &pin, &["list"]),
        "a wrong token",
        "not known",
    );
    let args = deploy("c");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&remote(&url, Some(&ro), &pin, &args), "a read-only deploy", "read-only");
    refused(
        &remote(&url, Some(&ro), &pin, &["destroy", "a"]),
        "a read-only destroy",
        "read-only",
    );
    let seen = remote(&url, Some(&ro), &pin, &["list", "-o", "json"]);
    assert_eq!(devnet_names(&seen.json()), all, "a read-only token lists everything");
    refused(
        &remote(&url, Some(&ro), &pin, &["daemon", "token", "list"]),
        "tokens listed remotely",
        "unix socket",
    );

    // A token for devnet a sees a alone.
    let mine = remote(&url, Some(&scoped), &pin, &["list", "-o", "json"]);
    assert_eq!(devnet_names(&mine.json()), vec!["a".to_string()]);
    refused(
        &remote(&url, Some(&scoped), &pin, &["status", "b"]),
        "another devnet's status",
        "for devnet \"a\" only",
    );
    refused(
        &remote(&url, Some(&scoped), &pin, &["destroy", "b"]),
        "destroying another devnet",
        "for devnet \"a\" only",
    );
    let nodes = remote(&url, Some(&scoped), &pin, &["status", "a", "-o", "json"]);
    assert!(nodes.ok, "{}", nodes.stderr);
    let b_node = devnet_e2e::daemon::nodes(&d.status("b"))[0]["meta"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    refused(
        &remote(&url, Some(&scoped), &pin, &["nodes", "logs", &b_node]),
        "another devnet's node log",
        "for devnet \"a\" only",
    );
    let events = remote(&url, Some(&scoped), &pin, &["events", "-o", "json"]);
    assert!(events.ok, "{}", events.stderr);
    // One JSON object per line.
    let objects: Vec<String> = events
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["object"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert!(
        !objects.is_empty() && objects.iter().all(|o| o == "a" || o.starts_with("a/")),
        "a token for devnet a sees only a's events: {objects:?}"
    );
    refused(
        &remote(&url, Some(&scoped), &pin, &["plugin", "list"]),
        "the plugins under a scoped token",
        "whole daemon",
    );

    // A stream opened with a token ends when the token is revoked.
    let a_node = devnet_e2e::daemon::nodes(&d.status("a"))[0]["meta"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let mut follow = Command::new(binary("dvb"))
        .args(["--remote", &url, "--token-file"])
        .arg(&follower)
        .args(pin)
        .args(["nodes", "logs", &a_node, "-f"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    if let Some(status) = follow.try_wait().unwrap() {
        let mut said = String::new();
        follow.stderr.take().unwrap().read_to_string(&mut said).unwrap();
        panic!("logs -f ended by itself ({status}): {said}");
    }
    d.dvb_ok(&["daemon", "token", "revoke", "follower"]);
    let ended = devnet_e2e::wait_for("logs -f to end after the revoke", Duration::from_secs(15), || {
        Ok(follow.try_wait()?)
    });
    let Ok(status) = ended else {
        let _ = follow.kill();
        panic!("logs -f still streams after its token was revoked");
    };
    let mut said = String::new();
    follow.stderr.take().unwrap().read_to_string(&mut said).unwrap();
    assert!(!status.success() && said.contains("revoked"), "{status}: {said}");

    // The certificate: another fingerprint, or trusting the system's roots, is refused.
    let mut other = fingerprint.clone().into_bytes();
    other[0] = if other[0] == b'0' { b'1' } else { b'0' };
    let other = String::from_utf8(other).unwrap();
    refused(
        &remote(&url, Some(&ci), &["--fingerprint", &other], &["list"]),
        "a certificate that does not match the fingerprint",
        &format!("has fingerprint {fingerprint}, not the {other} given"),
    );
    // The system's roots, made to be one unrelated CA (SSL_CERT_FILE) whatever this machine has.
    let stranger = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let roots = d.path().join("stranger-ca.pem");
    std::fs::write(&roots, stranger.cert.pem()).unwrap();
    refused(
        &remote_with(&url, Some(&ci), &[], &["list"], &[("SSL_CERT_FILE", &roots)]),
        "a self-signed certificate against the system's roots",
        "not signed by a CA this machine trusts",
    );
    // The certificate itself as the CA, with a name it carries: trusted.
    let ca = d.path().join("tls/devnetd.crt");
    let by_ca = remote(
        &format!("https://localhost:{}", listen.rsplit_once(':').unwrap().1),
        Some(&ci),
        &["--ca-cert", ca.to_str().unwrap()],
        &["whoami"],
    );
    assert!(by_ca.ok, "{}", by_ca.stderr);
    refused(
        &remote(&format!("http://{listen}"), Some(&ci), &pin, &["list"]),
        "an http:// URL",
        "TLS only",
    );

    // Plaintext HTTP/2 to the TLS port: no HTTP/2 answer (an alert or a close).
    let mut plain = TcpStream::connect(&listen).unwrap();
    plain.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    plain
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .unwrap();
    let mut answer = [0u8; 16];
    let n = plain
        .read(&mut answer)
        .unwrap_or_else(|e| panic!("plaintext got neither an answer nor a close within 5 s: {e}"));
    assert!(
        n == 0 || answer[0] == 0x15,
        "plaintext got an answer that is not a TLS alert: {:?}",
        &answer[..n]
    );

    // Revoked: refused saying so.
    d.dvb_ok(&["daemon", "token", "revoke", "ci"]);
    refused(&remote(&url, Some(&ci), &pin, &["list"]), "a revoked token", "revoked");

    // Nothing changed, and the daemon still serves, on both doors.
    let after = d.dvb_ok(&["list", "-o", "json"]).json();
    assert_eq!(
        devnet_names(&after),
        all,
        "no devnet made or removed by the refused calls"
    );
    let tokens_after = d.dvb_ok(&["daemon", "token", "list", "-o", "json"]).json();
    let before: serde_json::Value = serde_json::from_str(&tokens_before).unwrap();
    let names = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&tokens_after), names(&before));
    let pong = remote(&url, Some(&ro), &pin, &["ping"]);
    assert!(pong.ok && pong.stdout.contains("API"), "{}", pong.stderr);
    d.dvb_ok(&["destroy", "a"]);
    d.dvb_ok(&["destroy", "b"]);
}

#[test]
fn a_taken_listen_port_should_stop_the_daemon_naming_it() {
    let port = devnet_e2e::ports::free_ports(1)[0];
    let listen = format!("127.0.0.1:{port}");
    let _taken = std::net::TcpListener::bind(&listen).unwrap();
    let mut d = Daemon::home_only();
    d.spawn_with(&[("DEVNET_LISTEN", &listen)]);
    let exit = d
        .wait_exit(Duration::from_secs(30))
        .expect("devnetd stops when its port is taken");
    assert!(!exit.success(), "{exit}");
    let log = d.daemon_log();
    assert!(
        log.contains(&format!("listen: listening on {listen}")) && log.contains("in use"),
        "{log}"
    );
    assert!(
        !d.path().join("devnetd.sock").exists(),
        "it served though the port was taken"
    );
}

/// `bytes` at `dir/name`, with the `sha256sum` of `checksum_of` beside it.
fn with_checksum(dir: &Path, name: &str, bytes: &[u8], checksum_of: &[u8]) -> PathBuf {
    use sha2::Digest as _;
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let sha = hex::encode(sha2::Sha256::digest(checksum_of));
    std::fs::write(dir.join(format!("{name}.sha256")), format!("{sha}  {name}\n")).unwrap();
    path
}

#[test]
fn a_local_plugin_file_should_go_over_remote_and_a_read_only_token_should_diff_a_stack() {
    use devnet_e2e::plugins::component;
    let (d, listen, fingerprint) = serving_remote();
    let url = format!("https://{listen}");
    let pin = ["--fingerprint", fingerprint.as_str()];
    let ci = token(&d, "ci", &[]);
    let ro = token(&d, "viewer", &["--read-only"]);

    // The client's files, in a directory the daemon is never told of.
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let v2 = std::fs::read(component("api-v0-2")).unwrap();
    let key = |name: &str| {
        let secret = dir.join(format!("{name}.secret"));
        let public = d.dvb_ok(&["plugin", "keygen", "--out", secret.to_str().unwrap()]);
        (secret, public.stdout.trim().to_string())
    };
    let (team, team_public) = key("team");
    let (stranger, _) = key("stranger");
    d.dvb_ok(&["plugin", "trust", "team", &team_public]);
    let sign = |file: &Path, secret: &Path| {
        d.dvb_ok(&[
            "plugin",
            "sign",
            file.to_str().unwrap(),
            "--key",
            secret.to_str().unwrap(),
        ]);
    };
    let signed = with_checksum(dir, "mine.wasm", &v2, &v2);
    sign(&signed, &team);
    let by_stranger = with_checksum(dir, "theirs.wasm", &v2, &v2);
    sign(&by_stranger, &stranger);
    let tampered = with_checksum(dir, "tampered.wasm", &v2, b"the published bytes");
    let unsigned = with_checksum(dir, "unsigned.wasm", &v2, &v2);
    let unchecked = dir.join("unchecked.wasm");
    std::fs::write(&unchecked, &v2).unwrap();

    let install =
        |token: &Path, args: &[&str]| remote(&url, Some(token), &pin, &[&["plugin", "install"], args].concat());
    let installed = || d.dvb_ok(&["plugin", "list", "-o", "json"]).stdout;
    let before = installed();
    let path = |p: &Path| p.to_str().unwrap().to_string();
    for (run, what, says) in [
        (
            install(&ci, &[&path(&tampered)]),
            "a checksum that does not match",
            "checksum mismatch",
        ),
        (
            install(&ci, &[&path(&unchecked)]),
            "no checksum file",
            "no checksum for",
        ),
        (
            install(&ci, &[&path(&unsigned)]),
            "no signature",
            "came without a signature",
        ),
        (
            install(
                &ci,
                &[&path(&signed), "--signature", &format!("{}.sig", path(&by_stranger))],
            ),
            "a signature by a key nobody trusts",
            "bad signature",
        ),
        (
            install(&ro, &[&path(&signed)]),
            "an install under a read-only token",
            "read-only",
        ),
    ] {
        refused(&run, what, says);
        assert_eq!(installed(), before, "{what} changed the plugins");
    }

    let run = install(&ci, &[&path(&signed), "-o", "json"]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("uploading {} bytes to {url}", v2.len())),
        "{}",
        run.stderr
    );
    let done = run.json();
    assert_eq!(done["plugin"]["name"], "api-v0-2", "{done}");
    assert_eq!(done["plugin"]["signed_by"], "team", "{done}");
    let info = d.dvb_ok(&["plugin", "info", "api-v0-2", "-o", "json"]).json();
    let info = if info.is_array() { info[0].clone() } else { info };
    assert_eq!(info["source"], format!("uploaded:{}", path(&signed)), "{info}");
    assert_eq!(std::fs::read(d.path().join("plugins/api-v0-2.wasm")).unwrap(), v2);

    // A stack's plan is a read: a read-only token may diff, and may not apply.
    let stack = dir.join("stack.toml");
    std::fs::write(
        &stack,
        "name = \"pair\"\n[[devnet]]\nname = \"s\"\nnetwork = \"evm\"\nsettings = { client = \"anvil\" }\n",
    )
    .unwrap();
    let stack = path(&stack);
    let plan = remote(&url, Some(&ro), &pin, &["diff", "-f", &stack, "-o", "json"]);
    assert!(plan.ok, "a read-only diff: {}\n{}", plan.stdout, plan.stderr);
    let changes = &plan.json()["changes"];
    assert_eq!(changes[0]["action"], "create", "{changes}");
    assert_eq!(changes[0]["object"], "devnet s", "{changes}");
    refused(
        &remote(&url, Some(&ro), &pin, &["apply", "-f", &stack]),
        "an apply under a read-only token",
        "read-only",
    );
    assert_eq!(
        d.dvb_ok(&["list", "-o", "json"]).json(),
        serde_json::json!([]),
        "the diff made nothing"
    );
}
