//! A geth v1.13 Clique network made by hand, geth's own way and nothing of devnet-builder's: a
//! genesis naming the signers in its `extraData`, `geth init` and `geth account import
//! --lightkdf` for each node, one after another, static peers in a `config.toml`, and every
//! node started at once. The baseline for deploy benchmarks.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use alloy_primitives::Address;
use k256::elliptic_curve::sec1::ToEncodedPoint as _;

use crate::chain::binary;
use crate::ports::free_ports;
use crate::process::{GroupProcess, stop_all_and_check};
use crate::{rpc, wait_for};

pub struct CliqueNet {
    pub dir: tempfile::TempDir,
    /// Per node: http, authrpc, p2p.
    pub ports: Vec<[u16; 3]>,
    pub nodes: Vec<GroupProcess>,
}

/// A fixed secret key per role and index: signer `i`'s account, node `i`'s devp2p identity.
fn secret(kind: u8, i: usize) -> k256::SecretKey {
    let mut bytes = [0u8; 32];
    bytes[0] = kind;
    bytes[31] = u8::try_from(i + 1).unwrap_or(u8::MAX);
    k256::SecretKey::from_slice(&bytes).unwrap_or_else(|e| panic!("a fixed key: {e}"))
}

fn uncompressed(key: &k256::SecretKey) -> Vec<u8> {
    key.public_key().to_encoded_point(false).as_bytes()[1..].to_vec()
}

impl CliqueNet {
    /// `signers` signers and `full_nodes` followers, one block every `period` seconds, started
    /// at once; returns when node 0 has block 1.
    pub fn start(signers: usize, full_nodes: usize, period: u64) -> anyhow::Result<Self> {
        let geth = binary("geth", "v1.13");
        let dir = tempfile::tempdir()?;
        let total = signers + full_nodes;
        let ports: Vec<[u16; 3]> = free_ports(3 * total).chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        let addresses: Vec<Address> = (0..signers)
            .map(|i| Address::from_raw_public_key(&uncompressed(&secret(1, i))))
            .collect();
        let mut extra = "0x".to_string() + &"00".repeat(32);
        for a in &addresses {
            extra += &hex::encode(a.as_slice());
        }
        extra += &"00".repeat(65);
        let alloc: serde_json::Map<String, serde_json::Value> = addresses
            .iter()
            .map(|a| {
                (
                    format!("{a:x}"),
                    serde_json::json!({"balance": "1000000000000000000000"}),
                )
            })
            .collect();
        let genesis = serde_json::json!({
            "config": {
                "chainId": 1337, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0,
                "eip158Block": 0, "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0,
                "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0,
                "clique": {"period": period, "epoch": 30000}
            },
            "difficulty": "0x1", "gasLimit": "0x1c9c380", "extraData": extra, "alloc": alloc,
        });
        let genesis_file = dir.path().join("genesis.json");
        std::fs::write(&genesis_file, serde_json::to_vec(&genesis)?)?;
        let enodes: Vec<String> = (0..total)
            .map(|i| {
                format!(
                    "\"enode://{}@127.0.0.1:{}\"",
                    hex::encode(uncompressed(&secret(2, i))),
                    ports[i][2]
                )
            })
            .collect();
        let run = |args: &[&str]| -> anyhow::Result<()> {
            let out = Command::new(&geth).args(args).output()?;
            anyhow::ensure!(
                out.status.success(),
                "geth {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Ok(())
        };
        let mut nodes = Vec::new();
        for i in 0..total {
            let home: PathBuf = dir.path().join(format!("node{i}"));
            let home_s = home.display().to_string();
            run(&["init", "--datadir", &home_s, &genesis_file.display().to_string()])?;
            std::fs::write(home.join("geth/nodekey"), hex::encode(secret(2, i).to_bytes()))?;
            let peers: Vec<&str> = (0..total).filter(|j| *j != i).map(|j| enodes[j].as_str()).collect();
            let config = home.join("config.toml");
            std::fs::write(&config, format!("[Node.P2P]\nStaticNodes = [{}]\n", peers.join(", ")))?;
            let password = home.join("password.txt");
            std::fs::write(&password, "\n")?;
            let mut cmd = Command::new(&geth);
            let [http, authrpc, p2p] = ports[i];
            cmd.args(["--datadir", &home_s, "--config", &config.display().to_string()])
                .args(["--networkid", "1337", "--port", &p2p.to_string(), "--nodiscover"])
                .args(["--http", "--http.addr", "127.0.0.1", "--http.port", &http.to_string()])
                .args(["--authrpc.addr", "127.0.0.1", "--authrpc.port", &authrpc.to_string()])
                .args(["--ipcdisable", "--syncmode", "full"]);
            if i < signers {
                let key = home.join("signer.key");
                std::fs::write(&key, hex::encode(secret(1, i).to_bytes()))?;
                let pw = password.display().to_string();
                // Light scrypt parameters, as a devnet's keys deserve (and as the evm plugin
                // imports them).
                run(&[
                    "account",
                    "import",
                    "--lightkdf",
                    "--datadir",
                    &home_s,
                    "--password",
                    &pw,
                    &key.display().to_string(),
                ])?;
                let address = format!("{:?}", addresses[i]);
                cmd.args(["--mine", "--miner.etherbase", &address, "--unlock", &address])
                    .args(["--password", &pw, "--allow-insecure-unlock"]);
            }
            nodes.push(GroupProcess::spawn(
                &format!("node{i}"),
                &mut cmd,
                &dir.path().join(format!("node{i}.log")),
            )?);
        }
        let mut net = Self { dir, ports, nodes };
        let http0 = net.ports[0][0];
        let nodes = &mut net.nodes;
        wait_for("node0's block 1", Duration::from_secs(90), || {
            for n in nodes.iter_mut() {
                n.assert_running()?;
            }
            Ok(rpc::eth_block_number(http0).ok().filter(|h| *h >= 1))
        })?;
        Ok(net)
    }

    /// Stops every node and fails if a process or a bound port is left.
    pub fn stop_and_check(&mut self) -> anyhow::Result<()> {
        let ports: Vec<u16> = self.ports.iter().flatten().copied().collect();
        stop_all_and_check(&mut self.nodes, &ports)
    }
}
