//! The organization's feature flags: read by every page that a flag changes, set by admins.

use ejento_api::{FeatureFlag, FeatureFlagInput};

use super::{ApiError, Method, call, get};

pub async fn all() -> Result<Vec<FeatureFlag>, ApiError> {
    get("/api/v2/feature-flags").await
}

pub async fn set(name: &str, enabled: bool) -> Result<FeatureFlag, ApiError> {
    Ok(call(
        Method::Put,
        &format!("/api/v2/feature-flags/{name}"),
        Some(&FeatureFlagInput { enabled }),
    )
    .await?
    .data)
}

/// Whether `name` is on in a loaded list (on while the list is not known: the server decides).
pub fn is_on(flags: Option<&Vec<FeatureFlag>>, name: &str) -> bool {
    flags
        .and_then(|l| l.iter().find(|f| f.name == name))
        .is_none_or(|f| f.enabled)
}
