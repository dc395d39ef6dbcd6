//! Organization API keys (Admin Panel → API Keys): create, list, revoke. The secret is shown
//! once at creation and stored only as a hash.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{Path, State},
    http::{Method, StatusCode},
};
use ejento_api::{API_KEY_LEVELS, API_KEY_SCOPES, ApiKey, CreateApiKey, CreatedApiKey, Envelope};

use super::{Access::SignedIn, Api, ApiJson};
use crate::{
    auth::{
        Caller,
        authz::{self, OrgAction},
        tokens::{random_secret, sha256_hex},
    },
    error::{Error, FieldErrors, Result},
    state::AppState,
    store::{ApiKeyRow, NewApiKey},
};

const TAG: &str = "Organizations";

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/organizations/{organization_id}/api-keys",
        (TAG, "Get all API Keys of an Organization", SignedIn),
        list,
    )
    .route(
        Method::POST,
        "/api/v2/organizations/{organization_id}/api-keys",
        (TAG, "Create an API Key in an Organization", SignedIn),
        create,
    )
    .route(
        Method::DELETE,
        "/api/v2/organizations/{organization_id}/api-keys/{api_key_id}",
        (TAG, "Revoke an API Key of an Organization", SignedIn),
        revoke,
    )
}

fn to_wire(row: ApiKeyRow) -> ApiKey {
    ApiKey {
        id: row.id,
        name: row.name,
        key_prefix: row.key_prefix,
        scope: row.scope,
        restrictions: serde_json::from_str(&row.restrictions).unwrap_or_default(),
        created_by: row.created_by,
        created_on: row.created_on,
        last_used_on: row.last_used_on,
    }
}

fn org_id(raw: &str) -> Result<i64> {
    raw.parse().map_err(|_| Error::not_found("Organization"))
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(organization_id): Path<String>,
) -> Result<Json<Envelope<Vec<ApiKey>>>> {
    let organization_id = org_id(&organization_id)?;
    authz::require_own_org(&caller, organization_id)?;
    authz::require(&state, &caller, OrgAction::ManageApiKeys).await?;
    let keys = state
        .store
        .list_api_keys(organization_id)
        .await?
        .into_iter()
        .map(to_wire)
        .collect();
    Ok(Json(Envelope::ok("API keys fetched successfully.", keys)))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(organization_id): Path<String>,
    ApiJson(body): ApiJson<CreateApiKey>,
) -> Result<(StatusCode, Json<Envelope<CreatedApiKey>>)> {
    let organization_id = org_id(&organization_id)?;
    authz::require_own_org(&caller, organization_id)?;
    authz::require(&state, &caller, OrgAction::ManageApiKeys).await?;
    let mut errors = FieldErrors::default();
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add("name", "Give the key a name of 1 to 100 characters.");
    }
    if !API_KEY_SCOPES.contains(&body.scope.as_str()) {
        errors.add("scope", format!("Scope must be one of: {}.", API_KEY_SCOPES.join(", ")));
    }
    let restrictions: BTreeMap<String, String> = if body.scope == "Restricted" {
        body.restrictions
    } else {
        BTreeMap::new()
    };
    for (category, level) in &restrictions {
        if !API_KEY_LEVELS.contains(&level.as_str()) {
            errors.add(
                "restrictions",
                format!("{category}: the level must be one of {}.", API_KEY_LEVELS.join(", ")),
            );
        }
    }
    errors.finish()?;
    let key = format!("ejk_{}", random_secret());
    let prefix: String = key.chars().take(10).collect();
    let restrictions_json = serde_json::to_string(&restrictions).map_err(anyhow::Error::from)?;
    let row = state
        .store
        .create_api_key(
            &caller.audit(
                "api_key.create",
                "api_key",
                format!("Created the API key “{name}” ({})", body.scope),
            ),
            NewApiKey {
                organization_id,
                name,
                key_prefix: &prefix,
                key_hash: &sha256_hex(&key),
                scope: &body.scope,
                restrictions: &restrictions_json,
                created_by: &caller.user.email,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Envelope::ok(
            "API key created. Copy it now: it will not be shown again.",
            CreatedApiKey {
                api_key: to_wire(row),
                key,
            },
        )),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((organization_id, api_key_id)): Path<(String, String)>,
) -> Result<Json<Envelope<ejento_api::Done>>> {
    let organization_id = org_id(&organization_id)?;
    authz::require_own_org(&caller, organization_id)?;
    authz::require(&state, &caller, OrgAction::ManageApiKeys).await?;
    let id: i64 = api_key_id.parse().map_err(|_| Error::not_found("API key"))?;
    let Some(key) = state
        .store
        .list_api_keys(organization_id)
        .await?
        .into_iter()
        .find(|k| k.id == id)
    else {
        return Err(Error::not_found("API key"));
    };
    let who = caller.audit(
        "api_key.revoke",
        "api_key",
        format!("Revoked the API key “{}”", key.name),
    );
    if !state
        .store
        .revoke_api_key(organization_id, id, &who, &to_wire(key))
        .await?
    {
        return Err(Error::not_found("API key"));
    }
    Ok(Json(Envelope::ok("API key revoked.", ejento_api::Done {})))
}
