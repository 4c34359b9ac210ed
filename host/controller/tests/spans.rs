//! A controller's span: every line logged about a key, its reconcile's own and the controller's
//! (a failure, a panic), is inside the span made for that key.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use devnet_controller::{Action, Controller, ReconcileError, WorkQueue};

/// What the subscriber wrote, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One thread: the subscriber set for it sees every task the controller spawns.
#[tokio::test]
async fn every_line_about_a_key_should_carry_its_span() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let queue = WorkQueue::new();
    queue.add("hub/fails".to_string());
    queue.add("hub/panics".to_string());
    queue.add("hub/logs".to_string());
    let run = tokio::spawn(
        Controller::new(queue.clone(), Arc::new(()))
            .span(|key: &String| tracing::error_span!("node", key = %key))
            .run(
                |key: String, _: Arc<()>| async move {
                    match key.as_str() {
                        "hub/fails" => Err("it went wrong".to_string()),
                        "hub/panics" => panic!("it blew up"),
                        _ => {
                            tracing::info!("working on it");
                            Ok(Action::await_change())
                        }
                    }
                },
                |_: &String, _: ReconcileError<'_, String>, _: &()| Action::await_change(),
            ),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    queue.close();
    run.await.unwrap();

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
            .to_string()
    };
    assert!(line("working on it").contains("node{key=hub/logs}"), "{text}");
    assert!(line("it went wrong").contains("node{key=hub/fails}"), "{text}");
    assert!(line("it blew up").contains("node{key=hub/panics}"), "{text}");
}
