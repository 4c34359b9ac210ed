//! Real EVM nodes on loopback (geth in dev mode at both pinned versions, and anvil) produce
//! blocks and leave nothing behind when stopped.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use devnet_e2e::chain::binary;
use devnet_e2e::ports::{free_ports, is_listening};
use devnet_e2e::process::{GroupProcess, group_members};
use devnet_e2e::{rpc, wait_for};

/// Starts `cmd`, waits for two heights in a row to advance on `http_port`, stops it, and checks
/// that no process of its group and no listener on its ports is left.
fn should_produce_blocks_and_stop_cleanly(name: &str, mut cmd: Command, http_port: u16, ports: &[u16], log: &Path) {
    let mut node = GroupProcess::spawn(name, &mut cmd, log).unwrap();
    let first = wait_for("the first block", Duration::from_secs(60), || {
        node.assert_running()?;
        Ok(rpc::eth_block_number(http_port).ok().filter(|h| *h >= 1))
    })
    .unwrap_or_else(|e| panic!("{e}\n{name} log:\n{}", std::fs::read_to_string(log).unwrap_or_default()));
    let later = wait_for("the height to advance", Duration::from_secs(30), || {
        Ok(rpc::eth_block_number(http_port).ok().filter(|h| *h > first))
    })
    .unwrap();
    assert!(later > first);

    let pgid = node.pgid();
    node.stop(Duration::from_secs(10)).unwrap();
    assert!(group_members(pgid).is_empty(), "{name} left processes behind");
    for p in ports {
        assert!(!is_listening(*p), "{name} left port {p} bound");
    }
}

fn geth_dev(version: &str) {
    let geth = binary("geth", version);
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(2);
    let mut cmd = Command::new(geth);
    cmd.args(["--dev", "--dev.period", "1", "--datadir"])
        .arg(dir.path().join("data"))
        .args([
            "--http",
            "--http.addr",
            "127.0.0.1",
            "--http.port",
            &ports[0].to_string(),
        ])
        .args(["--authrpc.addr", "127.0.0.1", "--authrpc.port", &ports[1].to_string()])
        .args(["--nodiscover", "--maxpeers", "0", "--port", "0", "--ipcdisable"]);
    should_produce_blocks_and_stop_cleanly(
        &format!("geth {version}"),
        cmd,
        ports[0],
        &ports,
        &dir.path().join("geth.log"),
    );
}

#[test]
fn geth_v1_13_dev_mode_should_produce_blocks_and_stop_cleanly() {
    geth_dev("v1.13");
}

#[test]
fn geth_v1_17_dev_mode_should_produce_blocks_and_stop_cleanly() {
    geth_dev("v1.17");
}

#[test]
fn anvil_should_produce_blocks_and_stop_cleanly() {
    let anvil = binary("anvil", "");
    let dir = tempfile::tempdir().unwrap();
    let port = free_ports(1)[0];
    let mut cmd = Command::new(anvil);
    cmd.args(["--host", "127.0.0.1", "--port", &port.to_string(), "--block-time", "1"]);
    should_produce_blocks_and_stop_cleanly("anvil", cmd, port, &[port], &dir.path().join("anvil.log"));
}
