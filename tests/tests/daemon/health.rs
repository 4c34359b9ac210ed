//! The Health controller on a real chain: freezing half of a 4-validator devnet's voting power
//! (SIGSTOP to two validators: the processes live on, so nothing restarts them) halts the chain,
//! and the devnet turns Degraded saying the chain is stuck; thawing them (SIGCONT) brings it
//! back to Running. SIGSTOP is fault injection a real node cannot produce on cue.

use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::wait_for;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

#[test]
fn a_chain_that_stops_making_blocks_should_be_reported_stuck_and_then_recovered() {
    let mut d = Daemon::home_only();
    d.serve_with(&[("DEVNET_STUCK_AFTER_SECS", "4")]);
    d.dvb_ok(&[
        "deploy",
        "--name",
        "hub",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "4",
        "--set",
        "block-time=1s",
    ]);
    wait_for("height 3", Duration::from_secs(60), || {
        Ok((d.status("hub")["devnet"]["status"]["height"].as_u64() >= Some(3)).then_some(()))
    })
    .unwrap();
    let s = d.status("hub");
    let frozen: Vec<i32> = s["nodes"].as_array().unwrap()[2..]
        .iter()
        .map(|n| n["status"]["pid"].as_u64().unwrap() as i32)
        .collect();
    for pid in &frozen {
        killpg(Pid::from_raw(*pid), Signal::SIGSTOP).unwrap();
    }
    let stuck = wait_for("the devnet Degraded as stuck", Duration::from_secs(60), || {
        let s = d.status("hub");
        let st = &s["devnet"]["status"];
        Ok(
            (st["phase"] == "Degraded" && st["message"].as_str().unwrap_or("").contains("chain stuck"))
                .then(|| st.clone()),
        )
    });
    for pid in &frozen {
        killpg(Pid::from_raw(*pid), Signal::SIGCONT).unwrap();
    }
    let stuck = stuck.unwrap();
    let at = stuck["height"].as_u64().unwrap();
    let events = d.dvb_ok(&["events", "--devnet", "hub", "-o", "json"]).stdout;
    assert!(
        events.contains("\"Degraded\"") && events.contains("chain stuck"),
        "{events}"
    );

    wait_for("the chain moving again and Running", Duration::from_secs(60), || {
        let st = d.status("hub")["devnet"]["status"].clone();
        Ok((st["phase"] == "Running" && st["height"].as_u64() > Some(at)).then_some(()))
    })
    .unwrap();
    // Nobody was restarted: a stuck chain is reported, not "fixed" by killing nodes.
    let s = d.status("hub");
    for n in s["nodes"].as_array().unwrap() {
        assert_eq!(n["status"]["restarts"], 0, "{n}");
    }
    d.dvb_ok(&["destroy", "hub"]);
}
