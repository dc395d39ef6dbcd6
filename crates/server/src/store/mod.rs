//! Every SQL statement of the server, one module per resource. Routes call the store; the
//! store knows nothing of HTTP. Queries use `$n` placeholders, valid on SQLite and PostgreSQL.

mod agent_social;
mod agents;
pub mod analytics;
pub mod answers;
mod api_keys;
pub mod audit;
pub mod callers;
mod chat;
mod chat_logs;
mod chat_threads;
mod corpora;
mod corpora_links;
mod documents;
pub mod embeddings;
mod evaluation_runs;
mod evaluations;
mod feature_flags;
mod guardrails;
mod notifications;
mod org_admin;
pub mod pagination;
mod passwordless;
mod projects;
mod responses;
mod settings;
mod sql;
mod teams;
mod throttle;
mod tokens;
mod tools;
mod users;
mod workflow_responses;
mod workflows;

pub use agent_social::RecentKind;
pub use agents::AGENT_SORT;
pub use agents::{AgentConfig, AgentExtras, AgentFilter, AgentRow};
pub use api_keys::{ApiKeyRow, NewApiKey};
pub use chat::{FeedbackOn, FinishedResponse, NewResponse, ResponseRow};
pub use chat_logs::{LogDetail, LogFilter};
pub use chat_threads::ThreadRow;
pub use corpora::CORPUS_SORT;
pub use corpora::{CorpusConfig, CorpusFilter, CorpusRow};
pub use corpora_links::Connection;
pub use documents::DOCUMENT_SORT;
pub use documents::{ClaimedJob, DocumentFilter, DocumentRow, HydratedChunk, NewDocument, Refetched};
pub use evaluation_runs::{EvaluationRow, NewEvaluation, NewQueryResult};
pub use evaluations::{DatasetRow, MetricRow, NewQuery, QueryRow};
pub use guardrails::GuardrailFields;
pub use notifications::{NewNotification, notify};
pub use pagination::{PageRequest, SortOrder, Sortable};
pub use passwordless::PasswordlessRow;
pub use projects::PROJECT_SORT;
pub use projects::{ProjectFilter, ProjectRow};
pub use responses::ResponseScope;
pub use teams::TEAM_SORT;
pub use teams::{Adder, MemberRow, MemberTable, TeamRow};
pub use throttle::LoginFailures;
pub use tokens::RefreshTokenRow;
pub use tools::{ToolFields, ToolRow};
pub use users::{NewUser, SignupOutcome, UserRow};
pub use workflow_responses::{FinishedWorkflowResponse, WorkflowResponseRow};
pub use workflows::{WorkflowFields, WorkflowFilter, WorkflowRow, WorkflowThreadRow};

use crate::db::Db;

#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    /// API key id → the minute this replica last recorded its use (see `touch_api_key`).
    key_uses: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<i64, i64>>>,
    /// Live sign-ins this replica knows (see [`callers`]).
    callers: std::sync::Arc<callers::CallerCache>,
}

impl Store {
    pub fn new(db: Db) -> Self {
        // A PostgreSQL replica keeps sign-ins only once it hears the others' changes.
        let hearing = db.backend != crate::db::Backend::Postgres;
        Self {
            db,
            key_uses: Default::default(),
            callers: std::sync::Arc::new(callers::CallerCache::new(hearing)),
        }
    }

    pub fn callers(&self) -> &callers::CallerCache {
        &self.callers
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    fn pool(&self) -> &sqlx::AnyPool {
        &self.db.pool
    }
}
