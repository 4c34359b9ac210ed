//! Ahead-of-time compiled components on disk, keyed by the component's BLAKE3 hash and the engine's
//! compatibility hash, loaded by mmap after the first compile.

#![allow(unsafe_code)]

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::PluginHostError;

/// Whether a load compiled the component or found it in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    Hit,
    Compiled,
}

/// The cache file for `bytes` under this engine's configuration.
pub fn cache_path(engine: &Engine, dir: &Path, bytes: &[u8]) -> PathBuf {
    // BLAKE3: collision-resistant like sha256, and a third of its time on a 700 KiB component,
    // which is most of a load from the cache.
    let digest = blake3::hash(bytes).to_hex();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    dir.join(format!("{}-{:016x}.cwasm", &digest[..32], hasher.finish()))
}

/// Loads the compiled form of `bytes` from `dir`, compiling and storing it first if absent.
pub fn load_or_compile(
    engine: &Engine,
    dir: &Path,
    source: &Path,
    bytes: &[u8],
) -> Result<(Component, CacheOutcome), PluginHostError> {
    let file = cache_path(engine, dir, bytes);
    if file.exists() {
        // SAFETY: files in this directory are written only by `store` below, from
        // `Engine::precompile_component` of the very bytes whose hash names the file, under an
        // engine whose compatibility hash is also in the name; wasmtime checks the header again.
        // Entries are only ever replaced by rename, never changed in place, so a file that is
        // mapped stays valid for as long as it is mapped.
        match unsafe { Component::deserialize_file(engine, &file) } {
            Ok(component) => return Ok((component, CacheOutcome::Hit)),
            Err(e) => {
                tracing::warn!(file = %file.display(), error = %e, "dropping an unusable AOT cache entry");
                let _ = std::fs::remove_file(&file);
            }
        }
    }
    let compiled = engine
        .precompile_component(bytes)
        .map_err(|e| PluginHostError::Compile {
            path: source.to_path_buf(),
            reason: format!("{e:#}"),
        })?;
    store(dir, &file, &compiled)?;
    // SAFETY: as above; the file was just written from `precompile_component` by this engine.
    let component = unsafe { Component::deserialize_file(engine, &file) }.map_err(|e| PluginHostError::Compile {
        path: source.to_path_buf(),
        reason: format!("{e:#}"),
    })?;
    Ok((component, CacheOutcome::Compiled))
}

/// Writes to a temporary file and renames it, so a reader never maps a half-written file.
fn store(dir: &Path, file: &Path, compiled: &[u8]) -> Result<(), PluginHostError> {
    let err = |source| PluginHostError::Cache {
        path: file.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    crate::atomic_write::write_atomic(file, compiled, 0o644).map_err(err)
}
