//! The organization's configurations, as users read them (model configurations, the active
//! configuration, the model deployment).

use axum::{extract::State, http::Method};
use ejento_api::{Configuration, Envelope, LlmConfiguration};

use super::{Access::SignedIn, Api, ApiPath, ok};
use crate::{
    auth::{Caller, authz},
    error::{Error, Result},
    state::AppState,
};

const TAG: &str = "Organizations";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/organizations/{organization_id}/configurations",
        (TAG, "Get all Configurations", SignedIn),
        org_configurations,
    )
    .route(
        Method::GET,
        "/api/v2/organizations/{organization_id}/configurations/active",
        (TAG, "Get active configuration for an Organization", SignedIn),
        active,
    )
    .route(
        Method::GET,
        "/api/v2/organizations/{organization_id}/model-deployment",
        (TAG, "Get the Model Deployment for an Organization", SignedIn),
        model_deployment,
    )
    .route(
        Method::GET,
        "/api/v2/configurations",
        (TAG, "Get all Configurations of user's Organization", SignedIn),
        configurations,
    )
    .route(
        Method::GET,
        "/api/v2/llm-configurations",
        (TAG, "Get all LLM configurations of the user's Organization", SignedIn),
        llm_configurations,
    )
    .route(
        Method::GET,
        "/api/v2/llm-configurations/{llm_config_id}",
        (TAG, "Get a specific LLM configuration by ID", SignedIn),
        llm_configuration,
    )
}

async fn configurations(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Configuration>>> {
    Ok(ok(
        "Configurations fetched successfully.",
        state.store.configurations(caller.org_id()).await?,
    ))
}

async fn org_configurations(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
) -> Result<Json<Vec<Configuration>>> {
    authz::require_own_org(&caller, org)?;
    Ok(ok(
        "Configurations fetched successfully.",
        state.store.configurations(org).await?,
    ))
}

async fn active(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
) -> Result<Json<Configuration>> {
    authz::require_own_org(&caller, org)?;
    let found = state.store.configurations(org).await?.into_iter().find(|c| c.is_active);
    Ok(ok(
        "Active configuration fetched successfully.",
        found.ok_or_else(|| Error::not_found("Active configuration"))?,
    ))
}

async fn model_deployment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
) -> Result<Json<LlmConfiguration>> {
    authz::require_own_org(&caller, org)?;
    let found = state
        .store
        .llm_configurations(org)
        .await?
        .into_iter()
        .find(|l| l.is_default);
    Ok(ok(
        "Model deployment fetched successfully.",
        found.ok_or_else(|| Error::not_found("Model deployment"))?,
    ))
}

async fn llm_configurations(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<LlmConfiguration>>> {
    Ok(ok(
        "LLM configurations fetched successfully.",
        state.store.llm_configurations(caller.org_id()).await?,
    ))
}

async fn llm_configuration(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<LlmConfiguration>> {
    let found = state
        .store
        .llm_configurations(caller.org_id())
        .await?
        .into_iter()
        .find(|l| l.id == id);
    Ok(ok(
        "LLM configuration fetched successfully.",
        found.ok_or_else(|| Error::not_found("LLM configuration"))?,
    ))
}
