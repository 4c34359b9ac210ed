//! Runs reconciles for the keys a [`WorkQueue`] hands out.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::{Action, Backoff, WorkQueue};

/// What a failed reconcile hands `error_policy`: the error, and the key's next backoff delay.
#[derive(Debug)]
pub struct ReconcileError<'a, E> {
    pub error: &'a E,
    /// The delay the key's backoff proposes: it grows with each failure in a row and starts
    /// over after a success.
    pub backoff: Duration,
}

/// Makes the tracing span a key's reconcile runs in (what it concerns, for every log line).
pub type SpanFor<K> = Arc<dyn Fn(&K) -> tracing::Span + Send + Sync>;

/// How a reconcile ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// It returned an error.
    Error,
    /// It panicked.
    Panic,
}

/// Told of every reconcile: how long it took and how it ended (for metrics).
pub type Observe = Arc<dyn Fn(Duration, Outcome) + Send + Sync>;

/// A controller over keys `K` with shared context `C`.
pub struct Controller<K, C> {
    queue: WorkQueue<K>,
    ctx: Arc<C>,
    concurrency: usize,
    backoff: Backoff,
    span: Option<SpanFor<K>>,
    observe: Option<Observe>,
}

impl<K, C> Controller<K, C>
where
    K: Clone + Eq + Hash + Send + Sync + std::fmt::Debug + 'static,
    C: Send + Sync + 'static,
{
    pub fn new(queue: WorkQueue<K>, ctx: Arc<C>) -> Self {
        Self {
            queue,
            ctx,
            concurrency: 4,
            backoff: Backoff::default(),
            span: None,
            observe: None,
        }
    }

    /// Runs each key's reconcile, and what is logged of it, in the span `span` makes for it.
    pub fn span(mut self, span: impl Fn(&K) -> tracing::Span + Send + Sync + 'static) -> Self {
        self.span = Some(Arc::new(span));
        self
    }

    /// Tells `observe` of every reconcile's duration and outcome.
    pub fn observe(mut self, observe: impl Fn(Duration, Outcome) + Send + Sync + 'static) -> Self {
        self.observe = Some(Arc::new(observe));
        self
    }

    /// How many different keys may be reconciled at once (one key never runs twice at once).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// The backoff each key starts with.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Reconciles until the queue is closed, then waits for the reconciles in flight.
    pub async fn run<R, RF, E, P>(self, reconcile: R, error_policy: P)
    where
        R: Fn(K, Arc<C>) -> RF + Send + Sync + 'static,
        RF: Future<Output = Result<Action, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
        P: Fn(&K, ReconcileError<'_, E>, &C) -> Action + Send + Sync + 'static,
    {
        let reconcile = Arc::new(reconcile);
        let error_policy = Arc::new(error_policy);
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let backoffs: Arc<Mutex<HashMap<K, Backoff>>> = Arc::default();
        let mut tasks = JoinSet::new();
        while let Some(key) = self.queue.next().await {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            let (queue, ctx, reconcile, error_policy, backoffs) = (
                self.queue.clone(),
                self.ctx.clone(),
                reconcile.clone(),
                error_policy.clone(),
                backoffs.clone(),
            );
            let initial = self.backoff.clone();
            let observe = self.observe.clone();
            let span = self.span.as_ref().map_or_else(tracing::Span::none, |f| f(&key));
            let inner = span.clone();
            tasks.spawn(
                async move {
                    // Releases the key however this task ends.
                    let _in_flight = InFlight {
                        queue: &queue,
                        key: &key,
                    };
                    // Run as a task of its own so that a panic in it is caught here as a JoinError.
                    let started = std::time::Instant::now();
                    let result = tokio::spawn(reconcile(key.clone(), ctx.clone()).instrument(inner)).await;
                    if let Some(observe) = &observe {
                        let outcome = match &result {
                            Ok(Ok(_)) => Outcome::Ok,
                            Ok(Err(_)) => Outcome::Error,
                            Err(_) => Outcome::Panic,
                        };
                        observe(started.elapsed(), outcome);
                    }
                    let next_delay = |backoffs: &mut HashMap<K, Backoff>| {
                        backoffs
                            .entry(key.clone())
                            .or_insert_with(|| initial.clone())
                            .next()
                            .unwrap_or_default()
                    };
                    let action = match result {
                        Ok(Ok(action)) => {
                            lock(&backoffs).remove(&key);
                            action
                        }
                        Ok(Err(error)) => {
                            tracing::warn!(?key, "reconcile failed: {error}");
                            let delay = next_delay(&mut lock(&backoffs));
                            // A panic in the policy is a bug like one in the reconcile: caught,
                            // logged, and the key tried again after its backoff.
                            let decided = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                error_policy(
                                    &key,
                                    ReconcileError {
                                        error: &error,
                                        backoff: delay,
                                    },
                                    &ctx,
                                )
                            }));
                            decided.unwrap_or_else(|payload| {
                                tracing::error!(
                                    ?key,
                                    "error_policy panicked, retrying in {delay:?}: {}",
                                    payload_message(payload.as_ref())
                                );
                                Action::requeue(delay)
                            })
                        }
                        Err(joined) => {
                            // A bug, not a state of the world: logged loudly, and the key is tried
                            // again with backoff (a reconcile that always panics does not spin).
                            let delay = next_delay(&mut lock(&backoffs));
                            tracing::error!(
                                ?key,
                                "reconcile panicked, retrying in {delay:?}: {}",
                                panic_message(joined)
                            );
                            Action::requeue(delay)
                        }
                    };
                    if let Some(after) = action.requeue_after {
                        queue.add_after(key.clone(), after);
                    }
                    drop(slot);
                }
                .instrument(span),
            );
            while tasks.try_join_next().is_some() {}
        }
        while tasks.join_next().await.is_some() {}
    }
}

/// Marks its key done in the queue when dropped.
struct InFlight<'a, K: Clone + Eq + Hash> {
    queue: &'a WorkQueue<K>,
    key: &'a K,
}

impl<K: Clone + Eq + Hash> Drop for InFlight<'_, K> {
    fn drop(&mut self) {
        self.queue.done(self.key);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a panicked reconcile said, when it said it with a string.
fn panic_message(joined: tokio::task::JoinError) -> String {
    if !joined.is_panic() {
        return joined.to_string();
    }
    payload_message(joined.into_panic().as_ref())
}

fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}
