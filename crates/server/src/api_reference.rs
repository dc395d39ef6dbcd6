//! The API reference page: Redoc (vendored under `assets/redoc`, MIT; see its README) reading the served
//! OpenAPI document, so the reference works offline and always describes this very server.
//!
//! Three files, all compiled into the binary: the page, a small script that starts Redoc in the
//! dashboard's theme (a file, because no page of ours runs inline script), and Redoc itself,
//! named by its version so browsers may keep it for good.

use axum::{
    Router,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

/// Where the page is; the dashboard's help menu links here.
pub const PAGE: &str = "/api-reference";
const START_SCRIPT: &str = "/api-reference/start.js";
const REDOC: &str = "/api-reference/redoc-2.5.0.standalone.js";

/// Redoc renders schemas with styled-components (inline styles) and runs its search index in a
/// worker it creates from a `blob:` URL; everything else comes from this server.
pub const POLICY: &str = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Whether a path is one of the page's files (they get [`POLICY`] instead of the dashboard's).
pub fn is_reference_path(path: &str) -> bool {
    path == PAGE || path.starts_with("/api-reference/")
}

/// The page; the test below keeps its script addresses and the routes in step.
const PAGE_HTML: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ejento API reference</title>
<link rel="icon" href="data:,">
<style>body { margin: 0; } #loading { font: 16px system-ui, sans-serif; padding: 2rem; }
@media (prefers-color-scheme: dark) { html:not([data-theme=light]) body { background: #0f1115; color: #e6e8ee; } }
html[data-theme=dark] body { background: #0f1115; color: #e6e8ee; }</style>
</head>
<body>
<p id="loading" role="status">Loading the API reference…</p>
<div id="reference" data-spec-url="/api/v2/openapi.json"></div>
<noscript>The reference needs JavaScript. The OpenAPI document itself is at <a href="/api/v2/openapi.json">/api/v2/openapi.json</a>.</noscript>
<script src="/api-reference/redoc-2.5.0.standalone.js"></script>
<script src="/api-reference/start.js"></script>
</body>
</html>
"##;

/// Starts Redoc on the served document, dark when the dashboard is dark (its stored choice, or
/// the system's when there is none), and says so when the document cannot be loaded.
const START_JS: &str = r##""use strict";
(function () {
  var stored = null;
  try { stored = localStorage.getItem("ejento.theme"); } catch (e) {}
  var dark = stored ? stored === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  if (stored) document.documentElement.setAttribute("data-theme", stored);
  var text = dark ? "#e6e8ee" : "#1d2330";
  var surface = dark ? "#0f1115" : "#ffffff";
  var theme = {
    colors: { primary: { main: dark ? "#7aa2ff" : "#3056d3" },
              text: { primary: text, secondary: dark ? "#a9b1c3" : "#4a5468" } },
    typography: { fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
                  headings: { fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif" },
                  code: { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" } },
    sidebar: { backgroundColor: dark ? "#171a21" : "#f6f7f9", textColor: text },
    rightPanel: { backgroundColor: dark ? "#171a21" : "#263238", textColor: "#e6e8ee" }
  };
  var target = document.getElementById("reference");
  var loading = document.getElementById("loading");
  document.body.style.background = surface;
  Redoc.init(target.getAttribute("data-spec-url"), {
    theme: theme,
    expandResponses: "200,201",
    jsonSampleExpandLevel: 2,
    sortTagsAlphabetically: true,
    hideHostname: false
  }, target, function (error) {
    if (error) {
      loading.textContent = "The API reference could not load the OpenAPI document: " + (error.message || error);
    } else {
      loading.remove();
    }
  });
})();
"##;

static REDOC_JS: &[u8] = include_bytes!("../assets/redoc/redoc-2.5.0.standalone.js");

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(PAGE, get(page))
        .route(START_SCRIPT, get(start_script))
        .route(REDOC, get(redoc))
}

async fn page() -> Response {
    file("text/html; charset=utf-8", "no-cache", PAGE_HTML.as_bytes())
}

async fn start_script() -> Response {
    file("text/javascript; charset=utf-8", "no-cache", START_JS.as_bytes())
}

async fn redoc() -> Response {
    file(
        "text/javascript; charset=utf-8",
        "public, max-age=31536000, immutable",
        REDOC_JS,
    )
}

fn file(content_type: &'static str, cache: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_the_files_this_module_serves_and_no_inline_script() {
        assert!(PAGE_HTML.contains(&format!(r#"<script src="{REDOC}"></script>"#)));
        assert!(PAGE_HTML.contains(&format!(r#"<script src="{START_SCRIPT}"></script>"#)));
        assert_eq!(
            PAGE_HTML.matches("<script").count(),
            2,
            "only the two files, nothing inline"
        );
        assert!(is_reference_path(PAGE) && is_reference_path(REDOC) && is_reference_path(START_SCRIPT));
        assert!(!is_reference_path("/api-references") && !is_reference_path("/agents"));
    }
}
