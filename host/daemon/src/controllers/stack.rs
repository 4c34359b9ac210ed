//! The Stack controller: sends a stack's transactions once their devnets run, each exactly once
//! (the transaction and the stack's note that it was sent are one store write), and says whether
//! the stack is Ready: every devnet it made running, every transaction sent and confirmed (a
//! transaction that fails fails the stack, saying which and why).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Action, ReconcileError};
use devnet_core::{
    Devnet, DevnetPhase, Kind, SentTx, Stack, StackPhase, StackStatus, StackTx, Transaction, TxPhase, TxSpec,
};

use crate::DaemonError;
use crate::context::DaemonContext;

/// How often a stack that is not Ready is looked at (its devnets' progress also wakes it).
const POLL: Duration = Duration::from_secs(2);

/// Why a recording was given up inside its write (the devnet changed under it): tried again,
/// not a failure of the stack.
const RACED: &str = "the devnet changed while its transactions were recorded";

pub async fn reconcile_stack(name: String, ctx: Arc<DaemonContext>) -> Result<Action, DaemonError> {
    let Some(stack) = ctx.store.get::<Stack>(&name)? else {
        return Ok(Action::await_change());
    };
    // Failed stays Failed until an apply writes the stack again.
    if stack.status.phase == StackPhase::Failed {
        return Ok(Action::await_change());
    }
    // Each devnet of the file or of the stack that runs, with when it was made: a transaction counts as sent
    // only on that very devnet (one destroyed and made again is another chain).
    let mut live: HashMap<String, u64> = HashMap::new();
    let names = stack.spec.devnets.iter().map(|d| &d.name).chain(&stack.status.devnets);
    for d in names {
        if let Some(found) = ctx.store.get::<Devnet>(d)?
            && !found.meta.deleting
            && found.status.phase == DevnetPhase::Running
        {
            live.insert(d.clone(), found.meta.created_unix_ms);
        }
    }
    let due: Vec<(StackTx, u64)> = stack
        .spec
        .txs
        .iter()
        .filter_map(|t| {
            let at = *live.get(&t.devnet)?;
            stack.status.sent_on(&t.id, at).is_none().then(|| (t.clone(), at))
        })
        .collect();
    if !due.is_empty() {
        let recorded = record(&ctx, &name, &due).await;
        return match recorded {
            Ok(()) => Ok(Action::requeue(Duration::ZERO)),
            Err(DaemonError::InvalidArgument(m)) if m.contains(RACED) => Ok(Action::requeue(POLL)),
            Err(e) => {
                ctx.store.write(|w| {
                    super::update_status_in::<Stack>(w, &name, |s| {
                        s.phase = StackPhase::Failed;
                        s.message =
                            format!("its transactions could not be sent: {e}; fix the [[tx]] entries and apply again");
                    })
                })?;
                Ok(Action::await_change())
            }
        };
    }

    let mut waiting = Vec::new();
    for d in &stack.status.devnets {
        if !live.contains_key(d) {
            let phase = ctx.store.get::<Devnet>(d)?.map(|d| format!("{:?}", d.status.phase));
            waiting.push(format!("{d} ({})", phase.as_deref().unwrap_or("not made yet")));
        }
    }
    let mut failed = None;
    for t in &stack.spec.txs {
        let Some(sent) = live.get(&t.devnet).and_then(|at| stack.status.sent_on(&t.id, *at)) else {
            continue;
        };
        match ctx.store.get::<Transaction>(&sent.tx)? {
            Some(tx) if tx.status.phase == TxPhase::Confirmed => {}
            Some(tx) if tx.status.phase == TxPhase::Failed => {
                failed.get_or_insert(format!("transaction {} failed: {}", sent.tx, tx.status.message));
            }
            Some(tx) => waiting.push(format!("{} ({:?})", sent.tx, tx.status.phase)),
            None => waiting.push(format!("{} (not found)", sent.tx)),
        }
    }
    let (phase, message) = match failed {
        Some(why) => (StackPhase::Failed, why),
        None if waiting.is_empty() => (StackPhase::Ready, String::new()),
        None => (StackPhase::Applying, format!("waiting for {}", waiting.join(", "))),
    };
    if stack.status.phase != phase || stack.status.message != message {
        ctx.store.write(|w| {
            super::update_status_in::<Stack>(w, &name, |s| {
                s.phase = phase;
                s.message = message.clone();
            })
        })?;
    }
    Ok(if phase == StackPhase::Applying {
        Action::requeue(POLL)
    } else {
        Action::await_change()
    })
}

/// Records `due` (each with when its devnet was made) and notes them sent, in one write; given
/// up (with [`RACED`]) if a devnet was destroyed or made again meanwhile, or an entry was sent.
async fn record(ctx: &DaemonContext, name: &str, due: &[(StackTx, u64)]) -> Result<(), DaemonError> {
    let mut devnets: Vec<&str> = due.iter().map(|(t, _)| t.devnet.as_str()).collect();
    devnets.sort_unstable();
    devnets.dedup();
    for d in devnets {
        crate::controllers::tx::check_chain_interface(ctx, d).await?;
    }
    let specs = due
        .iter()
        .map(|(t, _)| TxSpec {
            devnet: t.devnet.clone(),
            from: t.from.clone(),
            request: Some(t.request.clone()),
            raw: None,
            unordered: false,
        })
        .collect();
    crate::controllers::tx::record_txs_with(ctx, specs, |w, txs| {
        let raced = || devnet_store::StoreError::Invalid(RACED.into());
        for (t, at) in due {
            let d = w.get::<Devnet>(&t.devnet)?.ok_or_else(raced)?;
            if d.meta.deleting || d.meta.created_unix_ms != *at {
                return Err(raced());
            }
        }
        super::update_status_in::<Stack>(w, name, |s| {
            for ((t, at), tx) in due.iter().zip(txs) {
                // An earlier send of this entry went to a devnet that is gone.
                s.sent.retain(|old| old.id != t.id);
                s.sent.push(SentTx {
                    id: t.id.clone(),
                    tx: tx.meta.name.clone(),
                    devnet_created_unix_ms: *at,
                });
            }
        })
        .map(drop)
    })
    .map(drop)
}

pub fn stack_error_policy(name: &String, e: ReconcileError<'_, DaemonError>, _ctx: &DaemonContext) -> Action {
    tracing::warn!(stack = %name, "stack reconcile failed: {}", e.error);
    Action::requeue(e.backoff)
}

pub(crate) fn relist(store: &devnet_store::Store) -> Vec<String> {
    super::wiring::names::<Stack>(store)
}

/// A stack's own changes (an apply), its devnets' (one that comes up may let it send) and its
/// transactions' (one confirmed may make it Ready).
pub(crate) fn wakes(store: &devnet_store::Store, change: &devnet_store::Change) -> Vec<String> {
    let owners = |owns: &dyn Fn(&Stack) -> bool| -> Vec<String> {
        store
            .list::<Stack>("")
            .unwrap_or_default()
            .into_iter()
            .filter(|s| owns(s))
            .map(|s| s.meta.name)
            .collect()
    };
    match change.kind {
        Kind::Stack => vec![change.name.clone()],
        Kind::Devnet => owners(&|s| s.status.devnets.contains(&change.name)),
        Kind::Transaction => owners(&|s| s.status.sent.iter().any(|t| t.tx == change.name)),
        _ => Vec::new(),
    }
}

impl super::Phased for Stack {
    type Status = StackStatus;
    type Phase = StackPhase;
    fn status_mut(&mut self) -> &mut StackStatus {
        &mut self.status
    }
    fn phase(status: &StackStatus) -> StackPhase {
        status.phase
    }
    fn is_failure(phase: StackPhase) -> bool {
        phase == StackPhase::Failed
    }
    fn detail(status: &StackStatus) -> String {
        status.message.clone()
    }
}
