//! Errors a client sees, by kind, whatever the transport said.

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no devnetd is listening on {socket}: {reason}")]
    Unavailable { socket: String, reason: String },
    /// A remote daemon answered, but the TLS handshake failed (its certificate is not the one
    /// trusted, or it does not speak TLS there).
    #[error("TLS with {target} failed: {reason}")]
    Tls { target: String, reason: String },
    /// The daemon serves an API version this client cannot use.
    #[error("devnetd on {socket} serves API {daemon}, this dvb speaks {client}: {advice}")]
    Incompatible {
        socket: String,
        daemon: String,
        client: String,
        advice: String,
    },
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    FailedPrecondition(String),
    /// The daemon could not reach a chain node (or its binary) for this: worth a retry.
    #[error("{0}")]
    ChainUnavailable(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    DeadlineExceeded(String),
    #[error("devnetd: {0}")]
    Internal(String),
    #[error("the daemon's answer does not decode: {0}")]
    Decode(String),
}

impl From<tonic::Status> for ApiError {
    fn from(s: tonic::Status) -> Self {
        let m = s.message().to_string();
        match s.code() {
            tonic::Code::InvalidArgument | tonic::Code::OutOfRange => ApiError::InvalidArgument(m),
            tonic::Code::NotFound => ApiError::NotFound(m),
            tonic::Code::AlreadyExists => ApiError::AlreadyExists(m),
            tonic::Code::FailedPrecondition | tonic::Code::Aborted => ApiError::FailedPrecondition(m),
            tonic::Code::Unavailable
                if s.metadata().get(crate::ERROR_SOURCE_KEY).and_then(|v| v.to_str().ok())
                    == Some(crate::ERROR_SOURCE_CHAIN) =>
            {
                ApiError::ChainUnavailable(m)
            }
            tonic::Code::PermissionDenied | tonic::Code::Unauthenticated => ApiError::PermissionDenied(m),
            tonic::Code::DeadlineExceeded => ApiError::DeadlineExceeded(m),
            tonic::Code::Unavailable => ApiError::Unavailable {
                socket: String::new(),
                reason: m,
            },
            _ => ApiError::Internal(m),
        }
    }
}
