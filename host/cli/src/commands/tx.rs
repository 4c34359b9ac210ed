//! `dvb tx submit|status|list`: transactions the daemon (or dvb in-process) signs with a devnet's
//! key, broadcasts through the devnet's plugin and follows into a block.

use std::time::Duration;

use devnet_core::{Transaction, TxPhase, TxRequest, TxSpec};

use crate::backend::Needs;
use crate::commands::{Ctx, poll};
use crate::output::{self, Output};

#[derive(clap::Subcommand)]
pub enum TxCommand {
    /// Signs and sends a transaction, then waits until it is in a block (or refused).
    Submit(SubmitArgs),
    /// Several transactions from a JSON file, recorded together (all or none), then followed:
    /// `[{"from":"validator-0","request":{"kind":"bank-send","fields":{...}},"unordered":false}, ...]`.
    Batch {
        devnet: String,
        #[arg(long)]
        file: std::path::PathBuf,
        #[arg(long)]
        no_wait: bool,
    },
    /// Follows a transaction, printing each change, until it is Confirmed or Failed.
    Watch { name: String },
    /// One transaction: `dvb tx status hub/tx-3`.
    Status { name: String },
    /// A devnet's transactions, oldest first.
    List { devnet: String },
    /// The transaction kinds the devnet's plugin builds for the chain version it runs, each with
    /// an example of its `--fields`.
    Kinds { devnet: String },
}

#[derive(clap::Args)]
pub struct SubmitArgs {
    /// The devnet.
    pub devnet: String,
    /// What to send: one of the devnet plugin's transaction kinds with its --fields (`dvb tx kinds
    /// <devnet>` lists them with an example), `bank-send` with --to and --amount (the cosmos plugin's kind),
    /// `json` (a whole request in --request), or `raw` (signed bytes from --raw-file, broadcast as
    /// they are).
    #[arg(long = "type", default_value = "bank-send")]
    pub kind: String,
    /// The kind's fields as a JSON object, e.g. '{"to":"0x…","value":"1000"}'.
    #[arg(long)]
    pub fields: Option<String>,
    /// The devnet's key that signs, e.g. `validator-0` (not for `raw`).
    #[arg(long, default_value = "")]
    pub from: String,
    /// A file of signed transaction bytes (type `raw`).
    #[arg(long)]
    pub raw_file: Option<std::path::PathBuf>,
    /// Recipient address: the kind's `to` field (bank-send, evm-transfer, tempo-transfer).
    #[arg(long)]
    pub to: Option<String>,
    /// Amount: for bank-send coins such as `1stake` or `5stake,2atom`; for other kinds the
    /// `amount` field as written, in the chain's units (evm: `1ether`, `5gwei`, `100wei`;
    /// tempo: whole tokens, `1.5`).
    #[arg(long)]
    pub amount: Option<String>,
    /// The token sent: the kind's `token` field (tempo-transfer: `pathUSD`, `AlphaUSD`, … or an
    /// address).
    #[arg(long)]
    pub token: Option<String>,
    /// The token the fee is paid in: the kind's `fee_token` field (tempo-transfer).
    #[arg(long)]
    pub fee_token: Option<String>,
    /// A whole request as JSON (type `json`), e.g.
    /// '{"kind":"gov-vote","fields":{"proposal_id":1,"choice":"Yes"}}'.
    #[arg(long)]
    pub request: Option<String>,
    /// An unordered transaction: no sequence; the plugin decides what that means on its chain,
    /// or refuses it (cosmos: v0.53+, valid for a minute; tempo: an expiring nonce).
    #[arg(long)]
    pub unordered: bool,
    /// Return once it is recorded, without waiting for a block.
    #[arg(long)]
    pub no_wait: bool,
}

/// `5stake,2atom` as coin objects, `[{"denom":"stake","amount":"5"},...]`.
fn parse_amount(text: &str) -> anyhow::Result<serde_json::Value> {
    let coins = devnet_core::Coin::parse_list(text).map_err(|e| anyhow::anyhow!(e))?;
    Ok(coins
        .into_iter()
        .map(|c| serde_json::json!({"denom": c.denom, "amount": c.amount}))
        .collect())
}

fn request_of(a: &SubmitArgs) -> anyhow::Result<TxRequest> {
    if let Some(fields) = &a.fields {
        let flags = [
            ("--to", &a.to),
            ("--amount", &a.amount),
            ("--token", &a.token),
            ("--fee-token", &a.fee_token),
        ];
        if let Some((flag, _)) = flags.iter().find(|(_, v)| v.is_some()) {
            anyhow::bail!(
                "{flag} and --fields both give the transaction's fields: put it in --fields, or drop --fields"
            );
        }
        let fields: serde_json::Value = serde_json::from_str(fields)
            .map_err(|e| anyhow::anyhow!("--fields is not JSON ({e}); write an object, e.g. '{{\"to\":\"…\"}}'"))?;
        if !fields.is_object() {
            anyhow::bail!("--fields must be a JSON object, e.g. '{{\"to\":\"…\"}}'");
        }
        return Ok(TxRequest::new(&a.kind, fields));
    }
    match a.kind.as_str() {
        "bank-send" => {
            anyhow::ensure!(
                a.token.is_none() && a.fee_token.is_none(),
                "bank-send takes no --token or --fee-token: the denomination is in --amount (e.g. `--amount 5stake`)"
            );
            let to =
                a.to.clone()
                    .ok_or_else(|| anyhow::anyhow!("bank-send needs --to <address>"))?;
            let amount = a
                .amount
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("bank-send needs --amount, e.g. `--amount 1stake`"))?;
            Ok(TxRequest::new(
                "bank-send",
                serde_json::json!({"to": to, "amount": parse_amount(amount)?}),
            ))
        }
        "json" => {
            let text = a
                .request
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("type json needs --request '<request JSON>'"))?;
            TxRequest::parse(text).map_err(|e| anyhow::anyhow!("--request: {e}"))
        }
        // Any other kind: --to, --amount, --token and --fee-token are its fields of those
        // names, the amount as written (`1ether`, `1.5`): the plugin reads it in its chain's units.
        other => {
            let flags = [
                ("to", &a.to),
                ("amount", &a.amount),
                ("token", &a.token),
                ("fee_token", &a.fee_token),
            ];
            let fields: serde_json::Map<String, serde_json::Value> = flags
                .into_iter()
                .filter_map(|(name, value)| value.as_ref().map(|v| (name.to_string(), v.clone().into())))
                .collect();
            if fields.is_empty() {
                anyhow::bail!(
                    "--type {other} needs --to/--amount (and --token, --fee-token where it has them) or its --fields as a JSON object (`dvb tx kinds <devnet>` shows each kind's fields)"
                );
            }
            Ok(TxRequest::new(other, fields.into()))
        }
    }
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

/// A batch file: `[{"from": "...", "request": {"kind": ..., "fields": {...}}, "unordered": false}, ...]`
/// (a request in the form before plugin API 0.4.0, `{"BankSend": {...}}`, still reads).
fn batch_of(devnet: &str, file: &std::path::Path) -> anyhow::Result<Vec<TxSpec>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        from: String,
        request: serde_json::Value,
        #[serde(default)]
        unordered: bool,
    }
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
    let entries: Vec<Entry> = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a batch ({e}); write a JSON list of {{\"from\": \"validator-0\", \"request\": {{...}}, \"unordered\": false}}",
            file.display()
        )
    })?;
    if entries.is_empty() {
        anyhow::bail!("{}: the batch is empty", file.display());
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let request = TxRequest::from_json(&e.request)
                .map_err(|why| anyhow::anyhow!("{}: transaction {}: {why}", file.display(), i + 1))?;
            Ok(TxSpec {
                devnet: devnet.to_string(),
                from: e.from,
                request: Some(request),
                raw: None,
                unordered: e.unordered,
            })
        })
        .collect()
}

async fn submit_all(ctx: &Ctx, specs: &[TxSpec], wait: bool) -> anyhow::Result<Vec<Transaction>> {
    let backend = ctx.backend(Needs::Controllers).await?;
    let outcome = async {
        let txs = backend.submit_txs(specs).await?;
        if !wait {
            return Ok(txs);
        }
        let names: Vec<String> = txs.iter().map(|t| t.meta.name.clone()).collect();
        poll("the batch to be in blocks", Duration::from_secs(180), || async {
            let mut now = Vec::new();
            for name in &names {
                let t = backend.tx(name).await?;
                if !matches!(t.status.phase, TxPhase::Confirmed | TxPhase::Failed) {
                    return Ok(None);
                }
                now.push(t);
            }
            Ok(Some(now))
        })
        .await
    }
    .await;
    backend.close().await;
    outcome
}

/// Prints the tx's phase at each change until it is over, from the Watch stream.
async fn watch(ctx: &Ctx, name: &str) -> anyhow::Result<()> {
    output::text_only(ctx.output, "dvb tx watch")?;
    let backend = ctx.backend(Needs::Controllers).await?;
    let line = |t: &Transaction| -> String {
        let mut s = format!("{} {:?}", t.meta.name, t.status.phase);
        if let Some(h) = t.status.height {
            s.push_str(&format!(" height {h}"));
        }
        if !t.status.message.is_empty() {
            s.push_str(&format!(": {}", t.status.message));
        }
        s
    };
    let outcome = async {
        let mut last = None;
        let mut stream = backend.watch_tx(name).await?;
        while let Some(t) = stream.message().await.map_err(|e| anyhow::anyhow!("{e}"))? {
            let t = devnet_api::convert::tx_from(t)?;
            println!("{}", line(&t));
            last = Some(t);
        }
        Ok::<_, anyhow::Error>(last)
    }
    .await;
    backend.close().await;
    match outcome? {
        Some(t) if t.status.phase == TxPhase::Failed => anyhow::bail!("{} failed: {}", t.meta.name, t.status.message),
        _ => Ok(()),
    }
}

fn show(ctx: &Ctx, txs: &[Transaction], one: bool) -> anyhow::Result<()> {
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) if one => output::structured(o, &txs[0]),
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &txs),
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
            let spec = if a.kind == "raw" {
                let path = a
                    .raw_file
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("type raw needs --raw-file <signed tx bytes>"))?;
                let raw = std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
                TxSpec {
                    devnet: a.devnet.clone(),
                    from: String::new(),
                    request: None,
                    raw: Some(raw),
                    unordered: false,
                }
            } else {
                if a.from.is_empty() {
                    anyhow::bail!("give the signing key with --from, e.g. `--from validator-0`");
                }
                TxSpec {
                    devnet: a.devnet.clone(),
                    from: a.from.clone(),
                    request: Some(request_of(&a)?),
                    raw: None,
                    unordered: a.unordered,
                }
            };
            let tx = submit(ctx, spec, !a.no_wait).await?;
            show(ctx, std::slice::from_ref(&tx), true)?;
            if tx.status.phase == TxPhase::Failed {
                anyhow::bail!("{} failed: {}", tx.meta.name, tx.status.message);
            }
            Ok(())
        }
        TxCommand::Batch { devnet, file, no_wait } => {
            let specs = batch_of(&devnet, &file)?;
            let txs = submit_all(ctx, &specs, !no_wait).await?;
            show(ctx, &txs, false)?;
            let failed: Vec<String> = txs
                .iter()
                .filter(|t| t.status.phase == TxPhase::Failed)
                .map(|t| format!("{}: {}", t.meta.name, t.status.message))
                .collect();
            if !failed.is_empty() {
                anyhow::bail!("{} of {} failed: {}", failed.len(), txs.len(), failed.join("; "));
            }
            Ok(())
        }
        TxCommand::Watch { name } => watch(ctx, &name).await,
        TxCommand::Status { name } => {
            let backend = ctx.backend(Needs::Read).await?;
            let tx = backend.tx(&name).await;
            backend.close().await;
            show(ctx, &[tx?], true)
        }
        TxCommand::Kinds { devnet } => {
            let backend = ctx.backend(Needs::Read).await?;
            let found = backend.tx_kinds(&devnet).await;
            backend.close().await;
            let found = found?;
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &found),
                Output::Table => {
                    println!("chain version {}", found.version);
                    let rows: Vec<Vec<String>> = found
                        .kinds
                        .iter()
                        .map(|k| vec![k.name.clone(), k.summary.clone(), k.example.clone()])
                        .collect();
                    output::table(&["KIND", "SUMMARY", "FIELDS (EXAMPLE)"], &rows);
                    println!("send one: dvb tx submit {devnet} --type <KIND> --fields '<FIELDS>' --from <key>");
                    Ok(())
                }
            }
        }
        TxCommand::List { devnet } => {
            let backend = ctx.backend(Needs::Read).await?;
            let txs = backend.txs(&devnet).await;
            backend.close().await;
            show(ctx, &txs?, false)
        }
    }
}
