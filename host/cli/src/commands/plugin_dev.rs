//! `dvb plugin new` and `dvb plugin test`: writing a plugin. `new` scaffolds a crate on the SDK
//! that builds into a component with one `cargo build`; `test` loads a component into the real
//! host (the same engine, limits and sandbox as devnetd), with no daemon, and calls every export
//! with sample input, reporting each: ok, refused (the plugin said no, with its reason), or
//! FAILED (a trap, a deadline, a broken answer).

use std::path::{Path, PathBuf};

use devnet_plugin_host::wit::{self, DevnetSpec, NodeRole, NodeSlot};
use devnet_plugin_host::{Capability, DevnetGrant, EngineLimits, PluginEngine, PluginHostError, PluginInstance};

use crate::commands::Ctx;
use crate::output::{self, Output};

#[derive(clap::Args)]
pub struct NewArgs {
    /// The plugin's name (the network name devnets use), e.g. `mychain`.
    pub name: String,
    /// Where to create the crate (default: `./<name>-plugin`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The devnet-plugin-sdk crate (default: the `sdk/` of the devnet-builder checkout dvb
    /// was built from).
    #[arg(long)]
    pub sdk: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct TestArgs {
    /// The component, e.g. `target/wasm32-wasip2/release/mychain_plugin.wasm`.
    pub component: PathBuf,
    /// A chain binary to grant the plugin's `run-binary` (genesis often needs it).
    #[arg(long)]
    pub binary: Option<PathBuf>,
    /// The chain version to ask for a tx builder and a genesis for (default: the start of the
    /// first range the plugin's `info` lists).
    #[arg(long)]
    pub chain_version: Option<String>,
    /// What the chain binary prints for its version, to check `parse-version-output` with
    /// (default: the binary's own output, with --binary).
    #[arg(long)]
    pub version_output: Option<String>,
    /// The sample devnet's validators and full nodes.
    #[arg(long, default_value_t = 2)]
    pub validators: u32,
    #[arg(long, default_value_t = 1)]
    pub full_nodes: u32,
}

/// The SDK beside the binary's checkout: `<checkout>/target/<profile>/dvb` → `<checkout>/sdk`.
fn default_sdk() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .map(|d| d.join("sdk"))
        .find(|d| d.join("Cargo.toml").is_file() && d.join("src/plugin.rs").is_file())
}

pub fn new(a: NewArgs) -> anyhow::Result<()> {
    devnet_core::validate_name(&a.name).map_err(|e| anyhow::anyhow!("plugin name {:?}: {e}", a.name))?;
    let dir = a.dir.unwrap_or_else(|| PathBuf::from(format!("{}-plugin", a.name)));
    if dir.exists() {
        anyhow::bail!("{} exists; choose another --dir", dir.display());
    }
    let sdk = a.sdk.or_else(default_sdk).ok_or_else(|| {
        anyhow::anyhow!("no devnet-plugin-sdk found beside dvb; pass --sdk <path to devnet-builder/sdk>")
    })?;
    let sdk = std::path::absolute(&sdk)?;
    if !sdk.join("Cargo.toml").is_file() {
        anyhow::bail!(
            "{}: no Cargo.toml; --sdk names the devnet-plugin-sdk crate",
            sdk.display()
        );
    }
    let krate = format!("{}-plugin", a.name);
    let files = [
        ("Cargo.toml", cargo_toml(&krate, &sdk)),
        (".cargo/config.toml", CARGO_CONFIG.to_string()),
        ("src/lib.rs", lib_rs(&a.name)),
        ("README.md", readme(&a.name, &krate)),
    ];
    // Written into a temporary folder and renamed: a failure leaves nothing half made.
    let tmp = dir.with_file_name(format!(
        ".{}.tmp",
        dir.file_name()
            .map_or_else(|| "plugin".into(), |n| n.to_string_lossy().into_owned())
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    for (path, text) in &files {
        let path = tmp.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
    }
    std::fs::rename(&tmp, &dir)?;
    let wasm = format!("target/wasm32-wasip2/release/{}.wasm", krate.replace('-', "_"));
    println!("created {}", dir.display());
    println!("  cd {} && cargo build --release", dir.display());
    println!("  dvb plugin test {wasm}");
    println!("  sha256sum {wasm} > {wasm}.sha256 && dvb plugin install {wasm}");
    Ok(())
}

fn cargo_toml(krate: &str, sdk: &Path) -> String {
    format!(
        r#"[package]
name = "{krate}"
version = "0.1.0"
edition = "2024"
publish = false

# A component: `cargo build --release` (the target is set in .cargo/config.toml).
[lib]
crate-type = ["cdylib"]

[dependencies]
devnet-plugin-sdk = {{ path = "{}" }}

[profile.release]
opt-level = "s"

# Not part of any workspace around it.
[workspace]
"#,
        sdk.display()
    )
}

const CARGO_CONFIG: &str = r#"[build]
target = "wasm32-wasip2"
"#;

fn lib_rs(name: &str) -> String {
    LIB_TEMPLATE.replace("{{name}}", name)
}

const LIB_TEMPLATE: &str = r#"//! The {{name}} plugin for devnet-builder. Start with `info` and the version detection; then
//! genesis (`genesis_keys`, `genesis_build`), the node commands (`node_ports`, `start_command`,
//! `node_status`) and, for transactions, a `TxBuilder`. Every method of `Plugin` but `info`
//! has a default that answers "unsupported". See the SDK docs and the tutorial.

use devnet_plugin_sdk::{Plugin, PluginError, PluginInfo, VersionRange, export_plugin};

pub struct Chain;

impl Plugin for Chain {
    type TxBuilder = devnet_plugin_sdk::NoTxBuilder;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            // Your chain family, in lowercase: the host shows it and decides nothing by it.
            family: "{{name}}".into(),
            // The chain-software versions this plugin can run devnets for.
            chain_versions: vec![VersionRange::new("v1.0.0", None)],
            // The transaction kinds your TxBuilder declares, by chain version (names only).
            tx_kinds: vec![],
            // Ask for what you use: log, run-binary, files, http. Nothing undeclared is granted.
            capabilities: vec![],
            default_binary: "{{name}}d".into(),
        }
    }

    /// `{{name}}d version` prints the version.
    fn version_args() -> Vec<String> {
        vec!["version".into()]
    }

    /// The first `vX.Y.Z` (or `X.Y.Z`) in the binary's version output.
    fn parse_version_output(output: &str) -> Result<String, PluginError> {
        devnet_plugin_sdk::version_range::first_version(output)
            .ok_or_else(|| PluginError::invalid(format!("no version in {output:?}")))
    }
}

export_plugin!(Chain);
"#;

fn readme(name: &str, krate: &str) -> String {
    let wasm = format!("target/wasm32-wasip2/release/{}.wasm", krate.replace('-', "_"));
    format!(
        "# {name}: a devnet-builder plugin\n\n\
         ```sh\n\
         cargo build --release                       # the component: {wasm}\n\
         dvb plugin test {wasm}   # every export, in the real host, no daemon\n\
         sha256sum {wasm} > {wasm}.sha256\n\
         dvb plugin install {wasm}\n\
         dvb deploy --network {name} ...\n\
         ```\n"
    )
}

/// One export's outcome.
struct Check {
    export: &'static str,
    result: &'static str,
    detail: String,
}

fn outcome<T>(export: &'static str, r: Result<T, PluginHostError>, ok: impl FnOnce(&T) -> String) -> Check {
    match r {
        Ok(v) => Check {
            export,
            result: "ok",
            detail: ok(&v),
        },
        // The plugin answered with a reason: that is a working export.
        Err(PluginHostError::Plugin { kind, message, .. }) => Check {
            export,
            result: "refused",
            detail: format!("{kind}: {message}"),
        },
        Err(e) => Check {
            export,
            result: "FAILED",
            detail: e.to_string(),
        },
    }
}

fn sample_spec(a: &TestArgs, version: &str) -> DevnetSpec {
    DevnetSpec {
        name: "plugin-test".into(),
        chain_id: "plugin-test-1".into(),
        chain_version: version.into(),
        validators: a.validators,
        full_nodes: a.full_nodes,
        accounts: vec![wit::AccountSpec {
            name: "alice".into(),
            balances: vec![wit::Coin {
                denom: "stake".into(),
                amount: "1000000".into(),
            }],
        }],
        overrides: vec![],
    }
}

async fn slots(p: &mut PluginInstance, spec: &DevnetSpec) -> Result<Vec<NodeSlot>, PluginHostError> {
    let mut out = Vec::new();
    let mut port = 40000u16;
    for i in 0..spec.validators + spec.full_nodes {
        let role = if i < spec.validators {
            NodeRole::Validator
        } else {
            NodeRole::FullNode
        };
        let name = match role {
            NodeRole::Validator => format!("validator-{i}"),
            NodeRole::FullNode => format!("full-{}", i - spec.validators),
        };
        let ports = p
            .node_ports(role)
            .await?
            .into_iter()
            .map(|n| {
                port += 1;
                wit::NamedPort { name: n, port }
            })
            .collect();
        out.push(NodeSlot {
            index: i,
            role,
            home: format!("nodes/{name}"),
            name,
            ports,
        });
    }
    Ok(out)
}

pub async fn test(ctx: &Ctx, a: TestArgs) -> anyhow::Result<()> {
    let work = std::env::temp_dir().join(format!("dvb-plugin-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("devnet"))?;
    let result = run_checks(&a, &work).await;
    let _ = std::fs::remove_dir_all(&work);
    let (id, checks) = result?;
    let failed = checks.iter().filter(|c| c.result == "FAILED").count();
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(
            o,
            &serde_json::json!({
                "plugin": id,
                "checks": checks.iter().map(|c| serde_json::json!({
                    "export": c.export, "result": c.result, "detail": c.detail,
                })).collect::<Vec<_>>(),
                "failed": failed,
            }),
        )?,
        Output::Table => {
            let rows: Vec<Vec<String>> = checks
                .iter()
                .map(|c| vec![c.export.to_string(), c.result.to_string(), one_line(&c.detail)])
                .collect();
            output::table(&["EXPORT", "RESULT", "DETAIL"], &rows);
        }
    }
    if failed > 0 {
        anyhow::bail!("{id}: {failed} of {} exports FAILED", checks.len());
    }
    eprintln!(
        "{id}: every export answered ({} checks; `refused` is the plugin's own reasoned no)",
        checks.len()
    );
    Ok(())
}

fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.len() > 140 {
        format!("{}…", &line[..line.floor_char_boundary(140)])
    } else {
        line.to_string()
    }
}

async fn run_checks(a: &TestArgs, work: &Path) -> anyhow::Result<(String, Vec<Check>)> {
    let engine = PluginEngine::new(work.join("aot"), EngineLimits::default())?;
    // Loading checks the component, its API version and its world, and calls `info` once.
    let loaded = engine.load(&a.component).await?;
    let info = loaded.info.clone();
    let version = a
        .chain_version
        .clone()
        .or_else(|| info.chain_versions.first().map(|r| r.since.clone()))
        .unwrap_or_else(|| "v1.0.0".into());
    let mut grant = DevnetGrant::none("plugin-test")
        .with(Capability::Log)
        .with(Capability::Files);
    grant.dir = Some(work.join("devnet"));
    if let Some(b) = &a.binary {
        grant = grant.with(Capability::RunBinary);
        grant.binary = Some(std::path::absolute(b)?);
    }
    let mut p = loaded.instantiate(grant).await?;
    let mut checks = vec![Check {
        export: "info",
        result: "ok",
        detail: format!(
            "{} {} (API {}), {}, binary {}",
            info.name,
            info.version,
            loaded.api_version,
            loaded.family(),
            info.default_binary
        ),
    }];
    if info.name.is_empty() || info.version.is_empty() {
        checks[0].result = "FAILED";
        checks[0].detail = "info must give a name and a version".into();
    }
    let mut spec = sample_spec(a, &version);
    // What the plugin chooses for what a user leaves open; the sample devnet takes it.
    let request = wit::DevnetRequest {
        name: spec.name.clone(),
        chain_id: String::new(),
        binary: String::new(),
        chain_version: String::new(),
        validators: spec.validators,
        full_nodes: spec.full_nodes,
        accounts: spec.accounts.clone(),
        overrides: vec![],
        now_unix_secs: devnet_core::now_ms() / 1000,
    };
    let chosen = p.choose(&request).await;
    if let Ok(plan) = &chosen {
        spec.chain_id = plan.chain_id.clone();
        spec.overrides = plan.overrides.clone();
    }
    checks.push(outcome("plan.choose", chosen, |c| {
        let settings: Vec<String> = c.overrides.iter().map(|o| format!("{}={}", o.key, o.value)).collect();
        format!(
            "chain id {}, binary {} {}, settings [{}]",
            c.chain_id,
            c.binary,
            if c.chain_version.is_empty() {
                "(newest)"
            } else {
                &c.chain_version
            },
            settings.join(", ")
        )
    }));

    let args = p.version_args().await;
    let version_args = args.as_ref().ok().cloned().unwrap_or_default();
    checks.push(outcome("version.version-args", args, |v| v.join(" ")));
    let sample_output = match (&a.version_output, &a.binary) {
        (Some(o), _) => Some(o.clone()),
        (None, Some(b)) => std::process::Command::new(b)
            .args(&version_args)
            .output()
            .ok()
            .map(|o| {
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                )
            }),
        (None, None) => None,
    };
    match sample_output {
        Some(out) => {
            let r = p.parse_version_output(&out).await;
            checks.push(outcome("version.parse-version-output", r, |v| v.clone()));
        }
        None => checks.push(Check {
            export: "version.parse-version-output",
            result: "skipped",
            detail: "give --binary or --version-output to check it".into(),
        }),
    }

    // The sample slots come from `node.ports`, so that is the first check they make.
    let nodes = slots(&mut p, &spec).await;
    let ports = |n: &Vec<NodeSlot>| {
        n.first()
            .map(|n| n.ports.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let nodes = match nodes {
        Ok(n) => {
            checks.push(outcome("node.ports", Ok(&n), |n| ports(n)));
            n
        }
        Err(e) => {
            checks.push(outcome::<()>("node.ports", Err(e), |()| String::new()));
            Vec::new()
        }
    };
    if let Some(node) = nodes.first() {
        let mut keyring = devnet_keyring::Keyring::open(&work.join("keyring.json"))?;
        let r = p.run_genesis(&mut keyring, &spec, &nodes).await;
        checks.push(outcome("genesis.keys + genesis.build", r, |g| {
            format!(
                "{} files, {} signatures, {} rounds",
                g.files.len(),
                g.signatures,
                g.rounds
            )
        }));
        let r = p.init_commands(&spec, node).await;
        checks.push(outcome("node.init-commands", r, |c| format!("{} commands", c.len())));
        let r = p.start_command(&spec, node).await;
        checks.push(outcome("node.start-command", r, |c| c.args.join(" ")));
        let r = p.halting_start_command(&spec, node, 100).await;
        checks.push(outcome("operate.halting-start-command", r, |c| c.args.join(" ")));
        let r = p.export_command(&spec, node, None, "exports/state.json").await;
        checks.push(outcome("operate.export-command", r, |c| c.args.join(" ")));
        let r = p.node_status(node).await;
        checks.push(outcome("node.status", r, |s| format!("height {}", s.height)));
        if let Some(last) = nodes.last() {
            let r = p.start_after(&spec, last).await;
            checks.push(outcome("plan.start-after", r, |g| match g {
                Some(g) => format!("{} waits for node {} at height {}", last.name, g.after, g.height),
                None => format!("{} starts at once", last.name),
            }));
        }
    }
    let r = p.upgrade_halt("UPGRADE \"v2\" NEEDED at height: 10: plan").await;
    checks.push(outcome("node.upgrade-halt", r, |h| format!("{h:?}")));

    let r = p.address(&spec, &SECP256K1_G).await;
    checks.push(outcome("chain.address", r, |a| a.clone()));
    match p.tx_builder(&spec.chain_id, &version).await {
        Ok(h) => {
            let kinds = p.tx_kinds(&h).await;
            checks.push(outcome("tx.tx-builder.create + kinds", kinds, |k| {
                k.iter().map(|k| k.name.as_str()).collect::<Vec<_>>().join(", ")
            }));
            let _ = p.drop_tx_builder(h).await;
        }
        Err(e) => checks.push(outcome::<()>("tx.tx-builder.create", Err(e), |()| String::new())),
    }
    Ok((loaded.id.clone(), checks))
}

/// The secp256k1 generator, compressed: a valid public key to derive a sample address from.
const SECP256K1_G: [u8; 33] = [
    0x02, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07, 0x02, 0x9b,
    0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98,
];
