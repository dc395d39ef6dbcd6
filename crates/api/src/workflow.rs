//! Workflows: a question routed across several agents of a project, and their conversations.

use serde::{Deserialize, Serialize};

use crate::PageMeta;

/// How a workflow's supervisor uses its agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct WorkflowAgent {
    pub id: i64,
    pub agent_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct WorkflowInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub project_id: i64,
    pub agent_ids: Vec<i64>,
    pub supervisor_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowPage {
    pub workflows: Vec<Workflow>,
    pub meta: PageMeta,
}

/// A workflow as a row of the workflows table view: the workflow and how much it is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowTableRow {
    #[serde(flatten)]
    pub workflow: Workflow,
    /// Conversations people have had with it.
    pub thread_count: i64,
    /// When one of them last changed, if there is any.
    pub last_used_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowTablePage {
    pub workflows: Vec<WorkflowTableRow>,
    pub meta: PageMeta,
}

/// A conversation with a workflow; private to the person having it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct WorkflowThreadPage {
    pub workflow_chat_threads: Vec<WorkflowThread>,
    pub meta: PageMeta,
}

/// Create or rename a workflow thread; the title is optional on create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowThreadInput {
    #[serde(default)]
    pub title: Option<String>,
}
