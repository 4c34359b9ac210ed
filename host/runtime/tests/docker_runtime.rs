//! DockerRuntime against a real engine (the tests' private dockerd) and a real chain node
//! (anvil from the chain cache): image made once per binary, host networking on the node's own
//! port, the log followed into the node's file, files owned by the daemon's user, adoption by
//! label (its own home's containers only), an exit seen, and nothing left after a stop; a devnet
//! network with a fixed address per node and ports published on 127.0.0.1.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use devnet_runtime::docker_image::{IMAGE_BINARY_LABEL, ensure_image};
use devnet_runtime::{Attachment, DockerRuntime, Exit, Handle, LABEL_HOME, Limits, NodeRun, Observed, Runtime};

const GRACE: Duration = Duration::from_secs(10);

/// Removes the containers of a test's daemon home however the test ends.
struct Cleanup {
    host: String,
    home: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let filter = format!("label={LABEL_HOME}={}", self.home);
        let docker = |args: &[&str]| {
            std::process::Command::new("docker")
                .args(["-H", &self.host])
                .args(args)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
        };
        // Containers first: a network in use cannot go.
        for id in docker(&["ps", "-aq", "--filter", &filter]).split_whitespace() {
            docker(&["rm", "-f", id]);
        }
        for id in docker(&["network", "ls", "-q", "--filter", &filter]).split_whitespace() {
            docker(&["network", "rm", id]);
        }
    }
}

fn anvil() -> PathBuf {
    let cache = devnet_binaries::cache_dir();
    let manifest = devnet_binaries::Manifest::load(&cache).unwrap();
    let entry = manifest
        .find("anvil", "1.7", &cache)
        .unwrap_or_else(|e| panic!("{e}; build it with `cargo xtask chains --only anvil@1.7.1`"));
    PathBuf::from(&entry.path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(dir: &Path, port: u16, limits: Limits) -> NodeRun {
    NodeRun {
        name: "rt/validator-0".into(),
        devnet: "rt".into(),
        program: anvil(),
        args: vec![
            "--port".into(),
            port.to_string(),
            "--host".into(),
            "127.0.0.1".into(),
            "--state".into(),
            dir.join("anvil-state.json").display().to_string(),
            "--state-interval".into(),
            "1".into(),
        ],
        env: vec![("DEVNETD_NODE".into(), format!("{}#rt/validator-0", dir.display()))],
        cwd: dir.to_path_buf(),
        log: dir.join("logs/validator-0.log"),
        ports: vec![port],
        limits,
        network: None,
    }
}

/// `eth_blockNumber` over plain HTTP on 127.0.0.1:port.
fn rpc_answers(port: u16) -> bool {
    rpc_answers_at(std::net::Ipv4Addr::LOCALHOST, port)
}

async fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_in_docker_should_run_log_adopt_by_label_exit_and_leave_nothing() {
    let host = devnet_test_fixtures::docker_host();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().display().to_string();
    let _cleanup = Cleanup {
        host: host.clone(),
        home: home.clone(),
    };
    let rt = DockerRuntime::connect(&host, &home, GRACE).await.unwrap();
    let docker = rt.client().clone();

    // The image: made once, tagged by the binary's sha256, labelled with its path; made again
    // it is the same image.
    let program = anvil();
    let tag = ensure_image(&docker, &program).await.unwrap();
    let digest = devnet_binaries::sha256_file(&program).unwrap();
    assert!(tag.ends_with(&format!(":{digest}")), "{tag}");
    let again = Instant::now();
    assert_eq!(ensure_image(&docker, &program).await.unwrap(), tag);
    assert!(again.elapsed() < Duration::from_secs(5), "a made image is reused");
    let image = docker.inspect_image(&tag).await.unwrap();
    let labels = image.config.and_then(|c| c.labels).unwrap_or_default();
    assert_eq!(labels.get(IMAGE_BINARY_LABEL), Some(&program.display().to_string()));

    // Started on host networking: it answers on its own port on 127.0.0.1, logs into the node's
    // file, and writes its state file into the mounted directory as the daemon's user.
    let port = free_port();
    let limits = Limits {
        nano_cpus: Some(1_000_000_000),
        memory_bytes: Some(256 << 20),
    };
    let node = run(dir.path(), port, limits);
    let Handle::Container(id) = rt.start(&node).await.unwrap() else {
        panic!("a container handle")
    };
    wait_for("JSON-RPC on the node's port", Duration::from_secs(30), || {
        rpc_answers(port)
    })
    .await;
    assert_eq!(rt.observe(&node.name).await, Observed::Running);
    wait_for("anvil's banner in the node's log", Duration::from_secs(10), || {
        std::fs::read_to_string(&node.log).is_ok_and(|l| l.contains("Listening on"))
    })
    .await;
    let state = dir.path().join("anvil-state.json");
    wait_for("the state file", Duration::from_secs(10), || state.exists()).await;
    assert_eq!(std::fs::metadata(&state).unwrap().uid(), nix::unistd::getuid().as_raw());
    let inspected = docker.inspect_container(&id, None).await.unwrap();
    let hc = inspected.host_config.unwrap();
    assert_eq!(hc.network_mode.as_deref(), Some("host"));
    assert_eq!(hc.nano_cpus, Some(1_000_000_000));
    assert_eq!(hc.memory, Some(256 << 20));

    // A daemon of another home does not see it; a new daemon of this home adopts exactly it.
    let stranger = DockerRuntime::connect(&host, "/somewhere/else", GRACE).await.unwrap();
    assert_eq!(stranger.adopt(&node, None).await.unwrap(), None);
    rt.detach_all();
    let next = DockerRuntime::connect(&host, &home, GRACE).await.unwrap();
    assert_eq!(
        next.adopt(&node, None).await.unwrap(),
        Some(Handle::Container(id.clone()))
    );
    assert!(next.tracks(&node.name));

    // Killed behind its back: seen as exited (Docker restarts nothing).
    docker
        .kill_container(&id, None::<bollard::query_parameters::KillContainerOptions>)
        .await
        .unwrap();
    let start = Instant::now();
    let exit = loop {
        match next.observe(&node.name).await {
            Observed::Exited { exit, .. } => break exit,
            Observed::Running => assert!(start.elapsed() < Duration::from_secs(10), "the kill is seen"),
            other => panic!("tracked, with an engine that answers, until its exit is seen: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(exit, Exit::Code(137));
    assert!(!next.tracks(&node.name));

    // Started again and stopped: no container of the node is left, running or not.
    next.start(&node).await.unwrap();
    wait_for("JSON-RPC after the restart", Duration::from_secs(30), || {
        rpc_answers(port)
    })
    .await;
    next.stop(&node.name, Duration::from_secs(5)).await.unwrap();
    let filters = std::collections::HashMap::from([("label".to_string(), vec![format!("{LABEL_HOME}={home}")])]);
    let left = docker
        .list_containers(Some(
            bollard::query_parameters::ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert!(!rpc_answers(port), "the port is free again");
}

/// `eth_blockNumber` answered at `host:port`.
fn rpc_answers_at(host: std::net::Ipv4Addr, port: u16) -> bool {
    use std::io::{Read as _, Write as _};
    let addr = std::net::SocketAddr::from((host, port));
    let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#;
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.contains("\"result\"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_devnet_network_should_give_a_node_a_fixed_address_publish_its_port_come_back_and_go_with_the_devnet() {
    let host = devnet_test_fixtures::docker_host();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().display().to_string();
    let _cleanup = Cleanup {
        host: host.clone(),
        home: home.clone(),
    };
    let rt = DockerRuntime::connect(&host, &home, GRACE).await.unwrap();
    let docker = rt.client().clone();

    // The network: a subnet from the engine's pool, fixed; asked for again, the same one.
    let net = rt.ensure_network("rt").await.unwrap();
    assert_eq!(rt.ensure_network("rt").await.unwrap(), net);
    let inspected = docker.inspect_network(&net.name, None).await.unwrap();
    let subnet = inspected
        .ipam
        .and_then(|i| i.config)
        .and_then(|c| c.into_iter().find_map(|c| c.subnet));
    assert_eq!(subnet, Some(format!("{}/{}", net.base, net.prefix)));
    let address = net.node_address(0).unwrap();

    // The node binds every interface of its own namespace, at its fixed address, and its port
    // is published on 127.0.0.1 under the same number.
    let port = free_port();
    let mut node = run(dir.path(), port, Limits::default());
    node.args[3] = "0.0.0.0".into();
    node.network = Some(Attachment {
        network: net.name.clone(),
        subnet: net.subnet(),
        address: address.to_string(),
    });
    let Handle::Container(id) = rt.start(&node).await.unwrap() else {
        panic!("a container handle")
    };
    wait_for("JSON-RPC on 127.0.0.1 (published)", Duration::from_secs(30), || {
        rpc_answers(port)
    })
    .await;
    assert!(
        rpc_answers_at(address, port),
        "the node answers at its own address {address}"
    );
    let c = docker.inspect_container(&id, None).await.unwrap();
    let on = c
        .network_settings
        .and_then(|n| n.networks)
        .and_then(|n| n.get(&net.name).and_then(|e| e.ip_address.clone()));
    assert_eq!(on, Some(address.to_string()));
    // Published on loopback only, never on the machine's other interfaces.
    let bindings = c.host_config.and_then(|h| h.port_bindings).unwrap_or_default();
    let hosts: Vec<Option<String>> = bindings
        .get(&format!("{port}/tcp"))
        .cloned()
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .map(|b| b.host_ip)
        .collect();
    assert_eq!(hosts, [Some("127.0.0.1".to_string())]);

    // The network removed behind the daemon's back while the node was stopped (`docker network
    // prune`): the next start makes it again with the same subnet, the node at the same address.
    rt.stop(&node.name, Duration::from_secs(5)).await.unwrap();
    docker.remove_network(&net.name).await.unwrap();
    rt.start(&node).await.unwrap();
    wait_for("JSON-RPC at the same address", Duration::from_secs(30), || {
        rpc_answers_at(address, port)
    })
    .await;

    // A network of this home's devnet left half-made (no fixed subnet: a crash between the two
    // steps) is made again, fixed.
    let half = rt.network_name("half");
    docker
        .create_network(bollard::models::NetworkCreateRequest {
            name: half.clone(),
            labels: Some(std::collections::HashMap::from([
                (LABEL_HOME.to_string(), home.clone()),
                (devnet_runtime::LABEL_DEVNET.to_string(), "half".to_string()),
            ])),
            ..Default::default()
        })
        .await
        .unwrap();
    let fixed = rt.ensure_network("half").await.unwrap();
    assert_eq!(fixed.name, half);
    assert_eq!(
        rt.ensure_network("half").await.unwrap(),
        fixed,
        "fixed now: kept as it is"
    );
    rt.release_devnet("half").await.unwrap();

    // Stopped, and the devnet released: no container and no network of it are left.
    rt.stop(&node.name, Duration::from_secs(5)).await.unwrap();
    rt.release_devnet("rt").await.unwrap();
    let gone = docker.inspect_network(&net.name, None).await;
    assert!(gone.is_err(), "the network goes with the devnet: {gone:?}");
    assert!(!rpc_answers(port), "the published port is free again");
}

#[tokio::test]
async fn an_engine_that_does_not_answer_should_be_named_with_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    let host = format!("unix://{}/none.sock", dir.path().display());
    let Err(e) = DockerRuntime::connect(&host, "/h", GRACE).await else {
        panic!("no engine there")
    };
    let text = e.to_string();
    assert!(text.contains(&host) && text.contains("docker_host"), "{text}");
    let Err(e) = DockerRuntime::connect("ssh://box", "/h", GRACE).await else {
        panic!("an address it cannot use")
    };
    assert!(e.to_string().contains("unix:///"), "{e}");
}
