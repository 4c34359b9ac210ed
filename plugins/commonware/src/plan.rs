//! What a Commonware devnet runs, and the requests it refuses before anything is stored.

use devnet_plugin_sdk::plan::{DevnetPlan, DevnetRequest, host_default};
use devnet_plugin_sdk::{DevnetSpec, Override, PluginError};

/// The chain-cache binary: alto's validator.
pub const BINARY: &str = "alto-validator";

/// The most validators one devnet runs: each takes about 0.5 GB of memory.
pub const MAX_VALIDATORS: u32 = 16;

/// The settings a Commonware devnet takes, with their defaults. (Leaders rotate every view:
/// alto's `stable` leader mode needs a term length and optimistic views this plugin does not
/// write yet.)
pub const SETTINGS: [(&str, &str); 3] = [
    ("log-level", "info"),
    ("worker-threads", "1"),
    ("signature-threads", "1"),
];

/// The value of setting `key`: the user's, or its default.
pub fn setting<'a>(overrides: &'a [Override], key: &str) -> &'a str {
    overrides
        .iter()
        .find(|o| o.key == key)
        .map(|o| o.value.as_str())
        .or_else(|| SETTINGS.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
        .unwrap_or("")
}

fn check_request(validators: u32, full_nodes: u32, accounts: usize, overrides: &[Override]) -> Result<(), PluginError> {
    if validators == 0 || validators > MAX_VALIDATORS {
        return Err(PluginError::invalid(format!(
            "a Commonware devnet runs 1 to {MAX_VALIDATORS} validators, not {validators}; 4 tolerate one down (3f + 1)"
        )));
    }
    if full_nodes > 0 {
        return Err(PluginError::unsupported(format!(
            "alto has no full nodes: every node is a validator holding a share; use --validators {} --full-nodes 0",
            validators + full_nodes
        )));
    }
    if accounts > 0 {
        return Err(PluginError::unsupported(
            "alto takes no transactions, so there are no accounts to fund: drop --account",
        ));
    }
    for o in overrides {
        let known = SETTINGS.iter().any(|(k, _)| *k == o.key);
        if !known {
            let names: Vec<&str> = SETTINGS.iter().map(|(k, _)| *k).collect();
            return Err(PluginError::invalid(format!(
                "unknown setting {:?} for Commonware; the settings are {}",
                o.key,
                names.join(", ")
            )));
        }
        let ok = match o.key.as_str() {
            "log-level" => matches!(o.value.as_str(), "trace" | "debug" | "info" | "warn" | "error"),
            _ => o.value.parse::<u32>().is_ok_and(|n| (1..=64).contains(&n)),
        };
        if !ok {
            return Err(PluginError::invalid(format!(
                "setting {}={:?}: {}",
                o.key,
                o.value,
                match o.key.as_str() {
                    "log-level" => "use trace, debug, info, warn or error",
                    _ => "use a whole number from 1 to 64",
                }
            )));
        }
    }
    Ok(())
}

/// Alto's validator at the newest cached version; the user's chain id, binary and version stand.
pub fn choose(request: DevnetRequest) -> Result<DevnetPlan, PluginError> {
    check_request(
        request.validators,
        request.full_nodes,
        request.accounts.len(),
        &request.overrides,
    )?;
    Ok(host_default(request, BINARY))
}

/// The same checks on a stored spec (a spec stored before this plugin chose it).
pub fn check(spec: &DevnetSpec) -> Result<(), PluginError> {
    check_request(spec.validators, spec.full_nodes, spec.accounts.len(), &spec.overrides)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(validators: u32, full_nodes: u32, overrides: &[(&str, &str)]) -> DevnetRequest {
        DevnetRequest {
            name: "alto".into(),
            chain_id: String::new(),
            binary: String::new(),
            chain_version: String::new(),
            validators,
            full_nodes,
            accounts: vec![],
            overrides: overrides
                .iter()
                .map(|(k, v)| Override {
                    key: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            now_unix_secs: 0,
        }
    }

    #[test]
    fn should_choose_alto_and_refuse_what_alto_cannot_run() {
        let plan = choose(request(4, 0, &[("log-level", "debug")])).expect("four validators");
        assert_eq!((plan.binary.as_str(), plan.chain_id.as_str()), (BINARY, "alto-1"));
        assert_eq!(setting(&plan.overrides, "log-level"), "debug");
        assert_eq!(setting(&plan.overrides, "worker-threads"), "1");
        let err = |r| choose(r).expect_err("refused").message().to_string();
        assert!(err(request(0, 0, &[])).contains("1 to 16 validators"));
        assert!(err(request(3, 1, &[])).contains("--validators 4 --full-nodes 0"));
        assert!(err(request(4, 0, &[("block-time", "1s")])).contains("unknown setting \"block-time\""));
        assert!(err(request(4, 0, &[("leader-mode", "stable")])).contains("unknown setting \"leader-mode\""));
        assert!(err(request(4, 0, &[("log-level", "loud")])).contains("use trace, debug"));
        assert!(err(request(4, 0, &[("worker-threads", "0")])).contains("1 to 64"));
        let mut funded = request(4, 0, &[]);
        funded.accounts.push(devnet_plugin_sdk::AccountSpec {
            name: "alice".into(),
            balances: vec![],
        });
        assert!(err(funded).contains("no transactions"));
    }
}
