//! Chat logs: search, detail, and the CSV export (downloaded with the caller's credentials).

use ejento_api::{ChatLogDetail, ChatLogPage};

use super::{ApiError, get, query};
use crate::session;

fn query_of(filters: &[(String, String)], extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, &str)> = filters.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.extend_from_slice(extra);
    query(&pairs)
}

pub async fn search(filters: &[(String, String)], page: u64) -> Result<ChatLogPage, ApiError> {
    get(&format!(
        "/api/v2/chat-logs/search?{}",
        query_of(filters, &[("page", &page.to_string())])
    ))
    .await
}

pub async fn detail(id: i64) -> Result<ChatLogDetail, ApiError> {
    get(&format!("/api/v2/chat-logs/{id}")).await
}

/// Fetches the CSV of the filtered rows and hands it to the browser as a download.
pub async fn export_csv(filters: &[(String, String)]) -> Result<(), ApiError> {
    let token = session::fresh_access_token().await;
    let url = format!("/api/v2/chat-logs/search?{}", query_of(filters, &[("export", "csv")]));
    let mut req = gloo_net::http::Request::get(&url);
    if let Some(token) = token {
        req = req.header("Authorization", &format!("Bearer {token}"));
    }
    let res = req.send().await.map_err(|_| ApiError::network())?;
    if !res.ok() {
        return Err(ApiError::from_response(res).await);
    }
    let text = res.text().await.map_err(|_| ApiError::network())?;
    if !crate::components::download::save_text("chat-logs.csv", "text/csv", &text) {
        return Err(ApiError::network());
    }
    Ok(())
}
