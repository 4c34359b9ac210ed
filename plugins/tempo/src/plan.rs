//! What the tempo plugin chooses for a new devnet: anvil's Tempo mode unless a `tempo` node is
//! asked for (`--set client=tempo` or `--binary tempo`), and a numeric chain id.

use devnet_plugin_sdk::Override;
use devnet_plugin_sdk::PluginError;
use devnet_plugin_sdk::plan::{DevnetPlan, DevnetRequest, setting};

/// The chain id of Tempo's dev chainspec, used on both clients unless the user gives another.
const CHAIN_ID: u64 = 1337;

pub fn choose(request: DevnetRequest) -> Result<DevnetPlan, PluginError> {
    let client = match (setting(&request.overrides, "client"), request.binary.as_str()) {
        (Some(c @ ("anvil" | "tempo")), _) => c.to_string(),
        (Some(other), _) => {
            return Err(PluginError::invalid(format!(
                "client {other:?}: use `anvil` (anvil's Tempo mode, one node; the default) or `tempo` (a `tempo` node binary of your own)"
            )));
        }
        (None, "tempo") => "tempo".into(),
        (None, _) => "anvil".into(),
    };
    if !request.binary.is_empty() && request.binary != client {
        return Err(PluginError::invalid(format!(
            "client {client} runs the {client} binary, not {}: drop --binary, or pick the client with --set client=…",
            request.binary
        )));
    }
    let nodes = request.validators + request.full_nodes;
    if client == "tempo" && request.validators != 1 {
        return Err(PluginError::invalid(format!(
            "{} Tempo validators: this plugin runs one block-producing node with full nodes following it (several need a DKG ceremony it does not run): use --validators 1",
            request.validators
        )));
    }
    if client == "anvil" && nodes != 1 {
        return Err(PluginError::invalid(format!(
            "anvil's Tempo mode runs one node, not {nodes}: use --validators 1 --full-nodes 0, or a `tempo` binary (--set client=tempo)"
        )));
    }
    // Every balance in a token and an amount the genesis can hold, checked before the devnet
    // is stored. A `tempo` node's genesis has more tokens than anvil's four: it checks its own.
    if client == "anvil" {
        for account in &request.accounts {
            for coin in &account.balances {
                let what = format!("--account {}", account.name);
                crate::anvil::token(&coin.denom)
                    .map_err(|e| PluginError::invalid(format!("{what}: {}", e.message())))?;
                crate::tip20::base_units(&coin.amount, &what)?;
            }
        }
    }
    let chain_id = if request.chain_id.is_empty() {
        CHAIN_ID.to_string()
    } else {
        request
            .chain_id
            .parse::<u64>()
            .map_err(|_| {
                PluginError::invalid(format!(
                    "chain id {:?}: a Tempo chain id is a number, e.g. {CHAIN_ID}",
                    request.chain_id
                ))
            })?
            .to_string()
    };
    let mut overrides = request.overrides;
    if setting(&overrides, "client").is_none() {
        overrides.push(Override {
            key: "client".into(),
            value: client.clone(),
        });
    }
    if client == "anvil" && setting(&overrides, "hardfork").is_none() {
        overrides.push(Override {
            key: "hardfork".into(),
            value: crate::anvil::DEFAULT_HARDFORK.into(),
        });
    }
    Ok(DevnetPlan {
        chain_id,
        binary: client,
        chain_version: request.chain_version,
        overrides,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(binary: &str, settings: &[(&str, &str)]) -> DevnetRequest {
        DevnetRequest {
            name: "tp".into(),
            chain_id: String::new(),
            binary: binary.into(),
            chain_version: String::new(),
            validators: 1,
            full_nodes: 0,
            accounts: vec![],
            overrides: settings
                .iter()
                .map(|(k, v)| Override {
                    key: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            now_unix_secs: 1_800_000_000,
        }
    }

    #[test]
    fn without_a_tempo_binary_asked_for_it_should_run_anvil_s_tempo_mode() {
        let plan = choose(request("", &[])).unwrap();
        assert_eq!((plan.binary.as_str(), plan.chain_id.as_str()), ("anvil", "1337"));
        assert_eq!(setting(&plan.overrides, "client"), Some("anvil"));
        assert_eq!(setting(&plan.overrides, "hardfork"), Some("t0"));
        let plan = choose(request("tempo", &[])).unwrap();
        assert_eq!(
            (plan.binary.as_str(), setting(&plan.overrides, "client")),
            ("tempo", Some("tempo"))
        );
        assert_eq!(setting(&plan.overrides, "genesis-time"), None);
    }

    #[test]
    fn what_cannot_work_should_be_refused_saying_what_to_change() {
        assert!(
            choose(request("geth", &[]))
                .unwrap_err()
                .message()
                .contains("drop --binary")
        );
        assert!(
            choose(request("", &[("client", "reth")]))
                .unwrap_err()
                .message()
                .contains("client \"reth\"")
        );
        let mut r = request("", &[]);
        r.validators = 2;
        assert!(choose(r).unwrap_err().message().contains("one node, not 2"));
        let mut r = request("tempo", &[]);
        r.validators = 3;
        assert!(choose(r).unwrap_err().message().contains("3 Tempo validators"));
        let mut r = request("", &[]);
        r.chain_id = "tp-1".into();
        assert!(choose(r).unwrap_err().message().contains("is a number"));
        let mut r = request("", &[]);
        r.accounts = vec![devnet_plugin_sdk::AccountSpec {
            name: "alice".into(),
            balances: vec![devnet_plugin_sdk::Coin {
                denom: "stake".into(),
                amount: "5".into(),
            }],
        }];
        let e = choose(r.clone()).unwrap_err();
        assert!(
            e.message().contains("--account alice") && e.message().contains("pathUSD"),
            "{e:?}"
        );
        r.accounts[0].balances[0] = devnet_plugin_sdk::Coin {
            denom: "pathUSD".into(),
            amount: "1.0000001".into(),
        };
        assert!(choose(r).unwrap_err().message().contains("at most 6 decimals"));
    }
}
