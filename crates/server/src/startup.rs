//! Building the application: router, middleware, static dashboard, and the server loop.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::{
    services::{ServeDir, ServeFile},
    trace::TraceLayer,
};

use crate::state::AppState;
use crate::{config::Config, error::Error, headers::SecurityHeaders, routes};

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Binds the configured address (port 0 picks a free port) and prepares the router.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        crate::clock::start_at(
            config
                .clock_start
                .as_deref()
                .map(crate::clock::parse_start)
                .transpose()?,
        );
        let listener = crate::serve::listen(config.bind)?;
        let state = AppState::init(config).await?;
        // Catch up with the database (a new or lost index is rebuilt), then index as jobs come.
        tokio::spawn(state.search.clone().run());
        state.indexer.start();
        if let Some(embedder) = state.search.embedder() {
            let worker =
                crate::embeddings::worker::EmbeddingWorker::new(state.store.clone(), state.search.clone(), embedder);
            tokio::spawn(worker.run());
        }
        state.evaluations.start();
        // Answers cut off by a crash of this (or another) server end as failed, not hanging:
        // all of them now, then whatever falls silent while this server runs.
        // (`StreamEngine` sweeps periodically from its start.)
        state.streams.sweep().await?;
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let header_read_timeout = Duration::from_secs(self.state.config.header_read_timeout_secs.max(1));
        crate::serve::serve(self.listener, self.router, header_read_timeout, shutdown_signal()).await;
        Ok(())
    }
}

pub fn router(state: AppState) -> Router {
    let dist = state.config.dist.clone();
    let api = routes::api_router();
    let index = dist.join("index.html");
    // Assets come precompressed (.br/.gz written at build time); deep links get index.html, but
    // a missing file (a path whose last segment has an extension) is a 404, never the HTML shell:
    // a lazily loaded module must fail as missing, not as "wrong MIME type".
    let assets = ServeDir::new(&dist).precompressed_br().precompressed_gzip();
    let dashboard = Dashboard {
        pages: assets.clone().fallback(ServeFile::new(&index)),
        assets,
        index: Arc::new(index),
    };

    api.into_router()
        .merge(crate::api_reference::routes())
        .fallback(move |req: Request| spa_or_api_not_found(req, dashboard.clone()))
        .layer(
            TraceLayer::new_for_http()
                // The span names method and path only: no headers, no query string (tokens may ride there).
                .make_span_with(|req: &Request<Body>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_response(|res: &Response, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
                }),
        )
        .layer(axum::middleware::from_fn(crate::compression::compress))
        .layer(axum::middleware::from_fn_with_state(
            SecurityHeaders::new(&state.config.dist, state.config.is_https()),
            crate::headers::add,
        ))
        .with_state(state)
}

/// The built dashboard: files by name, and pages (any other path) as the HTML shell.
#[derive(Clone)]
struct Dashboard {
    assets: ServeDir,
    pages: ServeDir<ServeFile>,
    index: Arc<std::path::PathBuf>,
}

/// The HTML shell telling the dashboard the server's time, when the server's clock has been
/// moved (see [`crate::clock`]): the dashboard's "today" then follows the server's.
async fn shell_with_clock(index: &std::path::Path) -> Response {
    let Ok(html) = tokio::fs::read_to_string(index).await else {
        return (StatusCode::NOT_FOUND, "The dashboard is not built: run `make run`.").into_response();
    };
    let now_ms = (crate::clock::now().unix_timestamp_nanos() / 1_000_000) as i64;
    let meta = format!(r#"<meta name="ejento-clock" content="{now_ms}">"#);
    let html = html.replacen("<head>", &format!("<head>{meta}"), 1);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

async fn spa_or_api_not_found(req: Request, dashboard: Dashboard) -> Response {
    let path = req.uri().path().to_string();
    if routes::is_api_path(&path) {
        return Error::NotFound(format!("There is no endpoint {} {path}.", req.method())).into_response();
    }
    let wants_file = path.rsplit('/').next().is_some_and(|segment| segment.contains('.'));
    if crate::clock::is_moved() && (!wants_file || path == "/index.html") {
        return shell_with_clock(&dashboard.index).await;
    }
    let served = if wants_file {
        dashboard.assets.oneshot(req).await
    } else {
        dashboard.pages.oneshot(req).await
    };
    match served {
        Ok(mut res) => {
            if res.status() == StatusCode::NOT_FOUND {
                let message = if wants_file {
                    format!("There is no file {path}.")
                } else {
                    "The dashboard is not built: run `make run`.".to_string()
                };
                return (StatusCode::NOT_FOUND, message).into_response();
            }
            // Trunk names assets by content hash, so everything but the HTML shell can be cached for good.
            let cache = if is_hashed_asset(&path) {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            res.map(Body::new)
        }
        Err(never) => match never {},
    }
}

/// Trunk names built assets `name-<16 hex digits>.ext`; only those may be cached forever.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default().trim_end_matches("_bg");
    stem.rsplit_once('-')
        // Trunk writes the hash as unpadded hex, so it can be shorter than 16 digits.
        .is_some_and(|(_, hash)| (10..=16).contains(&hash.len()) && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_content_hashed_assets_are_immutable() {
        assert!(super::is_hashed_asset("/ejento-dashboard-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(super::is_hashed_asset("/ejento-dashboard-1a2b3c4d5e6f7a8b.js"));
        assert!(
            super::is_hashed_asset("/ejento-dashboard-94f0103e8cbf0c0_bg.wasm"),
            "15 digits: a leading zero dropped"
        );
        assert!(!super::is_hashed_asset("/public/echarts.min.js"));
        assert!(!super::is_hashed_asset("/login"));
    }
}
