//! Evaluations: datasets of questions with expected answers per agent, and the metrics answers
//! are scored by.

use serde::{Deserialize, Serialize};

use crate::PageMeta;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationDataset {
    pub id: i64,
    pub agent: i64,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub query_count: i64,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationDatasetPage {
    pub datasets: Vec<EvaluationDataset>,
    pub meta: PageMeta,
}

/// Create or replace a dataset's name, description and tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationDatasetInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Which datasets of an agent to delete: the ones named, or all of them with `all: true`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeleteDatasets {
    #[serde(default)]
    pub dataset_ids: Vec<i64>,
    #[serde(default)]
    pub all: bool,
}

/// A question of a dataset and what a good answer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationQuery {
    pub id: i64,
    pub dataset: i64,
    pub question: String,
    pub expected_answer: String,
    /// Titles of the documents a good answer draws on (optional).
    pub expected_sources: Vec<String>,
    /// The chat answer it was picked from, if it came from the chat logs.
    pub agent_response: Option<i64>,
    pub created_on: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationQueryPage {
    pub evaluation_queries: Vec<EvaluationQuery>,
    pub meta: PageMeta,
}

/// Add questions to a dataset, by hand, imported (CSV or JSON Lines with `question`,
/// `expected_answer` and optionally `expected_sources` separated by `;`), or picked from
/// answered questions in the chat logs (their answer becomes the expected one). Exactly one
/// of `question`, `import` or `agent_response_ids` is given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationQueryInput {
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub expected_answer: Option<String>,
    #[serde(default)]
    pub expected_sources: Vec<String>,
    /// The text of a CSV (with a header row) or JSON Lines file.
    #[serde(default)]
    pub import: Option<String>,
    /// `csv` or `jsonl`; guessed from the text when absent.
    #[serde(default)]
    pub import_format: Option<String>,
    #[serde(default)]
    pub agent_response_ids: Vec<i64>,
}

/// Edit one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationQueryUpdate {
    pub question: String,
    #[serde(default)]
    pub expected_answer: String,
    #[serde(default)]
    pub expected_sources: Vec<String>,
}

/// How a metric is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Computed by the server for every answer of a run.
    Computed,
    /// Scored by people, per answer.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationMetric {
    pub id: i64,
    pub name: String,
    pub category: String,
    pub description: String,
    pub kind: MetricKind,
    /// Built in (the four computed metrics): they cannot be changed or deleted.
    pub builtin: bool,
    pub created_by: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationMetricInput {
    pub name: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
}

/// Start a run: every question of the dataset, asked of its agent as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationInput {
    pub dataset_id: i64,
    #[serde(default)]
    pub name: Option<String>,
    /// Answer with this model configuration instead of the agent's own (to compare models).
    #[serde(default)]
    pub llm_config_id: Option<i64>,
    /// Also score every answer with this model as a judge (an OpenAI-compatible configuration):
    /// the "(LLM judge)" variants of the four computed metrics.
    #[serde(default)]
    pub judge_llm_config_id: Option<i64>,
}

/// What a run asked with: the agent's prompt and instructions as they were, and the models.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RunConfiguration {
    pub prompt: String,
    pub instructions: Vec<String>,
    /// The model that answered: a deployment name, or `local`.
    pub model: String,
    /// The model that judged, if one did.
    pub judge: Option<String>,
    /// How many passages were retrieved for each question (runs from before it was recorded
    /// have none).
    #[serde(default)]
    pub chunk_count: Option<i64>,
    /// The agent's reasoning mode, likewise.
    #[serde(default)]
    pub reasoning_mode: Option<String>,
}

/// Rename a run, stop it (`status: "cancelled"`) or resume a stopped one (`status: "pending"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// Which runs to delete: the ones named, or all of a dataset's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeleteEvaluations {
    #[serde(default)]
    pub evaluation_ids: Vec<i64>,
    #[serde(default)]
    pub dataset_id: Option<i64>,
}

/// A metric's average over a run's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricAverage {
    pub metric_id: i64,
    pub name: String,
    /// `None` until an answer has been scored by it.
    pub average: Option<f64>,
    /// How many answers it scored.
    pub scored: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationSummary {
    pub metrics: Vec<MetricAverage>,
    pub completed: i64,
    pub failed: i64,
    pub total_tokens: i64,
    /// USD, a decimal string.
    pub cost: String,
    pub average_latency_ms: Option<f64>,
    /// What the LLM judge took, besides the answers' own tokens and cost.
    #[serde(default)]
    pub judge_tokens: i64,
    #[serde(default)]
    pub judge_cost: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Evaluation {
    pub id: i64,
    pub dataset: i64,
    pub agent: i64,
    pub name: String,
    /// `pending`, `running`, `completed`, `cancelled` or `failed`.
    pub status: String,
    /// Questions in the run, and how many have a result.
    pub total: i64,
    pub done: i64,
    /// Why it failed, if it did.
    pub message: Option<String>,
    pub summary: EvaluationSummary,
    pub configuration: RunConfiguration,
    pub llm_config_id: Option<i64>,
    pub judge_llm_config_id: Option<i64>,
    pub created_by: String,
    pub created_on: String,
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationPage {
    pub evaluations: Vec<Evaluation>,
    pub meta: PageMeta,
}

/// A passage an answer of a run was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResultSource {
    pub document_id: i64,
    pub title: String,
    pub text: String,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricScore {
    /// The metric result's id.
    pub id: i64,
    pub metric_id: i64,
    pub name: String,
    pub score: f64,
    pub details: String,
}

/// One question of a run: the answer, where it came from, what it cost, and its scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryResult {
    pub id: i64,
    pub evaluation: i64,
    pub query: i64,
    pub question: String,
    pub expected_answer: String,
    pub answer: String,
    pub sources: Vec<ResultSource>,
    pub agent_response: Option<i64>,
    /// `completed` or `failed`.
    pub status: String,
    pub total_tokens: i64,
    pub cost: String,
    pub latency_ms: i64,
    pub metrics: Vec<MetricScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryResultPage {
    pub query_results: Vec<QueryResult>,
    pub meta: PageMeta,
}

/// A score given to an answer of a run, by the runner or by a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricResult {
    pub id: i64,
    pub query_result: i64,
    pub evaluation: i64,
    pub metric_id: i64,
    pub name: String,
    pub score: f64,
    pub details: String,
    pub created_by: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricResultPage {
    pub metric_results: Vec<MetricResult>,
    pub meta: PageMeta,
}

/// Score an answer: a number from 0 to 1 and an optional comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScoreInput {
    pub score: f64,
    #[serde(default)]
    pub details: String,
}

/// Score an answer by one metric (`POST /evaluation-metrics/{id}/metric-results`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricResultInput {
    pub query_result_id: i64,
    pub score: f64,
    #[serde(default)]
    pub details: String,
}

/// Scores by several metrics at once (`PUT /query-results/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryResultUpdate {
    #[serde(default)]
    pub metric_scores: Vec<MetricScoreInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricScoreInput {
    pub metric_id: i64,
    pub score: f64,
    #[serde(default)]
    pub details: String,
}

/// An answer obtained elsewhere (another system, a person) recorded for a question of the run;
/// the computed metrics score it against the passages given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryResultInput {
    pub query_id: i64,
    pub answer: String,
    /// Passages the answer drew on, for Faithfulness and Context Recall.
    #[serde(default)]
    pub sources: Vec<ResultSource>,
    #[serde(default)]
    pub metric_scores: Vec<MetricScoreInput>,
}

/// A piece of a word diff: text both sides share, or only the first (`removed`) or the second
/// (`added`) has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiffPiece {
    /// `same`, `added` or `removed`.
    pub kind: String,
    pub text: String,
}

/// A metric's average in two runs, and how it moved (candidate minus base).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricDelta {
    pub metric_id: i64,
    pub name: String,
    pub base: Option<f64>,
    pub candidate: Option<f64>,
    pub delta: Option<f64>,
}

/// A setting that differs between two runs (`prompt`, `instructions`, `model`, `judge`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConfigurationChange {
    pub field: String,
    pub base: String,
    pub candidate: String,
    /// Word diff from `base` to `candidate`, so an added sentence reads as added rather than
    /// the whole old text struck out.
    #[serde(default)]
    pub diff: Vec<DiffPiece>,
}

/// One question in two runs: both answers, how they differ from each other and from the expected
/// answer, and how each metric moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryComparison {
    pub query: i64,
    pub question: String,
    pub expected_answer: String,
    pub base: Option<QueryResult>,
    pub candidate: Option<QueryResult>,
    /// `regressed`, `improved`, `changed` (the answer differs, the scores barely move),
    /// `unchanged`, or `missing` (one run has no result for it).
    pub change: String,
    /// The average move of the metrics both answers were scored by (or the chosen metric's).
    pub delta: Option<f64>,
    pub metrics: Vec<MetricDelta>,
    /// Base answer → candidate answer.
    pub answer_diff: Vec<DiffPiece>,
    /// Expected answer → each answer.
    pub base_vs_expected: Vec<DiffPiece>,
    pub candidate_vs_expected: Vec<DiffPiece>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChangeCounts {
    pub regressed: i64,
    pub improved: i64,
    pub changed: i64,
    pub unchanged: i64,
    pub missing: i64,
}

/// Two runs of one dataset side by side (`GET /api/v2/evaluations/compare`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationComparison {
    pub base: Evaluation,
    pub candidate: Evaluation,
    pub metrics: Vec<MetricDelta>,
    pub configuration_changes: Vec<ConfigurationChange>,
    /// Over every question, whatever the filter.
    pub counts: ChangeCounts,
    /// The questions passing the filter, one page of them.
    pub queries: Vec<QueryComparison>,
    pub meta: PageMeta,
}
