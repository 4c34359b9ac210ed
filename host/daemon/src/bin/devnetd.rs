//! devnetd: serves one home's devnets on `<home>/devnetd.sock` until SIGTERM or Ctrl-C.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use devnet_daemon::{Config, Home, Host};

#[derive(Parser)]
#[command(
    version,
    about = "devnetd: stands up, supervises and drives local blockchain devnets"
)]
struct Args {
    /// Everything this daemon writes lives here: store, socket, logs, node files.
    #[arg(long, env = "DEVNET_HOME")]
    home: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("DEVNET_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let home = Home::resolve(args.home.as_deref());
    let (config, sources) = Config::load(&home).context("loading the config")?;
    let host = Arc::new(Host::start(home.clone(), config, sources).context("starting the host")?);
    host.install_builtins().await;

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing a SIGTERM handler")?;
    let shutdown = async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutting down: finishing the reconciles in flight");
    };
    host.serve_socket(shutdown).await.context("serving")?;
    host.shutdown(host.config().stop_nodes_on_exit).await;
    tracing::info!("stopped");
    Ok(())
}
