//! The plugin components `cargo xtask plugins` builds into `target/plugins/`.

use std::path::PathBuf;

/// `target/plugins/<name>.wasm`; a test that needs a missing one fails and says how to build it.
pub fn component(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/plugins")
        .join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing; run `cargo xtask plugins` first",
        path.display()
    );
    path
}
