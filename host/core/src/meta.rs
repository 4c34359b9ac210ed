//! What every resource carries besides its spec and status.

use serde::{Deserialize, Serialize};

/// Identity and bookkeeping of one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Meta {
    /// `devnet` or `devnet/child`; unique within its kind.
    pub name: String,
    /// Bumped by the store each time the spec changes; a status records the generation it saw.
    pub generation: u64,
    /// Bumped by the store on every write of the object; a write that names an older one fails.
    pub resource_version: u64,
    /// Milliseconds since the Unix epoch, set when the object was created.
    pub created_unix_ms: u64,
    /// Set when deletion was asked for; controllers clean up, then the object goes.
    pub deleting: bool,
}

impl Meta {
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// The devnet part of the name (`hub` for `hub/validator-0`).
    pub fn devnet(&self) -> &str {
        self.name.split('/').next().unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a name cannot be empty")]
    Empty,
    #[error("name {name:?} is {len} characters; the limit is 63")]
    TooLong { name: String, len: usize },
    #[error(
        "name {name:?}: use lowercase letters, digits and '-', starting with a letter or digit (e.g. `hub`, `v050-to-v053`)"
    )]
    Characters { name: String },
}

/// A name part: 1 to 63 of `a-z`, `0-9`, `-`, `.`, `_`, not starting with a punctuation mark, as
/// in a DNS label (plus `.` and `_`, which versions and ids use).
pub fn validate_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > 63 {
        return Err(NameError::TooLong {
            name: name.to_string(),
            len: name.len(),
        });
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_');
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !first_ok || !name.chars().all(ok_char) {
        return Err(NameError::Characters { name: name.to_string() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_should_be_dns_like_and_say_what_is_wrong() {
        assert!(validate_name("hub").is_ok());
        assert!(validate_name("v050-to-v053").is_ok());
        assert!(validate_name("validator-0").is_ok());
        assert_eq!(validate_name(""), Err(NameError::Empty));
        let err = validate_name("Hub").expect_err("uppercase");
        assert!(err.to_string().contains("lowercase"), "{err}");
        assert!(validate_name("-hub").is_err());
        assert!(validate_name("a/b").is_err());
        assert!(matches!(
            validate_name(&"a".repeat(64)),
            Err(NameError::TooLong { len: 64, .. })
        ));
    }

    #[test]
    fn the_devnet_should_be_the_first_part_of_a_name() {
        assert_eq!(Meta::named("hub/validator-0").devnet(), "hub");
        assert_eq!(Meta::named("hub").devnet(), "hub");
    }
}
