//! Values across API versions. A type an older API version has is, field for field and case for
//! case, the same type in the newest one (versions only add), so a value converts through its
//! serde form. Only calls to plugins built against an older version pay for it.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// `value` as the same-shaped type of another API version.
pub fn convert<A: Serialize + ?Sized, B: DeserializeOwned>(value: &A) -> wasmtime::Result<B> {
    let json = serde_json::to_value(value)?;
    serde_json::from_value(json)
        .map_err(|e| wasmtime::format_err!("a value has no counterpart across plugin API versions: {e}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bindings::{v0_1_0 as old, v0_3_0 as new};

    #[test]
    fn a_request_should_survive_the_round_trip_through_the_older_version() {
        let request = new::TxRequest::GovSubmitProposal(new::GovSubmitProposal {
            title: "t".into(),
            summary: "s".into(),
            deposit: vec![new::Coin {
                denom: "stake".into(),
                amount: "10".into(),
            }],
            content: new::ProposalContent::SoftwareUpgrade(new::SoftwareUpgrade {
                name: "v050-to-v053".into(),
                height: 40,
                info: String::new(),
            }),
            expedited: true,
        });
        let older: old::exports::devnet::plugin::tx::TxRequest = convert(&request).unwrap();
        let back: new::TxRequest = convert(&older).unwrap();
        assert_eq!(format!("{back:?}"), format!("{request:?}"));
        let error: Result<u64, old::devnet::plugin::types::PluginError> =
            Err(old::devnet::plugin::types::PluginError::Chain("boom".into()));
        let newer: Result<u64, new::PluginError> = convert(&error).unwrap();
        assert!(matches!(newer, Err(new::PluginError::Chain(m)) if m == "boom"));
    }

    #[test]
    fn a_value_of_another_shape_should_be_an_error_not_a_guess() {
        let r: wasmtime::Result<new::NodeStatus> = convert(&new::HaltInfo {
            name: "x".into(),
            height: 1,
        });
        assert!(r.unwrap_err().to_string().contains("no counterpart"));
    }
}
