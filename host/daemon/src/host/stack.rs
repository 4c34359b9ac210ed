//! `dvb apply / diff / delete -f stack.toml`: a stack file made so, declaratively. The plan
//! compares the file with the stack as last applied (its spec) and the devnets it made (its
//! status); nothing is changed while any part of the plan is refused, and a devnet the stack did
//! not make is never touched. Transactions are recorded in the stack and sent by the Stack
//! controller once their devnet runs, each exactly once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use devnet_core::{
    Devnet, DevnetSpec, Event, EventKind, Kind, Meta, Stack, StackApplied, StackChange, StackPhase, StackStatus,
    StackSummary,
};

use super::Host;
use crate::DaemonError;
use crate::stack_file::{self, StackFile};

/// How an apply may go.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// Destroy the devnets this stack made that the file no longer has.
    pub prune: bool,
    /// Plan only (`dvb diff`).
    pub dry_run: bool,
    /// Make a changed devnet again (its chain starts over) instead of refusing the change.
    pub recreate: bool,
}

fn change(action: &str, object: String, detail: impl Into<String>) -> StackChange {
    StackChange {
        action: action.into(),
        object,
        detail: detail.into(),
    }
}

/// The fields of a devnet's declared spec that differ.
fn differences(was: &DevnetSpec, now: &DevnetSpec) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name: &'static str, same: bool| {
        if !same {
            out.push(name);
        }
    };
    check("network", was.network == now.network);
    check("chain_id", was.chain_id == now.chain_id);
    check("version", was.version == now.version);
    check("binary", was.binary == now.binary);
    check("validators", was.validators == now.validators);
    check("full_nodes", was.full_nodes == now.full_nodes);
    check("settings", was.overrides == now.overrides);
    check("accounts", was.accounts == now.accounts);
    check("runtime", was.runtime == now.runtime);
    out
}

/// Holds a stack's apply; released on drop.
struct Applying<'a> {
    host: &'a Host,
    name: String,
}

impl Drop for Applying<'_> {
    fn drop(&mut self) {
        self.host
            .applying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.name);
    }
}

impl Host {
    fn hold_apply(&self, name: &str) -> Result<Applying<'_>, DaemonError> {
        let mut applying = self.applying.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !applying.insert(name.to_string()) {
            return Err(DaemonError::FailedPrecondition(format!(
                "another apply or delete of stack {name:?} is running; wait for it to end, then apply again"
            )));
        }
        Ok(Applying {
            host: self,
            name: name.to_string(),
        })
    }

    /// `dvb apply -f` (and, with `dry_run`, `dvb diff -f`): the stack file `text` read from
    /// `source`, made so. Everything a deploy checks is checked while planning, so a refused
    /// part (a bad node count, an unknown network, a changed declaration) leaves everything as
    /// it was.
    pub async fn apply_stack(
        &self,
        text: &str,
        source: &str,
        options: ApplyOptions,
    ) -> Result<StackApplied, DaemonError> {
        let StackFile { name, spec } = stack_file::parse(text, source)?;
        // A diff changes nothing, so it neither waits for nor holds up an apply.
        let _held = if options.dry_run {
            None
        } else {
            Some(self.hold_apply(&name)?)
        };
        let existing = self.ctx.store.get::<Stack>(&name)?;
        let owned: Vec<String> = existing.as_ref().map(|s| s.status.devnets.clone()).unwrap_or_default();

        let mut changes = Vec::new();
        let mut refused = Vec::new();
        // (name, the spec the plugin filled in) of each devnet to make, or to make again.
        let (mut create, mut recreate) = (Vec::new(), Vec::new());
        // When each devnet that stays was made: its transactions are known by it.
        let mut made_at: HashMap<&str, u64> = HashMap::new();
        for d in &spec.devnets {
            let object = format!("devnet {}", d.name);
            let found = self.ctx.store.get::<Devnet>(&d.name)?;
            match found {
                None => match self.check_deploy(&d.name, d.spec.clone(), false).await {
                    Ok(checked) => {
                        changes.push(change(
                            "create",
                            object,
                            format!(
                                "{}, {} validators, {} full nodes",
                                d.spec.network, d.spec.validators, d.spec.full_nodes
                            ),
                        ));
                        create.push((d.name.clone(), checked));
                    }
                    Err(e) => refused.push(format!("devnet {}: {e}", d.name)),
                },
                Some(live) if live.meta.deleting => refused.push(format!(
                    "devnet {} is being destroyed; apply again once it is gone",
                    d.name
                )),
                Some(_) if !owned.contains(&d.name) => refused.push(format!(
                    "devnet {} exists and this stack did not make it (`dvb deploy`, or another stack): rename it in \
                     the file, or destroy it first",
                    d.name
                )),
                Some(live) => {
                    let was = existing
                        .as_ref()
                        .and_then(|s| s.spec.devnets.iter().find(|p| p.name == d.name))
                        .map(|p| &p.spec);
                    let diff = was.map_or_else(Vec::new, |w| differences(w, &d.spec));
                    if diff.is_empty() {
                        changes.push(change("unchanged", object, ""));
                        made_at.insert(d.name.as_str(), live.meta.created_unix_ms);
                    } else if !options.recreate {
                        refused.push(format!(
                            "devnet {}: {} changed, which a running devnet cannot take in place; `dvb apply --recreate` \
                             destroys and makes it again (its chain starts over), or undo the change",
                            d.name,
                            diff.join(", ")
                        ));
                    } else {
                        match self.check_deploy(&d.name, d.spec.clone(), true).await {
                            Ok(checked) => {
                                changes.push(change(
                                    "recreate",
                                    object,
                                    format!(
                                        "{} changed: destroyed and made again, its chain from genesis",
                                        diff.join(", ")
                                    ),
                                ));
                                recreate.push((d.name.clone(), checked));
                            }
                            Err(e) => refused.push(format!("devnet {}: {e}", d.name)),
                        }
                    }
                }
            }
        }
        // The devnets it made that are still there (one destroyed by hand is no longer its).
        let mut still: Vec<String> = Vec::new();
        for o in &owned {
            if self.ctx.store.get::<Devnet>(o)?.is_some() {
                still.push(o.clone());
            }
        }
        let mut destroy = Vec::new();
        for gone in still.iter().filter(|o| !spec.devnets.iter().any(|d| &d.name == *o)) {
            if options.prune {
                changes.push(change("destroy", format!("devnet {gone}"), "not in the file (--prune)"));
                destroy.push(gone.clone());
            } else {
                changes.push(change(
                    "keep",
                    format!("devnet {gone}"),
                    "not in the file; `dvb apply --prune` destroys it",
                ));
            }
        }
        for (i, t) in spec.txs.iter().enumerate() {
            let object = format!("tx {} on {}", i + 1, t.devnet);
            let sent = made_at
                .get(t.devnet.as_str())
                .and_then(|at| existing.as_ref().and_then(|s| s.status.sent_on(&t.id, *at)));
            match sent {
                Some(s) => changes.push(change("sent", object, format!("{}, by an earlier apply", s.tx))),
                None => changes.push(change(
                    "send",
                    object,
                    format!("{} from {}, once {} runs", t.request.kind, t.from, t.devnet),
                )),
            }
        }
        if options.dry_run {
            // A diff shows what an apply would refuse beside what it would do.
            changes.extend(refused.into_iter().map(|why| change("refused", "apply".into(), why)));
            return Ok(StackApplied { stack: name, changes });
        }
        if !refused.is_empty() {
            return Err(DaemonError::FailedPrecondition(format!(
                "stack {name} ({source}): nothing applied: {}",
                refused.join("; ")
            )));
        }

        // The stack as it now is, and the devnets to destroy marked so, in one write; each devnet
        // to make is then made in the write that makes it the stack's. The same file applied
        // again writes nothing.
        let devnets: Vec<String> = still.iter().filter(|o| !destroy.contains(o)).cloned().collect();
        let same = existing
            .as_ref()
            .is_some_and(|s| s.spec == spec && s.status.devnets == devnets);
        if !(same && create.is_empty() && recreate.is_empty() && destroy.is_empty()) {
            let summary = summary(&changes);
            let doomed: Vec<&str> = destroy
                .iter()
                .map(String::as_str)
                .chain(recreate.iter().map(|(n, _)| n.as_str()))
                .collect();
            self.ctx.store.write(|w| {
                match w.get::<Stack>(&name)? {
                    Some(mut s) => {
                        s.spec = spec.clone();
                        s.status.devnets = devnets.clone();
                        s.status.phase = StackPhase::Applying;
                        s.status.message.clear();
                        w.update(s)?;
                    }
                    None => {
                        w.create(Stack {
                            meta: Meta::named(&name),
                            spec: spec.clone(),
                            status: StackStatus {
                                devnets: devnets.clone(),
                                ..StackStatus::default()
                            },
                        })?;
                    }
                }
                for d in &doomed {
                    let mut live = w.require::<Devnet>(d)?;
                    if !live.meta.deleting {
                        live.meta.deleting = true;
                        w.event(Event::new(
                            EventKind::Normal,
                            Kind::Devnet,
                            d,
                            "Destroying",
                            format!("stack {name}"),
                        ))?;
                        w.update(live)?;
                    }
                }
                w.event(Event::new(EventKind::Normal, Kind::Stack, &name, "Applied", &summary))?;
                Ok(())
            })?;
        }
        for (d, _) in &recreate {
            self.wait_gone(d, Duration::from_secs(120)).await?;
        }
        for (d, checked) in create.iter().chain(&recreate) {
            self.create_devnet(d, checked.clone(), |w| {
                let mut s = w.require::<Stack>(&name)?;
                if !s.status.devnets.contains(d) {
                    s.status.devnets.push(d.clone());
                }
                w.update(s).map(drop)
            })?;
        }
        Ok(StackApplied { stack: name, changes })
    }

    /// `dvb delete -f`: every devnet the stack made is destroyed, and the stack forgotten.
    pub async fn delete_stack(&self, text: &str, source: &str) -> Result<StackApplied, DaemonError> {
        let StackFile { name, .. } = stack_file::parse(text, source)?;
        let _held = self.hold_apply(&name)?;
        let stack = self.ctx.store.get::<Stack>(&name)?.ok_or_else(|| {
            DaemonError::NotFound(format!(
                "no stack named {name:?} was applied on this home (`dvb apply -f {source}`)"
            ))
        })?;
        let mut changes = Vec::new();
        for d in &stack.status.devnets {
            if self.ctx.store.get::<Devnet>(d)?.is_some() {
                self.destroy(d)?;
                changes.push(change("destroy", format!("devnet {d}"), "made by this stack"));
            }
        }
        self.ctx.store.write(|w| {
            w.delete::<Stack>(&name)?;
            w.event(Event::new(EventKind::Normal, Kind::Stack, &name, "Deleted", ""))?;
            Ok(())
        })?;
        Ok(StackApplied { stack: name, changes })
    }

    /// Every stack applied on this home.
    pub fn stacks(&self) -> Result<Vec<StackSummary>, DaemonError> {
        Ok(self.ctx.store.list::<Stack>("")?.iter().map(Stack::summary).collect())
    }

    /// Waits until devnet `name` is gone from the store (its destroy done).
    async fn wait_gone(&self, name: &str, limit: Duration) -> Result<(), DaemonError> {
        let started = Instant::now();
        while self.ctx.store.get::<Devnet>(name)?.is_some() {
            if started.elapsed() > limit {
                return Err(DaemonError::FailedPrecondition(format!(
                    "devnet {name} was not destroyed within {} s; see `dvb status {name}`, then apply again",
                    limit.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(())
    }
}

/// `2 to create, 1 unchanged, …` for the event.
fn summary(changes: &[StackChange]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for c in changes {
        match counts.iter_mut().find(|(a, _)| *a == c.action) {
            Some((_, n)) => *n += 1,
            None => counts.push((&c.action, 1)),
        }
    }
    counts
        .iter()
        .map(|(a, n)| format!("{n} {a}"))
        .collect::<Vec<_>>()
        .join(", ")
}
