//! Transactions through devnetd per second: signed by the daemon, broadcast through the plugin
//! and seen committed, from 1 account and from 10, on a 1-validator simd v0.53 devnet making a
//! block every 300 ms. Each run submits `DEVNET_BENCH_TXS` (default 40) bank sends over the gRPC
//! API, one after another without waiting, and waits until every one is Confirmed; runs alternate (1 account, 10 accounts,
//! ...) so drift hits both alike. Prints the medians and the ratio. `DEVNET_BENCH_RUNS`
//! (default 3).

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
    loop {
        let mut open = 0;
        for name in &names {
            let t = client.tx(name).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            match t.status.phase {
                TxPhase::Confirmed => {}
                TxPhase::Failed => anyhow::bail!("{name} failed: {}", t.status.message),
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

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let runs = env_or("DEVNET_BENCH_RUNS", 3);
    let n = env_or("DEVNET_BENCH_TXS", 40);
    let d = Daemon::start();
    let accounts: Vec<String> = (0..10).map(|i| format!("acct{i}")).collect();
    let funded: Vec<String> = accounts.iter().map(|a| format!("{a}=1000000000stake")).collect();
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
    // Warm-up: the builder and the account lookups.
    run(&client, &accounts[..1], 2, &to).await?;

    let (mut one, mut ten) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let a = run(&client, &accounts[..1], n, &to).await?;
        let b = run(&client, &accounts, n, &to).await?;
        println!("run {i}: 1 account {a:.1} tx/s, 10 accounts {b:.1} tx/s");
        one.push(a);
        ten.push(b);
    }
    let (a, b) = (median(one), median(ten));
    println!(
        "median over {runs} runs of {n} txs: 1 account {a:.1} tx/s, 10 accounts {b:.1} tx/s, ratio {:.2}",
        b / a
    );
    Ok(())
}
