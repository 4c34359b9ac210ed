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
    /// The name of node `name`'s volume on a remote host (its container's name).
    fn volume_of(&self, name: &str) -> String {
        self.container_name(name)
    }

    /// The volume that holds `run`'s files on a remote host, made if it is not there, and how
    /// it is mounted: `volume:<chain directory>`.
    pub(super) async fn home_volume(&self, run: &NodeRun) -> Result<String, RuntimeError> {
        let volume = self.volume_of(&run.name);
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

/// Passes every connection to `listener` on to `address:port`.
async fn forward(listener: TcpListener, address: String, port: u16) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            // Out of file descriptors, say: not a reason to spin.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        };
        let address = address.clone();
        tokio::spawn(async move {
            if let Ok(mut outbound) = TcpStream::connect((address.as_str(), port)).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
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
}
