//! HTTP to a devnet's own nodes, for the `http-get` and `http-post` capabilities.

use std::io::Read;
use std::time::Duration;

/// Status and body, with the body cut off at `max_body` bytes (an error past that).
pub fn request(
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: &[u8],
    timeout: Duration,
    max_body: usize,
) -> Result<(u16, Vec<u8>), String> {
    let agent = ureq::AgentBuilder::new().timeout(timeout).redirects(0).build();
    let req = agent.request(method, url);
    let result = match content_type {
        Some(ct) => req.set("Content-Type", ct).send_bytes(body),
        None => req.call(),
    };
    let response = match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(format!("{url}: {e}")),
    };
    let status = response.status();
    let mut out = Vec::new();
    let limit = u64::try_from(max_body).unwrap_or(u64::MAX).saturating_add(1);
    response
        .into_reader()
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| format!("{url}: {e}"))?;
    if out.len() > max_body {
        return Err(format!("{url}: the response is larger than the {max_body}-byte limit"));
    }
    Ok((status, out))
}
