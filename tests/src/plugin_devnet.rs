//! A devnet laid out by a real plugin in the real host: node slots on free loopback ports, a
//! granted directory, a keyring, and the plugin's genesis written into it. The chain binary is
//! reached through a wrapper that counts how often the plugin runs it.

use std::path::{Path, PathBuf};

use devnet_keyring::Keyring;
use devnet_plugin_host::wit::{DevnetSpec, NamedPort, NodeRole, NodeSlot, Override};
use devnet_plugin_host::{Capability, DevnetGrant, EngineLimits, GenesisOutput, PluginEngine, PluginInstance};

use crate::plugins::component;
use crate::ports::{free_ports, is_listening};
use crate::process::{GroupProcess, group_members};

pub struct PluginDevnet {
    pub root: tempfile::TempDir,
    pub spec: DevnetSpec,
    pub nodes: Vec<NodeSlot>,
    pub keyring: Keyring,
    pub plugin: PluginInstance,
    pub genesis: GenesisOutput,
    /// The real binary the wrapper runs.
    pub binary: PathBuf,
    /// Running nodes, by node index, once [`PluginDevnet::start`] ran.
    pub processes: Vec<GroupProcess>,
}

pub fn spec(chain_version: &str, validators: u32, full_nodes: u32, overrides: &[(&str, &str)]) -> DevnetSpec {
    DevnetSpec {
        name: "test".into(),
        chain_id: "test-1".into(),
        chain_version: chain_version.into(),
        validators,
        full_nodes,
        accounts: vec![],
        overrides: overrides
            .iter()
            .map(|(k, v)| Override {
                key: k.to_string(),
                value: v.to_string(),
            })
            .collect(),
    }
}

/// Node slots for `spec`, each with free loopback ports for the names in `port_names`.
pub fn node_slots(spec: &DevnetSpec, port_names: &[String]) -> Vec<NodeSlot> {
    let total = (spec.validators + spec.full_nodes) as usize;
    let ports = free_ports(total * port_names.len());
    (0..total)
        .map(|i| {
            let (role, name) = if i < spec.validators as usize {
                (NodeRole::Validator, format!("validator-{i}"))
            } else {
                (NodeRole::FullNode, format!("full-{}", i - spec.validators as usize))
            };
            NodeSlot {
                index: i as u32,
                role,
                home: format!("nodes/{name}"),
                name,
                ports: port_names
                    .iter()
                    .enumerate()
                    .map(|(k, n)| NamedPort {
                        name: n.clone(),
                        port: ports[i * port_names.len() + k],
                    })
                    .collect(),
            }
        })
        .collect()
}

fn counting_wrapper(bin_dir: &Path, binary: &Path) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(bin_dir)?;
    let wrapper = bin_dir.join("counted");
    let script = format!(
        "#!/bin/sh\necho run >> '{}'\nexec '{}' \"$@\"\n",
        bin_dir.join("runs").display(),
        binary.display()
    );
    std::fs::write(&wrapper, script)?;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))?;
    Ok(wrapper)
}

impl PluginDevnet {
    /// Loads plugin `name`, grants it a fresh devnet directory and `binary`, and runs its genesis.
    pub async fn genesis(name: &str, binary: &Path, spec: DevnetSpec) -> anyhow::Result<Self> {
        Self::genesis_with(name, binary, spec, |_| Ok(())).await
    }

    /// [`Self::genesis`], after `prepare` has put what the host provides into the devnet
    /// directory (such as a chain's own genesis template).
    pub async fn genesis_with(
        name: &str,
        binary: &Path,
        spec: DevnetSpec,
        prepare: impl FnOnce(&Path) -> anyhow::Result<()>,
    ) -> anyhow::Result<Self> {
        let root = tempfile::tempdir()?;
        let devnet_dir = root.path().join("devnet");
        std::fs::create_dir_all(&devnet_dir)?;
        prepare(&devnet_dir)?;
        let engine = PluginEngine::new(root.path().join("aot"), EngineLimits::default())?;
        let loaded = engine.load(&component(name)).await?;

        let mut probe = loaded.instantiate(DevnetGrant::none(&spec.name)).await?;
        let mut port_names = probe.node_ports(NodeRole::Validator).await?;
        for p in probe.node_ports(NodeRole::FullNode).await? {
            if !port_names.contains(&p) {
                port_names.push(p);
            }
        }
        let nodes = node_slots(&spec, &port_names);

        let mut grant = DevnetGrant::none(&spec.name)
            .with(Capability::Log)
            .with(Capability::RunBinary)
            .with(Capability::Files)
            .with(Capability::Http);
        grant.dir = Some(devnet_dir);
        grant.binary = Some(counting_wrapper(&root.path().join("bin"), binary)?);
        grant.http_ports = nodes.iter().flat_map(|n| n.ports.iter().map(|p| p.port)).collect();
        let mut plugin = loaded.instantiate(grant).await?;
        let mut keyring = Keyring::open(&root.path().join("keys/keyring.json"))?;
        let genesis = plugin.run_genesis(&mut keyring, &spec, &nodes).await?;
        Ok(Self {
            root,
            spec,
            nodes,
            keyring,
            plugin,
            genesis,
            binary: binary.to_path_buf(),
            processes: Vec::new(),
        })
    }

    /// Starts every node with the plugin's start command, in the devnet directory.
    pub async fn start(&mut self) -> anyhow::Result<()> {
        for i in 0..self.nodes.len() {
            self.start_node(i).await?;
        }
        Ok(())
    }

    /// Starts node `i` with the plugin's start command.
    pub async fn start_node(&mut self, i: usize) -> anyhow::Result<()> {
        let slot = self.nodes[i].clone();
        let start = self.plugin.start_command(&self.spec, &slot).await?;
        let mut cmd = std::process::Command::new(&self.binary);
        cmd.args(&start.args).current_dir(self.dir());
        for (k, v) in &start.env {
            cmd.env(k, v);
        }
        let log = self.log_path(&slot.name);
        self.processes.push(GroupProcess::spawn(&slot.name, &mut cmd, &log)?);
        Ok(())
    }

    fn log_path(&self, node: &str) -> PathBuf {
        self.root.path().join(format!("{node}.log"))
    }

    /// The last lines of a node's log.
    pub fn log_tail(&self, node: &str) -> String {
        let text = std::fs::read_to_string(self.log_path(node)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Polls node `i`'s status through the plugin until `done` holds, failing if a node exits.
    pub fn wait_status(
        &mut self,
        i: usize,
        what: &str,
        limit: std::time::Duration,
        done: impl Fn(&devnet_plugin_host::wit::NodeStatus) -> bool,
    ) -> anyhow::Result<devnet_plugin_host::wit::NodeStatus> {
        let slot = self.nodes[i].clone();
        let (plugin, processes) = (&mut self.plugin, &mut self.processes);
        crate::wait_for(&format!("{}: {what}", slot.name), limit, || {
            for p in processes.iter_mut() {
                p.assert_running()?;
            }
            let s =
                tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(plugin.node_status(&slot)))?;
            Ok(done(&s).then_some(s))
        })
        .map_err(|e| {
            // The node waited for, and any node that exited: its own log says why.
            let mut logs = format!("{e}\n--- {} ---\n{}", slot.name, self.log_tail(&slot.name));
            let exited: Vec<String> = self
                .processes
                .iter_mut()
                .filter_map(|p| (p.assert_running().is_err() && p.name != slot.name).then(|| p.name.clone()))
                .collect();
            for name in exited {
                logs.push_str(&format!("\n--- {name} (exited) ---\n{}", self.log_tail(&name)));
            }
            anyhow::anyhow!("{logs}")
        })
    }

    /// Stops every node and fails if a process or a bound port is left.
    pub fn stop_and_check(&mut self) -> anyhow::Result<()> {
        let pgids: Vec<i32> = self.processes.iter().map(GroupProcess::pgid).collect();
        for p in self.processes.iter_mut() {
            p.stop(std::time::Duration::from_secs(10))?;
        }
        for pgid in pgids {
            anyhow::ensure!(
                group_members(pgid).is_empty(),
                "processes of group {pgid} survived the stop"
            );
        }
        for slot in &self.nodes {
            for p in &slot.ports {
                anyhow::ensure!(!is_listening(p.port), "{} port {} is still bound", slot.name, p.name);
            }
        }
        Ok(())
    }

    pub fn dir(&self) -> PathBuf {
        self.root.path().join("devnet")
    }

    pub fn home(&self, i: usize) -> PathBuf {
        self.dir().join(&self.nodes[i].home)
    }

    /// How many times the plugin ran the chain binary.
    pub fn binary_runs(&self) -> usize {
        std::fs::read_to_string(self.root.path().join("bin/runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    pub fn port(&self, i: usize, name: &str) -> u16 {
        self.nodes[i]
            .ports
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.port)
            .unwrap_or_else(|| panic!("node {i} has no port {name}"))
    }
}
