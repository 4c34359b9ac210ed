//! The gRPC services over a [`Host`]: the only place daemon errors become status codes.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use devnet_api::convert::{
    devnet_spec_from, devnet_to, event_to, export_spec_from, export_to, node_to, plugin_installed_to,
    plugin_summary_to, proposal_to, tx_kinds_to, tx_spec_from, tx_to, upgrade_spec_from, upgrade_to,
};
use devnet_api::pb;
use devnet_core::{Devnet, Kind, Node};
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use devnet_plugin_host::{PluginErrorKind, PluginHostError};

use crate::access::Caller;
use crate::{DaemonError, Host};

type Reply<T> = Result<Response<T>, Status>;
type Streamed<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

fn status(e: DaemonError) -> Status {
    match e {
        DaemonError::InvalidArgument(m) => Status::invalid_argument(m),
        DaemonError::NotFound(m) => Status::not_found(m),
        DaemonError::AlreadyExists(m) => Status::already_exists(m),
        DaemonError::FailedPrecondition(m) => Status::failed_precondition(m),
        DaemonError::Plugin(e) => plugin_status(&e),
        other => Status::internal(other.to_string()),
    }
}

/// A plugin's error by its kind: what the caller should do about it.
fn plugin_status(e: &PluginHostError) -> Status {
    let m = e.to_string();
    match e {
        PluginHostError::Plugin { kind, .. } => match kind {
            PluginErrorKind::InvalidInput => Status::invalid_argument(m),
            PluginErrorKind::Unsupported => Status::failed_precondition(m),
            PluginErrorKind::Denied => Status::permission_denied(m),
            PluginErrorKind::Chain => {
                let mut s = Status::unavailable(m);
                s.metadata_mut().insert(
                    devnet_api::ERROR_SOURCE_KEY,
                    tonic::metadata::MetadataValue::from_static(devnet_api::ERROR_SOURCE_CHAIN),
                );
                s
            }
            PluginErrorKind::Internal => Status::internal(m),
        },
        PluginHostError::NotInApi { .. } => Status::failed_precondition(m),
        PluginHostError::Deadline { .. } => Status::deadline_exceeded(m),
        _ => Status::internal(m),
    }
}

/// Test-only: the API version a daemon claims, so that a test can run one that differs from
/// its dvb. Named so that nobody sets it by accident.
const TEST_API_VERSION_ENV: &str = "DEVNETD_TEST_API_VERSION";

/// The API version served: this build's, unless a test says otherwise.
fn served_api_version() -> String {
    std::env::var(TEST_API_VERSION_ENV).unwrap_or_else(|_| devnet_api::API_VERSION.to_string())
}

/// How calls reach these services.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    UnixSocket,
    InProcess,
    Tls,
}

impl Transport {
    fn as_str(self) -> &'static str {
        match self {
            Transport::UnixSocket => "unix socket",
            Transport::InProcess => "in-process",
            Transport::Tls => "tls",
        }
    }
}

/// The services share one host.
#[derive(Clone)]
pub struct Services {
    pub host: Arc<Host>,
    pub transport: Transport,
}

/// The devnet a resource name belongs to (`hub` of `hub/tx-3`).
fn devnet_of(name: &str) -> &str {
    name.split('/').next().unwrap_or(name)
}

/// Whether an event is about something the caller sees: for a token limited to one devnet,
/// only that devnet's own objects (not plugins, stacks or tokens).
fn event_seen(who: &Caller, e: &devnet_core::Event) -> bool {
    match who {
        Caller::Token { devnet: Some(_), .. } => {
            matches!(
                e.object_kind,
                Kind::Devnet | Kind::Node | Kind::Upgrade | Kind::Transaction | Kind::Export
            ) && who.sees(devnet_of(&e.object))
        }
        _ => true,
    }
}

#[tonic::async_trait]
impl pb::devnet_service_server::DevnetService for Services {
    async fn create(&self, r: Request<pb::CreateDevnetRequest>) -> Reply<pb::Devnet> {
        let who = Caller::of(&r);
        let r = r.into_inner();
        who.check_devnet(&r.name)?;
        let spec = r
            .spec
            .ok_or_else(|| Status::invalid_argument("CreateDevnetRequest without a spec"))
            .and_then(|s| devnet_spec_from(s).map_err(|e| Status::invalid_argument(e.to_string())))?;
        let d = self.host.deploy(&r.name, spec).await.map_err(status)?;
        Ok(Response::new(devnet_to(&d)))
    }

    async fn get(&self, r: Request<pb::GetDevnetRequest>) -> Reply<pb::Devnet> {
        let who = Caller::of(&r);
        let name = r.into_inner().name;
        who.check_devnet(&name)?;
        let d = self.host.get(&name).map_err(status)?;
        Ok(Response::new(devnet_to(&d)))
    }

    async fn keys(&self, r: Request<pb::DevnetKeysRequest>) -> Reply<pb::DevnetKeysResponse> {
        let who = Caller::of(&r);
        let name = r.into_inner().devnet;
        who.check_devnet(&name)?;
        let keys = self.host.devnet_keys(&name).map_err(status)?;
        if let Caller::Token { name: token, .. } = &who {
            tracing::info!(devnet = %name, token = %token, "the devnet's private keys were read with a token");
        }
        Ok(Response::new(pb::DevnetKeysResponse {
            keys: keys
                .into_iter()
                .map(|(name, algorithm, address, private_key_hex)| pb::DevnetKey {
                    name,
                    algorithm,
                    address,
                    private_key_hex,
                })
                .collect(),
        }))
    }

    async fn list(&self, r: Request<pb::ListDevnetsRequest>) -> Reply<pb::ListDevnetsResponse> {
        let who = Caller::of(&r);
        let devnets = self
            .host
            .list()
            .map_err(status)?
            .iter()
            .filter(|d| who.sees(&d.meta.name))
            .map(devnet_to)
            .collect();
        Ok(Response::new(pb::ListDevnetsResponse { devnets }))
    }

    async fn set_running(&self, r: Request<pb::SetRunningRequest>) -> Reply<pb::Devnet> {
        let who = Caller::of(&r);
        let r = r.into_inner();
        who.check_devnet(&r.name)?;
        let d = self.host.set_running(&r.name, r.running).map_err(status)?;
        Ok(Response::new(devnet_to(&d)))
    }

    async fn delete(&self, r: Request<pb::DeleteDevnetRequest>) -> Reply<pb::Devnet> {
        let who = Caller::of(&r);
        let name = r.into_inner().name;
        who.check_devnet(&name)?;
        let d = self.host.destroy(&name).map_err(status)?;
        Ok(Response::new(devnet_to(&d)))
    }

    type WatchStream = Streamed<pb::WatchEvent>;

    async fn watch(&self, r: Request<pb::WatchRequest>) -> Reply<Self::WatchStream> {
        let who = Caller::of(&r);
        let seen = who.clone();
        let guard = who.clone();
        let prefix = r.into_inner().prefix;
        let filter = prefix.clone();
        let store = self.host.ctx.store.clone();
        // Subscribe before reading the current state, so nothing falls between.
        let mut changes = store.subscribe();
        let (tx, rx) = mpsc::channel(64);
        let current = move |store: &devnet_store::Store| -> Vec<pb::WatchEvent> {
            let mut out: Vec<pb::WatchEvent> = store
                .list::<Devnet>(&prefix)
                .unwrap_or_default()
                .iter()
                .filter(|d| seen.sees(&d.meta.name))
                .map(|d| {
                    watch_event(
                        Kind::Devnet,
                        &d.meta.name,
                        Some(pb::watch_event::Object::Devnet(devnet_to(d))),
                    )
                })
                .collect();
            out.extend(
                store
                    .list::<Node>(&prefix)
                    .unwrap_or_default()
                    .iter()
                    .filter(|n| seen.sees(n.meta.devnet()))
                    .map(|n| {
                        watch_event(
                            Kind::Node,
                            &n.meta.name,
                            Some(pb::watch_event::Object::Node(node_to(n))),
                        )
                    }),
            );
            out
        };
        tokio::spawn(async move {
            for e in current(&store) {
                if tx.send(Ok(e)).await.is_err() {
                    return;
                }
            }
            loop {
                let change = match changes.recv().await {
                    Ok(c) => c,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        // Fell behind: send everything as it is now.
                        for e in current(&store) {
                            if tx.send(Ok(e)).await.is_err() {
                                return;
                            }
                        }
                        continue;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                if !change.name.starts_with(filter.as_str()) || !who.sees(devnet_of(&change.name)) {
                    continue;
                }
                let object = match change.kind {
                    Kind::Devnet => store
                        .get::<Devnet>(&change.name)
                        .ok()
                        .flatten()
                        .map(|d| pb::watch_event::Object::Devnet(devnet_to(&d))),
                    Kind::Node => store
                        .get::<Node>(&change.name)
                        .ok()
                        .flatten()
                        .map(|n| pb::watch_event::Object::Node(node_to(&n))),
                    _ => continue,
                };
                if tx
                    .send(Ok(watch_event(change.kind, &change.name, object)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        Ok(Response::new(while_valid(
            &self.host,
            &guard,
            Box::pin(ReceiverStream::new(rx)),
        )))
    }
}

/// A stream a token opened, ended (with `UNAUTHENTICATED`) once that token is revoked: checked
/// every second, so a revoked token keeps no `watch` or `logs -f` open.
fn while_valid<T: Send + 'static>(host: &Arc<Host>, who: &Caller, stream: Streamed<T>) -> Streamed<T> {
    use tokio_stream::StreamExt as _;
    let Caller::Token { name, .. } = who else {
        return stream;
    };
    let (host, name) = (host.clone(), name.clone());
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut stream = stream;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                item = stream.next() => match item {
                    Some(item) => if tx.send(item).await.is_err() { return },
                    None => return,
                },
                _ = tick.tick() => if !host.token_valid(&name) {
                    let _ = tx.send(Err(Status::unauthenticated(format!("token {name:?} was revoked")))).await;
                    return;
                },
                () = tx.closed() => return,
            }
        }
    });
    Box::pin(ReceiverStream::new(rx))
}

fn watch_event(kind: Kind, name: &str, object: Option<pb::watch_event::Object>) -> pb::WatchEvent {
    pb::WatchEvent {
        kind: kind.as_str().to_string(),
        name: name.to_string(),
        object,
    }
}

#[tonic::async_trait]
impl pb::node_service_server::NodeService for Services {
    async fn list(&self, r: Request<pb::ListNodesRequest>) -> Reply<pb::ListNodesResponse> {
        let who = Caller::of(&r);
        let devnet = r.into_inner().devnet;
        if !devnet.is_empty() {
            who.check_devnet(&devnet)?;
        }
        let nodes = self
            .host
            .nodes(&devnet)
            .map_err(status)?
            .iter()
            .filter(|n| who.sees(n.meta.devnet()))
            .map(node_to)
            .collect();
        Ok(Response::new(pb::ListNodesResponse { nodes }))
    }

    async fn get(&self, r: Request<pb::GetNodeRequest>) -> Reply<pb::Node> {
        let who = Caller::of(&r);
        let name = r.into_inner().name;
        who.check_devnet(devnet_of(&name))?;
        let n = self.host.node(&name).map_err(status)?;
        Ok(Response::new(node_to(&n)))
    }

    async fn restart(&self, r: Request<pb::RestartNodeRequest>) -> Reply<pb::Node> {
        let who = Caller::of(&r);
        let name = r.into_inner().name;
        who.check_devnet(devnet_of(&name))?;
        let n = self.host.restart_node(&name).map_err(status)?;
        Ok(Response::new(node_to(&n)))
    }

    type StreamLogsStream = Streamed<pb::LogChunk>;

    async fn stream_logs(&self, r: Request<pb::StreamLogsRequest>) -> Reply<Self::StreamLogsStream> {
        let who = Caller::of(&r);
        let r = r.into_inner();
        who.check_devnet(devnet_of(&r.name))?;
        let node = self.host.node(&r.name).map_err(status)?;
        let stream = stream_file(PathBuf::from(&node.spec.command.log), r.tail_lines, r.follow);
        Ok(Response::new(while_valid(&self.host, &who, stream)))
    }
}

/// A log file as a stream of chunks: its last `tail_lines` lines, then with `follow` what is
/// written to it, until the client goes.
fn stream_file(path: PathBuf, tail_lines: u32, follow: bool) -> Streamed<pb::LogChunk> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let start = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || devnet_runtime::tail_start(&path, tail_lines)).await
        };
        let mut offset = match start {
            Ok(Ok(o)) => o,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                let _ = tx
                    .send(Err(Status::not_found(format!(
                        "{} does not exist yet: nothing has logged there (a devnetd writes it; a standalone dvb does not)",
                        path.display()
                    ))))
                    .await;
                return;
            }
            Ok(Err(e)) => {
                let _ = tx
                    .send(Err(Status::not_found(format!("reading {}: {e}", path.display()))))
                    .await;
                return;
            }
            Err(e) => {
                let _ = tx.send(Err(Status::internal(e.to_string()))).await;
                return;
            }
        };
        loop {
            match devnet_runtime::read_from(&path, offset) {
                Ok((bytes, next)) => {
                    offset = next;
                    let more = !bytes.is_empty();
                    if more && tx.send(Ok(pb::LogChunk { data: bytes })).await.is_err() {
                        return;
                    }
                    // Without follow, all there is now, however long: read on until the end.
                    if more && !follow {
                        continue;
                    }
                }
                Err(e) => {
                    let _ = tx
                        .send(Err(Status::internal(format!("reading {}: {e}", path.display()))))
                        .await;
                    return;
                }
            }
            if !follow || tx.is_closed() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    Box::pin(ReceiverStream::new(rx))
}

#[tonic::async_trait]
impl pb::daemon_service_server::DaemonService for Services {
    type StreamLogsStream = Streamed<pb::LogChunk>;

    async fn stream_logs(&self, r: Request<pb::StreamDaemonLogsRequest>) -> Reply<Self::StreamLogsStream> {
        let who = Caller::of(&r);
        who.check_whole_daemon("the daemon's own log")?;
        let r = r.into_inner();
        let stream = stream_file(self.host.ctx.home.daemon_log(), r.tail_lines, r.follow);
        Ok(Response::new(while_valid(&self.host, &who, stream)))
    }

    async fn status(&self, r: Request<pb::DaemonStatusRequest>) -> Reply<pb::DaemonStatusResponse> {
        let who = Caller::of(&r);
        let ctx = &self.host.ctx;
        // A token limited to one devnet counts what it sees, and is not told where the home is.
        let devnets = ctx
            .store
            .list::<Devnet>("")
            .map_err(|e| status(e.into()))?
            .iter()
            .filter(|d| who.sees(&d.meta.name))
            .count();
        let nodes = ctx
            .store
            .list::<Node>("")
            .map_err(|e| status(e.into()))?
            .iter()
            .filter(|n| who.sees(n.meta.devnet()))
            .count();
        let scoped = matches!(who, Caller::Token { devnet: Some(_), .. });
        let remote = self
            .host
            .remote
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        Ok(Response::new(pb::DaemonStatusResponse {
            version: env!("CARGO_PKG_VERSION").to_string(),
            pid: std::process::id(),
            home: if scoped {
                String::new()
            } else {
                ctx.home.root().display().to_string()
            },
            socket: if scoped {
                String::new()
            } else {
                ctx.home.socket().display().to_string()
            },
            started_unix_ms: self.host.ctx.started_unix_ms,
            devnets: devnets as u32,
            nodes: nodes as u32,
            store_schema_version: devnet_store::SCHEMA_VERSION,
            api_version: served_api_version(),
            remote_listen: remote.as_ref().map(|(a, _)| a.clone()).unwrap_or_default(),
            tls_fingerprint: remote.map(|(_, f)| f).unwrap_or_default(),
        }))
    }

    async fn config(&self, r: Request<pb::DaemonConfigRequest>) -> Reply<pb::DaemonConfigResponse> {
        Caller::of(&r).check_whole_daemon("the daemon's configuration")?;
        let ctx = &self.host.ctx;
        Ok(Response::new(pb::DaemonConfigResponse {
            toml: ctx.config.to_toml(),
            sources: ctx
                .sources
                .iter()
                .map(|s| pb::Setting {
                    key: s.key.clone(),
                    value: s.from.clone(),
                })
                .collect(),
        }))
    }

    async fn events(&self, r: Request<pb::ListEventsRequest>) -> Reply<pb::ListEventsResponse> {
        let who = Caller::of(&r);
        let r = r.into_inner();
        let limit = if r.limit == 0 { 1000 } else { r.limit as usize };
        let events = self
            .host
            .events_where(r.after, limit, &r.prefix, |e| event_seen(&who, e))
            .map_err(status)?;
        Ok(Response::new(pb::ListEventsResponse {
            events: events.iter().map(event_to).collect(),
        }))
    }

    async fn who_am_i(&self, r: Request<pb::WhoAmIRequest>) -> Reply<pb::WhoAmIResponse> {
        let transport = self.transport.as_str().to_string();
        Ok(Response::new(match Caller::of(&r) {
            Caller::Owner => pb::WhoAmIResponse {
                kind: "owner".into(),
                transport,
                ..Default::default()
            },
            Caller::Token {
                name,
                read_only,
                devnet,
            } => pb::WhoAmIResponse {
                kind: "token".into(),
                name,
                read_only,
                devnet: devnet.unwrap_or_default(),
                transport,
            },
        }))
    }

    async fn create_token(&self, r: Request<pb::CreateTokenRequest>) -> Reply<pb::CreateTokenResponse> {
        Caller::of(&r).check_owner("making a token")?;
        let r = r.into_inner();
        let devnet = (!r.devnet.is_empty()).then_some(r.devnet);
        let (made, token) = self.host.create_token(&r.name, r.read_only, devnet).map_err(status)?;
        Ok(Response::new(pb::CreateTokenResponse {
            info: Some(token_to(&made)),
            token,
        }))
    }

    async fn list_tokens(&self, r: Request<pb::ListTokensRequest>) -> Reply<pb::ListTokensResponse> {
        Caller::of(&r).check_owner("listing tokens")?;
        let tokens = self.host.tokens().map_err(status)?;
        Ok(Response::new(pb::ListTokensResponse {
            tokens: tokens.iter().map(token_to).collect(),
        }))
    }

    async fn revoke_token(&self, r: Request<pb::RevokeTokenRequest>) -> Reply<pb::TokenInfo> {
        Caller::of(&r).check_owner("revoking a token")?;
        let t = self.host.revoke_token(&r.into_inner().name).map_err(status)?;
        Ok(Response::new(token_to(&t)))
    }
}

fn token_to(t: &devnet_core::Token) -> pb::TokenInfo {
    pb::TokenInfo {
        name: t.meta.name.clone(),
        read_only: t.spec.read_only,
        devnet: t.spec.devnet.clone().unwrap_or_default(),
        created_unix_ms: t.meta.created_unix_ms,
        revoked_unix_ms: t.spec.revoked_unix_ms.unwrap_or(0),
    }
}

#[tonic::async_trait]
impl pb::plugin_service_server::PluginService for Services {
    async fn list(&self, r: Request<pb::ListPluginsRequest>) -> Reply<pb::ListPluginsResponse> {
        Caller::of(&r).check_whole_daemon("the list of plugins")?;
        let plugins = self.host.plugins().await.map_err(status)?;
        Ok(Response::new(pb::ListPluginsResponse {
            plugins: plugins.iter().map(plugin_summary_to).collect(),
        }))
    }

    async fn get(&self, r: Request<pb::GetPluginRequest>) -> Reply<pb::PluginInfo> {
        Caller::of(&r).check_whole_daemon("a plugin's record")?;
        let p = self.host.plugin(&r.into_inner().name).await.map_err(status)?;
        Ok(Response::new(plugin_summary_to(&p)))
    }

    async fn install(&self, r: Request<pb::InstallPluginRequest>) -> Reply<pb::InstallPluginResponse> {
        let who = Caller::of(&r);
        who.check_whole_daemon("installing a plugin")?;
        let r = r.into_inner();
        let upload = (!r.component.is_empty()).then(|| crate::plugins::install::Upload {
            component: r.component,
            signature: (!r.component_signature.is_empty()).then_some(r.component_signature),
        });
        if upload.is_some() && (r.source.is_empty() || r.source.contains("://")) {
            return Err(Status::invalid_argument(format!(
                "an uploaded component's source names the file it came from on the client, not {:?}",
                r.source
            )));
        }
        // A path names a file on this machine, and a URL of this machine or its network reaches
        // what a token holder could not: only the owner may have the daemon fetch those. An
        // upload's source only names it; nothing is read by it.
        if who != Caller::Owner {
            let read_by_daemon = match upload {
                Some(_) => vec![&r.signature],
                None => vec![&r.source, &r.signature],
            };
            for value in read_by_daemon.into_iter().filter(|v| !v.is_empty()) {
                crate::access::fetchable_for_token(value).map_err(Status::permission_denied)?;
            }
        }
        let source = match upload {
            Some(_) => format!("uploaded:{}", r.source),
            None => r.source,
        };
        let done = self
            .host
            .install_plugin(
                source,
                (!r.sha256.is_empty()).then_some(r.sha256),
                (!r.signature.is_empty()).then_some(r.signature),
                r.upgrade,
                r.allow_unsigned,
                upload,
            )
            .await
            .map_err(status)?;
        Ok(Response::new(plugin_installed_to(&done)))
    }

    async fn remove(&self, r: Request<pb::RemovePluginRequest>) -> Reply<pb::PluginInfo> {
        Caller::of(&r).check_whole_daemon("removing a plugin")?;
        let removed = self.host.remove_plugin(&r.into_inner().name).await.map_err(status)?;
        Ok(Response::new(plugin_summary_to(&removed)))
    }
}

#[tonic::async_trait]
impl pb::transaction_service_server::TransactionService for Services {
    async fn submit(&self, r: Request<pb::SubmitTxRequest>) -> Reply<pb::Transaction> {
        let who = Caller::of(&r);
        let spec = r
            .into_inner()
            .spec
            .ok_or_else(|| Status::invalid_argument("a transaction needs a spec"))?;
        let spec = tx_spec_from(spec).map_err(|e| Status::invalid_argument(e.to_string()))?;
        who.check_devnet(&spec.devnet)?;
        let t = self.host.submit_tx(spec).await.map_err(status)?;
        Ok(Response::new(tx_to(&t)))
    }

    async fn submit_batch(&self, r: Request<pb::SubmitTxBatchRequest>) -> Reply<pb::ListTxsResponse> {
        let who = Caller::of(&r);
        let specs = r
            .into_inner()
            .specs
            .into_iter()
            .map(tx_spec_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        for spec in &specs {
            who.check_devnet(&spec.devnet)?;
        }
        let recorded = self.host.submit_txs(specs).await.map_err(status)?;
        Ok(Response::new(pb::ListTxsResponse {
            transactions: recorded.iter().map(tx_to).collect(),
        }))
    }

    async fn get(&self, r: Request<pb::GetTxRequest>) -> Reply<pb::Transaction> {
        let who = Caller::of(&r);
        let name = r.into_inner().name;
        who.check_devnet(devnet_of(&name))?;
        let t = self.host.tx(&name).map_err(status)?;
        Ok(Response::new(tx_to(&t)))
    }

    type WatchStream = Streamed<pb::Transaction>;

    async fn watch(&self, r: Request<pb::GetTxRequest>) -> Reply<Self::WatchStream> {
        let who = Caller::of(&r);
        let name = r.into_inner().name;
        who.check_devnet(devnet_of(&name))?;
        let store = self.host.ctx.store.clone();
        // Subscribe before reading, so no change falls between.
        let mut changes = store.subscribe();
        let first = self.host.tx(&name).map_err(status)?;
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(async move {
            let done = |t: &devnet_core::Transaction| {
                matches!(
                    t.status.phase,
                    devnet_core::TxPhase::Confirmed | devnet_core::TxPhase::Failed
                )
            };
            let mut last = first;
            if tx.send(Ok(tx_to(&last))).await.is_err() || done(&last) {
                return;
            }
            loop {
                match changes.recv().await {
                    Ok(c) if c.kind == Kind::Transaction && c.name == name => {}
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
                let Ok(Some(now)) = store.get::<devnet_core::Transaction>(&name) else {
                    return;
                };
                if now.status == last.status {
                    continue;
                }
                last = now;
                if tx.send(Ok(tx_to(&last))).await.is_err() || done(&last) {
                    return;
                }
            }
        });
        Ok(Response::new(while_valid(
            &self.host,
            &who,
            Box::pin(ReceiverStream::new(rx)),
        )))
    }

    async fn proposals(&self, r: Request<pb::ListProposalsRequest>) -> Reply<pb::ListProposalsResponse> {
        let who = Caller::of(&r);
        let devnet = r.into_inner().devnet;
        who.check_devnet(&devnet)?;
        let found = self.host.proposals(&devnet).await.map_err(status)?;
        Ok(Response::new(pb::ListProposalsResponse {
            proposals: found.iter().map(proposal_to).collect(),
        }))
    }

    async fn kinds(&self, r: Request<pb::ListTxKindsRequest>) -> Reply<pb::ListTxKindsResponse> {
        let who = Caller::of(&r);
        let devnet = r.into_inner().devnet;
        who.check_devnet(&devnet)?;
        let (version, kinds) = self.host.tx_kinds(&devnet).await.map_err(status)?;
        Ok(Response::new(tx_kinds_to(&version, &kinds)))
    }

    async fn list(&self, r: Request<pb::ListTxsRequest>) -> Reply<pb::ListTxsResponse> {
        let who = Caller::of(&r);
        let devnet = r.into_inner().devnet;
        if !devnet.is_empty() {
            who.check_devnet(&devnet)?;
        }
        let transactions = self.host.txs(&devnet).map_err(status)?;
        Ok(Response::new(pb::ListTxsResponse {
            transactions: transactions
                .iter()
                .filter(|t| who.sees(t.meta.devnet()))
                .map(tx_to)
                .collect(),
        }))
    }
}

#[tonic::async_trait]
impl pb::upgrade_service_server::UpgradeService for Services {
    async fn create(&self, r: Request<pb::CreateUpgradeRequest>) -> Reply<pb::Upgrade> {
        let who = Caller::of(&r);
        let spec = r
            .into_inner()
            .spec
            .ok_or_else(|| Status::invalid_argument("an upgrade needs a spec"))?;
        who.check_devnet(&spec.devnet)?;
        let u = self
            .host
            .create_upgrade(upgrade_spec_from(spec))
            .await
            .map_err(status)?;
        Ok(Response::new(upgrade_to(&u)))
    }

    async fn get(&self, r: Request<pb::GetUpgradeRequest>) -> Reply<pb::Upgrade> {
        let who = Caller::of(&r);
        let name = r.into_inner().name;
        who.check_devnet(devnet_of(&name))?;
        let u = self.host.upgrade(&name).map_err(status)?;
        Ok(Response::new(upgrade_to(&u)))
    }

    async fn list(&self, r: Request<pb::ListUpgradesRequest>) -> Reply<pb::ListUpgradesResponse> {
        let who = Caller::of(&r);
        let devnet = r.into_inner().devnet;
        if !devnet.is_empty() {
            who.check_devnet(&devnet)?;
        }
        let upgrades = self.host.upgrades(&devnet).map_err(status)?;
        Ok(Response::new(pb::ListUpgradesResponse {
            upgrades: upgrades
                .iter()
                .filter(|u| who.sees(u.meta.devnet()))
                .map(upgrade_to)
                .collect(),
        }))
    }

    async fn cancel(&self, r: Request<pb::CancelUpgradeRequest>) -> Reply<pb::Upgrade> {
        let who = Caller::of(&r);
        let name = r.into_inner().name;
        who.check_devnet(devnet_of(&name))?;
        let u = self.host.cancel_upgrade(&name).map_err(status)?;
        Ok(Response::new(upgrade_to(&u)))
    }
}

#[tonic::async_trait]
impl pb::export_service_server::ExportService for Services {
    async fn create(&self, r: Request<pb::CreateExportRequest>) -> Reply<pb::Export> {
        let who = Caller::of(&r);
        let spec = r
            .into_inner()
            .spec
            .ok_or_else(|| Status::invalid_argument("an export needs a spec"))?;
        who.check_devnet(&spec.devnet)?;
        let e = self.host.create_export(export_spec_from(spec)).map_err(status)?;
        Ok(Response::new(export_to(&e)))
    }

    async fn get(&self, r: Request<pb::GetExportRequest>) -> Reply<pb::Export> {
        let who = Caller::of(&r);
        let name = r.into_inner().name;
        who.check_devnet(devnet_of(&name))?;
        let e = self.host.export(&name).map_err(status)?;
        Ok(Response::new(export_to(&e)))
    }

    async fn list(&self, r: Request<pb::ListExportsRequest>) -> Reply<pb::ListExportsResponse> {
        let who = Caller::of(&r);
        let devnet = r.into_inner().devnet;
        if !devnet.is_empty() {
            who.check_devnet(&devnet)?;
        }
        let exports = self.host.exports(&devnet).map_err(status)?;
        Ok(Response::new(pb::ListExportsResponse {
            exports: exports
                .iter()
                .filter(|e| who.sees(e.meta.devnet()))
                .map(export_to)
                .collect(),
        }))
    }
}

fn applied_to(a: &devnet_core::StackApplied) -> pb::ApplyStackResponse {
    pb::ApplyStackResponse {
        stack: a.stack.clone(),
        changes: a
            .changes
            .iter()
            .map(|c| pb::StackChange {
                action: c.action.clone(),
                object: c.object.clone(),
                detail: c.detail.clone(),
            })
            .collect(),
    }
}

impl Services {
    /// A stack applied, or (`dry_run`) planned.
    async fn apply_stack(&self, r: Request<pb::ApplyStackRequest>, dry_run: bool) -> Reply<pb::ApplyStackResponse> {
        Caller::of(&r).check_whole_daemon("a stack")?;
        let r = r.into_inner();
        let options = crate::ApplyOptions {
            prune: r.prune,
            dry_run,
            recreate: r.recreate,
        };
        let applied = self
            .host
            .apply_stack(&r.file, &r.source, options)
            .await
            .map_err(status)?;
        Ok(Response::new(applied_to(&applied)))
    }
}

#[tonic::async_trait]
impl pb::stack_service_server::StackService for Services {
    async fn apply(&self, r: Request<pb::ApplyStackRequest>) -> Reply<pb::ApplyStackResponse> {
        let dry_run = r.get_ref().dry_run;
        self.apply_stack(r, dry_run).await
    }

    async fn diff(&self, r: Request<pb::ApplyStackRequest>) -> Reply<pb::ApplyStackResponse> {
        self.apply_stack(r, true).await
    }

    async fn delete(&self, r: Request<pb::DeleteStackRequest>) -> Reply<pb::ApplyStackResponse> {
        Caller::of(&r).check_whole_daemon("a stack")?;
        let r = r.into_inner();
        let deleted = self.host.delete_stack(&r.file, &r.source).await.map_err(status)?;
        Ok(Response::new(applied_to(&deleted)))
    }

    async fn list(&self, r: Request<pb::ListStacksRequest>) -> Reply<pb::ListStacksResponse> {
        Caller::of(&r).check_whole_daemon("the list of stacks")?;
        let stacks = self.host.stacks().map_err(status)?;
        Ok(Response::new(pb::ListStacksResponse {
            stacks: stacks
                .iter()
                .map(|s| pb::StackSummary {
                    name: s.name.clone(),
                    phase: devnet_api::convert::enum_name(&s.phase),
                    message: s.message.clone(),
                    devnets: s.devnets.clone(),
                    txs: s.txs,
                    sent: s.sent,
                    source: s.source.clone(),
                })
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use devnet_core::{Event, EventKind};

    use super::*;

    #[test]
    fn a_scoped_token_should_see_only_its_devnets_events() {
        let scoped = Caller::Token {
            name: "t".into(),
            read_only: true,
            devnet: Some("a".into()),
        };
        let event = |kind, object: &str| Event::new(EventKind::Normal, kind, object, "R", "");
        assert!(event_seen(&scoped, &event(Kind::Devnet, "a")));
        assert!(event_seen(&scoped, &event(Kind::Transaction, "a/tx-1")));
        assert!(!event_seen(&scoped, &event(Kind::Node, "b/validator-0")));
        assert!(!event_seen(&scoped, &event(Kind::Devnet, "ab")));
        // Not a devnet's: plugins, stacks and tokens, whatever their names.
        assert!(!event_seen(&scoped, &event(Kind::Plugin, "a")));
        assert!(!event_seen(&scoped, &event(Kind::Token, "a")));
        assert!(event_seen(&Caller::Owner, &event(Kind::Plugin, "cosmos")));
    }
}
