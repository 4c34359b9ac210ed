//! `dvb tx submit|status|list`: transactions the daemon (or dvb in-process) signs with a devnet's
//! key, broadcasts through the devnet's plugin and follows into a block.

use std::time::Duration;

use devnet_core::{Transaction, TxPhase, TxSpec};
use devnet_plugin_host::wit::{BankSend, Coin, TxRequest};

use crate::backend::Needs;
use crate::commands::{Ctx, poll};
use crate::output::{self, Output};

#[derive(clap::Subcommand)]
pub enum TxCommand {
    /// Signs and sends a transaction, then waits until it is in a block (or refused).
    Submit(SubmitArgs),
    /// One transaction: `dvb tx status hub/tx-3`.
    Status { name: String },
    /// A devnet's transactions, oldest first.
    List { devnet: String },
}

#[derive(clap::Args)]
pub struct SubmitArgs {
    /// The devnet.
    pub devnet: String,
    /// What to send: `bank-send` (with --to and --amount), or `json` (with --request).
    #[arg(long = "type", default_value = "bank-send")]
    pub kind: String,
    /// The devnet's key that signs, e.g. `validator-0`.
    #[arg(long)]
    pub from: String,
    /// Recipient address (bank-send).
    #[arg(long)]
    pub to: Option<String>,
    /// Amount, e.g. `1stake` or `5stake,2atom` (bank-send).
    #[arg(long)]
    pub amount: Option<String>,
    /// The plugin contract's tx-request as JSON (type `json`), e.g.
    /// '{"GovVote":{"proposal_id":1,"choice":"Yes"}}'.
    #[arg(long)]
    pub request: Option<String>,
    /// An unordered transaction (Cosmos SDK v0.53+): no sequence, valid for 60 s.
    #[arg(long)]
    pub unordered: bool,
    /// Return once it is recorded, without waiting for a block.
    #[arg(long)]
    pub no_wait: bool,
}

fn parse_amount(text: &str) -> anyhow::Result<Vec<Coin>> {
    devnet_daemon::tx_controller::wit_coins(text).map_err(|e| anyhow::anyhow!(e))
}

fn request_of(a: &SubmitArgs) -> anyhow::Result<String> {
    let request = match a.kind.as_str() {
        "bank-send" => {
            let to =
                a.to.clone()
                    .ok_or_else(|| anyhow::anyhow!("bank-send needs --to <address>"))?;
            let amount = a
                .amount
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("bank-send needs --amount, e.g. `--amount 1stake`"))?;
            TxRequest::BankSend(BankSend {
                to,
                amount: parse_amount(amount)?,
            })
        }
        "json" => {
            let text = a
                .request
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("type json needs --request '<tx-request JSON>'"))?;
            serde_json::from_str(text).map_err(|e| anyhow::anyhow!("--request is not a tx-request: {e}"))?
        }
        other => anyhow::bail!("unknown --type {other:?}: use `bank-send` or `json`"),
    };
    Ok(serde_json::to_string(&request)?)
}

pub async fn submit(ctx: &Ctx, spec: TxSpec, wait: bool) -> anyhow::Result<Transaction> {
    let backend = ctx.backend(Needs::Controllers).await?;
    let outcome = async {
        let tx = backend.submit_tx(&spec).await?;
        if !wait {
            return Ok(tx);
        }
        let name = tx.meta.name.clone();
        poll(
            &format!("{name} to be in a block"),
            Duration::from_secs(120),
            || async {
                let t = backend.tx(&name).await?;
                Ok(matches!(t.status.phase, TxPhase::Confirmed | TxPhase::Failed).then_some(t))
            },
        )
        .await
    }
    .await;
    backend.close().await;
    outcome
}

fn show(ctx: &Ctx, txs: &[Transaction], one: bool) -> anyhow::Result<()> {
    match ctx.output {
        Output::Json if one => output::json(&txs[0]),
        Output::Json => output::json(&txs),
        Output::Table => {
            let rows: Vec<Vec<String>> = txs
                .iter()
                .map(|t| {
                    vec![
                        t.meta.name.clone(),
                        format!("{:?}", t.status.phase),
                        t.status.height.map(|h| h.to_string()).unwrap_or_default(),
                        t.status.hash.clone(),
                        t.status.message.clone(),
                    ]
                })
                .collect();
            output::table(&["NAME", "PHASE", "HEIGHT", "HASH", "MESSAGE"], &rows);
            Ok(())
        }
    }
}

pub async fn run(ctx: &Ctx, c: TxCommand) -> anyhow::Result<()> {
    match c {
        TxCommand::Submit(a) => {
            let spec = TxSpec {
                devnet: a.devnet.clone(),
                from: a.from.clone(),
                request: Some(request_of(&a)?),
                raw: None,
                unordered: a.unordered,
            };
            let tx = submit(ctx, spec, !a.no_wait).await?;
            show(ctx, std::slice::from_ref(&tx), true)?;
            if tx.status.phase == TxPhase::Failed {
                anyhow::bail!("{} failed: {}", tx.meta.name, tx.status.message);
            }
            Ok(())
        }
        TxCommand::Status { name } => {
            let backend = ctx.backend(Needs::Read).await?;
            let tx = backend.tx(&name).await;
            backend.close().await;
            show(ctx, &[tx?], true)
        }
        TxCommand::List { devnet } => {
            let backend = ctx.backend(Needs::Read).await?;
            let txs = backend.txs(&devnet).await;
            backend.close().await;
            show(ctx, &txs?, false)
        }
    }
}
