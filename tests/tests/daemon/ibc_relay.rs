//! The relayer the project chose for IBC (issue 16), checked against chains dvb deploys: two
//! Cosmos devnets with IBC (`--binary simd-ibc`: ibc-go v8.8.0's test app on SDK v0.50.15),
//! @confio/relayer 0.12.0 as `cargo xtask chains` installs it, unmodified. Its `ibc-setup`
//! makes the clients, the connection and an ICS-20 channel; its `ibc-relayer` relays a
//! transfer sent with the chain's own CLI; the receiver on b holds the `ibc/` denomination of
//! that path and the sender paid exactly the amount and the fee. The Relayer resource that runs
//! these steps itself is not built yet: this test is what it will stand on.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use devnet_e2e::chain::binary;
use devnet_e2e::daemon::Daemon;
use devnet_e2e::wait_for;
use sha2::Digest as _;

/// Kills the relayer when the test ends, however it ends.
struct Relayer(Child);

impl Drop for Relayer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `cmd` under a time limit (`timeout`, coreutils): a relayer step that hangs fails the test.
fn limited(secs: u32, program: &std::path::Path) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg(secs.to_string()).arg(program);
    cmd
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `denom`'s amount in `address`'s balances on the chain at `rpc` (0 when it holds none).
fn balance(simd: &std::path::Path, rpc: &str, address: &str, denom: &str) -> u128 {
    let out = run(Command::new(simd).args(["q", "bank", "balances", address, "--node", rpc, "-o", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    json["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["denom"] == denom)
        .map_or(0, |c| c["amount"].as_str().unwrap().parse().unwrap())
}

#[test]
fn confios_relayer_should_open_a_channel_and_relay_a_transfer_between_two_ibc_devnets() {
    let d = Daemon::start();
    for name in ["a", "b"] {
        d.dvb_ok(&[
            "deploy",
            "--name",
            name,
            "--network",
            "cosmos",
            "--binary",
            "simd-ibc",
            "--version",
            "v0.50",
            "--validators",
            "1",
            "--set",
            "block-time=1s",
            "--account",
            "alice=1000000000stake",
        ]);
    }
    let rpc = |name: &str| {
        let e = d.dvb_ok(&["endpoints", name, "-o", "json"]).json();
        e["nodes"][0]["urls"]["rpc"].as_str().unwrap().to_string()
    };
    let (rpc_a, rpc_b) = (rpc("a"), rpc("b"));

    // The relayer's home: a registry of the two chains (written here: `init` would fetch a
    // default one from GitHub), then `init`, which makes its mnemonic.
    let relayer = binary("ibc-relayer", "0.12.0");
    let setup = relayer.with_file_name("ibc-setup");
    let home = d.path().join("relayer");
    std::fs::create_dir_all(&home).unwrap();
    let chain = |name: &str, rpc: &str| {
        format!(
            "  {name}:\n    chain_id: {name}-1\n    prefix: cosmos\n    gas_price: 0.025stake\n    \
             hd_path: m/44'/118'/0'/0/0\n    estimated_block_time: 1000\n    estimated_indexer_time: 250\n    \
             rpc:\n      - {rpc}\n"
        )
    };
    let registry = format!("version: 1\nchains:\n{}{}", chain("a", &rpc_a), chain("b", &rpc_b));
    std::fs::write(home.join("registry.yaml"), registry).unwrap();
    let init = run(limited(60, &setup)
        .arg("init")
        .arg("--home")
        .arg(&home)
        .args(["--src", "a", "--dest", "b"]));
    let relayer_address = init
        .lines()
        .find_map(|l| l.strip_prefix("Source address: "))
        .unwrap_or_else(|| panic!("no address in: {init}"))
        .trim()
        .to_string();
    for name in ["a", "b"] {
        let fields =
            format!("{{\"to\":\"{relayer_address}\",\"amount\":[{{\"denom\":\"stake\",\"amount\":\"100000000\"}}]}}");
        d.dvb_ok(&[
            "tx",
            "submit",
            name,
            "--type",
            "bank-send",
            "--fields",
            &fields,
            "--from",
            "alice",
        ]);
    }

    // Clients, a connection and the ICS-20 channel, by the relayer's own command.
    let made = run(limited(300, &setup).arg("ics20").arg("--home").arg(&home));
    assert!(
        made.contains("a-1: transfer/channel-0") && made.contains("b-1: transfer/channel-0"),
        "{made}"
    );
    let log = std::fs::File::create(d.path().join("relayer.log")).unwrap();
    let _relaying = Relayer(
        Command::new(&relayer)
            .arg("start")
            .arg("--home")
            .arg(&home)
            .args(["--poll", "1"])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("ibc-relayer starts"),
    );

    // alice on a sends 5stake over channel-0 with simd's own CLI, her key from dvb.
    let simd = binary("simd-ibc", "v0.50");
    let keys = d.dvb_ok(&["endpoints", "a", "--with-keys", "-o", "json"]).json();
    let alice = keys["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "alice")
        .unwrap()
        .clone();
    let (sender, key) = (
        alice["address"].as_str().unwrap(),
        alice["private_key"].as_str().unwrap(),
    );
    let keyring = d.path().join("keyring");
    run(Command::new(&simd)
        .args([
            "keys",
            "import-hex",
            "alice",
            key,
            "--keyring-backend",
            "test",
            "--home",
        ])
        .arg(&keyring));
    let receiver = "cosmos1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du";
    let before = balance(&simd, &rpc_a, sender, "stake");
    let sent = run(Command::new(&simd)
        .args([
            "tx",
            "ibc-transfer",
            "transfer",
            "transfer",
            "channel-0",
            receiver,
            "5stake",
        ])
        .args([
            "--from",
            "alice",
            "--keyring-backend",
            "test",
            "--chain-id",
            "a-1",
            "--node",
            &rpc_a,
        ])
        .args(["--fees", "5000stake", "-y", "-o", "json", "--home"])
        .arg(&keyring));
    let sent: serde_json::Value = serde_json::from_str(&sent).unwrap();
    assert_eq!(sent["code"], 0, "{sent}");
    // Included and executed, not only accepted: else a failure here would read as the relayer's.
    let hash = sent["txhash"].as_str().unwrap();
    let included = wait_for("the transfer in a block on a", Duration::from_secs(30), || {
        let out = Command::new(&simd)
            .args(["q", "tx", hash, "--node", &rpc_a, "-o", "json"])
            .output()?;
        Ok(out
            .status
            .success()
            .then(|| serde_json::from_slice::<serde_json::Value>(&out.stdout))
            .transpose()?)
    })
    .unwrap();
    assert_eq!(included["code"], 0, "{included}");

    // On b: the denomination of the path transfer/channel-0, its hash as ICS-20 names it.
    let denom = format!(
        "ibc/{}",
        hex::encode_upper(sha2::Sha256::digest(b"transfer/channel-0/stake"))
    );
    wait_for("the transfer on b", Duration::from_secs(60), || {
        Ok((balance(&simd, &rpc_b, receiver, &denom) == 5).then_some(()))
    })
    .unwrap_or_else(|e| {
        let log = std::fs::read_to_string(d.path().join("relayer.log")).unwrap_or_default();
        panic!("{e}\nrelayer log:\n{}", devnet_e2e::daemon::tail(&log, 30))
    });
    assert_eq!(before - balance(&simd, &rpc_a, sender, "stake"), 5 + 5000);
}
