//! Chat threads: conversations of a user with an agent, and the corpora attached to them.

use serde::{Deserialize, Serialize};

use crate::PageMeta;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatThread {
    pub id: i64,
    pub agent: i64,
    pub user: i64,
    pub title: String,
    /// The first attached corpus (chat attachments), if any.
    pub corpus_id: Option<i64>,
    pub chat_id: Option<String>,
    pub is_system_created: bool,
    pub is_deleted: bool,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatThreadPage {
    pub chat_threads: Vec<ChatThread>,
    pub meta: PageMeta,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatThreadInput {
    #[serde(default)]
    pub title: Option<String>,
}

/// A corpus attached to a chat thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadCorpus {
    pub chat_thread_id: i64,
    pub corpus_id: i64,
    pub corpus_name: String,
    pub connected_by: String,
    pub created_on: String,
}
