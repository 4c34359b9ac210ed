//! The plugin API version a component was built against, read from its `devnet-plugin-api`
//! custom section before anything is compiled or instantiated.

use std::path::Path;

use wasmparser::{Encoding, Parser, Payload};

use crate::PluginHostError;

/// A plugin API version this host can load: one frozen `wit/vX.Y.Z` folder each. Parsed once,
/// from the component's section; everything after that matches on it, so a version added here
/// fails to compile wherever it is not handled yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiVersion {
    /// `wit/v0.1.0`: info, genesis, node, version, tx.
    V0_1_0,
    /// `wit/v0.2.0`: 0.1.0 and the `chain` interface.
    V0_2_0,
    /// `wit/v0.3.0`: 0.2.0 and the `operate` interface.
    V0_3_0,
    /// `wit/v0.4.0`: transaction kinds named by the plugin, rejections by kind, and the
    /// `governance` interface.
    V0_4_0,
    /// `wit/v0.5.0`: 0.4.0 and the `plan` interface (defaults chosen by the plugin, start gates).
    V0_5_0,
    /// `wit/v0.6.0`: 0.5.0 and the `threshold` interface (key groups the host deals).
    V0_6_0,
    /// `wit/v0.7.0`: 0.6.0 and the imported `placement` interface (where the nodes are).
    V0_7_0,
}

impl ApiVersion {
    /// Every supported version, oldest first.
    pub const ALL: [ApiVersion; 7] = [
        ApiVersion::V0_1_0,
        ApiVersion::V0_2_0,
        ApiVersion::V0_3_0,
        ApiVersion::V0_4_0,
        ApiVersion::V0_5_0,
        ApiVersion::V0_6_0,
        ApiVersion::V0_7_0,
    ];
    /// The version the host works in, and the SDK builds plugins on.
    pub const NEWEST: ApiVersion = ApiVersion::V0_7_0;

    /// As the WIT package and the custom section spell it: `0.3.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V0_1_0 => "0.1.0",
            ApiVersion::V0_2_0 => "0.2.0",
            ApiVersion::V0_3_0 => "0.3.0",
            ApiVersion::V0_4_0 => "0.4.0",
            ApiVersion::V0_5_0 => "0.5.0",
            ApiVersion::V0_6_0 => "0.6.0",
            ApiVersion::V0_7_0 => "0.7.0",
        }
    }

    /// The supported version spelled `text`, if any.
    pub fn parse(text: &str) -> Option<ApiVersion> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// Whether a plugin of this version exports the `chain` interface (transactions).
    pub fn has_chain(self) -> bool {
        self >= ApiVersion::V0_2_0
    }

    /// Whether a plugin of this version exports the `operate` interface (halt height, export).
    pub fn has_operate(self) -> bool {
        self >= ApiVersion::V0_3_0
    }

    /// Whether a plugin of this version exports the `plan` interface (its own defaults).
    pub fn has_plan(self) -> bool {
        self >= ApiVersion::V0_5_0
    }

    /// Whether a plugin of this version exports the `threshold` interface (dealt key groups).
    pub fn has_threshold(self) -> bool {
        self >= ApiVersion::V0_6_0
    }

    /// Whether a plugin of this version asks where the nodes are (`placement`, 0.7.0): only its
    /// nodes may be placed anywhere but loopback.
    pub fn has_placement(self) -> bool {
        self >= ApiVersion::V0_7_0
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ApiVersion {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Every supported version, `0.1.0, 0.2.0, 0.3.0, 0.4.0, 0.5.0`.
pub fn supported_list() -> String {
    ApiVersion::ALL.map(ApiVersion::as_str).join(", ")
}

/// The supported API versions as a range: `0.1.0 to 0.3.0`.
pub fn supported_range() -> String {
    match (ApiVersion::ALL.first(), ApiVersion::ALL.last()) {
        (Some(a), Some(b)) if a != b => format!("{a} to {b}"),
        (Some(a), _) => a.to_string(),
        _ => "none".into(),
    }
}

/// The custom section the SDK's `export_plugin!` writes.
pub const API_SECTION: &str = "devnet-plugin-api";

/// Checks that `bytes` is a component and returns the API version it declares.
pub fn read_api_version(path: &Path, bytes: &[u8]) -> Result<ApiVersion, PluginHostError> {
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
    ApiVersion::parse(&version).ok_or_else(|| PluginHostError::UnsupportedApi {
        path: path.to_path_buf(),
        found: version,
        supported: supported_list(),
    })
}

/// The names a component imports and exports at its top level (`devnet:plugin/node@0.7.0`,
/// `wasi:io/streams@0.2.0`, …): what the CNCF Wasm OCI config lists, read without compiling.
pub fn component_interfaces(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>), String> {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    imports.push(import.map_err(|e| e.to_string())?.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    exports.push(export.map_err(|e| e.to_string())?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_should_parse_back_from_its_spelling_and_nothing_else() {
        for v in ApiVersion::ALL {
            assert_eq!(ApiVersion::parse(v.as_str()), Some(v));
        }
        assert_eq!(ApiVersion::parse("0.8.0"), None);
        assert_eq!(ApiVersion::parse("0.3"), None);
        assert_eq!(ApiVersion::ALL.last(), Some(&ApiVersion::NEWEST));
        assert!(!ApiVersion::V0_1_0.has_chain() && ApiVersion::V0_2_0.has_chain());
        assert!(!ApiVersion::V0_2_0.has_operate() && ApiVersion::V0_3_0.has_operate());
        assert!(!ApiVersion::V0_4_0.has_plan() && ApiVersion::V0_5_0.has_plan());
        assert!(!ApiVersion::V0_5_0.has_threshold() && ApiVersion::V0_6_0.has_threshold());
        assert!(!ApiVersion::V0_6_0.has_placement() && ApiVersion::V0_7_0.has_placement());
    }

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
