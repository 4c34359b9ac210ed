//! `dvb status <devnet>`: the devnet and its nodes.

use crate::backend::Needs;
use crate::commands::Ctx;
use crate::output::{self, Output};

pub async fn run(ctx: &Ctx, name: &str) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let result = async {
        let devnet = backend.get(name).await?;
        let nodes = backend.nodes(name).await?;
        anyhow::Ok((devnet, nodes))
    }
    .await;
    backend.close().await;
    let (devnet, nodes) = result?;
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => {
            output::structured(o, &serde_json::json!({ "devnet": devnet, "nodes": nodes }))
        }
        Output::Table => {
            output::table(&output::DEVNET_HEADER, &[output::devnet_row(&devnet)]);
            // What the deploy asked for and its plugin chose where it did not.
            let spec = &devnet.spec;
            let settings: Vec<String> = spec.overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!(
                "chain id {}, binary {} {}, settings: {}",
                spec.chain_id,
                if spec.binary.is_empty() {
                    "(the plugin's default)"
                } else {
                    &spec.binary
                },
                if spec.version.is_empty() {
                    "(newest)"
                } else {
                    &spec.version
                },
                if settings.is_empty() {
                    "none".to_string()
                } else {
                    settings.join(", ")
                }
            );
            println!();
            let rows: Vec<Vec<String>> = nodes.iter().map(output::node_row).collect();
            output::table(&output::NODE_HEADER, &rows);
            // The keys to sign with (`--from`), and where their accounts are on the chain.
            if !devnet.status.addresses.is_empty() {
                println!();
                let rows: Vec<Vec<String>> = devnet
                    .status
                    .addresses
                    .iter()
                    .map(|a| vec![a.name.clone(), a.address.clone()])
                    .collect();
                output::table(&["KEY", "ADDRESS"], &rows);
            }
            Ok(())
        }
    }
}
