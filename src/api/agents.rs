//! Agents and what hangs off them.

use ejento_api::{
    AddMembers, Agent, AgentInput, AgentPage, AgentType, Comment, CommentInput, CommentPage, HistoryPage, MemberPage,
    Review, ReviewInput, ReviewPage, TagCount, VoteInput, VoteSummary,
};

use super::{ApiError, Method, call, get, query};

/// The catalogue's filters, as they appear in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub search: String,
    pub project_id: String,
    pub team_id: String,
    pub tag: String,
    pub agent_type_id: String,
}

/// Every agent the caller can see (the first 100 by name), for pickers.
pub async fn all_visible() -> Result<AgentPage, ApiError> {
    get("/api/v2/agents?items_per_page=100&sort=agent_name").await
}

pub async fn list(f: &Filters, page: u64) -> Result<AgentPage, ApiError> {
    get(&format!(
        "/api/v2/agents?{}",
        query(&[
            ("search", &f.search),
            ("project_id", &f.project_id),
            ("team_id", &f.team_id),
            ("tag", &f.tag),
            ("agent_type_id", &f.agent_type_id),
            ("page", &page.to_string()),
            ("items_per_page", "24"),
            ("sort", "agent_name"),
        ])
    ))
    .await
}

pub async fn starred() -> Result<AgentPage, ApiError> {
    get("/api/v2/users/me/starred-agents?items_per_page=12").await
}

pub async fn recent() -> Result<Vec<Agent>, ApiError> {
    get("/api/v2/users/me/recent-agents").await
}

pub async fn of_project(project: i64) -> Result<AgentPage, ApiError> {
    get(&format!("/api/v2/projects/{project}/agents?items_per_page=100")).await
}

pub async fn of_team(team: i64) -> Result<AgentPage, ApiError> {
    get(&format!("/api/v2/teams/{team}/agents?items_per_page=100")).await
}

pub async fn tags() -> Result<Vec<TagCount>, ApiError> {
    get("/api/v2/agent-tags").await
}

pub async fn types() -> Result<Vec<AgentType>, ApiError> {
    get("/api/v2/agent-types").await
}

pub async fn llm_configurations() -> Result<Vec<ejento_api::LlmConfiguration>, ApiError> {
    get("/api/v2/llm-configurations").await
}

/// The corpora an agent is connected to (enabled or not).
pub async fn corpora(id: i64) -> Result<Vec<ejento_api::CorpusConnection>, ApiError> {
    get::<ejento_api::AgentCorpusItems>(&format!("/api/v2/agents/{id}/corpora"))
        .await
        .map(|c| c.items.agent_corpus)
}

pub async fn one(id: i64) -> Result<Agent, ApiError> {
    get(&format!("/api/v2/agents/{id}")).await
}

pub async fn create(body: &AgentInput) -> Result<Agent, ApiError> {
    Ok(call(Method::Post, "/api/v2/agents", Some(body)).await?.data)
}

pub async fn update(id: i64, body: &AgentInput) -> Result<(String, Agent), ApiError> {
    let env = call(Method::Put, &format!("/api/v2/agents/{id}"), Some(body)).await?;
    Ok((env.message, env.data))
}

pub async fn delete(id: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/agents/{id}"), None)
        .await
        .map(|_| ())
}

pub async fn set_active(id: i64, is_active: bool) -> Result<Agent, ApiError> {
    let body = ejento_api::ActivateInput { is_active };
    Ok(
        call(Method::Post, &format!("/api/v2/agents/{id}/activate"), Some(&body))
            .await?
            .data,
    )
}

pub async fn set_starred(id: i64, starred: bool) -> Result<Agent, ApiError> {
    let method = if starred { Method::Post } else { Method::Delete };
    Ok(
        call::<Agent, ()>(method, &format!("/api/v2/users/me/starred-agents/{id}"), None)
            .await?
            .data,
    )
}

pub async fn vote(id: i64, vote: &str) -> Result<VoteSummary, ApiError> {
    let body = VoteInput { vote: vote.to_string() };
    Ok(call(Method::Post, &format!("/api/v2/agents/{id}/votes"), Some(&body))
        .await?
        .data)
}

pub async fn votes(id: i64) -> Result<VoteSummary, ApiError> {
    get(&format!("/api/v2/agents/{id}/votes")).await
}

pub async fn history(id: i64, page: u64) -> Result<HistoryPage, ApiError> {
    get(&format!("/api/v2/agents/{id}/history?page={page}&items_per_page=20")).await
}

pub async fn restore(id: i64, history_id: i64) -> Result<Agent, ApiError> {
    Ok(call::<Agent, ()>(
        Method::Post,
        &format!("/api/v2/agents/{id}/history/{history_id}/restore"),
        None,
    )
    .await?
    .data)
}

pub async fn users(id: i64) -> Result<MemberPage, ApiError> {
    get(&format!("/api/v2/agents/{id}/users?items_per_page=100")).await
}

pub async fn add_users(id: i64, body: &AddMembers) -> Result<MemberPage, ApiError> {
    Ok(call(Method::Post, &format!("/api/v2/agents/{id}/users"), Some(body))
        .await?
        .data)
}

pub async fn remove_user(id: i64, user: i64) -> Result<MemberPage, ApiError> {
    Ok(
        call::<MemberPage, ()>(Method::Delete, &format!("/api/v2/agents/{id}/users/{user}"), None)
            .await?
            .data,
    )
}

pub async fn aliases(id: i64) -> Result<Vec<ejento_api::Alias>, ApiError> {
    get(&format!("/api/v2/agents/{id}/aliases")).await
}

pub async fn add_alias(id: i64, alias: &str) -> Result<ejento_api::Alias, ApiError> {
    let body = ejento_api::AliasInput {
        alias: alias.to_string(),
    };
    Ok(call(Method::Post, &format!("/api/v2/agents/{id}/aliases"), Some(&body))
        .await?
        .data)
}

pub async fn delete_alias(id: i64, alias: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/agents/{id}/aliases/{alias}"), None)
        .await
        .map(|_| ())
}

pub async fn comments(id: i64) -> Result<CommentPage, ApiError> {
    get(&format!("/api/v2/agents/{id}/comments?items_per_page=100")).await
}

pub async fn add_comment(id: i64, text: &str) -> Result<Comment, ApiError> {
    let body = CommentInput {
        comment: text.to_string(),
    };
    Ok(
        call(Method::Post, &format!("/api/v2/agents/{id}/comments"), Some(&body))
            .await?
            .data,
    )
}

pub async fn edit_comment(id: i64, comment: i64, text: &str) -> Result<Comment, ApiError> {
    let body = CommentInput {
        comment: text.to_string(),
    };
    Ok(call(
        Method::Put,
        &format!("/api/v2/agents/{id}/comments/{comment}"),
        Some(&body),
    )
    .await?
    .data)
}

pub async fn delete_comment(id: i64, comment: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/agents/{id}/comments/{comment}"), None)
        .await
        .map(|_| ())
}

pub async fn reviews(id: i64) -> Result<ReviewPage, ApiError> {
    get(&format!("/api/v2/agents/{id}/reviews?items_per_page=100")).await
}

pub async fn add_review(id: i64, body: &ReviewInput) -> Result<Review, ApiError> {
    Ok(call(Method::Post, &format!("/api/v2/agents/{id}/reviews"), Some(body))
        .await?
        .data)
}

pub async fn edit_review(id: i64, review: i64, body: &ReviewInput) -> Result<Review, ApiError> {
    Ok(call(
        Method::Put,
        &format!("/api/v2/agents/{id}/reviews/{review}"),
        Some(body),
    )
    .await?
    .data)
}

pub async fn delete_review(id: i64, review: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/agents/{id}/reviews/{review}"), None)
        .await
        .map(|_| ())
}

pub async fn visit(id: i64) {
    let _ = call::<serde_json::Value, ()>(Method::Post, &format!("/api/v2/users/me/recent-agents/{id}"), None).await;
}
