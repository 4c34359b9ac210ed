//! A chain team's afternoon: `dvb plugin new` scaffolds a crate on the SDK, one `cargo build`
//! makes the component, `dvb plugin test` runs every export in the real host without a daemon,
//! and `dvb plugin install` puts it in a running devnetd, which serves it at once; `upgrade`
//! replaces it (a failed upgrade leaves it as it was), and `remove` takes it out.

use std::path::Path;
use std::process::Command;

use devnet_e2e::daemon::Daemon;

fn cargo_build(dir: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--release", "--quiet"])
        .current_dir(dir)
        // The scaffold's own target dir, not this workspace's; and built as a chain team builds
        // it, not linted by the suite's clippy wrapper (scripts/test).
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo build of the scaffold failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn checksum(wasm: &Path) {
    use sha2::Digest as _;
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(wasm).unwrap()));
    std::fs::write(
        format!("{}.sha256", wasm.display()),
        format!("{sha}  mychain_plugin.wasm\n"),
    )
    .unwrap();
}

#[test]
fn a_scaffolded_plugin_should_build_pass_its_tests_and_install_into_a_running_daemon() {
    let work = tempfile::tempdir().unwrap();
    let crate_dir = work.path().join("mychain-plugin");
    let mut d = Daemon::home_only();
    d.dvb_ok(&["plugin", "new", "mychain", "--dir", crate_dir.to_str().unwrap()]);
    // A second `new` into the same place is refused, and touches nothing.
    let again = d.dvb(&["plugin", "new", "mychain", "--dir", crate_dir.to_str().unwrap()]);
    assert!(!again.ok && again.stderr.contains("exists"), "{}", again.stderr);

    cargo_build(&crate_dir);
    let wasm = crate_dir.join("target/wasm32-wasip2/release/mychain_plugin.wasm");
    assert!(wasm.is_file(), "{} was not built", wasm.display());

    // The harness: every export called in the real host.
    let run = d.dvb(&[
        "plugin",
        "test",
        wasm.to_str().unwrap(),
        "--version-output",
        "mychaind version v1.4.2 (abc123)",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["plugin"], "mychain@0.1.0", "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    let result = |export: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["export"] == export)
            .map(|c| {
                (
                    c["result"].as_str().unwrap().to_string(),
                    c["detail"].as_str().unwrap().to_string(),
                )
            })
            .unwrap_or_else(|| panic!("no {export} in {report}"))
    };
    assert_eq!(result("info").0, "ok");
    assert_eq!(result("version.parse-version-output"), ("ok".into(), "v1.4.2".into()));
    // The SDK's own choice where the scaffold makes none: what the host chose before plugins did.
    let (result_kind, detail) = result("plan.choose");
    assert_eq!(result_kind, "ok");
    assert!(
        detail.starts_with("chain id plugin-test-1, binary mychaind"),
        "{detail}"
    );
    assert_eq!(result("plan.start-after").0, "ok");
    // What the scaffold leaves to write is refused with the SDK's reason, not a failure.
    assert_eq!(result("node.start-command").0, "refused");
    // The harness tells a broken plugin apart: the fixture that traps in `info` fails it.
    let trap = d.dvb(&[
        "plugin",
        "test",
        devnet_e2e::plugins::component("trap-info").to_str().unwrap(),
    ]);
    assert!(
        !trap.ok && trap.stderr.contains("info"),
        "{}\n{}",
        trap.stdout,
        trap.stderr
    );

    // Into a running daemon: served at once, no restart.
    d.serve();
    let missing = d.dvb(&["plugin", "info", "mychain"]);
    assert!(!missing.ok);
    checksum(&wasm);
    let run = d.dvb_ok(&["plugin", "install", wasm.to_str().unwrap(), "-o", "json"]);
    assert_eq!(run.json()["plugin"]["version"], "0.1.0");
    let info = d.dvb_ok(&["plugin", "info", "mychain", "-o", "json"]).json();
    assert_eq!(
        (info["version"].as_str(), info["origin"].as_str()),
        (Some("0.1.0"), Some("installed"))
    );
    let daemon_pid = d.daemon_pid();

    // Version 0.2.0, through `upgrade`.
    let manifest = crate_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replacen("version = \"0.1.0\"", "version = \"0.2.0\"", 1),
    )
    .unwrap();
    cargo_build(&crate_dir);
    checksum(&wasm);
    let run = d.dvb_ok(&["plugin", "upgrade", wasm.to_str().unwrap(), "-o", "json"]);
    let done = run.json();
    assert_eq!(done["previous_version"], "0.1.0", "{done}");
    assert_eq!(done["plugin"]["version"], "0.2.0", "{done}");
    let info = d.dvb_ok(&["plugin", "info", "mychain", "-o", "json"]).json();
    assert_eq!(info["version"], "0.2.0", "{info}");
    assert_eq!(d.daemon_pid(), daemon_pid, "the daemon was not restarted");

    // A failed upgrade (a wrong checksum) leaves 0.2.0 installed and served.
    let installed = d.path().join("plugins/mychain.wasm");
    let bytes = std::fs::read(&installed).unwrap();
    let bad = d.dvb(&[
        "plugin",
        "upgrade",
        wasm.to_str().unwrap(),
        "--sha256",
        &"ab".repeat(32),
    ]);
    assert!(!bad.ok && bad.stderr.contains("checksum mismatch"), "{}", bad.stderr);
    assert_eq!(std::fs::read(&installed).unwrap(), bytes);
    assert_eq!(
        d.dvb_ok(&["plugin", "info", "mychain", "-o", "json"]).json()["version"],
        "0.2.0"
    );

    // Upgrading what is not installed, and removing, say what they do.
    let run = d.dvb_ok(&["plugin", "remove", "mychain"]);
    assert!(run.stdout.contains("mychain 0.2.0 removed"), "{}", run.stdout);
    assert!(!installed.exists());
    let gone = d.dvb(&["plugin", "info", "mychain"]);
    assert!(!gone.ok);
    let none = d.dvb(&["plugin", "upgrade", wasm.to_str().unwrap()]);
    assert!(
        !none.ok && none.stderr.contains("nothing to upgrade"),
        "{}",
        none.stderr
    );
}
