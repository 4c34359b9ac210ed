//! One module per dvb command.

pub mod daemon;
pub mod deploy;
pub mod endpoints;
pub mod events;
pub mod export;
pub mod gov;
pub mod lifecycle;
pub mod list;
pub mod nodes;
pub mod plugin;
pub mod plugin_dev;
pub mod stack;
pub mod status;
pub mod tx;
pub mod upgrade;

use std::time::{Duration, Instant};

use devnet_daemon::Home;

use crate::backend::{Backend, Needs};
use crate::output::Output;

pub struct Ctx {
    pub home: Home,
    pub output: Output,
    pub standalone: bool,
    /// A daemon's remote listener (`--remote`), instead of the home's socket.
    pub remote: Option<devnet_api::remote::Remote>,
}

impl Ctx {
    pub async fn backend(&self, needs: Needs) -> anyhow::Result<Backend> {
        if let Some(remote) = &self.remote {
            return Backend::remote(remote).await;
        }
        Backend::connect(&self.home, self.standalone, needs).await
    }

    /// Where commands go, for messages: the remote URL or the home's socket.
    pub fn target(&self) -> String {
        match &self.remote {
            Some(r) => r.url.clone(),
            None => self.home.socket().display().to_string(),
        }
    }
}

/// Polls `check` until it gives a value, for at most `limit`.
pub async fn poll<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if start.elapsed() > limit {
            anyhow::bail!("timed out after {} s waiting for {what}", limit.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
