//! devnetd: serves one home's devnets on `<home>/devnetd.sock` until SIGTERM or Ctrl-C.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use devnet_daemon::{Config, DaemonLog, Home, Host};

#[derive(Parser)]
#[command(
    version,
    about = "devnetd: stands up, supervises and drives local blockchain devnets"
)]
struct Args {
    /// Everything this daemon writes lives here: store, socket, logs, node files.
    #[arg(long, env = "DEVNET_HOME")]
    home: Option<PathBuf>,
    /// How each log line is written, to stderr and to `<home>/devnetd.log` (`dvb daemon logs`):
    /// `text`, or `json` (one object per line); either way a line logged while working on a
    /// devnet names it, and the node (transaction, upgrade, export) it concerns.
    #[arg(long, env = "DEVNET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Logs to `<home>/devnetd.log` (rotated past `max` bytes, `keep` old files kept) and to
/// stderr.
fn init_logging(home: &Home, format: LogFormat, (max, keep): (u64, u32)) -> anyhow::Result<()> {
    let path = home.daemon_log();
    std::fs::create_dir_all(home.root()).with_context(|| format!("creating {}", home.root().display()))?;
    let writer = DaemonLog::open(&path, max, keep).with_context(|| format!("opening {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("DEVNET_LOG").unwrap_or_else(|_| "info".into());
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .log_internal_errors(false);
    match format {
        LogFormat::Text => fmt.with_ansi(false).init(),
        LogFormat::Json => fmt.json().with_current_span(true).with_span_list(false).init(),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let home = Home::resolve(args.home.as_deref());
    let loaded = Config::load(&home);
    let limits = loaded
        .as_ref()
        .map_or((64 << 20, 3), |(c, _)| (c.log_max_bytes, c.log_keep));
    init_logging(&home, args.log_format, limits)?;
    let (config, sources) = loaded.context("loading the config")?;
    // Bound before anything starts: a taken port stops the daemon here, named, with nothing begun.
    let metrics = match config.metrics_listen.as_str() {
        "" => None,
        addr => Some(devnet_daemon::bind_metrics(addr).await.context("serving metrics")?),
    };
    let remote = match config.listen.as_str() {
        "" => None,
        addr => Some(devnet_daemon::bind_remote(addr).await.context("the remote listener")?),
    };
    let tls_config = config.clone();
    let host = Arc::new(Host::start(home.clone(), config, sources).context("starting the host")?);
    host.install_builtins().await;
    if let Some(listener) = metrics {
        host.serve_metrics(listener);
    }
    // Both doors close on the same signal.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    if let Some(listener) = remote {
        // The certificate is read or made once the store's lock holds this home: two daemons
        // starting on one home never write it at once.
        let addr = listener.local_addr().context("the remote listener's address")?;
        let identity =
            devnet_daemon::tls_identity(&home, &tls_config, addr).context("the remote listener's certificate")?;
        let mut stopped = stopped.clone();
        host.serve_remote(listener, identity, async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await
        .context("serving the remote listener")?;
    }

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing a SIGTERM handler")?;
    let shutdown = async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutting down: finishing the reconciles in flight");
        let _ = stop.send(true);
    };
    host.serve_socket(shutdown).await.context("serving")?;
    host.shutdown(host.config().stop_nodes_on_exit).await;
    tracing::info!("stopped");
    Ok(())
}
