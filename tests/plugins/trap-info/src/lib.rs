//! A plugin that traps as soon as the host asks who it is: `dvb plugin install` must refuse it
//! and leave everything as it was.

use devnet_plugin_sdk::{Plugin, PluginInfo, export_plugin};

pub struct TrapInfo;

impl Plugin for TrapInfo {
    type TxBuilder = devnet_plugin_sdk::NoTxBuilder;

    fn info() -> PluginInfo {
        panic!("trap-info fixture: info traps on purpose")
    }
}

export_plugin!(TrapInfo);
