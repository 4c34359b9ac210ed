//! A gRPC client this project did not write, Python's grpcio (`tests/clients/grpcio_check.py`),
//! against a live devnetd on its unix socket: health SERVING, reflection v1 and v1alpha listing
//! the services, and a DaemonService call answered.

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

#[test]
fn python_grpcio_should_find_health_reflection_and_a_service() {
    let python = python();
    let d = Daemon::start();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/grpcio_check.py");
    let out = Command::new(python)
        .arg(script)
        .arg(d.path().join("devnetd.sock"))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    for check in [
        "ok health",
        "ok reflection v1alpha",
        "ok reflection v1:",
        "ok DaemonService.Status",
    ] {
        assert!(said.contains(check), "{check}: {said}");
    }
}
