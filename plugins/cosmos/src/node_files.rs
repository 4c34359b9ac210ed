//! Each node's files: config.toml, app.toml and client.toml from simd's own templates with this
//! node's loopback ports and peers, and its key files (secrets filled in by the host).

use devnet_plugin_sdk::cosmos::consensus_address;
use devnet_plugin_sdk::{File, NodeSlot, PluginError};
use toml_edit::{DocumentMut, value};

use crate::settings::Settings;

/// simd's templates, read once from the directory `simd init` made.
pub struct Templates {
    pub config: DocumentMut,
    pub app: DocumentMut,
    pub client: DocumentMut,
}

impl Templates {
    pub fn parse(config: &str, app: &str, client: &str) -> Result<Self, PluginError> {
        let parse = |name: &str, text: &str| {
            text.parse::<DocumentMut>()
                .map_err(|e| PluginError::Chain(format!("simd's {name} template does not parse: {e}")))
        };
        Ok(Self {
            config: parse("config.toml", config)?,
            app: parse("app.toml", app)?,
            client: parse("client.toml", client)?,
        })
    }
}

/// The peers node `i` dials: every validator when there are few; otherwise the next eight
/// validators around a ring, which keeps the network connected without a full mesh.
pub fn peers_of(i: usize, validators: &[(usize, String)]) -> Vec<String> {
    const FULL_MESH_UP_TO: usize = 10;
    const RING_PEERS: usize = 8;
    let others: Vec<&(usize, String)> = validators.iter().filter(|(j, _)| *j != i).collect();
    if validators.len() <= FULL_MESH_UP_TO {
        return others.iter().map(|(_, p)| p.clone()).collect();
    }
    let start = validators.iter().position(|(j, _)| *j > i).unwrap_or(0);
    (0..validators.len())
        .map(|k| &validators[(start + k) % validators.len()])
        .filter(|(j, _)| *j != i)
        .take(RING_PEERS)
        .map(|(_, p)| p.clone())
        .collect()
}

pub struct NodeKeys<'a> {
    pub p2p_id: &'a str,
    /// Validators only.
    pub consensus: Option<(&'a str, &'a [u8])>,
}

fn text(path: String, contents: String) -> File {
    File {
        path,
        contents: contents.into_bytes(),
        with_secrets: false,
    }
}

pub fn node_files(
    t: &Templates,
    s: &Settings,
    chain_id: &str,
    node: &NodeSlot,
    peers: &[String],
    keys: &NodeKeys<'_>,
) -> Result<Vec<File>, PluginError> {
    let (rpc, p2p, grpc, api) = (
        node.port("rpc")?,
        node.port("p2p")?,
        node.port("grpc")?,
        node.port("api")?,
    );
    let home = node.home.trim_end_matches('/');
    // Where the node binds and where its peers reach it: loopback for a process, the
    // container's own address on a devnet network.
    let (bind, peer) = (node.bind_host(), node.peer_host());

    let mut config = t.config.clone();
    config["moniker"] = value(&node.name);
    config["genesis_file"] = value(shared_genesis_from(home)?);
    config["rpc"]["laddr"] = value(format!("tcp://{bind}:{rpc}"));
    config["rpc"]["pprof_laddr"] = value("");
    config["p2p"]["laddr"] = value(format!("tcp://{bind}:{p2p}"));
    config["p2p"]["external_address"] = value(format!("{peer}:{p2p}"));
    config["p2p"]["persistent_peers"] = value(peers.join(","));
    config["p2p"]["allow_duplicate_ip"] = value(true);
    config["p2p"]["addr_book_strict"] = value(false);
    config["p2p"]["pex"] = value(true);
    config["consensus"]["timeout_commit"] = value(&s.block_time);
    config["instrumentation"]["prometheus"] = value(false);

    let mut app = t.app.clone();
    app["api"]["enable"] = value(true);
    app["api"]["address"] = value(format!("tcp://{bind}:{api}"));
    app["grpc"]["enable"] = value(true);
    app["grpc"]["address"] = value(format!("{bind}:{grpc}"));
    app["minimum-gas-prices"] = value(format!("0{}", s.denom));

    let mut client = t.client.clone();
    client["chain-id"] = value(chain_id);
    client["node"] = value(format!("tcp://127.0.0.1:{rpc}"));
    client["keyring-backend"] = value("test");

    let mut files = vec![
        text(format!("{home}/config/config.toml"), config.to_string()),
        text(format!("{home}/config/app.toml"), app.to_string()),
        text(format!("{home}/config/client.toml"), client.to_string()),
        File {
            path: format!("{home}/config/node_key.json"),
            contents: serde_json::to_vec(&serde_json::json!({
                "priv_key": {
                    "type": "tendermint/PrivKeyEd25519",
                    "value": format!("${{secret:{}:base64-keypair}}", keys.p2p_id),
                }
            }))
            .unwrap_or_default(),
            with_secrets: true,
        },
    ];
    if let Some((id, pubkey)) = keys.consensus {
        let address: String = consensus_address(pubkey).iter().map(|b| format!("{b:02X}")).collect();
        let key = serde_json::json!({
            "address": address,
            "pub_key": { "type": "tendermint/PubKeyEd25519", "value": crate::b64(pubkey) },
            "priv_key": { "type": "tendermint/PrivKeyEd25519", "value": format!("${{secret:{id}:base64-keypair}}") },
        });
        files.push(File {
            path: format!("{home}/config/priv_validator_key.json"),
            contents: serde_json::to_vec_pretty(&key).unwrap_or_default(),
            with_secrets: true,
        });
        files.push(text(
            format!("{home}/data/priv_validator_state.json"),
            "{\n  \"height\": \"0\",\n  \"round\": 0,\n  \"step\": 0\n}".into(),
        ));
    }
    Ok(files)
}

/// The devnet's one genesis file, at the root of its directory.
pub const GENESIS_FILE: &str = "genesis.json";

/// [`GENESIS_FILE`] as a path relative to a node's home, which is how CometBFT resolves
/// `genesis_file`: `../../genesis.json` from `nodes/validator-0`.
fn shared_genesis_from(home: &str) -> Result<String, PluginError> {
    let parts: Vec<&str> = home.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.is_empty() || parts.contains(&"..") {
        return Err(PluginError::invalid(format!(
            "node home {home:?} must be a directory inside the devnet's directory"
        )));
    }
    Ok(format!("{}{GENESIS_FILE}", "../".repeat(parts.len())))
}

#[cfg(test)]
mod tests {
    use super::{peers_of, shared_genesis_from};

    #[test]
    fn the_shared_genesis_should_be_found_from_any_home_depth() {
        assert_eq!(shared_genesis_from("validator-0").unwrap(), "../genesis.json");
        assert_eq!(shared_genesis_from("nodes/validator-0/").unwrap(), "../../genesis.json");
        assert!(shared_genesis_from("../elsewhere").is_err());
        assert!(shared_genesis_from("").is_err());
    }

    fn vals(n: usize) -> Vec<(usize, String)> {
        (0..n).map(|i| (i, format!("p{i}"))).collect()
    }

    #[test]
    fn small_networks_should_be_a_full_mesh_and_large_ones_a_connected_ring() {
        assert_eq!(peers_of(1, &vals(4)), ["p0", "p2", "p3"]);
        assert_eq!(peers_of(9, &vals(4)).len(), 4, "a full node peers with every validator");
        let big = vals(32);
        assert_eq!(peers_of(31, &big), ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"]);
        for i in 0..32 {
            let p = peers_of(i, &big);
            assert_eq!(p.len(), 8);
            assert!(!p.contains(&format!("p{i}")));
            assert!(p.contains(&format!("p{}", (i + 1) % 32)), "ring link from {i}");
        }
    }
}
