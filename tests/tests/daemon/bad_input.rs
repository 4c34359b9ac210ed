//! Bad input to devnetd gets a clear error that says what is wrong, and changes nothing: no
//! devnet stored, no event logged, no file written, no process started.

use devnet_e2e::daemon::Daemon;

/// What must not change: the devnets, the event log, the devnets' files, the node processes.
fn snapshot(d: &Daemon) -> (String, String, Vec<String>, usize) {
    // What a request could change: each devnet's name, generation and spec (its status moves
    // with every block).
    let listed = d.dvb_ok(&["list", "-o", "json"]).json();
    let devnets = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("{} {} {}", v["meta"]["name"], v["meta"]["generation"], v["spec"]))
        .collect::<Vec<_>>()
        .join("\n");
    let events = d.dvb_ok(&["events", "-o", "json", "-n", "10000"]).stdout;
    let mut files: Vec<String> = std::fs::read_dir(d.path().join("devnets"))
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    (devnets, events, files, d.node_processes().len())
}

fn refused(d: &Daemon, args: &[&str], says: &[&str]) {
    let before = snapshot(d);
    let run = d.dvb(args);
    assert!(!run.ok, "dvb {} should fail", args.join(" "));
    for s in says {
        assert!(
            run.stderr.contains(s),
            "dvb {}: error lacks {s:?}:\n{}",
            args.join(" "),
            run.stderr
        );
    }
    assert_eq!(snapshot(d), before, "dvb {} changed something", args.join(" "));
}

fn deploy<'a>(name: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "deploy",
        "--name",
        name,
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--no-wait",
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn bad_requests_should_be_refused_with_the_reason_and_change_nothing() {
    let d = Daemon::start();
    refused(
        &d,
        &["deploy", "--name", "x", "--network", "solana", "--no-wait"],
        &["unknown network \"solana\"", "available: commonware, cosmos"],
    );
    refused(
        &d,
        &deploy("x", &["--validators", "0"]),
        &["0 validators", "--validators 1"],
    );
    refused(
        &d,
        &[
            "deploy",
            "--name",
            "x",
            "--network",
            "cosmos",
            "--version",
            "v0.99",
            "--no-wait",
        ],
        &["v0.99", "v0.50.15", "cargo xtask chains"],
    );
    refused(&d, &deploy("Hub!", &[]), &["devnet name", "lowercase"]);
    refused(&d, &deploy("x", &["--set", "block-time"]), &["key=value"]);
    refused(&d, &deploy("x", &["--validators", "100"]), &["at most 64"]);

    // A duplicate name: the first devnet is kept as it was.
    d.dvb_ok(&deploy("hub", &["--validators", "1"]));
    // Settled first, so that the snapshots below see only what a refusal could change, not
    // the devnet's own provisioning.
    devnet_e2e::wait_for("hub running", std::time::Duration::from_secs(60), || {
        let phase = d.status("hub")["devnet"]["status"]["phase"].clone();
        Ok((phase == "Running").then_some(()))
    })
    .unwrap();
    let first = d.dvb_ok(&["status", "hub", "-o", "json"]).json()["devnet"]["meta"].clone();
    refused(
        &d,
        &deploy("hub", &["--validators", "2"]),
        &["\"hub\" already exists", "dvb destroy hub"],
    );
    let after = d.dvb_ok(&["status", "hub", "-o", "json"]).json()["devnet"].clone();
    assert_eq!(after["meta"]["generation"], first["generation"]);
    assert_eq!(after["spec"]["validators"], 1);

    // Bytes that are not a CreateDevnetRequest, straight to the socket.
    let before = snapshot(&d);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        let client = devnet_api::DaemonClient::connect(&d.path().join("devnetd.sock"))
            .await
            .unwrap();
        let mut grpc = tonic::client::Grpc::new(client.channel());
        grpc.ready().await.unwrap();
        let path = tonic::codegen::http::uri::PathAndQuery::from_static("/devnet.v1.DevnetService/Create");
        grpc.unary(tonic::Request::new(vec![0xff_u8; 16]), path, devnet_e2e::fuzz_grpc::Raw)
            .await
            .unwrap_err()
    });
    assert!(status.message().contains("decode"), "{status:?}");
    assert_eq!(snapshot(&d), before, "a corrupt request changed something");
    // The daemon is still there.
    d.dvb_ok(&["daemon", "status"]);
}
