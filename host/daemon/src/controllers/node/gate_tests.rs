//! A node with a start gate waits, never started, until the node it names reports the height;
//! a restart is never held.

use std::sync::Arc;

use devnet_controller::Action;
use devnet_core::{Node, NodeCommand, NodePhase, NodeRole, NodeSpec, StartGate};
use devnet_runtime::RestartPolicy;
use devnet_store::Store;

use super::{NodeContext, reconcile_node};

fn node(dir: &std::path::Path, name: &str, index: u32, gate: Option<StartGate>) -> Node {
    Node::new(
        NodeSpec {
            devnet: "eth".into(),
            index,
            role: NodeRole::Validator,
            home: format!("nodes/{name}"),
            ports: vec![],
            running: true,
            command: NodeCommand {
                program: "/bin/sleep".into(),
                args: vec!["60".into()],
                env: vec![],
                cwd: dir.display().to_string(),
                log: dir.join(format!("{name}.log")).display().to_string(),
            },
            restart: 0,
            hold: None,
            start_after: gate,
            runtime: Default::default(),
            limits: Default::default(),
            network: None,
            docker_host: None,
        },
        name,
    )
}

fn get(store: &Store, name: &str) -> Node {
    store.get::<Node>(name).unwrap().unwrap()
}

#[tokio::test]
async fn a_gated_node_should_wait_for_the_height_then_start_and_a_restart_should_not_wait() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("state.redb")).unwrap());
    let gate = StartGate {
        node: "eth/validator-0".into(),
        height: 1,
    };
    store
        .write(|tx| {
            tx.create(node(dir.path(), "validator-0", 0, None))?;
            tx.create(node(dir.path(), "validator-1", 1, Some(gate.clone())))
        })
        .unwrap();
    let ctx = Arc::new(NodeContext::new(store.clone(), RestartPolicy::default()));
    let second = "eth/validator-1".to_string();

    // validator-0 not started yet: validator-1 waits, saying for what, and no process runs.
    let action = reconcile_node(second.clone(), ctx.clone()).await.unwrap();
    assert_eq!(action, Action::requeue(super::GATE_POLL));
    let waiting = get(&store, &second);
    assert_eq!(waiting.status.phase, NodePhase::Pending);
    assert_eq!(waiting.status.pid, None);
    assert_eq!(waiting.status.message, "waiting for validator-0 to reach height 1");
    // A second look writes nothing new: one event, however long it waits.
    let _ = reconcile_node(second.clone(), ctx.clone()).await.unwrap();
    let events = store.events(0, 100).unwrap();
    assert_eq!(events.iter().filter(|e| e.reason == "Waiting").count(), 1, "{events:?}");

    // Stopped and started again before it ever ran (`dvb stop`, `dvb start`): still held.
    store
        .write(|tx| {
            let mut n = tx.require::<Node>("eth/validator-1")?;
            n.status.phase = NodePhase::Stopped;
            tx.update(n)
        })
        .unwrap();
    let _ = reconcile_node(second.clone(), ctx.clone()).await.unwrap();
    assert_eq!(get(&store, &second).status.pid, None, "a node never started is held");

    // Running but at height 0: still waiting.
    store
        .write(|tx| {
            let mut first = tx.require::<Node>("eth/validator-0")?;
            first.status.phase = NodePhase::Running;
            tx.update(first)
        })
        .unwrap();
    let _ = reconcile_node(second.clone(), ctx.clone()).await.unwrap();
    assert_eq!(get(&store, &second).status.pid, None);

    // At height 1: it starts.
    store
        .write(|tx| {
            let mut first = tx.require::<Node>("eth/validator-0")?;
            first.status.height = 1;
            tx.update(first)
        })
        .unwrap();
    let _ = reconcile_node(second.clone(), ctx.clone()).await.unwrap();
    let started = get(&store, &second);
    assert_eq!(started.status.phase, NodePhase::Starting);
    assert!(started.status.started);
    assert!(
        started.status.pid.is_some() && started.status.message.is_empty(),
        "{started:?}"
    );

    // validator-0 falls back to height 0 (a restart from nothing) and validator-1, once started,
    // crashes: its restart is not held.
    ctx.stop_all(std::time::Duration::from_secs(1)).await;
    store
        .write(|tx| {
            let mut first = tx.require::<Node>("eth/validator-0")?;
            first.status.height = 0;
            tx.update(first)?;
            let mut n = tx.require::<Node>("eth/validator-1")?;
            n.status.phase = NodePhase::Crashed;
            tx.update(n)
        })
        .unwrap();
    let _ = reconcile_node(second.clone(), ctx.clone()).await.unwrap();
    let restarted = get(&store, &second);
    assert!(restarted.status.pid.is_some(), "{restarted:?}");
    ctx.stop_all(std::time::Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_crashed_node_woken_early_should_wait_out_its_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("state.redb")).unwrap());
    let mut crashed = node(dir.path(), "validator-0", 0, None);
    crashed.status.phase = NodePhase::Crashed;
    crashed.status.started = true;
    crashed.status.restarts = 1;
    crashed.status.restart_after_unix_ms = devnet_core::now_ms() + 10_000;
    store.write(|tx| tx.create(crashed).map(drop)).unwrap();
    let ctx = Arc::new(NodeContext::new(store.clone(), RestartPolicy::default()));
    let name = "eth/validator-0".to_string();

    // Woken (a health write, say) well before its restart is due: still down, asked back later.
    let action = reconcile_node(name.clone(), ctx.clone()).await.unwrap();
    let wait = action.requeue_after().expect("asked back");
    assert!(wait > std::time::Duration::from_secs(8), "{wait:?}");
    assert_eq!(
        get(&store, &name).status.pid,
        None,
        "not started before its backoff ends"
    );

    // Once it is due, it starts.
    store
        .write(|tx| {
            let mut n = tx.require::<Node>(&name)?;
            n.status.restart_after_unix_ms = devnet_core::now_ms().saturating_sub(1);
            tx.update(n).map(drop)
        })
        .unwrap();
    let _ = reconcile_node(name.clone(), ctx.clone()).await.unwrap();
    assert!(get(&store, &name).status.pid.is_some());
    ctx.stop_all(std::time::Duration::from_secs(1)).await;
}
