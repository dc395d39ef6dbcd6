//! Chat threads: conversations of a user with an agent, and the corpora attached to them.

use serde::{Deserialize, Serialize};

use crate::PageMeta;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatThreadPage {
    pub chat_threads: Vec<ChatThread>,
    pub meta: PageMeta,
}

/// One of a person's conversations, as their history across agents lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Conversation {
    pub thread_id: i64,
    pub title: String,
    pub agent_id: i64,
    pub agent_name: String,
    /// The last question asked in it; null before the first.
    pub last_question: Option<String>,
    /// Its last activity.
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationPage {
    pub conversations: Vec<Conversation>,
    pub meta: PageMeta,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatThreadInput {
    #[serde(default)]
    pub title: Option<String>,
}

/// A corpus attached to a chat thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ThreadCorpus {
    pub chat_thread_id: i64,
    pub corpus_id: i64,
    pub corpus_name: String,
    pub connected_by: String,
    pub created_on: String,
}

/// A turn of earlier conversation a client may send along.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryTurn {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub bot: String,
}

/// `overrides` of a response request (the keys the real client sends).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponseOverrides {
    /// Search only these corpora (they must be connected to the agent or the thread).
    #[serde(default)]
    pub corpus_ids: Option<Vec<i64>>,
    /// Answer with this enabled model configuration instead of the agent's, where the agent
    /// lets people choose (`model_choice`).
    #[serde(default)]
    pub llm_config_id: Option<i64>,
}

/// The body of `POST …/agents/{agent_id}/responses[/stream]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponseRequest {
    pub user_query: String,
    #[serde(default)]
    pub chat_thread_id: Option<i64>,
    #[serde(default)]
    pub history: Vec<HistoryTurn>,
    #[serde(default)]
    pub query_source: Option<String>,
    #[serde(default)]
    pub caching_enabled: Option<bool>,
    #[serde(default)]
    pub is_file_attached: Option<bool>,
    #[serde(default)]
    pub overrides: ResponseOverrides,
    /// Ask again, as a new version of this earlier answer of the thread (with the question as
    /// given here, edited or not); the thread then shows the new version in its place.
    #[serde(default)]
    pub version_of: Option<i64>,
}

/// A numbered source of an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reference {
    pub number: i64,
    /// Where the source can be read, as an absolute URL: a web-link document's own page, else
    /// the document's page in the dashboard (the dashboard itself navigates by `document_id`).
    pub url: String,
    pub order: i64,
    pub document_id: i64,
    pub chunk_id: i64,
    pub title: String,
}

/// A passage an answer was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SupportingChunk {
    pub number: i64,
    pub chunk_id: i64,
    pub document_id: i64,
    pub document_title: String,
    pub corpus_id: i64,
    pub page: Option<i64>,
    pub section: Option<String>,
    pub text: String,
    pub score: f32,
    /// The page a web-link document was read from; null for files and text.
    #[serde(default)]
    pub web_address: Option<String>,
}

/// The answer: the `data` of the blocking call and the `output` of the stream's `end` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponseOutput {
    pub answer: String,
    pub sources: String,
    pub followup_questions: Vec<String>,
    pub indexes: Vec<String>,
    pub query: String,
    pub total_tokens: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cache_hit: bool,
    pub history: Vec<HistoryTurn>,
    pub prompt_prefix: String,
    pub instructions: Vec<String>,
    pub agent_mode: String,
    pub references: Vec<Reference>,
    pub success: bool,
    pub corpus_ids: Vec<i64>,
    pub run_id: String,
    pub chat_thread_name: String,
    pub thread_id: i64,
    pub agent_response_id: i64,
    /// The same id under the name older Ejento clients read.
    #[serde(default)]
    pub chatlog_id: i64,
    pub guardrail_triggered: bool,
    pub blocked: bool,
    /// What the guardrails found in the question and the answer (never the text itself).
    #[serde(default)]
    pub guardrail_findings: Vec<crate::GuardrailFinding>,
    /// `completed`, `cancelled`, `failed` or `blocked` (by a guardrail).
    pub status: String,
    /// Why it failed, for the person who asked (null on success).
    #[serde(default)]
    pub message: Option<String>,
    pub cost: String,
    pub latency_ms: i64,
    pub first_token_ms: Option<i64>,
}

/// What starting a response for the browser returns: where to follow it with EventSource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StartedResponse {
    pub agent_response_id: i64,
    pub thread_id: i64,
    /// `GET` this with EventSource; it carries a short-lived ticket bound to the response.
    pub events_url: String,
}

/// A stored agent response, as a thread lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentResponse {
    pub id: i64,
    pub question: String,
    pub response: Option<ResponseOutput>,
    /// The answer so far (while streaming) or in full.
    pub answer: String,
    /// `streaming`, `completed`, `cancelled` or `failed`.
    pub status: String,
    pub agent: i64,
    pub user: i64,
    pub chat_thread: Option<i64>,
    pub query_source: String,
    pub is_pinned: bool,
    /// The caller's vote: `upvote`, `downvote` or null.
    pub my_vote: Option<String>,
    pub total_tokens: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost: String,
    pub cache_hit: bool,
    /// The steps taken to answer (searches, tool calls), as streamed in `tools_stream`, so a
    /// conversation shows them again after a reload.
    #[serde(default)]
    pub thoughts: String,
    /// Everyone's votes on it (Ejento's stored response record carries them; `my_vote` is ours).
    #[serde(default)]
    pub feedback: Vec<ResponseFeedback>,
    /// The first comments on it, oldest first (at most [`RESPONSE_COMMENTS_LISTED`]; all of
    /// them are on its own comments list).
    #[serde(default)]
    pub comments: Vec<ResponseComment>,
    /// With `include_steps=true`: the steps taken to answer, as the stream announced them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_steps: Option<Vec<ResponseStep>>,
    /// Always false here: deleted responses are not listed.
    #[serde(default)]
    pub is_deleted: bool,
    /// The workflow answer this response was a step of; null for a chat answer.
    #[serde(default)]
    pub workflow: Option<i64>,
    /// The model configuration that answered; null for the local answerer and for answers
    /// recorded from elsewhere.
    #[serde(default)]
    pub llm_config: Option<i64>,
    /// A messaging channel's id for the message answered. Always null here: questions arrive
    /// through this API only.
    #[serde(default)]
    pub message_id: Option<String>,
    /// Ejento's deployment stage of the answer. Always null here: agents have no stages.
    #[serde(default)]
    pub stage: Option<String>,
    /// Always false here: clearing a conversation deletes its responses.
    #[serde(default)]
    pub is_cleared: bool,
    /// The first answer of this turn when this one is a later version of it (asked again, or
    /// its question edited); null for a first answer.
    #[serde(default)]
    pub version_of: Option<i64>,
    /// How many versions the turn has (1: never asked again), and which one this is, from 1.
    #[serde(default = "one")]
    pub version_count: i64,
    #[serde(default = "one")]
    pub version_number: i64,
    pub created_by: String,
    pub created_on: String,
}

fn one() -> i64 {
    1
}

/// How many comments a listed response carries: a page of a thread stays small however much
/// people comment.
pub const RESPONSE_COMMENTS_LISTED: usize = 20;

/// A vote on an answer, as Ejento's `feedback[]` items are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponseFeedback {
    pub id: i64,
    pub is_upvote: bool,
    pub is_downvote: bool,
    /// The voter's e-mail.
    pub created_by: String,
    pub created_on: String,
    /// The workflow answer voted on, for a vote on a workflow answer; null on an agent answer.
    pub workflow_response: Option<i64>,
}

/// One step of answering (`start`, `retrieval_start`, `assistant_start`, a guardrail…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponseStep {
    /// The event's number in the answer's stream.
    pub id: i64,
    pub step: String,
    /// What the person was shown while it ran.
    pub friendly_message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentResponseList {
    pub agent_responses: Vec<AgentResponse>,
    pub meta: PageMeta,
}

/// `POST …/feedbacks`: thumbs up or down (sending the same vote again keeps it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedbackInput {
    /// `upvote` or `downvote`.
    pub vote_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponseComment {
    pub id: i64,
    pub response_id: i64,
    pub comment: String,
    pub created_by: String,
    pub created_on: String,
}

/// An agent response as an administrator reviews it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatLog {
    pub id: i64,
    /// The agent that answered, nested as Ejento's chat logs carry it.
    pub agent: ChatLogAgent,
    pub agent_name: String,
    pub project: i64,
    pub user: i64,
    pub user_email: String,
    pub chat_thread: Option<i64>,
    pub question: String,
    pub answer: String,
    /// What was searched and what the answer cited; null while it is being written.
    pub response: Option<ChatLogResponse>,
    pub status: String,
    pub success: bool,
    pub query_source: String,
    pub upvotes: i64,
    pub downvotes: i64,
    /// Everyone's votes on it (the first hundred).
    pub feedback: Vec<ResponseFeedback>,
    /// The first comments on it, oldest first (at most [`RESPONSE_COMMENTS_LISTED`]).
    pub comments: Vec<ResponseComment>,
    /// How many comments it has in all.
    pub comment_count: i64,
    pub total_tokens: i64,
    pub cost: String,
    pub latency_ms: i64,
    /// Who asked (their e-mail).
    pub created_by: String,
    pub created_on: String,
}

/// A chat log's agent: `{id, agent_name, agent_type, created_by, created_on}` as Ejento's legacy
/// chat logs nest it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatLogAgent {
    pub id: i64,
    pub agent_name: String,
    pub agent_type: crate::AgentType,
    pub created_by: String,
    pub created_on: String,
}

/// A chat log's `response`: the searched query, the answer, its references and the answering
/// mode, as Ejento's legacy chat logs carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatLogResponse {
    pub query: String,
    pub answer: String,
    pub references: Vec<Reference>,
    pub agent_mode: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatLogPage {
    pub chatlogs: Vec<ChatLog>,
    pub meta: PageMeta,
}

/// One chat log with what the answer was built from and what people said about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatLogDetail {
    pub log: ChatLog,
    pub response: Option<ResponseOutput>,
    pub supporting_content: Vec<SupportingChunk>,
    pub thoughts: String,
    pub comments: Vec<ResponseComment>,
}

/// `PUT /api/v2/agent-responses/{id}`: what may change after the fact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentResponseUpdate {
    #[serde(default)]
    pub is_pinned: Option<bool>,
}

/// `POST /api/v2/agent-response-logs`: an answer produced elsewhere, recorded for analytics
/// and review.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentResponseLogInput {
    pub agent_id: i64,
    pub user_query: String,
    pub answer: String,
    #[serde(default)]
    pub chat_thread_id: Option<i64>,
    #[serde(default)]
    pub query_source: Option<String>,
    #[serde(default)]
    pub prompt_tokens: i64,
    #[serde(default)]
    pub completion_tokens: i64,
    /// USD, as a decimal string.
    #[serde(default)]
    pub cost: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationStarter {
    pub text: String,
    /// `agent` (its sample questions), `custom` (added) or `corpus` (drawn from its documents).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationStarterInput {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LlmConfigurationInput {
    pub llm_config_id: i64,
}

/// A chat thread's responses cleared: how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ThreadCleared {
    pub chat_thread_id: i64,
    pub count: i64,
}

/// A corpus attached to or detached from a chat thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ThreadCorpusLink {
    pub chat_thread_id: i64,
    pub corpus_id: i64,
}

/// Stop was asked for an agent answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StopAsked {
    pub agent_response_id: i64,
}

/// The steps an answer took (searches, tool calls), as streamed in `tools_stream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Thoughts {
    pub thoughts: String,
}

/// An agent's model configuration set from a chat log review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LlmConfigSet {
    pub agent_id: i64,
    pub llm_config_id: i64,
}

/// A passage a retrieval step found, as the trace shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TracePassage {
    /// The number the answer cites it by.
    pub number: i64,
    pub document_id: i64,
    pub document_title: String,
    pub score: f32,
    pub keyword_rank: Option<u32>,
    pub vector_rank: Option<u32>,
}

/// One step of answering: what ran, when (from the question, in ms) and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TraceStep {
    /// `guardrails`, `cache`, `retrieval`, `tool`, `model`.
    pub kind: String,
    pub title: String,
    pub started_ms: i64,
    pub duration_ms: i64,
    /// What happened, in a line.
    pub summary: String,
    /// `ok`, `failed`, `blocked`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passages: Vec<TracePassage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<crate::GuardrailFinding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<i64>,
    /// USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    /// From the question to the model's first answer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_token_ms: Option<i64>,
}

/// `GET /api/v2/agent-responses/{id}/trace`: how one answer was made, step by step (answers
/// written before traces were recorded have no steps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AnswerTrace {
    pub agent_response_id: i64,
    pub query: String,
    pub status: String,
    pub model: String,
    pub latency_ms: i64,
    pub first_token_ms: Option<i64>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost: String,
    pub steps: Vec<TraceStep>,
}
