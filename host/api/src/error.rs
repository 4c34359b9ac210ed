//! Errors a client sees, by kind, whatever the transport said.

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no devnetd is listening on {socket}: {reason}")]
    Unavailable { socket: String, reason: String },
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    FailedPrecondition(String),
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
            tonic::Code::Unavailable => ApiError::Unavailable {
                socket: String::new(),
                reason: m,
            },
            _ => ApiError::Internal(m),
        }
    }
}
