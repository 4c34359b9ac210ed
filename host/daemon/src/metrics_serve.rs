//! `GET /metrics` on `metrics_listen` (devnetd.toml), in the Prometheus text format (0.0.4),
//! over plain HTTP/1.1 (hyper). Anything else answers 404 naming the one path there is.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use crate::DaemonError;

/// Binds `addr` (the daemon does this before it starts anything, so a taken port stops it at
/// once, named).
pub async fn bind(addr: &str) -> Result<TcpListener, DaemonError> {
    let parsed: SocketAddr = addr.parse().map_err(|_| {
        DaemonError::InvalidArgument(format!(
            "metrics_listen {addr:?}: give an address and a port, e.g. 127.0.0.1:9464"
        ))
    })?;
    TcpListener::bind(parsed)
        .await
        .map_err(DaemonError::io(format!("metrics_listen: listening on {parsed}")))
}

/// Serves scrapes of `registry` on `listener` for as long as the process runs.
pub fn serve(listener: TcpListener, registry: Registry) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!("metrics on http://{addr}/metrics");
    }
    let registry = Arc::new(registry);
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait, rather than spin on it.
                    tracing::warn!("metrics: accepting a connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let registry = registry.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| answer(req, registry.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

async fn answer(req: Request<Incoming>, registry: Arc<Registry>) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, content_type: &str, body: String| {
        let mut r = Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = status;
        if let Ok(v) = content_type.parse() {
            r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
        }
        r
    };
    if req.method() != Method::GET || req.uri().path() != "/metrics" {
        return Ok(reply(
            StatusCode::NOT_FOUND,
            "text/plain",
            "devnetd serves GET /metrics only\n".into(),
        ));
    }
    let mut text = String::new();
    Ok(match prometheus_text::encode(&mut text, &registry) {
        Ok(()) => reply(StatusCode::OK, prometheus_text::CONTENT_TYPE, text),
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            format!("encoding the metrics: {e}\n"),
        ),
    })
}
