//! A transaction request as devnet-builder stores it and users write it: one of the devnet
//! plugin's transaction kinds (`dvb tx kinds <devnet>` lists them) and the kind's fields. This is
//! the project's own format, versioned with the store's schema; it becomes the plugin contract's
//! `tx-request` only when a plugin is called.

use serde::{Deserialize, Serialize};

/// `{"kind": "bank-send", "fields": {"to": "cosmos1…", "amount": [{"denom": "stake", "amount": "1"}]}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TxRequest {
    /// A kind the devnet's plugin declares, e.g. `bank-send`, `evm-transfer`, `send`.
    pub kind: String,
    /// The kind's fields, a JSON object.
    #[serde(default = "empty_object")]
    pub fields: serde_json::Value,
}

/// How a request is written, for error messages.
const EXAMPLE: &str =
    r#"{"kind": "bank-send", "fields": {"to": "cosmos1…", "amount": [{"denom": "stake", "amount": "1"}]}}"#;

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

impl TxRequest {
    /// A request of `kind` with `fields`.
    pub fn new(kind: &str, fields: serde_json::Value) -> Self {
        Self {
            kind: kind.to_string(),
            fields,
        }
    }

    /// Reads a request as users write it: `{"kind": "...", "fields": {...}}`, or the form of
    /// devnet-builder before plugin API 0.4.0, `{"BankSend": {...}}` (one key, the kind in
    /// PascalCase), which stored transactions and older batch files hold.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        let example = EXAMPLE;
        let object = value
            .as_object()
            .ok_or_else(|| format!("a transaction request is a JSON object, e.g. {example}; got {value}"))?;
        if object.contains_key("kind") {
            let request: TxRequest = serde_json::from_value(value.clone())
                .map_err(|e| format!("not a transaction request ({e}); e.g. {example}"))?;
            if request.kind.is_empty() || !request.fields.is_object() {
                return Err(format!(
                    "a transaction request needs a kind and its fields as an object, e.g. {example}"
                ));
            }
            return Ok(request);
        }
        match object.iter().next() {
            Some((case, fields)) if object.len() == 1 && case.starts_with(char::is_uppercase) => Ok(Self {
                kind: kebab(case),
                fields: fields.clone(),
            }),
            _ => Err(format!(
                "a transaction request names its kind: {example} (`dvb tx kinds <devnet>` lists the kinds)"
            )),
        }
    }

    /// Parses the text of [`Self::from_json`].
    pub fn parse(text: &str) -> Result<Self, String> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("the transaction request is not JSON ({e}); e.g. {EXAMPLE}"))?;
        Self::from_json(&value)
    }

    /// The fields as the JSON text a plugin reads.
    pub fn fields_json(&self) -> String {
        self.fields.to_string()
    }
}

/// `BankSend` → `bank-send`.
fn kebab(case: &str) -> String {
    let mut out = String::with_capacity(case.len() + 4);
    for (i, c) in case.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn both_forms_should_read_as_one_request() {
        let new = TxRequest::parse(r#"{"kind":"gov-vote","fields":{"proposal_id":1,"choice":"Yes"}}"#).unwrap();
        let old = TxRequest::parse(r#"{"GovVote":{"proposal_id":1,"choice":"Yes"}}"#).unwrap();
        assert_eq!(new, old);
        assert_eq!(
            TxRequest::parse(r#"{"TempoTransfer":{}}"#).unwrap().kind,
            "tempo-transfer"
        );
        assert_eq!(
            TxRequest::parse(r#"{"kind":"send"}"#).unwrap().fields,
            serde_json::json!({})
        );
    }

    #[test]
    fn a_request_without_a_kind_should_say_how_one_is_written() {
        for bad in [
            r#"[1]"#,
            r#"{"to":"x","amount":[]}"#,
            r#"{"kind":"","fields":{}}"#,
            r#"{"kind":"a","fields":3}"#,
            "{",
        ] {
            let e = TxRequest::parse(bad).unwrap_err();
            // Each names what is wrong, then shows the form.
            let said = [
                "not JSON",
                "is a JSON object",
                "names its kind",
                "needs a kind and its fields",
            ];
            assert!(said.iter().any(|s| e.contains(s)), "{bad}: {e}");
            assert!(e.contains(r#"{"kind": "bank-send""#), "{bad}: {e}");
        }
        let e = TxRequest::parse(r#"{"kind":"a","feilds":{}}"#).unwrap_err();
        assert!(e.contains("feilds"), "{e}");
    }
}
