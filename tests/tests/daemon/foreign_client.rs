//! A gRPC client this project did not write, Python's grpcio (`tests/clients/grpcio_check.py`),
//! against a live devnetd on its unix socket and on its TLS port (with a token; without one
//! refused): health SERVING, reflection v1 and v1alpha listing the services, and a
//! DaemonService call and two DevnetService calls answered.

use std::path::PathBuf;
use std::process::Command;

use devnet_e2e::daemon::Daemon;

/// The test virtualenv's python (`scripts/test` makes it), or `DEVNET_GRPCIO_PYTHON`.
fn python() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = std::env::var("DEVNET_GRPCIO_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/grpcio-venv/bin/python"));
    assert!(
        python.exists(),
        "{} is missing: run scripts/test, which makes it (python3 -m venv target/grpcio-venv && \
         target/grpcio-venv/bin/pip install grpcio grpcio-health-checking grpcio-reflection)",
        python.display()
    );
    python
}

/// Runs `grpcio_check.py` with `args` and checks it passed with each of `checks` said.
fn grpcio_check(args: &[&std::ffi::OsStr], checks: &[&str]) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/grpcio_check.py");
    let out = Command::new(python()).arg(script).args(args).output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    for check in checks {
        assert!(said.contains(check), "{check}: {said}");
    }
}

const SERVICE_CHECKS: [&str; 6] = [
    "ok health",
    "ok reflection v1alpha",
    "ok reflection v1:",
    "ok DaemonService.Status",
    "ok DevnetService.List",
    "ok DevnetService.Get of a missing devnet",
];

#[test]
fn python_grpcio_should_find_health_reflection_and_a_service() {
    let d = Daemon::start();
    let mut checks = vec!["ok health, the socket path as authority"];
    checks.extend(SERVICE_CHECKS);
    grpcio_check(&[d.path().join("devnetd.sock").as_os_str()], &checks);
}

#[test]
fn python_grpcio_should_use_the_tls_port_with_a_token() {
    let port = devnet_e2e::ports::free_ports(1)[0];
    let mut d = Daemon::home_only();
    d.serve_with(&[("DEVNET_LISTEN", &format!("127.0.0.1:{port}"))]);
    let token = d.dvb_ok(&["daemon", "token", "create", "--name", "grpcio", "--read-only"]);
    let token_file = d.path().join("grpcio.token");
    std::fs::write(&token_file, token.stdout.trim()).unwrap();
    // The self-signed certificate names localhost.
    let target = format!("localhost:{port}");
    let cert = d.path().join("tls/devnetd.crt");
    let mut checks = vec!["ok no token refused"];
    checks.extend(SERVICE_CHECKS);
    grpcio_check(
        &[
            "--tls".as_ref(),
            target.as_ref(),
            cert.as_os_str(),
            token_file.as_os_str(),
        ],
        &checks,
    );
}
