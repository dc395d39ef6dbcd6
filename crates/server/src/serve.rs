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
use tokio::net::{TcpListener, TcpSocket};
use tower::ServiceExt;

/// How many established connections may wait for the accept loop; the kernel caps it at
/// `net.core.somaxconn` (4096 by default since Linux 5.4).
///
/// `TcpListener::bind` listens with std's 128. When more clients than that connect at once (200
/// answers started together in the first-token benchmark) while both cores are busy, the kernel
/// drops the SYNs past the queue, and each of those clients waits for TCP's one-second
/// retransmission: `TcpExtListenOverflows` rose by 24 in a run whose p99 was 1,061 ms against a
/// p50 of 414 ms, and stayed at 0 in the runs without that tail.
pub const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` (port 0 picks a free port) with a queue of [`LISTEN_BACKLOG`].
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As `TcpListener::bind` does: a restarted server can bind again at once, while the previous
    // one's connections linger in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Clients connect without anything accepting them: each handshake completes only while the
    /// accept queue has room, so with std's 128 the 130th would wait a second for its SYN to be
    /// sent again.
    #[tokio::test]
    async fn a_burst_of_connections_fits_in_the_accept_queue() {
        let listener = listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        // The kernel's own cap applies to every listener: test up to it.
        let cap: usize = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(128);
        let burst = cap.min(500);
        let mut connected = Vec::new();
        for _ in 0..burst {
            let attempt = tokio::time::timeout(Duration::from_millis(500), tokio::net::TcpStream::connect(addr));
            connected.push(attempt.await.expect("a connection waited for a dropped SYN").unwrap());
        }
        assert!(
            burst > 129 || cap <= 129,
            "the burst must exceed std's backlog to prove anything"
        );
    }
}
