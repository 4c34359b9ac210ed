//! A real multi-validator `simd` network made with the chain's own `testnet init-files`, with
//! every listener moved to a free loopback port.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::chain::binary;
use crate::ports::free_ports;
use crate::process::{GroupProcess, stop_all_and_check};
use crate::{rpc, wait_for};

pub struct NodePorts {
    pub rpc: u16,
    pub p2p: u16,
    pub grpc: u16,
    pub api: u16,
}

pub struct SimdNet {
    pub simd: PathBuf,
    pub dir: tempfile::TempDir,
    pub ports: Vec<NodePorts>,
    pub nodes: Vec<GroupProcess>,
}

fn edit_toml(path: &Path, edit: impl FnOnce(&mut toml_edit::DocumentMut)) -> anyhow::Result<()> {
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(path)?.parse()?;
    edit(&mut doc);
    std::fs::write(path, doc.to_string())?;
    Ok(())
}

/// Moves node `i`'s listeners to its ports and points its peers at theirs.
fn configure(home: &Path, ports: &[NodePorts], i: usize) -> anyhow::Result<()> {
    let p = &ports[i];
    let mut peers_seen = 0;
    edit_toml(&home.join("config/config.toml"), |doc| {
        doc["rpc"]["laddr"] = toml_edit::value(format!("tcp://127.0.0.1:{}", p.rpc));
        doc["rpc"]["pprof_laddr"] = toml_edit::value("");
        doc["p2p"]["laddr"] = toml_edit::value(format!("tcp://127.0.0.1:{}", p.p2p));
        doc["p2p"]["allow_duplicate_ip"] = toml_edit::value(true);
        doc["p2p"]["addr_book_strict"] = toml_edit::value(false);
        // init-files writes `id@127.0.0.(1+j):26656`; node j now listens on 127.0.0.1:<p2p of j>.
        let peers = doc["p2p"]["persistent_peers"].as_str().unwrap_or("").to_string();
        let rewritten: Vec<String> = peers
            .split(',')
            .filter_map(|peer| {
                let (id, addr) = peer.split_once('@')?;
                let host = addr.rsplit_once(':')?.0;
                let j = host.rsplit('.').next()?.parse::<usize>().ok()?.checked_sub(1)?;
                Some(format!("{id}@127.0.0.1:{}", ports.get(j)?.p2p))
            })
            .collect();
        peers_seen = rewritten.len();
        doc["p2p"]["persistent_peers"] = toml_edit::value(rewritten.join(","));
        doc["consensus"]["timeout_commit"] = toml_edit::value("500ms");
    })?;
    anyhow::ensure!(
        peers_seen + 1 == ports.len(),
        "node{i} should peer with the {} others",
        ports.len() - 1
    );
    edit_toml(&home.join("config/app.toml"), |doc| {
        doc["grpc"]["address"] = toml_edit::value(format!("127.0.0.1:{}", p.grpc));
        doc["api"]["enable"] = toml_edit::value(true);
        doc["api"]["address"] = toml_edit::value(format!("tcp://127.0.0.1:{}", p.api));
    })
}

impl SimdNet {
    /// Makes and starts `validators` nodes of simd `version`, and waits for the first block.
    pub fn start(version: &str, validators: usize) -> anyhow::Result<Self> {
        let simd = binary("simd", version);
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("net");
        let status = Command::new(&simd)
            .args([
                "testnet",
                "init-files",
                "--v",
                &validators.to_string(),
                "--chain-id",
                "smoke-1",
            ])
            .args(["--starting-ip-address", "127.0.0.1", "--keyring-backend", "test", "-o"])
            .arg(&out)
            .status()?;
        anyhow::ensure!(status.success(), "simd testnet init-files failed: {status}");
        let ports: Vec<NodePorts> = free_ports(4 * validators)
            .chunks(4)
            .map(|c| NodePorts {
                rpc: c[0],
                p2p: c[1],
                grpc: c[2],
                api: c[3],
            })
            .collect();
        let mut nodes = Vec::new();
        for i in 0..validators {
            let home = Self::home_in(&out, i);
            configure(&home, &ports, i)?;
            let mut cmd = Command::new(&simd);
            cmd.arg("start").arg("--home").arg(&home);
            nodes.push(GroupProcess::spawn(
                &format!("node{i}"),
                &mut cmd,
                &dir.path().join(format!("node{i}.log")),
            )?);
        }
        let mut net = Self {
            simd,
            dir,
            ports,
            nodes,
        };
        let rpc0 = net.ports[0].rpc;
        let nodes = &mut net.nodes;
        // A few seconds a node more: 32 validators on 2 cores take a while to all connect.
        let first_block = Duration::from_secs(90 + 5 * validators as u64);
        wait_for("node0 to commit a block", first_block, || {
            for n in nodes.iter_mut() {
                n.assert_running()?;
            }
            Ok(rpc::comet_height(rpc0).ok().filter(|h| *h >= 1))
        })
        .map_err(|e| anyhow::anyhow!("{e}\nnode0 log:\n{}", net.log_tail(0)))?;
        Ok(net)
    }

    fn home_in(out: &Path, i: usize) -> PathBuf {
        out.join(format!("node{i}/simd"))
    }

    /// Node `i`'s home directory.
    pub fn home(&self, i: usize) -> PathBuf {
        Self::home_in(&self.dir.path().join("net"), i)
    }

    pub fn log_tail(&self, i: usize) -> String {
        let text = std::fs::read_to_string(self.dir.path().join(format!("node{i}.log"))).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Stops every node and fails if a process or a bound port is left.
    pub fn stop_and_check(&mut self) -> anyhow::Result<()> {
        let ports: Vec<u16> = self.ports.iter().flat_map(|p| [p.rpc, p.p2p, p.grpc, p.api]).collect();
        stop_all_and_check(&mut self.nodes, &ports)
    }
}
