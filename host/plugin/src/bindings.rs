//! Host bindings, one module per supported WIT API version.

pub mod v0_1_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.1.0",
        world: "plugin",
        imports: { default: async | trappable },
        exports: { default: async },
    });

    pub use devnet::plugin::types::*;
    pub use exports::devnet::plugin::genesis::GenesisStep;
    pub use exports::devnet::plugin::node::{HaltInfo, NodeStatus};
    pub use exports::devnet::plugin::tx::{
        BankSend, EvmCall, EvmDeploy, EvmTransfer, GovSubmitProposal, GovVote, ProposalContent, Signer,
        SoftwareUpgrade, StakingDelegate, TempoTransfer, TxOptions, TxRequest, UnsignedTx, VoteOption,
    };
}
