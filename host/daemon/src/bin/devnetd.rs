//! devnetd: serves one home's devnets on `<home>/devnetd.sock` until SIGTERM or Ctrl-C.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use devnet_api::pb;
use devnet_daemon::server::Services;
use devnet_daemon::{Config, Home, Host};
use tokio::net::UnixListener;
use tokio_stream::wrappers::UnixListenerStream;

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
    host.ctx.plugins.install_builtins().await;

    let socket = home.socket();
    let listener = bind_private(&socket)?;
    tracing::info!(home = %home.root().display(), socket = %socket.display(), "devnetd serving");

    let services = Services { host: host.clone() };
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<pb::devnet_service_server::DevnetServiceServer<Services>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(devnet_api::FILE_DESCRIPTOR_SET)
        .build_v1()
        .context("building the reflection service")?;

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing a SIGTERM handler")?;
    let shutdown = async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutting down: finishing the reconciles in flight");
    };
    tonic::transport::Server::builder()
        .add_service(pb::devnet_service_server::DevnetServiceServer::new(services.clone()))
        .add_service(pb::node_service_server::NodeServiceServer::new(services.clone()))
        .add_service(pb::daemon_service_server::DaemonServiceServer::new(services.clone()))
        .add_service(pb::plugin_service_server::PluginServiceServer::new(services.clone()))
        .add_service(pb::transaction_service_server::TransactionServiceServer::new(
            services.clone(),
        ))
        .add_service(pb::upgrade_service_server::UpgradeServiceServer::new(services.clone()))
        .add_service(pb::export_service_server::ExportServiceServer::new(services))
        .add_service(health_service)
        .add_service(reflection)
        .serve_with_incoming_shutdown(UnixListenerStream::new(listener), shutdown)
        .await
        .context("serving")?;

    let _ = std::fs::remove_file(&socket);
    host.shutdown(host.ctx.config.stop_nodes_on_exit).await;
    tracing::info!("stopped");
    Ok(())
}

/// Listens on `socket`, which only this user may use (made under a 0077 umask, then 0600).
/// A socket file left by a daemon that died is replaced; the store's lock already keeps a
/// second live daemon from getting this far.
fn bind_private(socket: &std::path::Path) -> anyhow::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt as _;
    if socket.as_os_str().len() > 100 {
        anyhow::bail!(
            "the socket path {} is too long for a unix socket (the limit is ~100 bytes); use a shorter --home",
            socket.display()
        );
    }
    if socket.exists() {
        std::fs::remove_file(socket).with_context(|| format!("removing the stale socket {}", socket.display()))?;
    }
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let bound = UnixListener::bind(socket);
    nix::sys::stat::umask(old);
    let listener = bound.with_context(|| format!("listening on {}", socket.display()))?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}
