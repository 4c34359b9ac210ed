//! `dvb daemon status|config|logs`.

use crate::backend::Needs;
use crate::commands::Ctx;
use crate::output::{self, Output};

#[derive(clap::Subcommand)]
pub enum DaemonCommand {
    /// Whether a devnetd serves the home, and what it holds.
    Status,
    /// The effective configuration and where each setting came from.
    Config,
    /// devnetd's own log: the last lines, and with -f what it writes from then on.
    Logs {
        #[arg(short, long)]
        follow: bool,
        /// How many of the last lines to show first.
        #[arg(short = 'n', long, default_value_t = 50)]
        lines: u32,
    },
}

pub async fn run(ctx: &Ctx, c: DaemonCommand) -> anyhow::Result<()> {
    match c {
        DaemonCommand::Status => status(ctx).await,
        DaemonCommand::Config => config(ctx).await,
        DaemonCommand::Logs { follow, lines } => logs(ctx, follow, lines).await,
    }
}

async fn logs(ctx: &Ctx, follow: bool, lines: u32) -> anyhow::Result<()> {
    crate::output::text_only(ctx.output, "dvb daemon logs")?;
    use std::io::Write as _;
    use tokio_stream::StreamExt as _;
    let backend = ctx.backend(Needs::Read).await?;
    let result = async {
        let mut out = std::io::stdout();
        let mut stream = backend.daemon_logs(lines, follow).await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|s| anyhow::anyhow!("{}", s.message()))?;
            out.write_all(&chunk.data)?;
            out.flush()?;
        }
        anyhow::Ok(())
    }
    .await;
    backend.close().await;
    result
}

async fn status(ctx: &Ctx) -> anyhow::Result<()> {
    let socket = ctx.home.socket();
    match devnet_api::DaemonClient::connect_unchecked(&socket).await {
        Ok(c) => {
            let s = c.status().await?;
            // Shown whatever it serves: this is where a user looks when the versions differ.
            let compatible = devnet_api::check_api_version(&s.api_version);
            let value = serde_json::json!({
                "running": true,
                "version": s.version,
                "pid": s.pid,
                "home": s.home,
                "socket": s.socket,
                "started_unix_ms": s.started_unix_ms,
                "devnets": s.devnets,
                "nodes": s.nodes,
                "store_schema_version": s.store_schema_version,
                "api_version": s.api_version,
                "api_compatible": compatible.is_ok(),
            });
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &value),
                Output::Table => {
                    println!(
                        "devnetd {} running (pid {}), up since {}",
                        s.version,
                        s.pid,
                        output::ago(s.started_unix_ms)
                    );
                    println!("home     {}", s.home);
                    println!("socket   {}", s.socket);
                    println!("devnets  {}  nodes {}", s.devnets, s.nodes);
                    println!("store    schema version {}", s.store_schema_version);
                    match &compatible {
                        Ok(()) => println!("api      {} (this dvb: {})", s.api_version, devnet_api::API_VERSION),
                        Err(advice) => println!(
                            "api      {} — this dvb speaks {}: {advice}",
                            if s.api_version.is_empty() {
                                "(none)"
                            } else {
                                &s.api_version
                            },
                            devnet_api::API_VERSION
                        ),
                    }
                    Ok(())
                }
            }
        }
        Err(e) => {
            let value = serde_json::json!({
                "running": false,
                "home": ctx.home.root(),
                "socket": socket,
                "reason": e.to_string(),
            });
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &value),
                Output::Table => {
                    println!("no devnetd serves {}: {e}", ctx.home.root().display());
                    println!(
                        "dvb runs in-process (standalone); start one with `devnetd --home {}`",
                        ctx.home.root().display()
                    );
                    Ok(())
                }
            }
        }
    }
}

async fn config(ctx: &Ctx) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let answer = backend.config().await;
    backend.close().await;
    let r = answer?;
    let (toml, sources): (String, Vec<(String, String)>) =
        (r.toml, r.sources.into_iter().map(|s| (s.key, s.value)).collect());
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(
            o,
            &serde_json::json!({
                "config": toml,
                "sources": sources.iter().map(|(k, v)| serde_json::json!({"key": k, "from": v})).collect::<Vec<_>>(),
            }),
        ),
        Output::Table => {
            println!("# {}", ctx.home.config_file().display());
            print!("{toml}");
            println!();
            let rows: Vec<Vec<String>> = sources.into_iter().map(|(k, v)| vec![k, v]).collect();
            output::table(&["SETTING", "FROM"], &rows);
            Ok(())
        }
    }
}
