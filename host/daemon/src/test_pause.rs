//! Test-only pause points: the moments a crash test kills devnetd at.
//!
//! With `DEVNETD_TEST_PAUSE_AT=<point>` in its environment, the daemon stops at the first
//! reconcile that reaches `<point>`: it logs `test pause point <point> reached` and waits there
//! for good (the test SIGKILLs it), or for `DEVNETD_TEST_PAUSE_FOR_MS` milliseconds when that is
//! set. Without the variable, a pause point does nothing. The points are named where they are:
//! - `starting`: the built-in plugins are installed, the store is held, nothing is served yet
//!   (a slow start of devnetd);
//! - `node-started`: a node's process or container started, the store does not know it yet;
//! - `tx-signed`: a tx's signed bytes are recorded, nothing is sent yet;
//! - `tx-sent`: a node accepted the bytes, the store does not know it yet;
//! - `upgrade-proposed`, `upgrade-voted`: the proposal (or the votes) recorded with the field of
//!   the Upgrade that names them (the Tx controller, which runs on, may have sent them or not);
//! - `upgrade-rolling-back`: the nodes stopped for a roll back, their data not yet put back.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The environment variable that names the point to pause at.
pub const PAUSE_AT: &str = "DEVNETD_TEST_PAUSE_AT";

/// How long to pause, in milliseconds; for good when unset.
pub const PAUSE_FOR_MS: &str = "DEVNETD_TEST_PAUSE_FOR_MS";

/// Pauses if `point` is the one named in [`PAUSE_AT`], once per daemon: for good, or for
/// [`PAUSE_FOR_MS`] when that is set.
pub async fn pause_point(point: &str) {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    static PAUSED: AtomicBool = AtomicBool::new(false);
    let chosen = CHOSEN.get_or_init(|| std::env::var(PAUSE_AT).ok());
    if chosen.as_deref() != Some(point) || PAUSED.swap(true, Ordering::SeqCst) {
        return;
    }
    match std::env::var(PAUSE_FOR_MS).ok().and_then(|ms| ms.parse().ok()) {
        Some(ms) => {
            tracing::warn!("test pause point {point} reached; going on in {ms} ms");
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        None => {
            tracing::warn!("test pause point {point} reached; waiting to be killed");
            std::future::pending::<()>().await;
        }
    }
}
