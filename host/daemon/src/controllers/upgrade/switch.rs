//! The Upgrade controller's second half: the switch to the new binary (with the backup and the
//! export before it), the verification after it, and the roll back from the backup.

use super::*;

pub(super) async fn switching(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    // Every node stopped first: the backup and the export read data no process is writing.
    let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
    let hold = format!("upgrade {name}");
    if nodes.iter().any(|n| n.spec.hold.as_ref() != Some(&hold)) {
        update_nodes(ctx, &up.spec.devnet, |_, spec| spec.hold = Some(hold.clone()))?;
        set(ctx, &name, |s| {
            s.message = format!("halted at {}; stopping the nodes", s.halt_height.unwrap_or(0))
        })?;
        return Ok(Action::requeue(POLL));
    }
    if nodes.iter().any(|n| n.status.is_up()) {
        return Ok(Action::requeue(POLL));
    }
    let backup_dir = if up.spec.backup {
        let dir = ctx.home.devnet_dir(&up.spec.devnet).join("backups").join(&up.spec.plan);
        back_up(ctx, &up.spec.devnet, &dir).await?;
        dir.display().to_string()
    } else {
        String::new()
    };
    let mut exports = up.status.exports.clone();
    if up.spec.export_before {
        let node = validators(&nodes)
            .into_iter()
            .min_by_key(|n| n.spec.index)
            .ok_or_else(|| DaemonError::FailedPrecondition("the devnet has no validator".into()))?;
        let file = format!("{}-before", up.spec.plan);
        let old = Path::new(&up.status.old_binary);
        let (path, bytes) = run_export(ctx, &devnet, node, old, None, &file).await?;
        let export = record_finished_export(ctx, &devnet.meta.name, &file, short_name(node), &path, bytes)?;
        if !exports.contains(&export) {
            exports.push(export);
        }
    }
    // The devnet's settings after the switch: the nodes' start commands are the plugin's for
    // them.
    let upgraded = super::with_settings(&devnet, &up.spec.settings);
    // Without governance, back on the plain start command too: the new binary must run past
    // the height.
    let plain = if up.spec.no_gov || !up.spec.settings.is_empty() {
        plain_start_args(ctx, &upgraded, &nodes).await?
    } else {
        Vec::new()
    };
    let program = up.status.new_binary.clone();
    let settings = (!up.spec.settings.is_empty()).then_some(upgraded.spec.overrides);
    // Where the chain stopped: a chain stopped at once (no halt height) ran on until its nodes
    // were down, past the height recorded when the upgrade began.
    let stopped_at = nodes.iter().map(|n| n.status.height).max().unwrap_or(0);
    // The restart and Verifying in one write: a daemon killed after it does not stop the nodes
    // a second time.
    switch_nodes(ctx, &up.spec.devnet, &program, &plain, settings, |w| {
        set_in(w, &name, |s| {
            s.phase = UpgradePhase::Verifying;
            s.exports = exports;
            s.backup_dir = backup_dir;
            s.switched_unix_ms = now_ms();
            s.halt_height = s.halt_height.max(Some(stopped_at));
            s.message = format!("nodes restarted on {program}");
        })
        .map(drop)
    })?;
    Ok(Action::requeue(POLL))
}

/// Every node started on `program` (with the arguments in `args` for the nodes it names), the
/// devnet's settings replaced by `settings` when given, and `also`, in one write.
fn switch_nodes(
    ctx: &DaemonContext,
    devnet: &str,
    program: &str,
    args: &[(String, Vec<String>)],
    settings: Option<Vec<(String, String)>>,
    also: impl FnOnce(&mut devnet_store::WriteTx<'_>) -> Result<(), devnet_store::StoreError>,
) -> Result<(), DaemonError> {
    ctx.store.write(|w| {
        for node in ctx.store.list::<Node>(&format!("{devnet}/"))? {
            let mut node = w.require::<Node>(&node.meta.name)?;
            node.spec.command.program = program.to_string();
            if let Some((_, a)) = args.iter().find(|(n, _)| *n == node.meta.name) {
                node.spec.command.args = a.clone();
            }
            node.spec.restart += 1;
            node.spec.hold = None;
            w.update(node)?;
        }
        if let Some(settings) = settings {
            let mut d = w.require::<Devnet>(devnet)?;
            d.spec.overrides = settings;
            w.update(d)?;
        }
        also(w)
    })?;
    Ok(())
}

/// `change` applied to the spec of every node of `devnet`, in one write.
fn update_nodes(
    ctx: &DaemonContext,
    devnet: &str,
    change: impl Fn(&str, &mut devnet_core::NodeSpec),
) -> Result<(), DaemonError> {
    ctx.store.write(|w| {
        for node in ctx.store.list::<Node>(&format!("{devnet}/"))? {
            let mut node = w.require::<Node>(&node.meta.name)?;
            change(&node.meta.name, &mut node.spec);
            w.update(node)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Copies every node's home (the chain's data and config) into `dir/<node>`, off the executor.
async fn back_up(ctx: &DaemonContext, devnet: &str, dir: &Path) -> Result<(), DaemonError> {
    let chain_dir = ctx.home.chain_dir(devnet);
    let copies: Vec<(PathBuf, PathBuf)> = ctx
        .store
        .list::<Node>(&format!("{devnet}/"))?
        .iter()
        .map(|node| (chain_dir.join(&node.spec.home), dir.join(account_key(node))))
        .collect();
    blocking(move || {
        for (home, saved) in &copies {
            replace_dir(home, saved)?;
        }
        Ok(())
    })
    .await
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), DaemonError> {
    std::fs::create_dir_all(to).map_err(DaemonError::io(format!("creating {}", to.display())))?;
    let entries = std::fs::read_dir(from).map_err(DaemonError::io(format!("reading {}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(DaemonError::io(format!("reading {}", from.display())))?;
        let (src, dst): (PathBuf, PathBuf) = (entry.path(), to.join(entry.file_name()));
        let kind = entry
            .file_type()
            .map_err(DaemonError::io(format!("reading {}", src.display())))?;
        if kind.is_dir() {
            copy_dir(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).map_err(DaemonError::io(format!("copying {}", src.display())))?;
        }
    }
    Ok(())
}

pub(super) async fn verifying(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    let halt = up.status.halt_height.unwrap_or(0);
    let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
    // Heights seen since the restart only: a node's stored height may be from before the stop.
    let past = nodes
        .iter()
        .filter(|n| n.status.height > halt + 1 && n.status.height_changed_unix_ms > up.status.switched_unix_ms)
        .count();
    if past < validators(&nodes).len() {
        let waited = now_ms().saturating_sub(up.status.switched_unix_ms);
        let limit = up.spec.verify_secs.unwrap_or(VERIFY_LIMIT.as_secs());
        if waited > limit.saturating_mul(1000) {
            let why = format!("no blocks past {halt} within {limit} s of the switch");
            return roll_back_or_fail(ctx, up, &why).await;
        }
        return Ok(Action::requeue(POLL));
    }
    let instance = ctx.instance_for(&devnet, &nodes).await?;
    let node = nodes
        .iter()
        .max_by_key(|n| n.status.height)
        .ok_or_else(|| DaemonError::FailedPrecondition("no node".into()))?;
    let detected = {
        let mut plugin = instance.lock().await;
        let detected = plugin.detect_live(&slot_of(node)).await?;
        let mut builders = ctx.tx_builders.lock().await;
        builders
            .for_version(&mut plugin, &devnet.meta.name, &devnet.spec.chain_id, &detected)
            .await?;
        detected
    };
    ctx.store.write(|w| {
        let mut d = w.require::<Devnet>(&devnet.meta.name)?;
        if d.status.detected_version != detected {
            let from = d.status.detected_version.clone();
            d.status.detected_version = detected.clone();
            d.status.version_history.push(VersionChange {
                version: detected.clone(),
                at_height: halt,
                unix_ms: now_ms(),
                cause: format!("upgrade {}", up.spec.plan),
            });
            w.event(Event::new(
                EventKind::Normal,
                Kind::Devnet,
                &d.meta.name.clone(),
                "TxBuilderReplaced",
                format!("the chain version went from {from} to {detected}: new transactions use its format"),
            ))?;
            w.update(d)?;
        }
        Ok(())
    })?;
    let mut exports = up.status.exports.clone();
    if up.spec.export_after {
        let file = format!("{}-after", up.spec.plan);
        let full = format!("{}/{file}", up.spec.devnet);
        if ctx.store.get::<Export>(&full)?.is_none() {
            record_export(ctx, &up.spec.devnet, &file, None, None)?;
        }
        if !exports.contains(&full) {
            exports.push(full);
        }
    }
    set(ctx, &name, |s| {
        s.phase = UpgradePhase::Completed;
        s.exports = exports;
        s.detected_version = detected.clone();
        s.message = format!("{} → {detected}, blocks past {halt}", up.status.from_version);
    })?;
    Ok(Action::await_change())
}

/// A failed verification: with a backup, the nodes held (stopped) and the upgrade RollingBack in
/// one write; without, Failed.
async fn roll_back_or_fail(ctx: &DaemonContext, up: Upgrade, why: &str) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    if up.status.backup_dir.is_empty() {
        ctx.store.write(|w| {
            // The nodes run something new: the devnet's version is asked of the live chain again.
            let mut d = w.require::<Devnet>(&up.spec.devnet)?;
            d.status.live_version_checked = false;
            w.update(d)?;
            set_in(w, &name, |s| {
                s.phase = UpgradePhase::Failed;
                s.message = format!("{why}; no backup to roll back to (create the upgrade with --backup)");
            })
            .map(drop)
        })?;
        return Ok(Action::await_change());
    }
    let hold = format!("upgrade {name} (roll back)");
    ctx.store.write(|w| {
        for node in w.list::<Node>(&format!("{}/", up.spec.devnet))? {
            let mut node = node;
            node.spec.hold = Some(hold.clone());
            w.update(node)?;
        }
        set_in(w, &name, |s| {
            s.phase = UpgradePhase::RollingBack;
            s.rollback_reason = why.to_string();
            s.rollback_started_unix_ms = devnet_core::now_ms();
            s.message = format!("{why}; stopping the nodes to roll back");
        })
        .map(drop)
    })?;
    Ok(Action::requeue(POLL))
}

/// Once every node has stopped, their homes are put back from the backup (again, after a
/// restart: the copy starts over) and the old binary started, with RolledBack, in one write.
pub(super) async fn rolling_back(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    let nodes = ctx.store.list::<Node>(&format!("{}/", up.spec.devnet))?;
    let running: Vec<&str> = nodes
        .iter()
        .filter(|n| n.status.is_up())
        .map(|n| n.meta.name.as_str())
        .collect();
    // A daemon that was down meanwhile gives the nodes the whole limit again.
    let since = up.status.rollback_started_unix_ms.max(ctx.started_unix_ms);
    let waited = Duration::from_millis(devnet_core::now_ms().saturating_sub(since));
    let limit = ctx.config.stop_grace() + ROLLBACK_STOP_MARGIN;
    if !running.is_empty() && waited > limit {
        let why = format!(
            "{}; {} did not stop within {} s to roll back, so nothing was restored (the backup is in {})",
            up.status.rollback_reason,
            running.join(", "),
            limit.as_secs(),
            up.status.backup_dir
        );
        ctx.store.write(|w| {
            release_holds(w, &name)?;
            set_in(w, &name, |s| {
                s.phase = UpgradePhase::Failed;
                s.message = why;
            })
            .map(drop)
        })?;
        return Ok(Action::await_change());
    }
    let running = running.len();
    if running > 0 {
        set(ctx, &name, |s| {
            s.message = format!(
                "{}; waiting for {running} node(s) to stop to roll back",
                s.rollback_reason
            )
        })?;
        return Ok(Action::requeue(POLL));
    }
    let chain_dir = ctx.home.chain_dir(&up.spec.devnet);
    let copies: Vec<(PathBuf, PathBuf)> = nodes
        .iter()
        .map(|node| {
            let saved = Path::new(&up.status.backup_dir).join(account_key(node));
            (saved, chain_dir.join(&node.spec.home))
        })
        .collect();
    crate::test_pause::pause_point("upgrade-rolling-back").await;
    blocking(move || {
        for (saved, home) in &copies {
            replace_dir(saved, home)?;
        }
        Ok(())
    })
    .await?;
    let note = if up.spec.no_gov {
        ""
    } else {
        " (the plan still halts the chain at its height: start the old binary with --unsafe-skip-upgrades to go \
         past it)"
    };
    // The old binary, started again, and RolledBack, in one write.
    ctx.store.write(|w| {
        for node in &nodes {
            let mut node = w.require::<Node>(&node.meta.name)?;
            node.spec.command.program = up.status.old_binary.clone();
            node.spec.restart += 1;
            node.spec.hold = None;
            w.update(node)?;
        }
        set_in(w, &name, |s| {
            s.phase = UpgradePhase::RolledBack;
            s.message = format!(
                "{}; rolled back to {} and the data from before the switch{note}",
                s.rollback_reason, up.status.old_binary
            );
        })
        .map(drop)
    })?;
    Ok(Action::await_change())
}

/// `to` replaced by a copy of `from`.
fn replace_dir(from: &Path, to: &Path) -> Result<(), DaemonError> {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(DaemonError::io(format!("clearing {}", to.display())))?;
    }
    copy_dir(from, to)
}

/// File work off the async executor.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, DaemonError> + Send + 'static,
) -> Result<T, DaemonError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DaemonError::Internal(format!("file work stopped: {e}")))?
}
