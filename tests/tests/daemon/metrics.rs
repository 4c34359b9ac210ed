//! `/metrics` (`metrics_listen`): scraped while a real simd devnet runs and takes a transfer,
//! the values move (height, reconciles, plugin calls, store writes, the transaction counted
//! submitted and confirmed), and the text passes Prometheus' own `promtool check metrics`.

use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::wait_for;

/// The value of the sample `name{labels}` (labels as written, e.g. `{devnet="hub"}`).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
}

fn scrape(port: u16) -> String {
    ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
        .call()
        .unwrap()
        .into_string()
        .unwrap()
}

/// `promtool check metrics` on `text`: its complaints, if any.
fn promtool(text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("promtool ({e}): install Debian's prometheus package (apt-get install prometheus)"));
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn metrics_should_move_while_a_devnet_runs_and_pass_promtool() {
    let port = devnet_e2e::ports::free_ports(1)[0];
    let listen = format!("127.0.0.1:{port}");
    let mut d = Daemon::home_only();
    d.serve_with(&[("DEVNET_METRICS_LISTEN", &listen)]);
    d.deploy_cosmos("hub", "v0.50", 1, &[]);
    let node = r#"{devnet="hub",node="hub/validator-0"}"#;
    let first = scrape(port);
    let height = sample(&first, &format!("devnet_node_height{node}")).expect("a height");
    assert_eq!(
        sample(
            &first,
            r#"devnet_node_phase{devnet="hub",node="hub/validator-0",phase="Running"}"#
        ),
        Some(1.0),
        "{first}"
    );
    for controller in ["devnet", "node", "health", "tx", "upgrade", "export"] {
        let depth = format!(r#"devnet_controller_queue_depth{{controller="{controller}"}}"#);
        assert!(sample(&first, &depth).is_some(), "{depth} missing: {first}");
    }

    // A transfer: counted submitted, then confirmed with its latency.
    let bob = "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu";
    let run = d.dvb_ok(&[
        "tx",
        "submit",
        "hub",
        "--from",
        "validator-0",
        "--to",
        bob,
        "--amount",
        "5stake",
        "-o",
        "json",
    ]);
    assert_eq!(run.json()["status"]["phase"], "Confirmed", "{}", run.stdout);

    // One more than the sender holds: counted failed.
    let run = d.dvb(&[
        "tx",
        "submit",
        "hub",
        "--from",
        "validator-0",
        "--to",
        bob,
        "--amount",
        "999999999999999999999999stake",
        "-o",
        "json",
    ]);
    assert_eq!(
        run.json()["status"]["phase"],
        "Failed",
        "{}\n{}",
        run.stdout,
        run.stderr
    );

    let hub = r#"{devnet="hub"}"#;
    let later = wait_for("the height to move in /metrics", Duration::from_secs(30), || {
        let text = scrape(port);
        let moved = sample(&text, &format!("devnet_node_height{node}")).is_some_and(|h| h > height);
        Ok(moved.then_some(text))
    })
    .unwrap();
    assert_eq!(
        sample(&later, &format!("devnet_tx_submitted_total{hub}")),
        Some(2.0),
        "{later}"
    );
    assert_eq!(
        sample(&later, &format!("devnet_tx_confirmed_total{hub}")),
        Some(1.0),
        "{later}"
    );
    assert_eq!(
        sample(&later, &format!("devnet_tx_confirmation_duration_seconds_count{hub}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&later, &format!("devnet_tx_failed_total{hub}")),
        Some(1.0),
        "{later}"
    );
    // A handful of reconciles per transaction (send, a few polls for its block), not the
    // hundreds a controller woken by its own notes makes.
    let tx_reconciles = sample(&later, r#"devnet_controller_reconciles_total{controller="tx"}"#).unwrap();
    assert!(tx_reconciles <= 60.0, "{tx_reconciles} reconciles for two transactions");
    let grew = |series: &str| {
        let (a, b) = (
            sample(&first, series).unwrap_or(0.0),
            sample(&later, series).unwrap_or(0.0),
        );
        assert!(b > a, "{series}: {a} then {b}");
    };
    grew(r#"devnet_controller_reconciles_total{controller="health"}"#);
    grew(r#"devnet_plugin_calls_total{plugin="cosmos",export="node.status"}"#);
    grew("devnet_store_write_duration_seconds_count");
    assert!(
        sample(
            &later,
            r#"devnet_plugin_calls_total{plugin="cosmos",export="tx.tx-builder.build"}"#
        ) >= Some(1.0)
    );

    // The format is Prometheus' own: its checker finds nothing to say.
    promtool(&later).unwrap_or_else(|e| panic!("promtool check metrics: {e}\n{later}"));

    // Only /metrics is served.
    let other = ureq::get(&format!("http://127.0.0.1:{port}/")).call();
    assert!(matches!(other, Err(ureq::Error::Status(404, _))), "{other:?}");
}
