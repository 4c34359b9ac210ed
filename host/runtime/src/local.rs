//! [`Runtime`] for nodes as local processes.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::runtime::{BoxFuture, Handle, NODE_MARKER_ENV, NodeRun, Observed, Runtime};
use crate::{LocalProcess, ProcessSpec, RuntimeError, marked_leaders};

struct Tracked {
    process: LocalProcess,
    started: Instant,
}

/// Nodes as local processes ([`LocalProcess`]): each in its own process group, writing its log
/// itself, found again after a daemon restart by pid and start time or by its marker variable.
pub struct LocalRuntime {
    tracked: Mutex<HashMap<String, Tracked>>,
    /// How long a duplicate found by marker gets to stop.
    grace: Duration,
}

impl LocalRuntime {
    /// `grace`: SIGTERM, then SIGKILL after this long, for duplicates it stops on its own.
    pub fn new(grace: Duration) -> Self {
        Self {
            tracked: Mutex::default(),
            grace,
        }
    }

    fn tracked(&self) -> MutexGuard<'_, HashMap<String, Tracked>> {
        // Every update is one insert or remove: a poisoned map is still consistent.
        self.tracked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn track(&self, name: &str, process: LocalProcess) -> Handle {
        let handle = Handle::Process(process.id);
        self.tracked().insert(
            name.to_string(),
            Tracked {
                process,
                started: Instant::now(),
            },
        );
        handle
    }

    fn find(&self, run: &NodeRun, recorded: Option<&Handle>) -> Option<LocalProcess> {
        let name = run.name.as_str();
        if let Some(Handle::Process(id)) = recorded
            && let Some(p) = LocalProcess::adopt(name, *id)
        {
            return Some(p);
        }
        let marker = run.marker()?;
        let mut leaders = marked_leaders(NODE_MARKER_ENV, marker).into_iter();
        let first = leaders.next()?;
        for extra in leaders {
            if let Some(mut p) = LocalProcess::adopt(name, extra) {
                // A duplicate (which cannot also be right): stopped off the executor.
                let grace = self.grace;
                std::thread::spawn(move || p.stop(grace));
            }
        }
        LocalProcess::adopt(name, first)
    }
}

/// Stops a process off the async executor (the grace period and the kill wait block).
async fn stop_blocking(mut process: LocalProcess, grace: Duration) -> Result<(), RuntimeError> {
    let name = process.name.clone();
    tokio::task::spawn_blocking(move || process.stop(grace))
        .await
        .map(drop)
        .map_err(|e| RuntimeError::Stop {
            name,
            message: e.to_string(),
        })
}

impl Runtime for LocalRuntime {
    fn start<'a>(&'a self, run: &'a NodeRun) -> BoxFuture<'a, Result<Handle, RuntimeError>> {
        Box::pin(async move {
            let process = LocalProcess::spawn(&ProcessSpec {
                name: run.name.clone(),
                program: run.program.clone(),
                args: run.args.clone(),
                env: run.env.clone(),
                cwd: run.cwd.clone(),
                log: run.log.clone(),
            })?;
            Ok(self.track(&run.name, process))
        })
    }

    fn adopt<'a>(
        &'a self,
        run: &'a NodeRun,
        recorded: Option<&'a Handle>,
    ) -> BoxFuture<'a, Result<Option<Handle>, RuntimeError>> {
        Box::pin(async move { Ok(self.find(run, recorded).map(|p| self.track(&run.name, p))) })
    }

    fn observe<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Observed> {
        Box::pin(async move {
            let mut tracked = self.tracked();
            let Some(t) = tracked.get_mut(name) else {
                return Observed::Unknown;
            };
            match t.process.exited() {
                None => Observed::Running,
                Some(exit) => {
                    let ran = t.started.elapsed();
                    tracked.remove(name);
                    Observed::Exited { exit, ran }
                }
            }
        })
    }

    fn tracks(&self, name: &str) -> bool {
        self.tracked().contains_key(name)
    }

    fn stop<'a>(&'a self, name: &'a str, grace: Duration) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async move {
            let tracked = self.tracked().remove(name);
            match tracked {
                Some(t) => stop_blocking(t.process, grace).await,
                None => Ok(()),
            }
        })
    }

    fn tracked_names(&self) -> Vec<String> {
        self.tracked().keys().cloned().collect()
    }

    fn detach_all(&self) {
        for (_, t) in self.tracked().drain() {
            t.process.detach();
        }
    }

    fn release_devnet<'a>(&'a self, _devnet: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async { Ok(()) })
    }
}
