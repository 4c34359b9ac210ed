//! A real 2-validator `simd` network, made with the chain's own `testnet init-files`, produces
//! blocks on loopback and leaves nothing behind when stopped.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use devnet_e2e::chain::binary;
use devnet_e2e::ports::{free_ports, is_listening};
use devnet_e2e::process::{GroupProcess, group_members};
use devnet_e2e::{rpc, wait_for};

const VALIDATORS: usize = 2;

struct NodePorts {
    rpc: u16,
    p2p: u16,
    grpc: u16,
    api: u16,
}

fn edit_toml(path: &Path, edit: impl FnOnce(&mut toml_edit::DocumentMut)) {
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(path).unwrap().parse().unwrap();
    edit(&mut doc);
    std::fs::write(path, doc.to_string()).unwrap();
}

/// Moves every listener of node `i` to its own loopback port and points peers at them.
fn configure(home: &Path, ports: &[NodePorts], i: usize) {
    let p = &ports[i];
    edit_toml(&home.join("config/config.toml"), |doc| {
        doc["rpc"]["laddr"] = toml_edit::value(format!("tcp://127.0.0.1:{}", p.rpc));
        doc["rpc"]["pprof_laddr"] = toml_edit::value("");
        doc["p2p"]["laddr"] = toml_edit::value(format!("tcp://127.0.0.1:{}", p.p2p));
        doc["p2p"]["allow_duplicate_ip"] = toml_edit::value(true);
        doc["p2p"]["addr_book_strict"] = toml_edit::value(false);
        // `id@127.0.0.(1+j):26656` as init-files wrote it becomes `id@127.0.0.1:<p2p of j>`.
        let peers = doc["p2p"]["persistent_peers"].as_str().unwrap().to_string();
        let rewritten: Vec<String> = peers
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|peer| {
                let (id, addr) = peer.split_once('@').unwrap();
                let host = addr.rsplit_once(':').unwrap().0;
                let j = host.rsplit('.').next().unwrap().parse::<usize>().unwrap() - 1;
                format!("{id}@127.0.0.1:{}", ports[j].p2p)
            })
            .collect();
        assert_eq!(
            rewritten.len(),
            VALIDATORS - 1,
            "init-files should peer each node with the others"
        );
        doc["p2p"]["persistent_peers"] = toml_edit::value(rewritten.join(","));
        doc["consensus"]["timeout_commit"] = toml_edit::value("500ms");
    });
    edit_toml(&home.join("config/app.toml"), |doc| {
        doc["grpc"]["address"] = toml_edit::value(format!("127.0.0.1:{}", p.grpc));
        doc["api"]["address"] = toml_edit::value(format!("tcp://127.0.0.1:{}", p.api));
    });
}

fn two_validators_should_produce_blocks_and_stop_cleanly(version: &str) {
    let simd = binary("simd", version);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("net");
    let status = Command::new(&simd)
        .args([
            "testnet",
            "init-files",
            "--v",
            &VALIDATORS.to_string(),
            "--chain-id",
            "smoke-1",
        ])
        .args(["--starting-ip-address", "127.0.0.1", "--keyring-backend", "test", "-o"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "simd testnet init-files failed: {status}");

    let ports: Vec<NodePorts> = free_ports(4 * VALIDATORS)
        .chunks(4)
        .map(|c| NodePorts {
            rpc: c[0],
            p2p: c[1],
            grpc: c[2],
            api: c[3],
        })
        .collect();
    let mut nodes = Vec::new();
    for i in 0..VALIDATORS {
        let home = out.join(format!("node{i}/simd"));
        configure(&home, &ports, i);
        let mut cmd = Command::new(&simd);
        cmd.arg("start").arg("--home").arg(&home);
        nodes.push(
            GroupProcess::spawn(&format!("node{i}"), &mut cmd, &dir.path().join(format!("node{i}.log"))).unwrap(),
        );
    }

    let first = wait_for("node0 to commit a block", Duration::from_secs(90), || {
        for n in nodes.iter_mut() {
            n.assert_running()?;
        }
        Ok(rpc::comet_height(ports[0].rpc).ok().filter(|h| *h >= 1))
    })
    .unwrap_or_else(|e| panic!("{e}\nnode0 log:\n{}", tail(&dir.path().join("node0.log"))));
    let advanced = wait_for("the height to advance on both nodes", Duration::from_secs(60), || {
        let heights: Vec<u64> = ports
            .iter()
            .map(|p| rpc::comet_height(p.rpc))
            .collect::<Result<_, _>>()?;
        Ok(heights.iter().all(|h| *h > first).then_some(heights))
    })
    .unwrap();
    assert!(advanced.iter().all(|h| *h > first));

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
    for p in &ports {
        assert!(
            !is_listening(p.rpc) && !is_listening(p.p2p),
            "a port is still bound after the stop"
        );
    }
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

#[test]
fn simd_v050_two_validators_should_produce_blocks_and_stop_cleanly() {
    two_validators_should_produce_blocks_and_stop_cleanly("v0.50");
}
