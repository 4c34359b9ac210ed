//! A validator's status from its Prometheus `/metrics` (alto serves nothing else): the
//! finalized height and the peers it is connected to.

use devnet_plugin_sdk::PluginError;
use devnet_plugin_sdk::host::http_get;
use devnet_plugin_sdk::node::NodeStatus;

/// The finalized height.
const HEIGHT: &str = "engine_marshal_finalized_height";
/// The peers connected: one sample per peer, labelled `peer`, valued when it connected.
const PEERS: &str = "network_tracker_directory_connected{";

pub fn status(port: u16) -> Result<NodeStatus, PluginError> {
    let response = http_get(&format!("http://127.0.0.1:{port}/metrics"))?;
    if response.status != 200 {
        return Err(PluginError::chain(format!(
            "/metrics answered HTTP {}",
            response.status
        )));
    }
    let text = String::from_utf8_lossy(&response.body);
    parse(&text)
}

/// The status in a metrics page. A validator that has not finalized a block yet reports height
/// 0 (or, before its engine starts, none): catching up.
pub fn parse(text: &str) -> Result<NodeStatus, PluginError> {
    let height = sample(text, HEIGHT)?.unwrap_or(0);
    let peers = text.lines().filter(|l| l.starts_with(PEERS)).count();
    Ok(NodeStatus {
        height,
        catching_up: height == 0,
        peers: u32::try_from(peers).unwrap_or(u32::MAX),
    })
}

/// The value of the unlabelled sample `name`, if the page has it.
fn sample(text: &str, name: &str) -> Result<Option<u64>, PluginError> {
    let Some(line) = text
        .lines()
        .find(|l| l.strip_prefix(name).is_some_and(|rest| rest.starts_with(' ')))
    else {
        return Ok(None);
    };
    let value = line.rsplit(' ').next().unwrap_or_default();
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| Some(v as u64))
        .ok_or_else(|| PluginError::chain(format!("{name} is {value:?}, not a count")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_read_height_and_peers_and_wait_for_the_first_block() {
        // As alto 2026.9.1 serves it: one `connected` sample per peer, its value a timestamp.
        let page = "# HELP engine_marshal_finalized_height Finalized height.\n\
                    # TYPE engine_marshal_finalized_height gauge\n\
                    engine_marshal_finalized_height 57\n\
                    engine_marshal_finalized_height_total 3\n\
                    # TYPE network_tracker_directory_connected gauge\n\
                    network_tracker_directory_connected{peer=\"0b1c\"} 1796619000123\n\
                    network_tracker_directory_connected{peer=\"7e2a\"} 1796619000456\n\
                    network_tracker_directory_connected{peer=\"c3d4\"} 1796619000789\n";
        let s = parse(page).expect("status");
        assert_eq!((s.height, s.catching_up, s.peers), (57, false, 3));
        let fresh = parse("engine_marshal_finalized_height 0\n").expect("status");
        assert_eq!((fresh.height, fresh.catching_up, fresh.peers), (0, true, 0));
        assert_eq!(parse("").expect("before the engine starts").height, 0);
        assert!(parse("engine_marshal_finalized_height NaN\n").is_err());
    }
}
