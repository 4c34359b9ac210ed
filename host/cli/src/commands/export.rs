//! `dvb export create|status|list`: a devnet's state written to a file by its plugin's export
//! command, on one node stopped for it and started again afterwards.

use std::time::Duration;

use devnet_core::{Export, ExportPhase, ExportSpec};

use crate::backend::Needs;
use crate::commands::{Ctx, poll};
use crate::output::{self, Output};

#[derive(clap::Subcommand)]
pub enum ExportCommand {
    /// Exports the state from one node (the last one, unless --node) and waits for the file.
    Create {
        devnet: String,
        /// The height to export (default: the latest).
        #[arg(long)]
        height: Option<u64>,
        /// The node to read, e.g. `validator-0` (default: the last node, so the others keep
        /// making blocks).
        #[arg(long)]
        node: Option<String>,
        /// Return once it is recorded.
        #[arg(long)]
        no_wait: bool,
    },
    /// One export: `dvb export status hub/export-1`.
    Status { name: String },
    /// A devnet's exports, those its upgrades took included.
    List { devnet: String },
}

fn show(ctx: &Ctx, exports: &[Export], one: bool) -> anyhow::Result<()> {
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) if one => output::structured(o, &exports[0]),
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &exports),
        Output::Table => {
            let rows: Vec<Vec<String>> = exports
                .iter()
                .map(|e| {
                    vec![
                        e.meta.name.clone(),
                        format!("{:?}", e.status.phase),
                        e.status.node.clone(),
                        e.status.path.clone(),
                        e.status.message.clone(),
                    ]
                })
                .collect();
            output::table(&["NAME", "PHASE", "NODE", "PATH", "MESSAGE"], &rows);
            Ok(())
        }
    }
}

pub async fn run(ctx: &Ctx, c: ExportCommand) -> anyhow::Result<()> {
    match c {
        ExportCommand::Create {
            devnet,
            height,
            node,
            no_wait,
        } => {
            let spec = ExportSpec { devnet, height, node };
            let backend = ctx.backend(Needs::Controllers).await?;
            let outcome = async {
                let e = backend.create_export(&spec).await?;
                if no_wait {
                    return Ok(e);
                }
                let name = e.meta.name.clone();
                poll(&format!("export {name}"), Duration::from_secs(300), || async {
                    let e = backend.export(&name).await?;
                    Ok(matches!(e.status.phase, ExportPhase::Done | ExportPhase::Failed).then_some(e))
                })
                .await
            }
            .await;
            backend.close().await;
            let e = outcome?;
            show(ctx, std::slice::from_ref(&e), true)?;
            if e.status.phase == ExportPhase::Failed {
                anyhow::bail!("{} failed: {}", e.meta.name, e.status.message);
            }
            Ok(())
        }
        ExportCommand::Status { name } => {
            let backend = ctx.backend(Needs::Read).await?;
            let e = backend.export(&name).await;
            backend.close().await;
            show(ctx, &[e?], true)
        }
        ExportCommand::List { devnet } => {
            let backend = ctx.backend(Needs::Read).await?;
            let exports = backend.exports(&devnet).await;
            backend.close().await;
            show(ctx, &exports?, false)
        }
    }
}
