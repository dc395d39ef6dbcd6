//! Teams.

use ejento_api::{AddMembers, MemberPage, ProjectPage, RoleInput, Team, TeamInput, TeamPage};

use super::{ApiError, Method, call, get, query};

pub async fn list(search: &str, page: u64) -> Result<TeamPage, ApiError> {
    get(&format!(
        "/api/v2/teams?{}",
        query(&[("search", search), ("page", &page.to_string()), ("sort", "name")])
    ))
    .await
}

pub async fn mine() -> Result<TeamPage, ApiError> {
    get("/api/v2/users/me/teams?items_per_page=100").await
}

pub async fn one(id: i64) -> Result<Team, ApiError> {
    get(&format!("/api/v2/teams/{id}")).await
}

pub async fn create(body: &TeamInput) -> Result<Team, ApiError> {
    Ok(call(Method::Post, "/api/v2/teams", Some(body)).await?.data)
}

pub async fn update(id: i64, body: &TeamInput) -> Result<Team, ApiError> {
    Ok(call(Method::Put, &format!("/api/v2/teams/{id}"), Some(body))
        .await?
        .data)
}

pub async fn delete(id: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/teams/{id}"), None)
        .await
        .map(|_| ())
}

pub async fn members(id: i64) -> Result<MemberPage, ApiError> {
    get(&format!("/api/v2/teams/{id}/users?items_per_page=100")).await
}

pub async fn add_members(id: i64, body: &AddMembers) -> Result<MemberPage, ApiError> {
    Ok(call(Method::Post, &format!("/api/v2/teams/{id}/users"), Some(body))
        .await?
        .data)
}

pub async fn set_role(id: i64, user: i64, role: &str) -> Result<MemberPage, ApiError> {
    let body = RoleInput { role: role.to_string() };
    Ok(
        call(Method::Put, &format!("/api/v2/teams/{id}/users/{user}"), Some(&body))
            .await?
            .data,
    )
}

pub async fn remove(id: i64, user: i64) -> Result<MemberPage, ApiError> {
    Ok(
        call::<MemberPage, ()>(Method::Delete, &format!("/api/v2/teams/{id}/users/{user}"), None)
            .await?
            .data,
    )
}

pub async fn projects(id: i64) -> Result<ProjectPage, ApiError> {
    get(&format!("/api/v2/teams/{id}/projects?items_per_page=100")).await
}

pub async fn visit(id: i64) {
    let _ = call::<serde_json::Value, ()>(Method::Post, &format!("/api/v2/users/me/recent-teams/{id}"), None).await;
}
