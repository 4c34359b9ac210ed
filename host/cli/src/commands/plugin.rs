//! `dvb plugin list|info|install|upgrade|remove`: the plugins the home's daemon (or dvb
//! in-process) runs devnets with; `trust|untrust|keys|keygen|sign` for signed components;
//! `new|test` for writing one (see `plugin_dev`).

use std::path::{Path, PathBuf};

use devnet_api::pb::{InstallPluginRequest, PluginInfo};
use devnet_keyring::{TrustedKeys, component_keygen, sign_component, write_private};

use crate::backend::{Backend, Needs};
use crate::commands::Ctx;
use crate::output::{self, Output};

#[derive(clap::Subcommand)]
pub enum PluginCommand {
    /// Every plugin a devnet can name: installed ones, those on `plugin_path`, and the
    /// built-in ones (installed on first use).
    List,
    /// One plugin: its version, API version, binary, chain versions, checksum and origin.
    Info { name: String },
    /// Verifies a component (sha256, signature, API version), compiles it and installs it.
    Install(InstallArgs),
    /// `install` over an installed plugin of the same name; devnets running keep the old one
    /// until they are made again.
    Upgrade(InstallArgs),
    /// Uninstalls a plugin that no devnet uses.
    Remove { name: String },
    /// Trusts a publisher's ed25519 public key (hex) for plugin signatures.
    Trust {
        /// A name for the key, e.g. the team's.
        name: String,
        public_key: String,
    },
    /// Stops trusting a key.
    Untrust { name: String },
    /// The trusted keys.
    Keys,
    /// Makes a key pair for signing plugins: the secret goes to `--out` (mode 0600), the public
    /// key is printed for users to `dvb plugin trust`.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Pushes a component to an OCI registry in the CNCF Wasm layout
    /// (`oci://registry/repo:1.2.0`), with its signature when --key is given; runs here, not
    /// in the daemon.
    Publish {
        component: PathBuf,
        /// Where: `oci://host[:port]/repository:tag`.
        target: String,
        /// A secret key from `dvb plugin keygen`: the signature goes beside it as an artifact
        /// that refers to the component's manifest.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Signs a component with a secret key from `keygen`, writing `<component>.sig`.
    Sign {
        component: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
    /// Scaffolds a plugin crate on the SDK.
    New(crate::commands::plugin_dev::NewArgs),
    /// Runs a component in the real host, without a daemon: every export with sample input.
    Test(crate::commands::plugin_dev::TestArgs),
}

#[derive(clap::Args)]
pub struct InstallArgs {
    /// A component file, an http(s):// URL, or an OCI reference:
    /// `oci://registry/repo:1.2.0`, `@sha256:…`, a semver range (`:^1.2`) or none (the newest
    /// tag whose plugin API this host supports).
    pub source: String,
    /// The expected sha256 (hex). Without it, `<source>.sha256` (`sha256sum` output) is read.
    #[arg(long)]
    pub sha256: Option<String>,
    /// A signature file. Without it, `<source>.sig` is checked when there is one.
    #[arg(long)]
    pub signature: Option<String>,
    /// From a registry, install a component that has no signature there.
    #[arg(long)]
    pub allow_unsigned: bool,
}

async fn summaries(backend: &Backend, only: Option<&str>) -> anyhow::Result<Vec<PluginInfo>> {
    let all = backend.plugins().await?;
    Ok(all.into_iter().filter(|p| only.is_none_or(|n| p.name == n)).collect())
}

/// What the plugin asks to be granted, `none` when nothing.
fn capabilities(p: &PluginInfo) -> String {
    if p.capabilities.is_empty() {
        "none".into()
    } else {
        p.capabilities.join(", ")
    }
}

fn show(ctx: &Ctx, found: &[PluginInfo], one: bool) -> anyhow::Result<()> {
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) if one => output::structured(o, &found[0]),
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &found),
        Output::Table if one => {
            let p = &found[0];
            let rows = vec![
                vec!["name".into(), p.name.clone()],
                vec!["version".into(), p.version.clone()],
                vec![
                    "api".into(),
                    format!(
                        "devnet:plugin@{} (this host: {})",
                        p.api_version,
                        devnet_plugin_host::supported_range()
                    ),
                ],
                vec!["family".into(), p.family.clone()],
                vec!["binary".into(), p.default_binary.clone()],
                vec!["capabilities".into(), capabilities(p)],
                vec!["chain versions".into(), p.chain_versions.join(", ")],
                vec!["origin".into(), p.origin.clone()],
                vec!["path".into(), p.path.clone()],
                vec!["source".into(), p.source.clone()],
                vec!["sha256".into(), p.sha256.clone()],
                vec!["signed by".into(), p.signed_by.clone()],
            ];
            output::table(&["FIELD", "VALUE"], &rows);
            Ok(())
        }
        Output::Table => {
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        p.version.clone(),
                        p.api_version.clone(),
                        p.default_binary.clone(),
                        p.chain_versions.join(", "),
                        p.origin.clone(),
                    ]
                })
                .collect();
            output::table(&["NAME", "VERSION", "API", "BINARY", "CHAIN VERSIONS", "ORIGIN"], &rows);
            Ok(())
        }
    }
}

/// A path made absolute (the daemon reads it from its own working directory); URLs as given.
fn absolute(source: &str) -> anyhow::Result<String> {
    if source.contains("://") {
        return Ok(source.to_string());
    }
    Ok(std::path::absolute(source)?.display().to_string())
}

async fn install(ctx: &Ctx, a: InstallArgs, upgrade: bool) -> anyhow::Result<()> {
    let source = absolute(&a.source)?;
    // The compatible range, before anything is sent: read from the file itself when it is local.
    let local = (!source.contains("://"))
        .then(|| std::fs::read(&source).map_err(|e| anyhow::anyhow!("{source}: {e}")))
        .transpose()?;
    if let Some(bytes) = &local {
        match devnet_plugin_host::read_api_version(Path::new(&source), bytes) {
            Ok(v) => eprintln!(
                "{}: devnet:plugin@{v}; this host supports {}",
                a.source,
                devnet_plugin_host::supported_range()
            ),
            Err(_) => eprintln!(
                "{}: this host supports devnet:plugin {}",
                a.source,
                devnet_plugin_host::supported_range()
            ),
        }
    }
    let mut req = InstallPluginRequest {
        source,
        sha256: a.sha256.unwrap_or_default(),
        signature: a.signature.map(|s| absolute(&s)).transpose()?.unwrap_or_default(),
        upgrade,
        allow_unsigned: a.allow_unsigned,
        ..Default::default()
    };
    // Over --remote a path names a file here, not on the daemon's machine: the component goes
    // with the call, and so do the checksum and signature files beside it.
    if let (Some(remote), Some(bytes)) = (&ctx.remote, local) {
        anyhow::ensure!(!bytes.is_empty(), "{}: the file is empty, not a component", a.source);
        upload(&mut req, bytes)?;
        eprintln!(
            "{}: uploading {} bytes to {}",
            a.source,
            req.component.len(),
            remote.url
        );
    }
    let backend = ctx.backend(Needs::Read).await?;
    let shown = crate::progress::Progress::new(ctx.output == Output::Table);
    shown.now(&format!("{}: fetching, verifying and compiling", a.source));
    let outcome = backend.install_plugin(req).await;
    shown.finish();
    backend.close().await;
    let done = outcome?;
    for note in &done.notes {
        eprintln!("{note}");
    }
    let plugin = done.plugin.unwrap_or_default();
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(
            o,
            &serde_json::json!({
                "plugin": plugin,
                "supported_api": done.supported_api,
                "previous_version": done.previous_version,
                "compile_ms": done.compile_ms,
                "notes": done.notes,
            }),
        ),
        Output::Table => {
            let verb = if done.previous_version.is_empty() {
                "installed".to_string()
            } else {
                format!("upgraded from {}", done.previous_version)
            };
            let signed = if plugin.signed_by.is_empty() {
                "unsigned".to_string()
            } else {
                format!("signed by {}", plugin.signed_by)
            };
            println!(
                "{} {} {verb}: API {} (host: {}), sha256 {}, {signed}, compiled in {} ms; {}",
                plugin.name,
                plugin.version,
                plugin.api_version,
                done.supported_api,
                plugin.sha256,
                done.compile_ms,
                plugin.path
            );
            println!(
                "it asks for: {} (a devnet grants it these, scoped to that devnet, and nothing else)",
                capabilities(&plugin)
            );
            Ok(())
        }
    }
}

/// Puts the component (`bytes`, read from `req.source`) in `req`, with the first word of
/// `<source>.sha256` unless --sha256 was given, and the signature file (--signature, or
/// `<source>.sig` when there is one) unless the signature is a URL for the daemon to fetch.
fn upload(req: &mut InstallPluginRequest, bytes: Vec<u8>) -> anyhow::Result<()> {
    let optional = |path: &str| match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("{path}: {e}")),
    };
    if req.sha256.is_empty()
        && let Some(text) = optional(&format!("{}.sha256", req.source))?
    {
        req.sha256 = String::from_utf8_lossy(&text)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
    }
    if req.signature.is_empty() {
        req.component_signature = optional(&format!("{}.sig", req.source))?.unwrap_or_default();
    } else if !req.signature.contains("://") {
        let path = std::mem::take(&mut req.signature);
        req.component_signature = std::fs::read(&path).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    }
    req.component = bytes;
    Ok(())
}

/// `dvb plugin publish`: the component (and its signature) pushed from here.
async fn publish(ctx: &Ctx, component: &Path, target: &str, key: Option<&Path>) -> anyhow::Result<()> {
    let bytes = std::fs::read(component).map_err(|e| anyhow::anyhow!("{}: {e}", component.display()))?;
    let signature = key
        .map(|k| sign_component(&bytes, k).map_err(|e| anyhow::anyhow!("{e}")))
        .transpose()?;
    let done = devnet_daemon::publish_plugin(&bytes, target, signature.as_deref()).await?;
    let value = serde_json::json!({
        "reference": done.reference,
        "manifest_digest": done.manifest_digest,
        "signature_digest": done.signature_digest,
    });
    match ctx.output {
        Output::Name => {
            println!("{}@{}", done.reference, done.manifest_digest);
            Ok(())
        }
        o @ (Output::Json | Output::Yaml) => output::structured(o, &value),
        Output::Table => {
            println!("{}@{}", done.reference, done.manifest_digest);
            match &done.signature_digest {
                Some(d) => eprintln!("signed: the signature is {d}, referring to the manifest"),
                None => eprintln!("unsigned: installs of it need --allow-unsigned (publish with --key to sign it)"),
            }
            Ok(())
        }
    }
}

pub async fn run(ctx: &Ctx, c: PluginCommand) -> anyhow::Result<()> {
    let trusted = || TrustedKeys::new(ctx.home.trusted_keys_dir());
    if let Some(remote) = &ctx.remote
        && matches!(
            c,
            PluginCommand::Trust { .. } | PluginCommand::Untrust { .. } | PluginCommand::Keys
        )
    {
        anyhow::bail!(
            "the keys a daemon trusts are files in its home: run `dvb plugin trust|untrust|keys` on {}'s machine",
            remote.url
        );
    }
    match c {
        PluginCommand::List | PluginCommand::Info { .. } => {
            let only = match &c {
                PluginCommand::Info { name } => Some(name.as_str()),
                _ => None,
            };
            let backend = ctx.backend(Needs::Read).await?;
            let found = summaries(&backend, only).await;
            backend.close().await;
            let found = found?;
            if let Some(name) = only
                && found.is_empty()
            {
                anyhow::bail!("no plugin named {name:?}; `dvb plugin list` shows them");
            }
            show(ctx, &found, only.is_some())
        }
        PluginCommand::Install(a) => install(ctx, a, false).await,
        PluginCommand::Upgrade(a) => install(ctx, a, true).await,
        PluginCommand::Remove { name } => {
            let backend = ctx.backend(Needs::Read).await?;
            let removed = backend.remove_plugin(&name).await;
            backend.close().await;
            let removed = removed?;
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &removed),
                Output::Table => {
                    let again = if removed.builtin {
                        " (built in: installed again when a devnet needs it)"
                    } else {
                        ""
                    };
                    println!("{} {} removed{again}", removed.name, removed.version);
                    Ok(())
                }
            }
        }
        PluginCommand::Trust { name, public_key } => {
            let path = trusted().add(&name, &public_key).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("trusting {name}: {}", path.display());
            Ok(())
        }
        PluginCommand::Untrust { name } => {
            trusted().remove(&name).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("no longer trusting {name}");
            Ok(())
        }
        PluginCommand::Keys => {
            let keys = trusted().list().map_err(|e| anyhow::anyhow!("{e}"))?;
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|(n, k)| vec![n.clone(), hex::encode(k.as_bytes())])
                .collect();
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &rows),
                Output::Table => {
                    output::table(&["NAME", "PUBLIC KEY"], &rows);
                    Ok(())
                }
            }
        }
        PluginCommand::Keygen { out } => {
            if out.exists() {
                anyhow::bail!(
                    "{} exists; choose another --out (a secret key is never overwritten)",
                    out.display()
                );
            }
            let (secret, public) = component_keygen().map_err(|e| anyhow::anyhow!("{e}"))?;
            write_private(&out, format!("{secret}\n").as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!("secret key: {} (keep it; mode 0600)", out.display());
            println!("{public}");
            Ok(())
        }
        PluginCommand::Sign { component, key } => {
            let bytes = std::fs::read(&component).map_err(|e| anyhow::anyhow!("{}: {e}", component.display()))?;
            let signature = sign_component(&bytes, &key).map_err(|e| anyhow::anyhow!("{e}"))?;
            let out = PathBuf::from(format!("{}.sig", component.display()));
            std::fs::write(&out, format!("{signature}\n"))?;
            println!("{}", out.display());
            Ok(())
        }
        PluginCommand::Publish { component, target, key } => publish(ctx, &component, &target, key.as_deref()).await,
        PluginCommand::New(a) => crate::commands::plugin_dev::new(a),
        PluginCommand::Test(a) => crate::commands::plugin_dev::test(ctx, a).await,
    }
}
