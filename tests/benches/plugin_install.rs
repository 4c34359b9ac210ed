//! What `dvb plugin install` costs beyond the compile it cannot avoid. Each run, on a fresh home:
//!
//! - baseline: `PluginEngine::load` of the cosmos component into an empty AOT cache (wasmtime's
//!   compile, the link, one `info` call): the work any host must do once per component;
//! - install: the whole check-and-install of the same bytes (read, sha256 against the checksum
//!   file, API version, compile into the AOT cache, `info`, name check, fsync'd write and rename,
//!   the Plugin record in a redb transaction);
//! - upgrade, same bytes: the same again with the compile found in the AOT cache.
//!
//! Runs alternate, so drift hits all alike; medians and the ratio to the baseline are printed.
//! `DEVNET_BENCH_RUNS` (default 5). Needs `cargo xtask plugins`.

use std::sync::Arc;
use std::time::Instant;

use devnet_daemon::testing::{InstallRequest, PluginDirs, Plugins};
use devnet_e2e::median;
use devnet_e2e::plugins::component;
use devnet_plugin_host::{EngineLimits, PluginEngine};

fn plugins(home: &std::path::Path) -> anyhow::Result<Plugins> {
    let store = Arc::new(devnet_store::Store::open(&home.join("state.redb"))?);
    Ok(Plugins::new(
        PluginDirs {
            aot: home.join("aot"),
            installed: home.join("plugins"),
            trusted_keys: home.join("trusted-keys"),
            dev: vec![],
            builtin: vec![],
        },
        store,
    )?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::var("DEVNET_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    // The built component with the checksum file xtask writes beside it.
    let cosmos = component("cosmos");
    let size = std::fs::metadata(&cosmos)?.len();
    let (mut base, mut install, mut again) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let home = tempfile::tempdir()?;
        let engine = PluginEngine::new(home.path().join("baseline-aot"), EngineLimits::default())?;
        let t = Instant::now();
        engine.load(&cosmos).await?;
        base.push(t.elapsed());

        let p = plugins(home.path())?;
        let req = InstallRequest {
            source: cosmos.display().to_string(),
            ..Default::default()
        };
        let t = Instant::now();
        p.install(req.clone()).await?;
        install.push(t.elapsed());

        let t = Instant::now();
        p.install(InstallRequest { upgrade: true, ..req }).await?;
        again.push(t.elapsed());
    }
    let (b, i, a) = (median(base), median(install), median(again));
    println!(
        "plugin install, cosmos component ({} KiB), {runs} runs, medians:",
        size / 1024
    );
    println!(
        "  baseline: load into an empty AOT cache   {:>8.1} ms",
        b.as_secs_f64() * 1e3
    );
    println!(
        "  dvb plugin install (all checks, cold)    {:>8.1} ms   {:.2}x the baseline",
        i.as_secs_f64() * 1e3,
        i.as_secs_f64() / b.as_secs_f64()
    );
    println!(
        "  upgrade to the same bytes (AOT hit)      {:>8.1} ms   {:.2}x the baseline",
        a.as_secs_f64() * 1e3,
        a.as_secs_f64() / b.as_secs_f64()
    );
    Ok(())
}
