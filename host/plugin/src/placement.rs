//! The `placement` interface (API 0.7.0): where the devnet's nodes are, from the grant the host
//! made for the devnet. It reveals nothing outside the devnet and needs no capability.

use crate::bindings::v0_7_0::NodeAddress;
use crate::bindings::v0_7_0::devnet::plugin::placement::Host;
use crate::instance::PluginState;

impl Host for PluginState {
    async fn address_of(&mut self, node: String) -> wasmtime::Result<Option<NodeAddress>> {
        Ok(self.grant.addresses.get(&node).cloned())
    }
}

/// Loopback for both: where a local process or a host-networked container is.
pub fn loopback() -> NodeAddress {
    NodeAddress {
        peer_host: "127.0.0.1".into(),
        bind_host: "127.0.0.1".into(),
    }
}
