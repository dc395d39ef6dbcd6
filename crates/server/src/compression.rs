//! Response compression, decided once the response is made.
//!
//! - **A whole small body** (a JSON page, most responses), when the client accepts gzip, is
//!   compressed in one call by a gzip compressor kept per thread ([`one_shot`]), at gzip's
//!   fastest level ([`GZIP_LEVEL`]). Gzip is preferred to brotli when both are accepted: a page
//!   of agents (14.8 KB) is 3.4 KB with gzip at level 2 and 3.5 KB with brotli at quality 2,
//!   and gzip takes about half the time (45 µs against 72-166 µs on this machine). Measured on
//!   the whole request, paired runs against the previous build: about 10% less server CPU per
//!   page for a browser's `Accept-Encoding` (brotli streamed before), 3.5% for a gzip-only
//!   client.
//! - **Anything else** (brotli alone accepted, a large or streamed body) goes through
//!   tower-http's `CompressionLayer`. Its body type holds brotli's state inline, which made
//!   every response a 4 KB allocation held while the body is sent, compressed or not: 4.4 KB of
//!   the 26 KB an idle follower of an answer cost (measured with heaptrack). So a response it
//!   would leave alone (an event stream, an image, a precompressed asset, a tiny body) keeps
//!   its own body.

use std::{cell::RefCell, convert::Infallible, future::ready};

use axum::{
    body::{Body, HttpBody as _},
    extract::Request,
    http::{
        HeaderMap, HeaderValue,
        header::{ACCEPT_ENCODING, ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, VARY},
    },
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower::{Layer, ServiceExt, service_fn};
use tower_http::compression::{CompressionLayer, CompressionLevel, DefaultPredicate, Predicate};

/// The level of both codings as `CompressionLayer` applies them. Brotli's default quality is
/// 11, its slowest, meant for compressing once ahead of time; here every response is
/// compressed as it is sent. A page of agents (14.8 KB) is 3.5 KB at brotli quality 2 and
/// 3.3 KB at 4, but quality 2 served about 3,100 pages/s against 2,550 (wrk, 64 connections,
/// three runs each on SQLite).
const QUALITY: u32 = 2;

/// The level of the one-shot gzip: its fastest. A page of agents is 4.3 KB at level 1 against
/// 3.4 KB at level 2 (other pages grow alike, 20-25%), still within the first round trip of a
/// new connection (ten segments), and a page costs 10% less server CPU (paired wrk runs on
/// SQLite, 336 against 374 µs; deflate was 11% of the page's profile at level 2).
const GZIP_LEVEL: u32 = 1;

/// The largest body compressed in one call, on the request's task: about 0.2 ms of work.
const ONE_SHOT_LIMIT: usize = 64 * 1024;

/// Gzip's largest window (32 KB), its default.
const GZIP_WINDOW_BITS: u8 = 15;

thread_local! {
    /// A gzip compressor per thread, reset for each body: making one allocates and clears
    /// about 256 KB of tables, and freeing that much made the allocator consolidate its free
    /// lists each time (6% of a page of agents' time in `malloc_consolidate`, with perf).
    static GZIP: RefCell<Option<flate2::Compress>> = const { RefCell::new(None) };
}

/// The middleware: compresses the response for the encodings the request accepts.
pub async fn compress(request: Request, next: Next) -> Response {
    let gzip_accepted = accepts_gzip(request.headers());
    let mut probe = Request::new(Body::empty());
    for value in request.headers().get_all(ACCEPT_ENCODING) {
        probe.headers_mut().append(ACCEPT_ENCODING, value.clone());
    }
    let response = next.run(request).await;
    if !compressible(&response) {
        return response;
    }
    let whole_and_small = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|len| len <= ONE_SHOT_LIMIT as u64);
    if whole_and_small && gzip_accepted {
        return one_shot(response).await;
    }
    let mut response = Some(response);
    let made = service_fn(move |_: Request| ready(Ok::<_, Infallible>(response.take().unwrap_or_default())));
    match CompressionLayer::new()
        .quality(CompressionLevel::Precise(QUALITY as i32))
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

/// `body` in gzip, by this thread's compressor.
fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    GZIP.with_borrow_mut(|gzip| {
        let gzip = gzip
            .get_or_insert_with(|| flate2::Compress::new_gzip(flate2::Compression::new(GZIP_LEVEL), GZIP_WINDOW_BITS));
        gzip.reset();
        let mut out = Vec::with_capacity(body.len() / 3 + 64);
        loop {
            let read = gzip.total_in() as usize;
            let status = gzip
                .compress_vec(&body[read..], &mut out, flate2::FlushCompress::Finish)
                .map_err(std::io::Error::other)?;
            if status == flate2::Status::StreamEnd {
                return Ok(out);
            }
            out.reserve(out.capacity().max(1024));
        }
    })
}

/// A whole small body, in gzip in one call; the headers as `CompressionLayer` sets them.
async fn one_shot(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    // The body is whole and at most ONE_SHOT_LIMIT bytes (its exact size hint said so).
    let bytes = match axum::body::to_bytes(body, ONE_SHOT_LIMIT).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let error = anyhow::anyhow!("could not read a response body to compress it: {e}");
            return crate::error::Error::Internal(error).into_response();
        }
    };
    let Ok(encoded) = gzip(&bytes) else {
        // Writing into memory does not fail; should it, the body goes out as it is.
        return Response::from_parts(parts, Body::from(bytes));
    };
    let headers = &mut parts.headers;
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(encoded.len()));
    headers.remove(ACCEPT_RANGES);
    headers.append(VARY, HeaderValue::from_static("accept-encoding"));
    Response::from_parts(parts, Body::from(encoded))
}

/// Whether the request's `Accept-Encoding` allows gzip (RFC 9110 12.5.3: listed, or covered
/// by `*`, with a weight above zero).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let (mut gzip, mut any) = (None, None);
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut fields = item.split(';');
            let coding = fields.next().unwrap_or_default().trim();
            let weight = fields
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(weight > 0.0);
            } else if coding == "*" {
                any = Some(weight > 0.0);
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn accepts(values: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        accepts_gzip(&headers)
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts(&["gzip, deflate, br, zstd"]));
        assert!(accepts(&["br", "GZip;q=0.5"]));
        assert!(accepts(&["br;q=0, gzip ; q=0.8"]));
        assert!(accepts(&["*"]));
        assert!(accepts(&["x-gzip"]));
        assert!(!accepts(&["*, gzip;q=0"]));
        assert!(!accepts(&["gzip;q=0.0"]));
        assert!(!accepts(&["br"]));
        assert!(!accepts(&["identity", "deflate"]));
        assert!(!accepts(&[]));
    }

    #[test]
    fn gzip_gives_back_the_body_each_time_its_compressor_is_reused() {
        let body: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("{{\"id\":{i}}},").into_bytes())
            .collect();
        for size in [0, 1, 33, 5_000, body.len(), 5_000, 0] {
            let body = &body[..size];
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&gzip(body).unwrap()[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, body);
        }
    }
}
