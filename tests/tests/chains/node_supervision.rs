//! The Node controller over a real 4-validator simd v0.50 network made by the cosmos plugin:
//! it starts every node, adopts them all (same pids) after the daemon goes away and comes back,
//! restarts a validator killed with SIGKILL (which then catches up with
//! the chain), records it all as events, and stops every node on request with nothing left.

use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Controller, WorkQueue};
use devnet_core::{Node, NodeCommand, NodePhase, NodeRole, NodeSpec, Port};
use devnet_daemon::testing::{NodeContext, node_error_policy, reconcile_node};
use devnet_e2e::chain::binary;
use devnet_e2e::plugin_devnet::{PluginDevnet, spec};
use devnet_e2e::ports::is_listening;
use devnet_plugin_host::wit;
use devnet_runtime::{RestartPolicy, group_members};
use devnet_store::Store;

fn node_of(net: &PluginDevnet, slot: &wit::NodeSlot, start: wit::Command) -> Node {
    Node::new(
        NodeSpec {
            devnet: "hub".into(),
            index: slot.index,
            role: match slot.role {
                wit::NodeRole::Validator => NodeRole::Validator,
                wit::NodeRole::FullNode => NodeRole::FullNode,
            },
            home: slot.home.clone(),
            ports: slot
                .ports
                .iter()
                .map(|p| Port {
                    name: p.name.clone(),
                    port: p.port,
                })
                .collect(),
            running: true,
            command: NodeCommand {
                program: net.binary.display().to_string(),
                args: start.args,
                env: start.env,
                cwd: net.dir().display().to_string(),
                log: net
                    .root
                    .path()
                    .join(format!("logs/{}.log", slot.name))
                    .display()
                    .to_string(),
            },
            restart: 0,
            hold: None,
            start_after: None,
            runtime: Default::default(),
            limits: Default::default(),
            network: None,
            docker_host: None,
        },
        &slot.name,
    )
}

fn status(store: &Store, name: &str) -> devnet_core::NodeStatus {
    store.get::<Node>(name).unwrap().unwrap().status
}

#[tokio::test(flavor = "multi_thread")]
async fn the_node_controller_should_run_restart_and_stop_a_real_network() {
    let simd = binary("simd", "v0.50");
    let mut net = PluginDevnet::genesis("cosmos", &simd, spec("v0.50.15", 4, 0, &[("block-time", "1s")]))
        .await
        .unwrap();
    let store = Arc::new(Store::open(&net.root.path().join("state.redb")).unwrap());
    let mut names = Vec::new();
    for slot in net.nodes.clone() {
        let start = net.plugin.start_command(&net.spec, &slot).await.unwrap();
        let node = node_of(&net, &slot, start);
        names.push(node.meta.name.clone());
        store.write(|tx| tx.create(node)).unwrap();
    }

    let queue = WorkQueue::new();
    let policy = RestartPolicy {
        initial_backoff: Duration::from_millis(500),
        ..RestartPolicy::default()
    };
    let ctx = Arc::new(NodeContext::new(store.clone(), policy.clone()));
    let run = tokio::spawn(Controller::new(queue.clone(), ctx.clone()).run(reconcile_node, node_error_policy));
    for name in &names {
        queue.add(name.clone());
    }

    let all_running = || names.iter().all(|n| status(&store, n).phase == NodePhase::Running);
    devnet_e2e::wait_for("every node Running", Duration::from_secs(30), || {
        Ok(all_running().then_some(()))
    })
    .unwrap();
    net.wait_status(0, "height 3", Duration::from_secs(60), |s| s.height >= 3)
        .unwrap();

    // The daemon goes away, leaving the nodes running; a new one adopts them, starting nothing.
    queue.close();
    run.await.unwrap();
    ctx.detach_all();
    let before: Vec<Option<u32>> = names.iter().map(|n| status(&store, n).pid).collect();
    let queue = WorkQueue::new();
    let ctx = Arc::new(NodeContext::new(store.clone(), policy.clone()));
    let run = tokio::spawn(Controller::new(queue.clone(), ctx.clone()).run(reconcile_node, node_error_policy));
    for name in &names {
        queue.add(name.clone());
    }
    devnet_e2e::wait_for("every node adopted", Duration::from_secs(30), || {
        let adopted = store.events(0, 1000)?.iter().filter(|e| e.reason == "Adopted").count();
        Ok((adopted == names.len()).then_some(()))
    })
    .unwrap();
    let after: Vec<Option<u32>> = names.iter().map(|n| status(&store, n).pid).collect();
    assert_eq!(before, after, "a node was started again instead of adopted");
    net.wait_status(0, "blocks after the daemon restart", Duration::from_secs(30), |s| {
        s.height >= 4
    })
    .unwrap();

    // SIGKILL one validator, as a crash would: the controller restarts it and it catches up.
    let victim = "hub/validator-3";
    let pid = status(&store, victim).pid.unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    devnet_e2e::wait_for("validator-3 restarted", Duration::from_secs(30), || {
        let s = status(&store, victim);
        Ok((s.restarts == 1 && s.phase == NodePhase::Running && s.pid != Some(pid)).then_some(()))
    })
    .unwrap();
    let h0 = net
        .wait_status(0, "progress", Duration::from_secs(30), |s| s.height >= 3)
        .unwrap()
        .height;
    net.wait_status(3, "validator-3 caught up", Duration::from_secs(60), |s| {
        s.height >= h0 + 2 && !s.catching_up
    })
    .unwrap();
    let reasons: Vec<String> = store
        .events(0, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.object == victim)
        .map(|e| e.reason)
        .collect();
    assert_eq!(reasons, ["Started", "Adopted", "Crashed", "Restarted"]);

    // Stop every node through its spec: nothing of the network is left.
    let pids: Vec<u32> = names.iter().map(|n| status(&store, n).pid.unwrap()).collect();
    for name in &names {
        let mut node: Node = store.get(name).unwrap().unwrap();
        node.spec.running = false;
        store.write(|tx| tx.update(node)).unwrap();
        queue.add(name.clone());
    }
    devnet_e2e::wait_for("every node Stopped", Duration::from_secs(60), || {
        Ok(names
            .iter()
            .all(|n| status(&store, n).phase == NodePhase::Stopped)
            .then_some(()))
    })
    .unwrap();
    queue.close();
    run.await.unwrap();
    for slot in &net.nodes {
        for p in &slot.ports {
            assert!(!is_listening(p.port), "{} port {} still bound", slot.name, p.name);
        }
    }
    for pid in pids {
        assert!(group_members(pid).is_empty(), "processes of group {pid} are left");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_that_keeps_failing_should_end_failed_with_its_last_log_line() {
    let simd = binary("simd", "v0.50");
    let net = PluginDevnet::genesis("cosmos", &simd, spec("v0.50.15", 1, 0, &[]))
        .await
        .unwrap();
    // The node's shared genesis is gone: simd exits at once, every time.
    std::fs::remove_file(net.dir().join("genesis.json")).unwrap();
    let store = Arc::new(Store::open(&net.root.path().join("state.redb")).unwrap());
    let mut plugin = net.plugin;
    let slot = net.nodes[0].clone();
    let start = plugin.start_command(&net.spec, &slot).await.unwrap();
    let net = PluginDevnet { plugin, ..net };
    let node = node_of(&net, &slot, start);
    let name = node.meta.name.clone();
    store.write(|tx| tx.create(node)).unwrap();

    let queue = WorkQueue::new();
    let policy = RestartPolicy {
        limit: 2,
        initial_backoff: Duration::from_millis(100),
        ..RestartPolicy::default()
    };
    let ctx = Arc::new(NodeContext::new(store.clone(), policy));
    let run = tokio::spawn(Controller::new(queue.clone(), ctx).run(reconcile_node, node_error_policy));
    queue.add(name.clone());
    let failed = devnet_e2e::wait_for("the node to be Failed", Duration::from_secs(60), || {
        let s = status(&store, &name);
        Ok((s.phase == NodePhase::Failed).then_some(s))
    })
    .unwrap();
    assert!(failed.message.contains("3 times in a row"), "{}", failed.message);
    assert!(failed.message.contains("its log says: panic:"), "{}", failed.message);
    assert!(
        failed.message.contains("genesis"),
        "the reason should carry simd's own complaint: {}",
        failed.message
    );
    // Given up on: no further start while the spec stays the same.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let starts = store
        .events(0, 1000)
        .unwrap()
        .iter()
        .filter(|e| e.reason.ends_with("tarted"))
        .count();
    assert_eq!(starts, 3, "a first start and two restarts");
    queue.close();
    run.await.unwrap();
}
