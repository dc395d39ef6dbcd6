//! Projects.

use ejento_api::{AddMembers, MemberPage, Project, ProjectInput, ProjectPage};

use super::{ApiError, Method, call, get, query};

pub async fn list(search: &str, team: Option<i64>, page: u64) -> Result<ProjectPage, ApiError> {
    let team = team.map(|t| t.to_string()).unwrap_or_default();
    get(&format!(
        "/api/v2/projects?{}",
        query(&[
            ("search", search),
            ("team_id", &team),
            ("page", &page.to_string()),
            ("sort", "name")
        ])
    ))
    .await
}

pub async fn all() -> Result<ProjectPage, ApiError> {
    get("/api/v2/projects?items_per_page=100&sort=name").await
}

pub async fn recent() -> Result<Vec<Project>, ApiError> {
    get("/api/v2/users/me/recent-projects").await
}

pub async fn of_user(user: i64) -> Result<ProjectPage, ApiError> {
    get(&format!("/api/v2/users/{user}/projects?items_per_page=100")).await
}

pub async fn one(id: i64) -> Result<Project, ApiError> {
    get(&format!("/api/v2/projects/{id}")).await
}

pub async fn create(body: &ProjectInput) -> Result<Project, ApiError> {
    Ok(call(Method::Post, "/api/v2/projects", Some(body)).await?.data)
}

pub async fn update(id: i64, body: &ProjectInput) -> Result<Project, ApiError> {
    Ok(call(Method::Put, &format!("/api/v2/projects/{id}"), Some(body))
        .await?
        .data)
}

pub async fn delete(id: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/projects/{id}"), None)
        .await
        .map(|_| ())
}

pub async fn members(id: i64) -> Result<MemberPage, ApiError> {
    get(&format!("/api/v2/projects/{id}/users?items_per_page=100")).await
}

pub async fn add_members(id: i64, body: &AddMembers) -> Result<MemberPage, ApiError> {
    Ok(call(Method::Post, &format!("/api/v2/projects/{id}/users"), Some(body))
        .await?
        .data)
}

pub async fn set_role(id: i64, user: i64, role: &str) -> Result<MemberPage, ApiError> {
    let body = ejento_api::RoleInput { role: role.to_string() };
    Ok(
        call(Method::Put, &format!("/api/v2/projects/{id}/users/{user}"), Some(&body))
            .await?
            .data,
    )
}

pub async fn remove(id: i64, user: i64) -> Result<MemberPage, ApiError> {
    Ok(
        call::<MemberPage, ()>(Method::Delete, &format!("/api/v2/projects/{id}/users/{user}"), None)
            .await?
            .data,
    )
}

pub async fn visit(id: i64) {
    let _ = call::<serde_json::Value, ()>(Method::Post, &format!("/api/v2/users/me/recent-projects/{id}"), None).await;
}
