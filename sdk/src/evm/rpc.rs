//! Ethereum JSON-RPC through the host's `http-post`, for node status and version detection.

use crate::PluginError;
use crate::node::NodeStatus;

/// A JSON-RPC error object, as the node sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// Its `code`.
    pub code: i64,
    /// Its `message`.
    pub message: String,
}

/// Calls `method` with `params` on the node's HTTP JSON-RPC port: the `result`, or the node's
/// JSON-RPC error; a node that cannot be reached or answers something else is
/// [`PluginError::Chain`].
pub fn call(
    port: u16,
    method: &str,
    params: serde_json::Value,
) -> Result<Result<serde_json::Value, RpcError>, PluginError> {
    let url = format!("http://127.0.0.1:{port}");
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let reply = crate::json::post(&url, &body)?.body;
    if let Some(err) = reply.get("error") {
        return Ok(Err(RpcError {
            code: err["code"].as_i64().unwrap_or(0),
            message: err["message"].as_str().map_or_else(|| err.to_string(), str::to_string),
        }));
    }
    Ok(Ok(reply["result"].clone()))
}

/// [`call`], with the node's error as [`PluginError::Chain`] naming the method.
pub fn rpc(port: u16, method: &str, params: serde_json::Value) -> Result<serde_json::Value, PluginError> {
    call(port, method, params)?.map_err(|e| PluginError::Chain(format!("{method}: {} (code {})", e.message, e.code)))
}

fn hex_u64(v: &serde_json::Value, what: &str) -> Result<u64, PluginError> {
    v.as_str()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| PluginError::Chain(format!("{what} answered {v}")))
}

/// Height (`eth_blockNumber`), peers (`net_peerCount`, 0 where the node does not serve it) and
/// whether the node is catching up (`eth_syncing` answers an object while it syncs).
pub fn node_status(port: u16) -> Result<NodeStatus, PluginError> {
    let no_params = || serde_json::json!([]);
    let height = hex_u64(&rpc(port, "eth_blockNumber", no_params())?, "eth_blockNumber")?;
    let peers = rpc(port, "net_peerCount", no_params())
        .ok()
        .and_then(|v| hex_u64(&v, "net_peerCount").ok())
        .unwrap_or(0);
    let catching_up = rpc(port, "eth_syncing", no_params())?.is_object();
    Ok(NodeStatus {
        height,
        catching_up,
        peers: u32::try_from(peers).unwrap_or(u32::MAX),
    })
}

/// `web3_clientVersion`, e.g. `Geth/v1.13.15-stable-c5ba367e/linux-amd64/go1.26.8`.
pub fn client_version(port: u16) -> Result<String, PluginError> {
    let answer = rpc(port, "web3_clientVersion", serde_json::json!([]))?;
    answer
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| PluginError::Chain(format!("web3_clientVersion answered {answer}")))
}
