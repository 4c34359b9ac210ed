//! A real 3-validator Commonware alto network, configured by alto's own `deploy generate local`,
//! finalizes blocks on loopback and leaves nothing behind when stopped.

use std::time::Duration;

use devnet_e2e::alto_net::AltoNet;
use devnet_e2e::rpc::alto_finalized_height as finalized_height;
use devnet_e2e::wait_for;

#[test]
fn alto_three_validators_should_finalize_blocks_and_stop_cleanly() {
    let mut net = AltoNet::start(3).unwrap();
    let first = finalized_height(net.metrics[0]).unwrap();
    assert!(first >= 1);
    wait_for(
        "every validator to finalize past the first height",
        Duration::from_secs(60),
        || {
            let heights: Vec<u64> = net
                .metrics
                .iter()
                .map(|p| finalized_height(*p))
                .collect::<Result<_, _>>()?;
            Ok(heights.iter().all(|h| *h > first).then_some(()))
        },
    )
    .unwrap();
    net.stop_and_check().unwrap();
}
