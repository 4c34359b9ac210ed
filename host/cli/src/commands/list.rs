//! `dvb list`.

use crate::backend::Needs;
use crate::commands::Ctx;
use crate::output::{self, Output};

pub async fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let devnets = backend.list().await;
    backend.close().await;
    let devnets = devnets?;
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &devnets),
        Output::Table => {
            let rows: Vec<Vec<String>> = devnets.iter().map(output::devnet_row).collect();
            output::table(&output::DEVNET_HEADER, &rows);
            Ok(())
        }
    }
}
