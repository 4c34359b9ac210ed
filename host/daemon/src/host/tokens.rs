//! Tokens for the remote listener: made, listed and revoked by the owner, checked on every
//! remote call. A token reads `dvbt_<name>_<64 hex digits>`; the store keeps the SHA-256 of the
//! hex part, so a copied store gives no one a token.

use devnet_core::{Devnet, Event, EventKind, Kind, Meta, Token, TokenSpec, now_ms, validate_name};
use sha2::{Digest as _, Sha256};

use crate::access::Caller;
use crate::{DaemonError, Host};

const PREFIX: &str = "dvbt_";

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two equal-length strings in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Host {
    /// A new token, and the token itself (shown once). A token of the same name that was
    /// revoked is replaced; a valid one is refused.
    pub fn create_token(
        &self,
        name: &str,
        read_only: bool,
        devnet: Option<String>,
    ) -> Result<(Token, String), DaemonError> {
        validate_name(name).map_err(|e| DaemonError::InvalidArgument(format!("token name: {e}")))?;
        if let Some(d) = &devnet {
            // A token for a devnet not made yet is allowed (a CI job may make it); its name must
            // be one a devnet can have.
            validate_name(d).map_err(|e| DaemonError::InvalidArgument(format!("--devnet: {e}")))?;
            if self.ctx.store.get::<Devnet>(d)?.is_none() {
                tracing::info!(token = name, devnet = %d, "token for a devnet that does not exist yet");
            }
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| DaemonError::Internal(format!("the system's random source: {e}")))?;
        let secret = hex::encode(bytes);
        let spec = TokenSpec {
            secret_sha256: secret_hash(&secret),
            read_only,
            devnet,
            revoked_unix_ms: None,
        };
        if self
            .ctx
            .store
            .get::<Token>(name)?
            .is_some_and(|t| t.spec.revoked_unix_ms.is_none())
        {
            return Err(DaemonError::AlreadyExists(format!(
                "a token named {name:?} exists; revoke it first (`dvb daemon token revoke {name}`) or choose another name"
            )));
        }
        let token = self.ctx.store.write(|w| {
            let made = match w.get::<Token>(name)? {
                // A valid one made since the look above: create refuses it below.
                Some(old) if old.spec.revoked_unix_ms.is_some() => {
                    let mut old = old;
                    old.spec = spec.clone();
                    old.meta.created_unix_ms = now_ms();
                    w.update(old)?
                }
                _ => w.create(Token {
                    meta: Meta::named(name),
                    spec: spec.clone(),
                    status: Default::default(),
                })?,
            };
            let scope = match (&spec.devnet, read_only) {
                (Some(d), true) => format!("read-only, devnet {d}"),
                (Some(d), false) => format!("devnet {d}"),
                (None, true) => "read-only".into(),
                (None, false) => "full access".into(),
            };
            w.event(Event::new(EventKind::Normal, Kind::Token, name, "Created", scope))?;
            Ok(made)
        })?;
        Ok((token, format!("{PREFIX}{name}_{secret}")))
    }

    pub fn tokens(&self) -> Result<Vec<Token>, DaemonError> {
        Ok(self.ctx.store.list::<Token>("")?)
    }

    /// Revokes a token: every later call with it is refused, saying it was revoked.
    pub fn revoke_token(&self, name: &str) -> Result<Token, DaemonError> {
        if self.ctx.store.get::<Token>(name)?.is_none() {
            return Err(DaemonError::NotFound(format!(
                "no token named {name:?} (`dvb daemon token list`)"
            )));
        }
        Ok(self.ctx.store.write(|w| {
            let mut t = w.require::<Token>(name)?;
            if t.spec.revoked_unix_ms.is_some() {
                return Ok(t);
            }
            t.spec.revoked_unix_ms = Some(now_ms());
            let t = w.update(t)?;
            w.event(Event::new(EventKind::Normal, Kind::Token, name, "Revoked", ""))?;
            Ok(t)
        })?)
    }

    /// Whether token `name` exists and is not revoked: a stream it opened ends when not.
    pub(crate) fn token_valid(&self, name: &str) -> bool {
        matches!(self.ctx.store.get::<Token>(name), Ok(Some(t)) if t.spec.revoked_unix_ms.is_none())
    }

    /// The caller a token stands for, or why it is refused (`UNAUTHENTICATED`; `INTERNAL` when
    /// the store cannot be read).
    pub(crate) fn authenticate(&self, token: &str) -> Result<Caller, tonic::Status> {
        use tonic::Status;
        let malformed = || {
            Status::unauthenticated("the token is not one devnetd made (dvbt_<name>_<secret>): check the token file")
        };
        let rest = token.strip_prefix(PREFIX).ok_or_else(malformed)?;
        let (name, secret) = rest.rsplit_once('_').ok_or_else(malformed)?;
        let found = self
            .ctx
            .store
            .get::<Token>(name)
            .map_err(|e| Status::internal(format!("reading the tokens: {e}")))?
            .filter(|t| same(&t.spec.secret_sha256, &secret_hash(secret)))
            .ok_or_else(|| {
                Status::unauthenticated(format!(
                    "token {name:?} is not known to this daemon (wrong, or made by another daemon)"
                ))
            })?;
        if let Some(at) = found.spec.revoked_unix_ms {
            let ago = now_ms().saturating_sub(at) / 1000;
            return Err(Status::unauthenticated(format!(
                "token {name:?} was revoked {ago} s ago (`dvb daemon token list` on the daemon's machine)"
            )));
        }
        Ok(Caller::Token {
            name: name.to_string(),
            read_only: found.spec.read_only,
            devnet: found.spec.devnet,
        })
    }
}
