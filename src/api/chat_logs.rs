//! Chat logs: search, detail, and the CSV export (downloaded with the caller's credentials).

use ejento_api::{ChatLogDetail, ChatLogPage};
use wasm_bindgen::JsCast;

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
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| ApiError::network())?;
    let href = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiError::network())?;
    if let Some(doc) = web_sys::window().and_then(|w| w.document())
        && let Ok(a) = doc.create_element("a")
        && let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        a.set_href(&href);
        a.set_download("chat-logs.csv");
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&href);
    Ok(())
}
