//! The plugin `docs/plugin-tutorial.md` writes (`docs/tutorial/foundry-plugin`, built by
//! `cargo xtask plugins` with its checksum), taken through the tutorial's last steps against a
//! running devnetd: installed, a devnet of real `anvil` deployed with it (its account funded by
//! the plugin's genesis), blocks made, the version detected through the plugin, a transaction of
//! the plugin's own kind `send` signed by the daemon and mined, and destroyed. The tutorial cannot
//! rot unnoticed.

use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::plugins::component;
use devnet_e2e::{rpc, wait_for};

/// An address no one holds: its balance is what the test sends.
const BOB: &str = "0x000000000000000000000000000000000000beef";

#[test]
fn the_tutorial_plugin_should_run_an_anvil_devnet_once_installed() {
    let d = Daemon::start();
    let wasm = component("foundry");
    let run = d.dvb_ok(&["plugin", "install", wasm.to_str().unwrap(), "-o", "json"]);
    let done = run.json();
    assert_eq!(done["plugin"]["name"], "foundry", "{done}");
    assert_eq!(done["plugin"]["family"], "evm", "{done}");
    let deploy = |name: &str, validators: &str| {
        d.dvb(&[
            "deploy",
            "--network",
            "foundry",
            "--version",
            "1.7",
            "--validators",
            validators,
            "--name",
            name,
        ])
    };
    let run = deploy("f", "1");
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let status = d.status("f");
    assert_eq!(status["devnet"]["status"]["detected_version"], "v1.7.1", "{status}");
    let start = status["devnet"]["status"]["height"].as_u64().unwrap();
    wait_for("anvil blocks", Duration::from_secs(30), || {
        let h = d.status("f")["devnet"]["status"]["height"].as_u64().unwrap();
        Ok((h >= start + 2).then_some(()))
    })
    .unwrap();
    // The kind it declares, listed for the chain version running, with an example of its fields.
    let kinds = d.dvb_ok(&["tx", "kinds", "f", "-o", "json"]).json();
    assert_eq!(kinds["version"], "v1.7.1", "{kinds}");
    let names: Vec<&str> = kinds["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["name"].as_str())
        .collect();
    assert_eq!(names, ["send"], "{kinds}");
    assert!(
        kinds["kinds"][0]["example"].as_str().unwrap().contains("\"wei\""),
        "{kinds}"
    );
    // Its own transaction kind, through the daemon: signed with the key its genesis funded.
    let rpc_port = devnet_e2e::daemon::port(&status["nodes"][0], "rpc");
    let fields = format!(r#"{{"to":"{BOB}","wei":"12345"}}"#);
    let run = d.dvb(&[
        "tx", "submit", "f", "--type", "send", "--fields", &fields, "--from", "alice", "-o", "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let tx = run.json();
    assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
    assert_eq!(tx["spec"]["request"]["kind"], "send", "{tx}");
    let balance = rpc::eth_call_str(rpc_port, "eth_getBalance", serde_json::json!([BOB, "latest"])).unwrap();
    let wei = u128::from_str_radix(balance.trim_start_matches("0x"), 16).unwrap();
    assert_eq!(wei, 12345);
    // A kind the plugin does not declare is refused by the plugin, naming its kinds.
    let run = d.dvb(&[
        "tx", "submit", "f", "--type", "mint", "--fields", "{}", "--from", "alice",
    ]);
    assert!(
        !run.ok && run.stderr.contains("\"mint\"") && run.stderr.contains("send"),
        "{}",
        run.stderr
    );

    // An upgrade by governance on a plugin without governance fails at once, in the SDK's words,
    // and sends nothing.
    let txs_before = d.dvb_ok(&["tx", "list", "f", "-o", "json"]).json();
    let run = d.dvb(&[
        "upgrade",
        "create",
        "f",
        "--name",
        "next",
        "--to-version",
        "1.7",
        "-o",
        "json",
    ]);
    assert!(!run.ok, "{}\n{}", run.stdout, run.stderr);
    let up = d.dvb_ok(&["upgrade", "status", "f/next", "-o", "json"]).json();
    assert_eq!(up["status"]["phase"], "Failed", "{up}");
    let message = up["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("has no governance") && message.contains("--no-gov"),
        "{message}"
    );
    assert_eq!(d.dvb_ok(&["tx", "list", "f", "-o", "json"]).json(), txs_before);

    // What the plugin refuses comes back to the user in its words.
    let run = deploy("g", "2");
    assert!(!run.ok && run.stderr.contains("anvil runs one node"), "{}", run.stderr);
    d.dvb_ok(&["destroy", "f"]);
}
