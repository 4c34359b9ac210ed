//! EVM transactions: kinds `evm-transfer`, `evm-deploy`, `evm-call` and `evm-set-code`, EIP-1559
//! (type 2), legacy EIP-155 or EIP-7702 (type 4), encoded by the SDK's [`EvmTx`]. A builder made
//! for an anvil version that names its hardfork (`v1.7.1+anvil.cancun`) refuses what that
//! hardfork lacks before anything is signed: type 2 before London, type 4 before Prague; an
//! upgrade to a later hardfork brings a builder that takes them.

use devnet_plugin_sdk::evm::transaction::{Authorization, EvmTx, assemble};
use devnet_plugin_sdk::evm::{U256, parse_address};
use devnet_plugin_sdk::tx::{Signer, TxOptions, TxRequest, UnsignedTx, kind_of};
use devnet_plugin_sdk::{PluginError, TxBuilder, TxKind};
use serde::Deserialize;

pub const TRANSFER: &str = "evm-transfer";
pub const DEPLOY: &str = "evm-deploy";
pub const CALL: &str = "evm-call";
pub const SET_CODE: &str = "evm-set-code";

/// Every kind, with an example. Each also takes `gas_limit` and `max_fee_per_gas` (decimal wei),
/// and `amount` in place of `value`: an amount with its unit, `1.5ether`, `20gwei`, `100wei`.
pub fn kinds() -> Vec<TxKind> {
    vec![
        TxKind::example(
            TRANSFER,
            "send wei (type 2, or legacy EIP-155 with \"legacy\": true)",
            r#"{"to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","amount":"1.5ether"}"#,
        ),
        TxKind::example(
            DEPLOY,
            "create a contract from init code (hex, or a list of bytes)",
            r#"{"code":"0x6000","value":"0"}"#,
        ),
        TxKind::example(
            CALL,
            "call a contract with data (hex, or a list of bytes)",
            r#"{"to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","data":"0x","value":"0"}"#,
        ),
        TxKind::example(
            SET_CODE,
            "EIP-7702 (type 4, Prague): send to `to` with authorizations, each signed by its own authority \
             (e.g. `cast wallet sign-auth`), that let the authority's account run `address`'s code",
            r#"{"to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","authorizations":[{"chain_id":31337,"address":"0x5FbDB2315678afecb367f032d93F642f64180aa3","nonce":0,"y_parity":1,"r":"0x…","s":"0x…"}]}"#,
        ),
    ]
}

/// An EIP-7702 authorization as a request writes it; `r` and `s` in hex.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizationRequest {
    chain_id: u64,
    address: String,
    nonce: u64,
    y_parity: u8,
    r: String,
    s: String,
}

impl AuthorizationRequest {
    fn parse(self) -> Result<Authorization, PluginError> {
        let word = |name: &str, text: &str| {
            U256::from_str_radix(text.trim_start_matches("0x"), 16)
                .map_err(|_| PluginError::invalid(format!("authorization {name} {text:?} must be hex")))
        };
        if self.y_parity > 1 {
            return Err(PluginError::invalid("an authorization's y_parity is 0 or 1"));
        }
        Ok(Authorization {
            chain_id: self.chain_id,
            address: parse_address(&self.address)?,
            nonce: self.nonce,
            y_parity: self.y_parity,
            r: word("r", &self.r)?,
            s: word("s", &self.s)?,
        })
    }
}

/// Bytes as `0x…` hex or as a list of numbers (the form of the host's frozen 0.1.0–0.3.0 kinds).
#[derive(Deserialize)]
#[serde(untagged)]
enum Bytes {
    Hex(String),
    List(Vec<u8>),
}

impl Bytes {
    fn into_vec(self, what: &str) -> Result<Vec<u8>, PluginError> {
        match self {
            Bytes::List(v) => Ok(v),
            Bytes::Hex(h) => {
                let h = h.strip_prefix("0x").unwrap_or(&h);
                if h.len() % 2 != 0 {
                    return Err(PluginError::invalid(format!("{what} has an odd number of hex digits")));
                }
                (0..h.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&h[i..i + 2], 16))
                    .collect::<Result<_, _>>()
                    .map_err(|_| PluginError::invalid(format!("{what} is not hex: {h:?}")))
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    to: Option<String>,
    #[serde(default)]
    value: String,
    amount: Option<String>,
    #[serde(default)]
    legacy: bool,
    code: Option<Bytes>,
    data: Option<Bytes>,
    gas_limit: Option<u64>,
    max_fee_per_gas: Option<String>,
    #[serde(default)]
    authorizations: Vec<AuthorizationRequest>,
}

fn parse_amount(s: &str, what: &str) -> Result<U256, PluginError> {
    let s = if s.is_empty() { "0" } else { s };
    U256::from_str_radix(s, 10)
        .map_err(|_| PluginError::invalid(format!("{what} {s:?} must be a decimal amount in wei")))
}

pub struct EvmTxBuilder {
    chain_id: u64,
    /// The hardfork, where the version names one (anvil's, detected on the live chain).
    hardfork: Option<String>,
}

impl EvmTxBuilder {
    /// Refuses what the devnet's hardfork lacks: `format` needs hardfork `since`.
    fn needs(&self, format: &str, since: &str) -> Result<(), PluginError> {
        match &self.hardfork {
            Some(fork)
                if crate::anvil::rank(fork)
                    .is_some_and(|have| crate::anvil::rank(since).is_some_and(|need| have < need)) =>
            {
                Err(PluginError::unsupported(format!(
                    "{format} needs the {since} hardfork; this devnet runs {fork}: upgrade it first \
                 (dvb upgrade create <devnet> --name to-{since} --no-gov --set hardfork={since})"
                )))
            }
            _ => Ok(()),
        }
    }
}

impl TxBuilder for EvmTxBuilder {
    fn create(chain_id: String, chain_version: String) -> Result<Self, PluginError> {
        let chain_id = chain_id
            .parse()
            .map_err(|_| PluginError::invalid(format!("EVM chain id {chain_id:?} must be a number, e.g. 1337")))?;
        let hardfork = crate::version::hardfork(&chain_version).map(str::to_string);
        Ok(Self { chain_id, hardfork })
    }

    fn kinds(&self) -> Vec<TxKind> {
        kinds()
    }

    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        if !options.ordered {
            return Err(PluginError::unsupported("EVM transactions are always ordered by nonce"));
        }
        let all = kinds();
        let kind = kind_of(&all, &request)?;
        let r: Request = request.fields(kind)?;
        if kind.name == SET_CODE {
            self.needs("an EIP-7702 set-code transaction (type 4)", "prague")?;
            if r.authorizations.is_empty() {
                return Err(PluginError::invalid(
                    "evm-set-code needs `authorizations`, at least one",
                ));
            }
        } else if !r.authorizations.is_empty() {
            return Err(PluginError::invalid(format!(
                "`authorizations` belong to evm-set-code, not {}",
                kind.name
            )));
        }
        let (to, data, default_gas, legacy) = match kind.name.as_str() {
            TRANSFER => (r.to.as_deref(), vec![], 21_000, r.legacy),
            DEPLOY => {
                if r.to.is_some() {
                    return Err(PluginError::invalid("a deploy has no `to`: it creates the contract"));
                }
                let code = r
                    .code
                    .ok_or_else(|| PluginError::invalid("a deploy needs `code`, the contract's init code"))?
                    .into_vec("code")?;
                if code.is_empty() {
                    return Err(PluginError::invalid("a deploy needs the contract's init code"));
                }
                (None, code, 3_000_000, r.legacy)
            }
            SET_CODE if r.legacy => {
                return Err(PluginError::invalid(
                    "a set-code transaction is type 4: it has no legacy form",
                ));
            }
            _ => (
                r.to.as_deref(),
                r.data.map(|d| d.into_vec("data")).transpose()?.unwrap_or_default(),
                1_000_000,
                r.legacy,
            ),
        };
        if !legacy {
            self.needs(
                "an EIP-1559 transaction (type 2; send it with \"legacy\": true)",
                "london",
            )?;
        }
        let to = match (kind.name.as_str(), to) {
            (DEPLOY, _) => None,
            (_, Some(to)) => Some(parse_address(to)?),
            (name, None) => return Err(PluginError::invalid(format!("{name} needs `to`, an address"))),
        };
        let max_fee = match r.max_fee_per_gas.as_deref() {
            None => devnet_plugin_sdk::evm::transaction::DEFAULT_FEE,
            Some(fee) => fee
                .parse()
                .map_err(|_| PluginError::invalid("max_fee_per_gas must be decimal wei"))?,
        };
        let tx = EvmTx {
            chain_id: self.chain_id,
            nonce: signer.sequence,
            to,
            value: match r.amount.as_deref() {
                Some(_) if !r.value.is_empty() => {
                    return Err(PluginError::invalid(
                        "give `value` (wei) or `amount` (`1.5ether`), not both",
                    ));
                }
                Some(amount) => crate::units::parse(amount)?,
                None => parse_amount(&r.value, "value")?,
            },
            data,
            gas: r.gas_limit.unwrap_or(default_gas),
            max_fee,
            legacy,
            authorizations: r
                .authorizations
                .into_iter()
                .map(AuthorizationRequest::parse)
                .collect::<Result<_, _>>()?,
        };
        Ok(tx.unsigned(signer.address))
    }

    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        assemble(self.chain_id, tx, &signature)
    }
}
