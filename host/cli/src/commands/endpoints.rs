//! `dvb endpoints <devnet>` and `dvb env <devnet>`: where a devnet's nodes answer and which
//! accounts it funded, for the team's own tools, tests and scripts.
//!
//! Every port a node has is listed under the name its plugin gave it. The URL's form follows the
//! name: `grpc` as `127.0.0.1:<port>` (what gRPC clients take), `ws` as `ws://…`, `p2p` as
//! `tcp://…`, any other as `http://…`. Every port answers on 127.0.0.1, whatever the runtime
//! (a container on a network of the devnet's own has its ports published there).

use std::collections::BTreeMap;

use devnet_core::{Devnet, Node, NodeRole};
use serde::Serialize;

use crate::backend::Needs;
use crate::commands::Ctx;
use crate::output::{self, Output};

/// A devnet's endpoints.
#[derive(Debug, Serialize)]
pub struct Endpoints {
    pub devnet: String,
    /// The plugin (chain family) that runs it.
    pub network: String,
    pub chain_id: String,
    pub nodes: Vec<NodeEndpoints>,
    /// The keys the devnet holds (validators', funded accounts') and their addresses.
    pub accounts: Vec<Account>,
}

#[derive(Debug, Serialize)]
pub struct NodeEndpoints {
    /// `hub/validator-0`.
    pub name: String,
    pub role: NodeRole,
    /// By port name: its URL.
    pub urls: BTreeMap<String, String>,
    /// Its address on the devnet's own network, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Account {
    pub name: String,
    pub address: String,
    /// With `--with-keys`: "secp256k1" or "ed25519".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// With `--with-keys`: the private key, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
}

/// The URL of port `port` named `name` on 127.0.0.1.
pub fn url(name: &str, port: u16) -> String {
    match name {
        "grpc" => format!("127.0.0.1:{port}"),
        "ws" => format!("ws://127.0.0.1:{port}"),
        "p2p" => format!("tcp://127.0.0.1:{port}"),
        _ => format!("http://127.0.0.1:{port}"),
    }
}

pub fn endpoints(devnet: &Devnet, nodes: &[Node]) -> Endpoints {
    Endpoints {
        devnet: devnet.meta.name.clone(),
        network: devnet.spec.network.clone(),
        chain_id: devnet.spec.chain_id.clone(),
        nodes: nodes
            .iter()
            .map(|n| NodeEndpoints {
                name: n.meta.name.clone(),
                role: n.spec.role,
                urls: n
                    .spec
                    .ports
                    .iter()
                    .map(|p| (p.name.clone(), url(&p.name, p.port)))
                    .collect(),
                address: n.spec.network.as_ref().map(|net| net.address.clone()),
            })
            .collect(),
        accounts: devnet
            .status
            .addresses
            .iter()
            .map(|a| Account {
                name: a.name.clone(),
                address: a.address.clone(),
                algorithm: None,
                private_key: None,
            })
            .collect(),
    }
}

/// `hub-2` as a part of an environment variable's name: `HUB_2`.
fn shell_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The devnet's prefix: its [`shell_name`], after a `_` when it starts with a digit (a shell
/// name cannot).
fn prefix(devnet: &str) -> String {
    let name = shell_name(devnet);
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

/// `value` in single quotes, as a POSIX shell reads it back unchanged.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// `export` lines for `e`: the chain id; the first node's URLs under the devnet's prefix
/// (`HUB_RPC`); every node's under its own (`HUB_VALIDATOR_1_RPC`); every account's address
/// (`HUB_ADDRESS_ALICE`). Two values that would take one name (keys `a-b` and `a_b`) are
/// refused, naming both.
pub fn env_lines(e: &Endpoints) -> anyhow::Result<Vec<String>> {
    let prefix = prefix(&e.devnet);
    let mut lines = vec![format!("export {prefix}_CHAIN_ID={}", quoted(&e.chain_id))];
    if let Some(first) = e.nodes.first() {
        for (port, url) in &first.urls {
            lines.push(format!("export {prefix}_{}={}", shell_name(port), quoted(url)));
        }
    }
    for node in &e.nodes {
        let short = node.name.rsplit_once('/').map_or(node.name.as_str(), |(_, n)| n);
        for (port, url) in &node.urls {
            lines.push(format!(
                "export {prefix}_{}_{}={}",
                shell_name(short),
                shell_name(port),
                quoted(url)
            ));
        }
    }
    for account in &e.accounts {
        lines.push(format!(
            "export {prefix}_ADDRESS_{}={}",
            shell_name(&account.name),
            quoted(&account.address)
        ));
        if let Some(key) = &account.private_key {
            lines.push(format!(
                "export {prefix}_PRIVATE_KEY_{}={}",
                shell_name(&account.name),
                quoted(key)
            ));
        }
    }
    let mut seen = std::collections::HashMap::new();
    for line in &lines {
        let name = line.trim_start_matches("export ").split('=').next().unwrap_or_default();
        if let Some(first) = seen.insert(name, line) {
            anyhow::bail!(
                "two values of devnet {} would both be ${name} ({first:?} and {line:?}): their names differ only \
                 in characters a shell name cannot hold; use `dvb endpoints {} -o json` instead",
                e.devnet,
                e.devnet
            );
        }
    }
    Ok(lines)
}

/// `with_keys`: each account's private key too (the owner's, or a full-access token's).
async fn fetch(ctx: &Ctx, name: &str, with_keys: bool) -> anyhow::Result<Endpoints> {
    if let Some(remote) = &ctx.remote {
        eprintln!(
            "note: these URLs are on {}'s machine (its 127.0.0.1): reach them there, or through a tunnel",
            remote.url
        );
    }
    let backend = ctx.backend(Needs::Read).await?;
    let result = async {
        let devnet = backend.get(name).await?;
        let nodes = backend.nodes(name).await?;
        let mut e = endpoints(&devnet, &nodes);
        if with_keys {
            let keys = backend.devnet_keys(name).await?;
            for account in &mut e.accounts {
                if let Some(k) = keys.iter().find(|k| k.name == account.name) {
                    account.algorithm = Some(k.algorithm.clone());
                    account.private_key = Some(k.private_key_hex.clone());
                }
            }
            let missing: Vec<&str> = e
                .accounts
                .iter()
                .filter(|a| a.private_key.is_none())
                .map(|a| a.name.as_str())
                .collect();
            if e.accounts.is_empty() {
                eprintln!(
                    "note: {name} lists no accounts (its plugin derives no addresses, or it is not provisioned yet): no keys to show"
                );
            } else if !missing.is_empty() {
                eprintln!("note: no key held for {}", missing.join(", "));
            } else {
                eprintln!("note: these are {name}'s private keys: a devnet's, never for value on a real chain");
            }
        }
        anyhow::Ok(e)
    }
    .await;
    backend.close().await;
    result
}

/// `dvb endpoints <devnet>`.
pub async fn run(ctx: &Ctx, name: &str, with_keys: bool) -> anyhow::Result<()> {
    // `-o name` prints node names only: no key is read for it.
    let e = fetch(ctx, name, with_keys && ctx.output != Output::Name).await?;
    match ctx.output {
        o @ (Output::Json | Output::Yaml) => output::structured(o, &e),
        Output::Name => {
            for node in &e.nodes {
                println!("{}", node.name);
            }
            Ok(())
        }
        Output::Table => {
            println!("{} ({}), chain id {}", e.devnet, e.network, e.chain_id);
            println!();
            let rows: Vec<Vec<String>> = e
                .nodes
                .iter()
                .flat_map(|n| {
                    n.urls
                        .iter()
                        .map(|(port, url)| vec![n.name.clone(), port.clone(), url.clone()])
                        .collect::<Vec<_>>()
                })
                .collect();
            output::table(&["NODE", "PORT", "URL"], &rows);
            if !e.accounts.is_empty() {
                println!();
                if with_keys {
                    let rows: Vec<Vec<String>> = e
                        .accounts
                        .iter()
                        .map(|a| {
                            vec![
                                a.name.clone(),
                                a.address.clone(),
                                a.algorithm.clone().unwrap_or_default(),
                                a.private_key.clone().unwrap_or_default(),
                            ]
                        })
                        .collect();
                    output::table(&["KEY", "ADDRESS", "ALGORITHM", "PRIVATE KEY"], &rows);
                } else {
                    let rows: Vec<Vec<String>> = e
                        .accounts
                        .iter()
                        .map(|a| vec![a.name.clone(), a.address.clone()])
                        .collect();
                    output::table(&["KEY", "ADDRESS"], &rows);
                }
            }
            Ok(())
        }
    }
}

/// `dvb env <devnet>`: lines for `eval "$(dvb env hub)"`.
pub async fn env(ctx: &Ctx, name: &str, with_keys: bool) -> anyhow::Result<()> {
    output::text_only(ctx.output, "dvb env")?;
    for line in env_lines(&fetch(ctx, name, with_keys).await?)? {
        println!("{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_should_read_back_in_a_shell_as_written() {
        let e = Endpoints {
            devnet: "hub-2".into(),
            network: "cosmos".into(),
            chain_id: "it's-1".into(),
            nodes: vec![NodeEndpoints {
                name: "hub-2/validator-0".into(),
                role: NodeRole::Validator,
                urls: BTreeMap::from([
                    ("rpc".to_string(), url("rpc", 26657)),
                    ("grpc".to_string(), url("grpc", 9090)),
                ]),
                address: None,
            }],
            accounts: vec![Account {
                name: "alice".into(),
                address: "cosmos1xyz".into(),
                algorithm: Some("secp256k1".into()),
                private_key: Some("00ff".into()),
            }],
        };
        let script = format!(
            "{}\nprintf '%s|%s|%s|%s|%s|%s' \"$HUB_2_CHAIN_ID\" \"$HUB_2_RPC\" \"$HUB_2_GRPC\" \"$HUB_2_VALIDATOR_0_RPC\" \"$HUB_2_ADDRESS_ALICE\" \"$HUB_2_PRIVATE_KEY_ALICE\"",
            env_lines(&e).unwrap().join("\n")
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap_or_else(|e| panic!("sh: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "it's-1|http://127.0.0.1:26657|127.0.0.1:9090|http://127.0.0.1:26657|cosmos1xyz|00ff"
        );
    }

    #[test]
    fn env_names_should_be_shell_names_and_never_two_values_under_one() {
        let mut e = Endpoints {
            devnet: "2hub".into(),
            network: "cosmos".into(),
            chain_id: "c".into(),
            nodes: vec![],
            accounts: vec![Account {
                name: "a-b".into(),
                address: "x".into(),
                algorithm: None,
                private_key: None,
            }],
        };
        let lines = env_lines(&e).unwrap();
        assert_eq!(lines[0], "export _2HUB_CHAIN_ID='c'");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{}\nprintf %s \"$_2HUB_ADDRESS_A_B\"", lines.join("\n")))
            .output()
            .unwrap_or_else(|e| panic!("sh: {e}"));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "x");
        e.accounts.push(Account {
            name: "a_b".into(),
            address: "y".into(),
            algorithm: None,
            private_key: None,
        });
        let err = env_lines(&e).unwrap_err().to_string();
        assert!(err.contains("$_2HUB_ADDRESS_A_B") && err.contains("-o json"), "{err}");
    }
}
