//! A real software upgrade driven by devnetd: a 4-validator v0.50 devnet upgrades to v0.53
//! through a governance proposal (`v050-to-v053`) that the daemon submits and votes for with
//! every validator; afterwards it reports SDK v0.53.x with the change in its version history, the
//! tx builder was replaced, and an unordered transaction (which only v0.53 accepts) succeeds.

use devnet_e2e::addresses::cosmos_address;
use devnet_e2e::daemon::Daemon;

#[test]
fn a_v050_devnet_should_upgrade_to_v053_through_governance() {
    let d = Daemon::start();
    d.deploy_cosmos("hub", "v0.50", 4, &["gov.voting-period=6s"]);
    let height = d.status("hub")["devnet"]["status"]["height"].as_u64().unwrap();
    let run = d.upgrade_to_v053("hub", height + 40, &["--backup", "-o", "json"]);
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
}
