//! `dvb start`, `dvb stop`, `dvb destroy`: change what the devnet should be, then wait until it is.

use std::time::Duration;

use devnet_core::DevnetPhase;

use crate::backend::Needs;
use crate::commands::{Ctx, poll};
use crate::output::{self, Output};

#[derive(clap::Args)]
pub struct Args {
    name: String,
    /// Return at once instead of waiting for the change to be done.
    #[arg(long)]
    no_wait: bool,
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

pub async fn start(ctx: &Ctx, a: Args) -> anyhow::Result<()> {
    set_running(ctx, a, true).await
}

pub async fn stop(ctx: &Ctx, a: Args) -> anyhow::Result<()> {
    set_running(ctx, a, false).await
}

async fn set_running(ctx: &Ctx, a: Args, running: bool) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Controllers).await?;
    let result = async {
        let before = backend.get(&a.name).await?.status.height;
        let mut devnet = backend.set_running(&a.name, running).await?;
        if !a.no_wait {
            let what = if running { "a new block" } else { "every node to stop" };
            devnet = poll(
                &format!("{} ({what})", a.name),
                Duration::from_secs(a.timeout),
                || async {
                    let d = backend.get(&a.name).await?;
                    let done = if running {
                        matches!(d.status.phase, DevnetPhase::Running) && d.status.height > before
                    } else {
                        d.status.phase == DevnetPhase::Stopped
                    };
                    Ok(done.then_some(d))
                },
            )
            .await?;
        }
        anyhow::Ok(devnet)
    }
    .await;
    backend.close().await;
    let devnet = result?;
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &devnet),
        Output::Table => {
            output::table(&output::DEVNET_HEADER, &[output::devnet_row(&devnet)]);
            Ok(())
        }
    }
}

pub async fn destroy(ctx: &Ctx, a: Args) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Controllers).await?;
    let result = async {
        backend.delete(&a.name).await?;
        if !a.no_wait {
            poll(
                &format!("{} to be destroyed", a.name),
                Duration::from_secs(a.timeout),
                || async { Ok(backend.find(&a.name).await?.is_none().then_some(())) },
            )
            .await?;
        }
        anyhow::Ok(())
    }
    .await;
    backend.close().await;
    result?;
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => {
            output::structured(o, &serde_json::json!({ "destroyed": a.name }))
        }
        Output::Table => {
            println!("destroyed {}", a.name);
            Ok(())
        }
    }
}
