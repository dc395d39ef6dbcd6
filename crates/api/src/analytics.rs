//! Analytics answers. Every report covers `start_date..=end_date` (local dates in `timezone`);
//! cost is a decimal string in USD. Usage reports have totals, a per-entity breakdown (entities
//! with activity in the range) and, when a `bucket_type` was asked for, a time series with every
//! bucket present.

use serde::{Deserialize, Serialize};

/// Numbers of a report; each report fills the ones it is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Metrics {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_count: Option<i64>,
    /// Distinct users who asked (most-active reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<i64>,
    /// USD, e.g. "12.0345".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upvotes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downvotes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_count: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntityMetrics {
    pub id: i64,
    pub name: String,
    #[serde(flatten)]
    pub values: Metrics,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BucketMetrics {
    /// The bucket's local label: `2026-11-01T13:00` (hour), `2026-11-01` (day, and week by its
    /// Monday), `2026-11` (month).
    pub bucket: String,
    /// When the bucket starts (clipped to the range), with the zone's offset.
    pub start: String,
    #[serde(flatten)]
    pub values: Metrics,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AnalyticsReport {
    pub start_date: String,
    pub end_date: String,
    pub timezone: String,
    pub bucket_type: Option<String>,
    pub totals: Metrics,
    pub items: Vec<EntityMetrics>,
    /// Present when `bucket_type` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<Vec<BucketMetrics>>,
}

/// How many corpora use an indexing mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ModeCount {
    pub indexing_mode_id: i64,
    pub mode: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntityModes {
    pub id: i64,
    pub name: String,
    pub modes: Vec<ModeCount>,
}

/// Indexing modes of the corpora in scope (corpora that exist now; dates do not apply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IndexingModeReport {
    pub totals: Vec<ModeCount>,
    pub items: Vec<EntityModes>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecentEntity {
    pub id: i64,
    pub name: String,
    pub created_on: String,
    pub created_by: String,
}

/// Entities created in the last `days` days, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecentReport {
    pub days: i64,
    pub items: Vec<RecentEntity>,
}

/// A period's summary statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    pub query_count: i64,
    pub total_tokens: i64,
    pub cost: String,
    pub upvotes: i64,
    pub downvotes: i64,
    /// Users who asked at least once.
    pub active_users: i64,
    /// Conversations started.
    pub thread_count: i64,
    pub avg_queries_per_user: f64,
    pub avg_queries_per_thread: f64,
    pub avg_cost_per_query: String,
}

/// Relative change against the previous period, in percent (`null` when that period had none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SummaryChange {
    pub query_count: Option<f64>,
    pub total_tokens: Option<f64>,
    pub cost: Option<f64>,
    pub upvotes: Option<f64>,
    pub downvotes: Option<f64>,
    pub active_users: Option<f64>,
    pub thread_count: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntitySummary {
    pub id: i64,
    pub name: String,
    pub summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SummaryReport {
    pub start_date: String,
    pub end_date: String,
    pub timezone: String,
    /// The period of the same length just before.
    pub previous_start_date: String,
    pub previous_end_date: String,
    pub current: Summary,
    pub previous: Summary,
    pub change: SummaryChange,
    /// Per entity (the agents, projects, teams or users summaries); empty for the overall one.
    pub items: Vec<EntitySummary>,
}

/// How many of each thing the organization (or the caller's part of it) has now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TotalCounts {
    pub users: i64,
    pub teams: i64,
    pub projects: i64,
    pub agents: i64,
    pub corpora: i64,
    pub documents: i64,
    pub chat_threads: i64,
    pub queries: i64,
}

/// Percentiles of a duration in milliseconds, by nearest rank: p50 is the value at rank
/// ⌈0.5·n⌉ of the n values sorted ascending, p95 at ⌈0.95·n⌉. `None` when nothing was measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Percentiles {
    /// How many values they are taken over.
    pub count: i64,
    pub p50_ms: Option<i64>,
    pub p95_ms: Option<i64>,
}

/// Latency and usage of the answers of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ModelLatency {
    /// The model (or deployment) that answered; `local` for the built-in answerer.
    pub model: String,
    pub query_count: i64,
    pub total_tokens: i64,
    pub cost: String,
    /// From the question to the answer's first token.
    pub first_token: Percentiles,
    /// From the question to the answer's end.
    pub total: Percentiles,
}

/// How fast answers came in the range: completed answers to people (evaluation runs' answers
/// are not counted), overall and per model, with the same filters as the usage reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LatencyReport {
    pub start_date: String,
    pub end_date: String,
    pub timezone: String,
    pub query_count: i64,
    pub first_token: Percentiles,
    pub total: Percentiles,
    /// Most used model first.
    pub models: Vec<ModelLatency>,
}
