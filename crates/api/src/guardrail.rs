//! Guardrails: checks an organization runs on questions before retrieval and on answers before
//! they are stored or streamed (personal data, blocked terms and topics, question length).

use serde::{Deserialize, Serialize};

/// The kinds of guardrail, with their ids in the agent's guardrail-type paths.
pub const GUARDRAIL_TYPES: [(i64, &str, &str); 4] = [
    (1, "pii", "Personal data"),
    (2, "blocked_terms", "Blocked terms"),
    (3, "blocked_topics", "Blocked topics"),
    (4, "max_input_length", "Maximum question length"),
];

/// The personal data a `pii` guardrail finds, in the order it looks (the longer, checked
/// numbers first, so a card or an IBAN is never taken for a phone number).
pub const PII_KINDS: [(&str, &str); 5] = [
    ("email", "e-mail address"),
    ("iban", "IBAN"),
    ("payment_card", "payment card number"),
    ("national_id", "national id number"),
    ("phone", "phone number"),
];

/// A topic and the words that reveal it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockedTopic {
    pub name: String,
    pub keywords: Vec<String>,
}

/// What a guardrail looks for; the fields its type uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuardrailConfig {
    /// `pii`: which kinds (empty: all of [`PII_KINDS`]).
    #[serde(default)]
    pub pii_types: Vec<String>,
    /// `blocked_terms`: words or phrases, matched whole and ignoring case.
    #[serde(default)]
    pub terms: Vec<String>,
    /// `blocked_topics`.
    #[serde(default)]
    pub topics: Vec<BlockedTopic>,
    /// `max_input_length`: characters.
    #[serde(default)]
    pub max_characters: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Guardrail {
    pub id: i64,
    pub organization_id: i64,
    /// Only this agent's questions and answers; none: every agent of the organization.
    pub agent_id: Option<i64>,
    pub name: String,
    pub description: String,
    pub guardrail_type: String,
    /// `input`, `output` or `both`.
    pub applies_to: String,
    /// `redact` (replace what it finds and go on) or `block` (refuse the question or answer).
    pub action: String,
    pub config: GuardrailConfig,
    pub is_enabled: bool,
    pub created_by: String,
    pub created_on: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuardrailInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub guardrail_type: String,
    #[serde(default)]
    pub applies_to: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub config: GuardrailConfig,
    #[serde(default)]
    pub agent_id: Option<i64>,
    #[serde(default)]
    pub is_enabled: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuardrailEnable {
    pub is_enabled: bool,
}

/// A kind of guardrail and whether it runs for one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuardrailType {
    pub id: i64,
    pub name: String,
    pub label: String,
    pub is_enabled: bool,
    /// The organization's enabled guardrails of this type that apply to the agent.
    pub guardrail_count: i64,
}

/// The dry-run: which guardrails would fire on a text, and what it would become.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApplyGuardrails {
    pub text: String,
    /// `input` (a question; the default) or `output` (an answer).
    #[serde(default)]
    pub direction: Option<String>,
    /// The guardrails that apply to this agent; none: the organization's for every agent.
    #[serde(default)]
    pub agent_id: Option<i64>,
    /// Only these guardrails (enabled or not: to try one before turning it on).
    #[serde(default)]
    pub guardrail_ids: Option<Vec<i64>>,
}

/// One guardrail firing; it names what was found, never the text itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuardrailFinding {
    pub guardrail_id: i64,
    pub guardrail_name: String,
    pub guardrail_type: String,
    /// e.g. `email`, `term`, `topic`, `length`.
    pub kind: String,
    pub action: String,
    /// `input` (the question) or `output` (the answer).
    pub direction: String,
    /// For the person: "e-mail address redacted", "mentions the blocked topic Salaries".
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuardrailResult {
    pub text: String,
    pub guardrail_triggered: bool,
    pub blocked: bool,
    pub findings: Vec<GuardrailFinding>,
    /// Why it was blocked, when it was.
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuardrailPage {
    pub guardrails: Vec<Guardrail>,
    pub meta: crate::PageMeta,
}
