use devnet_plugin_sdk::{Platform, Plugin, PluginInfo, export_plugin};

pub struct Cosmos;

impl Plugin for Cosmos {
    type TxBuilder = devnet_plugin_sdk::NoTxBuilder;
    fn info() -> PluginInfo {
        PluginInfo {
            name: "cosmos".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            platform: Platform::Cosmos,
            chain_versions: vec![],
            tx_kinds: vec![],
            capabilities: vec![],
            default_binary: "simd".into(),
        }
    }
}

export_plugin!(Cosmos);
