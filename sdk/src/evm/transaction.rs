//! EVM transactions, EIP-1559 (type 2), EIP-7702 set-code (type 4) and legacy EIP-155, built
//! for the host to sign.
//!
//! [`EvmTx::unsigned`] gives what the host signs (`keccak256` of the unsigned encoding, as a
//! 65-byte recoverable signature) and a body that keeps the encoded fields: a type byte, then
//! the RLP items without their list header, so [`assemble`] appends the signature and re-wraps
//! them without decoding anything.
//!
//! ```
//! use devnet_plugin_sdk::evm::transaction::{EvmTx, assemble};
//! use devnet_plugin_sdk::evm::U256;
//!
//! let tx = EvmTx::transfer(31337, 0, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8".parse().unwrap(), U256::from(1));
//! let unsigned = tx.unsigned("alice".into());
//! assert_eq!(unsigned.body[0], 2); // EIP-1559
//! let signed = assemble(31337, unsigned, &[1u8; 64].iter().copied().chain([0]).collect::<Vec<_>>()).unwrap();
//! assert_eq!(signed[0], 2);
//! ```

use alloy_rlp::{Encodable, Header};

use super::{Address, RecoverableSignature, U256, rlp_list, sign_request};
use crate::PluginError;
use crate::tx::UnsignedTx;

const LEGACY: u8 = 0;
const EIP1559: u8 = 2;
const EIP7702: u8 = 4;
/// 1 gwei: the tip when the caller names only a max fee.
pub const DEFAULT_TIP: u128 = 1_000_000_000;
/// 20 gwei: the max fee (or gas price) when the caller names none.
pub const DEFAULT_FEE: u128 = 20_000_000_000;

/// The fields of an EVM transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmTx {
    /// The chain id (EIP-155).
    pub chain_id: u64,
    /// The sender's nonce.
    pub nonce: u64,
    /// The recipient; none for a contract creation.
    pub to: Option<Address>,
    /// Wei sent along.
    pub value: U256,
    /// Call data, or a creation's init code.
    pub data: Vec<u8>,
    /// The gas limit.
    pub gas: u64,
    /// The max fee per gas (EIP-1559) or the gas price (legacy), in wei.
    pub max_fee: u128,
    /// A legacy (EIP-155) transaction rather than type 2.
    pub legacy: bool,
    /// EIP-7702 authorizations, each signed by its authority: a set-code (type 4) transaction
    /// when there are any (it needs a `to`).
    pub authorizations: Vec<Authorization>,
}

/// One signed EIP-7702 authorization: `authority` lets its account run `address`'s code. The
/// authority signs `keccak256(0x05 || rlp([chain_id, address, nonce]))` itself (see
/// [`Authorization::signing_hash`]); the transaction's sender may be anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The chain it is valid on (0: any).
    pub chain_id: u64,
    /// The contract whose code the authority's account runs.
    pub address: Address,
    /// The authority's nonce when the transaction runs.
    pub nonce: u64,
    /// The authority's signature: the parity of its point's y (0 or 1), r and s.
    pub y_parity: u8,
    /// The signature's r.
    pub r: U256,
    /// The signature's s.
    pub s: U256,
}

impl Authorization {
    /// What the authority signs for (`chain_id`, `address`, `nonce`).
    pub fn signing_hash(chain_id: u64, address: Address, nonce: u64) -> [u8; 32] {
        let mut items = Vec::new();
        chain_id.encode(&mut items);
        address.encode(&mut items);
        nonce.encode(&mut items);
        let mut payload = vec![0x05];
        payload.extend(rlp_list(&items));
        alloy_primitives::keccak256(&payload).0
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let mut items = Vec::new();
        self.chain_id.encode(&mut items);
        self.address.encode(&mut items);
        self.nonce.encode(&mut items);
        self.y_parity.encode(&mut items);
        self.r.encode(&mut items);
        self.s.encode(&mut items);
        out.extend(rlp_list(&items));
    }
}

impl EvmTx {
    /// A plain transfer of `value` wei: 21000 gas, the default fee, type 2.
    pub fn transfer(chain_id: u64, nonce: u64, to: Address, value: U256) -> Self {
        Self {
            chain_id,
            nonce,
            to: Some(to),
            value,
            data: vec![],
            gas: 21_000,
            max_fee: DEFAULT_FEE,
            legacy: false,
            authorizations: vec![],
        }
    }

    /// What the host signs with `key_id`, and the body [`assemble`] needs.
    pub fn unsigned(&self, key_id: String) -> UnsignedTx {
        let mut items = Vec::new();
        let (kind, payload) = if self.legacy {
            self.nonce.encode(&mut items);
            self.max_fee.encode(&mut items);
            self.gas.encode(&mut items);
            encode_to(&self.to, &mut items);
            self.value.encode(&mut items);
            self.data.as_slice().encode(&mut items);
            // EIP-155: the signed hash covers chain_id, 0, 0 after the six fields.
            let mut unsigned = items.clone();
            self.chain_id.encode(&mut unsigned);
            0u8.encode(&mut unsigned);
            0u8.encode(&mut unsigned);
            (LEGACY, rlp_list(&unsigned))
        } else {
            let tip = DEFAULT_TIP.min(self.max_fee);
            self.chain_id.encode(&mut items);
            self.nonce.encode(&mut items);
            tip.encode(&mut items);
            self.max_fee.encode(&mut items);
            self.gas.encode(&mut items);
            encode_to(&self.to, &mut items);
            self.value.encode(&mut items);
            self.data.as_slice().encode(&mut items);
            // An empty access list.
            Header {
                list: true,
                payload_length: 0,
            }
            .encode(&mut items);
            let kind = if self.authorizations.is_empty() {
                EIP1559
            } else {
                let mut list = Vec::new();
                for a in &self.authorizations {
                    a.encode(&mut list);
                }
                items.extend(rlp_list(&list));
                EIP7702
            };
            let mut typed = vec![kind];
            typed.extend(rlp_list(&items));
            (kind, typed)
        };
        let mut body = vec![kind];
        body.extend(items);
        UnsignedTx {
            sign: sign_request(key_id, payload),
            body,
        }
    }
}

/// Encodes `to`: 20 bytes, or the empty string for a contract creation.
fn encode_to(to: &Option<Address>, out: &mut Vec<u8>) {
    match to {
        Some(a) => a.encode(out),
        None => out.push(alloy_rlp::EMPTY_STRING_CODE),
    }
}

/// The signed transaction: `tx`'s body with the host's 65-byte recoverable `signature`.
pub fn assemble(chain_id: u64, tx: UnsignedTx, signature: &[u8]) -> Result<Vec<u8>, PluginError> {
    let [kind, items @ ..] = tx.body.as_slice() else {
        return Err(PluginError::invalid("empty transaction body"));
    };
    let RecoverableSignature { r, s, parity } = RecoverableSignature::from_host(signature)?;
    let recovery = u64::from(parity);
    let mut payload = items.to_vec();
    match *kind {
        EIP1559 | EIP7702 => {
            recovery.encode(&mut payload);
            r.encode(&mut payload);
            s.encode(&mut payload);
            let mut out = vec![*kind];
            out.extend(rlp_list(&payload));
            Ok(out)
        }
        LEGACY => {
            (chain_id * 2 + 35 + recovery).encode(&mut payload);
            r.encode(&mut payload);
            s.encode(&mut payload);
            Ok(rlp_list(&payload))
        }
        other => Err(PluginError::invalid(format!(
            "unknown transaction type {other} in the body"
        ))),
    }
}
