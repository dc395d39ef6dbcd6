//! Feature flags: every flag of the organization, each on its own path, set by administrators;
//! and which OAuth sign-in providers are offered.

use axum::{extract::State, http::Method};
use ejento_api::{Envelope, FeatureFlag, FeatureFlagInput, OAuthFlags};

use super::{Access::SignedIn, Api, ApiJson, ok};
use crate::{
    auth::{Caller, authz},
    error::{Error, Result},
    flags::Flag,
    state::AppState,
};

const TAG: &str = "Feature Flags";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    let mut api = api
        .route(
            Method::GET,
            "/api/v2/feature-flags",
            (TAG, "Get All Feature Flags", SignedIn),
            all,
        )
        .route(
            Method::GET,
            "/api/v2/feature-flags/oauth",
            ("Configurations", "Get OAuth-related Feature Flags", SignedIn),
            oauth,
        );
    // One path per flag, as the contract names them; administrators turn it on or off there.
    for flag in Flag::ALL {
        let path = leak(format!("/api/v2/feature-flags/{}", flag.name()));
        api = api
            .route(
                Method::GET,
                path,
                (TAG, leak(format!("Get {} Feature Flag", flag.name())), SignedIn),
                move |State(state): State<AppState>, caller: Caller| async move { one(&state, &caller, flag).await },
            )
            .route(
                Method::PUT,
                path,
                (
                    TAG,
                    leak(format!("Turn the {} feature flag on or off", flag.name())),
                    SignedIn,
                ),
                move |State(state): State<AppState>, caller: Caller, ApiJson(body): ApiJson<FeatureFlagInput>| async move {
                    set(&state, &caller, flag, body).await
                },
            );
    }
    api
}

/// Route paths and summaries live as long as the server.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

async fn flag_wire(state: &AppState, org: i64, flag: Flag) -> Result<FeatureFlag> {
    let set = state
        .store
        .feature_flags(org)
        .await?
        .into_iter()
        .find(|(name, ..)| name == flag.name());
    Ok(wire(flag, set))
}

fn wire(flag: Flag, set: Option<(String, bool, String, String)>) -> FeatureFlag {
    FeatureFlag {
        name: flag.name().into(),
        enabled: set.as_ref().map(|s| s.1).unwrap_or(flag.default()),
        default: flag.default(),
        description: flag.description().into(),
        available: flag.available(),
        modified_by: set.as_ref().map(|s| s.2.clone()),
        modified_on: set.map(|s| s.3),
    }
}

async fn all(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<FeatureFlag>>> {
    let set = state.store.feature_flags(caller.org_id()).await?;
    Ok(ok(
        "Feature flags fetched successfully.",
        Flag::ALL
            .into_iter()
            .map(|f| wire(f, set.iter().find(|s| s.0 == f.name()).cloned()))
            .collect(),
    ))
}

async fn one(state: &AppState, caller: &Caller, flag: Flag) -> Result<Json<FeatureFlag>> {
    Ok(ok(
        "Feature flag fetched successfully.",
        flag_wire(state, caller.org_id(), flag).await?,
    ))
}

async fn set(state: &AppState, caller: &Caller, flag: Flag, body: FeatureFlagInput) -> Result<Json<FeatureFlag>> {
    if !authz::is_org_admin(caller) {
        return Err(Error::Forbidden(
            "Only administrators turn feature flags on or off.".into(),
        ));
    }
    let before = flag_wire(state, caller.org_id(), flag).await?;
    let who = caller.audit(
        "feature_flag.update",
        "feature_flag",
        format!(
            "Turned the feature flag {} {}",
            flag.name(),
            if body.enabled { "on" } else { "off" }
        ),
    );
    state
        .store
        .set_feature_flag(caller.org_id(), flag.name(), body.enabled, &who, &before)
        .await?;
    let after = flag_wire(state, caller.org_id(), flag).await?;
    Ok(ok(
        format!("{} is now {}.", flag.name(), if body.enabled { "on" } else { "off" }),
        after,
    ))
}

/// No identity provider is configured in a self-hosted install yet: every provider is off.
async fn oauth(_caller: Caller) -> Json<OAuthFlags> {
    ok(
        "OAuth feature flags fetched successfully.",
        OAuthFlags {
            google: false,
            microsoft: false,
            github: false,
            okta: false,
        },
    )
}
