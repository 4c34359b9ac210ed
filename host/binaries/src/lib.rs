//! The cache of real chain binaries that devnets run.
//!
//! `cargo xtask chains` builds pinned versions into
//! `${DEVNET_CHAINS_DIR:-$HOME/.cache/devnet-builder/chains}/<name>/<version>/` and records each one
//! in `manifest.json` at the cache root. Everything else (the daemon, the tests) only reads the
//! manifest through this crate and looks binaries up by name and version.

mod manifest;

pub use manifest::{Entry, MANIFEST_FILE, Manifest, ManifestError, sha256_file};

use std::path::PathBuf;

/// The environment variable that moves the cache.
pub const CACHE_DIR_ENV: &str = "DEVNET_CHAINS_DIR";

/// The cache root: `$DEVNET_CHAINS_DIR`, or `$HOME/.cache/devnet-builder/chains`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache").join("devnet-builder").join("chains")
}
