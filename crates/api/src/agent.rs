//! Agents ("assistants") and everything attached to them.

use serde::{Deserialize, Serialize};

use crate::{LlmConfiguration, PageMeta, ResourceRole};

pub const AGENT_ACCESS: [&str; 2] = ["Private", "Public"];
pub const AGENT_STATUS: [&str; 2] = ["Draft", "Live"];
pub const REASONING_MODES: [&str; 3] = ["standard", "react", "deep"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentType {
    pub id: i64,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Instruction {
    pub id: i64,
    pub instruction: String,
    pub created_by: String,
    pub created_on: String,
}

/// An agent's owner: `{id, email, first_name, last_name, organization}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentOwner {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub organization: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Agent {
    pub id: i64,
    pub agent_name: String,
    pub domain: String,
    pub industry_area: String,
    pub prefix_prompt: String,
    pub instructions: Vec<Instruction>,
    pub sample_q1: String,
    pub sample_q2: String,
    pub sample_q3: String,
    pub agent_type: AgentType,
    pub access: String,
    pub status: String,
    pub is_active: bool,
    pub llm_config: Option<LlmConfiguration>,
    pub caching_enabled: bool,
    pub react_enabled: bool,
    pub react_max_iteration_count: i64,
    pub reasoning_mode: String,
    pub chunk_count: i64,
    /// How its passages are found (default hybrid).
    #[serde(default)]
    pub retrieval_mode: crate::RetrievalMode,
    /// Passages less relevant than this (0–1) are not used; 0 keeps every one. Relevance is the
    /// fused score in hybrid mode, the cosine similarity in semantic mode and the BM25 score
    /// relative to the best passage in keyword mode.
    #[serde(default)]
    pub min_relevance: f64,
    /// Whether people may pick another enabled model configuration in the chat composer
    /// (`overrides.llm_config_id`).
    #[serde(default)]
    pub model_choice: bool,
    /// The model this server embeds with; null: retrieval is by keywords only here, whatever
    /// the mode says.
    #[serde(default)]
    pub embedding_model: Option<String>,
    pub tags: Vec<String>,
    pub agent_image: String,
    pub project: i64,
    pub project_name: String,
    pub organization: i64,
    pub owner: i64,
    /// The owner, as Ejento's agent object nests them.
    #[serde(default)]
    pub user: AgentOwner,
    /// The tools the agent may call, by name.
    #[serde(default)]
    pub connected_tool_names: Vec<String>,
    /// Always false here: a deleted agent is not served.
    #[serde(default)]
    pub is_deleted: bool,
    /// The agent's first e-mail alias (all of them are on its aliases list); null without one.
    #[serde(default)]
    pub alias: Option<String>,
    /// The voice it speaks with. Always null here: this server has no speech yet.
    #[serde(default)]
    pub character_voice: Option<CharacterVoice>,
    pub cloned_from: Option<i64>,
    pub like_count: i64,
    pub dislike_count: i64,
    pub average_rating: Option<f64>,
    pub is_starred: bool,
    /// The caller's role on the agent (`None`: sees it because it is Public).
    pub my_role: Option<ResourceRole>,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

/// A voice an agent speaks with, as Ejento's agent object records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CharacterVoice {
    pub id: i64,
    pub voice_name: String,
    /// A speech service's voice name, such as `en-US-JennyNeural`.
    pub voice_identifier: String,
    pub gender: String,
}

/// Create (all required fields) and update (every field optional) share this body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentInput {
    #[serde(default)]
    pub project_id: Option<i64>,
    #[serde(default, alias = "name")]
    pub agent_name: Option<String>,
    #[serde(default, alias = "description")]
    pub domain: Option<String>,
    #[serde(default)]
    pub industry_area: Option<String>,
    #[serde(default)]
    pub prefix_prompt: Option<String>,
    #[serde(default)]
    pub instructions: Option<Vec<String>>,
    #[serde(default)]
    pub sample_q1: Option<String>,
    #[serde(default)]
    pub sample_q2: Option<String>,
    #[serde(default)]
    pub sample_q3: Option<String>,
    #[serde(default)]
    pub agent_type_id: Option<i64>,
    #[serde(default)]
    pub access: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, alias = "llm_model")]
    pub llm_config_id: Option<i64>,
    #[serde(default)]
    pub caching_enabled: Option<bool>,
    #[serde(default)]
    pub react_enabled: Option<bool>,
    #[serde(default)]
    pub react_max_iteration_count: Option<i64>,
    #[serde(default)]
    pub reasoning_mode: Option<String>,
    #[serde(default)]
    pub chunk_count: Option<i64>,
    #[serde(default)]
    pub retrieval_mode: Option<crate::RetrievalMode>,
    /// 0–1, in steps of 0.01.
    #[serde(default)]
    pub min_relevance: Option<f64>,
    #[serde(default)]
    pub model_choice: Option<bool>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub agent_image: Option<String>,
    /// Why this change was made; recorded in the history checkpoint.
    #[serde(default)]
    pub change_reason: Option<String>,
    /// On creation: also give the agent an e-mail alias, `<Name>_<id>@<this server's host>`.
    #[serde(default)]
    pub create_email_alias: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentPage {
    pub agents: Vec<Agent>,
    pub meta: PageMeta,
}

/// One checkpoint of an agent's configuration, as the Stable API names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryRecord {
    pub history_id: i64,
    pub history_date: String,
    pub history_change_reason: String,
    pub modified_by: String,
    pub agent_name: String,
    pub domain: String,
    pub prefix_prompt: String,
    pub instructions: Vec<String>,
    pub sample_q1: String,
    pub sample_q2: String,
    pub sample_q3: String,
    pub access: String,
    pub status: String,
    pub agent_type: String,
    pub llm_config: Option<i64>,
    pub caching_enabled: bool,
    pub react_enabled: bool,
    pub react_max_iteration_count: i64,
    pub reasoning_mode: String,
    pub chunk_count: i64,
    #[serde(default)]
    pub retrieval_mode: crate::RetrievalMode,
    #[serde(default)]
    pub min_relevance: f64,
    #[serde(default)]
    pub model_choice: bool,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryPage {
    pub history_records: Vec<HistoryRecord>,
    pub total_records: u64,
    pub current_page: u64,
    pub total_pages: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PromptVersion {
    pub history_id: i64,
    pub history_date: String,
    pub modified_by: String,
    pub prefix_prompt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccessInput {
    pub access: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentAccess {
    pub agent_id: i64,
    pub access: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentStatus {
    pub agent_id: i64,
    pub status: String,
    pub is_active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ActivateInput {
    pub is_active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Alias {
    pub id: i64,
    pub agent_id: i64,
    pub alias: String,
    pub created_by: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AliasInput {
    pub alias: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TagsInput {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TagCount {
    pub tag: String,
    pub agent_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentTags {
    pub agent_id: i64,
    pub agent_name: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Comment {
    pub id: i64,
    pub agent_id: i64,
    pub user_id: i64,
    pub author: String,
    pub comment: String,
    pub created_on: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommentInput {
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Review {
    pub id: i64,
    pub agent_id: i64,
    pub agent_name: String,
    pub user_id: i64,
    pub author: String,
    pub review: String,
    pub rating: Option<i64>,
    pub created_on: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReviewInput {
    pub review: String,
    #[serde(default)]
    pub rating: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RatingSummary {
    pub agent_id: i64,
    pub average_rating: Option<f64>,
    pub rating_count: i64,
    pub my_rating: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RatingInput {
    pub rating: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VoteSummary {
    pub agent_id: i64,
    pub like_count: i64,
    pub dislike_count: i64,
    /// "upvote", "downvote" or null.
    pub my_vote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VoteInput {
    /// "up", "down" or "clear" (withdraw), as Ejento spells them; "upvote", "downvote" and
    /// "none" too.
    pub vote: String,
}

/// A person's vote on an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentVote {
    Up,
    Down,
    /// Withdraws an earlier vote.
    Clear,
}

impl AgentVote {
    pub fn parse(vote: &str) -> Result<Self, String> {
        match vote.trim().to_ascii_lowercase().as_str() {
            "up" | "upvote" => Ok(Self::Up),
            "down" | "downvote" => Ok(Self::Down),
            "clear" | "none" => Ok(Self::Clear),
            _ => Err("vote must be one of: up, down, clear (or upvote, downvote, none).".into()),
        }
    }

    /// What it adds to the agent's score: +1, -1 or nothing.
    pub fn score(self) -> i64 {
        match self {
            Self::Up => 1,
            Self::Down => -1,
            Self::Clear => 0,
        }
    }
}

#[cfg(test)]
mod agent_vote_tests {
    use super::AgentVote;

    #[test]
    fn ejentos_spelling_and_ours_both_parse() {
        for (text, vote) in [
            ("up", AgentVote::Up),
            ("upvote", AgentVote::Up),
            ("Down", AgentVote::Down),
            ("downvote", AgentVote::Down),
            ("clear", AgentVote::Clear),
            ("none", AgentVote::Clear),
        ] {
            assert_eq!(AgentVote::parse(text), Ok(vote), "{text}");
        }
        assert!(AgentVote::parse("sideways").is_err());
        assert_eq!(AgentVote::Down.score(), -1);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentPermission {
    pub agent_id: i64,
    pub user_id: i64,
    pub role: Option<ResourceRole>,
    pub can_view: bool,
    pub can_edit: bool,
    pub can_delete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TeamRole {
    pub agent_id: i64,
    pub user_id: i64,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub role: Option<ResourceRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentUserGrant {
    pub agent_id: i64,
    pub agent_name: String,
    pub user_id: i64,
    pub email: String,
    pub role: ResourceRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorpusConnection {
    /// The connection's own id.
    pub id: i64,
    pub agent_id: i64,
    pub corpus_id: i64,
    pub corpus_name: String,
    /// The corpus, nested as Ejento's connection objects carry it.
    pub corpus: ConnectedCorpus,
    /// Whether the agent searches it when answering.
    pub is_enabled: bool,
    pub is_default: bool,
    /// Always false here: a removed connection is gone.
    pub is_deleted: bool,
    /// The agent, nested as Ejento's connection objects carry it.
    pub agent: ConnectionAgent,
    /// The user id of who connected it; null when the server did (an agent's default corpus
    /// made by an import, say) or when they have since left.
    pub connected_by: Option<i64>,
    /// Who connected it (their e-mail).
    pub created_by: String,
    pub created_on: String,
    /// Who last switched it on or off (their e-mail), and when.
    pub modified_by: String,
    pub modified_on: String,
}

/// The agent of a corpus connection, with the fields Ejento's connection objects give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConnectionAgent {
    pub id: i64,
    pub agent_type: AgentType,
    pub instructions: Vec<Instruction>,
    pub agent_name: String,
    pub domain: String,
    pub prefix_prompt: String,
    pub alias: Option<String>,
    pub is_deleted: bool,
    pub created_by: String,
    pub access: String,
    pub project: i64,
    pub llm_config: Option<LlmConfiguration>,
}

impl From<Agent> for ConnectionAgent {
    fn from(a: Agent) -> Self {
        ConnectionAgent {
            id: a.id,
            agent_type: a.agent_type,
            instructions: a.instructions,
            agent_name: a.agent_name,
            domain: a.domain,
            prefix_prompt: a.prefix_prompt,
            alias: a.alias,
            is_deleted: a.is_deleted,
            created_by: a.created_by,
            access: a.access,
            project: a.project,
            llm_config: a.llm_config,
        }
    }
}

/// A connected corpus as a connection nests it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConnectedCorpus {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub indexing_mode: crate::IndexingMode,
    pub corpus_type: String,
    pub is_public: bool,
    /// The owner's user id.
    pub owner: i64,
    pub tags: Vec<String>,
}

/// `GET /api/v2/agents/{agent_id}/corpora`: `data.items.agent_corpus[]`, as Ejento's client reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentCorpusItems {
    pub items: AgentCorpusList,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentCorpusList {
    pub agent_corpus: Vec<CorpusConnection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConnectionInput {
    pub is_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorpusIds {
    pub corpus_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GenerateImage {
    #[serde(alias = "description")]
    pub prompt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GeneratedImage {
    /// An SVG data URL, usable directly as `agent_image`.
    pub agent_image: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstructionsInput {
    pub instructions: Vec<String>,
}

/// One answer of an agent, as lists of responses show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentResponseSummary {
    pub id: i64,
    pub agent: i64,
    pub agent_name: String,
    pub chat_thread: Option<i64>,
    pub user: i64,
    pub user_email: String,
    pub query: String,
    pub response: String,
    pub status: String,
    /// USD, as a decimal string.
    pub cost: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    pub cache_hit: bool,
    pub query_source: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentResponsePage {
    pub agent_responses: Vec<AgentResponseSummary>,
    pub meta: PageMeta,
}

/// A corpus disconnected from an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Disconnected {
    pub corpus_id: i64,
}
