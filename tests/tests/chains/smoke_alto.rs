//! A real 3-validator Commonware alto network, configured by alto's own `deploy generate local`,
//! finalizes blocks on loopback and leaves nothing behind when stopped.

use std::process::Command;
use std::time::Duration;

use devnet_e2e::chain::binary;
use devnet_e2e::ports::{free_port_run, is_listening};
use devnet_e2e::process::{GroupProcess, group_members};
use devnet_e2e::{rpc, wait_for};

const PEERS: u16 = 3;

use rpc::alto_finalized_height as finalized_height;

#[test]
fn alto_three_validators_should_finalize_blocks_and_stop_cleanly() {
    let deploy = binary("alto-deploy", "");
    let validator = binary("alto-validator", "");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("net");
    // Each validator gets a P2P port and the metrics port after it.
    let start = free_port_run(2 * PEERS);
    let status = Command::new(&deploy)
        .current_dir(dir.path())
        .args([
            "generate",
            "--peers",
            &PEERS.to_string(),
            "--bootstrappers",
            "1",
            "--worker-threads",
            "1",
        ])
        .args([
            "--log-level",
            "info",
            "--mailbox-size",
            "16384",
            "--deque-size",
            "256",
            "--signature-threads",
            "1",
        ])
        .args(["--leader-mode", "rotating", "--leader-delay-ms", "0", "--output"])
        .arg(&out)
        .args(["local", "--start-port", &start.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "alto deploy generate failed: {status}");

    let mut configs: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml") && !p.ends_with("peers.yaml"))
        .collect();
    configs.sort();
    assert_eq!(configs.len(), usize::from(PEERS), "one config per validator");

    let mut nodes = Vec::new();
    for (i, config) in configs.iter().enumerate() {
        let mut cmd = Command::new(&validator);
        cmd.arg("--peers")
            .arg(out.join("peers.yaml"))
            .arg("--config")
            .arg(config);
        let log = dir.path().join(format!("validator{i}.log"));
        nodes.push(GroupProcess::spawn(&format!("validator{i}"), &mut cmd, &log).unwrap());
    }
    let metrics_ports: Vec<u16> = (0..PEERS).map(|i| start + 2 * i + 1).collect();

    let first = wait_for("a finalized block", Duration::from_secs(60), || {
        for n in nodes.iter_mut() {
            n.assert_running()?;
        }
        Ok(finalized_height(metrics_ports[0]).ok().filter(|h| *h >= 1))
    })
    .unwrap_or_else(|e| {
        panic!(
            "{e}\nvalidator0 log:\n{}",
            std::fs::read_to_string(dir.path().join("validator0.log")).unwrap_or_default()
        )
    });
    wait_for(
        "every validator to finalize past the first height",
        Duration::from_secs(60),
        || {
            let heights: Vec<u64> = metrics_ports
                .iter()
                .map(|p| finalized_height(*p))
                .collect::<Result<_, _>>()?;
            Ok(heights.iter().all(|h| *h > first).then_some(()))
        },
    )
    .unwrap();

    let pgids: Vec<i32> = nodes.iter().map(GroupProcess::pgid).collect();
    for n in nodes.iter_mut() {
        n.stop(Duration::from_secs(10)).unwrap();
    }
    for pgid in pgids {
        assert!(
            group_members(pgid).is_empty(),
            "processes of group {pgid} survived the stop"
        );
    }
    for port in start..start + 2 * PEERS {
        assert!(!is_listening(port), "port {port} is still bound after the stop");
    }
}
