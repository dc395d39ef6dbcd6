//! The typed API client: one function per endpoint, grouped by resource, all over [`call`].

pub mod admin;
pub mod agents;
pub mod analytics;
pub mod auth;
pub mod chat;
pub mod chat_logs;
pub mod corpora;
pub mod documents;
pub mod evaluations;
pub mod flags;
pub mod notifications;
pub mod projects;
pub mod teams;
pub mod tools;
pub mod users;
pub mod workflows;

use std::collections::BTreeMap;

use ejento_api::{Envelope, ErrorBody};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::{Serialize, de::DeserializeOwned};

use crate::session;

/// A failed call, with the server's message for the person using the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status; 0 when the server could not be reached.
    pub status: u16,
    pub message: String,
    pub errors: BTreeMap<String, Vec<String>>,
}

impl ApiError {
    pub fn network() -> Self {
        Self {
            status: 0,
            message: "Cannot reach the server. Check your connection and try again.".into(),
            errors: BTreeMap::new(),
        }
    }

    pub fn signed_out() -> Self {
        Self {
            status: 401,
            message: "Your session has ended. Please sign in again.".into(),
            errors: BTreeMap::new(),
        }
    }

    /// The first message the server gave for one field of a form.
    pub fn field(&self, name: &str) -> Option<String> {
        self.errors.get(name).and_then(|m| m.first()).cloned()
    }

    pub async fn from_response(res: Response) -> Self {
        let status = res.status();
        match res.json::<ErrorBody>().await {
            Ok(body) => Self {
                status,
                message: body.message,
                errors: body.errors,
            },
            Err(_) => Self {
                status,
                message: format!("The server answered with an error ({status})."),
                errors: BTreeMap::new(),
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

fn builder(method: Method, path: &str) -> RequestBuilder {
    match method {
        Method::Get => Request::get(path),
        Method::Post => Request::post(path),
        Method::Put => Request::put(path),
        Method::Delete => Request::delete(path),
    }
}

async fn send(
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
    token: Option<&str>,
) -> Result<Response, ApiError> {
    let mut req = builder(method, path);
    if let Some(token) = token {
        req = req.header("Authorization", &format!("Bearer {token}"));
    }
    let sent = match body {
        Some(b) => req.json(b).map_err(|_| ApiError::network())?.send().await,
        None => req.send().await,
    };
    sent.map_err(|_| ApiError::network())
}

async fn decode<T: DeserializeOwned>(res: Response) -> Result<Envelope<T>, ApiError> {
    if !res.ok() {
        return Err(ApiError::from_response(res).await);
    }
    res.json::<Envelope<T>>().await.map_err(|_| ApiError {
        status: 0,
        message: "The server's answer could not be read.".into(),
        errors: BTreeMap::new(),
    })
}

fn to_json<B: Serialize>(body: Option<&B>) -> Option<serde_json::Value> {
    body.and_then(|b| serde_json::to_value(b).ok())
}

/// A call as the signed-in user: refreshes before expiry, retries once after a refresh on 401,
/// and returns to the sign-in page if the session cannot be renewed.
pub async fn call<T: DeserializeOwned, B: Serialize>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<Envelope<T>, ApiError> {
    let body = to_json(body);
    // Read before refreshing: a refresh that fails forgets the sign-in, and this call must still
    // know it was made for one, to send the user to sign in again.
    let signed_in = session::is_signed_in();
    let token = session::fresh_access_token().await;
    let mut res = send(method, path, body.as_ref(), token.as_deref()).await?;
    if res.status() == 401 && signed_in {
        if token.is_some() && session::refresh().await.is_ok() {
            res = send(method, path, body.as_ref(), session::access_token().as_deref()).await?;
        } else {
            session::clear();
            session::return_to_login(true);
            return Err(ApiError::signed_out());
        }
    }
    decode(res).await
}

/// A call that needs no sign-in (sign-in itself, sign-up, passwordless).
pub async fn call_public<T: DeserializeOwned, B: Serialize>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<Envelope<T>, ApiError> {
    let body = to_json(body);
    decode(send(method, path, body.as_ref(), None).await?).await
}

/// GET as the signed-in user, returning `data`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    Ok(call::<T, ()>(Method::Get, path, None).await?.data)
}

/// A query string of the non-empty pairs, each URL-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// Fetches a CSV with the caller's credentials and hands it to the browser as a download.
pub async fn download_csv(path: &str, file_name: &str) -> Result<(), ApiError> {
    let token = session::fresh_access_token().await;
    let mut req = Request::get(path);
    if let Some(token) = token {
        req = req.header("Authorization", &format!("Bearer {token}"));
    }
    let res = req.send().await.map_err(|_| ApiError::network())?;
    if !res.ok() {
        return Err(ApiError::from_response(res).await);
    }
    let text = res.text().await.map_err(|_| ApiError::network())?;
    if !crate::components::download::save_text(file_name, "text/csv", &text) {
        return Err(ApiError::network());
    }
    Ok(())
}
