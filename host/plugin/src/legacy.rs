//! What API 0.4.0 changed, for plugins built against 0.1.0, 0.2.0 and 0.3.0: their closed
//! transaction variants become named kinds with a JSON form, their account numbers become the
//! opaque `account` data, their rejection codes become kinds, and governance, which 0.4.0 asks of
//! the plugin, is written here in the terms those versions already had (their `gov-*` kinds and
//! the `proposal_id` attribute of their tx results). This is the one place in the host that knows
//! those frozen contracts' chain-specific shapes; plugins of 0.4.0 and later never come here.

use serde_json::json;

use crate::bindings::v0_3_0::exports::devnet::plugin::tx as frozen;
use crate::bindings::v0_4_0 as new;

/// The transaction kinds of the frozen variant: its case, the kind's name, a line on it and an
/// example of the JSON a user writes (the case's fields, as its serde form spells them).
const KINDS: [(&str, &str, &str, &str); 8] = [
    (
        "BankSend",
        "bank-send",
        "send coins to an address",
        r#"{"to":"cosmos1…","amount":[{"denom":"stake","amount":"1"}]}"#,
    ),
    (
        "StakingDelegate",
        "staking-delegate",
        "delegate to a validator",
        r#"{"validator":"cosmosvaloper1…","amount":{"denom":"stake","amount":"1"}}"#,
    ),
    (
        "GovSubmitProposal",
        "gov-submit-proposal",
        "submit a governance proposal",
        r#"{"title":"t","summary":"s","deposit":[{"denom":"stake","amount":"10000000"}],"content":"Text","expedited":false}"#,
    ),
    (
        "GovVote",
        "gov-vote",
        "vote on a governance proposal",
        r#"{"proposal_id":1,"choice":"Yes"}"#,
    ),
    (
        "EvmTransfer",
        "evm-transfer",
        "send wei to an address",
        r#"{"to":"0x…","value":"1","legacy":false}"#,
    ),
    (
        "EvmDeploy",
        "evm-deploy",
        "deploy contract bytecode",
        r#"{"code":[96,0],"value":"0"}"#,
    ),
    (
        "EvmCall",
        "evm-call",
        "call a contract",
        r#"{"to":"0x…","data":[],"value":"0"}"#,
    ),
    (
        "TempoTransfer",
        "tempo-transfer",
        "send a TIP-20 token",
        r#"{"to":"0x…","amount":"1","fee_token":"0x20c0000000000000000000000000000000000000"}"#,
    ),
];

/// How long an unordered transaction of a frozen version stays valid.
const UNORDERED_TTL_SECS: u64 = 60;

fn kind_named(name: &str) -> Result<&'static (&'static str, &'static str, &'static str, &'static str), String> {
    KINDS.iter().find(|k| k.1 == name).ok_or_else(|| {
        format!(
            "no transaction kind {name:?} in this plugin's API (devnet:plugin before 0.4.0, whose kinds are {}); \
             `dvb tx kinds <devnet>` lists the ones this plugin builds",
            KINDS.map(|k| k.1).join(", ")
        )
    })
}

/// A kind's description, from its name.
fn kind_info(name: &str) -> new::TxKind {
    match kind_named(name) {
        Ok(&(_, name, summary, example)) => new::TxKind {
            name: name.into(),
            summary: summary.into(),
            schema: String::new(),
            example: example.into(),
        },
        Err(_) => new::TxKind {
            name: name.into(),
            summary: String::new(),
            schema: String::new(),
            example: String::new(),
        },
    }
}

/// What the frozen versions took in `tx-options` beside the request, and 0.4.0's kinds take
/// among their fields: `memo`, `gas_limit` and `fee` (a list of `{"denom", "amount"}`).
#[derive(Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Extras {
    #[serde(default)]
    pub(crate) memo: String,
    #[serde(default)]
    pub(crate) gas_limit: Option<u64>,
    #[serde(default)]
    pub(crate) fee: Vec<Amount>,
}

#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Amount {
    pub(crate) denom: String,
    pub(crate) amount: String,
}

/// `{"<Case>": <json>}`, the serde form of the frozen variant, for `request`, with the
/// [`Extras`] lifted out of the fields.
fn tagged(request: &new::TxRequest) -> Result<(serde_json::Value, Extras), String> {
    let &(case, name, _, example) = kind_named(&request.kind)?;
    let mut fields: serde_json::Value = serde_json::from_str(&request.json)
        .map_err(|e| format!("the `{name}` request is not JSON ({e}); e.g. {example}"))?;
    let object = fields
        .as_object_mut()
        .ok_or_else(|| format!("the `{name}` request's fields are a JSON object, e.g. {example}"))?;
    let mut lifted = serde_json::Map::new();
    for key in ["memo", "gas_limit", "fee"] {
        if let Some(v) = object.remove(key) {
            lifted.insert(key.into(), v);
        }
    }
    let extras = serde_json::from_value(serde_json::Value::Object(lifted))
        .map_err(|e| format!("the `{name}` request's memo, gas_limit or fee: {e}"))?;
    Ok((json!({ case: fields }), extras))
}

/// Refuses a field of `sent` (the tagged request) that the frozen case does not have: their
/// serde types would drop it without a word.
fn no_unknown_fields(
    name: &str,
    example: &str,
    sent: &serde_json::Value,
    read: &serde_json::Value,
) -> Result<(), String> {
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(serde_json::Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let known = keys(read);
    match keys(sent).into_iter().find(|k| !known.contains(k)) {
        Some(unknown) => Err(format!(
            "the `{name}` request has a field `{unknown}` its kind does not take (it takes {}, and memo, gas_limit, fee); e.g. {example}",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

/// The account number a frozen version's signer needs, from the `account` data `account` made.
fn account_number(signer: &new::Signer) -> u64 {
    serde_json::from_str::<serde_json::Value>(&signer.account)
        .ok()
        .and_then(|v| v.get("number").and_then(serde_json::Value::as_u64))
        .unwrap_or(0)
}

/// The kind of a frozen version's refusal, which carried only the chain's code. Cosmos SDK
/// codes, for a plugin that says it serves Cosmos: 32 wrong sequence, 5 insufficient funds,
/// 11 out of gas.
fn rejection_kind(family: &str, code: u32) -> new::RejectionKind {
    match (family, code) {
        ("cosmos", 32) => new::RejectionKind::WrongSequence,
        ("cosmos", 5) => new::RejectionKind::InsufficientFunds,
        ("cosmos", 11) => new::RejectionKind::OutOfGas,
        _ => new::RejectionKind::Other,
    }
}

/// Governance for 0.2.0 and 0.3.0 plugins, written in their own kinds.
pub(crate) mod governance {
    use super::{frozen, new};
    use crate::bridge::Bridge;

    /// A `gov-submit-proposal` of a software upgrade.
    pub(crate) fn upgrade_proposal(plan: &new::UpgradePlan, height: u64) -> new::TxRequest {
        let proposal = frozen::GovSubmitProposal {
            title: format!("Upgrade to {}", plan.to_version),
            summary: format!("software upgrade {} at height {height}", plan.name),
            // Empty is the plugin's choice; a frozen plugin cannot choose, so the host uses the
            // deposit those versions' hosts always sent.
            deposit: if plan.deposit.is_empty() {
                vec![crate::bindings::v0_3_0::devnet::plugin::types::Coin {
                    denom: "stake".into(),
                    amount: "10000000".into(),
                }]
            } else {
                plan.deposit.clone().bridge()
            },
            content: frozen::ProposalContent::SoftwareUpgrade(frozen::SoftwareUpgrade {
                name: plan.name.clone(),
                height,
                info: String::new(),
            }),
            expedited: false,
        };
        new::TxRequest {
            kind: "gov-submit-proposal".into(),
            json: serde_json::to_string(&proposal).unwrap_or_default(),
        }
    }

    /// A `gov-vote`.
    pub(crate) fn vote(id: u64, choice: new::VoteChoice) -> new::TxRequest {
        let choice = match choice {
            new::VoteChoice::Yes => frozen::VoteOption::Yes,
            new::VoteChoice::No => frozen::VoteOption::No,
            new::VoteChoice::Abstain => frozen::VoteOption::Abstain,
            new::VoteChoice::Veto => frozen::VoteOption::NoWithVeto,
        };
        let vote = frozen::GovVote {
            proposal_id: id,
            choice,
        };
        new::TxRequest {
            kind: "gov-vote".into(),
            json: serde_json::to_string(&vote).unwrap_or_default(),
        }
    }

    /// The `proposal_id` attribute those versions' tx results carry.
    pub(crate) fn proposal_id(outcome: &new::TxOutcome) -> Result<u64, String> {
        outcome
            .attributes
            .iter()
            .find(|(k, _)| k == "proposal_id")
            .and_then(|(_, v)| v.parse().ok())
            .ok_or_else(|| "the transaction's result carries no proposal_id".to_string())
    }
}

/// The conversions of one frozen version's changed types.
macro_rules! frozen_tx {
    ($old:ident) => {
        pub(crate) mod $old {
            use crate::bindings::v0_4_0 as new;
            use crate::bindings::$old as old;
            use crate::bridge::Bridge;
            use old::devnet::plugin::types as ot;
            use old::exports::devnet::plugin::tx as otx;

            fn kind_name(kind: ot::TxKind) -> &'static str {
                match kind {
                    ot::TxKind::BankSend => "bank-send",
                    ot::TxKind::StakingDelegate => "staking-delegate",
                    ot::TxKind::GovSubmitProposal => "gov-submit-proposal",
                    ot::TxKind::GovVote => "gov-vote",
                    ot::TxKind::EvmTransfer => "evm-transfer",
                    ot::TxKind::EvmDeploy => "evm-deploy",
                    ot::TxKind::EvmCall => "evm-call",
                    ot::TxKind::TempoTransfer => "tempo-transfer",
                }
            }

            pub(crate) fn info(i: ot::PluginInfo) -> new::PluginInfo {
                let family = match i.platform {
                    ot::Platform::Cosmos => "cosmos",
                    ot::Platform::Evm => "evm",
                    ot::Platform::Tempo => "tempo",
                    ot::Platform::Other => "other",
                };
                new::PluginInfo {
                    name: i.name,
                    version: i.version,
                    family: family.into(),
                    chain_versions: i.chain_versions.bridge(),
                    tx_kinds: i
                        .tx_kinds
                        .into_iter()
                        .map(|k| new::TxKindsFor {
                            versions: k.versions.bridge(),
                            kinds: k.kinds.into_iter().map(|k| kind_name(k).to_string()).collect(),
                        })
                        .collect(),
                    capabilities: i.capabilities.bridge(),
                    default_binary: i.default_binary,
                }
            }

            pub(crate) fn kinds(kinds: Vec<ot::TxKind>) -> Vec<new::TxKind> {
                kinds
                    .into_iter()
                    .map(|k| crate::legacy::kind_info(kind_name(k)))
                    .collect()
            }

            /// The frozen request, and the options its fields carried.
            pub(crate) fn request(r: &new::TxRequest) -> Result<(otx::TxRequest, crate::legacy::Extras), String> {
                let (_, name, _, example) = crate::legacy::kind_named(&r.kind)?;
                let (sent, extras) = crate::legacy::tagged(r)?;
                let request: otx::TxRequest = serde_json::from_value(sent.clone())
                    .map_err(|e| format!("the `{name}` request does not fit its kind ({e}); e.g. {example}"))?;
                let read = serde_json::to_value(&request).map_err(|e| e.to_string())?;
                crate::legacy::no_unknown_fields(name, example, &sent, &read)?;
                Ok((request, extras))
            }

            pub(crate) fn signer(s: &new::Signer) -> otx::Signer {
                otx::Signer {
                    address: s.address.clone(),
                    public_key: s.public_key.clone(),
                    account_number: crate::legacy::account_number(s),
                    sequence: s.sequence,
                }
            }

            pub(crate) fn options(o: &new::TxOptions, extras: &crate::legacy::Extras) -> otx::TxOptions {
                otx::TxOptions {
                    gas_limit: extras.gas_limit,
                    fee: extras
                        .fee
                        .iter()
                        .map(|c| ot::Coin {
                            denom: c.denom.clone(),
                            amount: c.amount.clone(),
                        })
                        .collect(),
                    memo: extras.memo.clone(),
                    unordered: !o.ordered,
                    timeout_unix_secs: (!o.ordered).then(|| o.now_unix_secs + crate::legacy::UNORDERED_TTL_SECS),
                }
            }
        }
    };
}

/// The conversions of the `chain` types 0.4.0 changed, for 0.2.0 and 0.3.0.
macro_rules! frozen_chain {
    ($old:ident) => {
        pub(crate) mod $old {
            use crate::bindings::v0_4_0 as new;
            use crate::bindings::$old as old;
            use old::exports::devnet::plugin::chain as oc;

            pub(crate) fn account(a: oc::AccountState) -> new::AccountState {
                new::AccountState {
                    sequence: a.sequence,
                    data: serde_json::json!({ "number": a.number }).to_string(),
                }
            }

            pub(crate) fn broadcast(r: oc::BroadcastResult, family: &str) -> new::BroadcastResult {
                match r {
                    oc::BroadcastResult::Accepted(hash) => new::BroadcastResult::Accepted(hash),
                    oc::BroadcastResult::Rejected(r) => new::BroadcastResult::Rejected(new::Rejection {
                        kind: crate::legacy::rejection_kind(family, r.code),
                        code: r.code,
                        log: r.log,
                    }),
                }
            }

            pub(crate) fn proposal(p: oc::ProposalState) -> new::ProposalState {
                new::ProposalState {
                    id: p.id,
                    phase: match p.phase {
                        oc::ProposalPhase::Deposit => new::ProposalPhase::Deposit,
                        oc::ProposalPhase::Voting => new::ProposalPhase::Voting,
                        oc::ProposalPhase::Passed => new::ProposalPhase::Passed,
                        oc::ProposalPhase::Rejected => new::ProposalPhase::Rejected,
                        oc::ProposalPhase::Failed => new::ProposalPhase::Failed,
                    },
                    detail: p.detail,
                }
            }
        }
    };
}

pub(crate) mod tx {
    frozen_tx!(v0_1_0);
    frozen_tx!(v0_2_0);
    frozen_tx!(v0_3_0);
}

pub(crate) mod chain {
    frozen_chain!(v0_2_0);
    frozen_chain!(v0_3_0);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_named_kind_should_become_the_frozen_case_with_its_fields() {
        let r = new::TxRequest {
            kind: "bank-send".into(),
            json: r#"{"to":"bob","amount":[{"denom":"tok","amount":"5"}]}"#.into(),
        };
        let (old, extras) = tx::v0_1_0::request(&r).unwrap();
        assert_eq!(extras, Extras::default());
        assert_eq!(
            format!("{old:?}"),
            format!("{:?}", {
                use crate::bindings::v0_1_0::exports::devnet::plugin::tx as t;
                t::TxRequest::BankSend(t::BankSend {
                    to: "bob".into(),
                    amount: vec![crate::bindings::v0_1_0::devnet::plugin::types::Coin {
                        denom: "tok".into(),
                        amount: "5".into(),
                    }],
                })
            })
        );
        let unknown = new::TxRequest {
            kind: "mint".into(),
            json: "{}".into(),
        };
        let e = tx::v0_3_0::request(&unknown).unwrap_err();
        assert!(
            e.contains("no transaction kind \"mint\"") && e.contains("bank-send"),
            "{e}"
        );
        let wrong = new::TxRequest {
            kind: "bank-send".into(),
            json: r#"{"to":"bob"}"#.into(),
        };
        let e = tx::v0_2_0::request(&wrong).unwrap_err();
        assert!(e.contains("does not fit") && e.contains("amount"), "{e}");
    }

    #[test]
    fn memo_gas_and_fee_should_go_to_the_frozen_options_and_other_fields_be_refused() {
        let r = new::TxRequest {
            kind: "bank-send".into(),
            json: r#"{"to":"bob","amount":[],"memo":"hi","gas_limit":90000,"fee":[{"denom":"stake","amount":"7"}]}"#
                .into(),
        };
        let (_, extras) = tx::v0_3_0::request(&r).unwrap();
        let options = new::TxOptions {
            ordered: false,
            now_unix_secs: 1000,
        };
        let o = tx::v0_3_0::options(&options, &extras);
        assert_eq!((o.memo.as_str(), o.gas_limit, o.unordered), ("hi", Some(90000), true));
        assert_eq!(o.timeout_unix_secs, Some(1000 + UNORDERED_TTL_SECS));
        assert_eq!((o.fee[0].denom.as_str(), o.fee[0].amount.as_str()), ("stake", "7"));
        let typo = new::TxRequest {
            kind: "bank-send".into(),
            json: r#"{"to":"bob","amount":[],"memmo":"hi"}"#.into(),
        };
        let e = tx::v0_2_0::request(&typo).unwrap_err();
        assert!(
            e.contains("`memmo`") && e.contains("it takes amount") | e.contains("it takes to"),
            "{e}"
        );
        let bad_fee = new::TxRequest {
            kind: "bank-send".into(),
            json: r#"{"to":"bob","amount":[],"fee":"7stake"}"#.into(),
        };
        assert!(tx::v0_1_0::request(&bad_fee).unwrap_err().contains("fee"));
    }

    #[test]
    fn every_example_should_fit_its_frozen_case() {
        for (_, name, _, example) in KINDS {
            let r = new::TxRequest {
                kind: name.into(),
                json: example.into(),
            };
            tx::v0_3_0::request(&r).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn governance_should_be_written_in_the_frozen_kinds_and_read_back() {
        let plan = new::UpgradePlan {
            name: "v2".into(),
            to_version: "v0.53.4".into(),
            deposit: vec![new::Coin {
                denom: "stake".into(),
                amount: "10".into(),
            }],
        };
        let proposal = governance::upgrade_proposal(&plan, 40);
        assert_eq!(proposal.kind, "gov-submit-proposal");
        use crate::bindings::{v0_2_0, v0_3_0};
        let (frozen, _) = tx::v0_3_0::request(&proposal).unwrap();
        let v0_3_0::exports::devnet::plugin::tx::TxRequest::GovSubmitProposal(p) = frozen else {
            panic!("{frozen:?}")
        };
        let v0_3_0::exports::devnet::plugin::tx::ProposalContent::SoftwareUpgrade(upgrade) = p.content else {
            panic!("{:?}", p.content)
        };
        assert_eq!((upgrade.name.as_str(), upgrade.height), ("v2", 40));
        assert_eq!(p.deposit[0].amount, "10");
        // No deposit given: the one the frozen versions' hosts always sent, not none.
        let plan = new::UpgradePlan {
            deposit: vec![],
            ..plan
        };
        let (frozen, _) = tx::v0_3_0::request(&governance::upgrade_proposal(&plan, 40)).unwrap();
        let v0_3_0::exports::devnet::plugin::tx::TxRequest::GovSubmitProposal(p) = frozen else {
            panic!("{frozen:?}")
        };
        assert_eq!(
            (p.deposit[0].denom.as_str(), p.deposit[0].amount.as_str()),
            ("stake", "10000000")
        );
        let (vote, _) = tx::v0_2_0::request(&governance::vote(7, new::VoteChoice::Veto)).unwrap();
        let v0_2_0::exports::devnet::plugin::tx::TxRequest::GovVote(v) = vote else {
            panic!("{vote:?}")
        };
        assert_eq!(v.proposal_id, 7);
        assert_eq!(v.choice, v0_2_0::exports::devnet::plugin::tx::VoteOption::NoWithVeto);
        let outcome = new::TxOutcome {
            height: 3,
            code: 0,
            log: String::new(),
            attributes: vec![("proposal_id".into(), "12".into())],
        };
        assert_eq!(governance::proposal_id(&outcome).unwrap(), 12);
        assert_eq!(rejection_kind("cosmos", 32), new::RejectionKind::WrongSequence);
        assert_eq!(rejection_kind("evm", 32), new::RejectionKind::Other);
    }
}
