//! The Docker runtime's cost, measured in one run on one daemon:
//!
//! - deploy to first block of a 4-validator simd v0.50 devnet with its nodes in Docker
//!   (`dvb deploy … --runtime docker`) against the same devnet as local processes; runs alternate,
//!   medians and the ratio are printed (goal: at most 1.3x);
//! - the node image of the simd binary made cold (removed first) and found made (from cache).
//!
//! Needs the tests' private Docker engine (`scripts/dockerd start`). `DEVNET_BENCH_RUNS`
//! (default 5).

use std::time::{Duration, Instant};

use devnet_e2e::daemon::Daemon;
use devnet_e2e::deploy_bench::{compare, dvb_deploy, runs};
use devnet_e2e::{docker, median};
use devnet_runtime::DockerRuntime;
use devnet_runtime::docker_image::ensure_image;

fn main() -> anyhow::Result<()> {
    let d = Daemon::start_with_docker();
    let host = d.docker_host().to_string();
    let args = [
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "4",
        "--set",
        "block-time=500ms",
    ];
    let mut docker_args = args.to_vec();
    docker_args.extend(["--runtime", "docker"]);
    let mut n = 0;
    compare(
        &d,
        "deploy to first block, 4 validators, simd v0.50",
        ["processes (dvb deploy)", "Docker (dvb deploy --runtime docker)"],
        1.3,
        || {
            n += 1;
            let name = format!("p{n}");
            let took = dvb_deploy(&d, &name, &args)?;
            d.dvb_ok(&["destroy", &name]);
            Ok(took)
        },
        |name| dvb_deploy(&d, name, &docker_args),
    )?;

    // The image: cold (removed, then made from the binary) and from cache.
    let cache = devnet_binaries::cache_dir();
    let manifest = devnet_binaries::Manifest::load(&cache)?;
    let simd = std::path::PathBuf::from(&manifest.find("simd", "v0.50", &cache)?.path);
    let rt = tokio::runtime::Runtime::new()?;
    let (cold, warm) = rt.block_on(async {
        let runtime = DockerRuntime::connect(&host, "/bench", Duration::from_secs(10)).await?;
        let (mut cold, mut warm) = (Vec::new(), Vec::new());
        for _ in 0..runs() {
            let tag = ensure_image(runtime.client(), &simd).await?;
            docker::cli_ok(&host, &["rmi", &tag]);
            let start = Instant::now();
            ensure_image(runtime.client(), &simd).await?;
            cold.push(start.elapsed());
            let start = Instant::now();
            ensure_image(runtime.client(), &simd).await?;
            warm.push(start.elapsed());
        }
        anyhow::Ok((median(cold), median(warm)))
    })?;
    let ms = |t: Duration| t.as_secs_f64() * 1000.0;
    let size = std::fs::metadata(&simd)?.len() >> 20;
    println!(
        "node image of simd v0.50 ({size} MB binary), {} runs (medians):",
        runs()
    );
    println!("  made (cold):      {:>8.0} ms", ms(cold));
    println!("  found (cached):   {:>8.0} ms", ms(warm));
    Ok(())
}
