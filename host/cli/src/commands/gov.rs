//! `dvb gov propose|vote|list`: shortcuts over `dvb tx submit` (the daemon signs with the
//! devnet's keys and follows each tx into a block) that write the cosmos plugin's
//! `gov-submit-proposal` and `gov-vote` kinds, and the chain's own proposal list. Upgrades do not
//! come here: the Upgrade controller asks the devnet's plugin for its proposal and votes.

use devnet_core::{TxPhase, TxRequest, TxSpec};

use crate::backend::Needs;
use crate::commands::{Ctx, tx};
use crate::output::{self, Output};

#[derive(clap::Subcommand)]
pub enum GovCommand {
    /// Submits a proposal (text, or a software upgrade with --upgrade-name and --upgrade-height).
    Propose(ProposeArgs),
    /// Votes on a proposal with one or more of the devnet's keys.
    Vote(VoteArgs),
    /// The devnet's proposals and their phase, as the chain reports them.
    List { devnet: String },
}

#[derive(clap::Args)]
pub struct ProposeArgs {
    pub devnet: String,
    #[arg(long, default_value = "validator-0")]
    pub from: String,
    #[arg(long)]
    pub title: String,
    #[arg(long, default_value = "")]
    pub summary: String,
    #[arg(long, default_value = "10000000stake")]
    pub deposit: String,
    /// A software-upgrade plan's name (with --upgrade-height).
    #[arg(long, requires = "upgrade_height")]
    pub upgrade_name: Option<String>,
    #[arg(long, requires = "upgrade_name")]
    pub upgrade_height: Option<u64>,
    #[arg(long)]
    pub expedited: bool,
}

#[derive(clap::Args)]
pub struct VoteArgs {
    pub devnet: String,
    pub proposal: u64,
    /// yes, no, abstain or veto.
    pub choice: String,
    /// The keys that vote, comma-separated, e.g. `validator-0,validator-1`.
    #[arg(long, default_value = "validator-0")]
    pub from: String,
}

fn spec(devnet: &str, from: &str, request: &TxRequest) -> anyhow::Result<TxSpec> {
    Ok(TxSpec {
        devnet: devnet.to_string(),
        from: from.to_string(),
        request: Some(request.clone()),
        raw: None,
        unordered: false,
    })
}

pub async fn run(ctx: &Ctx, c: GovCommand) -> anyhow::Result<()> {
    match c {
        GovCommand::Propose(a) => {
            let content = match (a.upgrade_name, a.upgrade_height) {
                (Some(name), Some(height)) => {
                    serde_json::json!({"SoftwareUpgrade": {"name": name, "height": height, "info": ""}})
                }
                _ => serde_json::json!("Text"),
            };
            let deposit: Vec<serde_json::Value> = devnet_core::Coin::parse_list(&a.deposit)
                .map_err(|e| anyhow::anyhow!("--deposit: {e}"))?
                .into_iter()
                .map(|c| serde_json::json!({"denom": c.denom, "amount": c.amount}))
                .collect();
            let request = TxRequest::new(
                "gov-submit-proposal",
                serde_json::json!({
                    "title": a.title,
                    "summary": a.summary,
                    "deposit": deposit,
                    "content": content,
                    "expedited": a.expedited,
                }),
            );
            let t = tx::submit(ctx, spec(&a.devnet, &a.from, &request)?, true).await?;
            if t.status.phase == TxPhase::Failed {
                anyhow::bail!(
                    "{} failed: {}{}",
                    t.meta.name,
                    t.status.message,
                    not_cosmos(&t.status.message)
                );
            }
            let id = t
                .status
                .attributes
                .iter()
                .find(|(k, _)| k == "proposal_id")
                .map(|(_, v)| v.clone());
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => {
                    output::structured(o, &serde_json::json!({ "proposal_id": id, "transaction": t }))
                }
                Output::Table => {
                    println!(
                        "proposal {} ({} in block {})",
                        id.unwrap_or_default(),
                        t.meta.name,
                        t.status.height.unwrap_or(0)
                    );
                    Ok(())
                }
            }
        }
        GovCommand::Vote(a) => {
            let choice = match a.choice.to_ascii_lowercase().as_str() {
                "yes" => "Yes",
                "no" => "No",
                "abstain" => "Abstain",
                "veto" | "no-with-veto" => "NoWithVeto",
                other => anyhow::bail!("vote {other:?}: use yes, no, abstain or veto"),
            };
            let request = TxRequest::new(
                "gov-vote",
                serde_json::json!({"proposal_id": a.proposal, "choice": choice}),
            );
            let mut done = Vec::new();
            for from in a.from.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                let t = tx::submit(ctx, spec(&a.devnet, from, &request)?, true).await?;
                if t.status.phase == TxPhase::Failed {
                    anyhow::bail!(
                        "{from}'s vote ({}) failed: {}{}",
                        t.meta.name,
                        t.status.message,
                        not_cosmos(&t.status.message)
                    );
                }
                done.push(t);
            }
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &done),
                Output::Table => {
                    for t in &done {
                        println!(
                            "{} voted ({} in block {})",
                            t.spec.from,
                            t.meta.name,
                            t.status.height.unwrap_or(0)
                        );
                    }
                    Ok(())
                }
            }
        }
        GovCommand::List { devnet } => {
            let backend = ctx.backend(Needs::Read).await?;
            let found = backend.proposals(&devnet).await;
            backend.close().await;
            let found = found?;
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &found),
                Output::Table => {
                    let rows: Vec<Vec<String>> = found
                        .iter()
                        .map(|p| vec![p.id.to_string(), p.phase.clone(), p.detail.clone()])
                        .collect();
                    output::table(&["ID", "PHASE", "DETAIL"], &rows);
                    Ok(())
                }
            }
        }
    }
}

/// A hint when the devnet's plugin does not build the cosmos kinds `dvb gov` writes.
fn not_cosmos(message: &str) -> &'static str {
    if message.contains("no transaction kind \"gov-") {
        " (`dvb gov` writes the cosmos plugin's gov-submit-proposal and gov-vote; for another chain send its \
         own kinds with `dvb tx submit`, which `dvb tx kinds <devnet>` lists)"
    } else {
        ""
    }
}
