//! Who is calling and what they may do. The unix socket and a standalone dvb's in-process
//! pipes are the owner's (the socket is 0600); on the remote listener every call carries a
//! token, which [`TokenLayer`] checks before any service sees the call: unknown, revoked or
//! missing tokens are refused there, and so is a read-only token's call that would change
//! something. A token limited to one devnet is checked by each call, which knows its devnet.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tonic::Status;
use tonic::codegen::http;

use crate::Host;

/// The caller of one call, in its request's extensions (absent: the owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// On the unix socket, or in-process.
    Owner,
    Token {
        name: String,
        read_only: bool,
        devnet: Option<String>,
    },
}

impl Caller {
    pub fn of<T>(r: &tonic::Request<T>) -> Caller {
        r.extensions().get::<Caller>().cloned().unwrap_or(Caller::Owner)
    }

    /// Whether the caller sees devnet `devnet` (and everything in it).
    pub fn sees(&self, devnet: &str) -> bool {
        match self {
            Caller::Token { devnet: Some(d), .. } => d == devnet,
            _ => true,
        }
    }

    /// Refuses a call on a devnet this caller's token is not for.
    pub fn check_devnet(&self, devnet: &str) -> Result<(), Status> {
        match self {
            Caller::Token {
                name, devnet: Some(d), ..
            } if d != devnet => Err(Status::permission_denied(format!(
                "token {name:?} is for devnet {d:?} only, not {devnet:?}"
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses a call that concerns the whole daemon (plugins, stacks, its log) to a token
    /// limited to one devnet.
    pub fn check_whole_daemon(&self, what: &str) -> Result<(), Status> {
        match self {
            Caller::Token {
                name, devnet: Some(d), ..
            } => Err(Status::permission_denied(format!(
                "token {name:?} is for devnet {d:?} only; {what} concerns the whole daemon (ask for a token without --devnet)"
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses anyone but the owner.
    pub fn check_owner(&self, what: &str) -> Result<(), Status> {
        match self {
            Caller::Owner => Ok(()),
            Caller::Token { .. } => Err(Status::permission_denied(format!(
                "{what} is done on the daemon's machine, over its unix socket (`dvb daemon token …` there), not with a token"
            ))),
        }
    }
}

/// Whether a token's caller may have the daemon fetch `source`: an `https://`, `http://` or
/// `oci://` URL whose host is not this machine or a private network's (by name `localhost`, or
/// an address literal). A DNS name that resolves to such an address is not caught here.
pub fn fetchable_for_token(source: &str) -> Result<(), String> {
    let Some((scheme, rest)) = source.split_once("://") else {
        return Err(format!(
            "{source:?} is a path on the daemon's machine, which a token may not have it read: give an https:// or oci:// source"
        ));
    };
    if !matches!(scheme, "https" | "http" | "oci") {
        return Err(format!(
            "{source}: only https://, http:// and oci:// sources are fetched"
        ));
    }
    let (host, _) = devnet_api::remote::split_authority(rest.split('/').next().unwrap_or_default());
    let inner = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_unique_local()
                || ip.is_unicast_link_local()
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_private())
        }
        Err(_) => host.eq_ignore_ascii_case("localhost") || host.ends_with(".localhost"),
    };
    if inner {
        return Err(format!(
            "{source}: a token may not have the daemon fetch from its own machine or a private network; the daemon's owner can, on its socket"
        ));
    }
    Ok(())
}

/// The calls that change nothing: a read-only token may make these and no other. A call not
/// named here counts as a change, so a call added later is refused to read-only tokens until
/// it is listed.
pub fn is_read_only_call(path: &str) -> bool {
    let Some((service, method)) = path.trim_start_matches('/').split_once('/') else {
        return false;
    };
    if service.starts_with("grpc.health.") || service.starts_with("grpc.reflection.") {
        return true;
    }
    if !service.starts_with("devnet.v1.") {
        return false;
    }
    // A stack's plan: Apply's dry run, changing nothing.
    if service == "devnet.v1.StackService" && method == "Diff" {
        return true;
    }
    matches!(
        method,
        "Get"
            | "List"
            | "Watch"
            | "StreamLogs"
            | "Status"
            | "Config"
            | "Events"
            | "Proposals"
            | "Kinds"
            | "WhoAmI"
            // Refused to every token by the call itself, saying where tokens are listed.
            | "ListTokens"
    )
}

/// The bearer token of a call's `authorization` header.
fn bearer(headers: &http::HeaderMap) -> Result<&str, String> {
    let Some(v) = headers.get(http::header::AUTHORIZATION) else {
        return Err("no token: every call on the remote listener needs `authorization: Bearer <token>` (dvb: --token-file; make one with `dvb daemon token create` on the daemon's machine)".into());
    };
    let v = v
        .to_str()
        .map_err(|_| "the authorization header is not text".to_string())?;
    let (scheme, token) = v
        .split_once(' ')
        .ok_or_else(|| "the authorization header is not `Bearer <token>`".to_string())?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(format!("authorization scheme {scheme:?}: only Bearer tokens are taken"));
    }
    Ok(token.trim())
}

/// Checks the token of every call on the remote listener.
#[derive(Clone)]
pub struct TokenLayer {
    host: Arc<Host>,
    refusals: Arc<RefusalLog>,
}

impl TokenLayer {
    pub fn new(host: Arc<Host>) -> Self {
        Self {
            host,
            refusals: Arc::new(RefusalLog::default()),
        }
    }
}

impl<S> tower::Layer<S> for TokenLayer {
    type Service = RequireToken<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireToken {
            host: self.host.clone(),
            refusals: self.refusals.clone(),
            inner,
        }
    }
}

/// Refusals are logged at most once a second, with how many were not, so that anyone who can
/// reach the port cannot flood the daemon's log (and rotate the rest of it away).
#[derive(Default)]
pub struct RefusalLog {
    /// (second of the last line, refusals since it)
    state: std::sync::Mutex<(u64, u64)>,
}

impl RefusalLog {
    fn note(&self, call: &str, reason: &str) {
        let now = devnet_core::now_ms() / 1000;
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if s.0 == now {
            s.1 += 1;
            return;
        }
        let unlogged = std::mem::take(&mut s.1);
        s.0 = now;
        drop(s);
        tracing::warn!(call, reason, unlogged_refusals = unlogged, "remote call refused");
    }
}

#[derive(Clone)]
pub struct RequireToken<S> {
    host: Arc<Host>,
    refusals: Arc<RefusalLog>,
    inner: S,
}

type Boxed<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B> tower::Service<http::Request<B>> for RequireToken<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Boxed<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let path = req.uri().path().to_string();
        let refused = match bearer(req.headers()).map_err(Status::unauthenticated) {
            Err(s) => Err(s),
            Ok(token) => self.host.authenticate(token),
        }
        .and_then(|caller| match &caller {
            Caller::Token {
                name, read_only: true, ..
            } if path == "/devnet.v1.DevnetService/Keys" => Err(Status::permission_denied(format!(
                "token {name:?} is read-only: a devnet's private keys need a full-access token"
            ))),
            Caller::Token {
                name, read_only: true, ..
            } if !is_read_only_call(&path) => Err(Status::permission_denied(format!(
                "token {name:?} is read-only: {path} would change something"
            ))),
            // Before the request's body is read: an install may carry a 64 MiB component.
            Caller::Token { devnet: Some(_), .. } if path.starts_with("/devnet.v1.PluginService/Install") => {
                caller.check_whole_daemon("installing a plugin").map(|()| caller)
            }
            _ => Ok(caller),
        });
        match refused {
            Ok(caller) => {
                req.extensions_mut().insert(caller);
                Box::pin(self.inner.call(req))
            }
            Err(status) => {
                self.refusals.note(&path, status.message());
                Box::pin(async move { Ok(status.into_http()) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_calls_that_change_nothing_should_count_as_read_only() {
        for read in [
            "/devnet.v1.DevnetService/List",
            "/devnet.v1.DevnetService/Watch",
            "/devnet.v1.NodeService/StreamLogs",
            "/devnet.v1.DaemonService/WhoAmI",
            "/devnet.v1.StackService/Diff",
            "/grpc.health.v1.Health/Check",
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        ] {
            assert!(is_read_only_call(read), "{read}");
        }
        for change in [
            "/devnet.v1.DevnetService/Create",
            "/devnet.v1.DevnetService/Delete",
            "/devnet.v1.TransactionService/Submit",
            "/devnet.v1.DaemonService/CreateToken",
            "/devnet.v1.DaemonService/RevokeToken",
            "/devnet.v1.PluginService/Install",
            "/devnet.v1.StackService/Apply",
            "/devnet.v1.DevnetService/Diff",
            "/other.Service/Get",
            "nonsense",
        ] {
            assert!(!is_read_only_call(change), "{change}");
        }
    }

    #[test]
    fn a_token_should_not_have_the_daemon_fetch_from_inside() {
        for ok in [
            "https://plugins.example/p.wasm",
            "oci://ghcr.io/team/p:1.0.0",
            "http://203.0.113.9/p.wasm",
        ] {
            assert!(fetchable_for_token(ok).is_ok(), "{ok}");
        }
        for inside in [
            "/home/u/.ssh/id_ed25519",
            "file:///etc/passwd",
            "oci://127.0.0.1:5000/p:1",
            "http://localhost:8080/x",
            "https://10.1.2.3/p.wasm",
            "http://169.254.169.254/latest",
            "oci://[::1]:5000/p",
            "http://192.168.0.1/p",
        ] {
            assert!(fetchable_for_token(inside).is_err(), "{inside}");
        }
    }

    #[test]
    fn a_token_for_one_devnet_should_see_only_it() {
        let t = Caller::Token {
            name: "ci".into(),
            read_only: false,
            devnet: Some("hub".into()),
        };
        assert!(t.sees("hub") && !t.sees("other"));
        assert!(t.check_devnet("hub").is_ok());
        let e = t.check_devnet("other").unwrap_err();
        assert_eq!(e.code(), tonic::Code::PermissionDenied);
        assert!(e.message().contains("\"hub\" only"), "{}", e.message());
        assert!(t.check_whole_daemon("installing a plugin").is_err());
        assert!(Caller::Owner.check_whole_daemon("x").is_ok() && Caller::Owner.sees("any"));
    }

    #[test]
    fn a_missing_or_malformed_authorization_should_say_what_is_wrong() {
        let mut h = http::HeaderMap::new();
        assert!(bearer(&h).unwrap_err().contains("no token"));
        h.insert(http::header::AUTHORIZATION, http::HeaderValue::from_static("Basic abc"));
        assert!(bearer(&h).unwrap_err().contains("Bearer"));
        h.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer  t1 "),
        );
        assert_eq!(bearer(&h).unwrap(), "t1");
    }
}
