//! The Tx controller: signs and broadcasts each Transaction through its devnet's plugin, then
//! follows it until it is in a block.
//!
//! Pending → (build with the builder for the devnet's detected version, sign in the host, write
//! the signed bytes down) → Signed → (send them to a running node) → Broadcast → (the node
//! reports it in a block) → Confirmed or Failed. Nothing goes out before it is recorded: a daemon
//! killed after the send finds the tx Signed and sends the same bytes again, which a chain takes
//! once (plugins answer bytes the node already has with their hash); it never signs a second
//! time. A refusal carries the kind the plugin gave it, and the chain's own code and log: a wrong
//! sequence on the first send puts the sequence book back in step and signs again; any other
//! refusal fails the transaction; a node that cannot be reached is retried with backoff.

use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Action, ReconcileError};
use devnet_core::{Devnet, DevnetPhase, Event, EventKind, Kind, Node, NodePhase, Transaction, TxPhase, TxStatus};
use devnet_keyring::Keyring;
use devnet_plugin_host::wit::{self, BroadcastResult, RejectionKind, Signer, TxOptions};
use devnet_plugin_host::{PluginErrorKind, sign_request};

use crate::DaemonError;
use crate::context::DaemonContext;
use crate::provision::slot_of;
use crate::tx::builders::BuilderChange;

mod record;

pub use record::{check_chain_interface, record_tx, record_txs, record_txs_with};

/// How long a broadcast tx may take to reach a block before it is reported Failed.
const CONFIRM_LIMIT: Duration = Duration::from_secs(60);
/// How often a broadcast tx is looked for.
const CONFIRM_POLL: Duration = Duration::from_millis(250);
/// Attempts at broadcasting before a tx is Failed (wrong sequences and unreachable nodes).
const MAX_ATTEMPTS: u32 = 5;

pub async fn reconcile_tx(name: String, ctx: Arc<DaemonContext>) -> Result<Action, DaemonError> {
    let Some(tx) = ctx.store.get::<Transaction>(&name)? else {
        return Ok(Action::await_change());
    };
    match tx.status.phase {
        TxPhase::Confirmed | TxPhase::Failed => Ok(Action::await_change()),
        TxPhase::Pending | TxPhase::Signed => send(&ctx, tx).await,
        TxPhase::Broadcast => follow(&ctx, tx).await,
    }
}

pub fn tx_error_policy(name: &String, e: ReconcileError<'_, DaemonError>, ctx: &DaemonContext) -> Action {
    tracing::debug!(tx = %name, "tx reconcile failed: {}", e.error);
    // A problem the next try cannot fix fails the tx now, with the reason; what may pass (a
    // node out of reach, a trap, a wrong sequence) is tried again, up to MAX_ATTEMPTS.
    let lasting = e.error.is_permanent();
    let attempts = ctx
        .store
        .get::<Transaction>(name)
        .ok()
        .flatten()
        .map(|t| t.status.attempts)
        .unwrap_or(0);
    if lasting || attempts >= MAX_ATTEMPTS {
        let reason = e.error.to_string();
        let _ = update(ctx, name, |s| {
            s.message = if s.phase == TxPhase::Signed {
                format!("{reason}; {MAY_HAVE_LANDED}")
            } else {
                reason.clone()
            };
            s.phase = TxPhase::Failed;
        });
        return Action::await_change();
    }
    let _ = update(ctx, name, |s| {
        s.attempts += 1;
        s.message = format!("retrying: {}", e.error);
    });
    Action::requeue(e.backoff)
}

/// Applies `change` to the tx's status in one write, with an event when the phase moves.
fn update(ctx: &DaemonContext, name: &str, change: impl FnOnce(&mut TxStatus)) -> Result<TxStatus, DaemonError> {
    let mut ended = false;
    let status = ctx.store.write(|w| {
        super::update_status_in::<Transaction>(w, name, |s| {
            let done = |p: TxPhase| matches!(p, TxPhase::Confirmed | TxPhase::Failed);
            let before = s.phase;
            change(s);
            ended = !done(before) && done(s.phase);
        })
    })?;
    // Counted once, as it ends (a final phase is never left).
    if ended && let Ok(Some(tx)) = ctx.store.get::<Transaction>(name) {
        let since = Duration::from_millis(devnet_core::now_ms().saturating_sub(tx.meta.created_unix_ms));
        ctx.metrics
            .tx_ended(&tx.spec.devnet, status.phase == TxPhase::Confirmed, since);
    }
    Ok(status)
}

/// The devnet, its running nodes, and one of them to talk to.
fn running_devnet(ctx: &DaemonContext, devnet: &str) -> Result<(Devnet, Vec<Node>, Node), DaemonError> {
    let d = ctx
        .store
        .get::<Devnet>(devnet)?
        .ok_or_else(|| DaemonError::NotFound(format!("devnet {devnet} is gone")))?;
    if d.meta.deleting {
        return Err(DaemonError::NotFound(format!("devnet {devnet} is being destroyed")));
    }
    let nodes = ctx.store.list::<Node>(&format!("{devnet}/"))?;
    let node = nodes
        .iter()
        .filter(|n| n.status.phase == NodePhase::Running && n.status.height > 0)
        .max_by_key(|n| n.status.height)
        .cloned()
        .ok_or_else(|| {
            DaemonError::FailedPrecondition(format!(
                "devnet {devnet} has no running node that made a block (phase {:?})",
                d.status.phase
            ))
        })?;
    Ok((d, nodes, node))
}

/// Signs a Pending tx, writes the signed bytes down (Signed), then sends them; a Signed tx (after
/// a restart, or a node out of reach) has the same bytes sent again. Both under the devnet's
/// plugin lock: transactions of one devnet reach the node in the order their sequences were
/// handed out.
async fn send(ctx: &DaemonContext, tx: Transaction) -> Result<Action, DaemonError> {
    let name = tx.meta.name.clone();
    let spec = &tx.spec;
    let (devnet, nodes, node) = match running_devnet(ctx, &spec.devnet) {
        Ok(found) => found,
        Err(DaemonError::FailedPrecondition(why)) if devnet_starting(ctx, &spec.devnet) => {
            update(ctx, &name, |s| s.message = format!("waiting: {why}"))?;
            return Ok(Action::requeue(Duration::from_secs(1)));
        }
        Err(e) => return Err(e),
    };
    let instance = ctx.instance_for(&devnet, &nodes).await?;
    let slot = slot_of(&node);
    let mut plugin = instance.lock().await;

    let resend = tx.status.phase == TxPhase::Signed;
    let (bytes, fresh) = if resend {
        let bytes = hex::decode(&tx.status.signed).map_err(|e| {
            DaemonError::Internal(format!(
                "the signed bytes recorded for {name} are not hex ({e}); submit it again"
            ))
        })?;
        (bytes, None)
    } else {
        let signed = match sign(ctx, &tx, &devnet, &slot, &mut plugin).await {
            Ok(signed) => signed,
            // The node made blocks but does not answer yet (its API comes up after its first
            // block): nothing was sent, and it is not counted as an attempt, for a while.
            Err(DaemonError::Plugin(e))
                if e.plugin_kind() == Some(PluginErrorKind::Chain) && age(&tx) < CONFIRM_LIMIT =>
            {
                drop(plugin);
                update(ctx, &name, |s| {
                    s.message = format!("waiting for {}: {e}", node.meta.name)
                })?;
                return Ok(Action::requeue(Duration::from_secs(1)));
            }
            Err(e) => return Err(e),
        };
        // Written down before anything is sent: from here on these bytes are the transaction.
        let written = update(ctx, &name, |s| {
            s.phase = TxPhase::Signed;
            s.signed = hex::encode(&signed.bytes);
            s.sequence = signed.sequence.as_ref().map(|(_, seq)| *seq);
            s.signer = signed.signer.clone();
            s.builder_version = signed.version.clone();
            s.message = format!("signed; sending to {}", node.meta.name);
        });
        if let Err(e) = written {
            signed.give_back(ctx, &devnet.meta.name);
            return Err(e);
        }
        (signed.bytes.clone(), Some(signed))
    };
    crate::test_pause::pause_point("tx-signed").await;

    let sent = plugin.broadcast(&slot, &bytes).await;
    if matches!(sent, Ok(BroadcastResult::Accepted(_))) {
        crate::test_pause::pause_point("tx-sent").await;
    }
    // Not sent, or not known to be: it stays Signed, and the same bytes go out on the next try.
    let sent = sent?;
    match sent {
        BroadcastResult::Accepted(hash) => {
            update(ctx, &name, |s| {
                s.phase = TxPhase::Broadcast;
                s.hash = hash;
                s.sent_unix_ms = devnet_core::now_ms();
                s.message = format!("sent to {}", node.meta.name);
            })?;
            Ok(Action::requeue(CONFIRM_POLL))
        }
        BroadcastResult::Rejected(r) if r.kind == RejectionKind::WrongSequence && resend => {
            // Sent again out of turn (a transaction before it is not in yet, after a restart)
            // while its sequence is still ahead of the chain: it can land, so it waits, its bytes
            // unchanged. A sequence the chain is past fails it, below.
            let on_chain = match tx.status.signer.as_str() {
                "" => None,
                signer => plugin.account(&slot, signer).await.ok().flatten().map(|a| a.sequence),
            };
            if let (Some(seq), Some(next)) = (tx.status.sequence, on_chain)
                && next <= seq
            {
                return Err(DaemonError::FailedPrecondition(format!(
                    "sequence {seq} is not the chain's next ({next}) yet: waiting for the transactions before it"
                )));
            }
            drop(plugin);
            fail_refused(ctx, &name, &r, true)
        }
        BroadcastResult::Rejected(r) if r.kind == RejectionKind::WrongSequence && !resend => {
            // Refused at once: these bytes can never land. Signed anew on the next try.
            if let Some((address, _)) = fresh.as_ref().and_then(|s| s.sequence.as_ref()) {
                ctx.sequences.resync(&devnet.meta.name, address);
            }
            drop(plugin);
            update(ctx, &name, |s| {
                s.phase = TxPhase::Pending;
                s.signed.clear();
                s.sequence = None;
            })?;
            Err(DaemonError::FailedPrecondition(format!(
                "the chain refused sequence {}: {}",
                tx_sequence(fresh.as_ref()),
                cut(&r.log, MAX_CHAIN_LOG)
            )))
        }
        BroadcastResult::Rejected(r) if resend => {
            drop(plugin);
            fail_refused(ctx, &name, &r, true)
        }
        BroadcastResult::Rejected(r) => {
            if let Some(signed) = &fresh {
                signed.give_back(ctx, &devnet.meta.name);
            }
            drop(plugin);
            fail_refused(ctx, &name, &r, false)
        }
    }
}

/// What a Signed tx's bytes may have done before they were refused on a later send.
const MAY_HAVE_LANDED: &str = "its signed bytes may have gone out before and be in a block already; they are \
                               not signed again (that could make it land twice): check the account before you \
                               submit it again";

/// Fails a tx the node refused, with the chain's log; `resent`: its recorded bytes, sent again.
fn fail_refused(ctx: &DaemonContext, name: &str, r: &wit::Rejection, resent: bool) -> Result<Action, DaemonError> {
    let (what, caveat) = if resent {
        ("the bytes sent again", format!("; {MAY_HAVE_LANDED}"))
    } else {
        ("it", String::new())
    };
    update(ctx, name, |s| {
        s.phase = TxPhase::Failed;
        s.chain_log = cut(&r.log, MAX_CHAIN_LOG);
        s.message = format!(
            "the node refused {what} ({}, code {}): {}{caveat}",
            rejection_name(r.kind),
            r.code,
            cut(&r.log, MAX_CHAIN_LOG)
        );
    })?;
    Ok(Action::await_change())
}

/// The sequence after the highest of the devnet's transactions signed for `address` that are
/// Signed or Broadcast: on their way, whatever the chain says yet.
fn signed_ahead(ctx: &DaemonContext, devnet: &str, address: &str) -> Result<u64, DaemonError> {
    Ok(ctx
        .store
        .list::<Transaction>(&format!("{devnet}/"))?
        .iter()
        .filter(|t| t.status.signer == address && matches!(t.status.phase, TxPhase::Signed | TxPhase::Broadcast))
        .filter_map(|t| t.status.sequence)
        .map(|s| s + 1)
        .max()
        .unwrap_or(0))
}

/// A transaction signed in this reconcile, and the sequence it took from the book.
struct SignedTx {
    bytes: Vec<u8>,
    /// The address it was signed for; empty for raw bytes.
    signer: String,
    /// The account and the sequence handed out for it; none for an unordered or raw tx.
    sequence: Option<(String, u64)>,
    /// The chain-software version whose builder made it; empty for raw bytes.
    version: String,
}

impl SignedTx {
    /// Hands its sequence back to the book: the chain never took it.
    fn give_back(&self, ctx: &DaemonContext, devnet: &str) {
        if let Some((address, seq)) = &self.sequence {
            ctx.sequences.give_back(devnet, address, *seq);
        }
    }
}

fn tx_sequence(signed: Option<&SignedTx>) -> String {
    signed
        .and_then(|s| s.sequence.as_ref())
        .map_or_else(|| "(none)".into(), |(_, seq)| seq.to_string())
}

/// Builds the tx with the devnet's builder for its detected version, and signs it in the host;
/// raw bytes are taken as they are.
async fn sign(
    ctx: &DaemonContext,
    tx: &Transaction,
    devnet: &Devnet,
    slot: &wit::NodeSlot,
    plugin: &mut devnet_plugin_host::PluginInstance,
) -> Result<SignedTx, DaemonError> {
    let spec = &tx.spec;
    let request = match (&spec.raw, &spec.request) {
        (Some(raw), _) => {
            return Ok(SignedTx {
                bytes: raw.clone(),
                signer: String::new(),
                sequence: None,
                version: String::new(),
            });
        }
        (None, Some(request)) => request,
        (None, None) => {
            return Err(DaemonError::InvalidArgument(format!(
                "transaction {} has neither a request nor raw bytes",
                tx.meta.name
            )));
        }
    };
    let keyring = Keyring::open(&ctx.home.keyring(&devnet.meta.name))
        .map_err(|e| DaemonError::Internal(format!("the keyring of devnet {}: {e}", devnet.meta.name)))?;
    // Converted at the plugin edge: the stored request is devnet-builder's own.
    let request = wit::TxRequest {
        kind: request.kind.clone(),
        json: request.fields_json(),
    };
    let public_key = keyring.public_key(&spec.from).map_err(|_| {
        DaemonError::InvalidArgument(format!(
            "devnet {} has no key {:?}; its keys: {}",
            devnet.meta.name,
            spec.from,
            keyring.ids().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let version = devnet.status.detected_version.clone();
    let address = plugin
        .address(&crate::provision::wit_spec(devnet, &version), &public_key)
        .await?;
    let account = plugin.account(slot, &address).await?.ok_or_else(|| {
        DaemonError::InvalidArgument(format!(
            "{} ({address}) has no account on devnet {}: fund it first",
            spec.from, devnet.meta.name
        ))
    })?;
    let options = TxOptions {
        ordered: !spec.unordered,
        now_unix_secs: devnet_core::now_ms() / 1000,
    };
    let mut builders = ctx.tx_builders.lock().await;
    let (handle, change) = builders
        .for_version(plugin, &devnet.meta.name, &devnet.spec.chain_id, &version)
        .await?;
    if let BuilderChange::Replaced { from } = &change {
        builder_replaced(ctx, &devnet.meta.name, from, &version)?;
    }
    // Taken once the builder is in hand: nothing between here and the end returns without
    // giving it back.
    let sequence = if spec.unordered {
        None
    } else {
        let floor = if ctx.sequences.knows(&devnet.meta.name, &address) {
            account.sequence
        } else {
            // A book just started (a restart): past the signed txs still on their way.
            account.sequence.max(signed_ahead(ctx, &devnet.meta.name, &address)?)
        };
        Some(ctx.sequences.take(&devnet.meta.name, &address, floor))
    };
    let signer = Signer {
        address: address.clone(),
        public_key,
        sequence: sequence.unwrap_or(0),
        account: account.data,
    };
    let built = {
        let built = async {
            let unsigned = plugin.tx_build(&handle, &request, &signer, &options).await?;
            let mut sign = unsigned.sign.clone();
            sign.key_id = spec.from.clone();
            let signature = sign_request(&keyring, &sign)
                .map_err(|e| DaemonError::Internal(format!("signing with {}: {e}", spec.from)))?;
            Ok::<_, DaemonError>(plugin.tx_assemble(&handle, &unsigned, &signature).await?)
        }
        .await;
        if plugin.is_poisoned() {
            builders.forget(&devnet.meta.name);
        }
        drop(builders);
        built
    };
    match built {
        Ok(bytes) => Ok(SignedTx {
            bytes,
            signer: address.clone(),
            sequence: sequence.map(|s| (address, s)),
            version,
        }),
        Err(e) => {
            if let Some(seq) = sequence {
                ctx.sequences.give_back(&devnet.meta.name, &address, seq);
            }
            // Nothing was sent. A refusal for good fails the tx; a fault that may pass (a trap,
            // a node out of reach) is retried as it is.
            if e.is_permanent() {
                return Err(DaemonError::InvalidArgument(format!("nothing was broadcast: {e}")));
            }
            Err(e)
        }
    }
}

async fn follow(ctx: &DaemonContext, tx: Transaction) -> Result<Action, DaemonError> {
    let name = tx.meta.name.clone();
    let (devnet, nodes, node) = running_devnet(ctx, &tx.spec.devnet)?;
    let instance = ctx.instance_for(&devnet, &nodes).await?;
    let outcome = instance
        .lock()
        .await
        .tx_result(&slot_of(&node), &tx.status.hash)
        .await?;
    let Some(outcome) = outcome else {
        let sent = Duration::from_millis(devnet_core::now_ms().saturating_sub(tx.status.sent_unix_ms));
        // Stores written before `sent_unix_ms` existed count from the submission.
        let waited = if tx.status.sent_unix_ms == 0 { age(&tx) } else { sent };
        if waited > CONFIRM_LIMIT {
            update(ctx, &name, |s| {
                s.phase = TxPhase::Failed;
                s.message = format!("not in a block after {} s", CONFIRM_LIMIT.as_secs());
            })?;
            return Ok(Action::await_change());
        }
        return Ok(Action::requeue(CONFIRM_POLL));
    };
    update(ctx, &name, |s| {
        s.height = Some(outcome.height);
        // Cut like the log: a plugin's attribute (an EVM receipt's logs, say) may be large.
        s.attributes = outcome
            .attributes
            .iter()
            .map(|(k, v)| (cut(k, MAX_CHAIN_LOG), cut(v, MAX_CHAIN_LOG)))
            .collect();
        // Kept either way: a later step hands the outcome back to the plugin (the proposal id).
        s.chain_log = cut(&outcome.log, MAX_CHAIN_LOG);
        if outcome.code == 0 {
            s.phase = TxPhase::Confirmed;
            s.message = String::new();
        } else {
            s.phase = TxPhase::Failed;
            s.message = format!(
                "failed in block {} (code {}): {}",
                outcome.height,
                outcome.code,
                cut(&outcome.log, MAX_CHAIN_LOG)
            );
        }
    })?;
    Ok(Action::await_change())
}

/// The most of a chain's log a transaction's status keeps.
const MAX_CHAIN_LOG: usize = 16 << 10;

/// `text`, cut to at most `max` bytes on a character boundary.
fn cut(text: &str, max: usize) -> String {
    text[..text.floor_char_boundary(max)].to_string()
}

/// How long ago the transaction was submitted.
fn age(tx: &Transaction) -> Duration {
    Duration::from_millis(devnet_core::now_ms().saturating_sub(tx.meta.created_unix_ms))
}

/// Whether the devnet is on its way up (worth waiting for), not stopped or failed.
fn devnet_starting(ctx: &DaemonContext, devnet: &str) -> bool {
    ctx.store.get::<Devnet>(devnet).ok().flatten().is_some_and(|d| {
        d.spec.running
            && matches!(
                d.status.phase,
                DevnetPhase::Pending | DevnetPhase::Provisioning | DevnetPhase::Starting | DevnetPhase::Degraded
            )
    })
}

pub(crate) fn builder_replaced(ctx: &DaemonContext, devnet: &str, from: &str, to: &str) -> Result<(), DaemonError> {
    ctx.store.write(|w| {
        w.event(Event::new(
            EventKind::Normal,
            Kind::Devnet,
            devnet,
            "TxBuilderReplaced",
            format!("the chain version went from {from} to {to}: new transactions use {to}'s format"),
        ))?;
        Ok(())
    })?;
    Ok(())
}

/// A rejection's kind, in the words of the tx's message.
fn rejection_name(kind: RejectionKind) -> &'static str {
    match kind {
        RejectionKind::WrongSequence => "wrong sequence",
        RejectionKind::InsufficientFunds => "insufficient funds",
        RejectionKind::OutOfGas => "out of gas",
        RejectionKind::Other => "refused",
    }
}

/// The transactions not yet Confirmed or Failed (startup, a lagged change stream).
pub(crate) fn relist(store: &devnet_store::Store) -> Vec<String> {
    store
        .list::<Transaction>("")
        .unwrap_or_default()
        .into_iter()
        .filter(|t| matches!(t.status.phase, TxPhase::Pending | TxPhase::Signed | TxPhase::Broadcast))
        .map(|t| t.meta.name)
        .collect()
}

/// Only a new transaction is news: this controller's own status writes are not (it requeues
/// itself, and a retry's status note would otherwise skip its backoff). A new one is Pending
/// with no attempt and no note: a "waiting for the node" note is this controller's own, and
/// waking on it made a loop that asked the node for the account hundreds of times a second
/// (seen in the `devnet_controller_reconciles_total` metric).
pub(crate) fn wakes(store: &devnet_store::Store, change: &devnet_store::Change) -> Vec<String> {
    if change.kind != Kind::Transaction {
        return Vec::new();
    }
    match store.get::<Transaction>(&change.name) {
        Ok(Some(t)) if is_new(&t) => vec![change.name.clone()],
        _ => Vec::new(),
    }
}

/// Recorded and not yet looked at by this controller.
fn is_new(t: &Transaction) -> bool {
    t.status.phase == TxPhase::Pending && t.status.attempts == 0 && t.status.message.is_empty()
}

#[cfg(test)]
mod tests {
    use super::{TxPhase, cut, is_new};

    #[test]
    fn only_a_transaction_nobody_looked_at_should_be_new() {
        let mut t = devnet_core::Transaction {
            meta: devnet_core::Meta::named("hub/tx-1"),
            spec: devnet_core::TxSpec {
                devnet: "hub".into(),
                from: "validator-0".into(),
                request: None,
                raw: None,
                unordered: false,
            },
            status: Default::default(),
        };
        assert!(is_new(&t));
        t.status.message = "waiting for hub/validator-0: its API does not answer".into();
        assert!(!is_new(&t), "the controller's own note is not news");
        t.status.message.clear();
        t.status.phase = TxPhase::Signed;
        assert!(!is_new(&t));
    }

    #[test]
    fn a_long_chain_log_should_be_cut_on_a_character_boundary() {
        assert_eq!(cut("short", MAX), "short");
        // "é" is two bytes: a cut at 3 would split the second one.
        assert_eq!(cut("éé", 3), "é");
        assert_eq!(cut(&"x".repeat(MAX + 9), MAX).len(), MAX);
    }

    const MAX: usize = super::MAX_CHAIN_LOG;
}
