//! The transaction kinds this plugin declares, and the JSON each is written in. The fields of
//! the first four are those the host's frozen 0.1.0–0.3.0 variants had, so transactions stored
//! and batch files written before 0.4.0 still build.

use devnet_plugin_sdk::TxKind;
use serde::{Deserialize, Serialize};

/// An amount of one denomination, e.g. `{"denom":"stake","amount":"10"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    pub denom: String,
    pub amount: String,
}

/// What every kind may carry beside its own fields.
pub trait Extras {
    fn memo(&self) -> &str;
    fn gas_limit(&self) -> Option<u64>;
    fn fee(&self) -> &[Amount];
}

macro_rules! extras {
    ($t:ty) => {
        impl Extras for $t {
            fn memo(&self) -> &str {
                &self.memo
            }
            fn gas_limit(&self) -> Option<u64> {
                self.gas_limit
            }
            fn fee(&self) -> &[Amount] {
                &self.fee
            }
        }
    };
}

/// `bank-send`: `MsgSend` from the signer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankSend {
    pub to: String,
    pub amount: Vec<Amount>,
    #[serde(default)]
    pub memo: String,
    #[serde(default)]
    pub gas_limit: Option<u64>,
    #[serde(default)]
    pub fee: Vec<Amount>,
}
extras!(BankSend);

/// `staking-delegate`: `MsgDelegate` from the signer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StakingDelegate {
    pub validator: String,
    pub amount: Amount,
    #[serde(default)]
    pub memo: String,
    #[serde(default)]
    pub gas_limit: Option<u64>,
    #[serde(default)]
    pub fee: Vec<Amount>,
}
extras!(StakingDelegate);

/// What a proposal proposes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum Content {
    /// A text proposal: no messages.
    #[default]
    Text,
    /// `MsgSoftwareUpgrade` with this plan.
    SoftwareUpgrade(SoftwareUpgrade),
}

/// An upgrade plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftwareUpgrade {
    pub name: String,
    pub height: u64,
    #[serde(default)]
    pub info: String,
}

/// `gov-submit-proposal`: `MsgSubmitProposal` (gov v1) from the signer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovSubmitProposal {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub deposit: Vec<Amount>,
    #[serde(default)]
    pub content: Content,
    #[serde(default)]
    pub expedited: bool,
    #[serde(default)]
    pub memo: String,
    #[serde(default)]
    pub gas_limit: Option<u64>,
    #[serde(default)]
    pub fee: Vec<Amount>,
}
extras!(GovSubmitProposal);

/// A vote's option.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Choice {
    #[serde(alias = "yes")]
    Yes,
    #[serde(alias = "abstain")]
    Abstain,
    #[serde(alias = "no")]
    No,
    #[serde(alias = "veto", alias = "no-with-veto")]
    NoWithVeto,
}

/// `gov-vote`: `MsgVote` from the signer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovVote {
    pub proposal_id: u64,
    pub choice: Choice,
    #[serde(default)]
    pub memo: String,
    #[serde(default)]
    pub gas_limit: Option<u64>,
    #[serde(default)]
    pub fee: Vec<Amount>,
}
extras!(GovVote);

pub const BANK_SEND: &str = "bank-send";
pub const STAKING_DELEGATE: &str = "staking-delegate";
pub const GOV_SUBMIT_PROPOSAL: &str = "gov-submit-proposal";
pub const GOV_VOTE: &str = "gov-vote";

/// Every kind, with an example a user can start from. `memo`, `gas_limit` (default 200000) and
/// `fee` (a list of amounts) are optional in each.
pub fn kinds() -> Vec<TxKind> {
    vec![
        TxKind::example(
            BANK_SEND,
            "send coins from the signer (MsgSend); optional memo, gas_limit, fee",
            r#"{"to":"cosmos1…","amount":[{"denom":"stake","amount":"1"}]}"#,
        ),
        TxKind::example(
            STAKING_DELEGATE,
            "delegate the signer's coins to a validator (MsgDelegate)",
            r#"{"validator":"cosmosvaloper1…","amount":{"denom":"stake","amount":"1"}}"#,
        ),
        TxKind::example(
            GOV_SUBMIT_PROPOSAL,
            "submit a gov v1 proposal: content \"Text\" or {\"SoftwareUpgrade\":{name,height,info}}",
            r#"{"title":"Hello","summary":"a text proposal","deposit":[{"denom":"stake","amount":"10000000"}],"content":"Text","expedited":false}"#,
        ),
        TxKind::example(
            GOV_VOTE,
            "vote on a proposal: choice Yes, No, Abstain or NoWithVeto",
            r#"{"proposal_id":1,"choice":"Yes"}"#,
        ),
    ]
}

/// The names of [`kinds`].
pub fn names() -> Vec<String> {
    kinds().into_iter().map(|k| k.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_should_read_as_its_kind() {
        let k = kinds();
        let of = |name: &str| devnet_plugin_sdk::tx::TxRequest {
            kind: name.into(),
            json: k
                .iter()
                .find(|x| x.name == name)
                .map(|x| x.example.clone())
                .unwrap_or_default(),
        };
        let kind = |name: &str| k.iter().find(|x| x.name == name).cloned().expect("declared");
        of(BANK_SEND).fields::<BankSend>(&kind(BANK_SEND)).expect("bank-send");
        of(STAKING_DELEGATE)
            .fields::<StakingDelegate>(&kind(STAKING_DELEGATE))
            .expect("delegate");
        let p = of(GOV_SUBMIT_PROPOSAL)
            .fields::<GovSubmitProposal>(&kind(GOV_SUBMIT_PROPOSAL))
            .expect("proposal");
        assert_eq!(p.content, Content::Text);
        of(GOV_VOTE).fields::<GovVote>(&kind(GOV_VOTE)).expect("vote");
    }

    #[test]
    fn a_misspelt_field_should_be_refused_by_name() {
        let r = devnet_plugin_sdk::tx::TxRequest {
            kind: BANK_SEND.into(),
            json: r#"{"to":"cosmos1x","amount":[],"gas_limt":5}"#.into(),
        };
        let e = r.fields::<BankSend>(&kinds()[0]).expect_err("a typo");
        assert!(e.message().contains("gas_limt"), "{e:?}");
    }
}
