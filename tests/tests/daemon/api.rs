//! devnetd's gRPC API as a client program sees it: the socket and the home are private to their
//! owner; `Watch` sends the current state and then each change as it happens; `StreamLogs`
//! follows a node's log; the standard health and reflection services answer; a client and a
//! daemon of different API versions are told apart on connect.

use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use devnet_api::DaemonClient;
use devnet_api::pb::watch_event::Object;
use devnet_e2e::daemon::Daemon;
use tokio_stream::StreamExt as _;

#[tokio::test(flavor = "multi_thread")]
async fn the_api_should_stream_changes_and_logs_and_serve_health_and_reflection() {
    let d = tokio::task::spawn_blocking(Daemon::start).await.unwrap();
    let socket = d.path().join("devnetd.sock");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&socket), 0o600, "the socket is private to its owner");
    assert_eq!(mode(d.path()), 0o700, "the home is private to its owner");

    let client = DaemonClient::connect(&socket).await.unwrap();
    let mut watch = client.watch("").await.unwrap();
    let spec = devnet_core::DevnetSpec {
        network: "cosmos".into(),
        version: "v0.50".into(),
        binary: String::new(),
        chain_id: String::new(),
        validators: 1,
        full_nodes: 0,
        accounts: vec![],
        overrides: vec![("block-time".into(), "1s".into())],
        runtime: devnet_core::RuntimeKind::Local,
        running: true,
    };
    client.create("w", &spec).await.unwrap();

    // The watch sees the devnet go through its phases, and its node appear and run.
    let mut phases: Vec<String> = Vec::new();
    let mut node_running = false;
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(e) = watch.next().await {
            match e.unwrap().object {
                Some(Object::Devnet(dv)) => {
                    let st = dv.status.unwrap_or_default();
                    if phases.last() != Some(&st.phase) {
                        phases.push(st.phase.clone());
                    }
                    if st.phase == "Running" && node_running {
                        break;
                    }
                }
                Some(Object::Node(n)) => node_running |= n.status.unwrap_or_default().phase == "Running",
                None => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no Running through Watch; phases seen: {phases:?}"));
    for want in ["Provisioning", "Starting", "Running"] {
        assert!(
            phases.iter().any(|p| p == want),
            "Watch never showed {want}: {phases:?}"
        );
    }

    // StreamLogs with follow: lines the node writes after we asked arrive.
    let mut logs = client.logs("w/validator-0", 0, true).await.unwrap();
    let text = tokio::time::timeout(Duration::from_secs(30), async {
        let mut text = String::new();
        while let Some(chunk) = logs.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap().data));
            if text.contains("committed state") {
                break;
            }
        }
        text
    })
    .await
    .expect("new log lines through StreamLogs");
    assert!(text.contains("height="), "{text}");
    let missing = client.logs("w/validator-9", 0, false).await;
    assert!(matches!(missing, Err(devnet_api::ApiError::NotFound(m)) if m.contains("w/validator-9")));

    // Standard health service.
    let mut health = tonic_health::pb::health_client::HealthClient::new(client.channel());
    let r = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "devnet.v1.DevnetService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    // Reflection lists our services.
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let mut reflection = ServerReflectionClient::new(client.channel());
    let request = tonic_reflection::pb::v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let answer = answers.next().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("not a service list: {answer:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for s in [
        "devnet.v1.DevnetService",
        "devnet.v1.NodeService",
        "devnet.v1.DaemonService",
        "devnet.v1.PluginService",
    ] {
        assert!(names.iter().any(|n| n == s), "{s} not in {names:?}");
    }

    let plugins = client.plugins().await.unwrap();
    assert!(
        plugins.iter().any(|p| p.name == "cosmos" && p.default_binary == "simd"),
        "{plugins:?}"
    );
    client.delete("w").await.unwrap();
    tokio::task::spawn_blocking(move || {
        // dvb plugin list/info through the daemon: the built-in plugins, and
        // no test fixture offered as a network.
        let list: serde_json::Value =
            serde_json::from_str(&d.dvb_ok(&["plugin", "list", "--output", "json"]).stdout).unwrap();
        let names: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(names, ["commonware", "cosmos", "evm", "tempo"], "{list}");
        let info: serde_json::Value =
            serde_json::from_str(&d.dvb_ok(&["plugin", "info", "cosmos", "-o", "json"]).stdout).unwrap();
        assert_eq!(info["family"], "cosmos", "{info}");
        assert_eq!(info["default_binary"], "simd", "{info}");
        let missing = d.dvb(&["plugin", "info", "nope"]);
        assert!(
            !missing.ok && missing.stderr.contains("no plugin named \"nope\""),
            "{}",
            missing.stderr
        );
        drop(d)
    })
    .await
    .unwrap();
}

/// A dvb and a devnetd that speak different API versions say so on connect, naming both and
/// what to do; `dvb daemon status` still shows the daemon. (The daemon's version is set with
/// its test-only `DEVNETD_TEST_API_VERSION`.)
#[test]
fn a_daemon_of_another_api_version_should_be_refused_on_connect_saying_what_to_do() {
    let ours = devnet_api::API_VERSION;
    let major: u64 = ours.split('.').next().unwrap().parse().unwrap();
    let mut d = Daemon::home_only();

    let older = format!("{}.0.0", major.saturating_sub(1));
    d.serve_with(&[("DEVNETD_TEST_API_VERSION", older.as_str())]);
    let run = d.dvb(&["list"]);
    assert!(!run.ok, "a dvb used a daemon of API {older}: {}", run.stdout);
    assert!(
        run.stderr.contains(&format!("serves API {older}"))
            && run.stderr.contains(&format!("this dvb speaks {ours}"))
            && run.stderr.contains("older than this dvb")
            && run.stderr.contains("SIGTERM"),
        "{}",
        run.stderr
    );
    let status = d.dvb_ok(&["daemon", "status", "-o", "json"]).json();
    assert_eq!(status["api_version"], older.as_str(), "{status}");
    assert_eq!(status["api_compatible"], false, "{status}");
    assert!(d.terminate().success());

    let newer = format!("{}.0.0", major + 1);
    d.serve_with(&[("DEVNETD_TEST_API_VERSION", newer.as_str())]);
    let run = d.dvb(&["list"]);
    assert!(
        !run.ok && run.stderr.contains("this dvb is older than the daemon"),
        "{}",
        run.stderr
    );
    assert!(d.terminate().success());

    // The same major with a newer minor: it has every call this dvb makes.
    let minor_ahead = format!("{major}.999.0");
    d.serve_with(&[("DEVNETD_TEST_API_VERSION", minor_ahead.as_str())]);
    d.dvb_ok(&["list"]);
    assert!(d.terminate().success());

    d.serve();
    d.dvb_ok(&["list"]);
    let status = d.dvb_ok(&["daemon", "status", "-o", "json"]).json();
    assert_eq!(status["api_version"], ours, "{status}");
    assert_eq!(status["api_compatible"], true, "{status}");
}
