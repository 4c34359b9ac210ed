//! An upgrade without governance, as chains do a coordinated patch release: devnetd restarts
//! every node of a real simd v0.50.14 devnet with the chain's own `--halt-height`, waits for the
//! chain to stop there, and switches every node to v0.50.15, which carries on from the same
//! data. Then `dvb export create` takes the state from one node, stopped for it, while the
//! chain keeps going.

use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::wait_for;

#[test]
fn a_halt_height_switch_should_move_a_devnet_to_the_next_patch_release_without_a_proposal() {
    let d = Daemon::start();
    d.deploy_cosmos("patch", "v0.50.14", 3, &[]);
    let status = d.status("patch");
    assert_eq!(status["devnet"]["status"]["detected_version"], "v0.50.14", "{status}");
    let height = status["devnet"]["status"]["height"].as_u64().unwrap();
    let halt = (height + 15).to_string();
    let run = d.dvb(&[
        "upgrade",
        "create",
        "patch",
        "--name",
        "patch-15",
        "--to-version",
        "v0.50.15",
        "--height",
        &halt,
        "--no-gov",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let up = run.json();
    assert_eq!(up["status"]["phase"], "Completed", "{up}");
    assert_eq!(up["status"]["detected_version"], "v0.50.15", "{up}");
    // No proposal and no votes: the chain's own halt did it.
    assert_eq!(up["status"]["proposal_tx"], "", "{up}");
    assert_eq!(up["status"]["vote_txs"].as_array().unwrap().len(), 0, "{up}");

    let events = d.dvb_ok(&["events", "-o", "json"]).stdout;
    let reasons: Vec<String> = events
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["object"] == "patch/patch-15")
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        reasons,
        ["Created", "Waiting", "Switching", "Verifying", "Completed"],
        "{events}"
    );
    let status = d.status("patch");
    let devnet = &status["devnet"]["status"];
    assert_eq!(devnet["detected_version"], "v0.50.15", "{devnet}");
    let history = devnet["version_history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{devnet}");
    assert_eq!(history[1]["cause"], "upgrade patch-15");
    // Every node is back on its plain start command, on the new binary.
    for node in status["nodes"].as_array().unwrap() {
        let command = &node["spec"]["command"];
        assert!(command["program"].as_str().unwrap().contains("v0.50.15"), "{command}");
        let args: Vec<&str> = command["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert!(!args.contains(&"--halt-height"), "{args:?}");
    }

    // An export from one node, stopped for it: the other two (not over 2/3 of the power) wait,
    // and the chain resumes once the node is back.
    let run = d.dvb(&["export", "create", "patch", "-o", "json"]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let export = run.json();
    assert_eq!(export["status"]["phase"], "Done", "{export}");
    assert_eq!(export["status"]["node"], "validator-2", "{export}");
    let text = std::fs::read_to_string(export["status"]["path"].as_str().unwrap()).unwrap();
    let genesis: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        genesis["chain_id"], status["devnet"]["spec"]["chain_id"],
        "{}",
        genesis["chain_id"]
    );
    assert!(genesis["app_state"]["bank"]["balances"].as_array().unwrap().len() >= 3);
    let initial = &genesis["initial_height"];
    let exported_at = initial
        .as_u64()
        .or_else(|| initial.as_str()?.parse().ok())
        .unwrap_or_else(|| panic!("initial_height {initial}"));
    assert!(exported_at > height + 15, "{exported_at}");
    let before = d.status("patch")["devnet"]["status"]["height"].as_u64().unwrap();
    // The exported validator is one of three: the chain waits for it to be back (with another
    // test's chains on the same two cores, that can take a while).
    wait_for("blocks after the export", Duration::from_secs(180), || {
        let h = d.status("patch")["devnet"]["status"]["height"].as_u64().unwrap();
        Ok((h > before + 3).then_some(()))
    })
    .unwrap_or_else(|e| {
        panic!(
            "{e}\n{}\n--- devnetd log (tail) ---\n{}",
            d.status("patch"),
            devnet_e2e::daemon::tail(&d.daemon_log(), 40)
        )
    });
    let list = d.dvb_ok(&["export", "list", "patch", "-o", "json"]).json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // A node that is not there is a clear error, and nothing is recorded.
    let run = d.dvb(&["export", "create", "patch", "--node", "validator-9"]);
    assert!(!run.ok);
    assert!(
        run.stderr.contains("validator-9") && run.stderr.contains("validator-0"),
        "{}",
        run.stderr
    );
    let list = d.dvb_ok(&["export", "list", "patch", "-o", "json"]).json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // A halt-height upgrade cancelled before its height: the nodes go back to their plain
    // start command, so the chain does not stop.
    let halting = |d: &Daemon| {
        d.status("patch")["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| {
                n["spec"]["command"]["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a == "--halt-height")
            })
            .count()
    };
    let far = (d.status("patch")["devnet"]["status"]["height"].as_u64().unwrap() + 1000).to_string();
    d.dvb_ok(&[
        "upgrade",
        "create",
        "patch",
        "--name",
        "later",
        "--to-version",
        "v0.50.15",
        "--height",
        &far,
        "--no-gov",
        "--no-wait",
    ]);
    wait_for("the nodes on the halting command", Duration::from_secs(60), || {
        Ok((halting(&d) == 3).then_some(()))
    })
    .unwrap();
    d.dvb_ok(&["upgrade", "cancel", "patch/later"]);
    let cancelled = wait_for("the cancel", Duration::from_secs(60), || {
        let u = d.dvb_ok(&["upgrade", "status", "patch/later", "-o", "json"]).json();
        Ok((u["status"]["phase"] == "Cancelled").then_some(u))
    })
    .unwrap();
    assert!(
        cancelled["status"]["message"]
            .as_str()
            .unwrap()
            .contains("plain start command"),
        "{cancelled}"
    );
    assert_eq!(halting(&d), 0);
}
