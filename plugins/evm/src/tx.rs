//! EVM transactions: EIP-1559 (type 2) and legacy EIP-155, for transfers, deploys and calls.
//!
//! `build` returns what the host signs (`keccak256` of the unsigned encoding, signed as a 65-byte
//! recoverable secp256k1 signature) and a body that keeps the encoded fields: a type byte, then
//! the RLP items without their list header, so `assemble` appends the signature items and
//! re-wraps them without decoding anything.

use devnet_plugin_sdk::evm::rlp::{Encodable, Header};
use devnet_plugin_sdk::evm::{Address, RecoverableSignature, U256, parse_address, rlp_list, sign_request};
use devnet_plugin_sdk::tx::{Signer, TxOptions, TxRequest, UnsignedTx};
use devnet_plugin_sdk::{PluginError, TxBuilder, TxKind};

const LEGACY: u8 = 0;
const EIP1559: u8 = 2;
/// 1 gwei: the tip when the caller names only a max fee.
const DEFAULT_TIP: u128 = 1_000_000_000;
/// 20 gwei: the max fee (or gas price) when the caller names none.
const DEFAULT_FEE: u128 = 20_000_000_000;

pub struct EvmTxBuilder {
    chain_id: u64,
}

struct Fields {
    to: Option<Address>,
    value: U256,
    data: Vec<u8>,
    default_gas: u64,
    legacy: bool,
}

fn parse_amount(s: &str, what: &str) -> Result<U256, PluginError> {
    let s = if s.is_empty() { "0" } else { s };
    U256::from_str_radix(s, 10)
        .map_err(|_| PluginError::invalid(format!("{what} {s:?} must be a decimal amount in wei")))
}

fn fields(request: &TxRequest) -> Result<Fields, PluginError> {
    Ok(match request {
        TxRequest::EvmTransfer(t) => Fields {
            to: Some(parse_address(&t.to)?),
            value: parse_amount(&t.value, "value")?,
            data: vec![],
            default_gas: 21_000,
            legacy: t.legacy,
        },
        TxRequest::EvmDeploy(d) => {
            if d.code.is_empty() {
                return Err(PluginError::invalid("a deploy needs the contract's init code"));
            }
            Fields {
                to: None,
                value: parse_amount(&d.value, "value")?,
                data: d.code.clone(),
                default_gas: 3_000_000,
                legacy: false,
            }
        }
        TxRequest::EvmCall(c) => Fields {
            to: Some(parse_address(&c.to)?),
            value: parse_amount(&c.value, "value")?,
            data: c.data.clone(),
            default_gas: 1_000_000,
            legacy: false,
        },
        other => {
            return Err(PluginError::unsupported(format!(
                "the evm builder builds evm-transfer, evm-deploy and evm-call, not {other:?}"
            )));
        }
    })
}

/// Encodes `to`: 20 bytes, or the empty string for a contract creation.
fn encode_to(to: &Option<Address>, out: &mut Vec<u8>) {
    match to {
        Some(a) => a.encode(out),
        None => out.push(devnet_plugin_sdk::evm::rlp::EMPTY_STRING_CODE),
    }
}

impl TxBuilder for EvmTxBuilder {
    fn create(chain_id: String, chain_version: String) -> Result<Self, PluginError> {
        let chain_id = chain_id
            .parse()
            .map_err(|_| PluginError::invalid(format!("EVM chain id {chain_id:?} must be a number, e.g. 1337")))?;
        let _ = chain_version; // Every supported client takes the same transaction formats.
        Ok(Self { chain_id })
    }

    fn kinds(&self) -> Vec<TxKind> {
        vec![TxKind::EvmTransfer, TxKind::EvmDeploy, TxKind::EvmCall]
    }

    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        if options.unordered {
            return Err(PluginError::unsupported("EVM transactions are always ordered by nonce"));
        }
        let f = fields(&request)?;
        let max_fee = match options.fee.as_slice() {
            [] => DEFAULT_FEE,
            [coin] if coin.denom == "wei" => coin
                .amount
                .parse()
                .map_err(|_| PluginError::invalid("fee amount must be decimal wei"))?,
            _ => {
                return Err(PluginError::invalid(
                    "an EVM fee is one coin in `wei`: the max fee (or gas price) per gas",
                ));
            }
        };
        let gas = options.gas_limit.unwrap_or(f.default_gas);
        let nonce = signer.sequence;

        let mut items = Vec::new();
        let (kind, payload) = if f.legacy {
            nonce.encode(&mut items);
            max_fee.encode(&mut items);
            gas.encode(&mut items);
            encode_to(&f.to, &mut items);
            f.value.encode(&mut items);
            f.data.as_slice().encode(&mut items);
            // EIP-155: the signed hash covers chain_id, 0, 0 after the six fields.
            let mut unsigned = items.clone();
            self.chain_id.encode(&mut unsigned);
            0u8.encode(&mut unsigned);
            0u8.encode(&mut unsigned);
            (LEGACY, rlp_list(&unsigned))
        } else {
            let tip = DEFAULT_TIP.min(max_fee);
            self.chain_id.encode(&mut items);
            nonce.encode(&mut items);
            tip.encode(&mut items);
            max_fee.encode(&mut items);
            gas.encode(&mut items);
            encode_to(&f.to, &mut items);
            f.value.encode(&mut items);
            f.data.as_slice().encode(&mut items);
            // An empty access list.
            Header {
                list: true,
                payload_length: 0,
            }
            .encode(&mut items);
            let mut typed = vec![EIP1559];
            typed.extend(rlp_list(&items));
            (EIP1559, typed)
        };
        let mut body = vec![kind];
        body.extend(items);
        Ok(UnsignedTx {
            sign: sign_request(signer.address, payload),
            body,
        })
    }

    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        let [kind, items @ ..] = tx.body.as_slice() else {
            return Err(PluginError::invalid("empty transaction body"));
        };
        let RecoverableSignature { r, s, parity } = RecoverableSignature::from_host(&signature)?;
        let recovery = u64::from(parity);
        let mut payload = items.to_vec();
        match *kind {
            EIP1559 => {
                recovery.encode(&mut payload);
                r.encode(&mut payload);
                s.encode(&mut payload);
                let mut out = vec![EIP1559];
                out.extend(rlp_list(&payload));
                Ok(out)
            }
            LEGACY => {
                (self.chain_id * 2 + 35 + recovery).encode(&mut payload);
                r.encode(&mut payload);
                s.encode(&mut payload);
                Ok(rlp_list(&payload))
            }
            other => Err(PluginError::invalid(format!(
                "unknown transaction type {other} in the body"
            ))),
        }
    }
}
