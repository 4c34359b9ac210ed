//! Transactions: the request a builder gets, the signer and options the host passes, and helpers
//! to declare a kind and read a request's JSON into a type of the plugin's own.
//!
//! ```
//! use devnet_plugin_sdk::TxKind;
//! use devnet_plugin_sdk::tx::TxRequest;
//!
//! #[derive(Debug, serde::Deserialize)]
//! struct Mint {
//!     to: String,
//!     amount: u64,
//! }
//!
//! let kind = TxKind::example("mint", "mint tokens to an account", r#"{"to":"alice","amount":5}"#);
//! let request = TxRequest::of("mint", &serde_json::json!({"to": "bob", "amount": 7}));
//! let mint: Mint = request.fields(&kind).unwrap();
//! assert_eq!((mint.to.as_str(), mint.amount), ("bob", 7));
//!
//! // A field missing or of the wrong type is refused, naming the kind and showing the example.
//! let bad = TxRequest::of("mint", &serde_json::json!({"to": "bob"}));
//! let err = bad.fields::<Mint>(&kind).unwrap_err();
//! assert!(err.message().contains("amount") && err.message().contains(r#"{"to":"alice","amount":5}"#));
//! ```

pub use crate::bindings::exports::devnet::plugin::tx::{Signer, TxOptions, TxRequest, UnsignedTx};
use crate::{PluginError, TxKind};

impl TxKind {
    /// A kind described by an example of its JSON (no schema).
    pub fn example(name: &str, summary: &str, example: &str) -> Self {
        TxKind {
            name: name.into(),
            summary: summary.into(),
            schema: String::new(),
            example: example.into(),
        }
    }

    /// The same kind with a JSON Schema of its fields.
    pub fn with_schema(mut self, schema: &serde_json::Value) -> Self {
        self.schema = schema.to_string();
        self
    }
}

impl TxRequest {
    /// A request of `kind` with `fields` as its JSON.
    pub fn of(kind: &str, fields: &impl serde::Serialize) -> Self {
        TxRequest {
            kind: kind.into(),
            json: serde_json::to_string(fields).unwrap_or_else(|_| "{}".into()),
        }
    }

    /// The request's JSON as `T`; a request that does not fit is [`PluginError::InvalidInput`],
    /// naming the kind and what is wrong, with the kind's example.
    pub fn fields<T: serde::de::DeserializeOwned>(&self, kind: &TxKind) -> Result<T, PluginError> {
        serde_json::from_str(&self.json).map_err(|e| {
            PluginError::invalid(format!(
                "the `{}` request does not fit its kind: {e}; e.g. {}",
                self.kind, kind.example
            ))
        })
    }
}

/// The kind among `kinds` that `request` names, or [`PluginError::InvalidInput`] listing them.
pub fn kind_of<'a>(kinds: &'a [TxKind], request: &TxRequest) -> Result<&'a TxKind, PluginError> {
    kinds.iter().find(|k| k.name == request.kind).ok_or_else(|| {
        let names: Vec<&str> = kinds.iter().map(|k| k.name.as_str()).collect();
        PluginError::invalid(format!(
            "no transaction kind {:?} here; the kinds are: {}",
            request.kind,
            names.join(", ")
        ))
    })
}
