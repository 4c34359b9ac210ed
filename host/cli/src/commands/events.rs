//! `dvb events`: the event log, oldest first; `-f` keeps following it.

use std::time::Duration;

use devnet_core::Event;

use crate::backend::Needs;
use crate::commands::Ctx;
use crate::output::{self, Output, enum_name};

#[derive(clap::Args)]
pub struct Args {
    /// Only events of this devnet (and its nodes).
    #[arg(long)]
    devnet: Option<String>,
    /// The last this many events.
    #[arg(long, short = 'n', default_value_t = 100)]
    limit: u32,
    #[arg(long, short = 'f')]
    follow: bool,
}

fn print(ctx: &Ctx, events: &[Event]) -> anyhow::Result<()> {
    match ctx.output {
        // One JSON object a line (so `-f` can be read as it comes), one YAML document each, or
        // the objects' names.
        Output::Json => {
            for e in events {
                println!("{}", serde_json::to_string(e)?);
            }
        }
        Output::Yaml => {
            for e in events {
                print!("---\n{}", serde_saphyr::to_string(e)?);
            }
        }
        Output::Name => {
            for e in events {
                println!("{}", e.object);
            }
        }
        Output::Table => {
            let rows: Vec<Vec<String>> = events
                .iter()
                .map(|e| {
                    vec![
                        e.seq.to_string(),
                        output::ago(e.unix_ms),
                        enum_name(&e.kind),
                        e.object.clone(),
                        e.reason.clone(),
                        e.message.clone(),
                    ]
                })
                .collect();
            output::table(&["SEQ", "WHEN", "TYPE", "OBJECT", "REASON", "MESSAGE"], &rows);
        }
    }
    Ok(())
}

pub async fn run(ctx: &Ctx, a: Args) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let prefix = a.devnet.clone().unwrap_or_default();
    let result = async {
        let all = backend.events(0, u32::MAX, &prefix).await?;
        let skip = all.len().saturating_sub(a.limit as usize);
        let shown = &all[skip..];
        print(ctx, shown)?;
        let mut last = all.last().map(|e| e.seq).unwrap_or(0);
        if !a.follow {
            return anyhow::Ok(());
        }
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let new = backend.events(last, 1000, &prefix).await?;
            if let Some(e) = new.last() {
                last = e.seq;
                print(ctx, &new)?;
            }
        }
    }
    .await;
    backend.close().await;
    result
}
