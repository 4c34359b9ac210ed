//! Transactions through devnetd per second: signed by the daemon, broadcast through the plugin
//! and seen committed, from 1 account and from 10, on a 1-validator simd v0.53 devnet making a
//! block every 300 ms. Each run submits `DEVNET_BENCH_TXS` (default 40) bank sends over the gRPC
//! API, one after another without waiting, and waits until every one is Confirmed; runs alternate (1 account, 10 accounts,
//! ...) so drift hits both alike. Prints the medians and the ratio. `DEVNET_BENCH_RUNS`
//! (default 3).
//!
//! The baseline, in the same runs: the chain's own capacity. The same number of bank sends from
//! an account of its own, signed beforehand (the cosmos plugin's tx builder and the devnet's
//! keyring file, in this process), broadcast one after another straight to the node's CometBFT
//! RPC (`broadcast_tx_sync`) until the account's sequence shows every one committed. The last
//! line: `tx throughput: R× the direct baseline` (1 account through devnetd against it).

use std::time::{Duration, Instant};

use devnet_api::DaemonClient;
use devnet_core::{TxPhase, TxSpec};
use devnet_e2e::addresses::cosmos_address;
use devnet_e2e::daemon::Daemon;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Submits `n` sends spread over `accounts` at once; committed transactions per second.
async fn run(client: &DaemonClient, accounts: &[String], n: usize, to: &str) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut names = Vec::new();
    // Submitting is one quick gRPC call each; the daemon signs, sends and follows them
    // concurrently.
    for i in 0..n {
        let spec = TxSpec {
            devnet: "tp".into(),
            from: accounts[i % accounts.len()].clone(),
            request: Some(devnet_core::TxRequest::new(
                "bank-send",
                serde_json::json!({"to": to, "amount": [{"denom": "stake", "amount": (i + 1).to_string()}]}),
            )),
            raw: None,
            unordered: false,
        };
        names.push(
            client
                .submit_tx(&spec)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .meta
                .name,
        );
    }
    let names: std::collections::HashSet<String> = names.into_iter().collect();
    loop {
        // One List call a poll (not one Get per transaction), as cheap as the baseline's
        // single account read.
        let mut open = 0;
        for t in client.txs("tp").await.map_err(|e| anyhow::anyhow!("{e}"))? {
            if !names.contains(&t.meta.name) {
                continue;
            }
            match t.status.phase {
                TxPhase::Confirmed => {}
                TxPhase::Failed => anyhow::bail!("{} failed: {}", t.meta.name, t.status.message),
                _ => open += 1,
            }
        }
        if open == 0 {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(300),
            "{open} txs still open after 300 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// What the direct baseline needs of the devnet.
struct Direct {
    builders: devnet_e2e::cosmos::TxBuilders,
    keyring: devnet_keyring::Keyring,
    version: String,
    address: String,
    public_key: Vec<u8>,
    rpc: u16,
    api: u16,
}

impl Direct {
    /// `n` sends signed beforehand, broadcast straight to the node; committed transactions per
    /// second, from the first broadcast to the last one committed.
    async fn run(&mut self, n: usize, to: &str) -> anyhow::Result<f64> {
        use devnet_e2e::cosmos::{account_of, options, request, signer};
        let (number, first) = account_of(self.api, &self.address);
        let mut txs = Vec::with_capacity(n);
        for i in 0..n as u64 {
            let send = request(
                "bank-send",
                serde_json::json!({"to": to, "amount": [{"denom": "stake", "amount": (i + 1).to_string()}]}),
            );
            let from = signer(&self.address, &self.public_key, number, first + i);
            let unsigned = self
                .builders
                .build(&self.version, &send, &from, &options(false, None))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            txs.push(
                self.builders
                    .signed(&self.version, &self.keyring, "direct", &unsigned)
                    .await,
            );
        }
        use base64::Engine as _;
        let start = Instant::now();
        for tx in &txs {
            let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "broadcast_tx_sync",
                "params": {"tx": base64::engine::general_purpose::STANDARD.encode(tx)}});
            let reply: serde_json::Value = ureq::post(&format!("http://127.0.0.1:{}", self.rpc))
                .send_json(body)?
                .into_json()?;
            anyhow::ensure!(reply["result"]["code"] == 0, "broadcast_tx_sync: {reply}");
        }
        loop {
            let (_, sequence) = account_of(self.api, &self.address);
            if sequence >= first + n as u64 {
                break;
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(300),
                "{} of {n} direct txs committed after 300 s",
                sequence - first
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let runs = env_or("DEVNET_BENCH_RUNS", 3);
    let n = env_or("DEVNET_BENCH_TXS", 40);
    let d = Daemon::start();
    let accounts: Vec<String> = (0..10).map(|i| format!("acct{i}")).collect();
    let funded: Vec<String> = accounts
        .iter()
        .chain([&"direct".to_string()])
        .map(|a| format!("{a}=1000000000stake"))
        .collect();
    let mut settings: Vec<&str> = Vec::new();
    for f in &funded {
        settings.extend(["--account", f.as_str()]);
    }
    let mut args = vec![
        "deploy",
        "--name",
        "tp",
        "--network",
        "cosmos",
        "--version",
        "v0.53",
        "--validators",
        "1",
        "--set",
        "block-time=300ms",
    ];
    args.extend(settings);
    d.dvb_ok(&args);
    let client = DaemonClient::connect(&d.path().join(devnet_api::SOCKET_FILE))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let to = cosmos_address("cosmos", &[2u8; 33]);
    let devnet = client.get("tp").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let nodes = client.nodes("tp").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let port = |name: &str| {
        nodes[0]
            .spec
            .ports
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.port)
            .ok_or_else(|| anyhow::anyhow!("no {name} port"))
    };
    let keyring = devnet_keyring::Keyring::open(&d.path().join("devnets/tp/keyring.json"))?;
    let mut direct = Direct {
        builders: devnet_e2e::cosmos::TxBuilders::for_chain(&devnet.spec.chain_id).await,
        public_key: keyring.public_key("direct")?,
        keyring,
        version: devnet.status.detected_version.clone(),
        address: devnet
            .status
            .addresses
            .iter()
            .find(|a| a.name == "direct")
            .map(|a| a.address.clone())
            .ok_or_else(|| anyhow::anyhow!("no address for the direct account"))?,
        rpc: port("rpc")?,
        api: port("api")?,
    };
    // Warm-up: the builder and the account lookups.
    run(&client, &accounts[..1], 2, &to).await?;
    direct.run(2, &to).await?;

    let (mut base, mut one, mut ten) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        let c = direct.run(n, &to).await?;
        let a = run(&client, &accounts[..1], n, &to).await?;
        let b = run(&client, &accounts, n, &to).await?;
        println!("run {i}: direct {c:.1} tx/s, 1 account {a:.1} tx/s, 10 accounts {b:.1} tx/s");
        base.push(c);
        one.push(a);
        ten.push(b);
    }
    let (c, a, b) = (median(base), median(one), median(ten));
    println!(
        "median over {runs} runs of {n} txs: direct {c:.1} tx/s, 1 account {a:.1} tx/s, 10 accounts {b:.1} tx/s; \
         10 against 1: {:.2}",
        b / a
    );
    println!("tx throughput: {:.2}x the direct baseline", a / c);
    Ok(())
}
