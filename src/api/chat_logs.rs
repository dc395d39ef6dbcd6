//! Chat logs: search, detail, and the CSV export (downloaded with the caller's credentials).

use ejento_api::{ChatLogDetail, ChatLogPage};

use super::{ApiError, get, query};

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
    super::download_csv(
        &format!("/api/v2/chat-logs/search?{}", query_of(filters, &[("export", "csv")])),
        "chat-logs.csv",
    )
    .await
}
