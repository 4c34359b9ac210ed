//! The Cosmos messages the tx builders make, as the SDK's protobuf defines them.

use devnet_plugin_sdk::cosmos::proto::{Any, Coin};

pub const MSG_SEND: &str = "/cosmos.bank.v1beta1.MsgSend";
pub const MSG_DELEGATE: &str = "/cosmos.staking.v1beta1.MsgDelegate";
pub const MSG_SUBMIT_PROPOSAL: &str = "/cosmos.gov.v1.MsgSubmitProposal";
pub const MSG_VOTE: &str = "/cosmos.gov.v1.MsgVote";
pub const MSG_SOFTWARE_UPGRADE: &str = "/cosmos.upgrade.v1beta1.MsgSoftwareUpgrade";

#[derive(Clone, PartialEq, prost::Message)]
pub struct MsgSend {
    #[prost(string, tag = "1")]
    pub from_address: String,
    #[prost(string, tag = "2")]
    pub to_address: String,
    #[prost(message, repeated, tag = "3")]
    pub amount: Vec<Coin>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MsgDelegate {
    #[prost(string, tag = "1")]
    pub delegator_address: String,
    #[prost(string, tag = "2")]
    pub validator_address: String,
    #[prost(message, optional, tag = "3")]
    pub amount: Option<Coin>,
}

/// `cosmos.gov.v1.MsgSubmitProposal`. `expedited` (7) exists from v0.50 on.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MsgSubmitProposal {
    #[prost(message, repeated, tag = "1")]
    pub messages: Vec<Any>,
    #[prost(message, repeated, tag = "2")]
    pub initial_deposit: Vec<Coin>,
    #[prost(string, tag = "3")]
    pub proposer: String,
    #[prost(string, tag = "4")]
    pub metadata: String,
    #[prost(string, tag = "5")]
    pub title: String,
    #[prost(string, tag = "6")]
    pub summary: String,
    #[prost(bool, tag = "7")]
    pub expedited: bool,
}

/// `cosmos.gov.v1.VoteOption`.
pub mod vote_option {
    pub const YES: i32 = 1;
    pub const ABSTAIN: i32 = 2;
    pub const NO: i32 = 3;
    pub const NO_WITH_VETO: i32 = 4;
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MsgVote {
    #[prost(uint64, tag = "1")]
    pub proposal_id: u64,
    #[prost(string, tag = "2")]
    pub voter: String,
    #[prost(int32, tag = "3")]
    pub option: i32,
    #[prost(string, tag = "4")]
    pub metadata: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Plan {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(int64, tag = "3")]
    pub height: i64,
    #[prost(string, tag = "4")]
    pub info: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MsgSoftwareUpgrade {
    #[prost(string, tag = "1")]
    pub authority: String,
    #[prost(message, optional, tag = "2")]
    pub plan: Option<Plan>,
}
