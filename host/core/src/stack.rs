//! A stack: devnets and the transactions to send once they run, declared together in one file
//! (`dvb apply -f stack.toml`). Its spec is the file as last applied; its status, which devnets
//! it made (and so may change or destroy) and which of its transactions were sent.

use serde::{Deserialize, Serialize};

use crate::resource::resource;
use crate::{DevnetSpec, Meta, TxRequest};

/// A devnet of a stack, as its file declares it (before the plugin fills in its defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackDevnet {
    pub name: String,
    pub spec: DevnetSpec,
}

/// A transaction a stack sends once, when its devnet runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackTx {
    /// Stable across applies of the same entry: a digest of its devnet, key and request, and
    /// how many identical entries come before it (`<sha256>#<n>`).
    pub id: String,
    pub devnet: String,
    /// The key that signs it.
    pub from: String,
    pub request: TxRequest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackSpec {
    /// Where the file was read from, for messages.
    pub source: String,
    pub devnets: Vec<StackDevnet>,
    pub txs: Vec<StackTx>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum StackPhase {
    /// Its devnets are coming up, or its transactions are not all sent.
    #[default]
    Applying,
    /// Every devnet runs and every transaction was sent.
    Ready,
    /// A transaction could not be sent; the message says why.
    Failed,
}

/// A transaction of the stack that was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentTx {
    /// The [`StackTx::id`].
    pub id: String,
    /// The transaction's name, `<devnet>/tx-<n>`.
    pub tx: String,
    /// When the devnet it was sent on was made (its `created_unix_ms`): a devnet destroyed and
    /// made again under the same name is another chain, which has not had it.
    #[serde(default)]
    pub devnet_created_unix_ms: u64,
}

impl StackStatus {
    /// Whether entry `id` was sent on the devnet made at `devnet_created_unix_ms`.
    pub fn sent_on(&self, id: &str, devnet_created_unix_ms: u64) -> Option<&SentTx> {
        self.sent
            .iter()
            .find(|s| s.id == id && s.devnet_created_unix_ms == devnet_created_unix_ms)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StackStatus {
    pub phase: StackPhase,
    pub message: String,
    /// The devnets this stack made: only these may it change or destroy.
    pub devnets: Vec<String>,
    pub sent: Vec<SentTx>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stack {
    pub meta: Meta,
    pub spec: StackSpec,
    pub status: StackStatus,
}

resource!(Stack, StackSpec, Stack);

/// One step of an apply's plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackChange {
    /// `create`, `unchanged`, `recreate`, `destroy`, `keep`, `send`, `sent`; in a diff also
    /// `refused` (what an apply would refuse, and why).
    pub action: String,
    /// `devnet hub`, `tx 2 on hub`.
    pub object: String,
    pub detail: String,
}

/// What an apply (or a diff, or a delete) did, or would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackApplied {
    pub stack: String,
    pub changes: Vec<StackChange>,
}

impl StackApplied {
    /// Whether nothing is, or would be, changed: every devnet as it was, every transaction sent
    /// (a devnet kept out of the file changes nothing either).
    pub fn nothing_to_do(&self) -> bool {
        self.changes
            .iter()
            .all(|c| matches!(c.action.as_str(), "unchanged" | "sent" | "keep"))
    }
}

/// A stack as `dvb stacks` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackSummary {
    pub name: String,
    pub phase: StackPhase,
    pub message: String,
    pub devnets: Vec<String>,
    /// Its transactions, and how many of them were sent.
    pub txs: u32,
    pub sent: u32,
    /// The file it was last applied from.
    pub source: String,
}

impl Stack {
    pub fn summary(&self) -> StackSummary {
        let sent = self
            .spec
            .txs
            .iter()
            .filter(|t| self.status.sent.iter().any(|s| s.id == t.id))
            .count();
        StackSummary {
            name: self.meta.name.clone(),
            phase: self.status.phase,
            message: self.status.message.clone(),
            devnets: self.status.devnets.clone(),
            txs: u32::try_from(self.spec.txs.len()).unwrap_or(u32::MAX),
            sent: u32::try_from(sent).unwrap_or(u32::MAX),
            source: self.spec.source.clone(),
        }
    }
}
