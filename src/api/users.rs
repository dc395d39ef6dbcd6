//! Users.

use ejento_api::{CreateUser, CurrentUser, DeleteUsers, UpdateUser, User, UserPage, paths};

use super::{ApiError, Method, call, get, query};

pub async fn me() -> Result<CurrentUser, ApiError> {
    get(paths::ME).await
}

pub async fn list(search: &str, page: u64) -> Result<UserPage, ApiError> {
    get(&format!(
        "/api/v2/users?{}",
        query(&[("search", search), ("page", &page.to_string())])
    ))
    .await
}

pub async fn one(id: i64) -> Result<User, ApiError> {
    get(&format!("/api/v2/users/{id}")).await
}

pub async fn create(org: i64, body: &CreateUser) -> Result<User, ApiError> {
    Ok(
        call(Method::Post, &format!("/api/v2/organizations/{org}/users"), Some(body))
            .await?
            .data,
    )
}

pub async fn update(id: i64, body: &UpdateUser) -> Result<User, ApiError> {
    Ok(call(Method::Put, &format!("/api/v2/users/{id}"), Some(body))
        .await?
        .data)
}

pub async fn delete_many(ids: Vec<i64>) -> Result<String, ApiError> {
    Ok(
        call::<serde_json::Value, _>(Method::Delete, "/api/v2/users", Some(&DeleteUsers { user_ids: ids }))
            .await?
            .message,
    )
}
