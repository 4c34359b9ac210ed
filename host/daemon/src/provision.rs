//! Provisioning a devnet: the binary from the chain cache, its exact version, ports, the
//! plugin's genesis into the devnet's directory, its init commands, and one Node per slot with
//! the plugin's start command. It starts from a clean directory every time, so a provisioning
//! cut short (a daemon killed halfway) is simply done again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use devnet_binaries::Manifest;
use devnet_core::{
    Devnet, DevnetSpec, KeyAddress, Node, NodeCommand, NodeHost, NodeNetwork, NodeRole, NodeSpec, Port, StartGate,
};
use devnet_keyring::Keyring;
use devnet_plugin_host::{PluginErrorKind, PluginHostError, PluginInstance, wit};
use devnet_runtime::{DevnetNetwork, Runtime as _};

use crate::DaemonError;
use crate::context::DaemonContext;
use crate::plugins::GrantFor;

/// Every node process carries `DEVNETD_HOME=<home>` and `DEVNETD_NODE=<home>#<devnet>/<node>`,
/// so a daemon finds the nodes it started even if it died before recording their pids (and a
/// test finds every process of a home).
pub const NODE_MARKER: &str = "DEVNETD_HOME";
pub const NODE_NAME_MARKER: &str = devnet_runtime::NODE_MARKER_ENV;

/// The `DEVNETD_NODE` value of node `name` (`hub/validator-0`) of the daemon at `home`.
pub fn node_marker(home: &Path, name: &str) -> String {
    format!("{}#{name}", home.display())
}

/// What provisioning made.
pub struct Provisioned {
    pub nodes: Vec<Node>,
    /// The exact chain-software version, as the plugin read it from the binary.
    pub version: String,
    pub ports: Vec<u16>,
    /// The validators' and funded accounts' addresses, as the plugin derives them.
    pub addresses: Vec<KeyAddress>,
}

/// Fills in what `spec` leaves open (chain id, binary, version, settings) as the devnet's plugin
/// chooses (`plan.choose`; for a plugin of an older API: `<name>-1`, its default binary, the
/// newest version). What the user gave stays; a request the plugin refuses changes nothing.
pub async fn plan(ctx: &DaemonContext, name: &str, spec: &mut DevnetSpec) -> Result<(), DaemonError> {
    let mut probe = ctx.plugins.probe(&spec.network).await?;
    let request = wit::DevnetRequest {
        name: name.to_string(),
        chain_id: spec.chain_id.clone(),
        binary: spec.binary.clone(),
        chain_version: spec.version.clone(),
        validators: spec.validators,
        full_nodes: spec.full_nodes,
        accounts: wit_accounts(&spec.accounts),
        overrides: wit_overrides(&spec.overrides),
        now_unix_secs: devnet_core::now_ms() / 1000,
    };
    let plan = probe.choose(&request).await?;
    spec.chain_id = plan.chain_id;
    spec.binary = plan.binary;
    spec.version = plan.chain_version;
    // The runtime's settings never went to the plugin; they stay as given.
    let runtime: Vec<(String, String)> = spec
        .overrides
        .iter()
        .filter(|(k, _)| crate::docker_settings::is_runtime_setting(k))
        .cloned()
        .collect();
    spec.overrides = plan.overrides.into_iter().map(|o| (o.key, o.value)).collect();
    spec.overrides.extend(runtime);
    Ok(())
}

/// The binary a devnet of `spec.network` runs at `version`, from the chain cache: the one named
/// by `spec.binary`, else (a devnet stored before plugins chose it) the plugin's default binary.
pub async fn binary_for(ctx: &DaemonContext, spec: &DevnetSpec, version: &str) -> Result<PathBuf, DaemonError> {
    let (_, info) = ctx.plugins.load(&spec.network).await?;
    let name = if spec.binary.is_empty() {
        &info.default_binary
    } else {
        &spec.binary
    };
    let manifest = Manifest::load(&ctx.chains_dir).map_err(|e| DaemonError::InvalidArgument(e.to_string()))?;
    let entry = manifest
        .find(name, version, &ctx.chains_dir)
        .map_err(|e| DaemonError::InvalidArgument(format!("{e}; build it with `cargo xtask chains`")))?;
    Ok(PathBuf::from(&entry.path))
}

/// The node's short name (`validator-0`) from its full one (`hub/validator-0`).
pub fn short_name(node: &Node) -> &str {
    node.meta
        .name
        .split_once('/')
        .map_or(node.meta.name.as_str(), |(_, n)| n)
}

/// Where a node on `network` or Docker host `host` is, as `placement` tells its plugin:
/// loopback for a process or a host-networked container here; its address on the devnet's
/// network, or its host's address, otherwise, binding every interface (of its own network
/// namespace, or of that host).
pub fn node_address(network: Option<&NodeNetwork>, host: Option<&NodeHost>) -> wit::NodeAddress {
    match (network, host) {
        (Some(n), _) => wit::NodeAddress {
            peer_host: n.address.clone(),
            bind_host: "0.0.0.0".into(),
        },
        (None, Some(h)) => wit::NodeAddress {
            // As it goes into `host:port` (a peer, an external address): IPv6 in brackets.
            peer_host: if h.address.contains(':') {
                format!("[{}]", h.address)
            } else {
                h.address.clone()
            },
            bind_host: "0.0.0.0".into(),
        },
        (None, None) => devnet_plugin_host::loopback(),
    }
}

/// Where each of `nodes` is, by short name.
pub fn addresses_of(nodes: &[Node]) -> BTreeMap<String, wit::NodeAddress> {
    nodes
        .iter()
        .map(|n| {
            let at = node_address(n.spec.network.as_ref(), n.spec.docker_host.as_ref());
            (short_name(n).to_string(), at)
        })
        .collect()
}

/// The slot the plugin knows `node` by.
pub fn slot_of(node: &Node) -> wit::NodeSlot {
    wit::NodeSlot {
        index: node.spec.index,
        role: match node.spec.role {
            NodeRole::Validator => wit::NodeRole::Validator,
            NodeRole::FullNode => wit::NodeRole::FullNode,
        },
        name: short_name(node).to_string(),
        home: node.spec.home.clone(),
        ports: node
            .spec
            .ports
            .iter()
            .map(|p| wit::NamedPort {
                name: p.name.clone(),
                port: p.port,
            })
            .collect(),
    }
}

/// The settings that are the plugin's (the runtime's `docker.*` ones are not).
fn wit_overrides(overrides: &[(String, String)]) -> Vec<wit::Override> {
    overrides
        .iter()
        .filter(|(k, _)| !crate::docker_settings::is_runtime_setting(k))
        .map(|(k, v)| wit::Override {
            key: k.clone(),
            value: v.clone(),
        })
        .collect()
}

fn wit_accounts(accounts: &[devnet_core::Account]) -> Vec<wit::AccountSpec> {
    accounts
        .iter()
        .map(|a| wit::AccountSpec {
            name: a.name.clone(),
            balances: a
                .balances
                .iter()
                .map(|c| wit::Coin {
                    denom: c.denom.clone(),
                    amount: c.amount.clone(),
                })
                .collect(),
        })
        .collect()
}

/// The devnet as the plugin sees it, at chain version `version`.
pub fn wit_spec(devnet: &Devnet, version: &str) -> wit::DevnetSpec {
    let s = &devnet.spec;
    wit::DevnetSpec {
        name: devnet.meta.name.clone(),
        chain_id: s.chain_id.clone(),
        chain_version: version.to_string(),
        validators: s.validators,
        full_nodes: s.full_nodes,
        accounts: wit_accounts(&s.accounts),
        overrides: wit_overrides(&s.overrides),
    }
}

/// Runs `binary args` in `cwd` with a time limit; its output.
pub(crate) async fn run(
    binary: &Path,
    args: &[String],
    env: &[(String, String)],
    cwd: &Path,
) -> Result<String, DaemonError> {
    let mut cmd = tokio::process::Command::new(binary);
    cmd.args(args).current_dir(cwd).kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let what = format!("{} {}", binary.display(), args.join(" "));
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .map_err(|_| DaemonError::Internal(format!("{what}: no answer within 120 s")))?
        .map_err(DaemonError::io(format!("running {what}")))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(DaemonError::Internal(format!(
            "{what} failed ({}): {}",
            out.status,
            text.trim()
        )));
    }
    Ok(text)
}

/// The exact version of `binary`, as the devnet's plugin reads it. A plugin whose binary prints
/// no version (no `version-args`) gets the version the chain cache recorded when it built it.
pub async fn detect_version(ctx: &DaemonContext, network: &str, binary: &Path) -> Result<String, DaemonError> {
    let mut probe = ctx.plugins.probe(network).await?;
    let args = probe.version_args().await?;
    if args.is_empty() {
        let manifest = Manifest::load(&ctx.chains_dir).map_err(|e| DaemonError::InvalidArgument(e.to_string()))?;
        return manifest
            .binaries
            .iter()
            .find(|e| e.path == binary)
            .map(|e| e.version.clone())
            .ok_or_else(|| {
                DaemonError::InvalidArgument(format!(
                    "{} prints no version and the chain cache has no record of it; build it with `cargo xtask chains`",
                    binary.display()
                ))
            });
    }
    let output = run(binary, &args, &[], Path::new("/")).await?;
    Ok(probe.parse_version_output(&output).await?)
}

/// Provisions `devnet` from scratch (see the module doc).
pub async fn provision(ctx: &DaemonContext, devnet: &Devnet) -> Result<Provisioned, DaemonError> {
    let name = devnet.meta.name.as_str();
    let network = devnet.spec.network.as_str();
    let binary = binary_for(ctx, &devnet.spec, &devnet.spec.version).await?;
    let version = detect_version(ctx, network, &binary).await?;
    let spec = wit_spec(devnet, &version);

    let dir = ctx.home.devnet_dir(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(DaemonError::io(format!("clearing {}", dir.display())))?;
    }
    let chain_dir = ctx.home.chain_dir(name);
    std::fs::create_dir_all(&chain_dir).map_err(DaemonError::io(format!("creating {}", chain_dir.display())))?;

    let mut probe = ctx.plugins.probe(network).await?;
    let mut port_names = probe.node_ports(wit::NodeRole::Validator).await?;
    for p in probe.node_ports(wit::NodeRole::FullNode).await? {
        if !port_names.contains(&p) {
            port_names.push(p);
        }
    }
    let total = (spec.validators + spec.full_nodes) as usize;
    let settings = crate::docker_settings::parse(&devnet.spec.overrides, devnet.spec.runtime)
        .map_err(DaemonError::InvalidArgument)?;
    if (settings.bridge || !settings.hosts.is_empty()) && !probe.api_version().has_placement() {
        return Err(DaemonError::FailedPrecondition(placement_needed(
            probe.plugin_id(),
            probe.api_version(),
        )));
    }
    let bridge = if settings.bridge {
        let docker = ctx
            .nodes
            .runtimes
            .docker()
            .await
            .map_err(|e| DaemonError::FailedPrecondition(e.to_string()))?;
        Some(
            docker
                .ensure_network(name)
                .await
                .map_err(|e| DaemonError::FailedPrecondition(e.to_string()))?,
        )
    } else {
        None
    };
    let ports = ctx.reserve_ports(total * port_names.len())?;
    let made = make_nodes(ctx, devnet, &spec, &binary, &port_names, &ports, bridge.as_ref()).await;
    match made {
        Ok((nodes, addresses)) => Ok(Provisioned {
            nodes,
            version,
            ports,
            addresses,
        }),
        Err(e) => {
            ctx.release_ports(&ports);
            // Its subnet goes back to the engine's pool too (a deploy retried makes it again).
            if bridge.is_some()
                && let Ok(docker) = ctx.nodes.runtimes.docker().await
                && let Err(left) = docker.release_devnet(name).await
            {
                tracing::warn!(devnet = name, "its network is left until destroy: {left}");
            }
            Err(e)
        }
    }
}

/// Why a devnet of `plugin` (of API `api`) cannot have a network of its own, or nodes on other
/// Docker hosts.
pub fn placement_needed(plugin: &str, api: devnet_plugin_host::ApiVersion) -> String {
    format!(
        "docker.network=bridge and docker.hosts need a plugin of API 0.7.0 or later, which asks where each \
         node is; {plugin} is built on API {api} and writes 127.0.0.1 for its peers: rebuild it on the \
         current devnet-plugin-sdk, or leave out docker.network and docker.hosts (host networking here)"
    )
}

async fn make_nodes(
    ctx: &DaemonContext,
    devnet: &Devnet,
    spec: &wit::DevnetSpec,
    binary: &Path,
    port_names: &[String],
    ports: &[u16],
    network: Option<&DevnetNetwork>,
) -> Result<(Vec<Node>, Vec<KeyAddress>), DaemonError> {
    let name = devnet.meta.name.as_str();
    let chain_dir = ctx.home.chain_dir(name);
    let total = spec.validators + spec.full_nodes;
    let places: Vec<Option<NodeNetwork>> = (0..total)
        .map(|i| match network {
            None => Ok(None),
            Some(net) => net
                .node_address(i)
                .map(|a| {
                    Some(NodeNetwork {
                        name: net.name.clone(),
                        subnet: net.subnet(),
                        address: a.to_string(),
                    })
                })
                .ok_or_else(|| {
                    DaemonError::InvalidArgument(format!(
                        "{total} nodes do not fit network {} ({}); use fewer nodes, or give the engine \
                         larger subnets (dockerd --default-address-pool …,size=22)",
                        net.name,
                        net.subnet()
                    ))
                }),
        })
        .collect::<Result<_, _>>()?;
    let slots: Vec<wit::NodeSlot> = (0..(spec.validators + spec.full_nodes) as usize)
        .map(|i| {
            let (role, node) = if i < spec.validators as usize {
                (wit::NodeRole::Validator, format!("validator-{i}"))
            } else {
                (
                    wit::NodeRole::FullNode,
                    format!("full-{}", i - spec.validators as usize),
                )
            };
            wit::NodeSlot {
                index: i as u32,
                role,
                home: format!("nodes/{node}"),
                name: node,
                ports: port_names
                    .iter()
                    .enumerate()
                    .map(|(k, n)| wit::NamedPort {
                        name: n.clone(),
                        port: ports[i * port_names.len() + k],
                    })
                    .collect(),
            }
        })
        .collect();

    // Spread over Docker hosts: each node's host, and that host's address for its peers.
    let settings = crate::docker_settings::parse(&devnet.spec.overrides, devnet.spec.runtime)
        .map_err(DaemonError::InvalidArgument)?;
    let hosts: Vec<Option<NodeHost>> = slots
        .iter()
        .map(|s| match settings.host_of(&s.name, s.index as usize) {
            None => Ok(None),
            Some(host) => ctx
                .nodes
                .runtimes
                .host(host)
                .map(|h| {
                    Some(NodeHost {
                        name: h.name.clone(),
                        address: h.address.clone(),
                    })
                })
                .ok_or_else(|| {
                    DaemonError::FailedPrecondition(format!(
                        "docker.hosts names {host}, which devnetd.toml does not list under [[docker.hosts]]"
                    ))
                }),
        })
        .collect::<Result<_, _>>()?;

    ctx.forget_devnet(name).await;
    let instance = ctx
        .plugins
        .instance(
            &devnet.spec.network,
            GrantFor {
                devnet: name.to_string(),
                dir: chain_dir.clone(),
                binary: binary.to_path_buf(),
                ports: ports.to_vec(),
                addresses: slots
                    .iter()
                    .map(|s| {
                        let i = s.index as usize;
                        (s.name.clone(), node_address(places[i].as_ref(), hosts[i].as_ref()))
                    })
                    .collect(),
            },
        )
        .await?;
    let mut plugin = instance.lock().await;
    let mut keyring = Keyring::open(&ctx.home.keyring(name)).map_err(|e| DaemonError::Internal(e.to_string()))?;
    plugin.run_genesis(&mut keyring, spec, &slots).await?;
    let addresses = addresses(&mut plugin, &keyring, spec).await;

    let mut inits = Vec::with_capacity(slots.len());
    for slot in &slots {
        inits.push(plugin.init_commands(spec, slot).await?);
    }
    // Side by side only where the contract allows it (0.5.0 on); one node after another before.
    let at_once = if plugin.api_version().has_plan() {
        std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
    } else {
        1
    };
    run_inits(binary, &chain_dir, inits, at_once).await?;

    let mut nodes = Vec::with_capacity(slots.len());
    let limits = settings.limits;
    for slot in &slots {
        let log = ctx.home.node_log(name, &slot.name);
        let start = plugin.start_command(spec, slot).await?;
        let start_after = plugin.start_after(spec, slot).await?.map(|g| StartGate {
            node: format!("{name}/{}", slots[g.after as usize].name),
            height: g.height,
        });
        let mut env = start.env;
        env.push((NODE_MARKER.to_string(), ctx.home.root().display().to_string()));
        env.push((
            NODE_NAME_MARKER.to_string(),
            node_marker(ctx.home.root(), &format!("{name}/{}", slot.name)),
        ));
        nodes.push(Node::new(
            NodeSpec {
                devnet: name.to_string(),
                index: slot.index,
                role: match slot.role {
                    wit::NodeRole::Validator => NodeRole::Validator,
                    wit::NodeRole::FullNode => NodeRole::FullNode,
                },
                home: slot.home.clone(),
                ports: slot
                    .ports
                    .iter()
                    .map(|p| Port {
                        name: p.name.clone(),
                        port: p.port,
                    })
                    .collect(),
                running: devnet.spec.running,
                command: NodeCommand {
                    program: binary.display().to_string(),
                    args: start.args,
                    env,
                    cwd: chain_dir.display().to_string(),
                    log: log.display().to_string(),
                },
                restart: 0,
                hold: None,
                start_after,
                runtime: devnet.spec.runtime,
                limits,
                network: places[slot.index as usize].clone(),
                docker_host: hosts[slot.index as usize].clone(),
            },
            &slot.name,
        ));
    }
    Ok((nodes, addresses))
}

/// Runs each node's init commands in order, `at_once` nodes' side by side (each works in its own
/// home): a Clique network's `geth init` and `account import` runs, say, take half the time on
/// two cores. The first failure stops the rest.
async fn run_inits(
    binary: &Path,
    dir: &Path,
    inits: Vec<Vec<wit::Command>>,
    at_once: usize,
) -> Result<(), DaemonError> {
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(at_once.max(1)));
    let mut running = tokio::task::JoinSet::new();
    for commands in inits.into_iter().filter(|c| !c.is_empty()) {
        let (binary, dir, slots) = (binary.to_path_buf(), dir.to_path_buf(), slots.clone());
        running.spawn(async move {
            let _turn = slots
                .acquire_owned()
                .await
                .map_err(|e| DaemonError::Internal(format!("init commands: {e}")))?;
            for init in commands {
                run(&binary, &init.args, &init.env, &dir).await?;
            }
            Ok::<(), DaemonError>(())
        });
    }
    while let Some(done) = running.join_next().await {
        done.map_err(|e| DaemonError::Internal(format!("init commands: {e}")))??;
    }
    Ok(())
}

/// The address of each validator's and each funded account's key, as the plugin derives it;
/// none for a plugin without the `chain` interface (its API predates it, or it answers
/// `unsupported`). The addresses are there to be shown: a key the plugin cannot derive one for
/// is left out with a warning rather than failing the devnet.
async fn addresses(plugin: &mut PluginInstance, keyring: &Keyring, spec: &wit::DevnetSpec) -> Vec<KeyAddress> {
    let names = (0..spec.validators)
        .map(|i| format!("validator-{i}"))
        .chain(spec.accounts.iter().map(|a| a.name.clone()));
    let mut out = Vec::new();
    for name in names {
        // A plugin that keeps a validator's account under another key has none by this name.
        let Ok(public_key) = keyring.public_key(&name) else {
            continue;
        };
        match plugin.address(spec, &public_key).await {
            Ok(address) => out.push(KeyAddress { name, address }),
            Err(e)
                if matches!(e, PluginHostError::NotInApi { .. })
                    || e.plugin_kind() == Some(PluginErrorKind::Unsupported) =>
            {
                return Vec::new();
            }
            Err(e) => tracing::warn!(devnet = %spec.name, key = %name, "no address for the key: {e}"),
        }
    }
    out
}
