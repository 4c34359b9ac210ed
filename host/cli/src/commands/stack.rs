//! `dvb apply -f`, `dvb diff -f`, `dvb delete -f` and `dvb stacks`: a stack file of devnets and
//! transactions, made so by the daemon (see `docs/stacks.md`).

use std::path::PathBuf;
use std::time::Duration;

use devnet_core::{StackApplied, StackPhase};

use crate::backend::Needs;
use crate::commands::Ctx;
use crate::output::{self, Output};

#[derive(clap::Args)]
pub struct ApplyArgs {
    /// The stack file (TOML), e.g. examples/four-families.toml.
    #[arg(long, short = 'f')]
    file: PathBuf,
    /// Also destroy the devnets this stack made that the file no longer has.
    #[arg(long)]
    prune: bool,
    /// Make a changed devnet again (its chain starts over) instead of refusing the change.
    #[arg(long)]
    recreate: bool,
    /// Return once applied instead of waiting for every devnet to run and every transaction to
    /// be confirmed.
    #[arg(long)]
    no_wait: bool,
    /// How long to wait, in seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

#[derive(clap::Args)]
pub struct FileArgs {
    /// The stack file (TOML).
    #[arg(long, short = 'f')]
    file: PathBuf,
}

fn read(file: &PathBuf) -> anyhow::Result<(String, String)> {
    let text =
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("reading the stack file {}: {e}", file.display()))?;
    Ok((text, file.display().to_string()))
}

fn print(ctx: &Ctx, applied: &StackApplied, verb: &str) -> anyhow::Result<()> {
    match ctx.output {
        o @ (Output::Json | Output::Yaml) => output::structured(o, applied),
        Output::Name => {
            println!("{}", applied.stack);
            Ok(())
        }
        Output::Table => {
            let rows: Vec<Vec<String>> = applied
                .changes
                .iter()
                .map(|c| vec![c.action.clone(), c.object.clone(), c.detail.clone()])
                .collect();
            if applied.nothing_to_do() {
                println!("stack {}: no changes", applied.stack);
            } else {
                println!("stack {}: {verb}", applied.stack);
            }
            if !rows.is_empty() {
                output::table(&["ACTION", "OBJECT", "DETAIL"], &rows);
            }
            Ok(())
        }
    }
}

/// `dvb apply -f`.
pub async fn apply(ctx: &Ctx, a: ApplyArgs) -> anyhow::Result<()> {
    let (text, source) = read(&a.file)?;
    let backend = ctx.backend(Needs::Controllers).await?;
    let result = async {
        let applied = backend.apply_stack(&text, &source, a.prune, false, a.recreate).await?;
        print(ctx, &applied, "applied")?;
        if a.no_wait {
            return Ok(());
        }
        let name = applied.stack.clone();
        let limit = Duration::from_secs(a.timeout);
        crate::commands::poll("the stack to be ready", limit, || async {
            let stacks = backend.stacks().await?;
            let Some(s) = stacks.into_iter().find(|s| s.name == name) else {
                anyhow::bail!("stack {name} is gone");
            };
            match s.phase {
                StackPhase::Ready => Ok(Some(())),
                StackPhase::Failed => anyhow::bail!("stack {name} failed: {}", s.message),
                StackPhase::Applying => Ok(None),
            }
        })
        .await?;
        if ctx.output == Output::Table {
            println!("stack {name}: ready (every devnet running, every transaction confirmed)");
        }
        anyhow::Ok(())
    }
    .await;
    backend.close().await;
    result
}

/// `dvb diff -f`: what apply would do; changes nothing. Fails (after printing the plan) when
/// an apply would be refused.
pub async fn diff(ctx: &Ctx, a: FileArgs, prune: bool, recreate: bool) -> anyhow::Result<()> {
    let (text, source) = read(&a.file)?;
    let backend = ctx.backend(Needs::Read).await?;
    let applied = backend.apply_stack(&text, &source, prune, true, recreate).await;
    backend.close().await;
    let applied = applied?;
    print(ctx, &applied, "apply would")?;
    let refused = applied.changes.iter().filter(|c| c.action == "refused").count();
    anyhow::ensure!(
        refused == 0,
        "an apply of {} would be refused ({refused} reasons above)",
        source
    );
    Ok(())
}

/// `dvb delete -f`.
pub async fn delete(ctx: &Ctx, a: FileArgs) -> anyhow::Result<()> {
    let (text, source) = read(&a.file)?;
    let backend = ctx.backend(Needs::Controllers).await?;
    let deleted = backend.delete_stack(&text, &source).await;
    backend.close().await;
    print(ctx, &deleted?, "deleted")
}

/// `dvb stacks`.
pub async fn list(ctx: &Ctx) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let stacks = backend.stacks().await;
    backend.close().await;
    let stacks = stacks?;
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &stacks),
        Output::Table => {
            let rows: Vec<Vec<String>> = stacks
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        format!("{:?}", s.phase),
                        s.devnets.join(","),
                        format!("{}/{}", s.sent, s.txs),
                        s.source.clone(),
                        s.message.clone(),
                    ]
                })
                .collect();
            output::table(&["NAME", "PHASE", "DEVNETS", "TXS SENT", "FILE", "MESSAGE"], &rows);
            Ok(())
        }
    }
}
