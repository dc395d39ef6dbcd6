//! Headers every response carries so a browser confines what it received: the dashboard runs
//! only its own scripts (the one inline loader trunk writes is allowed by its hash), talks only
//! to this server and cannot be framed; API answers and stored files run nothing at all, so an
//! uploaded HTML document opened from the API stays inert; the API reference page runs only the
//! Redoc this server serves (see [`crate::api_reference::POLICY`]).

use std::path::Path;

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

/// The policy for everything that is not the dashboard.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";

#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    dashboard_policy: HeaderValue,
    api_policy: HeaderValue,
    reference_policy: HeaderValue,
    /// Only when the public URL is https: HSTS over http would pin nothing and mislead.
    strict_transport: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// Reads the built dashboard's shell once to allow its inline scripts by hash.
    pub fn new(dist: &Path, https: bool) -> Self {
        let shell = std::fs::read_to_string(dist.join("index.html")).unwrap_or_default();
        Self {
            dashboard_policy: HeaderValue::from_str(&dashboard_policy(&shell)).expect("the policy is ASCII"),
            api_policy: HeaderValue::from_static(API_POLICY),
            reference_policy: HeaderValue::from_static(crate::api_reference::POLICY),
            strict_transport: https.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains")),
        }
    }
}

/// The dashboard's policy: its own scripts and WebAssembly (and the inline loader by hash),
/// ECharts from the same origin drawing on canvas, agent images from data: or https URLs.
/// Inline `style` attributes are allowed: the views and ECharts size elements with them, and
/// without script a style cannot run anything.
fn dashboard_policy(shell: &str) -> String {
    let hashes: String = inline_scripts(shell)
        .map(|script| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(script.as_bytes()))))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: https:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The bodies of `<script>` elements without `src`, exactly as the browser hashes them.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, after) = rest.split_once('>')?;
        let (body, _) = after.split_once("</script>")?;
        (!attributes.contains("src=")).then_some(body)
    })
}

pub async fn add(State(headers): State<SecurityHeaders>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let policy = if crate::routes::is_api_path(path) {
        headers.api_policy.clone()
    } else if crate::api_reference::is_reference_path(path) {
        headers.reference_policy.clone()
    } else {
        headers.dashboard_policy.clone()
    };
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if let Some(hsts) = &headers.strict_transport {
        h.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_loaders_are_allowed_by_their_hash_only() {
        let shell = "<head><script type=\"module\">\nimport init from '/a.js';\n</script>\
                     <script src=\"/b.js\"></script></head>";
        let scripts: Vec<&str> = inline_scripts(shell).collect();
        assert_eq!(scripts, vec!["\nimport init from '/a.js';\n"]);
        let policy = dashboard_policy(shell);
        let expected = STANDARD.encode(Sha256::digest(scripts[0].as_bytes()));
        assert!(policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{expected}';")));
        assert!(!policy.contains(" 'unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'") && policy.contains("object-src 'none'"));
    }
}
