//! JSON over the host's HTTP, to a devnet's own node endpoints (capability `http`).
//!
//! ```no_run
//! use devnet_plugin_sdk::json;
//!
//! # fn f() -> Result<(), devnet_plugin_sdk::PluginError> {
//! let answer = json::get("http://127.0.0.1:26657/status")?;
//! assert_eq!(answer.status, 200);
//! let height = answer.body["result"]["sync_info"]["latest_block_height"].as_str();
//! let sent = json::post("http://127.0.0.1:8545", &serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}))?;
//! # let _ = (height, sent);
//! # Ok(())
//! # }
//! ```

use crate::{PluginError, host};

/// An HTTP answer whose body is JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body, parsed.
    pub body: serde_json::Value,
}

impl JsonResponse {
    fn parse(url: &str, response: host::HttpResponse) -> Result<Self, PluginError> {
        let body = serde_json::from_slice(&response.body).map_err(|e| {
            PluginError::chain(format!(
                "{url} answered HTTP {} with a body that is not JSON: {e}",
                response.status
            ))
        })?;
        Ok(Self {
            status: response.status,
            body,
        })
    }
}

/// A GET whose answer is JSON, whatever its status; an answer that is not JSON is a
/// [`PluginError::Chain`] naming the URL.
pub fn get(url: &str) -> Result<JsonResponse, PluginError> {
    JsonResponse::parse(url, host::http_get(url)?)
}

/// A GET that must answer 200 with JSON: its body. Any other status is a
/// [`PluginError::Chain`] naming the URL and the status.
pub fn get_ok(url: &str) -> Result<serde_json::Value, PluginError> {
    let answer = get(url)?;
    if answer.status != 200 {
        return Err(PluginError::chain(format!(
            "{url} answered HTTP {}: {}",
            answer.status, answer.body
        )));
    }
    Ok(answer.body)
}

/// A POST of `body` as `application/json`; the answer as in [`get`].
pub fn post(url: &str, body: &serde_json::Value) -> Result<JsonResponse, PluginError> {
    JsonResponse::parse(
        url,
        host::http_post(url, "application/json", body.to_string().as_bytes())?,
    )
}
