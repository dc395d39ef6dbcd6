//! The organization's feature flags: their names, defaults and what they gate. A flag the
//! organization has not set has its default; the server checks the ones whose features exist
//! (`available`), the rest are kept for when those features ship.

use crate::{error::Result, store::Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    AgentAlias,
    ApiTools,
    Caching,
    ChatAgentCreation,
    DallEImageGeneration,
    DeveloperPortal,
    Guardrail,
    PiiRedaction,
    ShareAgent,
    SharepointConnector,
    SharepointIndex,
    YoutubeIndex,
}

impl Flag {
    pub const ALL: [Flag; 12] = [
        Flag::AgentAlias,
        Flag::ApiTools,
        Flag::Caching,
        Flag::ChatAgentCreation,
        Flag::DallEImageGeneration,
        Flag::DeveloperPortal,
        Flag::Guardrail,
        Flag::PiiRedaction,
        Flag::ShareAgent,
        Flag::SharepointConnector,
        Flag::SharepointIndex,
        Flag::YoutubeIndex,
    ];

    /// The name in its path (`/api/v2/feature-flags/{name}`).
    pub fn name(self) -> &'static str {
        match self {
            Flag::AgentAlias => "agent-alias",
            Flag::ApiTools => "api-tools",
            Flag::Caching => "caching",
            Flag::ChatAgentCreation => "chat-agent-creation",
            Flag::DallEImageGeneration => "dall-e-image-generation",
            Flag::DeveloperPortal => "developer-portal",
            Flag::Guardrail => "guardrail",
            Flag::PiiRedaction => "pii-redaction",
            Flag::ShareAgent => "share-agent",
            Flag::SharepointConnector => "sharepoint-connector",
            Flag::SharepointIndex => "sharepoint-index",
            Flag::YoutubeIndex => "youtube-index",
        }
    }

    /// The features this version has are on by default; the others off.
    pub fn default(self) -> bool {
        self.available()
    }

    /// Whether this version has the feature the flag gates.
    pub fn available(self) -> bool {
        matches!(
            self,
            Flag::AgentAlias | Flag::ApiTools | Flag::Caching | Flag::Guardrail | Flag::PiiRedaction | Flag::ShareAgent
        )
    }

    pub fn description(self) -> &'static str {
        match self {
            Flag::AgentAlias => "Agents can have aliases (other names to find and call them by).",
            Flag::ApiTools => "Agents can call API tools.",
            Flag::Caching => "Agents that cache reuse an earlier answer to the same question over the same documents.",
            Flag::ChatAgentCreation => "Agents can be created from a chat.",
            Flag::DallEImageGeneration => "Agents can generate images.",
            Flag::DeveloperPortal => "The developer portal is shown.",
            Flag::Guardrail => "Guardrails check questions and answers.",
            Flag::PiiRedaction => "Personal data is redacted from questions and answers.",
            Flag::ShareAgent => "Agents can be shared with other people.",
            Flag::SharepointConnector => "Corpora can connect to SharePoint.",
            Flag::SharepointIndex => "SharePoint content can be indexed.",
            Flag::YoutubeIndex => "YouTube videos can be indexed.",
        }
    }

    /// What the person sees when the flag is off and they try the feature.
    pub fn off_message(self) -> String {
        format!(
            "This feature is turned off for your organization (feature flag {}). An administrator can turn it on.",
            self.name()
        )
    }
}

/// Every flag of an organization, read in one query (answering a question checks several).
pub struct FlagSet {
    set: Vec<(String, bool)>,
}

impl FlagSet {
    pub async fn load(store: &Store, org: i64) -> Result<Self> {
        Ok(Self {
            set: store
                .feature_flags(org)
                .await?
                .into_iter()
                .map(|(name, on, ..)| (name, on))
                .collect(),
        })
    }

    pub fn on(&self, flag: Flag) -> bool {
        self.set
            .iter()
            .find(|(name, _)| name == flag.name())
            .map_or(flag.default(), |(_, on)| *on)
    }
}

/// Whether the flag is on for the organization.
pub async fn enabled(store: &Store, org: i64, flag: Flag) -> Result<bool> {
    Ok(store.feature_flag(org, flag.name()).await?.unwrap_or(flag.default()))
}

/// Refuses with a clear message when the flag is off.
pub async fn require(store: &Store, org: i64, flag: Flag) -> Result<()> {
    if enabled(store, org, flag).await? {
        Ok(())
    } else {
        Err(crate::error::Error::Forbidden(flag.off_message()))
    }
}
