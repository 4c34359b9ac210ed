//! Nodes as Docker containers (`dvb deploy … --runtime docker`), in the tests' private engine,
//! on real chains: a 4-validator + 1 full-node simd devnet makes blocks, a `docker kill`ed
//! validator is restarted by the daemon's policy and catches up, a `kill -9`ed devnetd's
//! successor adopts every container (none duplicated), stop/start/destroy leave no container,
//! port or file; a process devnet and an EVM devnet in Docker in one daemon; the v0.50 → v0.53
//! upgrade into containers of the new image; a daemon killed between a container's start and its
//! record; an engine that stops and returns; a node over its memory limit; bad input refused.

use std::time::Duration;

use devnet_e2e::daemon::{Daemon, all_ports, heights, node, nodes, port};
use devnet_e2e::docker;
use devnet_e2e::ports::is_listening;
use devnet_e2e::{rpc, wait_for};
use serde_json::{Value, json};

/// Every node's recorded container, sorted.
fn recorded_containers(status: &Value) -> Vec<String> {
    let mut ids: Vec<String> = nodes(status)
        .iter()
        .filter_map(|n| n["status"]["container"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn a_cosmos_devnet_in_docker_should_heal_be_adopted_and_leave_nothing_behind() {
    let mut d = Daemon::start_with_docker();
    let host = d.docker_host().to_string();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "hub",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "4",
        "--full-nodes",
        "1",
        "--runtime",
        "docker",
        "--set",
        "block-time=1s",
        "--set",
        "docker.memory=1g",
    ]);
    let s = wait_for(
        "5 nodes at height >= 3 within 2 blocks",
        Duration::from_secs(90),
        || {
            let s = d.status("hub");
            let h = heights(&s);
            let ok =
                h.len() == 5 && h.iter().all(|x| *x >= 3) && h.iter().max().unwrap() - h.iter().min().unwrap() <= 2;
            Ok(ok.then_some(s))
        },
    )
    .unwrap();
    assert_eq!(s["devnet"]["status"]["phase"], "Running", "{s}");

    // One container per node, each recorded on its node, of the simd binary's image, limited as
    // asked; no node is a process of the daemon's.
    let ids = recorded_containers(&s);
    assert_eq!(ids.len(), 5, "{s}");
    assert_eq!(sorted(d.containers()), ids);
    let program = node(&s, "hub/validator-0")["spec"]["command"]["program"]
        .as_str()
        .unwrap()
        .to_string();
    let digest = devnet_binaries::sha256_file(std::path::Path::new(&program)).unwrap();
    let image = docker::image_of(&host, &ids[0]);
    assert!(
        image.starts_with("devnet-builder/simd-") && image.ends_with(&digest),
        "{image}"
    );
    let memory = docker::cli_ok(&host, &["inspect", "--format", "{{.HostConfig.Memory}}", &ids[0]]);
    assert_eq!(memory.trim(), (1u64 << 30).to_string());
    assert!(node(&s, "hub/validator-0")["status"]["pid"].is_null(), "{s}");
    // The node's output reaches its log file, so `dvb nodes logs` reads it as for a process.
    let logs = d.dvb_ok(&["nodes", "logs", "hub/validator-0", "--lines", "50"]).stdout;
    assert!(
        logs.contains("committed state") || logs.contains("finalizing commit"),
        "{logs}"
    );
    // And `-f` follows what the container writes from then on.
    let mut follow = std::process::Command::new(devnet_e2e::daemon::binary("dvb"))
        .args(["--home", &d.path().display().to_string()])
        .args(["nodes", "logs", "hub/validator-0", "-f", "--lines", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    follow.kill().unwrap();
    let followed = String::from_utf8_lossy(&follow.wait_with_output().unwrap().stdout).into_owned();
    assert!(
        followed.contains("committed state") || followed.contains("finalizing commit"),
        "{followed}"
    );
    // The files the nodes write are the daemon user's.
    let data = d.path().join("devnets/hub/chain/nodes/validator-0/data");
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&data).unwrap());
    assert_eq!(owner, nix::unistd::getuid().as_raw());

    // `docker kill` of a validator's container: the daemon's policy restarts it (a new
    // container), and it catches up.
    let victim = "hub/validator-2";
    let old = node(&s, victim)["status"]["container"].as_str().unwrap().to_string();
    docker::cli_ok(&host, &["kill", &old]);
    let killed_at = heights(&s).into_iter().max().unwrap();
    wait_for(
        "the killed validator restarted and caught up",
        Duration::from_secs(90),
        || {
            let s = d.status("hub");
            let v = node(&s, victim);
            let others = heights(&s).into_iter().max().unwrap_or(0);
            let h = v["status"]["height"].as_u64().unwrap_or(0);
            let ok = v["status"]["container"].as_str().is_some_and(|c| c != old)
                && v["status"]["restarts"].as_u64() >= Some(1)
                && h > killed_at + 1
                && others - h <= 1;
            Ok(ok.then_some(()))
        },
    )
    .unwrap();
    let events = d.dvb_ok(&["events", "--devnet", victim, "-o", "json"]).stdout;
    assert!(
        events.contains("\"Crashed\"") && events.contains("\"Restarted\""),
        "{events}"
    );
    assert_eq!(
        d.containers().len(),
        5,
        "the killed container was replaced, not added to"
    );

    // kill -9 of devnetd: the containers run on; the next daemon adopts each of them.
    let before = recorded_containers(&d.status("hub"));
    d.kill9();
    std::thread::sleep(Duration::from_secs(2));
    d.serve();
    let s = wait_for("every node adopted and Running", Duration::from_secs(60), || {
        let s = d.status("hub");
        let ok =
            nodes(&s).iter().all(|n| n["status"]["phase"] == "Running") && s["devnet"]["status"]["phase"] == "Running";
        Ok(ok.then_some(s))
    })
    .unwrap();
    assert_eq!(recorded_containers(&s), before, "the same containers, adopted");
    assert_eq!(sorted(d.containers()), before, "none duplicated");
    // Every node adopted by the new daemon (not merely still recorded from the old one).
    wait_for("5 Adopted events", Duration::from_secs(30), || {
        let events = d.dvb_ok(&["events", "-o", "json"]).stdout;
        Ok((events.matches("\"Adopted\"").count() == 5).then_some(()))
    })
    .unwrap();

    // Stop: no container, running or not; no bound port; the files stay.
    let ports = all_ports(&s);
    d.dvb_ok(&["stop", "hub"]);
    assert_eq!(d.containers(), Vec::<String>::new());
    for p in &ports {
        assert!(!is_listening(*p), "port {p} still bound after stop");
    }
    let stopped_at = d.status("hub")["devnet"]["status"]["height"].as_u64().unwrap();
    assert!(d.path().join("devnets/hub/chain/genesis.json").exists());

    // Start: five containers again, the chain going on.
    d.dvb_ok(&["start", "hub"]);
    let s = d.status("hub");
    assert_eq!(s["devnet"]["status"]["phase"], "Running", "{s}");
    assert!(s["devnet"]["status"]["height"].as_u64().unwrap() > stopped_at);
    assert_eq!(d.containers().len(), 5);

    // Destroy: no container, port or file.
    d.dvb_ok(&["destroy", "hub"]);
    assert_eq!(d.containers(), Vec::<String>::new());
    for p in &ports {
        assert!(!is_listening(*p), "port {p} still bound after destroy");
    }
    assert!(!d.path().join("devnets/hub").exists());
}

#[test]
fn a_process_devnet_and_an_evm_devnet_in_docker_should_run_side_by_side() {
    let d = Daemon::start_with_docker();
    d.deploy_cosmos("hub", "v0.50", 1, &[]);
    d.dvb_ok(&[
        "deploy",
        "--name",
        "eth",
        "--network",
        "evm",
        "--set",
        "client=anvil",
        "--runtime",
        "docker",
        "--set",
        "docker.cpus=1",
    ]);
    let hub = d.status("hub");
    let eth = d.status("eth");
    assert_eq!(hub["devnet"]["spec"]["runtime"], "Local", "{hub}");
    assert_eq!(eth["devnet"]["spec"]["runtime"], "Docker", "{eth}");
    assert!(node(&hub, "hub/validator-0")["status"]["pid"].is_u64(), "{hub}");
    let containers = d.containers();
    assert_eq!(containers.len(), 1, "only the EVM node is a container");
    assert_eq!(recorded_containers(&eth), containers);
    let cpus = docker::cli_ok(
        &host_of(&d),
        &["inspect", "--format", "{{.HostConfig.NanoCpus}}", &containers[0]],
    );
    assert_eq!(cpus.trim(), "1000000000");

    // The node in Docker answers on its own port and takes a transfer through dvb.
    let http = port(&nodes(&eth)[0], "http");
    assert_eq!(rpc::eth_call_str(http, "eth_chainId", json!([])).unwrap(), "0x7a69");
    let bob = "0x00000000000000000000000000000000000b0b0b";
    let run = d.dvb(&[
        "tx",
        "submit",
        "eth",
        "--type",
        "evm-transfer",
        "--from",
        "validator-0",
        "--to",
        bob,
        "--amount",
        "1ether",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["status"]["phase"], "Confirmed", "{}", run.stdout);
    let balance = rpc::eth_call_str(http, "eth_getBalance", json!([bob, "latest"])).unwrap();
    assert_eq!(balance, format!("{:#x}", 10u128.pow(18)));

    // Its limits are the runtime's, fixed at deploy: an upgrade that sets one is refused.
    let run = d.dvb(&[
        "upgrade",
        "create",
        "eth",
        "--name",
        "more-cpus",
        "--no-gov",
        "--set",
        "docker.cpus=2",
    ]);
    assert!(!run.ok && run.stderr.contains("fixed at deploy"), "{}", run.stderr);

    // Both keep making blocks; destroying the Docker one leaves the process one running.
    let hub_height = d.status("hub")["devnet"]["status"]["height"].as_u64().unwrap();
    d.dvb_ok(&["destroy", "eth"]);
    assert_eq!(d.containers(), Vec::<String>::new());
    wait_for("hub still making blocks", Duration::from_secs(30), || {
        let h = d.status("hub")["devnet"]["status"]["height"].as_u64().unwrap_or(0);
        Ok((h > hub_height).then_some(()))
    })
    .unwrap();
}

fn host_of(d: &Daemon) -> String {
    d.docker_host().to_string()
}

#[test]
fn docker_bad_input_should_be_refused_with_the_fix_and_change_nothing() {
    // No engine where the daemon looks: the deploy says where it looked and how to start one.
    let mut d = Daemon::home_only();
    let nowhere = format!("unix://{}/no-docker.sock", d.path().display());
    d.serve_with(&[("DEVNET_DOCKER_HOST", &nowhere)]);
    let run = d.dvb(&[
        "deploy",
        "--name",
        "eth",
        "--network",
        "evm",
        "--set",
        "client=anvil",
        "--runtime",
        "docker",
    ]);
    assert!(!run.ok);
    assert!(
        run.stderr.contains(&nowhere) && run.stderr.contains("docker_host"),
        "{}",
        run.stderr
    );
    assert_eq!(d.dvb_ok(&["list", "-o", "json"]).json(), json!([]));

    // A docker.* setting without --runtime docker, an unknown one, a malformed limit.
    for (args, says) in [
        (vec!["--set", "docker.cpus=1"], "--runtime docker"),
        (vec!["--runtime", "docker", "--set", "docker.gpus=1"], "docker.cpus"),
        (vec!["--runtime", "docker", "--set", "docker.memory=lots"], "512m"),
    ] {
        let mut all = vec!["deploy", "--name", "eth", "--network", "evm", "--set", "client=anvil"];
        all.extend(args.iter().copied());
        let run = d.dvb(&all);
        assert!(!run.ok && run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
    assert_eq!(d.dvb_ok(&["list", "-o", "json"]).json(), json!([]));
    assert!(!d.path().join("devnets/eth").exists());
}

#[test]
fn a_v050_devnet_in_docker_should_upgrade_to_v053_in_containers_of_the_new_image() {
    let d = Daemon::start_with_docker();
    let host = d.docker_host().to_string();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "hub",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "4",
        "--runtime",
        "docker",
        "--set",
        "block-time=300ms",
        "--set",
        "gov.voting-period=6s",
    ]);
    let s = d.status("hub");
    let old_images: Vec<String> = recorded_containers(&s)
        .iter()
        .map(|c| docker::image_of(&host, c))
        .collect();
    assert_eq!(old_images.len(), 4);
    assert!(old_images.iter().all(|i| i == &old_images[0]), "{old_images:?}");
    let height = s["devnet"]["status"]["height"].as_u64().unwrap();

    let run = d.upgrade_to_v053("hub", height + 40, &["-o", "json"]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let up = run.json();
    assert_eq!(up["status"]["phase"], "Completed", "{up}");
    assert!(
        up["status"]["detected_version"].as_str().unwrap().starts_with("v0.53."),
        "{up}"
    );

    // The switch started containers of the v0.53 binary's image: four, one per node, and no
    // container of the old image is left.
    let s = d.status("hub");
    let program = node(&s, "hub/validator-0")["spec"]["command"]["program"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(program.contains("v0.53"), "{program}");
    let digest = devnet_binaries::sha256_file(std::path::Path::new(&program)).unwrap();
    let ids = recorded_containers(&s);
    assert_eq!(sorted(d.containers()), ids);
    assert_eq!(ids.len(), 4);
    for id in &ids {
        let image = docker::image_of(&host, id);
        assert!(image.ends_with(&digest) && image != old_images[0], "{image}");
    }
    let after = s["devnet"]["status"]["height"].as_u64().unwrap();
    wait_for("blocks after the upgrade", Duration::from_secs(30), || {
        let h = d.status("hub")["devnet"]["status"]["height"].as_u64().unwrap_or(0);
        Ok((h > after + 2).then_some(()))
    })
    .unwrap();
}

#[test]
fn a_daemon_killed_between_a_containers_start_and_its_record_should_adopt_it_not_start_another() {
    // devnetd pauses right after the first container starts, before the store knows it, and
    // dies there.
    let mut d = Daemon::home_only();
    d.set_docker();
    d.serve_with(&[("DEVNETD_TEST_PAUSE_AT", "node-started")]);
    d.dvb_ok(&[
        "deploy",
        "--name",
        "hub",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "3",
        "--runtime",
        "docker",
        "--set",
        "block-time=1s",
        "--no-wait",
    ]);
    wait_for("the pause point", Duration::from_secs(60), || {
        Ok(d.daemon_log()
            .contains("test pause point node-started reached")
            .then_some(()))
    })
    .unwrap();
    d.kill9();
    // The running ones: another node's container may have been made and not yet started at the
    // kill, and one never started is removed on adoption (its node starts anew), not adopted.
    let filter = format!("label=dev.devnet-builder.home={}", d.path().display());
    let unrecorded: Vec<String> = docker::cli_ok(d.docker_host(), &["ps", "-q", "--no-trunc", "--filter", &filter])
        .lines()
        .map(str::to_string)
        .collect();
    assert!(!unrecorded.is_empty(), "a container was started before the kill");

    // The next daemon finds the unrecorded container by its labels and adopts it: three nodes,
    // three containers, each recorded; none started twice.
    d.serve();
    let s = wait_for("hub Running past height 2", Duration::from_secs(90), || {
        let s = d.status("hub");
        let ok = s["devnet"]["status"]["phase"] == "Running" && s["devnet"]["status"]["height"].as_u64() >= Some(2);
        Ok(ok.then_some(s))
    })
    .unwrap();
    let recorded = recorded_containers(&s);
    assert_eq!(recorded.len(), 3, "{s}");
    assert_eq!(sorted(d.containers()), recorded, "no duplicate, no orphan");
    for id in &unrecorded {
        assert!(
            recorded.contains(id),
            "the container started before the kill was adopted: {id}"
        );
    }
    let events = d.dvb_ok(&["events", "-o", "json"]).stdout;
    assert!(events.contains("\"Adopted\""), "{events}");
    d.dvb_ok(&["destroy", "hub"]);
    assert_eq!(d.containers(), Vec::<String>::new());
}

#[test]
fn a_devnet_whose_docker_engine_stops_should_say_so_and_recover_when_it_returns() {
    let engine = docker::PrivateEngine::start("outage", 1);
    let mut d = Daemon::home_only();
    d.set_docker_host(&engine.host);
    d.serve();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "eth",
        "--network",
        "evm",
        "--set",
        "client=anvil",
        "--set",
        "block-time=1s",
        "--runtime",
        "docker",
    ]);
    let before = recorded_containers(&d.status("eth"));
    assert_eq!(before.len(), 1);

    // The engine goes away (its containers with it): the node is Unknown and the devnet
    // Degraded, both saying which engine does not answer.
    engine.stop();
    let s = wait_for("the devnet Degraded for its engine", Duration::from_secs(30), || {
        let s = d.status("eth");
        let ok =
            s["devnet"]["status"]["phase"] == "Degraded" && node(&s, "eth/validator-0")["status"]["phase"] == "Unknown";
        Ok(ok.then_some(s))
    })
    .unwrap();
    let message = s["devnet"]["status"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&engine.host) && message.contains("does not answer"),
        "{message}"
    );

    // It returns: the node runs again (a new container; the old one stopped with the engine)
    // and the chain goes on.
    engine.restart();
    let s = wait_for("the devnet Running again", Duration::from_secs(60), || {
        let s = d.status("eth");
        let ok =
            s["devnet"]["status"]["phase"] == "Running" && node(&s, "eth/validator-0")["status"]["phase"] == "Running";
        Ok(ok.then_some(s))
    })
    .unwrap();
    let height = s["devnet"]["status"]["height"].as_u64().unwrap();
    wait_for("blocks after the engine's return", Duration::from_secs(30), || {
        let h = d.status("eth")["devnet"]["status"]["height"].as_u64().unwrap_or(0);
        Ok((h > height).then_some(()))
    })
    .unwrap();
    let events = d
        .dvb_ok(&["events", "--devnet", "eth/validator-0", "-o", "json"])
        .stdout;
    assert!(events.contains("\"Unreachable\""), "{events}");
    assert_eq!(d.containers().len(), 1, "one container, not a second beside the first");

    d.dvb_ok(&["destroy", "eth"]);
    assert_eq!(d.containers(), Vec::<String>::new());
}

#[test]
fn a_node_killed_for_its_memory_limit_should_end_failed_saying_so() {
    let mut d = Daemon::home_only();
    d.set_docker();
    d.serve_with(&[("DEVNET_RESTART_LIMIT", "1"), ("DEVNET_RESTART_BACKOFF_MS", "200")]);
    // simd needs far more than 16 MB: the engine kills it at its start, every time.
    let run = d.dvb(&[
        "deploy",
        "--name",
        "hub",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--runtime",
        "docker",
        "--set",
        "docker.memory=16m",
        "--timeout",
        "60",
    ]);
    assert!(!run.ok, "{}", run.stdout);
    assert!(
        run.stderr.contains("out of memory") && run.stderr.contains("docker.memory"),
        "{}",
        run.stderr
    );
    let s = d.status("hub");
    assert_eq!(node(&s, "hub/validator-0")["status"]["phase"], "Failed", "{s}");
    d.dvb_ok(&["destroy", "hub"]);
    assert_eq!(d.containers(), Vec::<String>::new());
}
