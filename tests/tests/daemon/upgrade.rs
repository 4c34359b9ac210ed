//! A real software upgrade driven by devnetd: a 4-validator v0.50 devnet upgrades to v0.53
//! through a governance proposal (`v050-to-v053`) that the daemon submits and votes for with
//! every validator; afterwards it reports SDK v0.53.x with the change in its version history, the
//! tx builder was replaced, and an unordered transaction (which only v0.53 accepts) succeeds.
//! State exports taken before the switch (old binary, halted chain) and after it (new binary)
//! show the store migration: the modules the upgrade deletes and those it adds.

use devnet_e2e::addresses::cosmos_address;
use devnet_e2e::daemon::Daemon;

#[test]
fn a_v050_devnet_should_upgrade_to_v053_through_governance() {
    let d = Daemon::start();
    d.deploy_cosmos("hub", "v0.50", 4, &["gov.voting-period=6s"]);
    let height = d.status("hub")["devnet"]["status"]["height"].as_u64().unwrap();
    let run = d.upgrade_to_v053(
        "hub",
        height + 40,
        &["--backup", "--export-before", "--export-after", "-o", "json"],
    );
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let up = run.json();
    assert_eq!(up["status"]["phase"], "Completed", "{up}");
    assert!(
        up["status"]["detected_version"].as_str().unwrap().starts_with("v0.53."),
        "{up}"
    );
    assert_eq!(up["status"]["vote_txs"].as_array().unwrap().len(), 4, "{up}");
    assert!(
        up["status"]["from_version"].as_str().unwrap().starts_with("v0.50."),
        "{up}"
    );
    // The phases went by in order, each once, as the event log says.
    // One JSON object per line.
    let events = d.dvb_ok(&["events", "-o", "json"]).stdout;
    let events: Vec<serde_json::Value> = events.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let reasons: Vec<&str> = events
        .iter()
        .filter(|e| e["object"] == "hub/v050-to-v053")
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "Created",
            "Proposing",
            "Voting",
            "Waiting",
            "Switching",
            "Verifying",
            "Completed"
        ],
        "{}",
        run.stderr
    );

    let status = d.status("hub");
    let devnet = &status["devnet"]["status"];
    assert!(
        devnet["detected_version"].as_str().unwrap().starts_with("v0.53."),
        "{devnet}"
    );
    let history = devnet["version_history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{devnet}");
    assert_eq!(history[1]["cause"], "upgrade v050-to-v053");
    assert_eq!(history[1]["at_height"].as_u64(), Some(height + 40));
    assert!(
        events
            .iter()
            .any(|e| e["reason"] == "TxBuilderReplaced" && e["object"] == "hub"),
        "{events:?}"
    );

    // Unordered, which only v0.53 takes, through the new builder.
    let bob = cosmos_address("cosmos", &[2u8; 33]);
    let run = d.dvb(&[
        "tx",
        "submit",
        "hub",
        "--from",
        "validator-1",
        "--to",
        &bob,
        "--amount",
        "5stake",
        "--unordered",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let tx = run.json();
    assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
    assert!(
        tx["status"]["builder_version"].as_str().unwrap().starts_with("v0.53."),
        "{tx}"
    );
    let list = d.dvb_ok(&["upgrade", "list", "hub", "-o", "json"]).json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // The exports on either side of the switch: the v0.50 state has x/crisis, which the
    // upgrade's store migration deletes, and no IBC; the v0.53 one the reverse.
    assert_eq!(
        up["status"]["exports"],
        serde_json::json!(["hub/v050-to-v053-before", "hub/v050-to-v053-after"]),
        "{up}"
    );
    let before = d
        .dvb_ok(&["export", "status", "hub/v050-to-v053-before", "-o", "json"])
        .json();
    assert_eq!(before["status"]["phase"], "Done", "{before}");
    let after = devnet_e2e::wait_for(
        "the export after the upgrade",
        std::time::Duration::from_secs(120),
        || {
            let e = d
                .dvb_ok(&["export", "status", "hub/v050-to-v053-after", "-o", "json"])
                .json();
            Ok((e["status"]["phase"] != "Pending" && e["status"]["phase"] != "Running").then_some(e))
        },
    )
    .unwrap();
    assert_eq!(after["status"]["phase"], "Done", "{after}");
    let state = |e: &serde_json::Value| -> serde_json::Value {
        let text = std::fs::read_to_string(e["status"]["path"].as_str().unwrap()).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let (old, new) = (state(&before), state(&after));
    assert!(old["app_state"].get("crisis").is_some(), "{}", old["app_state"]);
    assert!(old["app_state"].get("ibc").is_none());
    assert!(new["app_state"].get("crisis").is_none());
    assert!(new["app_state"].get("ibc").is_some(), "{}", new["app_state"]);
    let initial = |g: &serde_json::Value| {
        g["initial_height"]
            .as_u64()
            .or_else(|| g["initial_height"].as_str()?.parse().ok())
    };
    assert!(
        initial(&new).unwrap() > initial(&old).unwrap(),
        "{} vs {}",
        new["initial_height"],
        old["initial_height"]
    );
    // The node stopped for the export runs again.
    let node = after["status"]["node"].as_str().unwrap().to_string();
    devnet_e2e::wait_for(
        "the exported node to run again",
        std::time::Duration::from_secs(60),
        || {
            let status = d.status("hub");
            let nodes = status["nodes"].as_array().unwrap().clone();
            Ok(nodes
                .iter()
                .any(|n| n["meta"]["name"] == format!("hub/{node}") && n["status"]["phase"] == "Running")
                .then_some(()))
        },
    )
    .unwrap();
}
