//! A real 2-validator `simd` network, made with the chain's own `testnet init-files`, produces
//! blocks on loopback and leaves nothing behind when stopped.

use std::time::Duration;

use devnet_e2e::simd_net::SimdNet;
use devnet_e2e::{rpc, wait_for};

#[test]
fn simd_v050_two_validators_should_produce_blocks_and_stop_cleanly() {
    let mut net = SimdNet::start("v0.50", 2).unwrap();
    let first = rpc::comet_height(net.ports[0].rpc).unwrap();
    let ports: Vec<u16> = net.ports.iter().map(|p| p.rpc).collect();
    let heights = wait_for("the height to advance on both nodes", Duration::from_secs(60), || {
        let heights: Vec<u64> = ports.iter().map(|p| rpc::comet_height(*p)).collect::<Result<_, _>>()?;
        Ok(heights.iter().all(|h| *h > first).then_some(heights))
    })
    .unwrap_or_else(|e| panic!("{e}\nnode1 log:\n{}", net.log_tail(1)));
    assert!(heights.iter().all(|h| *h > first));
    net.stop_and_check().unwrap();
}
