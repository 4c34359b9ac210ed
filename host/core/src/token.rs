//! A token for devnetd's remote listener: who may call it over TLS, and what they may do. The
//! store keeps the SHA-256 of the token's secret, never the secret.

use serde::{Deserialize, Serialize};

use crate::Meta;
use crate::resource::resource;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSpec {
    /// SHA-256 of the secret part, hex.
    pub secret_sha256: String,
    /// May list, get, watch and stream logs, and change nothing.
    pub read_only: bool,
    /// The one devnet the token sees; `None`: every devnet.
    pub devnet: Option<String>,
    /// When it was revoked (ms since the Unix epoch); a revoked token is refused, saying so.
    pub revoked_unix_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TokenStatus {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub meta: Meta,
    pub spec: TokenSpec,
    #[serde(default)]
    pub status: TokenStatus,
}

resource!(Token, TokenSpec, Token);
