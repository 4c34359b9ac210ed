//! `dvb daemon status|config|logs|token`, `dvb ping` and `dvb whoami`.

use std::time::Instant;

use crate::backend::Needs;
use crate::commands::Ctx;
use crate::output::{self, Output};

#[derive(clap::Subcommand)]
pub enum DaemonCommand {
    /// Whether a devnetd serves the home, and what it holds.
    Status,
    /// The effective configuration and where each setting came from.
    Config,
    /// devnetd's own log: the last lines, and with -f what it writes from then on.
    Logs {
        #[arg(short, long)]
        follow: bool,
        /// How many of the last lines to show first.
        #[arg(short = 'n', long, default_value_t = 50)]
        lines: u32,
    },
    /// Tokens for the daemon's remote listener (`listen` in devnetd.toml): made, listed and
    /// revoked here, over the home's socket.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it, once: the daemon keeps only its hash.
    Create {
        /// What the token is for, e.g. `ci`.
        #[arg(long)]
        name: String,
        /// May list, watch and stream logs, and change nothing.
        #[arg(long)]
        read_only: bool,
        /// Sees this devnet only.
        #[arg(long)]
        devnet: Option<String>,
    },
    /// Every token, valid or revoked.
    List,
    /// Refuse the token from now on.
    Revoke { name: String },
}

pub async fn run(ctx: &Ctx, c: DaemonCommand) -> anyhow::Result<()> {
    match c {
        DaemonCommand::Status => status(ctx).await,
        DaemonCommand::Config => config(ctx).await,
        DaemonCommand::Logs { follow, lines } => logs(ctx, follow, lines).await,
        DaemonCommand::Token(c) => token(ctx, c).await,
    }
}

fn token_row(t: &devnet_api::pb::TokenInfo) -> Vec<String> {
    vec![
        t.name.clone(),
        if t.read_only { "read-only" } else { "full" }.into(),
        if t.devnet.is_empty() {
            "(all)".into()
        } else {
            t.devnet.clone()
        },
        output::ago(t.created_unix_ms),
        if t.revoked_unix_ms == 0 {
            "valid".into()
        } else {
            format!("revoked {}", output::ago(t.revoked_unix_ms))
        },
    ]
}

fn token_json(t: &devnet_api::pb::TokenInfo) -> serde_json::Value {
    serde_json::json!({
        "name": t.name,
        "read_only": t.read_only,
        "devnet": (!t.devnet.is_empty()).then_some(&t.devnet),
        "created_unix_ms": t.created_unix_ms,
        "revoked_unix_ms": (t.revoked_unix_ms != 0).then_some(t.revoked_unix_ms),
    })
}

const TOKEN_HEADER: [&str; 5] = ["NAME", "ACCESS", "DEVNET", "CREATED", "STATE"];

async fn token(ctx: &Ctx, c: TokenCommand) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let result = async {
        match c {
            TokenCommand::Create {
                name,
                read_only,
                devnet,
            } => {
                let made = backend.create_token(&name, read_only, devnet.as_deref()).await?;
                let info = made.info.unwrap_or_default();
                match ctx.output {
                    Output::Name => println!("{}", made.token),
                    o @ (Output::Json | Output::Yaml) => {
                        let mut v = token_json(&info);
                        v["token"] = serde_json::Value::String(made.token);
                        output::structured(o, &v)?;
                    }
                    Output::Table => {
                        println!("{}", made.token);
                        eprintln!(
                            "token {name} made ({}{}); it is shown this once: keep it in a file for `dvb --remote … --token-file`",
                            if read_only { "read-only" } else { "full access" },
                            devnet.map(|d| format!(", devnet {d} only")).unwrap_or_default()
                        );
                    }
                }
            }
            TokenCommand::List => {
                let tokens = backend.list_tokens().await?;
                match ctx.output {
                    Output::Name => tokens.iter().for_each(|t| println!("{}", t.name)),
                    o @ (Output::Json | Output::Yaml) => {
                        output::structured(o, &tokens.iter().map(token_json).collect::<Vec<_>>())?
                    }
                    Output::Table => output::table(&TOKEN_HEADER, &tokens.iter().map(token_row).collect::<Vec<_>>()),
                }
            }
            TokenCommand::Revoke { name } => {
                let t = backend.revoke_token(&name).await?;
                match ctx.output {
                    Output::Name => println!("{}", t.name),
                    o @ (Output::Json | Output::Yaml) => output::structured(o, &token_json(&t))?,
                    Output::Table => println!("token {name} revoked: calls with it are refused from now on"),
                }
            }
        }
        anyhow::Ok(())
    }
    .await;
    backend.close().await;
    result
}

/// `dvb ping`: the daemon answers, in how long, with what.
pub async fn ping(ctx: &Ctx) -> anyhow::Result<()> {
    let started = Instant::now();
    let backend = ctx.backend(Needs::Read).await?;
    let connected = started.elapsed();
    let asked = Instant::now();
    let answer = backend.status().await;
    let round_trip = asked.elapsed();
    let daemon = backend.is_daemon();
    backend.close().await;
    let s = answer?;
    let value = serde_json::json!({
        "target": ctx.target(),
        "daemon": daemon,
        "version": s.version,
        "api_version": s.api_version,
        "connect_ms": connected.as_secs_f64() * 1e3,
        "round_trip_ms": round_trip.as_secs_f64() * 1e3,
    });
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &value),
        Output::Table => {
            let what = if daemon {
                format!("devnetd {} (pid {})", s.version, s.pid)
            } else {
                format!("no devnetd; the in-process host {}", s.version)
            };
            println!(
                "{what} at {}: API {}, connected in {:.1} ms, answered in {:.1} ms",
                ctx.target(),
                s.api_version,
                connected.as_secs_f64() * 1e3,
                round_trip.as_secs_f64() * 1e3
            );
            Ok(())
        }
    }
}

/// `dvb whoami`: the owner, or which token, and what it may do.
pub async fn whoami(ctx: &Ctx) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let answer = backend.whoami().await;
    backend.close().await;
    let w = answer?;
    let value = serde_json::json!({
        "kind": w.kind,
        "name": (!w.name.is_empty()).then_some(&w.name),
        "read_only": w.read_only,
        "devnet": (!w.devnet.is_empty()).then_some(&w.devnet),
        "transport": w.transport,
        "target": ctx.target(),
    });
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &value),
        Output::Table => {
            if w.kind == "owner" {
                println!("the daemon's owner ({}, {}): full access", w.transport, ctx.target());
            } else {
                println!(
                    "token {} ({}, {}): {}{}",
                    w.name,
                    w.transport,
                    ctx.target(),
                    if w.read_only { "read-only" } else { "full access" },
                    if w.devnet.is_empty() {
                        ", every devnet".to_string()
                    } else {
                        format!(", devnet {} only", w.devnet)
                    }
                );
            }
            Ok(())
        }
    }
}

async fn logs(ctx: &Ctx, follow: bool, lines: u32) -> anyhow::Result<()> {
    crate::output::text_only(ctx.output, "dvb daemon logs")?;
    use std::io::Write as _;
    use tokio_stream::StreamExt as _;
    let backend = ctx.backend(Needs::Read).await?;
    let result = async {
        let mut out = std::io::stdout();
        let mut stream = backend.daemon_logs(lines, follow).await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|s| anyhow::anyhow!("{}", s.message()))?;
            out.write_all(&chunk.data)?;
            out.flush()?;
        }
        anyhow::Ok(())
    }
    .await;
    backend.close().await;
    result
}

async fn status(ctx: &Ctx) -> anyhow::Result<()> {
    let socket = ctx.home.socket();
    let connected = match &ctx.remote {
        Some(r) => devnet_api::DaemonClient::connect_remote_unchecked(r).await,
        None => devnet_api::DaemonClient::connect_unchecked(&socket).await,
    };
    match connected {
        Ok(c) => {
            let s = c.status().await?;
            // Shown whatever it serves: this is where a user looks when the versions differ.
            let compatible = devnet_api::check_api_version(&s.api_version);
            let value = serde_json::json!({
                "running": true,
                "version": s.version,
                "pid": s.pid,
                "home": s.home,
                "socket": s.socket,
                "started_unix_ms": s.started_unix_ms,
                "devnets": s.devnets,
                "nodes": s.nodes,
                "store_schema_version": s.store_schema_version,
                "api_version": s.api_version,
                "api_compatible": compatible.is_ok(),
                "remote_listen": (!s.remote_listen.is_empty()).then_some(&s.remote_listen),
                "tls_fingerprint": (!s.tls_fingerprint.is_empty()).then_some(&s.tls_fingerprint),
            });
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &value),
                Output::Table => {
                    println!(
                        "devnetd {} running (pid {}), up since {}",
                        s.version,
                        s.pid,
                        output::ago(s.started_unix_ms)
                    );
                    println!("home     {}", s.home);
                    println!("socket   {}", s.socket);
                    if !s.remote_listen.is_empty() {
                        println!("remote   https://{} (TLS, tokens)", s.remote_listen);
                        println!("         certificate sha256 {}", s.tls_fingerprint);
                    }
                    println!("devnets  {}  nodes {}", s.devnets, s.nodes);
                    println!("store    schema version {}", s.store_schema_version);
                    match &compatible {
                        Ok(()) => println!("api      {} (this dvb: {})", s.api_version, devnet_api::API_VERSION),
                        Err(advice) => println!(
                            "api      {} — this dvb speaks {}: {advice}",
                            if s.api_version.is_empty() {
                                "(none)"
                            } else {
                                &s.api_version
                            },
                            devnet_api::API_VERSION
                        ),
                    }
                    Ok(())
                }
            }
        }
        Err(e) => {
            let value = serde_json::json!({
                "running": false,
                "home": if ctx.remote.is_some() { None } else { Some(ctx.home.root()) },
                "socket": ctx.target(),
                "reason": e.to_string(),
            });
            match ctx.output {
                o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(o, &value),
                Output::Table if ctx.remote.is_some() => {
                    println!("no devnetd answers at {}: {e}", ctx.target());
                    Ok(())
                }
                Output::Table => {
                    println!("no devnetd serves {}: {e}", ctx.home.root().display());
                    println!(
                        "dvb runs in-process (standalone); start one with `devnetd --home {}`",
                        ctx.home.root().display()
                    );
                    Ok(())
                }
            }
        }
    }
}

async fn config(ctx: &Ctx) -> anyhow::Result<()> {
    let backend = ctx.backend(Needs::Read).await?;
    let answer = backend.config().await;
    backend.close().await;
    let r = answer?;
    let (toml, sources): (String, Vec<(String, String)>) =
        (r.toml, r.sources.into_iter().map(|s| (s.key, s.value)).collect());
    match ctx.output {
        o @ (Output::Json | Output::Yaml | Output::Name) => output::structured(
            o,
            &serde_json::json!({
                "config": toml,
                "sources": sources.iter().map(|(k, v)| serde_json::json!({"key": k, "from": v})).collect::<Vec<_>>(),
            }),
        ),
        Output::Table => {
            match &ctx.remote {
                Some(r) => println!("# devnetd.toml of {}", r.url),
                None => println!("# {}", ctx.home.config_file().display()),
            }
            print!("{toml}");
            println!();
            let rows: Vec<Vec<String>> = sources.into_iter().map(|(k, v)| vec![k, v]).collect();
            output::table(&["SETTING", "FROM"], &rows);
            Ok(())
        }
    }
}
