//! The controller on paused tokio time: duplicates collapse, one key never runs twice at once,
//! failures back off exponentially and start over after a success, and closing the queue waits
//! for the reconciles in flight.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use devnet_controller::{Action, Backoff, Controller, ReconcileError, WorkQueue};
use tokio::time::Instant;

#[derive(Default)]
struct Seen {
    calls: Mutex<Vec<(String, Instant)>>,
    running: AtomicUsize,
    most_at_once: AtomicUsize,
}

impl Seen {
    /// Records a call; whether it is the first of all.
    fn record_is_first(&self, key: String) -> bool {
        let mut calls = self.calls.lock().unwrap();
        calls.push((key, Instant::now()));
        calls.len() == 1
    }

    fn calls_of(&self, key: &str) -> Vec<Instant> {
        let calls = self.calls.lock().unwrap();
        calls.iter().filter(|(k, _)| k == key).map(|(_, t)| *t).collect()
    }
}

fn requeue_with_backoff(_: &String, e: ReconcileError<'_, String>, _: &Seen) -> Action {
    Action::requeue(e.backoff)
}

#[tokio::test(start_paused = true)]
async fn duplicate_keys_should_make_one_reconcile() {
    let queue = WorkQueue::new();
    for _ in 0..3 {
        queue.add("hub/validator-0".to_string());
    }
    queue.add("hub/validator-1".to_string());
    assert_eq!(queue.len(), 2);
    let seen = Arc::new(Seen::default());
    let run = tokio::spawn(Controller::new(queue.clone(), seen.clone()).run(
        |key: String, seen: Arc<Seen>| async move {
            seen.calls.lock().unwrap().push((key, Instant::now()));
            Ok::<_, String>(Action::await_change())
        },
        requeue_with_backoff,
    ));
    tokio::time::sleep(Duration::from_secs(5)).await;
    queue.close();
    run.await.unwrap();
    assert_eq!(seen.calls_of("hub/validator-0").len(), 1);
    assert_eq!(seen.calls_of("hub/validator-1").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_key_should_never_be_reconciled_twice_at_once() {
    let queue = WorkQueue::new();
    queue.add("hub".to_string());
    let seen = Arc::new(Seen::default());
    let run = tokio::spawn(Controller::new(queue.clone(), seen.clone()).concurrency(4).run(
        |key: String, seen: Arc<Seen>| async move {
            seen.calls.lock().unwrap().push((key, Instant::now()));
            let now = seen.running.fetch_add(1, Ordering::SeqCst) + 1;
            seen.most_at_once.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(10)).await;
            seen.running.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, String>(Action::await_change())
        },
        requeue_with_backoff,
    ));
    // Changes arrive while the first reconcile runs: they make exactly one more, after it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    queue.add("hub".to_string());
    queue.add("hub".to_string());
    tokio::time::sleep(Duration::from_secs(60)).await;
    queue.close();
    run.await.unwrap();
    let calls = seen.calls_of("hub");
    assert_eq!(calls.len(), 2);
    assert!(
        calls[1] - calls[0] >= Duration::from_secs(10),
        "the second began before the first ended"
    );
    assert_eq!(seen.most_at_once.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn failures_should_back_off_exponentially_and_start_over_after_a_success() {
    let queue = WorkQueue::new();
    queue.add("hub".to_string());
    let seen = Arc::new(Seen::default());
    let run = tokio::spawn(
        Controller::new(queue.clone(), seen.clone())
            .backoff(Backoff::new(Duration::from_secs(1), Duration::from_secs(60)))
            .run(
                |key: String, seen: Arc<Seen>| async move {
                    let n = {
                        let mut calls = seen.calls.lock().unwrap();
                        calls.push((key, Instant::now()));
                        calls.len()
                    };
                    // Calls 1-3 fail, 4 succeeds and asks to look again in 10 s, 5-6 fail.
                    match n {
                        4 => Ok(Action::requeue(Duration::from_secs(10))),
                        n if n <= 6 => Err(format!("attempt {n} failed")),
                        _ => Ok(Action::await_change()),
                    }
                },
                requeue_with_backoff,
            ),
    );
    tokio::time::sleep(Duration::from_secs(120)).await;
    queue.close();
    run.await.unwrap();
    let calls = seen.calls_of("hub");
    assert_eq!(calls.len(), 7);
    let gaps: Vec<u64> = calls.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect();
    assert_eq!(gaps, [1, 2, 4, 10, 1, 2]);
}

#[tokio::test(start_paused = true)]
async fn closing_should_let_the_reconciles_in_flight_finish() {
    let queue = WorkQueue::new();
    queue.add("hub".to_string());
    let finished = Arc::new(AtomicUsize::new(0));
    let run = tokio::spawn(Controller::new(queue.clone(), finished.clone()).run(
        |_key: String, finished: Arc<AtomicUsize>| async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            finished.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>(Action::requeue(Duration::from_secs(1)))
        },
        |_: &String, e: ReconcileError<'_, String>, _: &AtomicUsize| Action::requeue(e.backoff),
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
    queue.close();
    run.await.unwrap();
    assert_eq!(
        finished.load(Ordering::SeqCst),
        1,
        "the reconcile in flight was cut short or another began"
    );
    assert!(queue.next().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_panicking_reconcile_should_release_its_key_and_run_again() {
    let queue = WorkQueue::new();
    queue.add("hub/tx-1".to_string());
    let seen = Arc::new(Seen::default());
    let run = tokio::spawn(Controller::new(queue.clone(), seen.clone()).run(
        |key: String, seen: Arc<Seen>| async move {
            if seen.record_is_first(key) {
                panic!("a bug in the first reconcile");
            }
            Ok::<_, String>(Action::await_change())
        },
        requeue_with_backoff,
    ));
    tokio::time::sleep(Duration::from_secs(30)).await;
    // Run again after the panic (the key was not left in flight), and then left alone.
    let calls = seen.calls_of("hub/tx-1");
    assert_eq!(calls.len(), 2, "reconciled once more after the panic: {calls:?}");
    assert!(calls[1] > calls[0], "the retry waited for its backoff");
    // A change to the key after that is reconciled too: nothing holds it.
    queue.add("hub/tx-1".to_string());
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(seen.calls_of("hub/tx-1").len(), 3);
    queue.close();
    run.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_panicking_error_policy_should_still_requeue_the_key() {
    let queue = WorkQueue::new();
    queue.add("hub/upgrade".to_string());
    let seen = Arc::new(Seen::default());
    let run = tokio::spawn(Controller::new(queue.clone(), seen.clone()).run(
        |key: String, seen: Arc<Seen>| async move {
            if seen.record_is_first(key) {
                return Err("the first attempt fails".to_string());
            }
            Ok(Action::await_change())
        },
        |_: &String, _: ReconcileError<'_, String>, _: &Seen| -> Action { panic!("a bug in the error policy") },
    ));
    tokio::time::sleep(Duration::from_secs(30)).await;
    let calls = seen.calls_of("hub/upgrade");
    assert_eq!(calls.len(), 2, "reconciled again after the policy panicked: {calls:?}");
    assert!(calls[1] > calls[0], "the retry waited for its backoff");
    queue.close();
    run.await.unwrap();
}
