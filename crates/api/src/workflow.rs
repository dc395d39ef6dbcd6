//! Workflows: a question routed across several agents of a project, and their conversations.

use serde::{Deserialize, Serialize};

use crate::PageMeta;

/// How a workflow's supervisor uses its agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum SupervisorType {
    /// Picks the most relevant agent and answers from it.
    Router,
    /// Asks every agent and merges their answers, each part attributed.
    Consolidator,
    /// Chooses Router or Consolidator per question and says which in a `status` event.
    Dynamic,
}

impl SupervisorType {
    pub const ALL: [SupervisorType; 3] = [
        SupervisorType::Router,
        SupervisorType::Consolidator,
        SupervisorType::Dynamic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SupervisorType::Router => "Router",
            SupervisorType::Consolidator => "Consolidator",
            SupervisorType::Dynamic => "Dynamic",
        }
    }

    /// Case-insensitive, so `router` from a hand-written client works too.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// An agent of a workflow, in the workflow's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowAgent {
    pub id: i64,
    pub agent_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Workflow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub organization: i64,
    pub project: i64,
    pub project_name: String,
    pub supervisor_type: SupervisorType,
    pub agents: Vec<WorkflowAgent>,
    /// The creator (who may edit it besides the project's Admins).
    pub user: i64,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

/// Create or replace a workflow. `supervisor_type` is a string so a wrong one gets a message
/// naming the choices rather than a deserialisation error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub project_id: i64,
    pub agent_ids: Vec<i64>,
    pub supervisor_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowPage {
    pub workflows: Vec<Workflow>,
    pub meta: PageMeta,
}

/// A workflow as a row of the workflows table view: the workflow and how much it is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowTableRow {
    #[serde(flatten)]
    pub workflow: Workflow,
    /// Conversations people have had with it.
    pub thread_count: i64,
    /// When one of them last changed, if there is any.
    pub last_used_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowTablePage {
    pub workflows: Vec<WorkflowTableRow>,
    pub meta: PageMeta,
}

/// A conversation with a workflow; private to the person having it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowThread {
    pub id: i64,
    pub workflow: i64,
    pub user: i64,
    pub title: String,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowThreadPage {
    pub workflow_chat_threads: Vec<WorkflowThread>,
    pub meta: PageMeta,
}

/// Create or rename a workflow thread; the title is optional on create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowThreadInput {
    #[serde(default)]
    pub title: Option<String>,
}

/// Ask a workflow (blocking, stream, or start). `workflow_thread_id` (or `chat_thread_id`, as
/// agent requests name it) continues a conversation; without it one is started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowResponseRequest {
    pub user_query: String,
    #[serde(default, alias = "chat_thread_id")]
    pub workflow_thread_id: Option<i64>,
    #[serde(default)]
    pub history: Vec<crate::HistoryTurn>,
    #[serde(default)]
    pub query_source: Option<String>,
}

/// One agent's part of a workflow answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowStep {
    pub agent_id: i64,
    pub agent_name: String,
    /// The agent response that holds this step (with its sources, tokens and cost).
    pub agent_response_id: i64,
    /// What the agent was asked (a subquery, or the whole question).
    pub question: String,
    pub answer: String,
    /// `completed`, `failed` or `cancelled`.
    pub status: String,
}

/// A workflow's answer: the `output` of its `end` event and of the blocking call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowOutput {
    pub answer: String,
    pub thread_id: i64,
    pub thread_name: String,
    pub workflow_response_id: i64,
    pub supervisor_type: SupervisorType,
    /// Names of the agents that answered, in the order they did.
    pub agents_used: Vec<String>,
    /// `[n] title` per reference, one per line.
    pub sources: String,
    /// Numbered across all agents; the answer cites these numbers.
    pub references: Vec<crate::Reference>,
    /// The parts the planner split the question into (one: the question itself).
    pub subqueries: Vec<String>,
    pub steps: Vec<WorkflowStep>,
    pub success: bool,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    /// USD, a decimal string: the sum over the agents asked.
    pub cost: String,
}

/// A stored workflow answer, as a conversation lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowResponse {
    pub id: i64,
    pub workflow: i64,
    pub thread: i64,
    pub question: String,
    /// The answer so far while it is being written, then the whole answer.
    pub answer: String,
    pub status: String,
    /// Present once it has ended.
    pub response: Option<WorkflowOutput>,
    /// The caller's vote, if any.
    pub my_vote: Option<String>,
    /// Everyone's votes on it, as Ejento's `feedback[]` (each naming this `workflow_response`).
    #[serde(default)]
    pub feedback: Vec<crate::ResponseFeedback>,
    pub total_tokens: i64,
    pub cost: String,
    pub created_by: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowResponsePage {
    pub workflow_responses: Vec<WorkflowResponse>,
    pub meta: PageMeta,
}

/// A started workflow answer, to follow with `EventSource` at `events_url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StartedWorkflowResponse {
    pub workflow_response_id: i64,
    pub thread_id: i64,
    pub events_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowReview {
    pub id: i64,
    pub workflow_response: i64,
    pub user: i64,
    /// 1 to 5.
    pub rating: i64,
    pub review: String,
    pub created_by: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowReviewInput {
    pub rating: i64,
    #[serde(default)]
    pub review: String,
}

/// One agent's share of a workflow's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowAgentUsage {
    pub agent_id: i64,
    pub agent_name: String,
    /// Steps it answered.
    pub steps: i64,
    pub total_tokens: i64,
    /// USD, a decimal string.
    pub cost: String,
}

/// A workflow's answers on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowDay {
    /// `YYYY-MM-DD`
    pub date: String,
    pub responses: i64,
    pub total_tokens: i64,
    pub cost: String,
}

/// A workflow's usage over a range of UTC days (`GET /api/v2/workflows/{id}/analytics`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowAnalytics {
    pub workflow_id: i64,
    pub from: String,
    pub to: String,
    pub responses: i64,
    pub completed: i64,
    pub failed: i64,
    pub cancelled: i64,
    pub total_tokens: i64,
    pub cost: String,
    pub upvotes: i64,
    pub downvotes: i64,
    /// Mean of the 1–5 reviews, if any.
    pub average_rating: Option<f64>,
    pub reviews: i64,
    pub by_agent: Vec<WorkflowAgentUsage>,
    /// Every day of the range, quiet days included.
    pub by_day: Vec<WorkflowDay>,
}

/// Stop was asked for a workflow answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowStopAsked {
    pub id: i64,
    pub stopping: bool,
}
