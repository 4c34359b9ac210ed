//! An alto network made by hand, alto's own way and nothing of devnet-builder's: `alto-deploy
//! generate … local --start-port P` deals the keys and writes one config per validator (p2p port
//! P+2i, metrics P+2i+1) and `peers.yaml`; every validator started at once. The baseline for the
//! Commonware deploy benchmark, and the chain smoke test.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::chain::binary;
use crate::ports::free_port_run;
use crate::process::{GroupProcess, stop_all_and_check};
use crate::{rpc, wait_for};

pub struct AltoNet {
    pub dir: tempfile::TempDir,
    /// Validator `i`'s metrics port.
    pub metrics: Vec<u16>,
    /// Every port the network was given.
    pub ports: Vec<u16>,
    pub nodes: Vec<GroupProcess>,
}

impl AltoNet {
    /// `peers` validators (one of them the bootstrapper) configured by `alto-deploy` and started
    /// at once; returns when validator 0 has finalized a block.
    pub fn start(peers: u16) -> anyhow::Result<Self> {
        let deploy = binary("alto-deploy", "");
        let validator = binary("alto-validator", "");
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("net");
        let start = free_port_run(2 * peers);
        let status = Command::new(&deploy)
            .current_dir(dir.path())
            .args(["generate", "--peers", &peers.to_string(), "--bootstrappers", "1"])
            .args([
                "--worker-threads",
                "1",
                "--log-level",
                "info",
                "--mailbox-size",
                "16384",
            ])
            .args(["--deque-size", "256", "--signature-threads", "1"])
            .args(["--leader-mode", "rotating", "--leader-delay-ms", "0", "--output"])
            .arg(&out)
            .args(["local", "--start-port", &start.to_string()])
            .output()?;
        anyhow::ensure!(
            status.status.success(),
            "alto deploy generate failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let mut configs: Vec<PathBuf> = std::fs::read_dir(&out)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        configs.retain(|p| p.extension().is_some_and(|x| x == "yaml") && !p.ends_with("peers.yaml"));
        configs.sort();
        anyhow::ensure!(
            configs.len() == usize::from(peers),
            "one config per validator: {configs:?}"
        );
        let mut net = Self {
            metrics: Vec::new(),
            ports: (start..start + 2 * peers).collect(),
            nodes: Vec::new(),
            dir,
        };
        for (i, config) in configs.iter().enumerate() {
            // The config's own ports: `deploy` handed them out in the order it sorted the keys.
            let text = std::fs::read_to_string(config)?;
            let metrics = text
                .lines()
                .find_map(|l| l.strip_prefix("metrics_port: "))
                .ok_or_else(|| anyhow::anyhow!("no metrics_port in {}", config.display()))?
                .trim()
                .parse()?;
            net.metrics.push(metrics);
            let mut cmd = Command::new(&validator);
            cmd.arg("--peers")
                .arg(out.join("peers.yaml"))
                .arg("--config")
                .arg(config);
            let log = net.dir.path().join(format!("validator{i}.log"));
            net.nodes
                .push(GroupProcess::spawn(&format!("validator{i}"), &mut cmd, &log)?);
        }
        let first = net.metrics[0];
        wait_for("validator 0's first finalized block", Duration::from_secs(60), || {
            for n in net.nodes.iter_mut() {
                n.assert_running()?;
            }
            Ok(rpc::alto_finalized_height(first).ok().filter(|h| *h >= 1))
        })
        .map_err(|e| {
            let log = std::fs::read_to_string(net.dir.path().join("validator0.log")).unwrap_or_default();
            anyhow::anyhow!("{e}\nvalidator0 log:\n{log}")
        })?;
        Ok(net)
    }

    /// Stops every validator and checks that no process or port is left.
    pub fn stop_and_check(&mut self) -> anyhow::Result<()> {
        stop_all_and_check(&mut self.nodes, &self.ports)
    }
}
