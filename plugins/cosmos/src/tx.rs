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
use devnet_plugin_sdk::tx::{Signer, TxOptions, TxRequest, UnsignedTx, kind_of};
use devnet_plugin_sdk::version_range::compare;
use devnet_plugin_sdk::{Digest, PluginError, SignRequest, SignatureFormat, TxBuilder, TxKind};

use crate::msgs::{self, vote_option};
use crate::requests::{self, Amount, Choice, Content, Extras};

const DEFAULT_GAS: u64 = 200_000;
/// How long an unordered transaction stays valid (the SDK's longest is 600 s).
const UNORDERED_TTL_SECS: u64 = 60;

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

fn coin(c: &Amount) -> Result<Coin, PluginError> {
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

fn coins(list: &[Amount]) -> Result<Vec<Coin>, PluginError> {
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

    /// The request's message, and the memo, gas and fee it asks for.
    fn message(&self, request: &TxRequest, sender: &str, prefix: &str) -> Result<(Any, Extra), PluginError> {
        let kinds = requests::kinds();
        let kind = kind_of(&kinds, request)?;
        Ok(match kind.name.as_str() {
            requests::BANK_SEND => {
                let s: requests::BankSend = request.fields(kind)?;
                if s.amount.is_empty() {
                    return Err(PluginError::invalid("a bank send needs an amount, e.g. 1stake"));
                }
                let msg = Any::pack(
                    msgs::MSG_SEND,
                    &msgs::MsgSend {
                        from_address: sender.to_string(),
                        to_address: address(&s.to, prefix, "recipient")?,
                        amount: coins(&s.amount)?,
                    },
                );
                (msg, Extra::of(&s))
            }
            requests::STAKING_DELEGATE => {
                let d: requests::StakingDelegate = request.fields(kind)?;
                let msg = Any::pack(
                    msgs::MSG_DELEGATE,
                    &msgs::MsgDelegate {
                        delegator_address: sender.to_string(),
                        validator_address: address(&d.validator, &format!("{prefix}valoper"), "validator")?,
                        amount: Some(coin(&d.amount)?),
                    },
                );
                (msg, Extra::of(&d))
            }
            requests::GOV_SUBMIT_PROPOSAL => {
                let p: requests::GovSubmitProposal = request.fields(kind)?;
                (self.proposal(&p, sender, prefix)?, Extra::of(&p))
            }
            requests::GOV_VOTE => {
                let v: requests::GovVote = request.fields(kind)?;
                let msg = Any::pack(
                    msgs::MSG_VOTE,
                    &msgs::MsgVote {
                        proposal_id: v.proposal_id,
                        voter: sender.to_string(),
                        option: match v.choice {
                            Choice::Yes => vote_option::YES,
                            Choice::Abstain => vote_option::ABSTAIN,
                            Choice::No => vote_option::NO,
                            Choice::NoWithVeto => vote_option::NO_WITH_VETO,
                        },
                        metadata: String::new(),
                    },
                );
                (msg, Extra::of(&v))
            }
            other => return Err(PluginError::internal(format!("kind {other} is declared but not built"))),
        })
    }

    fn proposal(&self, p: &requests::GovSubmitProposal, sender: &str, prefix: &str) -> Result<Any, PluginError> {
        if p.expedited {
            self.needs(Line::V050, "an expedited proposal")?;
        }
        if p.title.is_empty() {
            return Err(PluginError::invalid("a proposal needs a title"));
        }
        let is_text = matches!(p.content, Content::Text);
        let messages = match &p.content {
            Content::Text => vec![],
            Content::SoftwareUpgrade(u) => {
                if u.name.is_empty() || u.height == 0 {
                    return Err(PluginError::invalid(
                        "a software upgrade needs a name (the upgrade handler's) and a height above 0",
                    ));
                }
                let height = i64::try_from(u.height)
                    .map_err(|_| PluginError::invalid(format!("upgrade height {} is too large", u.height)))?;
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
        Ok(Any::pack(
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
        ))
    }

    fn body(&self, message: Any, extra: &Extra, options: &TxOptions) -> Result<TxBody, PluginError> {
        let mut body = TxBody {
            messages: vec![message],
            memo: extra.memo.clone(),
            ..TxBody::default()
        };
        if !options.ordered {
            self.needs(Line::V053, "an unordered transaction")?;
            body.unordered = true;
            body.timeout_timestamp = Some(timestamp(options.now_unix_secs + UNORDERED_TTL_SECS)?);
        }
        Ok(body)
    }
}

/// The memo, gas limit and fee a request asks for.
struct Extra {
    memo: String,
    gas_limit: Option<u64>,
    fee: Vec<Amount>,
}

impl Extra {
    fn of(r: &impl Extras) -> Self {
        Self {
            memo: r.memo().to_string(),
            gas_limit: r.gas_limit(),
            fee: r.fee().to_vec(),
        }
    }
}

fn timestamp(unix_secs: u64) -> Result<Timestamp, PluginError> {
    Ok(Timestamp {
        seconds: i64::try_from(unix_secs)
            .map_err(|_| PluginError::InvalidInput(format!("timeout {unix_secs} is out of range")))?,
        nanos: 0,
    })
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
        requests::kinds()
    }

    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        let (prefix, _) = bech32_decode(&signer.address)?;
        if signer.public_key.len() != 33 {
            return Err(PluginError::InvalidInput(format!(
                "the signer's public key must be a 33-byte compressed secp256k1 key, got {} bytes",
                signer.public_key.len()
            )));
        }
        let (message, extra) = self.message(&request, &signer.address, &prefix)?;
        let body = self.body(message, &extra, &options)?;
        // An unordered tx is identified by its timeout, not its sequence, which must be 0.
        let sequence = if body.unordered { 0 } else { signer.sequence };
        let fee = Fee {
            amount: coins(&extra.fee)?,
            gas_limit: extra.gas_limit.unwrap_or(DEFAULT_GAS),
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
            account_number: crate::chain::account_number(&signer.account)?,
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
