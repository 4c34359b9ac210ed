//! What the evm plugin chooses for a new devnet: the client (from `--set client=…`, else the
//! binary and the node count), the binary and version that client runs, a numeric chain id, and
//! the order Clique signers start in.

use devnet_plugin_sdk::plan::{DevnetPlan, DevnetRequest, StartGate, setting};
use devnet_plugin_sdk::{DevnetSpec, NodeRole, NodeSlot, Override, PluginError};

/// A client this plugin runs: its name in `client`, the binary it runs, the version it needs
/// (empty: the newest of the chain cache) and its default chain id.
struct Client {
    name: &'static str,
    binary: &'static str,
    version: &'static str,
    chain_id: u64,
}

const CLIQUE: Client = Client {
    name: "clique",
    binary: "geth",
    // geth 1.14 dropped Clique sealing.
    version: "v1.13",
    chain_id: 1337,
};
const GETH_DEV: Client = Client {
    name: "geth-dev",
    binary: "geth",
    version: "",
    // geth's dev mode runs this chain id and no other.
    chain_id: 1337,
};
const ANVIL: Client = Client {
    name: "anvil",
    binary: "anvil",
    version: "",
    chain_id: 31337,
};

/// The client `client` names; `geth` is geth-dev's older name.
pub fn named(client: &str) -> Result<&'static str, PluginError> {
    match client {
        "clique" => Ok(CLIQUE.name),
        "geth-dev" | "geth" => Ok(GETH_DEV.name),
        "anvil" => Ok(ANVIL.name),
        other => Err(PluginError::invalid(format!(
            "client {other:?}: use `clique` (geth v1.13 proof of authority, any number of nodes), `geth-dev` (geth dev mode, one node) or `anvil` (one node)"
        ))),
    }
}

pub fn choose(request: DevnetRequest) -> Result<DevnetPlan, PluginError> {
    let nodes = request.validators + request.full_nodes;
    let client = match setting(&request.overrides, "client") {
        Some(name) => match named(name)? {
            "clique" => CLIQUE,
            "anvil" => ANVIL,
            _ => GETH_DEV,
        },
        None if request.binary == ANVIL.binary => ANVIL,
        None if nodes > 1 => CLIQUE,
        None => GETH_DEV,
    };
    if !request.binary.is_empty() && request.binary != client.binary {
        return Err(PluginError::invalid(format!(
            "client {} runs the {} binary, not {}: drop --binary, or pick the client with --set client=…",
            client.name, client.binary, request.binary
        )));
    }
    if nodes > 1 && client.name != CLIQUE.name {
        return Err(PluginError::invalid(format!(
            "client {} runs a single node, not {nodes}: for several nodes use client clique (the default for more than one node)",
            client.name
        )));
    }
    // Every balance in a unit this plugin reads, checked before the devnet is stored.
    for account in &request.accounts {
        for coin in &account.balances {
            crate::units::wei(&coin.amount, &coin.denom)
                .map_err(|e| PluginError::invalid(format!("--account {}: {}", account.name, e.message())))?;
        }
    }
    if client.name == CLIQUE.name
        && !request.chain_version.is_empty()
        && !matches_line(&request.chain_version, CLIQUE.version)
    {
        return Err(PluginError::invalid(format!(
            "Clique needs geth {} (later releases dropped it), not {}: drop --version, or use --version {}",
            CLIQUE.version, request.chain_version, CLIQUE.version
        )));
    }
    let chain_id = if request.chain_id.is_empty() {
        client.chain_id.to_string()
    } else {
        let id: u64 = request.chain_id.parse().map_err(|_| {
            PluginError::invalid(format!(
                "chain id {:?}: an EVM chain id is a number, e.g. {}",
                request.chain_id, client.chain_id
            ))
        })?;
        if client.name == GETH_DEV.name && id != GETH_DEV.chain_id {
            return Err(PluginError::invalid(format!(
                "geth dev mode runs chain id {} only, not {id}: drop --chain-id, or use client clique or anvil",
                GETH_DEV.chain_id
            )));
        }
        id.to_string()
    };
    let mut overrides = request.overrides;
    match overrides.iter_mut().find(|o| o.key == "client") {
        Some(o) => o.value = client.name.to_string(),
        None => overrides.push(Override {
            key: "client".into(),
            value: client.name.into(),
        }),
    }
    if client.name == ANVIL.name && setting(&overrides, "hardfork").is_none() {
        // Named, so that `dvb status` shows it and an upgrade moves it on.
        overrides.push(Override {
            key: "hardfork".into(),
            value: crate::anvil::DEFAULT_HARDFORK.into(),
        });
    }
    Ok(DevnetPlan {
        chain_id,
        binary: client.binary.into(),
        chain_version: if request.chain_version.is_empty() {
            client.version.into()
        } else {
            request.chain_version
        },
        overrides,
    })
}

/// Whether `version` is on release line `line` (`v1.13.15` and `1.13` are on `v1.13`).
fn matches_line(version: &str, line: &str) -> bool {
    let (v, l) = (version.trim_start_matches('v'), line.trim_start_matches('v'));
    v == l || v.starts_with(&format!("{l}."))
}

/// Clique signers after the first wait for its block 1: signers that each seal a block 1 of
/// their own before they have peered fork, and geth v1.13 takes no propagated block before its
/// first sync, so they never join up. Full nodes seal nothing and start at once.
pub fn start_after(spec: &DevnetSpec, node: &NodeSlot) -> Result<Option<StartGate>, PluginError> {
    let clique = crate::node::client(spec)? == CLIQUE.name;
    Ok((clique && node.role == NodeRole::Validator && node.index > 0).then_some(StartGate { after: 0, height: 1 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(validators: u32, full_nodes: u32, settings: &[(&str, &str)]) -> DevnetRequest {
        DevnetRequest {
            name: "eth".into(),
            chain_id: String::new(),
            binary: String::new(),
            chain_version: String::new(),
            validators,
            full_nodes,
            accounts: vec![],
            overrides: settings
                .iter()
                .map(|(k, v)| Override {
                    key: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            now_unix_secs: 1_800_000_000,
        }
    }

    fn client_of(plan: &DevnetPlan) -> &str {
        setting(&plan.overrides, "client").unwrap()
    }

    #[test]
    fn several_nodes_should_get_clique_on_geth_v1_13_with_a_numeric_chain_id() {
        let plan = choose(request(3, 1, &[])).unwrap();
        assert_eq!(
            (
                plan.binary.as_str(),
                plan.chain_version.as_str(),
                plan.chain_id.as_str()
            ),
            ("geth", "v1.13", "1337")
        );
        assert_eq!(client_of(&plan), "clique");
    }

    #[test]
    fn one_node_should_get_geth_dev_mode_and_anvil_when_asked() {
        let plan = choose(request(1, 0, &[])).unwrap();
        assert_eq!((plan.binary.as_str(), client_of(&plan)), ("geth", "geth-dev"));
        assert_eq!(plan.chain_version, "");
        let plan = choose(request(1, 0, &[("client", "anvil"), ("block-time", "2s")])).unwrap();
        assert_eq!((plan.binary.as_str(), plan.chain_id.as_str()), ("anvil", "31337"));
        assert_eq!(setting(&plan.overrides, "block-time"), Some("2s"));
        assert_eq!(setting(&plan.overrides, "hardfork"), Some("prague"));
        let mut r = request(1, 0, &[]);
        r.binary = "anvil".into();
        assert_eq!(client_of(&choose(r).unwrap()), "anvil");
    }

    #[test]
    fn what_cannot_work_together_should_be_refused_saying_what_to_change() {
        let e = choose(request(3, 0, &[("client", "anvil")])).unwrap_err();
        assert!(e.message().contains("single node, not 3"), "{e:?}");
        let e = choose(request(1, 0, &[("client", "besu")])).unwrap_err();
        assert!(e.message().contains("client \"besu\""), "{e:?}");
        let mut r = request(3, 0, &[]);
        r.chain_version = "v1.17".into();
        assert!(choose(r).unwrap_err().message().contains("--version v1.13"));
        let mut r = request(1, 0, &[("client", "anvil")]);
        r.binary = "geth".into();
        assert!(
            choose(r)
                .unwrap_err()
                .message()
                .contains("runs the anvil binary, not geth")
        );
        let mut r = request(1, 0, &[]);
        r.chain_id = "eth-1".into();
        assert!(choose(r).unwrap_err().message().contains("is a number"));
        let mut r = request(1, 0, &[]);
        r.chain_id = "5".into();
        assert!(choose(r).unwrap_err().message().contains("1337 only"));
        let mut r = request(2, 0, &[]);
        r.accounts = vec![devnet_plugin_sdk::AccountSpec {
            name: "alice".into(),
            balances: vec![devnet_plugin_sdk::Coin {
                denom: "stake".into(),
                amount: "5".into(),
            }],
        }];
        let e = choose(r.clone()).unwrap_err();
        assert!(
            e.message().contains("--account alice") && e.message().contains("ether"),
            "{e:?}"
        );
        r.validators = 1;
        r.accounts[0].balances[0].denom = "ether".into();
        // One node: geth dev mode, funded from its genesis.
        assert_eq!(client_of(&choose(r).unwrap()), "geth-dev");
    }

    #[test]
    fn a_version_the_user_gave_on_clique_s_line_should_stand() {
        let mut r = request(2, 0, &[]);
        r.chain_version = "v1.13.15".into();
        assert_eq!(choose(r).unwrap().chain_version, "v1.13.15");
    }
}
