// The `chain` exports of the 0.2.0 and 0.3.0 fixtures (included, not a module: the types are
// each version's own).

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
