//! `dvb tx` through devnetd against real simd: a v0.53 devnet takes an unordered bank send and
//! concurrent ordered sends from one account (each its own sequence); the same unordered request
//! on a v0.50 devnet is refused by the builder before anything is broadcast; bad input is refused
//! with a clear error and nothing recorded; `dvb gov` proposes, votes and lists.

use devnet_e2e::addresses::cosmos_address;
use devnet_e2e::daemon::Daemon;

fn send(d: &Daemon, devnet: &str, to: &str, amount: &str, unordered: bool) -> devnet_e2e::daemon::Run {
    d.transfer(devnet, to, amount, if unordered { &["--unordered"] } else { &[] })
}

#[test]
fn transactions_should_be_signed_sent_and_followed_by_the_daemon() {
    let d = Daemon::start();
    d.deploy_cosmos("new", "v0.53", 1, &[]);
    d.deploy_cosmos("old", "v0.50", 1, &[]);
    let bob = cosmos_address("cosmos", &[2u8; 33]);

    // Unordered on v0.53: in a block, with no sequence.
    let run = send(&d, "new", &bob, "777stake", true);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let tx = run.json();
    assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
    assert!(tx["status"]["height"].as_u64() > Some(0), "{tx}");
    assert_eq!(tx["status"]["hash"].as_str().map(str::len), Some(64), "{tx}");
    assert!(tx["status"]["sequence"].is_null(), "{tx}");
    assert!(
        tx["status"]["builder_version"].as_str().unwrap().starts_with("v0.53."),
        "{tx}"
    );

    // Five ordered sends from one account at once: each gets its own sequence, all land.
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..5)
            .map(|i| {
                let (d, bob) = (&d, &bob);
                s.spawn(move || send(d, "new", bob, &format!("{}stake", i + 1), false))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sequences = Vec::new();
    for run in &runs {
        assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
        let tx = run.json();
        assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
        sequences.push(tx["status"]["sequence"].as_u64().unwrap());
    }
    sequences.sort_unstable();
    sequences.dedup();
    assert_eq!(sequences.len(), 5, "distinct sequences: {sequences:?}");
    let list = d.dvb_ok(&["tx", "list", "new", "-o", "json"]).json();
    assert_eq!(list.as_array().unwrap().len(), 6, "{list}");

    // The v0.50 builder refuses an unordered tx: Failed, said why, nothing broadcast.
    let run = send(&d, "old", &bob, "1stake", true);
    assert!(!run.ok, "{}", run.stdout);
    assert!(run.stderr.contains("nothing was broadcast"), "{}", run.stderr);
    assert!(run.stderr.contains("v0.53"), "{}", run.stderr);
    let failed = d.dvb_ok(&["tx", "status", "old/tx-1", "-o", "json"]).json();
    assert_eq!(failed["status"]["phase"], "Failed", "{failed}");
    assert_eq!(failed["status"]["hash"], "", "{failed}");

    // Bad input: refused up front, nothing recorded.
    let run = d.dvb(&[
        "tx", "submit", "old", "--from", "mallory", "--to", &bob, "--amount", "1stake",
    ]);
    assert!(!run.ok);
    assert!(
        run.stderr.contains("no key \"mallory\"") && run.stderr.contains("validator-0"),
        "{}",
        run.stderr
    );
    let run = d.dvb(&[
        "tx",
        "submit",
        "old",
        "--from",
        "validator-0",
        "--to",
        &bob,
        "--amount",
        "stake",
    ]);
    assert!(!run.ok);
    assert!(run.stderr.contains("e.g. `1stake`"), "{}", run.stderr);
    let run = d.dvb(&[
        "tx",
        "submit",
        "nowhere",
        "--from",
        "validator-0",
        "--to",
        &bob,
        "--amount",
        "1stake",
    ]);
    assert!(!run.ok);
    assert!(run.stderr.contains("no devnet \"nowhere\""), "{}", run.stderr);
    let old = d.dvb_ok(&["tx", "list", "old", "-o", "json"]).json();
    assert_eq!(old.as_array().unwrap().len(), 1, "{old}");

    // Governance shortcuts: a text proposal, a vote, and the chain's list.
    let proposed = d
        .dvb_ok(&[
            "gov",
            "propose",
            "new",
            "--title",
            "Hello",
            "--summary",
            "a text proposal",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(proposed["proposal_id"], "1", "{proposed}");
    let voted = d.dvb_ok(&["gov", "vote", "new", "1", "yes", "-o", "json"]).json();
    assert_eq!(voted[0]["status"]["phase"], "Confirmed", "{voted}");
    let proposals = d.dvb_ok(&["gov", "list", "new", "-o", "json"]).json();
    assert_eq!(proposals.as_array().unwrap().len(), 1, "{proposals}");
    assert_eq!(proposals[0]["phase"], "Voting", "{proposals}");
    let run = d.dvb(&["gov", "vote", "new", "1", "maybe"]);
    assert!(
        !run.ok && run.stderr.contains("use yes, no, abstain or veto"),
        "{}",
        run.stderr
    );

    // A batch: recorded together and followed; a bad entry refuses the whole batch.
    let send =
        |amount: &str| serde_json::json!({"BankSend": {"to": bob, "amount": [{"denom": "stake", "amount": amount}]}});
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        serde_json::json!([
            {"from": "validator-0", "request": send("11")},
            {"from": "validator-0", "request": send("12")},
            {"from": "validator-0", "request": send("13"), "unordered": true},
        ])
        .to_string(),
    )
    .unwrap();
    let batch = d
        .dvb_ok(&["tx", "batch", "new", "--file", good.to_str().unwrap(), "-o", "json"])
        .json();
    let phases: Vec<&str> = batch
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"]["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["Confirmed"; 3], "{batch}");
    let count = |devnet: &str| {
        d.dvb_ok(&["tx", "list", devnet, "-o", "json"])
            .json()
            .as_array()
            .unwrap()
            .len()
    };
    let before = count("new");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        serde_json::json!([
            {"from": "validator-0", "request": send("1")},
            {"from": "mallory", "request": send("1")},
        ])
        .to_string(),
    )
    .unwrap();
    let run = d.dvb(&["tx", "batch", "new", "--file", bad.to_str().unwrap()]);
    assert!(
        !run.ok && run.stderr.contains("transaction 2 of the batch"),
        "{}",
        run.stderr
    );
    assert_eq!(count("new"), before, "nothing of a refused batch is recorded");

    // Watch: the phases as they change, ending at Confirmed.
    let queued = send_no_wait(&d, &bob);
    let watched = d.dvb_ok(&["tx", "watch", &queued]).stdout;
    assert!(
        watched.trim_end().ends_with("Confirmed") || watched.contains("Confirmed height"),
        "{watched}"
    );

    // Raw bytes go out as they are; the node's refusal comes back with its own log.
    let raw = dir.path().join("raw.bin");
    std::fs::write(&raw, b"not a transaction").unwrap();
    let run = d.dvb(&[
        "tx",
        "submit",
        "new",
        "--type",
        "raw",
        "--raw-file",
        raw.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert!(!run.ok, "{}", run.stdout);
    let tx = run.json();
    assert_eq!(tx["status"]["phase"], "Failed", "{tx}");
    assert!(!tx["status"]["chain_log"].as_str().unwrap().is_empty(), "{tx}");
}

/// A bank send recorded without waiting; its name.
fn send_no_wait(d: &Daemon, to: &str) -> String {
    let run = d.dvb_ok(&[
        "tx",
        "submit",
        "new",
        "--from",
        "validator-0",
        "--to",
        to,
        "--amount",
        "3stake",
        "--no-wait",
        "-o",
        "json",
    ]);
    run.json()["meta"]["name"].as_str().unwrap().to_string()
}
