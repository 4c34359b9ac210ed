//! `dvb upgrade create|status|list|cancel`: software upgrades the daemon (or dvb in-process)
//! drives through governance, the halt, the binary switch and the checks after it.

use std::time::Duration;

use devnet_core::{Upgrade, UpgradePhase, UpgradeSpec};

use crate::backend::Needs;
use crate::commands::{Ctx, poll};
use crate::output::{self, Output};

#[derive(clap::Subcommand)]
pub enum UpgradeCommand {
    /// Proposes the upgrade, votes with every validator, and at the halt switches every node to
    /// the new version's binary (or, with --no-gov, halts at --height without a proposal); waits
    /// until it is over (or --no-wait).
    Create(CreateArgs),
    /// One upgrade and its phase: `dvb upgrade status hub/v050-to-v053`.
    Status { name: String },
    /// A devnet's upgrades.
    List { devnet: String },
    /// Stops an upgrade that has not switched binaries yet.
    Cancel { name: String },
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// The devnet.
    pub devnet: String,
    /// The upgrade plan's name, which the new binary handles, e.g. `v050-to-v053`.
    #[arg(long)]
    pub name: String,
    /// The version to switch to, e.g. `v0.53`; leave it out to keep the binary and change only
    /// settings (`--set`).
    #[arg(long, default_value = "")]
    pub to_version: String,
    /// A devnet setting changed at the switch, `key=value`, e.g. `hardfork=prague` for an anvil
    /// devnet (with --no-gov); repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub settings: Vec<String>,
    /// The halt height (default: 100 blocks ahead). The proposal must pass before it.
    #[arg(long)]
    pub height: Option<u64>,
    /// Copy every node's home first, to roll back if the chain does not come back.
    #[arg(long)]
    pub backup: bool,
    /// No proposal: every node is restarted to stop by itself at --height (the chain's own
    /// halt-height setting), then switched. For a binary that runs the chain's data as it is,
    /// e.g. a patch release: `--no-gov --to-version v0.50.15 --height 200`. A chain with no halt
    /// height (anvil) is stopped at once, its state kept, and started on the new settings:
    /// `--no-gov --set hardfork=prague`.
    #[arg(long)]
    pub no_gov: bool,
    /// Export the chain's state on the halted chain with the old binary, before the switch.
    #[arg(long)]
    pub export_before: bool,
    /// Export it again once the new binary makes blocks (from one node, stopped for it).
    #[arg(long)]
    pub export_after: bool,
    /// How many validators vote yes (the first ones; default all): fewer rehearse a failed vote.
    #[arg(long)]
    pub voters: Option<u32>,
    /// Seconds the chain may take to make blocks past the height on the new binary before the
    /// upgrade fails, or rolls back with --backup (default 90).
    #[arg(long)]
    pub verify_within: Option<u64>,
    /// The proposal's deposit, e.g. `10000000stake`; by default the plugin's choice (cosmos:
    /// the devnet's minimum deposit in its bond denomination).
    #[arg(long, default_value = "")]
    pub deposit: String,
    /// Return once it is recorded.
    #[arg(long)]
    pub no_wait: bool,
}

fn done(phase: UpgradePhase) -> bool {
    matches!(
        phase,
        UpgradePhase::Completed | UpgradePhase::RolledBack | UpgradePhase::Failed | UpgradePhase::Cancelled
    )
}

fn show(ctx: &Ctx, ups: &[Upgrade], one: bool) -> anyhow::Result<()> {
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) if one => output::structured(o, &ups[0]),
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &ups),
        Output::Table => {
            let rows: Vec<Vec<String>> = ups
                .iter()
                .map(|u| {
                    vec![
                        u.meta.name.clone(),
                        format!("{:?}", u.status.phase),
                        u.spec.to_version.clone(),
                        u.status.halt_height.map(|h| h.to_string()).unwrap_or_default(),
                        u.status.message.clone(),
                    ]
                })
                .collect();
            output::table(&["NAME", "PHASE", "TO", "HEIGHT", "MESSAGE"], &rows);
            Ok(())
        }
    }
}

pub async fn run(ctx: &Ctx, c: UpgradeCommand) -> anyhow::Result<()> {
    match c {
        UpgradeCommand::Create(a) => {
            if a.to_version.is_empty() && a.settings.is_empty() {
                anyhow::bail!(
                    "say what the upgrade changes: --to-version (the binary), --set key=value (settings), or both"
                );
            }
            let settings = a
                .settings
                .iter()
                .map(|s| crate::commands::deploy::setting(s))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let spec = UpgradeSpec {
                devnet: a.devnet,
                plan: a.name,
                to_version: a.to_version,
                settings,
                height: a.height,
                no_gov: a.no_gov,
                backup: a.backup,
                export_before: a.export_before,
                export_after: a.export_after,
                cancelled: false,
                deposit: a.deposit,
                voters: a.voters,
                verify_secs: a.verify_within,
            };
            let backend = ctx.backend(Needs::Controllers).await?;
            let outcome = async {
                let up = backend.create_upgrade(&spec).await?;
                if a.no_wait {
                    return Ok(up);
                }
                let name = up.meta.name.clone();
                // Each phase change is shown as it happens.
                let last = std::sync::Mutex::new(String::new());
                let shown = crate::progress::Progress::new(ctx.output == crate::output::Output::Table);
                poll(&format!("upgrade {name}"), Duration::from_secs(900), || async {
                    let u = backend.upgrade(&name).await?;
                    let line = format!("{:?}: {}", u.status.phase, u.status.message);
                    let mut last = last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    shown.now(&format!("{name}: {:?}", u.status.phase));
                    if *last != line {
                        shown.line(&format!("{name}: {line}"));
                        *last = line;
                    }
                    Ok(done(u.status.phase).then_some(u))
                })
                .await
            }
            .await;
            backend.close().await;
            let up = outcome?;
            show(ctx, std::slice::from_ref(&up), true)?;
            if matches!(up.status.phase, UpgradePhase::Failed | UpgradePhase::RolledBack) {
                anyhow::bail!("{} {:?}: {}", up.meta.name, up.status.phase, up.status.message);
            }
            Ok(())
        }
        UpgradeCommand::Status { name } => {
            let backend = ctx.backend(Needs::Read).await?;
            let up = backend.upgrade(&name).await;
            backend.close().await;
            show(ctx, &[up?], true)
        }
        UpgradeCommand::List { devnet } => {
            let backend = ctx.backend(Needs::Read).await?;
            let ups = backend.upgrades(&devnet).await;
            backend.close().await;
            show(ctx, &ups?, false)
        }
        UpgradeCommand::Cancel { name } => {
            let backend = ctx.backend(Needs::Read).await?;
            let up = backend.cancel_upgrade(&name).await;
            backend.close().await;
            show(ctx, &[up?], true)
        }
    }
}
