//! A Tempo devnet through devnetd on a real Tempo-protocol node, anvil's Tempo mode (the tempo
//! plugin's choice when no `tempo` binary is asked for; none can be built here): accounts funded
//! in whole TIP-20 tokens at genesis, each key's address in `dvb status`; a `tempo-transfer` of
//! 1.5 pathUSD built by the plugin (a 0x76 transaction), signed by the host and mined: the
//! receipt's type and status, and both TIP-20 balances exactly, the fee paid in the token (read
//! from the receipt's own Transfer logs); a transfer with its fee in another token.

use devnet_e2e::daemon::{Daemon, tx_attribute};
use devnet_e2e::rpc;
use serde_json::{Value, json};

const PATH_USD: &str = "0x20c0000000000000000000000000000000000000";
const ALPHA_USD: &str = "0x20c0000000000000000000000000000000000001";
const BETA_USD: &str = "0x20c0000000000000000000000000000000000002";
const BOB: &str = "0x00000000000000000000000000000000000b0b01";
/// keccak256("Transfer(address,address,uint256)")
const TRANSFER_TOPIC: &str = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

fn balance_of(http: u16, token: &str, holder: &str) -> u128 {
    let data = format!("0x70a08231{:0>64}", holder.trim_start_matches("0x").to_lowercase());
    let hex = rpc::eth_call_str(http, "eth_call", json!([{"to": token, "data": data}, "latest"])).unwrap();
    u128::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
}

fn topic_address(topic: &Value) -> String {
    format!("0x{}", &topic.as_str().unwrap()[26..]).to_lowercase()
}

/// `dvb tx submit <devnet> --type tempo-transfer --from alice --to BOB --amount <amount> -o json`,
/// with `extra` arguments; not checked.
fn send(d: &Daemon, devnet: &str, amount: &str, extra: &[&str]) -> devnet_e2e::daemon::Run {
    let mut args = vec![
        "tx",
        "submit",
        devnet,
        "--type",
        "tempo-transfer",
        "--from",
        "alice",
        "--to",
        BOB,
        "--amount",
        amount,
    ];
    args.extend_from_slice(extra);
    args.extend(["-o", "json"]);
    d.dvb(&args)
}

#[test]
fn a_tempo_devnet_on_anvil_should_fund_in_tip20_and_mine_the_plugins_0x76_transfers() {
    let d = Daemon::start();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "tp",
        "--network",
        "tempo",
        "--account",
        "alice=1000pathUSD,0.000005AlphaUSD",
    ]);
    let s = d.status("tp");
    let spec = &s["devnet"]["spec"];
    assert_eq!(
        (spec["binary"].as_str(), spec["chain_id"].as_str()),
        (Some("anvil"), Some("1337")),
        "{spec}"
    );
    let version = s["devnet"]["status"]["detected_version"].as_str().unwrap_or_default();
    assert!(version.contains("+anvil"), "{version:?}");
    let node = &s["nodes"][0];
    let http = node["spec"]["ports"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "http"))
        .and_then(|p| p["port"].as_u64())
        .unwrap() as u16;
    let addresses = &s["devnet"]["status"]["addresses"];
    let alice = addresses
        .as_array()
        .and_then(|ks| ks.iter().find(|k| k["name"] == "alice"))
        .and_then(|k| k["address"].as_str())
        .unwrap_or_else(|| panic!("no address for alice in {addresses}"))
        .to_lowercase();
    // Funded at genesis, exactly, in each token asked for; anvil's own tokens still answer.
    assert_eq!(balance_of(http, PATH_USD, &alice), 1_000 * 1_000_000);
    assert_eq!(balance_of(http, ALPHA_USD, &alice), 5);

    // 1.5 pathUSD (6 decimals) from alice to bob.
    let run = send(&d, "tp", "1.5", &["--token", "pathUSD"]);
    assert!(run.ok, "{}\n{}\n{}", run.stdout, run.stderr, d.daemon_log());
    let tx = run.json();
    assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
    assert_eq!(tx_attribute(&tx, "type"), "0x76", "a Tempo transaction: {tx}");
    assert_eq!(balance_of(http, PATH_USD, BOB), 1_500_000);

    // What alice lost is exactly what the receipt's pathUSD Transfer logs say left her: the
    // 1.5 pathUSD to bob, and the fee, paid in pathUSD.
    let logs: Value = serde_json::from_str(&tx_attribute(&tx, "logs")).unwrap();
    let mut to_bob = 0u128;
    let mut out_of_alice = 0u128;
    for log in logs.as_array().unwrap() {
        let topics = log["topics"].as_array().unwrap();
        if log["address"].as_str().unwrap().to_lowercase() != PATH_USD || topics[0] != TRANSFER_TOPIC {
            continue;
        }
        let value = u128::from_str_radix(log["data"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        if topic_address(&topics[1]) == alice {
            out_of_alice += value;
            if topic_address(&topics[2]) == BOB {
                to_bob += value;
            }
        }
    }
    assert_eq!(to_bob, 1_500_000, "{logs}");
    assert!(out_of_alice > to_bob, "no fee paid in pathUSD: {logs}");
    assert_eq!(balance_of(http, PATH_USD, &alice), 1_000 * 1_000_000 - out_of_alice);

    // A transfer in another token named by its symbol (which pays the fee too), from
    // validator-0; then alice's second transfer takes her next nonce.
    let fields = json!({"to": BOB, "amount": "0.000003", "token": "AlphaUSD"}).to_string();
    let run = d.dvb(&[
        "tx",
        "submit",
        "tp",
        "--type",
        "tempo-transfer",
        "--from",
        "validator-0",
        "--fields",
        &fields,
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["status"]["phase"], "Confirmed", "{}", run.stdout);
    assert_eq!(balance_of(http, ALPHA_USD, BOB), 3);
    // pathUSD from validator-0 with the fee paid in BetaUSD: both tokens move in its logs.
    let run = d.dvb(&[
        "tx",
        "submit",
        "tp",
        "--type",
        "tempo-transfer",
        "--from",
        "validator-0",
        "--to",
        BOB,
        "--amount",
        "0.000001",
        "--token",
        "pathUSD",
        "--fee-token",
        "BetaUSD",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(balance_of(http, PATH_USD, BOB), 1_500_001);
    let logs: Value = serde_json::from_str(&tx_attribute(&run.json(), "logs")).unwrap();
    let tokens: std::collections::BTreeSet<String> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["address"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        tokens.contains(BETA_USD) && tokens.contains(PATH_USD),
        "the fee in BetaUSD: {logs}"
    );
    // Alice's second transfer takes her next nonce.
    let before = balance_of(http, PATH_USD, &alice);
    let run = send(&d, "tp", "2", &[]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.json()["status"]["sequence"],
        1,
        "alice's second nonce: {}",
        run.stdout
    );
    assert_eq!(balance_of(http, PATH_USD, BOB), 3_500_001);
    assert!(
        balance_of(http, PATH_USD, &alice) < before - 2_000_000,
        "alice paid 2 pathUSD and the fee"
    );

    // An independent client on the same node: Foundry's cast sends a 0x76 transfer of 0.25
    // pathUSD from alice's key (read from the devnet's keyring, as only a test may), its fee in
    // pathUSD. It lands like the plugin's, and the daemon's next transfer from alice takes the
    // nonce after cast's: the chain's nonce wins over the daemon's book.
    let keyring = devnet_keyring::Keyring::open(&d.path().join("devnets/tp/keyring.json")).unwrap();
    let secret = String::from_utf8(keyring.fill_secrets(b"${secret:alice:hex}").unwrap()).unwrap();
    let out = std::process::Command::new(devnet_e2e::chain::binary("cast", "1.7.1"))
        .args([
            "send",
            "--rpc-url",
            &format!("http://127.0.0.1:{http}"),
            "--private-key",
        ])
        .arg(format!("0x{secret}"))
        .args([
            "--tempo.fee-token",
            PATH_USD,
            PATH_USD,
            "transfer(address,uint256)",
            BOB,
            "250000",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cast send: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (receipt["type"].as_str(), receipt["status"].as_str()),
        (Some("0x76"), Some("0x1")),
        "{receipt}"
    );
    assert_eq!(balance_of(http, PATH_USD, BOB), 3_750_001);
    let run = send(&d, "tp", "0.25", &[]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let tx = run.json();
    assert_eq!(
        (tx["status"]["phase"].as_str(), tx["status"]["sequence"].as_u64()),
        (Some("Confirmed"), Some(3)),
        "{tx}"
    );
    assert_eq!(balance_of(http, PATH_USD, BOB), 4_000_001);

    // Expiring nonces are not sent to anvil's Tempo mode yet: refused, saying what to do.
    let run = d.dvb(&[
        "tx",
        "submit",
        "tp",
        "--type",
        "tempo-transfer",
        "--from",
        "alice",
        "--to",
        BOB,
        "--amount",
        "1",
        "--unordered",
    ]);
    assert!(!run.ok && run.stderr.contains("send it ordered"), "{}", run.stderr);

    d.dvb_ok(&["destroy", "tp"]);
    assert!(d.node_processes().is_empty());
}

/// `dvb tx submit tp --type tempo-transfer --unordered …` from alice to bob: 1 pathUSD.
fn unordered(d: &Daemon, devnet: &str) -> devnet_e2e::daemon::Run {
    send(d, devnet, "1", &["--unordered"])
}

/// The hardfork is part of the version (`v1.7.1+anvil.t0`, from the live chain). On T0 the
/// builder refuses repeated expiring nonces before anything is signed; `dvb upgrade create …
/// --no-gov --set hardfork=t1` stops the node at once (anvil has no halt height), restarts it on
/// T1 with its chain (anvil's state file), re-detects the version and replaces the builder; then
/// expiring-nonce transfers land, one after another from one sender, and what came before is
/// still there.
#[test]
fn a_tempo_devnet_should_move_from_t0_to_t1_and_take_expiring_nonces_after() {
    let d = Daemon::start();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "tp",
        "--network",
        "tempo",
        "--account",
        "alice=100pathUSD",
    ]);
    let live = |fork: &str| {
        let want = format!("v1.7.1+anvil.{fork}");
        devnet_e2e::wait_for("the live version", std::time::Duration::from_secs(30), || {
            Ok((d.status("tp")["devnet"]["status"]["detected_version"] == want.as_str()).then_some(()))
        })
        .unwrap();
    };
    live("t0");
    let http = d.status("tp")["nodes"][0]["spec"]["ports"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "http"))
        .and_then(|p| p["port"].as_u64())
        .unwrap() as u16;
    // An ordered transfer on T0, kept through the upgrade.
    let run = send(&d, "tp", "1", &[]);
    assert_eq!(
        run.json()["status"]["phase"],
        "Confirmed",
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(balance_of(http, PATH_USD, BOB), 1_000_000);
    let refused = unordered(&d, "tp");
    assert!(!refused.ok, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("need Tempo's T1 hardfork; this devnet runs t0"),
        "{}",
        refused.stderr
    );

    let height = rpc::eth_block_number(http).unwrap();
    let run = d.dvb(&[
        "upgrade",
        "create",
        "tp",
        "--name",
        "to-t1",
        "--no-gov",
        "--set",
        "hardfork=t1",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}\n{}", run.stdout, run.stderr, d.daemon_log());
    assert_eq!(
        run.json()["status"]["detected_version"],
        "v1.7.1+anvil.t1",
        "{}",
        run.stdout
    );
    live("t1");
    assert!(
        rpc::eth_block_number(http).unwrap() > height,
        "the chain went on from where it was"
    );
    assert_eq!(balance_of(http, PATH_USD, BOB), 1_000_000, "its state came along");

    for i in 1..=2u128 {
        let run = unordered(&d, "tp");
        assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
        let tx = run.json();
        assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
        assert_eq!(tx_attribute(&tx, "type"), "0x76", "{tx}");
        assert_eq!(balance_of(http, PATH_USD, BOB), (1 + i) * 1_000_000, "bob after {i}");
    }
}
