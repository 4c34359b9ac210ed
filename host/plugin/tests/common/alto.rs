//! What the tests that run the commonware plugin's genesis share: an alto devnet's spec and its
//! validators' slots (ports written into configs, never bound).

use devnet_plugin_host::wit::{DevnetSpec, NamedPort, NodeRole, NodeSlot};

pub fn spec(validators: u32) -> DevnetSpec {
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

pub fn slot(index: u32) -> NodeSlot {
    let port = |name: &str, port: u16| NamedPort {
        name: name.into(),
        port,
    };
    NodeSlot {
        index,
        role: NodeRole::Validator,
        name: format!("validator-{index}"),
        home: format!("chain/validator-{index}"),
        ports: vec![
            port("p2p", 41000 + 2 * index as u16),
            port("metrics", 41001 + 2 * index as u16),
        ],
    }
}
