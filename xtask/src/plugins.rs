//! `cargo xtask plugins`: builds the plugin crates into components under `target/plugins/` (the
//! built-in plugins devnetd finds next to its binary) and `target/test-plugins/` (fixtures for
//! the tests, which no daemon should offer as a network).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Plugin crates, the file name each component gets, and the directory under `target/` it goes to.
pub const PLUGINS: &[(&str, &str, &str)] = &[
    ("devnet-plugin-cosmos", "cosmos", "plugins"),
    ("devnet-plugin-evm", "evm", "plugins"),
    ("devnet-plugin-tempo", "tempo", "plugins"),
    ("devnet-plugin-commonware", "commonware", "plugins"),
    ("hostile-plugin", "hostile", "test-plugins"),
    ("api-v0-1-plugin", "api-v0-1", "test-plugins"),
    ("api-v0-2-plugin", "api-v0-2", "test-plugins"),
    ("api-v0-3-plugin", "api-v0-3", "test-plugins"),
    ("api-v0-4-plugin", "api-v0-4", "test-plugins"),
    ("api-v0-5-plugin", "api-v0-5", "test-plugins"),
    ("api-v0-6-plugin", "api-v0-6", "test-plugins"),
    ("trap-info-plugin", "trap-info", "test-plugins"),
    ("other-world-plugin", "other-world", "test-plugins"),
    // The tutorial's plugin: a fixture, not a network devnetd offers until it is installed.
    ("foundry-plugin", "foundry", "test-plugins"),
];

/// Crates built a second time with a feature, into another component: (crate, feature, file
/// name, directory under `target/`).
pub const VARIANTS: &[(&str, &str, &str, &str)] = &[("hostile-plugin", "only-http", "hostile-http", "test-plugins")];

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where the wasm-side workspace builds: beside the host's artifacts, never mixed with them.
pub fn wasm_side_target(target: &Path) -> PathBuf {
    target.join("wasm-side")
}

pub fn build(release: bool) -> anyhow::Result<()> {
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let wasm_side = wasm_side_target(&target);
    let crates: Vec<&str> = PLUGINS.iter().map(|(krate, _, _)| *krate).collect();
    cargo_build(&root, &wasm_side, release, &crates, None)?;
    for (krate, name, dir) in PLUGINS {
        place(&wasm_side, &target, release, krate, name, dir)?;
    }
    // Each variant after the plain builds: its build replaces the crate's output file.
    for (krate, feature, name, dir) in VARIANTS {
        cargo_build(&root, &wasm_side, release, &[krate], Some(feature))?;
        place(&wasm_side, &target, release, krate, name, dir)?;
    }
    Ok(())
}

fn cargo_build(
    root: &Path,
    wasm_side: &Path,
    release: bool,
    crates: &[&str],
    feature: Option<&str>,
) -> anyhow::Result<()> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    // The plugins are a workspace of their own (plugins/Cargo.toml) with their own target dir.
    cmd.current_dir(root.join("plugins"))
        .args(["build", "--target", "wasm32-wasip2", "--target-dir"])
        .arg(wasm_side);
    if release {
        cmd.arg("--release");
    }
    for krate in crates {
        cmd.args(["-p", krate]);
    }
    if let Some(f) = feature {
        cmd.args(["--features", f]);
    }
    let status = cmd.status().context("running cargo build for the plugins")?;
    if !status.success() {
        bail!("building the plugins failed ({status}); is the target installed? `rustup target add wasm32-wasip2`");
    }
    Ok(())
}

/// Copies the built `krate` to `target/<dir>/<name>.wasm` with its `.sha256`, each by a rename.
fn place(wasm_side: &Path, target: &Path, release: bool, krate: &str, name: &str, dir: &str) -> anyhow::Result<()> {
    let profile = if release { "release" } else { "debug" };
    let out = target.join(dir);
    std::fs::create_dir_all(&out)?;
    let built = wasm_side
        .join("wasm32-wasip2")
        .join(profile)
        .join(format!("{}.wasm", krate.replace('-', "_")));
    let dest = out.join(format!("{name}.wasm"));
    let tmp = out.join(format!(".{name}.wasm.tmp"));
    std::fs::copy(&built, &tmp).with_context(|| format!("copying {}", built.display()))?;
    // The checksum file `dvb plugin install` verifies, as `sha256sum` writes it.
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&tmp)?));
    let sum_tmp = out.join(format!(".{name}.wasm.sha256.tmp"));
    std::fs::write(&sum_tmp, format!("{sha}  {name}.wasm\n"))?;
    std::fs::rename(&sum_tmp, out.join(format!("{name}.wasm.sha256")))?;
    std::fs::rename(&tmp, &dest)?;
    println!(
        "{name:<12} {} ({} KiB)",
        dest.display(),
        std::fs::metadata(&dest)?.len() / 1024
    );
    Ok(())
}
