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
            "no transaction kind {name:?} in this plugin's API; its kinds: {}",
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

/// `{"<Case>": <json>}`, the serde form of the frozen variant, for `request`.
fn tagged(request: &new::TxRequest) -> Result<serde_json::Value, String> {
    let &(case, name, _, example) = kind_named(&request.kind)?;
    let fields: serde_json::Value = serde_json::from_str(&request.json)
        .map_err(|e| format!("the `{name}` request is not JSON ({e}); e.g. {example}"))?;
    Ok(json!({ case: fields }))
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
            deposit: plan.deposit.clone().bridge(),
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

            pub(crate) fn request(r: &new::TxRequest) -> Result<otx::TxRequest, String> {
                let (_, name, _, example) = crate::legacy::kind_named(&r.kind)?;
                serde_json::from_value(crate::legacy::tagged(r)?)
                    .map_err(|e| format!("the `{name}` request does not fit its kind ({e}); e.g. {example}"))
            }

            pub(crate) fn signer(s: &new::Signer) -> otx::Signer {
                otx::Signer {
                    address: s.address.clone(),
                    public_key: s.public_key.clone(),
                    account_number: crate::legacy::account_number(s),
                    sequence: s.sequence,
                }
            }

            pub(crate) fn options(o: &new::TxOptions) -> otx::TxOptions {
                otx::TxOptions {
                    gas_limit: None,
                    fee: vec![],
                    memo: String::new(),
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
        let old = tx::v0_1_0::request(&r).unwrap();
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
        let frozen = tx::v0_3_0::request(&proposal).unwrap();
        assert!(format!("{frozen:?}").contains("height: 40"), "{frozen:?}");
        let vote = tx::v0_2_0::request(&governance::vote(7, new::VoteChoice::Veto)).unwrap();
        assert!(format!("{vote:?}").contains("NoWithVeto"), "{vote:?}");
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
