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
        "send a TIP-20 token (a 0x76 transaction): amount in whole tokens (up to 6 decimals, e.g. 1.5), token by address or symbol (pathUSD, the default; AlphaUSD, BetaUSD, ThetaUSD); the fee paid in fee_token (the token sent, by default); optional gas_limit, max_fee_per_gas",
        r#"{"to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","amount":"1.5","token":"pathUSD","fee_token":"AlphaUSD"}"#,
    )]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Transfer {
    to: String,
    amount: String,
    /// The TIP-20 token sent; pathUSD when empty.
    #[serde(default)]
    token: String,
    /// The TIP-20 token the fee is paid in; when empty, the token sent.
    #[serde(default)]
    fee_token: String,
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
    /// Expiring-nonce transactions this builder made: each gets its own `valid_after` from it,
    /// so two alike in one second are still two transactions (replay protection is by hash).
    expiring: std::cell::Cell<u64>,
    /// On anvil's Tempo mode, the hardfork it runs (from the live version; none: not known).
    anvil: Option<Option<String>>,
}

/// A token by address (with or without 0x, its error kept), or by the symbol of one of Tempo's
/// first stablecoins; pathUSD when empty.
fn token_of(named: &str) -> Result<Address, PluginError> {
    match named {
        "" => parse_address(PATH_USD),
        t if t.starts_with("0x") || t.chars().all(|c| c.is_ascii_hexdigit()) => parse_address(t),
        symbol => crate::anvil::token(symbol),
    }
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
        let anvil = crate::version::is_anvil(&chain_version)
            .then(|| crate::version::hardfork(&chain_version).map(str::to_string));
        Ok(Self {
            chain_id,
            expiring: std::cell::Cell::new(0),
            anvil,
        })
    }

    fn kinds(&self) -> Vec<TxKind> {
        kinds()
    }

    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        let all = kinds();
        let transfer: Transfer = request.fields(kind_of(&all, &request)?)?;
        let to = parse_address(&transfer.to)?;
        let token = token_of(&transfer.token)?;
        let fee_token = if transfer.fee_token.is_empty() {
            token
        } else {
            token_of(&transfer.fee_token)?
        };
        // T0 takes one expiring-nonce transaction per sender; T1 makes them a standing option.
        if !options.ordered
            && let Some(fork) = &self.anvil
            && fork.as_deref().is_none_or(|f| f == "t0")
        {
            return Err(PluginError::unsupported(format!(
                "repeated unordered (expiring-nonce, TIP-1009) transfers need Tempo's T1 hardfork; this devnet runs {}: \
                 send it ordered, or deploy with --set hardfork=t1",
                fork.as_deref().unwrap_or("a hardfork not yet known")
            )));
        }
        let amount = crate::tip20::base_units(&transfer.amount, "tempo-transfer")?;
        let max_fee = max_fee(transfer.max_fee_per_gas.as_deref())?;
        let tip = DEFAULT_TIP.min(max_fee);
        let gas = transfer.gas_limit.unwrap_or(DEFAULT_GAS);
        let (nonce_key, nonce, valid_before, valid_after) = if !options.ordered {
            // Valid from a second in the past that no other of this builder's has.
            let made = self.expiring.get();
            self.expiring.set(made + 1);
            let after = options
                .now_unix_secs
                .saturating_sub(1 + made % (options.now_unix_secs / 2).max(1));
            (
                EXPIRING_NONCE_KEY,
                0,
                Some(options.now_unix_secs + EXPIRING_TTL_SECS),
                Some(after.max(1)),
            )
        } else {
            (U256::ZERO, signer.sequence, None, None)
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
        match valid_after {
            Some(t) => t.encode(&mut items),
            None => items.push(EMPTY_STRING_CODE),
        }
        fee_token.encode(&mut items);
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
