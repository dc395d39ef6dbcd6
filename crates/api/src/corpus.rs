//! Corpora: collections of documents that agents answer from.

use serde::{Deserialize, Serialize};

use crate::PageMeta;

/// Indexing modes as the real API numbers them (2 is not documented; we name it `standard`).
pub const INDEXING_MODES: [(i64, &str); 3] = [(1, "exhaustive"), (2, "standard"), (3, "basic")];
pub const CORPUS_TYPES: [&str; 2] = ["standard", "attachment"];
pub const CORPUS_ACCESS: [&str; 2] = ["Read", "Write"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IndexingMode {
    pub id: i64,
    pub mode: String,
}

impl IndexingMode {
    /// The mode numbered `id` (an unknown number reads as `basic`, the default).
    pub fn of(id: i64) -> Self {
        let mode = INDEXING_MODES
            .iter()
            .find(|(known, _)| *known == id)
            .map_or("basic", |(_, m)| *m);
        Self {
            id,
            mode: mode.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Corpus {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub indexing_mode: IndexingMode,
    pub corpus_type: String,
    pub is_public: bool,
    pub is_deleted: bool,
    pub refresh_enabled: bool,
    pub owner: i64,
    pub org: i64,
    pub tags: Vec<String>,
    pub document_count: i64,
    /// Documents by indexing state.
    #[serde(default)]
    pub indexing: crate::IndexingSummary,
    /// The caller's access: "Write", "Read", or null.
    pub my_access: Option<String>,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

/// Create (name required) and update (every field optional) share this body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorpusInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub indexing_mode_id: Option<i64>,
    #[serde(default)]
    pub corpus_type: Option<String>,
    #[serde(default)]
    pub is_public: Option<bool>,
    #[serde(default)]
    pub refresh_enabled: Option<bool>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorpusPage {
    pub corpora: Vec<Corpus>,
    pub meta: PageMeta,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorpusPermission {
    pub id: i64,
    pub corpus_id: i64,
    pub user_id: i64,
    pub email: String,
    pub access: String,
    pub created_by: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorpusPermissionInput {
    pub user_id: i64,
    pub access: String,
}

/// An agent a corpus is connected to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorpusAgent {
    pub agent_id: i64,
    pub agent_name: String,
    pub is_enabled: bool,
    pub is_default: bool,
}

/// `PUT …/tags` of corpora and documents: the whole new list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TagList {
    pub tags: Vec<String>,
}

/// A person's permission on a corpus taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PermissionRevoked {
    pub corpus_id: i64,
    pub user_id: i64,
}
