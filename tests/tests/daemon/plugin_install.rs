//! `dvb plugin install` refuses bad input with an error that says what is wrong and changes
//! nothing: a file that is not a component, a component of another world, an API version that
//! is too new, a wrong or missing checksum, a bad signature, a name clash, and a plugin that
//! traps in `info`. A signed one from a trusted key goes in, and says who signed it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use devnet_e2e::daemon::{Daemon, Run};
use devnet_e2e::plugins::{component, with_api_version};

/// Every file under `<home>/plugins`, the AOT cache and the store's view of the plugins, with
/// their sizes: what an install may change.
fn snapshot(d: &Daemon) -> (BTreeMap<PathBuf, u64>, serde_json::Value) {
    let list = d.dvb_ok(&["plugin", "list", "-o", "json"]).json();
    let mut files = BTreeMap::new();
    for dir in ["plugins", "aot"] {
        if let Ok(entries) = std::fs::read_dir(d.path().join(dir)) {
            for e in entries.flatten() {
                files.insert(e.path(), e.metadata().map(|m| m.len()).unwrap_or(0));
            }
        }
    }
    (files, list)
}

/// `bytes` at `dir/name`, with its `sha256sum` beside it.
fn with_checksum(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let sha = sha256_hex(bytes);
    std::fs::write(dir.join(format!("{name}.sha256")), format!("{sha}  {name}\n")).unwrap();
    path
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[track_caller]
fn refused(d: &Daemon, before: &(BTreeMap<PathBuf, u64>, serde_json::Value), run: Run, says: &[&str]) {
    assert!(!run.ok, "accepted:\n{}\n{}", run.stdout, run.stderr);
    for s in says {
        assert!(run.stderr.contains(s), "no {s:?} in:\n{}", run.stderr);
    }
    assert!(!run.stderr.contains("wasm backtrace"), "{}", run.stderr);
    assert_eq!(
        &snapshot(d),
        before,
        "a refused install changed something:\n{}",
        run.stderr
    );
}

#[test]
fn bad_input_should_be_refused_with_a_clear_error_and_change_nothing() {
    let d = Daemon::home_only();
    let work = tempfile::tempdir().unwrap();
    // The built-in plugins are installed on first use, through the same checks.
    let before = snapshot(&d);
    let names: Vec<&str> = before
        .1
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["commonware", "cosmos", "evm", "tempo"]);
    assert!(
        before
            .1
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["origin"] == "built in, installed")
    );
    let install = |args: &[&str]| d.dvb(&[&["plugin", "install"], args].concat());

    // 1. Not a component.
    let text = with_checksum(work.path(), "notes.wasm", b"#!/bin/sh\necho not a plugin\n");
    refused(
        &d,
        &before,
        install(&[text.to_str().unwrap()]),
        &["not a WebAssembly component", "magic bytes"],
    );

    // 2. A component of another world (it claims devnet:plugin@0.3.0 in its section).
    let other = std::fs::read(component("other-world")).unwrap();
    let other = with_checksum(work.path(), "other-world.wasm", &other);
    refused(
        &d,
        &before,
        install(&[other.to_str().unwrap()]),
        &["does not fit the devnet:plugin@0.3.0 world", "devnet:plugin/info@0.3.0"],
    );

    // 3. An API version newer than this host's: the supported range, and what to do.
    let v2 = std::fs::read(component("api-v0-2")).unwrap();
    let future = with_checksum(work.path(), "future.wasm", &with_api_version(&v2, "0.2.0", "9.9.9"));
    refused(
        &d,
        &before,
        install(&[future.to_str().unwrap()]),
        &["devnet:plugin@9.9.9", "0.1.0 to 0.7.0", "upgrade devnet-builder"],
    );

    // 4. A wrong checksum, given or beside it; and none at all.
    let good = with_checksum(work.path(), "api-v0-2.wasm", &v2);
    let zeros = "0".repeat(64);
    refused(
        &d,
        &before,
        install(&[good.to_str().unwrap(), "--sha256", &zeros]),
        &["checksum mismatch", &zeros, &sha256_hex(&v2)],
    );
    let lying = work.path().join("lying.wasm");
    std::fs::write(&lying, &v2).unwrap();
    std::fs::write(
        work.path().join("lying.wasm.sha256"),
        format!("{}  lying.wasm\n", sha256_hex(b"other")),
    )
    .unwrap();
    refused(&d, &before, install(&[lying.to_str().unwrap()]), &["checksum mismatch"]);
    let bare = work.path().join("bare.wasm");
    std::fs::write(&bare, &v2).unwrap();
    refused(
        &d,
        &before,
        install(&[bare.to_str().unwrap()]),
        &["no checksum", "--sha256", "bare.wasm.sha256"],
    );

    // 5. Bad signatures: by a key nobody trusts, and over other bytes by a trusted key.
    let team_secret = work.path().join("team.secret");
    let team_public = d
        .dvb_ok(&["plugin", "keygen", "--out", team_secret.to_str().unwrap()])
        .stdout
        .trim()
        .to_string();
    let signed = with_checksum(work.path(), "signed.wasm", &v2);
    d.dvb_ok(&[
        "plugin",
        "sign",
        signed.to_str().unwrap(),
        "--key",
        team_secret.to_str().unwrap(),
    ]);
    refused(
        &d,
        &before,
        install(&[signed.to_str().unwrap()]),
        &["no key is trusted"],
    );
    let stranger = work.path().join("stranger.secret");
    let stranger_public = d
        .dvb_ok(&["plugin", "keygen", "--out", stranger.to_str().unwrap()])
        .stdout
        .trim()
        .to_string();
    d.dvb_ok(&["plugin", "trust", "stranger", &stranger_public]);
    let before = snapshot(&d);
    refused(
        &d,
        &before,
        install(&[signed.to_str().unwrap()]),
        &["bad signature", "stranger"],
    );
    d.dvb_ok(&["plugin", "trust", "team", &team_public]);
    let elsewhere = work.path().join("elsewhere.sig");
    let other_bytes = work.path().join("other-bytes");
    std::fs::write(&other_bytes, b"not the component").unwrap();
    d.dvb_ok(&[
        "plugin",
        "sign",
        other_bytes.to_str().unwrap(),
        "--key",
        team_secret.to_str().unwrap(),
    ]);
    std::fs::rename(work.path().join("other-bytes.sig"), &elsewhere).unwrap();
    refused(
        &d,
        &before,
        install(&[signed.to_str().unwrap(), "--signature", elsewhere.to_str().unwrap()]),
        &["bad signature", "stranger, team"],
    );

    // 6. A plugin that traps in `info`.
    let trap = std::fs::read(component("trap-info")).unwrap();
    let trap = with_checksum(work.path(), "trap-info.wasm", &trap);
    refused(
        &d,
        &before,
        install(&[trap.to_str().unwrap()]),
        &["`info` trapped", "dvb plugin test"],
    );

    // A good one, signed by a trusted key, goes in and says so.
    let run = d.dvb_ok(&["plugin", "install", signed.to_str().unwrap(), "-o", "json"]);
    let done = run.json();
    assert_eq!(done["plugin"]["name"], "api-v0-2", "{done}");
    assert_eq!(done["plugin"]["signed_by"], "team", "{done}");
    assert_eq!(done["plugin"]["sha256"], sha256_hex(&v2), "{done}");
    assert_eq!(done["supported_api"], "0.1.0 to 0.7.0", "{done}");
    assert!(
        run.stderr
            .contains("devnet:plugin@0.2.0; this host supports 0.1.0 to 0.7.0"),
        "{}",
        run.stderr
    );
    let installed = d.path().join("plugins/api-v0-2.wasm");
    assert_eq!(std::fs::read(&installed).unwrap(), v2);

    // 7. Name clashes: the same name again, and a built-in's name.
    let after = snapshot(&d);
    refused(
        &d,
        &after,
        install(&[good.to_str().unwrap()]),
        &["\"api-v0-2\" is installed already", "dvb plugin upgrade"],
    );
    let cosmos = std::fs::read(component("cosmos")).unwrap();
    let cosmos = with_checksum(work.path(), "cosmos.wasm", &cosmos);
    refused(
        &d,
        &after,
        install(&[cosmos.to_str().unwrap()]),
        &["\"cosmos\" is installed already"],
    );
}

#[test]
fn an_install_killed_at_any_moment_should_leave_a_working_plugin() {
    let d = Daemon::home_only();
    let work = tempfile::tempdir().unwrap();
    let v1 = std::fs::read(component("foundry")).unwrap();
    // The same plugin at 0.1.1: its `info` reads the version from these bytes.
    let v2: Vec<u8> = {
        let at = v1
            .windows(5)
            .position(|w| w == b"0.1.0")
            .expect("the version in the data");
        let mut b = v1.clone();
        b[at..at + 5].copy_from_slice(b"0.1.1");
        b
    };
    let old = with_checksum(work.path(), "foundry.wasm", &v1);
    let new = with_checksum(work.path(), "foundry-next.wasm", &v2);
    d.dvb_ok(&["plugin", "install", old.to_str().unwrap()]);
    let dvb = devnet_e2e::daemon::binary("dvb");
    let upgrade = |to: &Path| {
        std::process::Command::new(&dvb)
            .arg("--home")
            .arg(d.path())
            .args(["plugin", "upgrade", to.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long one whole upgrade takes, to spread the kills over it.
    let t = std::time::Instant::now();
    assert!(upgrade(&new).wait().unwrap().success());
    let whole = t.elapsed();
    let installed = d.path().join("plugins/foundry.wasm");
    for i in 0..10u32 {
        let to = if i % 2 == 0 { &old } else { &new };
        let mut child = upgrade(to);
        std::thread::sleep(whole * i / 10);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Whatever the moment: one whole version is installed, and served under a record that
        // matches it.
        let bytes = std::fs::read(&installed).unwrap();
        assert!(
            bytes == v1 || bytes == v2,
            "kill {i}: the installed file is neither version"
        );
        let info = d.dvb_ok(&["plugin", "info", "foundry", "-o", "json"]).json();
        let want = if bytes == v1 { "0.1.0" } else { "0.1.1" };
        assert_eq!(info["version"], want, "kill {i}: {info}");
        assert_eq!(info["sha256"], sha256_hex(&bytes), "kill {i}: {info}");
    }
    // A finished install clears what the killed ones left behind.
    d.dvb_ok(&["plugin", "upgrade", old.to_str().unwrap()]);
    let leftovers: Vec<String> = std::fs::read_dir(d.path().join("plugins"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The narrowest moment, made certain: killed after the rename, before the store write. The
    // new file sits under the old record; the record follows the file, and says so.
    std::fs::write(&installed, &v2).unwrap();
    let info = d.dvb_ok(&["plugin", "info", "foundry", "-o", "json"]).json();
    assert_eq!(
        (info["version"].as_str(), info["sha256"].as_str()),
        (Some("0.1.1"), Some(sha256_hex(&v2).as_str()))
    );
    let events = d.dvb_ok(&["events", "-o", "json"]).stdout;
    assert!(
        events
            .lines()
            .any(|l| l.contains("\"Recovered\"") && l.contains("interrupted")),
        "{events}"
    );
}
