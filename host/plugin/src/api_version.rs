//! The plugin API version a component was built against, read from its `devnet-plugin-api`
//! custom section before anything is compiled or instantiated.

use std::path::Path;

use wasmparser::{Encoding, Parser, Payload};

use crate::PluginHostError;

/// API versions this host can load, oldest first.
pub const SUPPORTED_API_VERSIONS: &[&str] = &["0.1.0", "0.2.0", "0.3.0"];

/// The custom section the SDK's `export_plugin!` writes.
pub const API_SECTION: &str = "devnet-plugin-api";

/// Checks that `bytes` is a component and returns the API version it declares.
pub fn read_api_version(path: &Path, bytes: &[u8]) -> Result<String, PluginHostError> {
    let not_component = |reason: String| PluginHostError::NotAComponent {
        path: path.to_path_buf(),
        reason,
    };
    if !bytes.starts_with(b"\0asm") {
        return Err(not_component(
            "it does not start with the WebAssembly magic bytes `\\0asm`".into(),
        ));
    }
    let mut found = None;
    for (i, payload) in Parser::new(0).parse_all(bytes).enumerate() {
        let payload = payload.map_err(|e| not_component(e.to_string()))?;
        match payload {
            Payload::Version { encoding, .. } if i == 0 && encoding != Encoding::Component => {
                return Err(not_component("it is a core module".into()));
            }
            Payload::CustomSection(section) if section.name() == API_SECTION => {
                let text = std::str::from_utf8(section.data())
                    .map_err(|_| not_component("its devnet-plugin-api section is not UTF-8".into()))?;
                found = Some(text.trim_end_matches('\0').to_string());
            }
            _ => {}
        }
    }
    let version = found.ok_or_else(|| PluginHostError::NoApiVersion {
        path: path.to_path_buf(),
    })?;
    if !SUPPORTED_API_VERSIONS.contains(&version.as_str()) {
        return Err(PluginHostError::UnsupportedApi {
            path: path.to_path_buf(),
            found: version,
            supported: SUPPORTED_API_VERSIONS.join(", "),
        });
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_module_should_be_refused_as_not_a_component() {
        // The smallest valid core module: magic and version 1.
        let module = b"\0asm\x01\0\0\0";
        let err = read_api_version(Path::new("m.wasm"), module).unwrap_err().to_string();
        assert!(err.contains("not a WebAssembly component"), "{err}");
        assert!(err.contains("core module"), "{err}");
    }

    #[test]
    fn garbage_should_be_refused_as_not_a_component() {
        let err = read_api_version(Path::new("x.wasm"), b"#!/bin/sh\necho hi\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a WebAssembly component"), "{err}");
    }

    #[test]
    fn an_empty_component_should_be_refused_for_its_missing_api_version() {
        // Magic, component version 0x0d, layer 1.
        let component = b"\0asm\x0d\0\x01\0";
        let err = read_api_version(Path::new("c.wasm"), component)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `devnet-plugin-api` section"), "{err}");
    }
}
