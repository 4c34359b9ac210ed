//! Reading block heights from real nodes.

use std::time::Duration;

use anyhow::Context;

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(3)).build()
}

/// `eth_blockNumber` from an EVM JSON-RPC endpoint.
pub fn eth_block_number(port: u16) -> anyhow::Result<u64> {
    let body = serde_json::json!({"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]});
    let reply: serde_json::Value = agent()
        .post(&format!("http://127.0.0.1:{port}"))
        .send_json(body)?
        .into_json()?;
    let hex = reply["result"]
        .as_str()
        .with_context(|| format!("eth_blockNumber answered {reply}"))?;
    Ok(u64::from_str_radix(hex.trim_start_matches("0x"), 16)?)
}

/// `latest_block_height` from a CometBFT RPC endpoint's `/status`.
pub fn comet_height(port: u16) -> anyhow::Result<u64> {
    let reply: serde_json::Value = agent()
        .get(&format!("http://127.0.0.1:{port}/status"))
        .call()?
        .into_json()?;
    let h = reply["result"]["sync_info"]["latest_block_height"]
        .as_str()
        .with_context(|| format!("/status answered {reply}"))?;
    Ok(h.parse()?)
}

/// A Prometheus metrics page, as text.
pub fn metrics(port: u16) -> anyhow::Result<String> {
    Ok(agent()
        .get(&format!("http://127.0.0.1:{port}/metrics"))
        .call()?
        .into_string()?)
}

/// An alto validator's finalized height, from its metrics (`engine_marshal_finalized_height`;
/// absent until its first finalized block: 0).
pub fn alto_finalized_height(metrics_port: u16) -> anyhow::Result<u64> {
    let text = metrics(metrics_port)?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("engine_marshal_finalized_height "))
        .map(|v| v.trim().parse::<f64>())
        .transpose()?
        .unwrap_or(0.0) as u64)
}

/// Any JSON-RPC call on an EVM endpoint; the `result`, or the node's error.
pub fn eth_call(port: u16, method: &str, params: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let body = serde_json::json!({"jsonrpc":"2.0","id":1,"method":method,"params":params});
    let reply: serde_json::Value = agent()
        .post(&format!("http://127.0.0.1:{port}"))
        .send_json(body)?
        .into_json()?;
    if let Some(err) = reply.get("error") {
        anyhow::bail!("{method}: {err}");
    }
    Ok(reply["result"].clone())
}

/// [`eth_call`] for a method that answers a string.
pub fn eth_call_str(port: u16, method: &str, params: serde_json::Value) -> anyhow::Result<String> {
    let v = eth_call(port, method, params)?;
    v.as_str()
        .map(str::to_string)
        .with_context(|| format!("{method} answered {v}"))
}
