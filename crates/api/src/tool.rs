//! Tools agents use while answering: API tools (from templates), RAG tools (a set of corpora),
//! web search tools and the attachment tool. Secrets are write-only: sent on create or update,
//! stored encrypted, never returned (`has_secret` says whether there is one).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The kinds of tool, with the names the real product shows in `connected_tool_names`.
pub const TOOL_TYPES: [(&str, &str); 4] = [
    ("api", "API Tool"),
    ("rag", "Rag Tool"),
    ("web_search", "Web Search Tool"),
    ("attachment", "Attachment Tool"),
];

/// One argument the model passes to an API tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ToolParameter {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// `string`, `number`, `integer` or `boolean`.
    #[serde(rename = "type", default = "string_type")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
}

fn string_type() -> String {
    "string".into()
}

/// How to call an HTTP API: `{name}` in the URL (URL-encoded) and the body (JSON-escaped) is the
/// model's argument of that name; `response_path` (dots, e.g. `data.items.0.text`) picks the
/// part of a JSON answer to give the model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiToolSpec {
    pub method: String,
    pub url_template: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body_template: String,
    #[serde(default)]
    pub response_path: String,
    #[serde(default)]
    pub parameters: Vec<ToolParameter>,
    /// The header that carries the tool's secret (e.g. `Authorization`), if it has one.
    #[serde(default)]
    pub secret_header: String,
    /// Written before the secret in that header (e.g. `Bearer `).
    #[serde(default)]
    pub secret_prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiToolTemplate {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub description: String,
    pub spec: ApiToolSpec,
    pub created_by: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiToolTemplateInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub spec: ApiToolSpec,
}

/// A tool's settings; the fields its type uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ToolConfig {
    /// `api`: the call (copied from the template it was made from, if any).
    #[serde(default)]
    pub api: Option<ApiToolSpec>,
    #[serde(default)]
    pub template_id: Option<i64>,
    /// `rag`: the corpora it searches.
    #[serde(default)]
    pub corpus_ids: Vec<i64>,
    /// `web_search`: a SearXNG-compatible search URL (`…/search`, answering `format=json`).
    #[serde(default)]
    pub search_url: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Tool {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub description: String,
    pub tool_type: String,
    pub config: ToolConfig,
    pub has_secret: bool,
    /// Off: no agent of the organization uses it.
    pub is_enabled: bool,
    pub created_by: String,
    pub created_on: String,
    pub modified_on: String,
}

/// Creating or changing a tool. `secret`: a new secret (absent: keep the current one; empty:
/// remove it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ToolInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub template_id: Option<i64>,
    #[serde(default)]
    pub api: Option<ApiToolSpec>,
    #[serde(default)]
    pub corpus_ids: Vec<i64>,
    #[serde(default)]
    pub search_url: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
    #[serde(default)]
    pub secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ToolPage {
    pub tools: Vec<Tool>,
    pub meta: crate::PageMeta,
}

/// A tool and whether one agent is linked to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentTool {
    #[serde(flatten)]
    pub tool: Tool,
    pub is_connected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentToolPage {
    pub tools: Vec<AgentTool>,
    pub meta: crate::PageMeta,
}

/// Trying a tool with arguments, as a model would call it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ToolTestInput {
    #[serde(default)]
    pub arguments: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ToolTestResult {
    pub ok: bool,
    /// What the model would read (or why the call failed).
    pub output: String,
    pub duration_ms: i64,
}
