//! The Cosmos SDK version of a binary or of a running node.

use devnet_plugin_sdk::{NodeSlot, PluginError};

/// `simd version --long -o json`.
pub const ARGS: &[&str] = &["version", "--long", "-o", "json"];

/// The SDK version from `version --long -o json`: `cosmos_sdk_version`, or, when the binary was
/// built with a local `replace` and that is empty, the cosmos-sdk entry of `build_deps`.
pub fn from_binary_output(output: &str) -> Result<String, PluginError> {
    let json: serde_json::Value = serde_json::from_str(output.trim()).map_err(|e| {
        PluginError::invalid(format!(
            "expected the JSON of `version --long -o json`, got {:?}: {e}",
            first(output)
        ))
    })?;
    if let Some(v) = json["cosmos_sdk_version"].as_str().filter(|v| !v.is_empty()) {
        return Ok(v.to_string());
    }
    let deps = json["build_deps"].as_array().map(Vec::as_slice).unwrap_or_default();
    for dep in deps.iter().filter_map(|d| d.as_str()) {
        // `github.com/cosmos/cosmos-sdk@v0.50.15`, or with a replace `...@v0.50.15 => ../`.
        if let Some(rest) = dep.strip_prefix("github.com/cosmos/cosmos-sdk@") {
            let version = rest.split_whitespace().next().unwrap_or(rest);
            if version.starts_with('v') && version != "v0.0.0" {
                return Ok(version.to_string());
            }
        }
    }
    Err(PluginError::unsupported(
        "the binary reports no cosmos_sdk_version and no github.com/cosmos/cosmos-sdk build dependency",
    ))
}

/// The SDK version a running node reports on its REST API:
/// `/cosmos/base/tendermint/v1beta1/node_info` → `application_version.cosmos_sdk_version`.
pub fn from_live_node(node: &NodeSlot) -> Result<String, PluginError> {
    let port = node.port("api")?;
    let url = format!("http://127.0.0.1:{port}/cosmos/base/tendermint/v1beta1/node_info");
    let json = devnet_plugin_sdk::json::get_ok(&url)?;
    json["application_version"]["cosmos_sdk_version"]
        .as_str()
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| PluginError::Chain(format!("{url} has no application_version.cosmos_sdk_version")))
}

fn first(s: &str) -> &str {
    let line = s.lines().next().unwrap_or("");
    &line[..line.len().min(120)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_read_cosmos_sdk_version() {
        let out = r#"{"name":"sim","version":"v0.50.15","cosmos_sdk_version":"v0.50.15","build_deps":[]}"#;
        assert_eq!(from_binary_output(out).unwrap(), "v0.50.15");
    }

    #[test]
    fn should_fall_back_to_build_deps_when_the_version_is_empty() {
        let out = r#"{"cosmos_sdk_version":"","build_deps":["cosmossdk.io/api@v0.7.6","github.com/cosmos/cosmos-sdk@v0.53.4 => ../"]}"#;
        assert_eq!(from_binary_output(out).unwrap(), "v0.53.4");
    }

    #[test]
    fn should_refuse_text_that_is_not_the_json_output() {
        let err = from_binary_output("v0.50.15\n").unwrap_err().to_string();
        assert!(err.contains("version --long -o json"), "{err}");
    }
}
