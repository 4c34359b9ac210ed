//! `dvb plugin list|info`: the plugins the home's daemon (or dvb in-process) can run devnets with.

use devnet_api::pb::PluginInfo;

use crate::backend::{Backend, Needs};
use crate::commands::Ctx;
use crate::output::{self, Output};

#[derive(clap::Subcommand)]
pub enum PluginCommand {
    /// Every plugin found: `<home>/plugins`, `plugin_path`, and the built-in ones.
    List,
    /// One plugin: its version, API version, binary and the chain versions it supports.
    Info { name: String },
}

async fn summaries(backend: &Backend, only: Option<&str>) -> anyhow::Result<Vec<PluginInfo>> {
    match backend {
        Backend::Daemon(c) => {
            let all = c.plugins().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let found: Vec<PluginInfo> = all.into_iter().filter(|p| only.is_none_or(|n| p.name == n)).collect();
            Ok(found)
        }
        Backend::Local(h) => {
            let mut out = Vec::new();
            for (name, _) in h.ctx.plugins.available() {
                if only.is_none_or(|n| n == name) {
                    out.push(h.ctx.plugins.summary(&name).await.map_err(|e| anyhow::anyhow!("{e}"))?);
                }
            }
            Ok(out)
        }
    }
}

pub async fn run(ctx: &Ctx, c: PluginCommand) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let only = match &c {
        PluginCommand::List => None,
        PluginCommand::Info { name } => Some(name.as_str()),
    };
    let found = summaries(&backend, only).await;
    backend.close().await;
    let found = found?;
    if let Some(name) = only
        && found.is_empty()
    {
        anyhow::bail!("no plugin named {name:?}; `dvb plugin list` shows them");
    }
    match (ctx.output, only) {
        (Output::Json, None) => output::json(&found),
        (Output::Json, Some(_)) => output::json(&found[0]),
        (Output::Table, _) => {
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        p.version.clone(),
                        p.api_version.clone(),
                        p.default_binary.clone(),
                        p.chain_versions.join(", "),
                        p.path.clone(),
                    ]
                })
                .collect();
            output::table(&["NAME", "VERSION", "API", "BINARY", "CHAIN VERSIONS", "PATH"], &rows);
            Ok(())
        }
    }
}
