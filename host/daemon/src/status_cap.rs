//! A refusal's message kept to a size every client takes. A message that quotes what it was
//! given (`no devnet named "aaaa…"`) can be as long as the request, and gRPC carries it in a
//! header: past about 16 KiB clients drop the answer (tonic: an h2 protocol error; grpcio:
//! RESOURCE_EXHAUSTED) and the caller never learns what was wrong. Found by the API fuzzer
//! (`--test daemon fuzz_grpc`).

use tonic::Status;

/// The most of a refusal's message that is sent, in bytes (before percent-encoding).
pub(crate) const MAX_STATUS_MESSAGE: usize = 2048;

/// `response` with a too-long `grpc-message` cut at a character boundary, marked as cut.
pub(crate) fn cap<B>(mut response: http::Response<B>) -> http::Response<B> {
    let long = response
        .headers()
        .get("grpc-message")
        .is_some_and(|v| v.len() > MAX_STATUS_MESSAGE);
    if !long {
        return response;
    }
    let Some(status) = Status::from_header_map(response.headers()) else {
        return response;
    };
    let cut = cut(status.message());
    let capped = Status::with_details(status.code(), cut, status.details().to_vec().into());
    if capped.add_header(response.headers_mut()).is_err() {
        tracing::warn!("a refusal's message could not be shortened; sent as it was");
    }
    response
}

fn cut(message: &str) -> String {
    if message.len() <= MAX_STATUS_MESSAGE {
        return message.to_string();
    }
    let mut end = MAX_STATUS_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &message[..end], message.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_should_be_cut_on_a_character_boundary_and_a_short_one_kept() {
        let long = format!("no devnet named {:?}", "é".repeat(5000));
        let mut response = http::Response::new(());
        Status::not_found(long.clone())
            .add_header(response.headers_mut())
            .unwrap();
        let response = cap(response);
        let status = Status::from_header_map(response.headers()).unwrap();
        assert_eq!(status.code(), tonic::Code::NotFound);
        assert!(
            status.message().starts_with("no devnet named \"éé"),
            "{}",
            status.message()
        );
        assert!(status.message().ends_with(&format!("… ({} bytes in all)", long.len())));
        assert!(status.message().len() < MAX_STATUS_MESSAGE + 40);

        let mut response = http::Response::new(());
        Status::invalid_argument("short")
            .add_header(response.headers_mut())
            .unwrap();
        let status = Status::from_header_map(cap(response).headers()).unwrap();
        assert_eq!(status.message(), "short");
    }
}
