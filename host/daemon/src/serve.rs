//! Where the API is served: devnetd's private unix socket; its remote listener (`listen`), over
//! TLS with a token on every call; and, for `dvb --standalone`, the process itself over
//! in-memory pipes. All serve the same services, so dvb has one client.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use devnet_api::{DaemonClient, pb};
use tokio::io::DuplexStream;
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::{TcpListenerStream, UnboundedReceiverStream, UnixListenerStream};
use tonic::service::Routes;
use tonic::transport::{Identity, Server, ServerTlsConfig};

use crate::access::TokenLayer;
use crate::authority::AnyAuthority;
use crate::server::{Services, Transport};
use crate::tls::TlsIdentity;
use crate::{DaemonError, Host};

/// How long devnetd's calls in flight may take to finish once it is asked to stop.
const SOCKET_STOP: Duration = Duration::from_secs(5);
/// How long a client of the remote listener may take over its TLS handshake.
const REMOTE_HANDSHAKE: Duration = Duration::from_secs(10);
/// Calls one remote connection may have open at once (streams included).
const REMOTE_STREAMS_PER_CONNECTION: u32 = 64;
/// How long a standalone command's server may take to finish its calls once the command ends.
const IN_PROCESS_STOP: Duration = Duration::from_secs(5);

/// Refusals' messages kept to a size every client takes ([`crate::status_cap`]).
fn cap_status()
-> tower::util::MapResponseLayer<fn(http::Response<tonic::body::Body>) -> http::Response<tonic::body::Body>> {
    tower::util::MapResponseLayer::new(crate::status_cap::cap::<tonic::body::Body>)
}

/// The in-process server of a standalone dvb: stopped by [`Host::shutdown`].
pub(crate) struct InProcess {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), tonic::transport::Error>>,
}

impl InProcess {
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(IN_PROCESS_STOP, &mut task).await.is_err() {
            task.abort();
        }
    }
}

impl Host {
    /// Serves the API on the home's socket (private to its owner) until `shutdown` completes.
    pub async fn serve_socket(self: &Arc<Self>, shutdown: impl Future<Output = ()>) -> Result<(), DaemonError> {
        let socket = self.ctx.home.socket();
        let listener = bind_private(&socket)?;
        tracing::info!(home = %self.ctx.home.root().display(), socket = %socket.display(), "devnetd serving");
        // Once asked to stop, calls in flight get SOCKET_STOP to finish; open streams (a
        // `nodes logs -f`, a `tx watch`) are then cut.
        let asked = Arc::new(tokio::sync::Notify::new());
        let told = asked.clone();
        let serving = Server::builder()
            .layer(cap_status())
            .add_routes(routes(self.clone(), Transport::UnixSocket).await?)
            .serve_with_incoming_shutdown(
                UnixListenerStream::new(listener).map(|c| c.map(AnyAuthority::new)),
                async move {
                    shutdown.await;
                    told.notify_one();
                },
            );
        let served = tokio::select! {
            served = serving => served
                .map_err(|e| DaemonError::Internal(format!("serving on {}: {e}", socket.display()))),
            () = async {
                asked.notified().await;
                tokio::time::sleep(SOCKET_STOP).await;
            } => {
                tracing::warn!("open calls did not finish within {SOCKET_STOP:?} of the stop; cut");
                Ok(())
            }
        };
        let _ = std::fs::remove_file(&socket);
        served
    }

    /// Serves the API to this process alone and returns a client of it: what dvb uses when
    /// no daemon serves the home. The server stops in [`Host::shutdown`].
    pub async fn connect_in_process(self: &Arc<Self>) -> Result<DaemonClient, DaemonError> {
        let (connections, incoming) = mpsc::unbounded_channel::<DuplexStream>();
        let (stop, stopped) = oneshot::channel::<()>();
        let router = Server::builder()
            .layer(cap_status())
            .add_routes(routes(self.clone(), Transport::InProcess).await?);
        let incoming = UnboundedReceiverStream::new(incoming).map(Ok::<_, std::io::Error>);
        let task = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
            let _ = stopped.await;
        }));
        *self
            .in_process
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(InProcess { stop, task });
        DaemonClient::in_process(&self.ctx.home.socket(), connections)
            .await
            .map_err(|e| DaemonError::Internal(e.to_string()))
    }
}

impl Host {
    /// Serves the API on `listener` over TLS with `identity`, every call checked for a token,
    /// until `shutdown` completes; a handshake that fails (plaintext, a client that does not
    /// trust the certificate) or takes over 10 s ends that connection only.
    pub async fn serve_remote(
        self: &Arc<Self>,
        listener: TcpListener,
        identity: TlsIdentity,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), DaemonError> {
        let addr = listener
            .local_addr()
            .map_err(DaemonError::io("the remote listener's address".to_string()))?;
        let tls = ServerTlsConfig::new()
            .identity(Identity::from_pem(&identity.cert_pem, &identity.key_pem))
            .timeout(REMOTE_HANDSHAKE);
        let server = Server::builder()
            // Bounds on what one client holds: streams per connection, idle peers found out.
            .max_concurrent_streams(REMOTE_STREAMS_PER_CONNECTION)
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .tcp_keepalive(Some(Duration::from_secs(60)))
            .tls_config(tls)
            .map_err(|e| {
                DaemonError::InvalidArgument(format!(
                    "the remote listener's certificate and key ({}): {e}",
                    identity.cert_path.display()
                ))
            })?
            .layer(cap_status())
            .layer(TokenLayer::new(self.clone()));
        let routes = routes(self.clone(), Transport::Tls).await?;
        *self.remote.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((addr.to_string(), identity.fingerprint.clone()));
        tracing::info!(
            listen = %addr,
            fingerprint = %identity.fingerprint,
            certificate = %identity.cert_path.display(),
            "remote API on https://{addr} (TLS; every call needs a token: `dvb daemon token create`)"
        );
        let host = self.clone();
        tokio::spawn(async move {
            let mut server = server;
            if let Err(e) = server
                .add_routes(routes)
                .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
                .await
            {
                tracing::error!("the remote listener stopped: {e}");
            }
            *host.remote.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        });
        Ok(())
    }
}

/// Binds the remote listener's address (before the daemon starts anything, so that a taken
/// port stops it at once, named).
pub async fn bind_remote(addr: &str) -> Result<TcpListener, DaemonError> {
    let parsed: std::net::SocketAddr = addr.parse().map_err(|_| {
        DaemonError::InvalidArgument(format!(
            "listen {addr:?}: give an address and a port, e.g. 127.0.0.1:7443"
        ))
    })?;
    TcpListener::bind(parsed)
        .await
        .map_err(DaemonError::io(format!("listen: listening on {parsed}")))
}

/// Every service, the health service and reflection, over one host.
async fn routes(host: Arc<Host>, transport: Transport) -> Result<Routes, DaemonError> {
    let services = Services { host, transport };
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<pb::devnet_service_server::DevnetServiceServer<Services>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(devnet_api::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|e| DaemonError::Internal(format!("building the reflection service: {e}")))?;
    // v1alpha too: grpcurl and many other tools still ask it.
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(devnet_api::FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .map_err(|e| DaemonError::Internal(format!("building the reflection service (v1alpha): {e}")))?;
    Ok(
        Routes::new(pb::devnet_service_server::DevnetServiceServer::new(services.clone()))
            .add_service(pb::node_service_server::NodeServiceServer::new(services.clone()))
            .add_service(pb::daemon_service_server::DaemonServiceServer::new(services.clone()))
            .add_service(
                // An install may carry the component (dvb --remote with a local file).
                pb::plugin_service_server::PluginServiceServer::new(services.clone())
                    .max_decoding_message_size(crate::plugins::install::MAX_COMPONENT_BYTES as usize + (1 << 20)),
            )
            .add_service(pb::transaction_service_server::TransactionServiceServer::new(
                services.clone(),
            ))
            .add_service(pb::upgrade_service_server::UpgradeServiceServer::new(services.clone()))
            .add_service(pb::export_service_server::ExportServiceServer::new(services.clone()))
            .add_service(pb::stack_service_server::StackServiceServer::new(services))
            .add_service(health_service)
            .add_service(reflection)
            .add_service(reflection_v1alpha),
    )
}

/// Listens on `socket`, which only this user may use (made under a 0077 umask, then 0600).
/// A socket file left by a daemon that died is replaced; the store's lock already keeps a
/// second live daemon from getting this far.
fn bind_private(socket: &Path) -> Result<UnixListener, DaemonError> {
    use std::os::unix::fs::PermissionsExt as _;
    if socket.as_os_str().len() > 100 {
        return Err(DaemonError::InvalidArgument(format!(
            "the socket path {} is too long for a unix socket (the limit is ~100 bytes); use a shorter --home",
            socket.display()
        )));
    }
    if socket.exists() {
        std::fs::remove_file(socket).map_err(DaemonError::io(format!(
            "removing the stale socket {}",
            socket.display()
        )))?;
    }
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let bound = UnixListener::bind(socket);
    nix::sys::stat::umask(old);
    let listener = bound.map_err(DaemonError::io(format!("listening on {}", socket.display())))?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))
        .map_err(DaemonError::io(format!("making {} private", socket.display())))?;
    Ok(listener)
}
