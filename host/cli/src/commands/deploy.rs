//! `dvb deploy`: declares a devnet, then shows its progress until the first block.

use std::time::{Duration, Instant};

use devnet_core::{Account, DevnetPhase, DevnetSpec, NodePhase, RuntimeKind};

use crate::backend::Needs;
use crate::commands::Ctx;
use crate::output::{self, Output, enum_name, short};

#[derive(clap::Args)]
pub struct Args {
    /// The devnet's name, e.g. `hub`.
    #[arg(long)]
    name: String,
    /// The plugin: cosmos, evm, tempo, or an installed one.
    #[arg(long)]
    network: String,
    /// The chain-software version: a release line (`v0.50`) or an exact one.
    #[arg(long, default_value = "")]
    version: String,
    /// The chain binary from the chain cache; by default the plugin's choice for the client and
    /// node count (e.g. geth v1.13 for a Clique network, anvil for `--set client=anvil`).
    #[arg(long, default_value = "")]
    binary: String,
    #[arg(long, default_value_t = 1)]
    validators: u32,
    #[arg(long, default_value_t = 0)]
    full_nodes: u32,
    /// Defaults to the plugin's choice: `<name>-1` for Cosmos, 1337 for geth and Tempo, 31337
    /// for the evm plugin's anvil.
    #[arg(long, default_value = "")]
    chain_id: String,
    /// A chain setting, `key=value` (e.g. `block-time=1s`, `gov.voting-period=20s`); repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// A funded account, `name=amount+denom[,...]` (e.g. `alice=1000000stake`); repeatable.
    #[arg(long = "account", value_name = "NAME=COINS")]
    accounts: Vec<String>,
    /// Where the nodes run: `local` processes, or `docker` containers (images made from the
    /// chain cache; `--set docker.cpus=1.5`, `--set docker.memory=512m` limit each node).
    #[arg(long, value_enum, default_value_t = Runtime::Local)]
    runtime: Runtime,
    /// With `--runtime docker`: spread the nodes round robin over these Docker hosts of
    /// devnetd.toml's `[[docker.hosts]]` (e.g. `--hosts a,b`; the setting `docker.hosts`).
    #[arg(long, value_name = "HOST,...")]
    hosts: Option<String>,
    /// With `--hosts`: pin a node to a host, `node=host` (e.g. `--place validator-0=a`);
    /// repeatable (the setting `docker.place`).
    #[arg(long, value_name = "NODE=HOST")]
    place: Vec<String>,
    /// Return once the devnet is declared instead of waiting for its first block.
    #[arg(long)]
    no_wait: bool,
    /// How long to wait for the first block, in seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Runtime {
    Local,
    Docker,
}

pub(crate) fn setting(s: &str) -> anyhow::Result<(String, String)> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| anyhow::anyhow!("--set {s:?}: write it as key=value, e.g. block-time=1s"))
}

/// The `--set` settings, with `--hosts` and `--place` as the settings they stand for.
fn overrides(a: &Args) -> anyhow::Result<Vec<(String, String)>> {
    let mut all: Vec<(String, String)> = a.settings.iter().map(|s| setting(s)).collect::<anyhow::Result<_>>()?;
    for (key, given) in [
        ("docker.hosts", a.hosts.is_some()),
        ("docker.place", !a.place.is_empty()),
    ] {
        if given && all.iter().any(|(k, _)| k == key) {
            anyhow::bail!("{key} is given both by its flag and by --set; keep one");
        }
    }
    if let Some(hosts) = &a.hosts {
        all.push(("docker.hosts".into(), hosts.clone()));
    }
    if !a.place.is_empty() {
        all.push(("docker.place".into(), a.place.join(",")));
    }
    Ok(all)
}

fn account(s: &str) -> anyhow::Result<Account> {
    let (name, coins) = s
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("--account {s:?}: write it as name=amount+denom, e.g. alice=1000stake"))?;
    Account::parse(name, coins).map_err(|e| anyhow::anyhow!("--account {s:?}: {e}"))
}

pub async fn run(ctx: &Ctx, a: Args) -> anyhow::Result<()> {
    let spec = DevnetSpec {
        network: a.network.clone(),
        version: a.version.clone(),
        binary: a.binary.clone(),
        chain_id: a.chain_id.clone(),
        validators: a.validators,
        full_nodes: a.full_nodes,
        accounts: a.accounts.iter().map(|s| account(s)).collect::<anyhow::Result<_>>()?,
        overrides: overrides(&a)?,
        runtime: match a.runtime {
            Runtime::Local => RuntimeKind::Local,
            Runtime::Docker => RuntimeKind::Docker,
        },
        running: true,
    };
    let backend = ctx.backend(Needs::Controllers).await?;
    let result = deploy(ctx, &backend, &a, &spec).await;
    backend.close().await;
    result
}

async fn deploy(ctx: &Ctx, backend: &crate::backend::Backend, a: &Args, spec: &DevnetSpec) -> anyhow::Result<()> {
    let started = Instant::now();
    let created = backend.create(&a.name, spec).await?;
    let progress = ctx.output == Output::Table;
    if progress {
        // What the plugin chose for what the flags left open.
        let chosen = &created.spec;
        eprintln!(
            "deploying {} ({}: {} {}, chain id {}, {} validators, {} full nodes){}",
            a.name,
            chosen.network,
            chosen.binary,
            if chosen.version.is_empty() {
                "newest"
            } else {
                &chosen.version
            },
            chosen.chain_id,
            chosen.validators,
            chosen.full_nodes,
            if backend.is_daemon() {
                ""
            } else {
                " in-process: no devnetd on this home"
            }
        );
    }
    if a.no_wait {
        return if progress {
            Ok(())
        } else {
            output::structured(ctx.output, &created)
        };
    }
    let mut seen: Vec<String> = Vec::new();
    let limit = Duration::from_secs(a.timeout);
    let shown = crate::progress::Progress::new(progress);
    let devnet = loop {
        let d = backend.get(&a.name).await?;
        // Not known this time round: nothing is decided on it (an empty list would say no node
        // is waiting).
        let Ok(nodes) = backend.nodes(&a.name).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if progress {
            let mut lines = vec![format!("{}{}", enum_name(&d.status.phase), suffix(&d.status.message))];
            lines.extend(nodes.iter().map(|n| {
                format!(
                    "  {} {}{}",
                    short(n),
                    enum_name(&n.status.phase),
                    suffix(&n.status.message)
                )
            }));
            let running = nodes.iter().filter(|n| n.status.phase == NodePhase::Running).count();
            shown.now(&format!(
                "{} {}: {running}/{} nodes running, height {}",
                a.name,
                enum_name(&d.status.phase),
                nodes.len(),
                d.status.height
            ));
            for line in lines {
                if !seen.contains(&line) {
                    shown.line(line.trim_start());
                    seen.push(line);
                }
            }
        }
        // A node that has stopped being restarted will not make the first block: say why now
        // rather than at the end of the wait.
        if let Some(n) = nodes.iter().find(|n| n.status.phase == NodePhase::Failed) {
            anyhow::bail!(
                "devnet {}: node {} failed: {}; `dvb nodes logs {}/{}` shows its log",
                a.name,
                short(n),
                n.status.message,
                a.name,
                short(n)
            );
        }
        match d.status.phase {
            DevnetPhase::Failed => anyhow::bail!("devnet {} failed: {}", a.name, d.status.message),
            DevnetPhase::Running => break d,
            // Done at the first block, once no node is left waiting for its first start.
            DevnetPhase::Starting | DevnetPhase::Degraded
                if d.status.height > 0 && !nodes.iter().any(|n| n.status.phase == NodePhase::Pending) =>
            {
                break d;
            }
            _ => {}
        }
        if started.elapsed() > limit {
            let waiting: Vec<String> = nodes
                .iter()
                .filter(|n| n.status.phase == NodePhase::Pending && !n.status.message.is_empty())
                .map(|n| format!("{}: {}", short(n), n.status.message))
                .collect();
            if d.status.height > 0 && !waiting.is_empty() {
                anyhow::bail!(
                    "devnet {}: blocks made, but nodes still not started within {} s ({}); `dvb status {}` tells more",
                    a.name,
                    a.timeout,
                    waiting.join("; "),
                    a.name
                );
            }
            anyhow::bail!(
                "devnet {} made no block within {} s (phase {}: {}); `dvb status {}` and `dvb nodes logs` tell more",
                a.name,
                a.timeout,
                enum_name(&d.status.phase),
                d.status.message,
                a.name
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &devnet),
        Output::Table => {
            shown.line(&format!("first block: height {}", devnet.status.height));
            shown.finish();
            output::table(&output::DEVNET_HEADER, &[output::devnet_row(&devnet)]);
            Ok(())
        }
    }
}

fn suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}
