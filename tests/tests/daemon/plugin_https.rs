//! `dvb plugin install https://…`: the component and its checksum fetched over TLS (rustls,
//! ring) from a server on 127.0.0.1 (Python's `http.server` wrapped in TLS), trusted through the
//! system's roots as `SSL_CERT_FILE` names them; a server whose certificate is not trusted is
//! refused saying so, and nothing is installed.

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::plugins::component;

/// An HTTPS file server of `dir` on 127.0.0.1 with the certificate and key (PEM) given.
struct Https {
    child: Child,
    port: u16,
}

impl Https {
    fn serve(dir: &Path, cert: &Path, key: &Path) -> Self {
        let port = devnet_e2e::ports::free_ports(1)[0];
        let script = format!(
            "import functools, http.server, ssl\n\
             handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory={dir:?})\n\
             server = http.server.ThreadingHTTPServer(('127.0.0.1', {port}), handler)\n\
             ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
             ctx.load_cert_chain({cert:?}, {key:?})\n\
             server.socket = ctx.wrap_socket(server.socket, server_side=True)\n\
             server.serve_forever()\n",
            dir = dir.display().to_string(),
            cert = cert.display().to_string(),
            key = key.display().to_string(),
        );
        let child = Command::new("python3")
            .args(["-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 (install python3) serves the files");
        devnet_e2e::wait_for("the https server to listen", Duration::from_secs(20), || {
            Ok(std::net::TcpStream::connect(("127.0.0.1", port)).ok().map(drop))
        })
        .expect("the https server");
        Self { child, port }
    }
}

impl Drop for Https {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_cert(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

#[test]
fn a_plugin_should_install_over_https_from_a_trusted_server_only() {
    let work = tempfile::tempdir().unwrap();
    let files = work.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let v2 = std::fs::read(component("api-v0-2")).unwrap();
    std::fs::write(files.join("p.wasm"), &v2).unwrap();
    let sha = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&v2))
    };
    let mut sum = std::fs::File::create(files.join("p.wasm.sha256")).unwrap();
    writeln!(sum, "{sha}  p.wasm").unwrap();
    let (trusted_cert, trusted_key) = write_cert(work.path(), "trusted");
    let (stranger_cert, stranger_key) = write_cert(work.path(), "stranger");
    let trusted = Https::serve(&files, &trusted_cert, &trusted_key);
    let stranger = Https::serve(&files, &stranger_cert, &stranger_key);

    let mut d = Daemon::home_only();
    d.serve_with(&[("SSL_CERT_FILE", trusted_cert.to_str().unwrap())]);
    let before = d.dvb_ok(&["plugin", "list", "-o", "json"]).json();
    let refused = d.dvb(&[
        "plugin",
        "install",
        &format!("https://localhost:{}/p.wasm", stranger.port),
    ]);
    assert!(!refused.ok, "a server nobody trusts was accepted");
    assert!(refused.stderr.contains("certificate"), "{}", refused.stderr);
    assert_eq!(d.dvb_ok(&["plugin", "list", "-o", "json"]).json(), before);

    let done = d.dvb(&[
        "plugin",
        "install",
        &format!("https://localhost:{}/p.wasm", trusted.port),
        "-o",
        "json",
    ]);
    assert!(done.ok, "{}", done.stderr);
    let plugin = &done.json()["plugin"];
    assert_eq!(plugin["sha256"], sha.as_str(), "{plugin}");
    assert!(plugin["source"].as_str().unwrap().starts_with("https://"), "{plugin}");
}
