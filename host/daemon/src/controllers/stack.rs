//! The Stack controller: sends a stack's transactions once their devnets run, each exactly once
//! (the transaction and the stack's note that it was sent are one store write), and says whether
//! the stack is Ready: every devnet it made running, every transaction sent and confirmed (a
//! transaction that fails fails the stack, saying which and why).

use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Action, ReconcileError};
use devnet_core::{Devnet, DevnetPhase, Kind, SentTx, Stack, StackPhase, StackStatus, Transaction, TxPhase, TxSpec};

use crate::DaemonError;
use crate::context::DaemonContext;

/// How often a stack that is not Ready is looked at (its devnets' progress also wakes it).
const POLL: Duration = Duration::from_secs(2);

pub async fn reconcile_stack(name: String, ctx: Arc<DaemonContext>) -> Result<Action, DaemonError> {
    let Some(stack) = ctx.store.get::<Stack>(&name)? else {
        return Ok(Action::await_change());
    };
    let running = |devnet: &str| -> Result<bool, DaemonError> {
        Ok(ctx
            .store
            .get::<Devnet>(devnet)?
            .is_some_and(|d| !d.meta.deleting && d.status.phase == DevnetPhase::Running))
    };
    // The transactions not sent yet whose devnets run, in the file's order.
    let sent: Vec<&str> = stack.status.sent.iter().map(|s| s.id.as_str()).collect();
    let mut due = Vec::new();
    for t in stack.spec.txs.iter().filter(|t| !sent.contains(&t.id.as_str())) {
        if running(&t.devnet)? {
            due.push(t.clone());
        }
    }
    if !due.is_empty() {
        let mut devnets: Vec<&str> = due.iter().map(|t| t.devnet.as_str()).collect();
        devnets.dedup();
        let recorded = async {
            for d in devnets {
                crate::controllers::tx::check_chain_interface(&ctx, d).await?;
            }
            let specs = due
                .iter()
                .map(|t| TxSpec {
                    devnet: t.devnet.clone(),
                    from: t.from.clone(),
                    request: Some(t.request.clone()),
                    raw: None,
                    unordered: false,
                })
                .collect();
            crate::controllers::tx::record_txs_with(&ctx, specs, |w, txs| {
                super::update_status_in::<Stack>(w, &name, |s| {
                    for (t, tx) in due.iter().zip(txs) {
                        s.sent.push(SentTx {
                            id: t.id.clone(),
                            tx: tx.meta.name.clone(),
                        });
                    }
                })
                .map(drop)
            })
        }
        .await;
        if let Err(e) = recorded {
            ctx.store.write(|w| {
                super::update_status_in::<Stack>(w, &name, |s| {
                    s.phase = StackPhase::Failed;
                    s.message =
                        format!("its transactions could not be sent: {e}; fix the [[tx]] entries and apply again");
                })
            })?;
            return Ok(Action::await_change());
        }
        return Ok(Action::requeue(Duration::ZERO));
    }
    let mut waiting = Vec::new();
    for d in &stack.status.devnets {
        if !running(d)? {
            let phase = ctx.store.get::<Devnet>(d)?.map(|d| format!("{:?}", d.status.phase));
            waiting.push(format!("{d} ({})", phase.as_deref().unwrap_or("not made yet")));
        }
    }
    let unsent = stack.spec.txs.len()
        - stack
            .status
            .sent
            .iter()
            .filter(|s| stack.spec.txs.iter().any(|t| t.id == s.id))
            .count();
    // The sent transactions of this file's entries: each must be confirmed.
    let mut failed = None;
    for s in stack
        .status
        .sent
        .iter()
        .filter(|s| stack.spec.txs.iter().any(|t| t.id == s.id))
    {
        match ctx.store.get::<Transaction>(&s.tx)? {
            Some(t) if t.status.phase == TxPhase::Confirmed => {}
            Some(t) if t.status.phase == TxPhase::Failed => {
                failed.get_or_insert(format!("transaction {} failed: {}", s.tx, t.status.message));
            }
            Some(t) => waiting.push(format!("{} ({:?})", s.tx, t.status.phase)),
            // Gone with its devnet (recreated): not this apply's to wait for.
            None => {}
        }
    }
    let (phase, message) = if let Some(why) = failed {
        (StackPhase::Failed, why)
    } else if waiting.is_empty() && unsent == 0 {
        (StackPhase::Ready, String::new())
    } else if stack.status.phase == StackPhase::Failed {
        return Ok(Action::await_change());
    } else {
        (
            StackPhase::Applying,
            format!(
                "waiting for {}{}",
                waiting.join(", "),
                if unsent > 0 {
                    format!("; {unsent} transactions to send")
                } else {
                    String::new()
                }
            ),
        )
    };
    if stack.status.phase != phase || stack.status.message != message {
        ctx.store.write(|w| {
            super::update_status_in::<Stack>(w, &name, |s| {
                s.phase = phase;
                s.message = message.clone();
            })
        })?;
    }
    Ok(if phase != StackPhase::Applying {
        Action::await_change()
    } else {
        Action::requeue(POLL)
    })
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
