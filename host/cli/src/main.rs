//! dvb: the devnet-builder CLI. One file per command under `commands/`.

mod backend;
mod commands;
mod output;
mod progress;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use devnet_daemon::Home;

use crate::output::Output;

#[derive(Parser)]
#[command(
    name = "dvb",
    version,
    about = "Stand up, supervise and drive local blockchain devnets",
    long_about = "Stand up, supervise and drive local blockchain devnets.\n\nTalks to the devnetd serving --home when one runs; otherwise runs the same host library in this process (--standalone forces that)."
)]
pub struct Cli {
    /// The daemon's home: its store, socket, logs and every node's files.
    #[arg(long, env = "DEVNET_HOME", global = true)]
    home: Option<PathBuf>,
    /// How to print results.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table, global = true)]
    output: Output,
    /// Run in-process even if a daemon is serving the home.
    #[arg(long, global = true, conflicts_with = "remote")]
    standalone: bool,
    /// A devnetd's remote listener (`listen` in its devnetd.toml) instead of the home's
    /// socket: `https://host:7443`. Needs a token (--token-file or DVB_TOKEN) and, for the
    /// daemon's self-signed certificate, --fingerprint (or --ca-cert).
    #[arg(long, env = "DVB_REMOTE", global = true, value_name = "URL")]
    remote: Option<String>,
    /// A file holding the token (`dvb daemon token create` on the daemon's machine).
    #[arg(long, env = "DVB_TOKEN_FILE", global = true, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Trust the daemon's certificate by its SHA-256 fingerprint (`dvb daemon status` there).
    #[arg(
        long,
        env = "DVB_FINGERPRINT",
        global = true,
        value_name = "SHA256",
        conflicts_with = "ca_cert"
    )]
    fingerprint: Option<String>,
    /// Trust the daemon's certificate if this CA (PEM) signed it and it names the URL's host.
    #[arg(long, env = "DVB_CA_CERT", global = true, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Declare a devnet and bring it up (waits for its first block unless --no-wait).
    Deploy(commands::deploy::Args),
    /// Every devnet of the home.
    List,
    /// A devnet and its nodes.
    Status { name: String },
    /// Whether the daemon answers, how fast, and which API it serves.
    Ping,
    /// Who the daemon takes you for: its owner (the unix socket) or a token, and what it may do.
    Whoami,
    /// Where a devnet's nodes answer (every port's URL) and its accounts' addresses, for your
    /// own tools: `-o json` to read them from a program.
    Endpoints {
        name: String,
        /// Each account's private key too (hex): the owner's, or a full-access token's.
        #[arg(long)]
        with_keys: bool,
    },
    /// Make a stack file so: its devnets created (or left as they are), its transactions sent
    /// once their devnets run; a second apply of the same file changes nothing.
    Apply(commands::stack::ApplyArgs),
    /// What `dvb apply` would do with a stack file; changes nothing.
    Diff {
        #[command(flatten)]
        file: commands::stack::FileArgs,
        /// As `dvb apply --prune` would.
        #[arg(long)]
        prune: bool,
        /// As `dvb apply --recreate` would.
        #[arg(long)]
        recreate: bool,
    },
    /// Destroy every devnet a stack file's stack made, and forget the stack.
    Delete(commands::stack::FileArgs),
    /// Every stack applied on this home, with its phase.
    Stacks,
    /// Shell `export` lines for a devnet's endpoints: `eval "$(dvb env hub)"`, then `$HUB_RPC`,
    /// `$HUB_VALIDATOR_1_API`, `$HUB_ADDRESS_ALICE`, `$HUB_CHAIN_ID`.
    Env {
        name: String,
        /// `$HUB_PRIVATE_KEY_ALICE` too: the owner's, or a full-access token's.
        #[arg(long)]
        with_keys: bool,
    },
    /// Start the nodes of a stopped devnet.
    Start(commands::lifecycle::Args),
    /// Stop every node of a devnet, keeping its files.
    Stop(commands::lifecycle::Args),
    /// Stop every node and remove the devnet and all its files.
    Destroy(commands::lifecycle::Args),
    /// Nodes: list, logs, restart, health.
    #[command(subcommand)]
    Nodes(commands::nodes::NodesCommand),
    /// The event log (what happened to which object).
    Events(commands::events::Args),
    /// The daemon serving the home.
    #[command(subcommand)]
    Daemon(commands::daemon::DaemonCommand),
    /// Plugins: list, info.
    #[command(subcommand)]
    Plugin(commands::plugin::PluginCommand),
    /// Transactions: submit (signed by the devnet's key, followed into a block), status, list.
    #[command(subcommand)]
    Tx(commands::tx::TxCommand),
    /// Governance shortcuts: propose, vote, list.
    #[command(subcommand)]
    Gov(commands::gov::GovCommand),
    /// Software upgrades, through governance or at a halt height: create, status, list, cancel.
    #[command(subcommand)]
    Upgrade(commands::upgrade::UpgradeCommand),
    /// State exports: create (from one node, stopped for it), status, list.
    #[command(subcommand)]
    Export(commands::export::ExportCommand),
    /// A shell completion script for dvb, on stdout: `dvb completions bash > ~/.local/share/bash-completion/completions/dvb`
    /// (zsh: into a directory on $fpath as `_dvb`; fish: `~/.config/fish/completions/dvb.fish`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The completion script of `shell` for dvb's commands and options.
fn completions(shell: clap_complete::Shell, out: &mut impl std::io::Write) {
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "dvb", out);
}

/// The remote daemon the flags name, if any: its URL, token and how to trust it. `typed`: the
/// flags given on the command line (not from the environment, where DVB_TOKEN_FILE and the like
/// may be set for other commands).
fn remote(cli: &Cli, typed: impl Fn(&str) -> bool) -> anyhow::Result<Option<devnet_api::remote::Remote>> {
    use devnet_api::remote::{Remote, Trust};
    let Some(url) = &cli.remote else {
        for (id, flag) in [
            ("token_file", "--token-file"),
            ("fingerprint", "--fingerprint"),
            ("ca_cert", "--ca-cert"),
        ] {
            if typed(id) {
                anyhow::bail!(
                    "{flag} is for a remote daemon: give --remote https://host:port too (the home's socket needs no token)"
                );
            }
        }
        return Ok(None);
    };
    let token = match (&cli.token_file, std::env::var("DVB_TOKEN").ok()) {
        (Some(f), _) => Some(
            std::fs::read_to_string(f)
                .map_err(|e| anyhow::anyhow!("reading the token file {}: {e}", f.display()))?
                .trim()
                .to_string(),
        ),
        (None, Some(t)) => Some(t.trim().to_string()),
        (None, None) => None,
    };
    let trust = match (&cli.fingerprint, &cli.ca_cert) {
        (Some(f), _) => Trust::fingerprint(f).map_err(|e| anyhow::anyhow!("--fingerprint: {e}"))?,
        (None, Some(ca)) => Trust::CaFile(ca.clone()),
        (None, None) => Trust::System,
    };
    Ok(Some(Remote {
        url: url.clone(),
        token,
        trust,
    }))
}

#[tokio::main]
async fn main() {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let home = Home::resolve(cli.home.as_deref());
    let typed = |id: &str| matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
    let remote = match remote(&cli, typed) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    };
    let ctx = commands::Ctx {
        home,
        output: cli.output,
        standalone: cli.standalone,
        remote,
    };
    let result = match cli.command {
        Command::Deploy(a) => commands::deploy::run(&ctx, a).await,
        Command::List => commands::list::run(&ctx).await,
        Command::Status { name } => commands::status::run(&ctx, &name).await,
        Command::Ping => commands::daemon::ping(&ctx).await,
        Command::Whoami => commands::daemon::whoami(&ctx).await,
        Command::Apply(a) => commands::stack::apply(&ctx, a).await,
        Command::Diff { file, prune, recreate } => commands::stack::diff(&ctx, file, prune, recreate).await,
        Command::Delete(a) => commands::stack::delete(&ctx, a).await,
        Command::Stacks => commands::stack::list(&ctx).await,
        Command::Endpoints { name, with_keys } => commands::endpoints::run(&ctx, &name, with_keys).await,
        Command::Env { name, with_keys } => commands::endpoints::env(&ctx, &name, with_keys).await,
        Command::Start(a) => commands::lifecycle::start(&ctx, a).await,
        Command::Stop(a) => commands::lifecycle::stop(&ctx, a).await,
        Command::Destroy(a) => commands::lifecycle::destroy(&ctx, a).await,
        Command::Nodes(c) => commands::nodes::run(&ctx, c).await,
        Command::Events(a) => commands::events::run(&ctx, a).await,
        Command::Daemon(c) => commands::daemon::run(&ctx, c).await,
        Command::Plugin(c) => commands::plugin::run(&ctx, c).await,
        Command::Tx(c) => commands::tx::run(&ctx, c).await,
        Command::Gov(c) => commands::gov::run(&ctx, c).await,
        Command::Upgrade(c) => commands::upgrade::run(&ctx, c).await,
        Command::Export(c) => commands::export::run(&ctx, c).await,
        Command::Completions { shell } => {
            output::text_only(ctx.output, "dvb completions").map(|()| completions(shell, &mut std::io::stdout()))
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    use clap_complete::Shell;

    fn script(shell: Shell) -> String {
        let mut out = Vec::new();
        super::completions(shell, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn completions_should_know_the_commands_and_be_valid_bash() {
        let bash = script(Shell::Bash);
        for word in ["deploy", "upgrade", "--runtime", "completions"] {
            assert!(bash.contains(word), "{word} missing from the bash script");
        }
        // bash itself parses it (-n: read, do not run).
        let mut check = Command::new("bash")
            .arg("-n")
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        check.stdin.take().unwrap().write_all(bash.as_bytes()).unwrap();
        let out = check.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(script(Shell::Zsh).starts_with("#compdef dvb"));
        assert!(script(Shell::Fish).contains("complete -c dvb"));
    }
}
