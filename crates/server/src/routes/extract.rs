//! Extractors whose rejections speak our error format instead of axum's plain text.

use axum::{
    Json,
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::header::CONTENT_TYPE,
};
use serde::de::DeserializeOwned;

use crate::error::Error;

/// `Json<T>` with rejections as `{success:false, message}`: 400 for a body that is not JSON,
/// 422 (naming the field) for JSON of the wrong shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !is_json(req.headers()) {
            return Err(not_json());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| body_unreadable(e.status(), &e.body_text()))?;
        if json_has_nul(&bytes) {
            return Err(nul_refused());
        }
        Json::<T>::from_bytes(&bytes)
            .map(|Json(v)| ApiJson(v))
            .map_err(json_rejection)
    }
}

/// `application/json` or any `application/…+json`, with or without parameters (axum's rule).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether JSON text holds a string with the NUL character: the escape `\u0000` itself, not
/// an escaped backslash followed by `u0000` (raw control characters are not valid JSON at all).
/// PostgreSQL cannot store NUL in text, so it is refused up front on both databases alike.
fn json_has_nul(json: &[u8]) -> bool {
    json.windows(6).enumerate().any(|(at, window)| {
        window == b"\\u0000" && json[..at].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
}

/// Whether URL-encoded text (a query string, a form body, a path) holds an encoded NUL.
fn urlencoded_has_nul(text: &[u8]) -> bool {
    text.windows(3).any(|window| window == b"%00")
}

fn nul_refused() -> Error {
    Error::Validation {
        message: "Text may not contain the NUL character (U+0000).".into(),
        errors: Default::default(),
    }
}

fn json_rejection(rejection: JsonRejection) -> Error {
    match rejection {
        JsonRejection::JsonDataError(e) => shape_error(&e.body_text()),
        JsonRejection::JsonSyntaxError(_) => Error::BadRequest("The request body is not valid JSON.".into()),
        JsonRejection::MissingJsonContentType(_) => not_json(),
        other => body_unreadable(other.status(), &other.body_text()),
    }
}

fn not_json() -> Error {
    Error::BadRequest("Send the request body as JSON, with 'Content-Type: application/json'.".into())
}

/// A body that could not be read: too large (413, with the limit in words), or else broken.
fn body_unreadable(status: axum::http::StatusCode, detail: &str) -> Error {
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return Error::PayloadTooLarge(format!(
            "The request body is larger than the {} MB a request may send (files go through the upload endpoints).",
            JSON_BODY_LIMIT_MB
        ));
    }
    Error::BadRequest(format!("The request body could not be read: {detail}"))
}

/// axum's default body limit, which every JSON and form body is read under.
const JSON_BODY_LIMIT_MB: usize = 2;

/// Turns serde's "`field`: invalid type…" / "missing field `x`" into a per-field 422.
pub(crate) fn shape_error(text: &str) -> Error {
    let detail = text.split_once("target type: ").map(|(_, d)| d).unwrap_or(text);
    let detail = detail.split(" at line ").next().unwrap_or(detail);
    if let Some(field) = detail
        .split_once("missing field `")
        .and_then(|(_, r)| r.split_once('`'))
        .map(|(f, _)| f)
    {
        return Error::invalid(field, format!("{field}: this field is required."));
    }
    match detail.split_once(": ") {
        Some((path, why)) if !path.contains(' ') => Error::invalid(path, format!("{path}: {why}.")),
        _ => Error::Validation {
            message: format!("The request body has the wrong shape: {detail}."),
            errors: Default::default(),
        },
    }
}

/// A body that is either JSON or `application/x-www-form-urlencoded` (as OAuth-style login forms send).
pub struct JsonOrForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonOrForm<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return ApiJson::<T>::from_request(req, state)
                .await
                .map(|ApiJson(v)| JsonOrForm(v));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| body_unreadable(e.status(), &e.body_text()))?;
        if urlencoded_has_nul(&bytes) {
            return Err(nul_refused());
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(JsonOrForm)
            .map_err(|e| shape_error(&e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_only_where_it_is_a_character() {
        assert!(json_has_nul(br#"{"a": "x\u0000y"}"#));
        assert!(json_has_nul(br#"["\\\u0000"]"#), "an escaped backslash, then NUL");
        assert!(
            !json_has_nul(br#"{"a": "x\\u0000y"}"#),
            "a backslash, then the text u0000"
        );
        assert!(json_has_nul(br#"{"a": "\u00001"}"#), "NUL, then a digit");
        assert!(!json_has_nul(br#"{"a": "\u0001"}"#));
        assert!(urlencoded_has_nul(b"search=a%00b") && !urlencoded_has_nul(b"search=a%2500b"));
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Validation { errors, .. } => errors.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn serde_messages_become_field_errors() {
        let missing =
            "Failed to deserialize the JSON body into the target type: missing field `password` at line 1 column 20";
        assert_eq!(fields(shape_error(missing)), ["password"]);
        let wrong = "Failed to deserialize the JSON body into the target type: email: invalid type: integer `5`, expected a string at line 1 column 10";
        assert_eq!(fields(shape_error(wrong)), ["email"]);
        assert_eq!(fields(shape_error("missing field `username`")), ["username"]);
    }
}

/// Path parameters. An id that is not a number cannot exist, so it is a 404 like any missing one.
pub struct ApiPath<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Error> {
        if urlencoded_has_nul(parts.uri.path().as_bytes()) {
            return Err(Error::NotFound(
                "Not found: the address names something that does not exist.".into(),
            ));
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|_| Error::NotFound("Not found: the address names something that does not exist.".into()))
    }
}

/// Query parameters, with a readable 400 when one has the wrong type.
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or_default();
        if urlencoded_has_nul(query.as_bytes()) {
            return Err(Error::BadRequest(
                "A query parameter is not valid: text may not contain the NUL character (U+0000).".into(),
            ));
        }
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| Error::BadRequest(format!("A query parameter is not valid: {e}.")))
    }
}

/// The list parameters every list accepts.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub page: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub items_per_page: Option<u64>,
    /// Text search (names, e-mails, descriptions, depending on the list).
    pub search: Option<String>,
    /// A column, optionally prefixed with `-` for descending.
    pub sort: Option<String>,
}

impl ListQuery {
    pub fn page(&self) -> crate::store::PageRequest {
        crate::store::PageRequest::new(self.page, self.items_per_page)
    }
}

/// Query values arrive as text; inside `#[serde(flatten)]` serde no longer converts them, so
/// numeric and boolean query fields read text (or native values) through these.
pub mod lenient {
    use serde::{Deserialize, Deserializer, de::Error};

    #[derive(Deserialize, schemars::JsonSchema)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Int(i64),
        Bool(bool),
    }

    fn raw<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Raw>, D::Error> {
        Ok(Option::<Raw>::deserialize(d)?.filter(|r| !matches!(r, Raw::Text(t) if t.is_empty())))
    }

    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match raw(d)? {
            None => Ok(None),
            Some(Raw::Int(n)) => Ok(Some(n)),
            Some(Raw::Text(t)) => t
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| D::Error::custom(format!("\"{t}\" is not a number"))),
            Some(Raw::Bool(_)) => Err(D::Error::custom("expected a number")),
        }
    }

    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match opt_i64(d)? {
            Some(n) if n < 0 => Err(D::Error::custom("expected a positive number")),
            other => Ok(other.map(|n| n as u64)),
        }
    }

    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        match raw(d)? {
            None => Ok(None),
            Some(Raw::Bool(b)) => Ok(Some(b)),
            Some(Raw::Text(t)) => match t.trim() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                other => Err(D::Error::custom(format!("\"{other}\" is not true or false"))),
            },
            Some(Raw::Int(n)) => Ok(Some(n != 0)),
        }
    }
}
