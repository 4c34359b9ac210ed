//! Tempo transactions (type `0x76`): a TIP-20 transfer as one call to the token.
//!
//! The fields, in order: chain_id, max_priority_fee_per_gas, max_fee_per_gas, gas_limit,
//! calls [(to, value, input)], access_list, nonce_key, nonce, valid_before, valid_after,
//! fee_token, fee_payer_signature, aa_authorization_list (and key_authorization only when one
//! is present). The sender signs `keccak256(0x76 || rlp(fields))`, with an empty string where
//! the fee-payer signature goes; the signed transaction is `0x76 || rlp(fields ++ signature)`,
//! the signature as 65 bytes `r || s || v` with `v` 27 or 28.
//!
//! `build` keeps the encoded fields as the body, so `assemble` appends the signature and wraps
//! the list without decoding anything.

use devnet_plugin_sdk::evm::rlp::{EMPTY_LIST_CODE, EMPTY_STRING_CODE, Encodable};
use devnet_plugin_sdk::evm::{Address, RecoverableSignature, U256, parse_address, rlp_list, sign_request};
use devnet_plugin_sdk::tx::{Signer, TxOptions, TxRequest, UnsignedTx, kind_of};
use devnet_plugin_sdk::{PluginError, TxBuilder, TxKind};
use serde::Deserialize;

pub const TRANSFER: &str = "tempo-transfer";
/// How long an expiring-nonce transaction stays valid (T1 and later refuse more than 30 s).
const EXPIRING_TTL_SECS: u64 = 25;

/// The kinds this builder declares.
pub fn kinds() -> Vec<TxKind> {
    vec![TxKind::example(
        TRANSFER,
        "send a TIP-20 token (a 0x76 transaction; the token pays the fee): amount in base units (6 decimals), token by address or symbol (pathUSD, the default; AlphaUSD, BetaUSD, ThetaUSD); optional gas_limit, max_fee_per_gas",
        r#"{"to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","amount":"1000000","token":"0x20c0000000000000000000000000000000000000"}"#,
    )]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Transfer {
    to: String,
    amount: String,
    /// The TIP-20 token, pathUSD when empty (`fee_token` in the host's frozen 0.1.0–0.3.0 kinds).
    #[serde(default, alias = "fee_token")]
    token: String,
    gas_limit: Option<u64>,
    max_fee_per_gas: Option<String>,
}

pub const TEMPO_TX_TYPE: u8 = 0x76;
/// pathUSD, the first TIP-20 stablecoin: the token when the request names none.
pub const PATH_USD: &str = "0x20c0000000000000000000000000000000000000";
/// `transfer(address,uint256)`.
const TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// The nonce key of an expiring-nonce transaction (TIP-1009): replay protection by hash and a
/// `valid_before` deadline instead of a sequence.
const EXPIRING_NONCE_KEY: U256 = U256::MAX;
const DEFAULT_GAS: u64 = 500_000;
/// 40 gwei per gas: twice the dev chainspec's base fee.
const DEFAULT_MAX_FEE: u128 = 40_000_000_000;
const DEFAULT_TIP: u128 = 1_000_000_000;

pub struct TempoTxBuilder {
    chain_id: u64,
    /// On anvil's Tempo mode started from a genesis, whose clock counts from the epoch.
    anvil: bool,
}

/// The input of `transfer(to, amount)`.
fn transfer_input(to: &Address, amount: U256) -> Vec<u8> {
    let mut input = TRANSFER_SELECTOR.to_vec();
    input.extend_from_slice(&[0u8; 12]);
    input.extend_from_slice(to.as_slice());
    input.extend_from_slice(&amount.to_be_bytes::<32>());
    input
}

fn max_fee(fee: Option<&str>) -> Result<u128, PluginError> {
    match fee {
        None => Ok(DEFAULT_MAX_FEE),
        Some(fee) => fee
            .parse()
            .map_err(|_| PluginError::invalid(format!("max_fee_per_gas {fee:?} must be a whole number of wei"))),
    }
}

impl TxBuilder for TempoTxBuilder {
    fn create(chain_id: String, chain_version: String) -> Result<Self, PluginError> {
        let chain_id = chain_id
            .parse()
            .map_err(|_| PluginError::invalid(format!("Tempo chain id {chain_id:?} must be a number, e.g. 1337")))?;
        Ok(Self {
            chain_id,
            anvil: crate::version::is_anvil(&chain_version),
        })
    }

    fn kinds(&self) -> Vec<TxKind> {
        kinds()
    }

    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        let all = kinds();
        let transfer: Transfer = request.fields(kind_of(&all, &request)?)?;
        let to = parse_address(&transfer.to)?;
        // A token by address, or by the symbol of one of Tempo's first stablecoins.
        let token = match transfer.token.as_str() {
            "" => parse_address(PATH_USD)?,
            // An address (with or without 0x) is read as one, and its error kept.
            t if t.starts_with("0x") || t.chars().all(|c| c.is_ascii_hexdigit()) => parse_address(t)?,
            symbol => crate::anvil::token(symbol)?,
        };
        if !options.ordered && self.anvil {
            return Err(PluginError::unsupported(
                "an unordered (expiring-nonce) transaction must expire within 30 s of the chain's clock, and anvil started from a genesis counts its clock from 1970: send it ordered",
            ));
        }
        let amount = U256::from_str_radix(&transfer.amount, 10).map_err(|_| {
            PluginError::invalid(format!(
                "amount {:?} must be a whole number of the token's base units",
                transfer.amount
            ))
        })?;
        let max_fee = max_fee(transfer.max_fee_per_gas.as_deref())?;
        let tip = DEFAULT_TIP.min(max_fee);
        let gas = transfer.gas_limit.unwrap_or(DEFAULT_GAS);
        let (nonce_key, nonce, valid_before) = if !options.ordered {
            (EXPIRING_NONCE_KEY, 0, Some(options.now_unix_secs + EXPIRING_TTL_SECS))
        } else {
            (U256::ZERO, signer.sequence, None)
        };

        let mut call = Vec::new();
        token.encode(&mut call);
        U256::ZERO.encode(&mut call);
        transfer_input(&to, amount).as_slice().encode(&mut call);
        let calls = rlp_list(&rlp_list(&call));

        let mut items = Vec::new();
        self.chain_id.encode(&mut items);
        tip.encode(&mut items);
        max_fee.encode(&mut items);
        gas.encode(&mut items);
        items.extend_from_slice(&calls);
        items.push(EMPTY_LIST_CODE); // access list
        nonce_key.encode(&mut items);
        nonce.encode(&mut items);
        match valid_before {
            Some(t) => t.encode(&mut items),
            None => items.push(EMPTY_STRING_CODE),
        }
        items.push(EMPTY_STRING_CODE); // valid_after
        token.encode(&mut items); // fee_token
        items.push(EMPTY_STRING_CODE); // no fee-payer signature
        items.push(EMPTY_LIST_CODE); // aa_authorization_list

        let mut payload = vec![TEMPO_TX_TYPE];
        payload.extend(rlp_list(&items));
        Ok(UnsignedTx {
            sign: sign_request(signer.address, payload),
            body: items,
        })
    }

    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        if tx.body.is_empty() {
            return Err(PluginError::invalid("empty transaction body"));
        }
        let sig = RecoverableSignature::from_host(&signature)?.to_rsv27();
        let mut items = tx.body;
        sig.as_slice().encode(&mut items);
        let mut out = vec![TEMPO_TX_TYPE];
        out.extend(rlp_list(&items));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_input_should_be_selector_then_two_words() {
        let input = transfer_input(&Address::repeat_byte(0xab), U256::from(258));
        assert_eq!(input.len(), 4 + 32 + 32);
        assert_eq!(&input[..4], &[0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(&input[16..36], &[0xab; 20]);
        assert_eq!(&input[66..], &[1, 2]);
    }
}
