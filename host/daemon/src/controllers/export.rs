//! The Export controller: a devnet's state written to a file by the plugin's export command,
//! run on one node while it is stopped (a chain's database is locked while its node runs).
//!
//! Pending (the node chosen and held stopped) → Running (once it has stopped: the export, then
//! the hold released, so the node runs again if its devnet does) → Done, or Failed with the
//! command's own output. A daemon killed in between finds the hold and the phase recorded, and
//! carries on.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Action, ReconcileError};
use devnet_core::{Devnet, Event, EventKind, Export, ExportPhase, ExportStatus, Kind, Meta, Node, NodeRole};

use crate::DaemonError;
use crate::context::DaemonContext;
use crate::provision::{run, short_name, slot_of, wit_spec};

const POLL: Duration = Duration::from_millis(300);
/// How long a node may take to stop for an export.
const STOP_LIMIT: Duration = Duration::from_secs(60);

pub async fn reconcile_export(name: String, ctx: Arc<DaemonContext>) -> Result<Action, DaemonError> {
    let Some(export) = ctx.store.get::<Export>(&name)? else {
        return Ok(Action::await_change());
    };
    match export.status.phase {
        ExportPhase::Pending => stop_node(&ctx, export),
        ExportPhase::Running => export_when_stopped(&ctx, export).await,
        ExportPhase::Done | ExportPhase::Failed => Ok(Action::await_change()),
    }
}

pub fn export_error_policy(name: &String, e: ReconcileError<'_, DaemonError>, ctx: &DaemonContext) -> Action {
    tracing::warn!(export = %name, "export step failed: {}", e.error);
    let reason = e.error.to_string();
    // Whatever went wrong, the node goes back to how it was.
    if let Ok(Some(export)) = ctx.store.get::<Export>(name) {
        let _ = release(ctx, &export);
    }
    let _ = set(ctx, name, |s| {
        s.phase = ExportPhase::Failed;
        s.message = reason;
    });
    Action::await_change()
}

/// Records a new Export of `devnet` for the controller; `name` is its short name.
pub fn record_export(
    ctx: &DaemonContext,
    devnet: &str,
    name: &str,
    height: Option<u64>,
    node: Option<String>,
) -> Result<Export, DaemonError> {
    let full = format!("{devnet}/{name}");
    Ok(ctx.store.write(|w| {
        let e = w.create(Export {
            meta: Meta::named(&full),
            spec: devnet_core::ExportSpec {
                devnet: devnet.to_string(),
                height,
                node,
            },
            status: ExportStatus::default(),
        })?;
        w.event(Event::new(
            EventKind::Normal,
            Kind::Export,
            &full,
            "Created",
            String::new(),
        ))?;
        Ok(e)
    })?)
}

/// An export the upgrade took itself (on the halted chain), recorded as a finished Export;
/// its full name.
pub fn record_finished_export(
    ctx: &DaemonContext,
    devnet: &str,
    file: &str,
    node: &str,
    path: &Path,
    bytes: u64,
) -> Result<String, DaemonError> {
    let full = format!("{devnet}/{file}");
    let status = ExportStatus {
        phase: ExportPhase::Done,
        message: format!("{bytes} bytes from {node} on the halted chain, before the switch"),
        path: path.display().to_string(),
        node: node.to_string(),
        bytes,
    };
    ctx.store.write(|w| {
        match w.get::<Export>(&full)? {
            Some(mut e) => {
                e.status = status.clone();
                w.update(e)?;
            }
            None => {
                w.create(Export {
                    meta: Meta::named(&full),
                    spec: devnet_core::ExportSpec {
                        devnet: devnet.to_string(),
                        height: None,
                        node: Some(node.to_string()),
                    },
                    status: status.clone(),
                })?;
            }
        }
        w.event(Event::new(
            EventKind::Normal,
            Kind::Export,
            &full,
            "Done",
            status.message.clone(),
        ))?;
        Ok(())
    })?;
    Ok(full)
}

/// Applies `change` to the export's status in one write, with an event when the phase moves.
fn set(ctx: &DaemonContext, name: &str, change: impl FnOnce(&mut ExportStatus)) -> Result<(), DaemonError> {
    ctx.store
        .write(|w| super::update_status_in::<Export>(w, name, change).map(drop))?;
    Ok(())
}

/// The export's hold on the node lifted (another operation's is left alone): it runs again if
/// its devnet does.
fn release(ctx: &DaemonContext, export: &Export) -> Result<(), DaemonError> {
    let (devnet, node) = (&export.spec.devnet, &export.status.node);
    if node.is_empty() {
        return Ok(());
    }
    let full = format!("{devnet}/{node}");
    ctx.store.write(|w| {
        if let Some(mut n) = w.get::<Node>(&full)?
            && n.spec.hold.as_deref() == Some(hold_name(export).as_str())
        {
            n.spec.hold = None;
            w.update(n)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn hold_name(export: &Export) -> String {
    format!("export {}", export.meta.name)
}

/// The node an export reads: the one asked for, or the devnet's last (a full node when there is
/// one), so the validators before it keep making blocks.
fn choose_node<'a>(nodes: &'a [Node], wanted: Option<&str>) -> Result<&'a Node, DaemonError> {
    if let Some(want) = wanted {
        return nodes.iter().find(|n| short_name(n) == want).ok_or_else(|| {
            let have: Vec<&str> = nodes.iter().map(short_name).collect();
            DaemonError::InvalidArgument(format!("no node {want:?}; the devnet has {}", have.join(", ")))
        });
    }
    nodes
        .iter()
        .filter(|n| n.spec.role == NodeRole::FullNode)
        .max_by_key(|n| n.spec.index)
        .or_else(|| nodes.iter().max_by_key(|n| n.spec.index))
        .ok_or_else(|| DaemonError::FailedPrecondition("the devnet has no nodes yet".into()))
}

fn stop_node(ctx: &DaemonContext, export: Export) -> Result<Action, DaemonError> {
    let devnet = &export.spec.devnet;
    let nodes = ctx.store.list::<Node>(&format!("{devnet}/"))?;
    let node = choose_node(&nodes, export.spec.node.as_deref())?;
    if let Some(other) = &node.spec.hold {
        return Err(DaemonError::FailedPrecondition(format!(
            "{} is stopped for {other}; export again once that is over",
            node.meta.name
        )));
    }
    let short = short_name(node).to_string();
    // The choice and the hold in one write: a restart finds both or neither.
    ctx.store.write(|w| {
        let mut e = w.require::<Export>(&export.meta.name)?;
        e.status.phase = ExportPhase::Running;
        e.status.node = short.clone();
        e.status.message = format!("stopping {short} for the export");
        w.update(e)?;
        let mut n = w.require::<Node>(&node.meta.name)?;
        n.spec.hold = Some(hold_name(&export));
        w.update(n)?;
        Ok(())
    })?;
    Ok(Action::requeue(POLL))
}

async fn export_when_stopped(ctx: &DaemonContext, export: Export) -> Result<Action, DaemonError> {
    let devnet_name = &export.spec.devnet;
    let full = format!("{devnet_name}/{}", export.status.node);
    let node = ctx
        .store
        .get::<Node>(&full)?
        .ok_or_else(|| DaemonError::NotFound(format!("node {full} is gone")))?;
    if node.status.is_up() {
        let waited = devnet_core::now_ms().saturating_sub(export.meta.created_unix_ms);
        if waited > STOP_LIMIT.as_millis() as u64 {
            return Err(DaemonError::FailedPrecondition(format!(
                "{full} did not stop within {} s for the export",
                STOP_LIMIT.as_secs()
            )));
        }
        return Ok(Action::requeue(POLL));
    }
    let devnet = ctx
        .store
        .get::<Devnet>(devnet_name)?
        .ok_or_else(|| DaemonError::NotFound(format!("devnet {devnet_name} is gone")))?;
    let file = export.meta.name.rsplit('/').next().unwrap_or("export").to_string();
    let program = node.spec.command.program.clone();
    let written = run_export(ctx, &devnet, &node, Path::new(&program), export.spec.height, &file).await?;
    release(ctx, &export)?;
    set(ctx, &export.meta.name, |s| {
        s.phase = ExportPhase::Done;
        s.message = format!("{} bytes from {} ({})", written.1, export.status.node, program);
        s.path = written.0.display().to_string();
        s.bytes = written.1;
    })?;
    Ok(Action::await_change())
}

/// Runs the plugin's export command for `node` (stopped) with `program`, writing
/// `exports/<file>.json` in the devnet's directory through a temporary name: a failed export
/// leaves no file behind, and an earlier one of the same name stays until the new one is whole.
/// The path and its size.
pub async fn run_export(
    ctx: &DaemonContext,
    devnet: &Devnet,
    node: &Node,
    program: &Path,
    height: Option<u64>,
    file: &str,
) -> Result<(std::path::PathBuf, u64), DaemonError> {
    let chain_dir = ctx.home.chain_dir(&devnet.meta.name);
    let dir = chain_dir.join("exports");
    std::fs::create_dir_all(&dir).map_err(DaemonError::io(format!("creating {}", dir.display())))?;
    let (tmp_rel, final_path) = (format!("exports/.{file}.json.tmp"), dir.join(format!("{file}.json")));
    let nodes = ctx.store.list::<Node>(&format!("{}/", devnet.meta.name))?;
    let command = {
        let instance = ctx.instance_for(devnet, &nodes).await?;
        let mut plugin = instance.lock().await;
        let spec = wit_spec(devnet, &devnet.status.detected_version);
        plugin
            .export_command(&spec, &slot_of(node), height, &tmp_rel)
            .await
            .map_err(|e| DaemonError::InvalidArgument(format!("the plugin gives no export: {e}")))?
    };
    let tmp = chain_dir.join(&tmp_rel);
    let outcome = run(program, &command.args, &command.env, &chain_dir).await;
    if let Err(e) = outcome {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let bytes = std::fs::metadata(&tmp)
        .map_err(DaemonError::io(format!(
            "the export command ran but wrote no {}",
            tmp.display()
        )))?
        .len();
    std::fs::rename(&tmp, &final_path).map_err(DaemonError::io(format!("renaming to {}", final_path.display())))?;
    Ok((final_path, bytes))
}

/// Every export (startup, a lagged change stream); finished ones return at once.
pub(crate) fn relist(store: &devnet_store::Store) -> Vec<String> {
    super::wiring::names::<Export>(store)
}

/// Only a new export is news, not this controller's own status writes.
pub(crate) fn wakes(store: &devnet_store::Store, change: &devnet_store::Change) -> Vec<String> {
    if change.kind != devnet_core::Kind::Export {
        return Vec::new();
    }
    match store.get::<Export>(&change.name) {
        Ok(Some(e)) if e.status.phase == ExportPhase::Pending => vec![change.name.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use devnet_core::{NodeCommand, NodeSpec};

    fn node(name: &str, index: u32, role: NodeRole) -> Node {
        Node::new(
            NodeSpec {
                devnet: "d".into(),
                index,
                role,
                home: format!("nodes/{name}"),
                ports: vec![],
                running: true,
                command: NodeCommand {
                    program: "simd".into(),
                    args: vec![],
                    env: vec![],
                    cwd: String::new(),
                    log: String::new(),
                },
                restart: 0,
                hold: None,
                start_after: None,
                runtime: Default::default(),
                limits: Default::default(),
                network: None,
                docker_host: None,
            },
            name,
        )
    }

    #[test]
    fn the_export_should_read_a_full_node_first_then_the_last_validator() {
        let vals = vec![
            node("validator-0", 0, NodeRole::Validator),
            node("validator-1", 1, NodeRole::Validator),
        ];
        assert_eq!(short_name(choose_node(&vals, None).unwrap()), "validator-1");
        let mut with_full = vals.clone();
        with_full.push(node("full-0", 2, NodeRole::FullNode));
        with_full.swap(0, 2);
        assert_eq!(short_name(choose_node(&with_full, None).unwrap()), "full-0");
        assert_eq!(
            short_name(choose_node(&with_full, Some("validator-0")).unwrap()),
            "validator-0"
        );
        let err = choose_node(&vals, Some("validator-9")).unwrap_err().to_string();
        assert!(
            err.contains("validator-9") && err.contains("validator-0, validator-1"),
            "{err}"
        );
    }
}
