//! Reading a stack file (TOML): its name, its devnets with everything `dvb deploy` takes, and the
//! transactions to send once they run. Unknown keys are refused with their line and column (the
//! toml crate's messages), and so is what cannot work together: two devnets of one name, a
//! transaction for a devnet the file does not have.
//!
//! ```toml
//! name = "pair"
//!
//! [[devnet]]
//! name = "hub"
//! network = "cosmos"
//! version = "v0.53"
//! validators = 2
//! settings = { block-time = "1s" }
//! accounts = { alice = "1000000stake" }
//!
//! [[tx]]
//! devnet = "hub"
//! from = "validator-0"
//! type = "bank-send"
//! fields = { to = "cosmos1…", amount = [{ denom = "stake", amount = "5" }] }
//! ```

use std::collections::{BTreeMap, HashMap};

use devnet_core::{Account, DevnetSpec, RuntimeKind, StackDevnet, StackSpec, StackTx, TxRequest, validate_name};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::DaemonError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    #[serde(default)]
    devnet: Vec<DevnetEntry>,
    #[serde(default)]
    tx: Vec<TxEntry>,
    #[serde(default)]
    relayer: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevnetEntry {
    name: String,
    network: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    binary: String,
    #[serde(default)]
    chain_id: String,
    #[serde(default = "one")]
    validators: u32,
    #[serde(default)]
    full_nodes: u32,
    /// Chain settings, as `--set` takes them.
    #[serde(default)]
    settings: BTreeMap<String, toml::Value>,
    /// Funded accounts: name = "amount+denom[,…]", as `--account` takes them.
    #[serde(default)]
    accounts: BTreeMap<String, String>,
    #[serde(default)]
    runtime: Runtime,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum Runtime {
    #[default]
    Local,
    Docker,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TxEntry {
    devnet: String,
    from: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    fields: toml::Table,
}

fn one() -> u32 {
    1
}

/// A parsed stack file: its name and what it declares.
#[derive(Debug)]
pub struct StackFile {
    pub name: String,
    pub spec: StackSpec,
}

/// Reads the stack file `text` (from `source`, for messages).
pub fn parse(text: &str, source: &str) -> Result<StackFile, DaemonError> {
    let bad = |m: String| DaemonError::InvalidArgument(format!("{source}: {m}"));
    let file: File = toml::from_str(text).map_err(|e| bad(e.to_string().trim_end().to_string()))?;
    validate_name(&file.name).map_err(|e| bad(format!("name {:?}: {e}", file.name)))?;
    if !file.relayer.is_empty() {
        return Err(bad(
            "[[relayer]]: relaying between devnets is not built yet; remove the [[relayer]] tables (the devnets \
             themselves can be applied)"
                .into(),
        ));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut devnets = Vec::with_capacity(file.devnet.len());
    for (i, d) in file.devnet.iter().enumerate() {
        let at = format!("[[devnet]] {} ({:?})", i + 1, d.name);
        validate_name(&d.name).map_err(|e| bad(format!("{at}: name: {e}")))?;
        if let Some(first) = seen.insert(d.name.as_str(), i + 1) {
            return Err(bad(format!(
                "two devnets named {:?} ([[devnet]] {first} and {}); give each its own name",
                d.name,
                i + 1
            )));
        }
        if d.network.is_empty() {
            return Err(bad(format!("{at}: network is empty; e.g. network = \"cosmos\"")));
        }
        let overrides = d
            .settings
            .iter()
            .map(|(k, v)| {
                Ok((
                    k.clone(),
                    scalar(v).map_err(|e| bad(format!("{at}: settings.{k}: {e}")))?,
                ))
            })
            .collect::<Result<_, DaemonError>>()?;
        let accounts = d
            .accounts
            .iter()
            .map(|(name, coins)| Account::parse(name, coins).map_err(|e| bad(format!("{at}: accounts.{name}: {e}"))))
            .collect::<Result<_, _>>()?;
        devnets.push(StackDevnet {
            name: d.name.clone(),
            spec: DevnetSpec {
                network: d.network.clone(),
                version: d.version.clone(),
                binary: d.binary.clone(),
                chain_id: d.chain_id.clone(),
                validators: d.validators,
                full_nodes: d.full_nodes,
                accounts,
                overrides,
                runtime: match d.runtime {
                    Runtime::Local => RuntimeKind::Local,
                    Runtime::Docker => RuntimeKind::Docker,
                },
                running: true,
            },
        });
    }
    let mut repeats: HashMap<String, u32> = HashMap::new();
    let mut txs = Vec::with_capacity(file.tx.len());
    for (i, t) in file.tx.iter().enumerate() {
        if !seen.contains_key(t.devnet.as_str()) {
            return Err(bad(format!(
                "[[tx]] {}: devnet {:?} is not one of this stack's ({}); a stack sends transactions on its own devnets",
                i + 1,
                t.devnet,
                file.devnet
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let fields = serde_json::to_value(&t.fields).map_err(|e| bad(format!("[[tx]] {}: fields: {e}", i + 1)))?;
        let request = TxRequest::new(&t.kind, fields);
        let digest = hex::encode(Sha256::digest(
            serde_json::to_vec(&(&t.devnet, &t.from, &request)).unwrap_or_default(),
        ));
        let n = repeats.entry(digest.clone()).or_insert(0);
        txs.push(StackTx {
            id: format!("{digest}#{n}"),
            devnet: t.devnet.clone(),
            from: t.from.clone(),
            request,
        });
        *n += 1;
    }
    Ok(StackFile {
        name: file.name,
        spec: StackSpec {
            source: source.to_string(),
            devnets,
            txs,
        },
    })
}

/// A setting's value as `--set` would carry it: strings as they are, numbers and booleans
/// written out.
fn scalar(v: &toml::Value) -> Result<String, String> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        other => Err(format!(
            "a {} is not a setting's value; write a string, e.g. \"1s\"",
            other.type_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const GOOD: &str = r#"
name = "pair"

[[devnet]]
name = "a"
network = "cosmos"
validators = 2
settings = { block-time = "1s", "gov.voting-period" = 20 }
accounts = { alice = "1000stake,5atom" }

[[devnet]]
name = "eth"
network = "evm"
runtime = "docker"

[[tx]]
devnet = "a"
from = "validator-0"
type = "bank-send"
fields = { to = "cosmos1x", amount = [{ denom = "stake", amount = "5" }] }

[[tx]]
devnet = "a"
from = "validator-0"
type = "bank-send"
fields = { to = "cosmos1x", amount = [{ denom = "stake", amount = "5" }] }
"#;

    #[test]
    fn a_stack_should_read_as_deploys_and_transactions() {
        let f = parse(GOOD, "pair.toml").unwrap();
        assert_eq!(f.name, "pair");
        let a = &f.spec.devnets[0].spec;
        assert_eq!((a.network.as_str(), a.validators, a.full_nodes), ("cosmos", 2, 0));
        assert_eq!(
            a.overrides,
            [
                ("block-time".into(), "1s".into()),
                ("gov.voting-period".into(), "20".into())
            ]
        );
        assert_eq!(a.accounts[0].balances.len(), 2);
        assert_eq!(f.spec.devnets[1].spec.runtime, RuntimeKind::Docker);
        assert_eq!(f.spec.devnets[1].spec.validators, 1);
        // Two identical entries are two transactions, each with its own stable id.
        let ids: Vec<&str> = f.spec.txs.iter().map(|t| t.id.as_str()).collect();
        assert!(ids[0].ends_with("#0") && ids[1].ends_with("#1"), "{ids:?}");
        assert_eq!(ids[0].split('#').next(), ids[1].split('#').next());
        assert_eq!(f.spec.txs[0].request.fields["amount"][0]["amount"], "5");
        assert_eq!(parse(GOOD, "again.toml").unwrap().spec.txs[1].id, f.spec.txs[1].id);
    }

    #[test]
    fn bad_stack_files_should_be_refused_saying_where_and_how_to_fix_them() {
        let err = |text: &str| parse(text, "s.toml").unwrap_err().to_string();
        let unknown = err("name = \"s\"\n\n[[devnet]]\nname = \"a\"\nnetwork = \"cosmos\"\nvalidatorz = 2\n");
        assert!(unknown.contains("line 6") && unknown.contains("column 1"), "{unknown}");
        assert!(
            unknown.contains("validatorz") && unknown.contains("s.toml"),
            "{unknown}"
        );
        let twice = err(
            "name = \"s\"\n[[devnet]]\nname = \"a\"\nnetwork = \"cosmos\"\n[[devnet]]\nname = \"a\"\nnetwork = \"evm\"\n",
        );
        assert!(twice.contains("two devnets named \"a\""), "{twice}");
        let stray = err(
            "name = \"s\"\n[[devnet]]\nname = \"a\"\nnetwork = \"cosmos\"\n[[tx]]\ndevnet = \"b\"\nfrom = \"k\"\ntype = \"t\"\n",
        );
        assert!(stray.contains("devnet \"b\" is not one of this stack's (a)"), "{stray}");
        let relayer = err("name = \"s\"\n[[relayer]]\nchains = [\"a\", \"b\"]\n");
        assert!(relayer.contains("[[relayer]]"), "{relayer}");
        let coins =
            err("name = \"s\"\n[[devnet]]\nname = \"a\"\nnetwork = \"cosmos\"\naccounts = { bob = \"lots\" }\n");
        assert!(coins.contains("accounts.bob"), "{coins}");
        let nameless = err("[[devnet]]\nname = \"a\"\nnetwork = \"cosmos\"\n");
        assert!(nameless.contains("missing field `name`"), "{nameless}");
    }
}
