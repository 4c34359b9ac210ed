//! The typed client of devnetd, over its unix socket or over in-process pipes.

use std::path::{Path, PathBuf};

use devnet_core as core;
use hyper_util::rt::TokioIo;
use tokio::io::DuplexStream;
use tokio::sync::mpsc;
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

/// A connection to one devnetd.
#[derive(Clone)]
pub struct DaemonClient {
    socket: PathBuf,
    channel: Channel,
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
            .map_err(|e| {
                unavailable(format!(
                    "{e}: {}",
                    std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_default()
                ))
            })?;
        Ok(Self {
            socket: socket.to_path_buf(),
            channel,
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
            socket: home_socket.to_path_buf(),
            channel,
        })
    }

    /// Whether the daemon serves an API version this client can use ([`crate::API_VERSION`]).
    pub async fn check_api_version(&self) -> Result<(), ApiError> {
        let served = self.status().await?.api_version;
        crate::check_api_version(&served).map_err(|advice| ApiError::Incompatible {
            socket: self.socket.display().to_string(),
            daemon: if served.is_empty() { "(none)".into() } else { served },
            client: crate::API_VERSION.to_string(),
            advice,
        })
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The connection, for calls this wrapper does not cover (reflection, raw requests).
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    // Every service's client takes answers up to MAX_MESSAGE (gRPC's default is 4 MiB; a
    // home's whole event log or a busy devnet's transactions can be more).
    fn devnets(&self) -> DevnetServiceClient<Channel> {
        DevnetServiceClient::new(self.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn nodes_client(&self) -> NodeServiceClient<Channel> {
        NodeServiceClient::new(self.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn daemon(&self) -> DaemonServiceClient<Channel> {
        DaemonServiceClient::new(self.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn plugin_service(&self) -> PluginServiceClient<Channel> {
        PluginServiceClient::new(self.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn tx_service(&self) -> TransactionServiceClient<Channel> {
        TransactionServiceClient::new(self.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn upgrade_service(&self) -> UpgradeServiceClient<Channel> {
        UpgradeServiceClient::new(self.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn export_service(&self) -> ExportServiceClient<Channel> {
        ExportServiceClient::new(self.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn unavailable(&self, e: ApiError) -> ApiError {
        match e {
            ApiError::Unavailable { reason, .. } => ApiError::Unavailable {
                socket: self.socket.display().to_string(),
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

    fn stack_service(&self) -> StackServiceClient<Channel> {
        StackServiceClient::new(self.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
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
        let r = self
            .stack_service()
            .apply(pb::ApplyStackRequest {
                file: file.to_string(),
                source: source.to_string(),
                prune,
                dry_run,
                recreate,
            })
            .await
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
