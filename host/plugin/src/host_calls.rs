//! The `host` interface: each call checks the devnet's grant before it touches anything.

use std::time::Duration;

use crate::Capability;
use crate::bindings::v0_4_0::PluginError;
use crate::bindings::v0_4_0::devnet::plugin::host::{Host, HttpResponse, LogLevel, RunOutput};
use crate::bindings::v0_4_0::devnet::plugin::types;
use crate::instance::PluginState;

/// Longest log message kept; the rest is cut (it still counts against the output limit).
const MAX_LOG_LINE: usize = 16 << 10;

impl types::Host for PluginState {}

/// The `host` interface of another API version: the same calls, in that version's types.
macro_rules! older_host {
    ($version:ident) => {
        mod $version {
            use super::PluginState;
            use crate::bindings::$version::devnet::plugin::host::{Host, HttpResponse, LogLevel, RunOutput};
            use crate::bindings::$version::devnet::plugin::types::PluginError;
            use crate::bridge::Bridge;

            impl Host for PluginState {
                async fn log(&mut self, level: LogLevel, message: String) -> wasmtime::Result<()> {
                    let level = level.bridge();
                    super::Host::log(self, level, message).await
                }

                async fn run_binary(
                    &mut self,
                    args: Vec<String>,
                    timeout_ms: u32,
                ) -> wasmtime::Result<Result<RunOutput, PluginError>> {
                    Ok(super::Host::run_binary(self, args, timeout_ms).await?.bridge())
                }

                async fn read_file(&mut self, path: String) -> wasmtime::Result<Result<Vec<u8>, PluginError>> {
                    Ok(super::Host::read_file(self, path).await?.bridge())
                }

                async fn write_file(
                    &mut self,
                    path: String,
                    contents: Vec<u8>,
                ) -> wasmtime::Result<Result<(), PluginError>> {
                    Ok(super::Host::write_file(self, path, contents).await?.bridge())
                }

                async fn http_get(&mut self, url: String) -> wasmtime::Result<Result<HttpResponse, PluginError>> {
                    Ok(super::Host::http_get(self, url).await?.bridge())
                }

                async fn http_post(
                    &mut self,
                    url: String,
                    content_type: String,
                    body: Vec<u8>,
                ) -> wasmtime::Result<Result<HttpResponse, PluginError>> {
                    Ok(super::Host::http_post(self, url, content_type, body)
                        .await?
                        .bridge())
                }
            }
        }
    };
}

older_host!(v0_7_0);
older_host!(v0_6_0);
older_host!(v0_5_0);
older_host!(v0_1_0);
older_host!(v0_2_0);
older_host!(v0_3_0);

// 0.1.0 and 0.2.0 bind 0.3.0's `types` (see `crate::bindings`): one empty trait for the three.
impl crate::bindings::v0_3_0::devnet::plugin::types::Host for PluginState {}

impl PluginState {
    fn require(&self, capability: Capability, what: &str) -> Result<(), PluginError> {
        match self.grant.refusal(capability, what, &self.plugin_id) {
            None => Ok(()),
            Some(why) => {
                tracing::debug!(plugin = %self.plugin_id, devnet = %self.grant.devnet, "denied: {why}");
                Err(PluginError::Denied(why))
            }
        }
    }
}

impl Host for PluginState {
    async fn log(&mut self, level: LogLevel, message: String) -> wasmtime::Result<()> {
        self.charge_output(message.len(), "log")?;
        if self.require(Capability::Log, "log").is_err() {
            return Ok(());
        }
        let mut text = message;
        if text.len() > MAX_LOG_LINE {
            text.truncate(text.floor_char_boundary(MAX_LOG_LINE));
            text.push_str(" [cut]");
        }
        let (plugin, devnet) = (self.plugin_id.as_str(), self.grant.devnet.as_str());
        match level {
            LogLevel::Trace => tracing::trace!(plugin, devnet, "{text}"),
            LogLevel::Debug => tracing::debug!(plugin, devnet, "{text}"),
            LogLevel::Info => tracing::info!(plugin, devnet, "{text}"),
            LogLevel::Warn => tracing::warn!(plugin, devnet, "{text}"),
            LogLevel::Error => tracing::error!(plugin, devnet, "{text}"),
        }
        Ok(())
    }

    async fn run_binary(
        &mut self,
        args: Vec<String>,
        timeout_ms: u32,
    ) -> wasmtime::Result<Result<RunOutput, PluginError>> {
        if let Err(e) = self.require(Capability::RunBinary, "run-binary") {
            return Ok(Err(e));
        }
        let (Some(binary), Some(dir)) = (self.grant.binary.clone(), self.grant.dir.clone()) else {
            return Ok(Err(PluginError::Denied(
                "run-binary: this devnet has no registered binary".into(),
            )));
        };
        let timeout = self.within_call(Duration::from_millis(u64::from(timeout_ms)).min(self.binary_timeout_cap));
        let mut cmd = tokio::process::Command::new(&binary);
        cmd.args(&args)
            .current_dir(&dir)
            .env_clear()
            .env("HOME", &dir)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let output = match tokio::time::timeout(timeout, cmd.output()).await {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => return Ok(Err(PluginError::Chain(format!("running {}: {e}", binary.display())))),
            Err(_) => {
                return Ok(Err(PluginError::Chain(format!(
                    "{} {} did not finish within {} ms",
                    binary.display(),
                    args.join(" "),
                    timeout.as_millis()
                ))));
            }
        };
        self.charge_output(output.stdout.len() + output.stderr.len(), "run-binary output")?;
        Ok(Ok(RunOutput {
            status: output.status.code().unwrap_or(-1),
            stdout: output.stdout,
            stderr: output.stderr,
        }))
    }

    async fn read_file(&mut self, path: String) -> wasmtime::Result<Result<Vec<u8>, PluginError>> {
        if let Err(e) = self.require(Capability::Files, "read-file") {
            return Ok(Err(e));
        }
        let full = match self.grant.resolve(&path) {
            Ok(p) => p,
            Err(e) => return Ok(Err(PluginError::Denied(format!("read-file: {e}")))),
        };
        let len = tokio::fs::metadata(&full).await.map(|m| m.len()).unwrap_or(0);
        self.charge_output(usize::try_from(len).unwrap_or(usize::MAX), "read-file")?;
        Ok(tokio::fs::read(&full)
            .await
            .map_err(|e| PluginError::InvalidInput(format!("read-file {path}: {e}"))))
    }

    async fn write_file(&mut self, path: String, contents: Vec<u8>) -> wasmtime::Result<Result<(), PluginError>> {
        if let Err(e) = self.require(Capability::Files, "write-file") {
            return Ok(Err(e));
        }
        self.charge_output(contents.len(), "write-file")?;
        let full = match self.grant.resolve(&path) {
            Ok(p) => p,
            Err(e) => return Ok(Err(PluginError::Denied(format!("write-file: {e}")))),
        };
        let path_shown = path.clone();
        let written = tokio::task::spawn_blocking(move || crate::atomic_write::write_atomic(&full, &contents, 0o644))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        Ok(written.map_err(|e| PluginError::InvalidInput(format!("write-file {path_shown}: {e}"))))
    }

    async fn http_get(&mut self, url: String) -> wasmtime::Result<Result<HttpResponse, PluginError>> {
        self.http("GET", url, None, Vec::new()).await
    }

    async fn http_post(
        &mut self,
        url: String,
        content_type: String,
        body: Vec<u8>,
    ) -> wasmtime::Result<Result<HttpResponse, PluginError>> {
        self.http("POST", url, Some(content_type), body).await
    }
}

impl PluginState {
    async fn http(
        &mut self,
        method: &'static str,
        url: String,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> wasmtime::Result<Result<HttpResponse, PluginError>> {
        if let Err(e) = self.require(Capability::Http, "http") {
            return Ok(Err(e));
        }
        if let Err(e) = self.grant.check_url(&url) {
            return Ok(Err(PluginError::Denied(format!("http: {e}"))));
        }
        let max = self.max_output.saturating_sub(self.output_used);
        let timeout = self.within_call(Duration::from_secs(5));
        if timeout.is_zero() {
            return Ok(Err(PluginError::Chain(format!(
                "http {url}: the call's deadline has passed"
            ))));
        }
        let result = tokio::task::spawn_blocking(move || {
            crate::http::request(method, &url, content_type.as_deref(), &body, timeout, max)
        })
        .await?;
        match result {
            Ok((status, body)) => {
                self.charge_output(body.len(), "http response")?;
                Ok(Ok(HttpResponse { status, body }))
            }
            Err(e) => Ok(Err(PluginError::Chain(e))),
        }
    }
}
