//! Host bindings, one module per supported WIT API version. The host works in the types of
//! [`crate::wit`]: 0.4.0's, which 0.5.0 to 0.7.0 share (their `types` bound once with `with:`; the types of
//! their other interfaces, the same in shape, converted by [`crate::bridge`]), 0.5.0's `plan`,
//! 0.6.0's `threshold` and 0.7.0's `placement`. A call to a plugin of an older version converts its arguments and
//! results with the explicit conversions of [`crate::bridge`] (types every version shares, field
//! by field, so a field changed in a new version fails to compile there) and
//! [`crate::legacy`] (what 0.4.0 changed: transaction kinds, rejections, governance). An
//! interface that did not change between versions is bound once, with `with:`: 0.1.0 and
//! 0.2.0 use 0.3.0's `types`.

/// API 0.7.0, `wit/v0.7.0`: the newest, 0.6.0 and the imported `placement` interface.
pub mod v0_7_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.7.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
        // `types` did not change from 0.4.0: one set of Rust types serves all four.
        with: { "devnet:plugin/types": crate::bindings::v0_4_0::devnet::plugin::types },
    });

    pub use devnet::plugin::placement::NodeAddress;
}

/// API 0.6.0, `wit/v0.6.0`: 0.5.0 and the `threshold` interface.
pub mod v0_6_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.6.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
        // `types` did not change from 0.4.0: one set of Rust types serves all three.
        with: { "devnet:plugin/types": crate::bindings::v0_4_0::devnet::plugin::types },
    });

    pub use exports::devnet::plugin::threshold::{GroupRequest, ThresholdScheme};
}

/// API 0.5.0, `wit/v0.5.0`: 0.4.0 and the `plan` interface.
pub mod v0_5_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.5.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
        // `types` did not change from 0.4.0: one set of Rust types serves both.
        with: { "devnet:plugin/types": crate::bindings::v0_4_0::devnet::plugin::types },
    });

    pub use exports::devnet::plugin::plan::{DevnetPlan, DevnetRequest, StartGate};
}

/// API 0.4.0, `wit/v0.4.0`: chain-neutral transactions and governance. Its types are the ones
/// the host works in.
pub mod v0_4_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.4.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use devnet::plugin::types::*;
    pub use exports::devnet::plugin::chain::{AccountState, BroadcastResult, Rejection, RejectionKind, TxOutcome};
    pub use exports::devnet::plugin::genesis::GenesisStep;
    pub use exports::devnet::plugin::governance::{ProposalPhase, ProposalState, UpgradePlan, VoteChoice};
    pub use exports::devnet::plugin::node::{HaltInfo, NodeStatus};
    pub use exports::devnet::plugin::tx::{Signer, TxOptions, TxRequest, UnsignedTx};
}

/// API 0.3.0, frozen in `wit/v0.3.0`: closed transaction variants, governance in `chain`.
pub mod v0_3_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.3.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });
}

/// API 0.2.0, frozen in `wit/v0.2.0`: 0.3.0 without the `operate` interface.
pub mod v0_2_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.2.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
        // `types` did not change from 0.1.0 to 0.3.0: one set of Rust types serves all three.
        with: { "devnet:plugin/types": crate::bindings::v0_3_0::devnet::plugin::types },
    });
}

/// The first released API, frozen in `wit/v0.1.0`: 0.2.0 without the `chain` interface.
pub mod v0_1_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.1.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
        // `types` did not change from 0.1.0 to 0.3.0: one set of Rust types serves all three.
        with: { "devnet:plugin/types": crate::bindings::v0_3_0::devnet::plugin::types },
    });
}

/// The types the host works in: 0.4.0's (see the module doc), 0.5.0's `plan`, 0.6.0's
/// `threshold` and 0.7.0's `placement`.
pub mod wit {
    pub use super::v0_4_0::*;
    pub use super::v0_5_0::{DevnetPlan, DevnetRequest, StartGate};
    pub use super::v0_6_0::{GroupRequest, ThresholdScheme};
    pub use super::v0_7_0::NodeAddress;
}
