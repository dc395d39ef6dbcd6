//! The response envelope `{success, message, data}` and the error body.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every successful response: `{"success": true, "message": "...", "data": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Envelope<T> {
    pub success: bool,
    pub message: String,
    pub data: T,
}

impl<T> Envelope<T> {
    pub fn ok(message: impl Into<String>, data: T) -> Self {
        Self {
            success: true,
            message: message.into(),
            data,
        }
    }
}

/// Every failed response: `success` is false, `message` is meant for a person to read, and
/// validation failures (422) carry one list of messages per offending field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    pub success: bool,
    pub message: String,
    /// The message again, where FastAPI-style clients look (Ejento's auth service answers
    /// `{detail}`, and its official client reads `error.response.data.detail`).
    #[serde(default)]
    pub detail: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, Vec<String>>,
}

/// Pagination metadata of a list, as the Stable chat-thread list names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PageMeta {
    pub count: u64,
    pub num_pages: u64,
    pub current_page: u64,
}

impl PageMeta {
    pub fn new(count: u64, items_per_page: u64, current_page: u64) -> Self {
        let per = items_per_page.max(1);
        Self {
            count,
            num_pages: count.div_ceil(per).max(1),
            current_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_meta_rounds_up_and_never_reports_zero_pages() {
        assert_eq!(PageMeta::new(0, 10, 1).num_pages, 1);
        assert_eq!(PageMeta::new(10, 10, 1).num_pages, 1);
        assert_eq!(PageMeta::new(11, 10, 2).num_pages, 2);
    }

    #[test]
    fn error_body_omits_empty_field_errors() {
        let body = ErrorBody {
            success: false,
            message: "nope".into(),
            detail: "nope".into(),
            errors: BTreeMap::new(),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"success":false,"message":"nope","detail":"nope"}"#
        );
    }
}

/// What deleting or removing one thing answers: its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Deleted {
    pub id: i64,
}

/// An action that has nothing to say beyond its message: `data` is `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Done {}

/// How many connections or records a bulk removal took away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Removed {
    pub removed: i64,
}

/// How many records a bulk delete took away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeletedCount {
    pub deleted: i64,
}
