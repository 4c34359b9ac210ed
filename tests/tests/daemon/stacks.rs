//! Stack files (`dvb apply / diff / delete -f`) on real chains: `examples/four-families.toml`
//! (two Cosmos chains, an EVM chain, a Tempo chain and a transfer on each) applied once, then
//! again with nothing changed and nothing sent twice; a change a running devnet cannot take
//! refused with nothing changed; a devnet dropped from the file kept, then pruned; deleted.
//! Bad files and a devnet the stack did not make refused, nothing stored.

use std::path::{Path, PathBuf};

use devnet_e2e::daemon::Daemon;
use serde_json::Value;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name)
}

/// The actions of an apply's (or a diff's) JSON, as `action object` lines.
fn actions(applied: &Value) -> Vec<String> {
    applied["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["action"].as_str().unwrap(), c["object"].as_str().unwrap()))
        .collect()
}

fn devnets(d: &Daemon) -> Vec<String> {
    let mut names: Vec<String> = d
        .dvb_ok(&["list", "-o", "json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["meta"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Transactions of `devnet`, as `(name, phase)`.
fn txs(d: &Daemon, devnet: &str) -> Vec<(String, String)> {
    d.dvb_ok(&["tx", "list", devnet, "-o", "json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["meta"]["name"].as_str().unwrap().to_string(),
                t["status"]["phase"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_stack_should_apply_once_change_nothing_again_refuse_what_cannot_change_prune_and_delete() {
    let d = Daemon::start();
    let file = example("four-families.toml");
    let file = file.to_str().unwrap();

    // diff: what an apply would do, and nothing done.
    let plan = d.dvb_ok(&["diff", "-f", file, "-o", "json"]).json();
    assert_eq!(
        actions(&plan),
        [
            "create devnet hub",
            "create devnet zone",
            "create devnet eth",
            "create devnet tp",
            "send tx 1 on hub",
            "send tx 2 on zone",
            "send tx 3 on eth",
            "send tx 4 on tp",
        ]
    );
    assert!(devnets(&d).is_empty());
    assert_eq!(
        d.dvb_ok(&["stacks", "-o", "json"]).json(),
        serde_json::json!([]),
        "a diff stores nothing"
    );

    // apply: returns once every devnet runs and every transfer is confirmed.
    d.dvb_ok(&["apply", "-f", file]);
    let stacks = d.dvb_ok(&["stacks", "-o", "json"]).json();
    assert_eq!(stacks[0]["phase"], "Ready", "{stacks}");
    assert_eq!(
        (stacks[0]["txs"].as_u64(), stacks[0]["sent"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(devnets(&d), ["eth", "hub", "tp", "zone"]);
    for name in ["hub", "zone", "eth", "tp"] {
        assert_eq!(d.status(name)["devnet"]["status"]["phase"], "Running", "{name}");
        assert_eq!(
            txs(&d, name),
            [(format!("{name}/tx-1"), "Confirmed".to_string())],
            "{name}"
        );
    }

    // Again: nothing changes, nothing is sent twice.
    let again = d.dvb_ok(&["apply", "-f", file]);
    assert!(again.stdout.contains("no changes"), "{}", again.stdout);
    for name in ["hub", "zone", "eth", "tp"] {
        assert_eq!(txs(&d, name).len(), 1, "{name} got a second transaction");
    }

    // A devnet of the stack destroyed by hand is another chain when made again: the next apply
    // makes it, and sends its transfer to it.
    d.dvb_ok(&["destroy", "eth"]);
    devnet_e2e::wait_for("eth destroyed", std::time::Duration::from_secs(60), || {
        Ok((!devnets(&d).contains(&"eth".to_string())).then_some(()))
    })
    .unwrap();
    let remade = d.dvb_ok(&["apply", "-f", file, "-o", "json"]).json();
    let acts = actions(&remade);
    assert!(
        acts.contains(&"create devnet eth".to_string()) && acts.contains(&"send tx 3 on eth".to_string()),
        "{acts:?}"
    );
    assert!(acts.contains(&"sent tx 1 on hub".to_string()), "{acts:?}");
    assert_eq!(txs(&d, "eth"), [("eth/tx-1".to_string(), "Confirmed".to_string())]);

    // A change a running devnet cannot take: refused, naming the field and the way out; the
    // diff shows it; nothing changed.
    let work = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(file).unwrap();
    let changed = work.path().join("changed.toml");
    std::fs::write(&changed, text.replacen("validators = 2", "validators = 3", 1)).unwrap();
    let changed = changed.to_str().unwrap();
    let run = d.dvb(&["apply", "-f", changed]);
    assert!(!run.ok, "{}", run.stdout);
    assert!(
        run.stderr.contains("devnet hub: validators changed") && run.stderr.contains("--recreate"),
        "{}",
        run.stderr
    );
    let run = d.dvb(&["diff", "-f", changed, "-o", "json"]);
    assert!(!run.ok);
    assert!(
        actions(&run.json()).contains(&"refused apply".to_string()),
        "{}",
        run.stdout
    );
    assert_eq!(d.status("hub")["nodes"].as_array().unwrap().len(), 2);
    let back = d.dvb_ok(&["apply", "-f", file]);
    assert!(
        back.stdout.contains("no changes"),
        "the refused apply changed nothing: {}",
        back.stdout
    );

    // A devnet dropped from the file: kept, and said so; destroyed with --prune.
    let start = text.find("[[devnet]]\nname = \"zone\"").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let tx_start = text.find("[[tx]]\ndevnet = \"zone\"").unwrap();
    let tx_end = tx_start + text[tx_start..].find("\n\n").unwrap();
    let mut without = text.clone();
    without.replace_range(tx_start..tx_end, "");
    without.replace_range(start..end, "");
    let dropped = work.path().join("dropped.toml");
    std::fs::write(&dropped, without).unwrap();
    let dropped = dropped.to_str().unwrap();
    let kept = d.dvb_ok(&["apply", "-f", dropped, "-o", "json"]).json();
    assert!(actions(&kept).contains(&"keep devnet zone".to_string()), "{kept}");
    assert!(devnets(&d).contains(&"zone".to_string()));
    let pruned = d.dvb_ok(&["apply", "-f", dropped, "--prune", "-o", "json"]).json();
    assert!(
        actions(&pruned).contains(&"destroy devnet zone".to_string()),
        "{pruned}"
    );
    devnet_e2e::wait_for("zone destroyed", std::time::Duration::from_secs(60), || {
        Ok((!devnets(&d).contains(&"zone".to_string())).then_some(()))
    })
    .unwrap();

    // --recreate: hub made again with its new node count, its transfer sent to the new chain.
    let grown = work.path().join("grown.toml");
    std::fs::write(
        &grown,
        std::fs::read_to_string(dropped)
            .unwrap()
            .replacen("validators = 2", "validators = 3", 1),
    )
    .unwrap();
    let grown = grown.to_str().unwrap();
    let remade = d.dvb_ok(&["apply", "-f", grown, "--recreate", "-o", "json"]).json();
    assert!(
        actions(&remade).contains(&"recreate devnet hub".to_string()),
        "{remade}"
    );
    assert!(actions(&remade).contains(&"send tx 1 on hub".to_string()), "{remade}");
    assert_eq!(d.status("hub")["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(txs(&d, "hub"), [("hub/tx-1".to_string(), "Confirmed".to_string())]);
    assert_eq!(d.dvb_ok(&["stacks", "-o", "json"]).json()[0]["phase"], "Ready");

    // delete: every devnet the stack made goes, and the stack.
    d.dvb_ok(&["delete", "-f", grown]);
    devnet_e2e::wait_for("every devnet destroyed", std::time::Duration::from_secs(60), || {
        Ok(devnets(&d).is_empty().then_some(()))
    })
    .unwrap();
    assert_eq!(d.dvb_ok(&["stacks", "-o", "json"]).json(), serde_json::json!([]));
}

#[test]
fn bad_stack_files_and_devnets_a_stack_did_not_make_should_be_refused_storing_nothing() {
    let d = Daemon::start();
    let work = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = work.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let typo = write(
        "typo.toml",
        "name = \"s\"\n\n[[devnet]]\nname = \"a\"\nnetwork = \"evm\"\nvalidatorz = 1\n",
    );
    let twice = write(
        "twice.toml",
        "name = \"s\"\n[[devnet]]\nname = \"a\"\nnetwork = \"evm\"\n[[devnet]]\nname = \"a\"\nnetwork = \"evm\"\n",
    );
    let relayer = write("relayer.toml", "name = \"s\"\n[[relayer]]\nchains = [\"a\", \"b\"]\n");
    // What only a deploy's checks find: refused while planning, nothing made.
    let zero = write(
        "zero.toml",
        "name = \"s\"\n[[devnet]]\nname = \"ok\"\nnetwork = \"evm\"\nsettings = { client = \"anvil\" }\n[[devnet]]\nname = \"a\"\nnetwork = \"evm\"\nvalidators = 0\n",
    );
    let unknown = write(
        "unknown.toml",
        "name = \"s\"\n[[devnet]]\nname = \"a\"\nnetwork = \"nope\"\n",
    );
    for (file, says) in [
        (&typo, vec!["line 6", "column 1", "validatorz"]),
        (&twice, vec!["two devnets named \"a\""]),
        (&relayer, vec!["[[relayer]]"]),
        (&zero, vec!["devnet a: 0 validators"]),
        (&unknown, vec!["devnet a:", "nope"]),
    ] {
        let run = d.dvb(&["apply", "-f", file]);
        assert!(!run.ok, "{file}: {}", run.stdout);
        for s in says {
            assert!(
                run.stderr.contains(s) && run.stderr.contains(file.as_str()),
                "{file}: {s}: {}",
                run.stderr
            );
        }
    }
    assert!(devnets(&d).is_empty(), "a refused apply makes nothing");
    assert_eq!(d.dvb_ok(&["stacks", "-o", "json"]).json(), serde_json::json!([]));

    // A devnet of that name made by `dvb deploy`: not the stack's to take.
    d.dvb_ok(&["deploy", "--name", "eth", "--network", "evm", "--set", "client=anvil"]);
    let mine = write(
        "mine.toml",
        "name = \"s\"\n[[devnet]]\nname = \"eth\"\nnetwork = \"evm\"\nsettings = { client = \"anvil\" }\n",
    );
    let run = d.dvb(&["apply", "-f", &mine]);
    assert!(!run.ok);
    assert!(
        run.stderr.contains("devnet eth exists and this stack did not make it"),
        "{}",
        run.stderr
    );
    let run = d.dvb(&["delete", "-f", &mine]);
    assert!(!run.ok && run.stderr.contains("no stack named \"s\""), "{}", run.stderr);
    assert_eq!(d.dvb_ok(&["stacks", "-o", "json"]).json(), serde_json::json!([]));
    assert_eq!(devnets(&d), ["eth"]);
}
