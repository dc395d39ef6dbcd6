//! Tokens in `localStorage`, and their refresh.
//!
//! The `ejento_access_token` is short-lived; it is refreshed shortly before it expires and once
//! more on a 401. The server rotates the auth-app token on each refresh and treats a reused one
//! as theft, so this tab never runs two refreshes at once.

use std::cell::Cell;

use ejento_api::{Envelope, TokenPair, paths};
use gloo_net::http::Request;

use crate::api::ApiError;

const ACCESS: &str = "ejento.ejento_access_token";
const AUTH: &str = "ejento.access_token";
const EXPIRES_AT: &str = "ejento.expires_at";
/// Refresh this long before the access token expires.
const REFRESH_MARGIN_MS: f64 = 60_000.0;

thread_local! {
    static REFRESHING: Cell<bool> = const { Cell::new(false) };
}

pub fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten().filter(|v| !v.is_empty())
}

pub fn store_tokens(pair: &TokenPair) {
    if let Some(s) = storage() {
        let expires_at = crate::clock::now_ms() + pair.expires_in as f64 * 1000.0;
        let _ = s.set_item(ACCESS, &pair.ejento_access_token);
        let _ = s.set_item(AUTH, &pair.access_token);
        let _ = s.set_item(EXPIRES_AT, &expires_at.to_string());
    }
}

pub fn clear() {
    if let Some(s) = storage() {
        for key in [ACCESS, AUTH, EXPIRES_AT] {
            let _ = s.remove_item(key);
        }
    }
}

/// True when this browser holds a sign-in (it may still turn out to be revoked).
pub fn is_signed_in() -> bool {
    get(AUTH).is_some()
}

pub fn access_token() -> Option<String> {
    get(ACCESS)
}

/// Whether a token expiring at `expires_at` (ms) should be refreshed at `now` (ms).
pub fn needs_refresh(expires_at: Option<f64>, now: f64) -> bool {
    match expires_at {
        Some(at) => at - now < REFRESH_MARGIN_MS,
        None => true,
    }
}

/// The access token to send now, refreshed first if it is about to expire.
pub async fn fresh_access_token() -> Option<String> {
    let expires_at = get(EXPIRES_AT).and_then(|v| v.parse::<f64>().ok());
    if is_signed_in() && needs_refresh(expires_at, crate::clock::now_ms()) {
        let _ = refresh().await;
    }
    access_token()
}

/// Trades the auth-app token for a new pair. Concurrent callers wait for the one in flight.
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
    let Some(auth) = get(AUTH) else {
        return Err(ApiError::signed_out());
    };
    REFRESHING.with(|r| r.set(true));
    let result = async {
        let res = Request::post(paths::REFRESH)
            .header("Authorization", &format!("Bearer {auth}"))
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
