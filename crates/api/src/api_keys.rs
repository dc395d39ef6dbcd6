//! Organization API keys, presented as `Ocp-Apim-Subscription-Key`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Permission scope of a key, named as in the Ejento admin panel.
pub const API_KEY_SCOPES: [&str; 3] = ["All", "Read Only", "Restricted"];
/// Per-category levels of a Restricted key.
pub const API_KEY_LEVELS: [&str; 3] = ["None", "Read", "Write"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateApiKey {
    pub name: String,
    pub scope: String,
    /// For `Restricted`: resource group (e.g. `agents`, `corpora`) → `None` | `Read` | `Write`.
    #[serde(default)]
    pub restrictions: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to recognise a key without revealing it.
    pub key_prefix: String,
    pub scope: String,
    pub restrictions: BTreeMap<String, String>,
    pub created_by: String,
    pub created_on: String,
    /// When the key was last presented (to the minute); never used: none.
    #[serde(default)]
    pub last_used_on: Option<String>,
}

/// Returned once, at creation: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub api_key: ApiKey,
    pub key: String,
}
