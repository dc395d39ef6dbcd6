//! The server's one error type, mapped to an HTTP status and `{success:false, message}` here and
//! nowhere else. Internal causes are logged, never sent to the client.

use std::collections::BTreeMap;

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use ejento_api::ErrorBody;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the request cannot be read (malformed JSON, wrong content type, bad parameter).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no credentials, or credentials that are wrong, expired or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: known caller, not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: missing, or belonging to another organization (indistinguishable on purpose).
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, the method does not.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: would duplicate something unique.
    #[error("{0}")]
    Conflict(String),
    /// 413: the upload is larger than the configured limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: a file format we cannot index; the message lists the ones we can.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: readable but invalid; one list of messages per field.
    #[error("{message}")]
    Validation {
        message: String,
        errors: BTreeMap<String, Vec<String>>,
    },
    /// 429: slow down.
    #[error("{0}")]
    TooManyRequests(String),
    /// 503: a service we depend on (the mail server) is not answering; trying later may work.
    #[error("{0}")]
    Unavailable(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A 422 for a single field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut errors = BTreeMap::new();
        errors.insert(field.to_string(), vec![message.clone()]);
        Error::Validation { message, errors }
    }

    pub fn not_found(what: &str) -> Self {
        Error::NotFound(format!("{what} not found."))
    }

    fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            // No connection free in time: the server is overloaded or the database is away, and
            // trying again shortly is the right thing for a client to do.
            Error::Unavailable(_) | Error::Database(sqlx::Error::PoolTimedOut) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Database(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Collects per-field validation messages, then fails once with all of them.
#[derive(Debug, Default)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_string()).or_default().push(message.into());
    }

    /// Records the errors of a rule that checks several fields, as `ejento_api`'s rules give them.
    pub fn add_all(&mut self, errors: Vec<(&str, String)>) {
        for (field, message) in errors {
            self.add(field, message);
        }
    }

    /// Records the error of a fallible parse and yields its value if there was none.
    pub fn take<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|m| self.add(field, m)).ok()
    }

    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let message = self
            .0
            .iter()
            .map(|(field, msgs)| format!("{field}: {}", msgs.join(" ")))
            .collect::<Vec<_>>()
            .join(" ");
        Err(Error::Validation {
            message,
            errors: self.0,
        })
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let (message, errors) = match self {
            Error::Database(sqlx::Error::PoolTimedOut) => {
                tracing::warn!("no database connection was free in time");
                (
                    "The server is busy right now. Please try again in a few seconds.".to_string(),
                    BTreeMap::new(),
                )
            }
            Error::Database(e) => {
                tracing::error!(error = %e, "database error");
                (
                    "Something went wrong on our side. Please try again.".to_string(),
                    BTreeMap::new(),
                )
            }
            Error::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    "Something went wrong on our side. Please try again.".to_string(),
                    BTreeMap::new(),
                )
            }
            Error::Validation { message, errors } => (message, errors),
            other => (other.to_string(), BTreeMap::new()),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                success: false,
                detail: message.clone(),
                message,
                errors,
            }),
        )
            .into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECS.into());
        }
        response
    }
}

/// What a 503 asks the client to wait before trying again.
const RETRY_AFTER_SECS: u32 = 5;

/// Turns a unique-constraint violation into a 409 with the given message; other errors pass.
pub trait ResultExt<T> {
    fn on_unique_violation(self, message: impl FnOnce() -> String) -> Result<T>;
}

impl<T> ResultExt<T> for std::result::Result<T, sqlx::Error> {
    fn on_unique_violation(self, message: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(message()),
            _ => Error::Database(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_free_connection_is_a_503_with_retry_after_not_a_500() {
        let response = Error::Database(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "5");
        let response = Error::Database(sqlx::Error::RowNotFound).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().get("retry-after").is_none());
    }
}
