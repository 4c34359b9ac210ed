//! The live chain through a node's REST API (the `api` port): accounts, broadcasts, committed
//! transactions and governance proposals.

use devnet_plugin_sdk::chain::{AccountState, BroadcastResult, Rejection, RejectionKind, TxOutcome};
use devnet_plugin_sdk::cosmos::{account_address, bech32_encode, tx_hash};
use devnet_plugin_sdk::governance::{ProposalPhase, ProposalState};
use devnet_plugin_sdk::{DevnetSpec, NodeSlot, PluginError, json};

use crate::settings::Settings;

/// A GET on the node's REST API: `None` for 404 (and for the gRPC gateway's NotFound, which some
/// versions answer with HTTP 400 or 500 and code 5).
fn get(node: &NodeSlot, path: &str) -> Result<Option<serde_json::Value>, PluginError> {
    let url = format!("http://127.0.0.1:{}{path}", node.port("api")?);
    let json::JsonResponse { status, body: json } = json::get(&url)?;
    if status == 200 {
        return Ok(Some(json));
    }
    if status == 404 || json["code"] == 5 {
        return Ok(None);
    }
    Err(PluginError::Chain(format!(
        "{url} answered HTTP {status}: {}",
        json["message"].as_str().unwrap_or_default()
    )))
}

fn number(value: &serde_json::Value, what: &str) -> Result<u64, PluginError> {
    match value {
        serde_json::Value::String(s) => s.parse().ok(),
        other => other.as_u64(),
    }
    .ok_or_else(|| PluginError::Chain(format!("{what} is not a number: {value}")))
}

/// `/cosmos/auth/v1beta1/accounts/{address}`: a base account, or a vesting or module account
/// with one inside.
pub fn account(node: &NodeSlot, address: &str) -> Result<Option<AccountState>, PluginError> {
    let Some(json) = get(node, &format!("/cosmos/auth/v1beta1/accounts/{address}"))? else {
        return Ok(None);
    };
    let mut a = &json["account"];
    for inner in ["base_vesting_account", "base_account"] {
        if a[inner].is_object() {
            a = &a[inner];
        }
    }
    Ok(Some(AccountState {
        sequence: number(&a["sequence"], "sequence")?,
        data: serde_json::json!({ "number": number(&a["account_number"], "account_number")? }).to_string(),
    }))
}

/// The account number in the `data` that [`account`] made.
pub fn account_number(data: &str) -> Result<u64, PluginError> {
    serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .and_then(|v| v["number"].as_u64())
        .ok_or_else(|| {
            PluginError::invalid(format!(
                "the signer's account data {data:?} carries no account number (it comes from chain.account)"
            ))
        })
}

/// What the host does about a refusal, by the SDK's codes (`x/auth`, `types/errors`).
fn rejection_kind(codespace: &str, code: u64) -> RejectionKind {
    match (codespace, code) {
        ("sdk", 32) => RejectionKind::WrongSequence,
        ("sdk", 5) => RejectionKind::InsufficientFunds,
        ("sdk", 11) => RejectionKind::OutOfGas,
        _ => RejectionKind::Other,
    }
}

/// The proposal id a committed `submit_proposal` carries.
pub fn proposal_id(outcome: &TxOutcome) -> Result<u64, PluginError> {
    outcome
        .attributes
        .iter()
        .find(|(k, _)| k == "proposal_id")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| {
            PluginError::invalid(format!(
                "the transaction in block {} made no proposal (no proposal_id in its result)",
                outcome.height
            ))
        })
}

/// The bech32 address (the devnet's prefix) of a secp256k1 account key.
pub fn address(spec: &DevnetSpec, public_key: &[u8]) -> Result<String, PluginError> {
    let settings = Settings::from_spec(spec)?;
    bech32_encode(&settings.prefix, &account_address(public_key))
}

/// `BROADCAST_MODE_SYNC`: the node's CheckTx answer.
pub fn broadcast(node: &NodeSlot, tx: &[u8]) -> Result<BroadcastResult, PluginError> {
    let url = format!("http://127.0.0.1:{}/cosmos/tx/v1beta1/txs", node.port("api")?);
    let body = serde_json::json!({"tx_bytes": crate::b64(tx), "mode": "BROADCAST_MODE_SYNC"});
    let json::JsonResponse { status, body: json } = json::post(&url, &body)?;
    if status != 200 {
        return Err(PluginError::Chain(format!(
            "{url} answered HTTP {status}: {}",
            json["message"].as_str().unwrap_or_default()
        )));
    }
    let r = &json["tx_response"];
    let code = number(&r["code"], "tx_response.code").unwrap_or(0);
    // The host may send the same bytes again (after a restart it cannot know whether they went
    // out): bytes the node already has are answered `accepted` with their hash. In its mempool
    // (or its cache of recent ones) they are refused with code 19; in a block, their sequence is
    // spent (code 32), and the block has them under their hash.
    let codespace = r["codespace"].as_str().unwrap_or_default();
    if codespace == "sdk" && (code == 19 || code == 32) {
        let hash = tx_hash(tx);
        // A lookup that fails says nothing: the chain's own refusal stands.
        if code == 19 || tx_result(node, &hash).ok().flatten().is_some() {
            return Ok(BroadcastResult::Accepted(hash));
        }
    }
    if code != 0 {
        // Some refusals (a tx already in the mempool cache) come with no log: say where the code
        // is from, so the error still names it.
        let log = match r["raw_log"].as_str().filter(|l| !l.is_empty()) {
            Some(log) => log.to_string(),
            None => format!(
                "codespace {:?} code {code} (the node gave no log)",
                r["codespace"].as_str().unwrap_or_default()
            ),
        };
        return Ok(BroadcastResult::Rejected(Rejection {
            kind: rejection_kind(r["codespace"].as_str().unwrap_or_default(), code),
            code: u32::try_from(code).unwrap_or(u32::MAX),
            log,
        }));
    }
    r["txhash"]
        .as_str()
        .map(|h| BroadcastResult::Accepted(h.to_string()))
        .ok_or_else(|| PluginError::Chain(format!("{url}: no txhash in {json}")))
}

/// Attributes later steps need, from a committed tx's events.
const KEPT_ATTRIBUTES: &[(&str, &str)] = &[("submit_proposal", "proposal_id")];

/// `/cosmos/tx/v1beta1/txs/{hash}`.
pub fn tx_result(node: &NodeSlot, hash: &str) -> Result<Option<TxOutcome>, PluginError> {
    let Some(json) = get(node, &format!("/cosmos/tx/v1beta1/txs/{hash}"))? else {
        return Ok(None);
    };
    let r = &json["tx_response"];
    let mut attributes = Vec::new();
    for event in r["events"].as_array().map(Vec::as_slice).unwrap_or_default() {
        for (kind, key) in KEPT_ATTRIBUTES {
            if event["type"] != *kind {
                continue;
            }
            for a in event["attributes"].as_array().map(Vec::as_slice).unwrap_or_default() {
                if a["key"] == *key
                    && let Some(value) = a["value"].as_str()
                    && !attributes.iter().any(|(k, _): &(String, String)| k == key)
                {
                    attributes.push((key.to_string(), value.to_string()));
                }
            }
        }
    }
    Ok(Some(TxOutcome {
        height: number(&r["height"], "tx_response.height")?,
        code: u32::try_from(number(&r["code"], "tx_response.code").unwrap_or(0)).unwrap_or(u32::MAX),
        log: r["raw_log"].as_str().unwrap_or_default().to_string(),
        attributes,
    }))
}

/// `/cosmos/gov/v1/proposals/{id}`.
pub fn proposal(node: &NodeSlot, id: u64) -> Result<Option<ProposalState>, PluginError> {
    let Some(json) = get(node, &format!("/cosmos/gov/v1/proposals/{id}"))? else {
        return Ok(None);
    };
    let p = &json["proposal"];
    let status = p["status"].as_str().unwrap_or_default();
    let phase = match status {
        "PROPOSAL_STATUS_DEPOSIT_PERIOD" => ProposalPhase::Deposit,
        "PROPOSAL_STATUS_VOTING_PERIOD" => ProposalPhase::Voting,
        "PROPOSAL_STATUS_PASSED" => ProposalPhase::Passed,
        "PROPOSAL_STATUS_REJECTED" => ProposalPhase::Rejected,
        "PROPOSAL_STATUS_FAILED" => ProposalPhase::Failed,
        other => {
            return Err(PluginError::Chain(format!(
                "proposal {id} has an unknown status {other:?}"
            )));
        }
    };
    let tally = &p["final_tally_result"];
    let detail = format!(
        "{status}; tally yes {} no {} abstain {} veto {}{}",
        tally["yes_count"].as_str().unwrap_or("0"),
        tally["no_count"].as_str().unwrap_or("0"),
        tally["abstain_count"].as_str().unwrap_or("0"),
        tally["no_with_veto_count"].as_str().unwrap_or("0"),
        p["failed_reason"]
            .as_str()
            .filter(|r| !r.is_empty())
            .map(|r| format!("; {r}"))
            .unwrap_or_default()
    );
    Ok(Some(ProposalState { id, phase, detail }))
}
