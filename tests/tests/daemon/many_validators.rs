//! A small sample of `cargo bench --bench deploy_many_validators` in the default suite: a
//! 16-validator simd devnet from `dvb deploy`, every validator running and signing: a block's
//! commit carries all 16 signatures.

use std::time::{Duration, Instant};

use devnet_e2e::daemon::{Daemon, nodes, port};
use serde_json::Value;

const VALIDATORS: usize = 16;

/// How many validators signed the commit of block `height - 1` (kept in block `height`).
fn signatures(rpc: u16, height: u64) -> anyhow::Result<usize> {
    let block: Value = ureq::get(&format!("http://127.0.0.1:{rpc}/block?height={height}"))
        .call()?
        .into_json()?;
    let sigs = block["result"]["block"]["last_commit"]["signatures"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("no commit in {block}"))?;
    // BlockIDFlagCommit = 2: a signature for the block (1 is absent, 3 nil).
    Ok(sigs.iter().filter(|s| s["block_id_flag"] == 2).count())
}

#[test]
fn sixteen_validators_should_all_run_and_sign() {
    let d = Daemon::start();
    d.deploy_cosmos("many", "v0.50", VALIDATORS as u32, &[]);
    let status = d.status("many");
    let all = nodes(&status);
    assert_eq!(all.len(), VALIDATORS, "{status}");
    assert!(all.iter().all(|n| n["status"]["phase"] == "Running"), "{status}");
    let rpc = port(&all[0], "rpc");
    // Some block soon has every validator's signature on its parent (a slow one may miss a few).
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut best = 0;
    let mut height = 2;
    while best < VALIDATORS {
        assert!(
            Instant::now() < deadline,
            "at most {best} of {VALIDATORS} signatures by block {height}"
        );
        match signatures(rpc, height) {
            Ok(n) => {
                best = best.max(n);
                height += 1;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    d.dvb_ok(&["destroy", "many"]);
}
