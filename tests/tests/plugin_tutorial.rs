//! The plugin `docs/plugin-tutorial.md` writes (`docs/tutorial/foundry-plugin`, built by
//! `cargo xtask plugins` with its checksum), taken through the tutorial's last steps against a
//! running devnetd: installed, a devnet of real `anvil` deployed with it, blocks made, the
//! version detected through the plugin, and destroyed. The tutorial cannot rot unnoticed.

use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::plugins::component;
use devnet_e2e::wait_for;

#[test]
fn the_tutorial_plugin_should_run_an_anvil_devnet_once_installed() {
    let d = Daemon::start();
    let wasm = component("foundry");
    let run = d.dvb_ok(&["plugin", "install", wasm.to_str().unwrap(), "-o", "json"]);
    let done = run.json();
    assert_eq!(done["plugin"]["name"], "foundry", "{done}");
    assert_eq!(done["plugin"]["platform"], "evm", "{done}");
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
    // What the plugin refuses comes back to the user in its words.
    let run = deploy("g", "2");
    assert!(!run.ok && run.stderr.contains("anvil runs one node"), "{}", run.stderr);
    d.dvb_ok(&["destroy", "f"]);
}
