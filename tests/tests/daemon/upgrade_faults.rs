//! Upgrades that go wrong, and a daemon that goes away, against real simd: a proposal with too
//! few votes leaves the upgrade Failed with the chain's reason and the chain running; a devnetd
//! SIGKILLed right after it recorded the proposal, right after it recorded the votes (test-only
//! pause points) and while the upgrade waits for the halt is restarted each time and carries it
//! on to completion, with one proposal and one vote per validator; a roll back interrupted by a
//! SIGKILL with the nodes stopped completes after the restart.

use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::wait_for;

fn height(d: &Daemon, devnet: &str) -> u64 {
    d.status(devnet)["devnet"]["status"]["height"].as_u64().unwrap_or(0)
}

fn upgrade(d: &Daemon, name: &str) -> serde_json::Value {
    d.dvb_ok(&["upgrade", "status", name, "-o", "json"]).json()
}

#[test]
fn a_proposal_with_too_few_votes_should_fail_the_upgrade_and_leave_the_chain_running() {
    let d = Daemon::start();
    d.deploy_cosmos("low", "v0.50", 4, &["gov.voting-period=4s"]);
    let halt = height(&d, "low") + 60;
    // One validator of four votes: a quarter of the stake, under the 33.4% quorum.
    let run = d.upgrade_to_v053("low", halt, &["--voters", "1", "-o", "json"]);
    assert!(!run.ok, "{}", run.stdout);
    let up = upgrade(&d, "low/v050-to-v053");
    assert_eq!(up["status"]["phase"], "Failed", "{up}");
    let message = up["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("did not pass") && message.contains("REJECTED"),
        "{message}"
    );
    assert!(run.stderr.contains("did not pass"), "{}", run.stderr);
    assert_eq!(up["status"]["vote_txs"].as_array().unwrap().len(), 1, "{up}");
    // The chain goes on, on its old binary, past where the plan would have halted it.
    wait_for("blocks past the would-be halt", Duration::from_secs(90), || {
        Ok((height(&d, "low") > halt + 2).then_some(()))
    })
    .unwrap();
    assert!(
        d.status("low")["devnet"]["status"]["detected_version"]
            .as_str()
            .unwrap()
            .starts_with("v0.50."),
    );
}

/// Serves `d` to stop at the test-only pause point `point`, waits until it is there, and
/// SIGKILLs it.
fn serve_until(d: &mut Daemon, point: &str) {
    d.serve_with(&[("DEVNETD_TEST_PAUSE_AT", point)]);
    let reached = format!("test pause point {point} reached");
    wait_for(&reached, Duration::from_secs(90), || {
        Ok(d.daemon_log().contains(&reached).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", devnet_e2e::daemon::tail(&d.daemon_log(), 30)));
    d.kill9();
}

#[test]
fn a_daemon_killed_while_the_upgrade_proposes_votes_and_waits_should_carry_it_on_after_a_restart() {
    let mut d = Daemon::start();
    d.deploy_cosmos("hub", "v0.50", 2, &["gov.voting-period=4s"]);
    // Room for three restarts before the halt (blocks every 300 ms).
    let halt = height(&d, "hub") + 90;
    d.kill9();
    // Killed right after the proposal was recorded, then right after the votes were: each
    // restart finds what was recorded and sends nothing twice.
    d.serve_with(&[("DEVNETD_TEST_PAUSE_AT", "upgrade-proposed")]);
    let run = d.upgrade_to_v053("hub", halt, &["--no-wait"]);
    assert!(run.ok, "{}", run.stderr);
    let reached = "test pause point upgrade-proposed reached";
    wait_for(reached, Duration::from_secs(60), || {
        Ok(d.daemon_log().contains(reached).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", devnet_e2e::daemon::tail(&d.daemon_log(), 30)));
    d.kill9();
    serve_until(&mut d, "upgrade-voted");
    d.serve();
    wait_for("the upgrade to wait for the halt", Duration::from_secs(60), || {
        Ok((upgrade(&d, "hub/v050-to-v053")["status"]["phase"] == "Waiting").then_some(()))
    })
    .unwrap();
    let before = upgrade(&d, "hub/v050-to-v053");
    d.kill9();
    d.serve();
    let done = wait_for("the upgrade to complete", Duration::from_secs(180), || {
        let up = upgrade(&d, "hub/v050-to-v053");
        let phase = up["status"]["phase"].as_str().unwrap_or_default().to_string();
        assert!(!matches!(phase.as_str(), "Failed" | "RolledBack"), "{up}");
        Ok((phase == "Completed").then_some(up))
    })
    .unwrap();
    assert!(
        done["status"]["detected_version"]
            .as_str()
            .unwrap()
            .starts_with("v0.53."),
        "{done}"
    );
    // The same proposal and votes as before the kill: nothing sent twice.
    assert_eq!(done["status"]["proposal_tx"], before["status"]["proposal_tx"]);
    assert_eq!(done["status"]["vote_txs"], before["status"]["vote_txs"]);
    let txs = d.dvb_ok(&["tx", "list", "hub", "-o", "json"]).json();
    let kinds: Vec<&str> = txs
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["spec"]["request"]["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        ["gov-submit-proposal", "gov-vote", "gov-vote"],
        "one proposal and one vote per validator: {txs}"
    );
    for t in txs.as_array().unwrap() {
        assert_eq!(t["status"]["phase"], "Confirmed", "{t}");
    }
    // The chain saw one proposal.
    let proposals = d.dvb_ok(&["gov", "list", "hub", "-o", "json"]).json();
    assert_eq!(proposals.as_array().map(Vec::len), Some(1), "{proposals}");
}

#[test]
fn a_chain_that_does_not_come_back_should_be_rolled_back_from_the_backup() {
    let mut d = Daemon::start();
    d.deploy_cosmos("back", "v0.50", 1, &["gov.voting-period=4s"]);
    let halt = height(&d, "back") + 30;
    // "Upgrading" to the same v0.50 binary: it halts again at the plan's height, so no block
    // comes after the switch.
    let halt_s = halt.to_string();
    let run = d.dvb(&[
        "upgrade",
        "create",
        "back",
        "--name",
        "v050-to-v053",
        "--to-version",
        "v0.50",
        "--height",
        &halt_s,
        "--backup",
        "--verify-within",
        "15",
        "--no-wait",
    ]);
    assert!(run.ok, "{}", run.stderr);
    // Killed with the nodes stopped for the roll back and their data not yet put back.
    d.kill9();
    serve_until(&mut d, "upgrade-rolling-back");
    let held = upgrade(&d, "back/v050-to-v053");
    assert_eq!(held["status"]["phase"], "RollingBack", "{held}");
    // Something written to the node's data after the switch: the roll back must put the data
    // of before the switch in its place, so this goes.
    let status = d.status("back");
    let node_home = d
        .path()
        .join("devnets/back/chain")
        .join(status["nodes"][0]["spec"]["home"].as_str().unwrap());
    let after_switch = node_home.join("data").join("written-after-the-switch");
    std::fs::write(&after_switch, b"not in the backup").unwrap();
    d.serve();
    let up = wait_for("the roll back to finish", Duration::from_secs(120), || {
        let up = upgrade(&d, "back/v050-to-v053");
        Ok((up["status"]["phase"] != "RollingBack" && up["status"]["phase"] != "Verifying").then_some(up))
    })
    .unwrap();
    assert_eq!(up["status"]["phase"], "RolledBack", "{up}");
    let message = up["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("rolled back") && message.contains("no blocks past"),
        "{message}"
    );
    // --verify-within, not the 90 s default.
    assert!(message.contains("within 15 s of the switch"), "{message}");
    let backup = std::path::Path::new(up["status"]["backup_dir"].as_str().unwrap()).join("validator-0");
    assert!(backup.join("data").is_dir(), "{}", backup.display());
    assert!(
        !after_switch.exists() && node_home.join("data").is_dir(),
        "the node's data was not replaced by the backup: {} is still there",
        after_switch.display()
    );
    // The node runs the old binary again, from the data of before the switch, and the devnet's
    // version did not change.
    wait_for("the node to run again", Duration::from_secs(60), || {
        let status = d.status("back");
        let node = &status["nodes"][0];
        Ok((node["status"]["pid"].is_u64()).then_some(()))
    })
    .unwrap();
    let status = d.status("back");
    assert_eq!(
        status["nodes"][0]["spec"]["command"]["program"], up["status"]["old_binary"],
        "{status}"
    );
    let history = status["devnet"]["status"]["version_history"].as_array().unwrap();
    assert_eq!(history.len(), 1, "{status}");
}
