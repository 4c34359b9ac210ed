//! An engine on another machine (`[[docker.hosts]]` in devnetd.toml), reached over TCP with
//! mutual TLS. It cannot bind-mount the daemon's directory, and its nodes listen on its address,
//! not on this machine's loopback, so:
//!
//! - each node's files live in a named volume on that host, mounted at the chain directory's own
//!   path (the node's command line stays the same), filled through the Docker API from the
//!   daemon's chain directory before the node's first start;
//! - every port of a node is forwarded from 127.0.0.1 on the daemon's machine to the host, so the
//!   plugin's calls, `dvb endpoints` and the user's tools reach it as they reach any other node.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

use bollard::errors::Error as DockerError;
use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, ListVolumesOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::{ASK_LIMIT, DockerRuntime, LABEL_DEVNET, LABEL_HOME, LABEL_NODE, is_gone};
use crate::RuntimeError;
use crate::runtime::NodeRun;

/// Written last into a node's volume: the files before it are all there.
const FILLED: &str = ".devnetd-filled";

/// Made in the chain directory before its first node goes to a host: which making of the
/// devnet its files are. It is in every volume's name, so a volume left by an earlier devnet of
/// the same name (one a destroy could not reach) is never taken for this one's.
const TOKEN: &str = ".devnetd-token";

/// One token made at a time (nodes of a devnet start side by side).
static TOKENS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A Docker host of devnetd.toml: how to reach its engine, and where its nodes are reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerHost {
    /// Its name in devnetd.toml (`--hosts a,b`).
    pub name: String,
    /// `tcp://host:port` of its engine.
    pub url: String,
    /// The client certificate, its key, and the CA that signed the engine's certificate (PEM).
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
    /// Where the devnet's nodes and this daemon reach nodes on it (their peers' files name it).
    pub address: String,
}

/// What a runtime of a remote host keeps beyond the engine's client.
pub(super) struct Remote {
    pub(super) host: DockerHost,
    /// The forwarders of each node's ports, by node name.
    pub(super) forwards: std::sync::Mutex<HashMap<String, Vec<JoinHandle<()>>>>,
}

impl DockerRuntime {
    /// The name of node `name`'s volume on a remote host: its container's name and the chain
    /// directory's token.
    fn volume_of(&self, name: &str, token: &str) -> String {
        format!("{}-{token}", self.container_name(name))
    }

    /// On a remote host, the token of the making of `run`'s devnet (its volume's name and its
    /// container's label carry it); none here.
    pub(super) fn making_token(&self, run: &NodeRun) -> Result<Option<String>, RuntimeError> {
        if self.remote.is_none() {
            return Ok(None);
        }
        chain_token(&run.cwd)
            .map(Some)
            .map_err(|e| self.fail(&run.name, "reading its chain directory", e))
    }

    /// The volume that holds `run`'s files on a remote host, made if it is not there, and how
    /// it is mounted: `volume:<chain directory>`.
    pub(super) async fn home_volume(&self, run: &NodeRun, token: &str) -> Result<String, RuntimeError> {
        let volume = self.volume_of(&run.name, token);
        let request = VolumeCreateRequest {
            name: Some(volume.clone()),
            labels: Some(HashMap::from([
                (LABEL_HOME.to_string(), self.home.clone()),
                (LABEL_DEVNET.to_string(), run.devnet.clone()),
                (LABEL_NODE.to_string(), run.name.clone()),
            ])),
            ..VolumeCreateRequest::default()
        };
        // Made once; asked again, the engine answers with the one it has.
        self.docker
            .create_volume(request)
            .await
            .map_err(|e| self.fail(&run.name, "making its volume", e))?;
        Ok(format!("{volume}:{}", run.cwd.display()))
    }

    /// Fills the volume of the created container `id` from the chain directory, unless a
    /// previous start filled it (the node's own writes since are kept). The marker goes last:
    /// a copy cut short is made again whole.
    pub(super) async fn fill_home(&self, id: &str, run: &NodeRun) -> Result<(), RuntimeError> {
        let marker = run.cwd.join(FILLED).display().to_string();
        let options = DownloadFromContainerOptionsBuilder::new().path(&marker).build();
        let mut probe = self.docker.download_from_container(id, Some(options));
        match probe.next().await {
            Some(Ok(_)) => return Ok(()),
            Some(Err(e)) if !is_gone(&e) => return Err(self.fail(&run.name, "looking into its volume", e)),
            _ => {}
        }
        drop(probe);
        let dir = run.cwd.clone();
        let tar = tokio::task::spawn_blocking(move || pack_dir(&dir))
            .await
            .map_err(|e| self.fail(&run.name, "packing its files", e))?
            .map_err(|e| self.fail(&run.name, &format!("packing {}", run.cwd.display()), e))?;
        let options = UploadToContainerOptionsBuilder::new()
            .path(&run.cwd.display().to_string())
            .build();
        self.docker
            .upload_to_container(id, Some(options), bollard::body_full(tar.into()))
            .await
            .map_err(|e| self.fail(&run.name, "copying its files to the host", e))
    }

    /// Forwards each of `run`'s ports from 127.0.0.1 here to the host (kept while the node
    /// restarts; a port already forwarded stays as it is).
    pub(super) async fn forward_ports(&self, run: &NodeRun) -> Result<(), RuntimeError> {
        let Some(remote) = &self.remote else { return Ok(()) };
        if remote
            .forwards
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&run.name)
        {
            return Ok(());
        }
        let mut tasks = Vec::with_capacity(run.ports.len());
        for &port in &run.ports {
            let listener = match TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => l,
                Err(e) => {
                    tasks.iter().for_each(JoinHandle::abort);
                    return Err(self.fail(
                        &run.name,
                        &format!("forwarding 127.0.0.1:{port} to {}", remote.host.address),
                        e,
                    ));
                }
            };
            tasks.push(tokio::spawn(forward(listener, remote.host.address.clone(), port)));
        }
        remote
            .forwards
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(run.name.clone(), tasks);
        Ok(())
    }

    /// Ends the forwarders of the nodes `which` picks.
    pub(super) fn end_forwards(&self, which: impl Fn(&str) -> bool) {
        let Some(remote) = &self.remote else { return };
        remote
            .forwards
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|name, tasks| {
                if which(name) {
                    tasks.iter().for_each(JoinHandle::abort);
                    false
                } else {
                    true
                }
            });
    }

    /// Removes the volumes of devnet `devnet` on this host.
    pub(super) async fn remove_volumes_of(&self, devnet: &str) -> Result<(), RuntimeError> {
        if self.remote.is_none() {
            return Ok(());
        }
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{LABEL_HOME}={}", self.home),
                format!("{LABEL_DEVNET}={devnet}"),
            ],
        )]);
        let options = ListVolumesOptionsBuilder::new().filters(&filters).build();
        let listed = tokio::time::timeout(ASK_LIMIT, self.docker.list_volumes(Some(options)))
            .await
            .map_err(|_| DockerError::RequestTimeoutError)
            .and_then(|r| r)
            .map_err(|e| self.fail(devnet, "listing its volumes", e))?;
        for volume in listed.volumes.unwrap_or_default() {
            match self
                .docker
                .remove_volume(&volume.name, None::<bollard::query_parameters::RemoveVolumeOptions>)
                .await
            {
                Err(e) if !is_gone(&e) => return Err(self.fail(devnet, "removing a volume", e)),
                _ => {}
            }
        }
        Ok(())
    }
}

/// The chain directory's token, made at its first fill (a new one for each making of the
/// devnet: provisioning starts from an empty directory), written to a temp file and renamed.
pub(super) fn chain_token(dir: &Path) -> std::io::Result<String> {
    let _one = TOKENS.lock().unwrap_or_else(PoisonError::into_inner);
    let path = dir.join(TOKEN);
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => return Ok(t.trim().to_string()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let token = crate::docker_image::short_digest(&format!("{}#{}#{now:?}", dir.display(), std::process::id()));
    let temp = dir.join(format!("{TOKEN}.{}", std::process::id()));
    std::fs::write(&temp, &token)?;
    std::fs::rename(&temp, &path)?;
    Ok(token)
}

/// The files under `dir` as a tar, paths relative to it, with the fill marker last.
fn pack_dir(dir: &Path) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.follow_symlinks(false);
    tar.sparse(false);
    tar.append_dir_all(".", dir)?;
    let mut marker = tar::Header::new_gnu();
    marker.set_size(0);
    marker.set_mode(0o644);
    marker.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut marker, FILLED, std::io::empty())?;
    tar.into_inner()
}

/// A client of the engine at `host.url` over mutual TLS: the engine's certificate verified
/// against `host.ca` alone (bollard's own TLS client adds the system's roots, which would let
/// any publicly trusted certificate for that address stand in for the host), the daemon's
/// certificate and key offered to it. rustls with ring.
pub(super) fn connect_tls(host: &DockerHost, timeout_secs: u64) -> Result<bollard::Docker, String> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    let certs = |path: &Path, what: &str| -> Result<Vec<CertificateDer<'static>>, String> {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| format!("its {what} {}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("its {what} {} holds no PEM certificate", path.display()));
        }
        Ok(certs)
    };
    for cert in certs(&host.ca, "ca")? {
        roots
            .add(cert)
            .map_err(|e| format!("its ca {}: {e}", host.ca.display()))?;
    }
    let chain = certs(&host.cert, "cert")?;
    let key = PrivateKeyDer::from_pem_file(&host.key).map_err(|e| format!("its key {}: {e}", host.key.display()))?;
    #[allow(deprecated)] // ring lacks post-quantum key exchange; aws-lc is kept out of the build.
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| format!("its cert and key: {e}"))?;
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(ASK_LIMIT));
    let https = hyper_rustls::HttpsConnector::from((http, config));
    let mut builder = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new());
    builder.pool_max_idle_per_host(0);
    let client = std::sync::Arc::new(builder.build(https));
    let address = format!("https://{}", host.url.trim_start_matches("tcp://"));
    bollard::Docker::connect_with_custom_transport(
        move |request: bollard::BollardRequest| {
            let client = client.clone();
            async move { client.request(request).await.map_err(DockerError::from) }
        },
        Some(address),
        timeout_secs,
        bollard::API_DEFAULT_VERSION,
    )
    .map_err(|e| e.to_string())
}

/// Passes every connection to `listener` on to `address:port`. The connections are this
/// task's: they end with it (a stop, a destroy). One to a host that went silent ends when TCP
/// keepalive gives up on it.
async fn forward(listener: TcpListener, address: String, port: u16) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((mut inbound, _)) = listener.accept().await else {
            // Out of file descriptors, say: not a reason to spin.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        };
        let address = address.clone();
        connections.spawn(async move {
            let connect = TcpStream::connect((address.as_str(), port));
            let Ok(Ok(mut outbound)) = tokio::time::timeout(ASK_LIMIT, connect).await else {
                return;
            };
            let keepalive = socket2::TcpKeepalive::new()
                .with_time(std::time::Duration::from_secs(30))
                .with_interval(std::time::Duration::from_secs(10));
            let _ = socket2::SockRef::from(&outbound).set_tcp_keepalive(&keepalive);
            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_packed_directory_should_hold_its_files_and_end_with_the_marker() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("nodes/validator-0/config")).unwrap();
        std::fs::write(dir.path().join("nodes/validator-0/config/genesis.json"), b"{}").unwrap();
        let tar = pack_dir(dir.path()).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let paths: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert!(
            paths
                .iter()
                .any(|p| p.ends_with("nodes/validator-0/config/genesis.json")),
            "{paths:?}"
        );
        assert_eq!(paths.last().map(String::as_str), Some(FILLED), "{paths:?}");
    }

    #[test]
    fn a_chain_directory_should_keep_its_token_and_a_new_one_should_get_another() {
        let dir = tempfile::tempdir().unwrap();
        let token = chain_token(dir.path()).unwrap();
        assert!(!token.is_empty());
        assert_eq!(chain_token(dir.path()).unwrap(), token);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let again = tempfile::tempdir().unwrap();
        assert_ne!(chain_token(again.path()).unwrap(), token);
    }
}
