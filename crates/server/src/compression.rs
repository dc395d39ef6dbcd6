//! Response compression, decided once the response is made.
//!
//! tower-http's `CompressionLayer` wraps every response body in its own body type, whose
//! inline brotli state makes each response a 4 KB allocation held while the body is sent,
//! whether or not it is compressed: 4.4 KB of the 26 KB an idle follower of an answer cost
//! (measured with heaptrack). Here a response it would leave alone (an event stream, an image,
//! a precompressed asset, a tiny body) keeps its own body; only the others go through it.

use std::{convert::Infallible, future::ready};

use axum::{
    body::Body,
    extract::Request,
    http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_RANGE},
    middleware::Next,
    response::Response,
};
use tower::{Layer, ServiceExt, service_fn};
use tower_http::compression::{CompressionLayer, CompressionLevel, DefaultPredicate, Predicate};

/// Brotli's default quality is 11, its slowest, meant for compressing once ahead of time;
/// here every response is compressed as it is sent. A page of agents (14.8 KB) is 3.5 KB at
/// quality 2 and 3.3 KB at 4, but quality 2 served about 3,100 pages/s against 2,550 (wrk,
/// 64 connections, three runs each on SQLite). Gzip takes the same level.
const QUALITY: CompressionLevel = CompressionLevel::Precise(2);

/// The middleware: compresses the response for the encodings the request accepts.
pub async fn compress(request: Request, next: Next) -> Response {
    let mut probe = Request::new(Body::empty());
    for accepted in request.headers().get_all(ACCEPT_ENCODING) {
        probe.headers_mut().append(ACCEPT_ENCODING, accepted.clone());
    }
    let response = next.run(request).await;
    if !compressible(&response) {
        return response;
    }
    let mut response = Some(response);
    let made = service_fn(move |_: Request| ready(Ok::<_, Infallible>(response.take().unwrap_or_default())));
    match CompressionLayer::new()
        .quality(QUALITY)
        .layer(made)
        .oneshot(probe)
        .await
    {
        Ok(compressed) => compressed.map(Body::new),
        Err(never) => match never {},
    }
}

/// What `CompressionLayer` itself would compress: not already encoded, not a range, and what
/// its default predicate allows (more than 32 bytes; not gRPC, images or event streams).
fn compressible(response: &Response) -> bool {
    !response.headers().contains_key(CONTENT_ENCODING)
        && !response.headers().contains_key(CONTENT_RANGE)
        && DefaultPredicate::new().should_compress(response)
}
