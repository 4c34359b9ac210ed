//! `dvb nodes list|logs|restart|health`.

use std::io::Write as _;
use std::time::Duration;

use devnet_core::NodePhase;
use tokio_stream::StreamExt as _;

use crate::backend::{Backend, Needs};
use crate::commands::{Ctx, poll};
use crate::output::{self, Output, ago, enum_name, short};

#[derive(clap::Subcommand)]
pub enum NodesCommand {
    /// The nodes of a devnet.
    List { devnet: String },
    /// A node's log: the last lines, and with -f what it writes from then on.
    Logs {
        /// `devnet/node`, e.g. `hub/validator-0`.
        node: String,
        #[arg(long, short = 'f')]
        follow: bool,
        /// How many of the last lines to show first.
        #[arg(long, short = 'n', default_value_t = 50)]
        lines: u32,
    },
    /// Stop a node's process and start it again (also retries a Failed node).
    Restart {
        node: String,
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Height, peers, catching up and when the height last moved, per node.
    Health { devnet: String },
}

pub async fn run(ctx: &Ctx, c: NodesCommand) -> anyhow::Result<()> {
    match c {
        NodesCommand::List { devnet } => list(ctx, &devnet).await,
        NodesCommand::Logs { node, follow, lines } => logs(ctx, &node, follow, lines).await,
        NodesCommand::Restart { node, timeout } => restart(ctx, &node, timeout).await,
        NodesCommand::Health { devnet } => health(ctx, &devnet).await,
    }
}

async fn list(ctx: &Ctx, devnet: &str) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let nodes = backend.nodes(devnet).await;
    backend.close().await;
    let nodes = nodes?;
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &nodes),
        Output::Table => {
            let rows: Vec<Vec<String>> = nodes.iter().map(output::node_row).collect();
            output::table(&output::NODE_HEADER, &rows);
            Ok(())
        }
    }
}

async fn health(ctx: &Ctx, devnet: &str) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let result = async { anyhow::Ok((backend.get(devnet).await?, backend.nodes(devnet).await?)) }.await;
    backend.close().await;
    let (d, nodes) = result?;
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => {
            let rows: Vec<serde_json::Value> = nodes
                .iter()
                .map(|n| {
                    serde_json::json!({
                        "node": n.meta.name,
                        "phase": n.status.phase,
                        "height": n.status.height,
                        "peers": n.status.peers,
                        "catching_up": n.status.catching_up,
                        "height_changed_unix_ms": n.status.height_changed_unix_ms,
                        "restarts": n.status.restarts,
                        "message": n.status.message,
                    })
                })
                .collect();
            output::structured(
                o,
                &serde_json::json!({ "devnet": d.meta.name, "phase": d.status.phase, "message": d.status.message, "nodes": rows }),
            )
        }
        Output::Table => {
            println!("{}: {} {}", d.meta.name, enum_name(&d.status.phase), d.status.message);
            let rows: Vec<Vec<String>> = nodes
                .iter()
                .map(|n| {
                    vec![
                        short(n).to_string(),
                        enum_name(&n.status.phase),
                        n.status.height.to_string(),
                        n.status.peers.to_string(),
                        if n.status.catching_up { "yes" } else { "no" }.to_string(),
                        ago(n.status.height_changed_unix_ms),
                        n.status.message.clone(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "NODE",
                    "PHASE",
                    "HEIGHT",
                    "PEERS",
                    "CATCHING UP",
                    "LAST BLOCK",
                    "MESSAGE",
                ],
                &rows,
            );
            Ok(())
        }
    }
}

async fn restart(ctx: &Ctx, name: &str, timeout: u64) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Controllers).await?;
    let result = async {
        let asked = backend.restart_node(name).await?;
        poll(&format!("{name} to restart"), Duration::from_secs(timeout), || async {
            let n = backend.node(name).await?;
            let done = n.status.restart_seen >= asked.spec.restart
                && matches!(n.status.phase, NodePhase::Running | NodePhase::CatchingUp);
            Ok(done.then_some(n))
        })
        .await
    }
    .await;
    backend.close().await;
    let node = result?;
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &node),
        Output::Table => {
            output::table(&output::NODE_HEADER, &[output::node_row(&node)]);
            Ok(())
        }
    }
}

async fn logs(ctx: &Ctx, name: &str, follow: bool, lines: u32) -> anyhow::Result<()> {
    output::text_only(ctx.output, "dvb nodes logs")?;
    let backend = ctx.backend(Needs::Read).await?;
    let result = print_logs(&backend, name, follow, lines).await;
    backend.close().await;
    result
}

async fn print_logs(backend: &Backend, name: &str, follow: bool, lines: u32) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    let mut stream = backend.logs(name, lines, follow).await?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|s| anyhow::anyhow!("{}", s.message()))?;
        out.write_all(&chunk.data)?;
        out.flush()?;
    }
    Ok(())
}
