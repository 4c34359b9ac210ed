//! The validators' files: `peers.yaml` (every validator's network key and address) and one
//! config per validator, in the YAML alto's `deploy generate … local` writes. Secrets are host
//! placeholders: the network key (`validator-<i>.p2p`), the share and the public polynomial.

use devnet_plugin_sdk::genesis::public_key;
use devnet_plugin_sdk::threshold::{polynomial, share};
use devnet_plugin_sdk::{DevnetSpec, File, NodeSlot, PluginError, PublicKey};

use crate::plan::setting;
use crate::{GROUP, network_key};

/// Every validator's address by network key, in the devnet's directory.
pub const PEERS: &str = "peers.yaml";

/// Validator `node`'s config, relative to the devnet's directory (where nodes run).
pub fn path(node: &NodeSlot) -> String {
    format!("{}/alto.yaml", node.home.trim_end_matches('/'))
}

/// `peers.yaml` and one config per validator in `nodes`, each peer at the host `peer_host`
/// gives for it (the host's placement: [`NodeSlot::peer_host`]).
pub fn files(
    spec: &DevnetSpec,
    nodes: &[NodeSlot],
    keys: &[PublicKey],
    peer_host: impl Fn(&NodeSlot) -> String,
) -> Result<Vec<File>, PluginError> {
    crate::plan::check(spec)?;
    if nodes.len() != spec.validators as usize {
        return Err(PluginError::invalid(format!(
            "{} node slots for {} validators",
            nodes.len(),
            spec.validators
        )));
    }
    // alto orders its participants by network key: the validator whose key sorts i-th signs as
    // participant i, so it gets share i.
    let mut members: Vec<(String, &NodeSlot)> = nodes
        .iter()
        .map(|n| Ok((hex(public_key(keys, &network_key(n.index))?), n)))
        .collect::<Result<_, PluginError>>()?;
    members.sort_by(|a, b| a.0.cmp(&b.0));

    let mut peers = String::from("addresses:\n");
    for (key, node) in &members {
        peers.push_str(&format!("  \"{key}\": {}:{}\n", peer_host(node), node.port("p2p")?));
    }
    // Quoted: a hex string of digits alone would read as a number.
    let allowed: String = members.iter().map(|(key, _)| format!("- \"{key}\"\n")).collect();
    // Every validator bootstraps from every other: a restarted one finds the rest whichever it is.
    let mut files = vec![File {
        path: PEERS.into(),
        contents: peers.into_bytes(),
        with_secrets: false,
    }];
    for (position, (_, node)) in members.iter().enumerate() {
        let yaml = format!(
            "private_key: \"${{secret:{key}:hex}}\"\n\
             share: \"{share}\"\n\
             polynomial: \"{polynomial}\"\n\
             port: {port}\n\
             metrics_port: {metrics}\n\
             directory: {home}/storage\n\
             worker_threads: {workers}\n\
             log_level: {log}\n\
             local: true\n\
             allowed_peers:\n{allowed}\
             bootstrappers:\n{allowed}\
             mailbox_size: 16384\n\
             deque_size: 256\n\
             signature_threads: {signers}\n\
             leader:\n  mode: rotating\n  delay_ms: 0\n\
             indexer: null\n",
            key = network_key(node.index),
            share = share(GROUP, position as u32),
            polynomial = polynomial(GROUP),
            port = node.port("p2p")?,
            metrics = node.port("metrics")?,
            home = node.home.trim_end_matches('/'),
            workers = setting(&spec.overrides, "worker-threads"),
            log = setting(&spec.overrides, "log-level"),
            signers = setting(&spec.overrides, "signature-threads"),
        );
        files.push(File {
            path: path(node),
            contents: yaml.into_bytes(),
            with_secrets: true,
        });
    }
    Ok(files)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use devnet_plugin_sdk::{KeyAlgorithm, NamedPort, NodeRole};

    use super::*;

    fn spec(validators: u32) -> DevnetSpec {
        DevnetSpec {
            name: "alto".into(),
            chain_id: "alto-1".into(),
            chain_version: "2026.9.1".into(),
            validators,
            full_nodes: 0,
            accounts: vec![],
            overrides: vec![],
        }
    }

    fn node(index: u32) -> NodeSlot {
        NodeSlot {
            index,
            role: NodeRole::Validator,
            name: format!("validator-{index}"),
            home: format!("chain/validator-{index}"),
            ports: vec![
                NamedPort {
                    name: "p2p".into(),
                    port: 30000 + 2 * index as u16,
                },
                NamedPort {
                    name: "metrics".into(),
                    port: 30001 + 2 * index as u16,
                },
            ],
        }
    }

    #[test]
    fn configs_should_hold_placeholders_and_give_shares_in_network_key_order() {
        // Validator 0's key sorts last, validator 2's first.
        let keys: Vec<PublicKey> = [0xcc, 0xbb, 0xaa]
            .iter()
            .enumerate()
            .map(|(i, b)| PublicKey {
                id: network_key(i as u32),
                algorithm: KeyAlgorithm::Ed25519,
                bytes: vec![*b; 32],
            })
            .collect();
        let nodes: Vec<NodeSlot> = (0..3).map(node).collect();
        let out = files(&spec(3), &nodes, &keys, |n| format!("10.0.0.{}", n.index + 2)).expect("files");
        assert_eq!(out.len(), 4);
        let peers = String::from_utf8(out[0].contents.clone()).expect("utf-8");
        assert!(!out[0].with_secrets);
        assert!(
            peers.contains(&format!("  \"{}\": 10.0.0.4:30004\n", "aa".repeat(32))),
            "{peers}"
        );
        let config = |i: u32| {
            let f = out
                .iter()
                .find(|f| f.path == format!("chain/validator-{i}/alto.yaml"))
                .expect("config");
            assert!(f.with_secrets, "a config holds secrets");
            String::from_utf8(f.contents.clone()).expect("utf-8")
        };
        let c0 = config(0);
        assert!(c0.contains("private_key: \"${secret:validator-0.p2p:hex}\"\n"), "{c0}");
        assert!(c0.contains("share: \"${secret:consensus.2:hex}\"\n"), "{c0}");
        assert!(config(2).contains("share: \"${secret:consensus.0:hex}\"\n"));
        assert!(c0.contains("polynomial: \"${secret:consensus:hex}\"\n"));
        assert!(c0.contains("port: 30000\nmetrics_port: 30001\ndirectory: chain/validator-0/storage\n"));
        let sorted = format!(
            "- \"{}\"\n- \"{}\"\n- \"{}\"\n",
            "aa".repeat(32),
            "bb".repeat(32),
            "cc".repeat(32)
        );
        assert!(
            c0.contains(&format!("allowed_peers:\n{sorted}bootstrappers:\n{sorted}")),
            "{c0}"
        );
        assert!(
            files(&spec(4), &nodes, &keys, |_| "127.0.0.1".into()).is_err(),
            "a slot per validator"
        );
    }
}
