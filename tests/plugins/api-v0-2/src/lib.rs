//! A plugin built against `devnet:plugin@0.2.0`, before 0.3.0 added the `operate` interface:
//! the 0.1.0 fixture's exports (the same source, on the frozen 0.2.0 WIT folder) plus `chain`,
//! whose answers are made from the input so a test can see them cross the version boundary.

// The generated glue and the custom section are the unsafe code here.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    path: "../../../wit/v0.2.0",
    world: "plugin",
});

const NAME: &str = "api-v0-2";
const VERSION: &str = "0.2.0";

include!("../../api-v0-1/src/fixture.rs");

use exports::devnet::plugin::chain::{
    AccountState, BroadcastResult, ProposalPhase, ProposalState, Rejection, TxOutcome,
};

impl exports::devnet::plugin::chain::Guest for Fixture {
    fn account(node: NodeSlot, address: String) -> Result<Option<AccountState>, PluginError> {
        if address.is_empty() {
            return Ok(None);
        }
        Ok(Some(AccountState {
            number: address.len() as u64,
            sequence: u64::from(node.index) + 7,
        }))
    }
    fn address(spec: DevnetSpec, public_key: Vec<u8>) -> Result<String, PluginError> {
        Ok(format!("{}:{}", spec.chain_id, public_key.len()))
    }
    fn broadcast(_node: NodeSlot, tx: Vec<u8>) -> Result<BroadcastResult, PluginError> {
        if tx.is_empty() {
            return Ok(BroadcastResult::Rejected(Rejection {
                code: 2,
                log: "empty tx".into(),
            }));
        }
        Ok(BroadcastResult::Accepted(format!("HASH{}", tx.len())))
    }
    fn tx_result(_node: NodeSlot, hash: String) -> Result<Option<TxOutcome>, PluginError> {
        Ok(Some(TxOutcome {
            height: 5,
            code: 0,
            log: String::new(),
            attributes: vec![("hash".into(), hash)],
        }))
    }
    fn proposal(_node: NodeSlot, id: u64) -> Result<Option<ProposalState>, PluginError> {
        Ok(Some(ProposalState {
            id,
            phase: ProposalPhase::Passed,
            detail: format!("proposal {id}"),
        }))
    }
}

export!(Fixture);

// What the SDK's export macro writes, by hand: the host reads it before instantiating.
#[unsafe(link_section = "devnet-plugin-api")]
#[used]
static API_VERSION: [u8; 5] = *b"0.2.0";
