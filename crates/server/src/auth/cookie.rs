//! The dashboard's refresh token lives in a cookie page scripts cannot read: HttpOnly,
//! SameSite=Strict, Secure under https, sent only to the refresh endpoint. The short-lived
//! access token stays in the page's memory. A client asks for this by sending
//! `X-Ejento-Session: cookie` when it signs in and refreshes; Ejento API clients, which do
//! not, keep receiving both tokens in JSON.
//!
//! Only the refresh endpoint reads the cookie, and only with that header: a cross-site page
//! can neither send the header without a CORS preflight we refuse, nor make the browser send
//! a SameSite=Strict cookie, nor read the answer. Every other request is authorized by the
//! bearer token alone, so no state-changing request rides on the cookie.

use axum::http::{HeaderMap, HeaderValue, header};

/// The header by which a client asks for the cookie.
pub const MODE_HEADER: &str = "x-ejento-session";
pub const NAME: &str = "ejento_refresh";
/// The only path the browser sends the cookie to.
pub const PATH: &str = "/auth-service/api/v2/users/refresh-access-token";

/// Whether the request asks for (or presents) the refresh token as a cookie.
pub fn wanted(headers: &HeaderMap) -> bool {
    headers
        .get(MODE_HEADER)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cookie"))
}

/// The refresh token the browser sent, if any.
pub fn read(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` holding `token` for `max_age_secs`.
pub fn set(token: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    attributes(token, max_age_secs, secure)
}

/// `Set-Cookie` that removes it.
pub fn clear(secure: bool) -> HeaderValue {
    attributes("", 0, secure)
}

fn attributes(value: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{NAME}={value}; Path={PATH}; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}"
    ))
    // Tokens are URL-safe base64, so the value is always a valid header.
    .expect("a token is header-safe")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_for_the_refresh_path_only_and_out_of_scripts_reach() {
        let set = set("tok_en-1", 2_592_000, true);
        assert_eq!(
            set,
            "ejento_refresh=tok_en-1; Path=/auth-service/api/v2/users/refresh-access-token; Max-Age=2592000; \
             HttpOnly; SameSite=Strict; Secure"
        );
        assert!(!clear(false).to_str().unwrap().contains("Secure"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; ejento_refresh=abc ; x=y"),
        );
        assert_eq!(read(&headers).as_deref(), Some("abc"));
        assert!(!wanted(&headers));
        headers.insert(MODE_HEADER, HeaderValue::from_static("Cookie"));
        assert!(wanted(&headers));
    }
}
