//! The HTTP/1.1 server loop: accepts connections and hands each to hyper with the router.
//!
//! Our own instead of `axum::serve` for what a connection costs. `axum::serve` first reads a
//! connection's opening bytes to tell HTTP/1 from cleartext HTTP/2, then gives hyper those
//! few bytes on their own: hyper's first read is a partial request head, so it grows its 8 KB
//! read buffer to 16 KB on every connection, and keeps it for the connection's life. With
//! thousands of idle followers of answers that was 8 KB each (measured with heaptrack). No
//! browser speaks cleartext HTTP/2, and nothing here upgrades connections, so HTTP/1.1 only.

use std::{future::Future, io, net::SocketAddr, pin::pin, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and waits for
/// the requests in flight (idle connections are closed at once). A client that sends no whole
/// request head within `header_read_timeout` is disconnected.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without TCP_NODELAY a response written in more than one piece (a large page, a
        // stylesheet) waits for the client's delayed acknowledgement: 40 ms each, measured.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY on a connection");
        }
        let service = router.clone().map_request(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(remote));
            request
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// A failed accept: the client's own failures are skipped; anything else (say, out of file
/// descriptors) is logged and waited out for a second, or the loop would spin.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "could not accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
