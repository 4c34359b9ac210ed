//! The plugin components `cargo xtask plugins` builds into `target/plugins/` (built-in) and
//! `target/test-plugins/` (fixtures). The host crate's tests and bench include this file too
//! (`#[path]`), so there is one lookup.

use std::path::{Path, PathBuf};

/// `target/plugins/<name>.wasm` (or `target/test-plugins/`) at the repository root; a test that
/// needs a missing one fails and says how to build it.
pub fn component(name: &str) -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .ancestors()
        .find(|dir| dir.join("plugins/Cargo.toml").exists())
        .unwrap_or(manifest_dir);
    let file = format!("{name}.wasm");
    let fixture = root.join("target/test-plugins").join(&file);
    let path = if fixture.exists() {
        fixture
    } else {
        root.join("target/plugins").join(&file)
    };
    assert!(
        path.exists(),
        "{} is missing; run `cargo xtask plugins` first",
        path.display()
    );
    path
}
