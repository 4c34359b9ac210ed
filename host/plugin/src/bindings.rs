//! Host bindings, one module per supported WIT API version. The newest is [`crate::wit`]: the
//! host works in its types, and a call to a plugin of an older version converts on the way in
//! and out ([`crate::compat`]). The versions differ only by what was added, so every type an
//! older version has is field for field the same in the newest, which the serde derives rely on.

pub mod v0_3_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.3.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use devnet::plugin::types::*;
    pub use exports::devnet::plugin::chain::{
        AccountState, BroadcastResult, ProposalPhase, ProposalState, Rejection, TxOutcome,
    };
    pub use exports::devnet::plugin::genesis::GenesisStep;
    pub use exports::devnet::plugin::node::{HaltInfo, NodeStatus};
    pub use exports::devnet::plugin::tx::{
        BankSend, EvmCall, EvmDeploy, EvmTransfer, GovSubmitProposal, GovVote, ProposalContent, Signer,
        SoftwareUpgrade, StakingDelegate, TempoTransfer, TxOptions, TxRequest, UnsignedTx, VoteOption,
    };
}

/// API 0.2.0, frozen in `wit/v0.2.0`: everything but the `operate` interface.
pub mod v0_2_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.2.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });
}

/// The first released API, frozen in `wit/v0.1.0`: everything but the `chain` and `operate` interfaces.
pub mod v0_1_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.1.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });
}
