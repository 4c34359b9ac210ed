//! A small seeded sample of `cargo bench --bench fuzz_grpc` in the default suite: random and
//! hostile requests to every method of the API on a live daemon; each answered or refused with
//! a code that names the mistake and a message, the daemon serving throughout, and no devnet or
//! plugin made or lost. `DEVNET_SEED` replays a run, `DEVNET_FUZZ_CASES` sets the cases per
//! method (default 3 here).

use devnet_e2e::daemon::Daemon;
use devnet_e2e::fuzz_grpc::fuzz;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn random_requests_to_every_method_should_be_answered_or_refused_clearly() {
    let d = Daemon::start();
    let seed = env_or("DEVNET_SEED", 18);
    let cases = env_or("DEVNET_FUZZ_CASES", 3) as usize;
    let state = || {
        (
            d.dvb_ok(&["list", "-o", "json"]).stdout,
            d.dvb_ok(&["plugin", "list", "-o", "json"]).stdout,
        )
    };
    let before = state();
    let report = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = devnet_api::DaemonClient::connect(&d.path().join(devnet_api::SOCKET_FILE))
            .await
            .unwrap();
        fuzz(&client.channel(), seed, cases).await.unwrap()
    });
    eprintln!(
        "seed {seed}: {} calls, {} answered, refused {:?}",
        report.calls, report.answered, report.refused
    );
    assert!(report.calls >= 40 * cases, "every method: {} calls", report.calls);
    assert!(
        report.bad.is_empty(),
        "seed {seed}, calls that ended badly:\n{}",
        report.bad.join("\n")
    );
    assert_eq!(
        state(),
        before,
        "seed {seed}: the fuzzing made or lost a devnet or plugin"
    );
    let log = d.daemon_log();
    assert!(!log.contains("panicked"), "seed {seed}: devnetd panicked:\n{log}");
}
