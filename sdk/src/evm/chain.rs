//! The `chain` exports for an EVM JSON-RPC node: the account's nonce, broadcasts with their
//! refusals by kind, and receipts.

use super::rpc::{call, rpc};
use super::{address_of, checksum};
use crate::PluginError;
use crate::chain::{AccountState, BroadcastResult, Rejection, RejectionKind, TxOutcome};

fn hex_u64(v: &serde_json::Value, what: &str) -> Result<u64, PluginError> {
    v.as_str()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| PluginError::chain(format!("{what} answered {v}")))
}

/// The next nonce of `address` (`eth_getTransactionCount`, pending). An EVM chain knows every
/// address, so this is never `None`; there is no other account data.
pub fn account(port: u16, address: &str) -> Result<Option<AccountState>, PluginError> {
    let count = rpc(port, "eth_getTransactionCount", serde_json::json!([address, "pending"]))?;
    Ok(Some(AccountState {
        sequence: hex_u64(&count, "eth_getTransactionCount")?,
        data: String::new(),
    }))
}

/// The EIP-55 address of a secp256k1 public key.
pub fn address(public_key: &[u8]) -> Result<String, PluginError> {
    Ok(checksum(&address_of(public_key)?))
}

/// What a node's refusal means, by the words geth and anvil use.
pub fn rejection_kind(message: &str) -> RejectionKind {
    let m = message.to_ascii_lowercase();
    if m.contains("nonce too low") || m.contains("nonce too high") || m.contains("invalid nonce") {
        RejectionKind::WrongSequence
    } else if m.contains("insufficient funds") {
        RejectionKind::InsufficientFunds
    } else if m.contains("intrinsic gas too low") || m.contains("out of gas") || m.contains("gas limit") {
        RejectionKind::OutOfGas
    } else {
        RejectionKind::Other
    }
}

/// The hash of signed transaction bytes (an EIP-2718 envelope or a legacy RLP list): the
/// keccak256 of exactly those bytes, `0x…` in lower case.
pub fn tx_hash(tx: &[u8]) -> String {
    format!("{:#x}", super::keccak256(tx))
}

/// `eth_sendRawTransaction`: the hash, or the node's refusal (JSON-RPC error code and message).
///
/// The host may send the same bytes again (after a restart it cannot know whether they went
/// out): bytes the node already has, in its pool or in a block, are answered `accepted` with
/// their hash rather than refused as a known transaction or a spent nonce.
pub fn broadcast(port: u16, tx: &[u8]) -> Result<BroadcastResult, PluginError> {
    let raw: String = tx.iter().map(|b| format!("{b:02x}")).collect();
    match call(port, "eth_sendRawTransaction", serde_json::json!([format!("0x{raw}")]))? {
        Ok(hash) => hash
            .as_str()
            .map(|h| BroadcastResult::Accepted(h.to_string()))
            .ok_or_else(|| PluginError::chain(format!("eth_sendRawTransaction answered {hash}"))),
        Err(e) => {
            let hash = tx_hash(tx);
            // A lookup that fails says nothing: the node's own refusal stands.
            let known = rpc(port, "eth_getTransactionByHash", serde_json::json!([hash])).is_ok_and(|tx| !tx.is_null());
            if known {
                return Ok(BroadcastResult::Accepted(hash));
            }
            Ok(BroadcastResult::Rejected(Rejection {
                kind: rejection_kind(&e.message),
                code: u32::try_from(e.code.unsigned_abs()).unwrap_or(u32::MAX),
                log: e.message,
            }))
        }
    }
}

/// `eth_getTransactionReceipt`: `None` until mined; code 0 for status 1, 1 for a revert. The
/// receipt's fields are the outcome's attributes, by their JSON-RPC names: `blockHash`,
/// `gasUsed`, `effectiveGasPrice`, `type` and `contract_address` (a deploy's), as the node wrote
/// them, and `logs` (the logs as a JSON array, when it is at most 8 KiB; else `logs_count`).
pub fn tx_result(port: u16, hash: &str) -> Result<Option<TxOutcome>, PluginError> {
    let receipt = rpc(port, "eth_getTransactionReceipt", serde_json::json!([hash]))?;
    if receipt.is_null() {
        return Ok(None);
    }
    let ok = hex_u64(&receipt["status"], "receipt status")? == 1;
    let mut attributes = vec![];
    if let Some(created) = receipt["contractAddress"].as_str() {
        attributes.push(("contract_address".to_string(), created.to_string()));
    }
    for field in ["blockHash", "gasUsed", "effectiveGasPrice", "type"] {
        if let Some(value) = receipt[field].as_str() {
            attributes.push((field.to_string(), value.to_string()));
        }
    }
    if let Some(logs) = receipt["logs"].as_array() {
        let text = serde_json::Value::Array(logs.clone()).to_string();
        if text.len() <= 8 * 1024 {
            attributes.push(("logs".to_string(), text));
        } else {
            attributes.push(("logs_count".to_string(), logs.len().to_string()));
        }
    }
    Ok(Some(TxOutcome {
        height: hex_u64(&receipt["blockNumber"], "receipt blockNumber")?,
        code: if ok { 0 } else { 1 },
        log: if ok { String::new() } else { "reverted".into() },
        attributes,
    }))
}
