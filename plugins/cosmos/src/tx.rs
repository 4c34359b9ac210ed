//! Tx builders for SDK v0.47, v0.50 and v0.53, which differ where the SDK does:
//! - `MsgSubmitProposal.expedited` (field 7) exists from v0.50 on;
//! - `TxBody.unordered` (4) and `TxBody.timeout_timestamp` (5) exist from v0.53 on, and an
//!   unordered tx carries sequence 0 and needs a timeout.
//!
//! `build` returns the SIGN_MODE_DIRECT sign doc (sha256, compact secp256k1) and, as the body, a
//! `TxRaw` without signatures; `assemble` adds the signature.

use std::cmp::Ordering;

use devnet_plugin_sdk::cosmos::proto::{
    Any, AuthInfo, Coin, Fee, SignDoc, SignerInfo, Timestamp, TxBody, TxRaw, encode,
};
use devnet_plugin_sdk::cosmos::{bech32_decode, bech32_encode, module_address, prost::Message as _};
use devnet_plugin_sdk::tx::{ProposalContent, Signer, TxOptions, TxRequest, UnsignedTx, VoteOption};
use devnet_plugin_sdk::version_range::compare;
use devnet_plugin_sdk::{Digest, PluginError, SignRequest, SignatureFormat, TxBuilder, TxKind};

use crate::msgs::{self, vote_option};

const DEFAULT_GAS: u64 = 200_000;
/// The SDK's default longest unordered-tx lifetime.
const MAX_UNORDERED_TTL_SECS: u64 = 600;

/// The SDK release line a builder encodes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Line {
    V047,
    V050,
    V053,
}

impl Line {
    pub fn of(version: &str) -> Result<Self, PluginError> {
        let at_least = |v: &str| compare(version, v) != Ordering::Less;
        if !at_least("v0.47.0") || at_least("v0.54.0") {
            return Err(PluginError::Unsupported(format!(
                "Cosmos SDK {version}: this plugin builds transactions for v0.47 up to v0.53"
            )));
        }
        Ok(if at_least("v0.53.0") {
            Line::V053
        } else if at_least("v0.50.0") {
            Line::V050
        } else {
            Line::V047
        })
    }
}

pub struct CosmosTxBuilder {
    chain_id: String,
    version: String,
    line: Line,
}

fn coin(c: &devnet_plugin_sdk::Coin) -> Result<Coin, PluginError> {
    if c.denom.is_empty() || c.amount.is_empty() || !c.amount.chars().all(|d| d.is_ascii_digit()) {
        return Err(PluginError::InvalidInput(format!(
            "coin {:?}{:?}: write a whole amount and a denomination, e.g. 10stake",
            c.amount, c.denom
        )));
    }
    Ok(Coin {
        denom: c.denom.clone(),
        amount: c.amount.clone(),
    })
}

fn coins(list: &[devnet_plugin_sdk::Coin]) -> Result<Vec<Coin>, PluginError> {
    let mut out = list.iter().map(coin).collect::<Result<Vec<_>, _>>()?;
    out.sort_by(|a, b| a.denom.cmp(&b.denom));
    Ok(out)
}

fn address(text: &str, want_prefix: &str, what: &str) -> Result<String, PluginError> {
    let (hrp, _) = bech32_decode(text)?;
    if hrp != want_prefix {
        return Err(PluginError::InvalidInput(format!(
            "{what} {text:?} has prefix {hrp:?}, expected {want_prefix:?}"
        )));
    }
    Ok(text.to_string())
}

impl CosmosTxBuilder {
    fn needs(&self, line: Line, what: &str) -> Result<(), PluginError> {
        if self.line < line {
            let since = match line {
                Line::V047 => "v0.47",
                Line::V050 => "v0.50",
                Line::V053 => "v0.53",
            };
            return Err(PluginError::Unsupported(format!(
                "{what} needs Cosmos SDK {since} or newer; this builder is for {}. Nothing was sent.",
                self.version
            )));
        }
        Ok(())
    }

    fn message(&self, request: &TxRequest, sender: &str, prefix: &str) -> Result<Any, PluginError> {
        Ok(match request {
            TxRequest::BankSend(s) => {
                if s.amount.is_empty() {
                    return Err(PluginError::InvalidInput(
                        "a bank send needs an amount, e.g. 1stake".into(),
                    ));
                }
                Any::pack(
                    msgs::MSG_SEND,
                    &msgs::MsgSend {
                        from_address: sender.to_string(),
                        to_address: address(&s.to, prefix, "recipient")?,
                        amount: coins(&s.amount)?,
                    },
                )
            }
            TxRequest::StakingDelegate(d) => Any::pack(
                msgs::MSG_DELEGATE,
                &msgs::MsgDelegate {
                    delegator_address: sender.to_string(),
                    validator_address: address(&d.validator, &format!("{prefix}valoper"), "validator")?,
                    amount: Some(coin(&d.amount)?),
                },
            ),
            TxRequest::GovSubmitProposal(p) => {
                if p.expedited {
                    self.needs(Line::V050, "an expedited proposal")?;
                }
                if p.title.is_empty() {
                    return Err(PluginError::InvalidInput("a proposal needs a title".into()));
                }
                let is_text = matches!(p.content, ProposalContent::Text);
                let messages = match &p.content {
                    ProposalContent::Text => vec![],
                    ProposalContent::SoftwareUpgrade(u) => {
                        if u.name.is_empty() || u.height == 0 {
                            return Err(PluginError::InvalidInput(
                                "a software upgrade needs a name (the upgrade handler's) and a height above 0".into(),
                            ));
                        }
                        let height = i64::try_from(u.height).map_err(|_| {
                            PluginError::InvalidInput(format!("upgrade height {} is too large", u.height))
                        })?;
                        vec![Any::pack(
                            msgs::MSG_SOFTWARE_UPGRADE,
                            &msgs::MsgSoftwareUpgrade {
                                authority: bech32_encode(prefix, &module_address("gov"))?,
                                plan: Some(msgs::Plan {
                                    name: u.name.clone(),
                                    height,
                                    info: u.info.clone(),
                                }),
                            },
                        )]
                    }
                };
                Any::pack(
                    msgs::MSG_SUBMIT_PROPOSAL,
                    &msgs::MsgSubmitProposal {
                        messages,
                        initial_deposit: coins(&p.deposit)?,
                        proposer: sender.to_string(),
                        // gov refuses a proposal with neither messages nor metadata.
                        metadata: if is_text {
                            p.title.chars().take(255).collect()
                        } else {
                            String::new()
                        },
                        title: p.title.clone(),
                        summary: p.summary.clone(),
                        expedited: p.expedited && self.line >= Line::V050,
                    },
                )
            }
            TxRequest::GovVote(v) => Any::pack(
                msgs::MSG_VOTE,
                &msgs::MsgVote {
                    proposal_id: v.proposal_id,
                    voter: sender.to_string(),
                    option: match v.choice {
                        VoteOption::Yes => vote_option::YES,
                        VoteOption::Abstain => vote_option::ABSTAIN,
                        VoteOption::No => vote_option::NO,
                        VoteOption::NoWithVeto => vote_option::NO_WITH_VETO,
                    },
                    metadata: String::new(),
                },
            ),
            other => {
                return Err(PluginError::Unsupported(format!(
                    "the cosmos plugin does not build {:?} transactions",
                    kind_of(other)
                )));
            }
        })
    }

    fn body(&self, message: Any, options: &TxOptions) -> Result<TxBody, PluginError> {
        let mut body = TxBody {
            messages: vec![message],
            memo: options.memo.clone(),
            ..TxBody::default()
        };
        if options.unordered {
            self.needs(Line::V053, "an unordered transaction")?;
            let Some(timeout) = options.timeout_unix_secs else {
                return Err(PluginError::InvalidInput(format!(
                    "an unordered transaction needs a timeout (unix seconds, at most {MAX_UNORDERED_TTL_SECS} s ahead)"
                )));
            };
            body.unordered = true;
            body.timeout_timestamp = Some(timestamp(timeout)?);
        } else if let Some(timeout) = options.timeout_unix_secs {
            self.needs(Line::V053, "a timeout timestamp")?;
            body.timeout_timestamp = Some(timestamp(timeout)?);
        }
        Ok(body)
    }
}

fn timestamp(unix_secs: u64) -> Result<Timestamp, PluginError> {
    Ok(Timestamp {
        seconds: i64::try_from(unix_secs)
            .map_err(|_| PluginError::InvalidInput(format!("timeout {unix_secs} is out of range")))?,
        nanos: 0,
    })
}

fn kind_of(request: &TxRequest) -> TxKind {
    match request {
        TxRequest::BankSend(_) => TxKind::BankSend,
        TxRequest::StakingDelegate(_) => TxKind::StakingDelegate,
        TxRequest::GovSubmitProposal(_) => TxKind::GovSubmitProposal,
        TxRequest::GovVote(_) => TxKind::GovVote,
        TxRequest::EvmTransfer(_) => TxKind::EvmTransfer,
        TxRequest::EvmDeploy(_) => TxKind::EvmDeploy,
        TxRequest::EvmCall(_) => TxKind::EvmCall,
        TxRequest::TempoTransfer(_) => TxKind::TempoTransfer,
    }
}

impl TxBuilder for CosmosTxBuilder {
    fn create(chain_id: String, chain_version: String) -> Result<Self, PluginError> {
        if chain_id.is_empty() {
            return Err(PluginError::InvalidInput("a tx builder needs the chain id".into()));
        }
        let line = Line::of(&chain_version)?;
        Ok(Self {
            chain_id,
            version: chain_version,
            line,
        })
    }

    fn kinds(&self) -> Vec<TxKind> {
        vec![
            TxKind::BankSend,
            TxKind::StakingDelegate,
            TxKind::GovSubmitProposal,
            TxKind::GovVote,
        ]
    }

    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        let (prefix, _) = bech32_decode(&signer.address)?;
        if signer.public_key.len() != 33 {
            return Err(PluginError::InvalidInput(format!(
                "the signer's public key must be a 33-byte compressed secp256k1 key, got {} bytes",
                signer.public_key.len()
            )));
        }
        let message = self.message(&request, &signer.address, &prefix)?;
        let body = self.body(message, &options)?;
        // An unordered tx is identified by its timeout, not its sequence, which must be 0.
        let sequence = if body.unordered { 0 } else { signer.sequence };
        let fee = Fee {
            amount: coins(&options.fee)?,
            gas_limit: options.gas_limit.unwrap_or(DEFAULT_GAS),
            ..Fee::default()
        };
        let raw = TxRaw {
            body_bytes: encode(&body),
            auth_info_bytes: encode(&AuthInfo {
                signer_infos: vec![SignerInfo::direct_secp256k1(&signer.public_key, sequence)],
                fee: Some(fee),
            }),
            signatures: vec![],
        };
        let doc = SignDoc {
            body_bytes: raw.body_bytes.clone(),
            auth_info_bytes: raw.auth_info_bytes.clone(),
            chain_id: self.chain_id.clone(),
            account_number: signer.account_number,
        };
        Ok(UnsignedTx {
            sign: SignRequest {
                id: "tx".into(),
                key_id: signer.address,
                payload: encode(&doc),
                digest: Digest::Sha256,
                format: SignatureFormat::Secp256k1Compact,
            },
            body: encode(&raw),
        })
    }

    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        if signature.len() != 64 {
            return Err(PluginError::InvalidInput(format!(
                "expected a 64-byte r || s secp256k1 signature, got {} bytes",
                signature.len()
            )));
        }
        let mut raw = TxRaw::decode(tx.body.as_slice())
            .map_err(|e| PluginError::InvalidInput(format!("the body is not this builder's TxRaw: {e}")))?;
        if !raw.signatures.is_empty() {
            return Err(PluginError::InvalidInput("this transaction is already signed".into()));
        }
        raw.signatures.push(signature);
        Ok(encode(&raw))
    }
}

#[cfg(test)]
mod tests {
    use super::Line;

    #[test]
    fn release_lines_should_follow_the_version() {
        assert_eq!(Line::of("v0.47.17").unwrap(), Line::V047);
        assert_eq!(Line::of("v0.50.15").unwrap(), Line::V050);
        assert_eq!(Line::of("v0.53.4").unwrap(), Line::V053);
        assert!(Line::of("v0.46.0").is_err());
        assert!(Line::of("v0.54.0").is_err());
    }
}
