//! Administration: API keys, guardrails (and their dry-run), the audit log.

use ejento_api::{
    ApiKey, ApplyGuardrails, AuditLogPage, CreateApiKey, CreatedApiKey, Guardrail, GuardrailEnable, GuardrailInput,
    GuardrailPage, GuardrailResult, GuardrailType,
};

use super::{ApiError, Method, call, get, query};

pub async fn api_keys(org: i64) -> Result<Vec<ApiKey>, ApiError> {
    get(&format!("/api/v2/organizations/{org}/api-keys")).await
}

pub async fn create_api_key(org: i64, body: &CreateApiKey) -> Result<CreatedApiKey, ApiError> {
    Ok(call(
        Method::Post,
        &format!("/api/v2/organizations/{org}/api-keys"),
        Some(body),
    )
    .await?
    .data)
}

pub async fn revoke_api_key(org: i64, id: i64) -> Result<String, ApiError> {
    Ok(call::<serde_json::Value, ()>(
        Method::Delete,
        &format!("/api/v2/organizations/{org}/api-keys/{id}"),
        None,
    )
    .await?
    .message)
}

pub async fn guardrails(org: i64, page: u64) -> Result<GuardrailPage, ApiError> {
    get(&format!(
        "/api/v2/organizations/{org}/guardrails?{}",
        query(&[("page", &page.to_string())])
    ))
    .await
}

pub async fn create_guardrail(org: i64, body: &GuardrailInput) -> Result<Guardrail, ApiError> {
    Ok(call(
        Method::Post,
        &format!("/api/v2/organizations/{org}/guardrails"),
        Some(body),
    )
    .await?
    .data)
}

pub async fn update_guardrail(id: i64, body: &GuardrailInput) -> Result<Guardrail, ApiError> {
    Ok(call(Method::Put, &format!("/api/v2/guardrails/{id}"), Some(body))
        .await?
        .data)
}

pub async fn enable_guardrail(org: i64, id: i64, is_enabled: bool) -> Result<Guardrail, ApiError> {
    Ok(call(
        Method::Put,
        &format!("/api/v2/organizations/{org}/guardrails/{id}"),
        Some(&GuardrailEnable { is_enabled }),
    )
    .await?
    .data)
}

pub async fn delete_guardrail(id: i64) -> Result<Guardrail, ApiError> {
    Ok(
        call::<Guardrail, ()>(Method::Delete, &format!("/api/v2/guardrails/{id}"), None)
            .await?
            .data,
    )
}

pub async fn apply_guardrails(body: &ApplyGuardrails) -> Result<GuardrailResult, ApiError> {
    Ok(call(Method::Post, "/api/v2/guardrails/apply", Some(body)).await?.data)
}

pub async fn agent_guardrail_types(agent: i64) -> Result<Vec<GuardrailType>, ApiError> {
    get(&format!("/api/v2/agents/{agent}/guardrail-types")).await
}

pub async fn set_agent_guardrail_type(
    agent: i64,
    type_id: i64,
    is_enabled: bool,
) -> Result<Vec<GuardrailType>, ApiError> {
    Ok(call(
        Method::Put,
        &format!("/api/v2/agents/{agent}/guardrail-types/{type_id}"),
        Some(&GuardrailEnable { is_enabled }),
    )
    .await?
    .data)
}

/// The audit log with its filters (empty ones are left out).
pub async fn audit_log(
    org: i64,
    resource_type: &str,
    from: &str,
    to: &str,
    page: u64,
) -> Result<AuditLogPage, ApiError> {
    get(&format!(
        "/api/v2/organizations/{org}/audit-log?{}",
        query(&[
            ("resource_type", resource_type),
            ("from", from),
            ("to", to),
            ("page", &page.to_string())
        ])
    ))
    .await
}
