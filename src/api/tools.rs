//! Tools: the organization's, API tool templates, agents' links, test calls.

use ejento_api::{
    AgentToolPage, ApiToolTemplate, ApiToolTemplateInput, Tool, ToolInput, ToolPage, ToolTestInput, ToolTestResult,
};

use super::{ApiError, Method, call, get, query};

pub async fn list(org: i64, page: u64) -> Result<ToolPage, ApiError> {
    get(&format!(
        "/api/v2/organizations/{org}/tools?{}",
        query(&[("page", &page.to_string())])
    ))
    .await
}

/// `kind`: the path segment (`api`, `rag`, `web-search`, `attachment`).
pub async fn create(org: i64, kind: &str, body: &ToolInput) -> Result<Tool, ApiError> {
    Ok(call(
        Method::Post,
        &format!("/api/v2/organizations/{org}/tools/{kind}"),
        Some(body),
    )
    .await?
    .data)
}

pub async fn set_enabled(org: i64, id: i64, on: bool) -> Result<Tool, ApiError> {
    let action = if on { "enable" } else { "disable" };
    Ok(call::<Tool, ()>(
        Method::Post,
        &format!("/api/v2/organizations/{org}/tools/{id}/{action}"),
        None,
    )
    .await?
    .data)
}

pub async fn delete(id: i64) -> Result<Tool, ApiError> {
    Ok(call::<Tool, ()>(Method::Delete, &format!("/api/v2/tools/{id}"), None)
        .await?
        .data)
}

pub async fn test(id: i64, body: &ToolTestInput) -> Result<ToolTestResult, ApiError> {
    Ok(call(Method::Post, &format!("/api/v2/tools/{id}/test"), Some(body))
        .await?
        .data)
}

pub async fn templates(org: i64) -> Result<Vec<ApiToolTemplate>, ApiError> {
    get(&format!("/api/v2/organizations/{org}/api-tool-templates")).await
}

pub async fn create_template(org: i64, body: &ApiToolTemplateInput) -> Result<ApiToolTemplate, ApiError> {
    Ok(call(
        Method::Post,
        &format!("/api/v2/organizations/{org}/api-tool-templates"),
        Some(body),
    )
    .await?
    .data)
}

pub async fn for_agent(agent: i64, page: u64) -> Result<AgentToolPage, ApiError> {
    get(&format!(
        "/api/v2/agents/{agent}/tools?{}",
        query(&[("page", &page.to_string())])
    ))
    .await
}

pub async fn link(agent: i64, tool: i64, on: bool) -> Result<Vec<Tool>, ApiError> {
    let method = if on { Method::Post } else { Method::Delete };
    Ok(
        call::<Vec<Tool>, ()>(method, &format!("/api/v2/agents/{agent}/tools/{tool}"), None)
            .await?
            .data,
    )
}
