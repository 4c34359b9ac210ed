//! Finding the real binaries that `cargo xtask chains` put in the cache.

use std::path::PathBuf;

use devnet_binaries::{Manifest, cache_dir};

/// The cached executable for `name` at `version` (a release line such as `v0.50` is enough).
/// A test that needs a binary the cache lacks fails and says how to build it.
pub fn binary(name: &str, version: &str) -> PathBuf {
    let cache = cache_dir();
    let manifest = Manifest::load(&cache).unwrap_or_else(|e| panic!("{e}"));
    let entry = manifest.find(name, version, &cache).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        entry.path.exists(),
        "{} {} is in the manifest but {} is missing; run `cargo xtask chains`",
        entry.name,
        entry.version,
        entry.path.display()
    );
    entry.path.clone()
}
