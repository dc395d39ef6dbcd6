//! Corpora.

use ejento_api::{Corpus, CorpusAgent, CorpusInput, CorpusPage, CorpusPermission, CorpusPermissionInput};

use super::{ApiError, Method, call, get, query};

pub async fn list(search: &str, page: u64) -> Result<CorpusPage, ApiError> {
    get(&format!(
        "/api/v2/corpora?{}",
        query(&[("search", search), ("page", &page.to_string()), ("sort", "name")])
    ))
    .await
}

pub async fn one(id: i64) -> Result<Corpus, ApiError> {
    get(&format!("/api/v2/corpora/{id}")).await
}

pub async fn create(body: &CorpusInput) -> Result<Corpus, ApiError> {
    Ok(call(Method::Post, "/api/v2/corpora", Some(body)).await?.data)
}

pub async fn update(id: i64, body: &CorpusInput) -> Result<Corpus, ApiError> {
    Ok(call(Method::Put, &format!("/api/v2/corpora/{id}"), Some(body))
        .await?
        .data)
}

pub async fn delete(id: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/corpora/{id}"), None)
        .await
        .map(|_| ())
}

pub async fn agents(id: i64) -> Result<Vec<CorpusAgent>, ApiError> {
    get(&format!("/api/v2/corpora/{id}/agents")).await
}

pub async fn permissions(id: i64) -> Result<Vec<CorpusPermission>, ApiError> {
    get(&format!("/api/v2/corpora/{id}/permissions")).await
}

pub async fn grant(id: i64, body: &CorpusPermissionInput) -> Result<CorpusPermission, ApiError> {
    Ok(
        call(Method::Post, &format!("/api/v2/corpora/{id}/permissions"), Some(body))
            .await?
            .data,
    )
}

pub async fn revoke(id: i64, user: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(
        Method::Delete,
        &format!("/api/v2/corpora/{id}/users/{user}/permissions"),
        None,
    )
    .await
    .map(|_| ())
}

/// Connects the corpus to an agent (the caller administers the agent and can read the corpus).
pub async fn connect_agent(corpus: i64, agent: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Post, &format!("/api/v2/agents/{agent}/corpora/{corpus}"), None)
        .await
        .map(|_| ())
}

pub async fn set_agent_enabled(corpus: i64, agent: i64, enabled: bool) -> Result<(), ApiError> {
    let body = ejento_api::ConnectionInput { is_enabled: enabled };
    call::<serde_json::Value, _>(
        Method::Put,
        &format!("/api/v2/agents/{agent}/corpora/{corpus}"),
        Some(&body),
    )
    .await
    .map(|_| ())
}

pub async fn disconnect_agent(corpus: i64, agent: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(
        Method::Delete,
        &format!("/api/v2/agents/{agent}/corpora/{corpus}"),
        None,
    )
    .await
    .map(|_| ())
}
