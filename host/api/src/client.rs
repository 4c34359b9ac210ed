//! The typed client of devnetd, over its unix socket, over in-process pipes, or over TLS to
//! its remote listener with a token.

use std::path::Path;
use std::sync::Arc;

use devnet_core as core;
use hyper_util::rt::TokioIo;
use tokio::io::DuplexStream;
use tokio::sync::mpsc;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::ApiError;
use crate::convert::{
    devnet_from, devnet_spec_to, event_from, export_from, export_spec_to, node_from, tx_from, tx_spec_to, upgrade_from,
    upgrade_spec_to,
};
use crate::pb;
use crate::pb::daemon_service_client::DaemonServiceClient;
use crate::pb::devnet_service_client::DevnetServiceClient;
use crate::pb::export_service_client::ExportServiceClient;
use crate::pb::node_service_client::NodeServiceClient;
use crate::pb::plugin_service_client::PluginServiceClient;
use crate::pb::stack_service_client::StackServiceClient;
use crate::pb::transaction_service_client::TransactionServiceClient;
use crate::pb::upgrade_service_client::UpgradeServiceClient;
use crate::remote::{Remote, client_config, parse_url};

/// A connection to one devnetd.
#[derive(Clone)]
pub struct DaemonClient {
    /// Where it is, for messages: the socket's path or the remote URL.
    target: String,
    channel: Channel,
    bearer: Bearer,
}

/// Adds `authorization: Bearer <token>` to every call (remote connections; the unix socket
/// needs none).
#[derive(Clone, Default)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Interceptor for Bearer {
    fn call(&mut self, mut r: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            r.metadata_mut().insert("authorization", v.clone());
        }
        Ok(r)
    }
}

type Transport = InterceptedService<Channel, Bearer>;

/// A transport error and each of its causes, so a TLS refusal reads as what it is.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

/// The largest answer a client takes.
const MAX_MESSAGE: usize = 256 << 20;

/// Bytes each way an in-process pipe holds before a writer waits for its reader.
const IN_PROCESS_BUFFER: usize = 256 * 1024;

pub type WatchStream = tonic::Streaming<pb::WatchEvent>;
pub type LogStream = tonic::Streaming<pb::LogChunk>;

impl DaemonClient {
    /// Connects to the daemon listening on `socket` and checks that it serves an API version
    /// this client can use; fails at once when no daemon is there, and with what to do when
    /// the versions differ.
    pub async fn connect(socket: &Path) -> Result<Self, ApiError> {
        let client = Self::connect_unchecked(socket).await?;
        client.check_api_version().await?;
        Ok(client)
    }

    /// [`Self::connect`] without the version check: for `dvb daemon status`, which shows a
    /// daemon whatever API it serves.
    pub async fn connect_unchecked(socket: &Path) -> Result<Self, ApiError> {
        let unavailable = |reason: String| ApiError::Unavailable {
            socket: socket.display().to_string(),
            reason,
        };
        if !socket.exists() {
            return Err(unavailable("the socket does not exist".into()));
        }
        let path = socket.to_path_buf();
        // The URI is not used: every connection goes to the socket.
        let channel = Endpoint::from_static("http://devnetd")
            .connect_with_connector(tower::service_fn(move |_: Uri| {
                let path = path.clone();
                async move { Ok::<_, std::io::Error>(TokioIo::new(tokio::net::UnixStream::connect(path).await?)) }
            }))
            .await
            .map_err(|e| unavailable(error_chain(&e)))?;
        Ok(Self {
            target: socket.display().to_string(),
            channel,
            bearer: Bearer::default(),
        })
    }

    /// Connects to a daemon's remote listener over TLS, trusting its certificate as `remote`
    /// says and sending its token on every call, and checks the API version as
    /// [`Self::connect`] does.
    pub async fn connect_remote(remote: &Remote) -> Result<Self, ApiError> {
        let client = Self::connect_remote_unchecked(remote).await?;
        client.check_api_version().await?;
        Ok(client)
    }

    /// [`Self::connect_remote`] without the version check (`dvb daemon status`).
    pub async fn connect_remote_unchecked(remote: &Remote) -> Result<Self, ApiError> {
        let unavailable = |reason: String| ApiError::Unavailable {
            socket: remote.url.clone(),
            reason,
        };
        let (host, port) = parse_url(&remote.url).map_err(ApiError::InvalidArgument)?;
        let config = Arc::new(client_config(&remote.trust).map_err(ApiError::InvalidArgument)?);
        let server_name = rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|e| ApiError::InvalidArgument(format!("{}: host {host:?}: {e}", remote.url)))?;
        let bearer = match &remote.token {
            Some(t) => {
                if t.trim().is_empty() {
                    return Err(ApiError::InvalidArgument(
                        "the token is empty: check the token file (`dvb daemon token create` prints one)".into(),
                    ));
                }
                let mut v: MetadataValue<Ascii> = format!("Bearer {}", t.trim()).parse().map_err(|_| {
                    ApiError::InvalidArgument(
                        "the token has characters a header cannot carry: check the token file".into(),
                    )
                })?;
                v.set_sensitive(true);
                Bearer(Some(v))
            }
            None => Bearer::default(),
        };
        // The URI only names the peer: the connector below dials it and does the TLS.
        let endpoint = Endpoint::from_shared(format!("http://{}", host_port(&host, port)))
            .map_err(|e| ApiError::InvalidArgument(format!("{}: {e}", remote.url)))?
            .connect_timeout(std::time::Duration::from_secs(10));
        let channel = endpoint
            .connect_with_connector(tower::service_fn(move |_: Uri| {
                let (host, config, server_name) = (host.clone(), config.clone(), server_name.clone());
                async move {
                    let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
                    let tls = tokio_rustls::TlsConnector::from(config)
                        .connect(server_name, tcp)
                        .await?;
                    Ok::<_, std::io::Error>(TokioIo::new(tls))
                }
            }))
            .await
            .map_err(|e| match tls_error(&e) {
                Some(tls) => ApiError::Tls {
                    target: remote.url.clone(),
                    reason: tls_advice(tls, &remote.trust),
                },
                None => unavailable(error_chain(&e)),
            })?;
        Ok(Self {
            target: remote.url.clone(),
            channel,
            bearer,
        })
    }

    /// A client of the services this process serves itself (`dvb --standalone`): each
    /// connection is a `tokio::io::duplex` pipe whose server half goes to `server`, which hands
    /// it to the gRPC server. `home_socket` only names the home in messages.
    pub async fn in_process(home_socket: &Path, server: mpsc::UnboundedSender<DuplexStream>) -> Result<Self, ApiError> {
        let channel = Endpoint::from_static("http://in-process")
            .connect_with_connector(tower::service_fn(move |_: Uri| {
                let server = server.clone();
                async move {
                    let (client, served) = tokio::io::duplex(IN_PROCESS_BUFFER);
                    server.send(served).map_err(|_| {
                        std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the in-process server has stopped")
                    })?;
                    Ok::<_, std::io::Error>(TokioIo::new(client))
                }
            }))
            .await
            .map_err(|e| ApiError::Unavailable {
                socket: format!("{} (in-process)", home_socket.display()),
                reason: e.to_string(),
            })?;
        Ok(Self {
            target: format!("{} (in-process)", home_socket.display()),
            channel,
            bearer: Bearer::default(),
        })
    }

    /// Whether the daemon serves an API version this client can use ([`crate::API_VERSION`]).
    pub async fn check_api_version(&self) -> Result<(), ApiError> {
        let served = self.status().await?.api_version;
        crate::check_api_version(&served).map_err(|advice| ApiError::Incompatible {
            socket: self.target.clone(),
            daemon: if served.is_empty() { "(none)".into() } else { served },
            client: crate::API_VERSION.to_string(),
            advice,
        })
    }

    /// Where the daemon is: its socket's path or its remote URL.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The connection, for calls this wrapper does not cover (reflection, raw requests); a
    /// remote connection's calls on it carry no token unless the caller adds one.
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    fn transport(&self) -> Transport {
        InterceptedService::new(self.channel.clone(), self.bearer.clone())
    }

    // Every service's client takes answers up to MAX_MESSAGE (gRPC's default is 4 MiB; a
    // home's whole event log or a busy devnet's transactions can be more).
    fn devnets(&self) -> DevnetServiceClient<Transport> {
        DevnetServiceClient::new(self.transport()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn nodes_client(&self) -> NodeServiceClient<Transport> {
        NodeServiceClient::new(self.transport()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn daemon(&self) -> DaemonServiceClient<Transport> {
        DaemonServiceClient::new(self.transport()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn plugin_service(&self) -> PluginServiceClient<Transport> {
        PluginServiceClient::new(self.transport()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn tx_service(&self) -> TransactionServiceClient<Transport> {
        TransactionServiceClient::new(self.transport()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn upgrade_service(&self) -> UpgradeServiceClient<Transport> {
        UpgradeServiceClient::new(self.transport()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn export_service(&self) -> ExportServiceClient<Transport> {
        ExportServiceClient::new(self.transport()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn unavailable(&self, e: ApiError) -> ApiError {
        match e {
            ApiError::Unavailable { reason, .. } => ApiError::Unavailable {
                socket: self.target.clone(),
                reason,
            },
            other => other,
        }
    }

    pub async fn create(&self, name: &str, spec: &core::DevnetSpec) -> Result<core::Devnet, ApiError> {
        let r = self
            .devnets()
            .create(pb::CreateDevnetRequest {
                name: name.to_string(),
                spec: Some(devnet_spec_to(spec)),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        devnet_from(r.into_inner())
    }

    pub async fn get(&self, name: &str) -> Result<core::Devnet, ApiError> {
        let r = self
            .devnets()
            .get(pb::GetDevnetRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        devnet_from(r.into_inner())
    }

    /// The private keys of a devnet's validators and funded accounts (`dvb endpoints --with-keys`).
    pub async fn devnet_keys(&self, devnet: &str) -> Result<Vec<pb::DevnetKey>, ApiError> {
        let r = self
            .devnets()
            .keys(pb::DevnetKeysRequest {
                devnet: devnet.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner().keys)
    }

    pub async fn list(&self) -> Result<Vec<core::Devnet>, ApiError> {
        let r = self
            .devnets()
            .list(pb::ListDevnetsRequest {})
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        r.into_inner().devnets.into_iter().map(devnet_from).collect()
    }

    pub async fn set_running(&self, name: &str, running: bool) -> Result<core::Devnet, ApiError> {
        let r = self
            .devnets()
            .set_running(pb::SetRunningRequest {
                name: name.to_string(),
                running,
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        devnet_from(r.into_inner())
    }

    pub async fn delete(&self, name: &str) -> Result<core::Devnet, ApiError> {
        let r = self
            .devnets()
            .delete(pb::DeleteDevnetRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        devnet_from(r.into_inner())
    }

    pub async fn watch(&self, prefix: &str) -> Result<WatchStream, ApiError> {
        let r = self
            .devnets()
            .watch(pb::WatchRequest {
                prefix: prefix.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn nodes(&self, devnet: &str) -> Result<Vec<core::Node>, ApiError> {
        let r = self
            .nodes_client()
            .list(pb::ListNodesRequest {
                devnet: devnet.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        r.into_inner().nodes.into_iter().map(node_from).collect()
    }

    pub async fn node(&self, name: &str) -> Result<core::Node, ApiError> {
        let r = self
            .nodes_client()
            .get(pb::GetNodeRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        node_from(r.into_inner())
    }

    pub async fn restart_node(&self, name: &str) -> Result<core::Node, ApiError> {
        let r = self
            .nodes_client()
            .restart(pb::RestartNodeRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        node_from(r.into_inner())
    }

    pub async fn logs(&self, name: &str, tail_lines: u32, follow: bool) -> Result<LogStream, ApiError> {
        let r = self
            .nodes_client()
            .stream_logs(pb::StreamLogsRequest {
                name: name.to_string(),
                tail_lines,
                follow,
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    /// The daemon's own log: the last `tail_lines` lines, then with `follow` what it writes.
    pub async fn daemon_logs(&self, tail_lines: u32, follow: bool) -> Result<LogStream, ApiError> {
        let r = self
            .daemon()
            .stream_logs(pb::StreamDaemonLogsRequest { tail_lines, follow })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn status(&self) -> Result<pb::DaemonStatusResponse, ApiError> {
        let r = self
            .daemon()
            .status(pb::DaemonStatusRequest {})
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    /// Who the daemon takes this client for.
    pub async fn whoami(&self) -> Result<pb::WhoAmIResponse, ApiError> {
        let r = self
            .daemon()
            .who_am_i(pb::WhoAmIRequest {})
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn create_token(
        &self,
        name: &str,
        read_only: bool,
        devnet: Option<&str>,
    ) -> Result<pb::CreateTokenResponse, ApiError> {
        let r = self
            .daemon()
            .create_token(pb::CreateTokenRequest {
                name: name.to_string(),
                read_only,
                devnet: devnet.unwrap_or_default().to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn list_tokens(&self) -> Result<Vec<pb::TokenInfo>, ApiError> {
        let r = self
            .daemon()
            .list_tokens(pb::ListTokensRequest {})
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner().tokens)
    }

    pub async fn revoke_token(&self, name: &str) -> Result<pb::TokenInfo, ApiError> {
        let r = self
            .daemon()
            .revoke_token(pb::RevokeTokenRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn config(&self) -> Result<pb::DaemonConfigResponse, ApiError> {
        let r = self
            .daemon()
            .config(pb::DaemonConfigRequest {})
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn events(&self, after: u64, limit: u32, prefix: &str) -> Result<Vec<core::Event>, ApiError> {
        let r = self
            .daemon()
            .events(pb::ListEventsRequest {
                after,
                limit,
                prefix: prefix.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        r.into_inner().events.into_iter().map(event_from).collect()
    }

    pub async fn plugins(&self) -> Result<Vec<pb::PluginInfo>, ApiError> {
        let r = self
            .plugin_service()
            .list(pb::ListPluginsRequest {})
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner().plugins)
    }

    pub async fn install_plugin(&self, req: pb::InstallPluginRequest) -> Result<pb::InstallPluginResponse, ApiError> {
        let r = self
            .plugin_service()
            .install(req)
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn remove_plugin(&self, name: &str) -> Result<pb::PluginInfo, ApiError> {
        let r = self
            .plugin_service()
            .remove(pb::RemovePluginRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn submit_tx(&self, spec: &core::TxSpec) -> Result<core::Transaction, ApiError> {
        let r = self
            .tx_service()
            .submit(pb::SubmitTxRequest {
                spec: Some(tx_spec_to(spec)),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        tx_from(r.into_inner())
    }

    pub async fn submit_txs(&self, specs: &[core::TxSpec]) -> Result<Vec<core::Transaction>, ApiError> {
        let specs = specs.iter().map(tx_spec_to).collect();
        let r = self
            .tx_service()
            .submit_batch(pb::SubmitTxBatchRequest { specs })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        r.into_inner().transactions.into_iter().map(tx_from).collect()
    }

    /// The transaction now, then at each change until it is Confirmed or Failed.
    pub async fn watch_tx(&self, name: &str) -> Result<tonic::Streaming<pb::Transaction>, ApiError> {
        let r = self
            .tx_service()
            .watch(pb::GetTxRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn tx(&self, name: &str) -> Result<core::Transaction, ApiError> {
        let r = self
            .tx_service()
            .get(pb::GetTxRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        tx_from(r.into_inner())
    }

    pub async fn proposals(&self, devnet: &str) -> Result<Vec<pb::Proposal>, ApiError> {
        let r = self
            .tx_service()
            .proposals(pb::ListProposalsRequest {
                devnet: devnet.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner().proposals)
    }

    pub async fn tx_kinds(&self, devnet: &str) -> Result<pb::ListTxKindsResponse, ApiError> {
        let r = self
            .tx_service()
            .kinds(pb::ListTxKindsRequest {
                devnet: devnet.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(r.into_inner())
    }

    pub async fn txs(&self, devnet: &str) -> Result<Vec<core::Transaction>, ApiError> {
        let r = self
            .tx_service()
            .list(pb::ListTxsRequest {
                devnet: devnet.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        r.into_inner().transactions.into_iter().map(tx_from).collect()
    }

    pub async fn create_upgrade(&self, spec: &core::UpgradeSpec) -> Result<core::Upgrade, ApiError> {
        let r = self
            .upgrade_service()
            .create(pb::CreateUpgradeRequest {
                spec: Some(upgrade_spec_to(spec)),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        upgrade_from(r.into_inner())
    }

    pub async fn upgrade(&self, name: &str) -> Result<core::Upgrade, ApiError> {
        let r = self
            .upgrade_service()
            .get(pb::GetUpgradeRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        upgrade_from(r.into_inner())
    }

    pub async fn upgrades(&self, devnet: &str) -> Result<Vec<core::Upgrade>, ApiError> {
        let r = self
            .upgrade_service()
            .list(pb::ListUpgradesRequest {
                devnet: devnet.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        r.into_inner().upgrades.into_iter().map(upgrade_from).collect()
    }

    pub async fn cancel_upgrade(&self, name: &str) -> Result<core::Upgrade, ApiError> {
        let r = self
            .upgrade_service()
            .cancel(pb::CancelUpgradeRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        upgrade_from(r.into_inner())
    }

    pub async fn create_export(&self, spec: &core::ExportSpec) -> Result<core::Export, ApiError> {
        let r = self
            .export_service()
            .create(pb::CreateExportRequest {
                spec: Some(export_spec_to(spec)),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        export_from(r.into_inner())
    }

    pub async fn export(&self, name: &str) -> Result<core::Export, ApiError> {
        let r = self
            .export_service()
            .get(pb::GetExportRequest { name: name.to_string() })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        export_from(r.into_inner())
    }

    pub async fn exports(&self, devnet: &str) -> Result<Vec<core::Export>, ApiError> {
        let r = self
            .export_service()
            .list(pb::ListExportsRequest {
                devnet: devnet.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        r.into_inner().exports.into_iter().map(export_from).collect()
    }

    fn stack_service(&self) -> StackServiceClient<Transport> {
        StackServiceClient::new(self.transport()).max_decoding_message_size(MAX_MESSAGE)
    }

    /// `dvb apply -f` (`dry_run`: `dvb diff -f`).
    pub async fn apply_stack(
        &self,
        file: &str,
        source: &str,
        prune: bool,
        dry_run: bool,
        recreate: bool,
    ) -> Result<core::StackApplied, ApiError> {
        let req = pb::ApplyStackRequest {
            file: file.to_string(),
            source: source.to_string(),
            prune,
            dry_run,
            recreate,
        };
        // The plan is its own call, a read (a read-only token may diff).
        let r = if dry_run {
            self.stack_service().diff(req).await
        } else {
            self.stack_service().apply(req).await
        }
        .map_err(|s| self.unavailable(s.into()))?;
        Ok(applied_from(r.into_inner()))
    }

    /// `dvb delete -f`.
    pub async fn delete_stack(&self, file: &str, source: &str) -> Result<core::StackApplied, ApiError> {
        let r = self
            .stack_service()
            .delete(pb::DeleteStackRequest {
                file: file.to_string(),
                source: source.to_string(),
            })
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        Ok(applied_from(r.into_inner()))
    }

    /// `dvb stacks`.
    pub async fn stacks(&self) -> Result<Vec<core::StackSummary>, ApiError> {
        let r = self
            .stack_service()
            .list(pb::ListStacksRequest {})
            .await
            .map_err(|s| self.unavailable(s.into()))?;
        r.into_inner()
            .stacks
            .into_iter()
            .map(|s| {
                Ok(core::StackSummary {
                    phase: crate::convert::parse_enum("stack phase", &s.phase)?,
                    name: s.name,
                    message: s.message,
                    devnets: s.devnets,
                    txs: s.txs,
                    sent: s.sent,
                    source: s.source,
                })
            })
            .collect()
    }
}

fn applied_from(r: pb::ApplyStackResponse) -> core::StackApplied {
    core::StackApplied {
        stack: r.stack,
        changes: r
            .changes
            .into_iter()
            .map(|c| core::StackChange {
                action: c.action,
                object: c.object,
                detail: c.detail,
            })
            .collect(),
    }
}

/// The TLS error behind a failed connection, if that is what failed.
fn tls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(t) = c.downcast_ref::<rustls::Error>() {
            return Some(t);
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(t) = inner.downcast_ref::<rustls::Error>()
        {
            return Some(t);
        }
        cause = c.source();
    }
    None
}

/// What a TLS failure means for the user, and what to do.
fn tls_advice(e: &rustls::Error, trust: &crate::remote::Trust) -> String {
    use crate::remote::Trust;
    use rustls::{CertificateError as C, Error as E};
    match (e, trust) {
        (E::General(m), _) => m.clone(),
        (E::InvalidCertificate(C::UnknownIssuer | C::BadSignature), Trust::System) => format!(
            "{e}: the daemon's certificate is not signed by a CA this machine trusts (a devnetd's own is self-signed): pass --fingerprint with the sha256 `dvb daemon status` shows on the daemon's machine, or --ca-cert"
        ),
        (E::InvalidCertificate(C::UnknownIssuer | C::BadSignature), Trust::CaFile(ca)) => {
            format!("{e}: the daemon's certificate was not signed by {}", ca.display())
        }
        (E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }), _) => format!(
            "{e}: the certificate does not name the host in the URL; use a name it does (a devnetd's self-signed one names localhost, 127.0.0.1, ::1, its host name and listen address), or --fingerprint"
        ),
        (E::InvalidMessage(_) | E::InappropriateHandshakeMessage { .. }, _) => {
            format!("{e}: what answers there does not speak TLS as a devnetd's remote listener does")
        }
        _ => e.to_string(),
    }
}

/// `host:port`, with an IPv6 literal in brackets.
fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
