//! Brings up a default devnet (simd v0.50, 2 validators) and shows it, read through the cosmos
//! plugin in the sandboxed host, until Ctrl-C or `--seconds N`. The interim main job until
//! `dvb deploy` (issue 4) replaces it.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use devnet_e2e::simd_net::SimdNet;
use devnet_plugin_host::wit::{NamedPort, NodeRole, NodeSlot};
use devnet_plugin_host::{Capability, DevnetGrant, EngineLimits, PluginEngine};

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| -> anyhow::Result<u64> {
        match args.iter().position(|a| a == name) {
            Some(i) => {
                let v = args
                    .get(i + 1)
                    .ok_or_else(|| anyhow::anyhow!("{name} needs a number"))?;
                v.parse()
                    .map_err(|_| anyhow::anyhow!("{name} takes a whole number, not {v:?}"))
            }
            None => Ok(default),
        }
    };
    let validators = usize::try_from(arg("--validators", 2)?)?;
    anyhow::ensure!(
        (1..=8).contains(&validators),
        "--validators must be 1 to 8, not {validators}"
    );
    let seconds = arg("--seconds", 0)?;

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let component = root.join("target/plugins/cosmos.wasm");
    anyhow::ensure!(
        component.exists(),
        "{} is missing; run `cargo xtask plugins`",
        component.display()
    );
    let engine = PluginEngine::new(root.join("target/aot-cache"), EngineLimits::default())?;
    let plugin = engine.load(&component).await?;

    println!("starting simd v0.50 with {validators} validators...");
    let started = Instant::now();
    let mut net = tokio::task::block_in_place(|| SimdNet::start("v0.50", validators))?;
    println!(
        "first block after {:.1}s; home {}",
        started.elapsed().as_secs_f64(),
        net.dir.path().display()
    );

    let slots: Vec<NodeSlot> = net
        .ports
        .iter()
        .enumerate()
        .map(|(i, p)| NodeSlot {
            index: u32::try_from(i).unwrap_or(0),
            role: NodeRole::Validator,
            name: format!("validator-{i}"),
            home: format!("node{i}"),
            ports: [("rpc", p.rpc), ("p2p", p.p2p), ("grpc", p.grpc), ("api", p.api)]
                .into_iter()
                .map(|(n, port)| NamedPort { name: n.into(), port })
                .collect(),
        })
        .collect();
    let mut grant = DevnetGrant::none("default")
        .with(Capability::Http)
        .with(Capability::Log);
    grant.http_ports = net.ports.iter().flat_map(|p| [p.rpc, p.api]).collect::<BTreeSet<u16>>();
    let mut cosmos = plugin.instantiate(grant).await?;

    let deadline = (seconds > 0).then(|| Instant::now() + Duration::from_secs(seconds));
    loop {
        println!(
            "\n{:<14} {:>7} {:>6} {:>12}  {:<10} ports (rpc/p2p/grpc/api)",
            "NODE", "HEIGHT", "PEERS", "CATCHING-UP", "SDK"
        );
        for (slot, p) in slots.iter().zip(&net.ports) {
            let status = cosmos.node_status(slot).await;
            let version = cosmos.detect_live(slot).await.unwrap_or_else(|_| "-".into());
            match status {
                Ok(s) => println!(
                    "{:<14} {:>7} {:>6} {:>12}  {:<10} {}/{}/{}/{}",
                    slot.name, s.height, s.peers, s.catching_up, version, p.rpc, p.p2p, p.grpc, p.api
                ),
                Err(e) => println!("{:<14} {e}", slot.name),
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = tokio::time::sleep(Duration::from_secs(3)) => {}
        }
    }
    println!("\nstopping...");
    tokio::task::block_in_place(|| net.stop_and_check())?;
    println!("stopped; no process or port left behind");
    Ok(())
}
