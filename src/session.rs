//! The sign-in, out of reach of page scripts.
//!
//! The auth-app (refresh) token is an HttpOnly, SameSite=Strict cookie the server sets when
//! this dashboard signs in with `X-Ejento-Session: cookie`; no script can read it, and the
//! browser sends it only to the refresh endpoint. The short-lived `ejento_access_token` lives
//! in this tab's memory only: a reload or a new tab starts without it and refreshes first.
//! `localStorage` keeps one non-secret flag saying a sign-in exists, so a signed-out visitor
//! is not sent through a refresh that must fail. The server rotates the cookie on each refresh;
//! this tab never runs two refreshes at once (other tabs' refreshes at the same moment are
//! allowed by the server for a few seconds).

use std::cell::{Cell, RefCell};

use ejento_api::{Envelope, TokenPair, paths};
use gloo_net::http::Request;

use crate::api::ApiError;

/// The flag: "this browser has a sign-in cookie", never a token.
const SIGNED_IN: &str = "ejento.signed_in";
/// Where earlier versions kept tokens; removed wherever they are found.
const LEGACY_KEYS: [&str; 3] = ["ejento.ejento_access_token", "ejento.access_token", "ejento.expires_at"];
/// The header asking the server for the cookie instead of the token in JSON.
pub const COOKIE_MODE: (&str, &str) = ("X-Ejento-Session", "cookie");
/// Refresh this long before the access token expires.
const REFRESH_MARGIN_MS: f64 = 60_000.0;

thread_local! {
    static REFRESHING: Cell<bool> = const { Cell::new(false) };
    /// The access token and when it expires (ms), in this tab only.
    static ACCESS: RefCell<Option<(String, f64)>> = const { RefCell::new(None) };
}

pub fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Keeps the access token of a sign-in or refresh in memory; the refresh token is already a
/// cookie (the server blanked it in the answer).
pub fn store_tokens(pair: &TokenPair) {
    let expires_at = crate::clock::now_ms() + pair.expires_in as f64 * 1000.0;
    ACCESS.with(|a| *a.borrow_mut() = Some((pair.ejento_access_token.clone(), expires_at)));
    if let Some(s) = storage() {
        let _ = s.set_item(SIGNED_IN, "1");
        for key in LEGACY_KEYS {
            let _ = s.remove_item(key);
        }
    }
}

/// Forgets the sign-in here (the server clears the cookie on sign-out).
pub fn clear() {
    ACCESS.with(|a| *a.borrow_mut() = None);
    if let Some(s) = storage() {
        let _ = s.remove_item(SIGNED_IN);
        for key in LEGACY_KEYS {
            let _ = s.remove_item(key);
        }
    }
}

/// True when this browser holds a sign-in (it may still turn out to be revoked).
pub fn is_signed_in() -> bool {
    ACCESS.with(|a| a.borrow().is_some())
        || storage()
            .and_then(|s| s.get_item(SIGNED_IN).ok().flatten())
            .is_some_and(|v| v == "1")
}

pub fn access_token() -> Option<String> {
    ACCESS.with(|a| a.borrow().as_ref().map(|(token, _)| token.clone()))
}

/// Whether a token expiring at `expires_at` (ms) should be refreshed at `now` (ms).
pub fn needs_refresh(expires_at: Option<f64>, now: f64) -> bool {
    match expires_at {
        Some(at) => at - now < REFRESH_MARGIN_MS,
        None => true,
    }
}

/// The access token to send now, refreshed first if it is missing (a reload, a new tab) or
/// about to expire.
pub async fn fresh_access_token() -> Option<String> {
    let expires_at = ACCESS.with(|a| a.borrow().as_ref().map(|(_, at)| *at));
    if is_signed_in() && needs_refresh(expires_at, crate::clock::now_ms()) {
        let _ = refresh().await;
    }
    access_token()
}

/// Trades the cookie for a new access token (and a rotated cookie). Concurrent callers wait
/// for the one in flight.
pub async fn refresh() -> Result<(), ApiError> {
    if REFRESHING.with(Cell::get) {
        while REFRESHING.with(Cell::get) {
            gloo_timers::future::TimeoutFuture::new(25).await;
        }
        return if is_signed_in() {
            Ok(())
        } else {
            Err(ApiError::signed_out())
        };
    }
    if !is_signed_in() {
        return Err(ApiError::signed_out());
    }
    REFRESHING.with(|r| r.set(true));
    let result = async {
        // The cookie goes along by itself (same origin); nothing else identifies the sign-in.
        let res = Request::post(paths::REFRESH)
            .header(COOKIE_MODE.0, COOKIE_MODE.1)
            .send()
            .await
            .map_err(|_| ApiError::network())?;
        if !res.ok() {
            return Err(ApiError::from_response(res).await);
        }
        let body: Envelope<TokenPair> = res.json().await.map_err(|_| ApiError::network())?;
        store_tokens(&body.data);
        Ok(())
    }
    .await;
    if let Err(e) = &result
        && e.status == 401
    {
        clear();
    }
    REFRESHING.with(|r| r.set(false));
    result
}

/// Sends the browser to the sign-in page, remembering where the user was.
pub fn return_to_login(expired: bool) {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let here = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    let mut url = format!("/login?next={}", String::from(js_sys::encode_uri_component(&here)));
    if expired {
        url.push_str("&expired=1");
    }
    let _ = location.assign(&url);
}

/// Only same-site paths may be returned to after sign-in (no open redirect).
pub fn safe_next(next: Option<String>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n,
        _ => "/".to_string(),
    }
}
