//! Documents: listing, upload with byte progress, status, chunks, retrieval test.

use ejento_api::{
    Affected, ChunkPage, ChunkPreview, ChunkSizing, Document, DocumentEvent, DocumentIds, DocumentPage, Duplicates,
    Envelope, ErrorBody, QueuedDocument, RetrievalMode, RetrievalQuery, RetrievalResult,
};
use wasm_bindgen::{JsCast, closure::Closure};

use super::{ApiError, Method, call, get, query};
use crate::session;

pub async fn list(corpus: i64, search: &str, step: &str, page: u64) -> Result<DocumentPage, ApiError> {
    get(&format!(
        "/api/v2/corpora/{corpus}/documents?{}",
        query(&[
            ("search", search),
            ("step", step),
            ("page", &page.to_string()),
            ("items_per_page", "20")
        ])
    ))
    .await
}

pub async fn one(id: i64) -> Result<Document, ApiError> {
    get(&format!("/api/v2/documents/{id}")).await
}

pub async fn history(id: i64) -> Result<Vec<DocumentEvent>, ApiError> {
    get(&format!("/api/v2/documents/{id}/history")).await
}

pub async fn chunks(id: i64, page: u64) -> Result<ChunkPage, ApiError> {
    get(&format!("/api/v2/documents/{id}/chunks?page={page}&items_per_page=20")).await
}

/// Corrects a chunk's text or turns it off or on.
pub async fn update_chunk(
    document: i64,
    chunk: i64,
    body: ejento_api::ChunkUpdate,
) -> Result<ejento_api::DocumentChunk, ApiError> {
    Ok(call(
        Method::Put,
        &format!("/api/v2/documents/{document}/chunks/{chunk}"),
        Some(&body),
    )
    .await?
    .data)
}

pub async fn delete_many(corpus: i64, ids: Vec<i64>) -> Result<Affected, ApiError> {
    let body = DocumentIds { document_ids: ids };
    Ok(call(
        Method::Delete,
        &format!("/api/v2/corpora/{corpus}/documents"),
        Some(&body),
    )
    .await?
    .data)
}

pub async fn retry_failed(corpus: i64) -> Result<Affected, ApiError> {
    Ok(call::<_, ()>(
        Method::Post,
        &format!("/api/v2/corpora/{corpus}/documents/retry-failed"),
        None,
    )
    .await?
    .data)
}

pub async fn reindex_corpus(corpus: i64) -> Result<Affected, ApiError> {
    Ok(
        call::<_, ()>(Method::Post, &format!("/api/v2/corpora/{corpus}/refresh"), None)
            .await?
            .data,
    )
}

pub async fn reindex(id: i64) -> Result<Document, ApiError> {
    Ok(
        call::<_, ()>(Method::Post, &format!("/api/v2/documents/{id}/refresh"), None)
            .await?
            .data,
    )
}

pub async fn duplicates(corpus: i64, content_hash: &str) -> Result<Duplicates, ApiError> {
    get(&format!(
        "/api/v2/corpora/{corpus}/documents/duplicates?{}",
        query(&[("content_hash", content_hash)])
    ))
    .await
}

pub async fn retrieval_test(corpus: i64, text: &str, mode: RetrievalMode) -> Result<RetrievalResult, ApiError> {
    let body = RetrievalQuery {
        query: text.to_string(),
        top_k: Some(10),
        mode: Some(mode),
        min_relevance: None,
    };
    Ok(call(
        Method::Post,
        &format!("/api/v2/corpora/{corpus}/retrieval-test"),
        Some(&body),
    )
    .await?
    .data)
}

/// The hex SHA-256 of a file, computed by the browser (for the duplicate check before upload).
pub async fn sha256(file: &web_sys::File) -> Option<String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let digest = subtle
        .digest_with_str_and_buffer_source("SHA-256", &buffer.unchecked_into::<js_sys::Object>())
        .ok()?;
    let digest = wasm_bindgen_futures::JsFuture::from(digest).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&digest).to_vec();
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What to upload: a file, a text, or a web link.
#[derive(Clone)]
pub enum Upload {
    File(web_sys::File),
    Text(String),
    Weblink(String),
}

impl Upload {
    /// The upload form: what to add, and how to cut it when `sizing` is chosen.
    fn form(&self, sizing: Option<ChunkSizing>) -> Result<web_sys::FormData, ApiError> {
        let form = web_sys::FormData::new().map_err(|_| ApiError::network())?;
        let added = match self {
            Upload::File(file) => form
                .append_with_str("content_type", "file")
                .and_then(|_| form.append_with_blob_and_filename("source", file, &file.name())),
            Upload::Text(text) => form
                .append_with_str("content_type", "text")
                .and_then(|_| form.append_with_str("source", text)),
            Upload::Weblink(url) => form
                .append_with_str("content_type", "weblink")
                .and_then(|_| form.append_with_str("source", url)),
        };
        let sized = match sizing {
            Some(s) => form
                .append_with_str("chunk_size", &s.size.to_string())
                .and_then(|_| form.append_with_str("chunk_overlap", &s.overlap.to_string())),
            None => Ok(()),
        };
        added.and(sized).map_err(|_| ApiError::network())?;
        Ok(form)
    }
}

/// The chunks `what` would make, cut with `sizing` (the corpus' default when none); nothing is
/// stored.
pub async fn preview(corpus: i64, what: &Upload, sizing: Option<ChunkSizing>) -> Result<ChunkPreview, ApiError> {
    let form = what.form(sizing)?;
    let mut req = gloo_net::http::Request::post(&format!("/api/v2/corpora/{corpus}/chunk-preview"));
    if let Some(token) = session::fresh_access_token().await {
        req = req.header("Authorization", &format!("Bearer {token}"));
    }
    let res = req
        .body(form)
        .map_err(|_| ApiError::network())?
        .send()
        .await
        .map_err(|_| ApiError::network())?;
    Ok(super::decode(res).await?.data)
}

/// Uploads with XMLHttpRequest, the one browser API that reports upload progress:
/// `progress(sent, total)` is called as bytes leave. `attachment`: a file attached to a chat
/// thread. `sizing`: how to cut it into chunks (the corpus' default when none).
pub async fn upload(
    corpus: i64,
    what: Upload,
    attachment: bool,
    sizing: Option<ChunkSizing>,
    progress: impl Fn(f64, f64) + 'static,
) -> Result<QueuedDocument, ApiError> {
    let form = what.form(sizing)?;
    let _ = form.append_with_str("upload_from", "web");
    if attachment {
        let _ = form.append_with_str("attachment", "true");
    }
    let token = session::fresh_access_token().await;
    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| ApiError::network())?;
    xhr.open("POST", &format!("/indexing-service/api/v2/corpora/{corpus}/documents"))
        .map_err(|_| ApiError::network())?;
    if let Some(token) = token {
        let _ = xhr.set_request_header("Authorization", &format!("Bearer {token}"));
    }
    let on_progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        if e.length_computable() {
            progress(e.loaded(), e.total());
        }
    });
    if let Ok(target) = xhr.upload() {
        target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let done = js_sys::Promise::new(&mut |resolve, _reject| {
        // Resolves on load, error and abort alike; the status tells them apart.
        xhr.set_onloadend(Some(&resolve));
    });
    xhr.send_with_opt_form_data(Some(&form))
        .map_err(|_| ApiError::network())?;
    let _ = wasm_bindgen_futures::JsFuture::from(done).await;
    drop(on_progress);
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if status == 0 {
        return Err(ApiError::network());
    }
    if (200..300).contains(&status) {
        serde_json::from_str::<Envelope<QueuedDocument>>(&text)
            .map(|e| e.data)
            .map_err(|_| ApiError {
                status,
                message: "The server's answer could not be read.".into(),
                errors: Default::default(),
            })
    } else {
        let body: Option<ErrorBody> = serde_json::from_str(&text).ok();
        Err(ApiError {
            status,
            message: body
                .as_ref()
                .map(|b| b.message.clone())
                .unwrap_or_else(|| format!("The upload failed ({status}).")),
            errors: body.map(|b| b.errors).unwrap_or_default(),
        })
    }
}

/// Cuts a document again with other chunk sizes (none: its corpus' default).
pub async fn set_chunking(id: i64, body: ejento_api::ChunkingUpdate) -> Result<Document, ApiError> {
    Ok(
        call(Method::Put, &format!("/api/v2/documents/{id}/chunking"), Some(&body))
            .await?
            .data,
    )
}

pub async fn set_tags(id: i64, tags: Vec<String>) -> Result<Document, ApiError> {
    let body = ejento_api::TagList { tags };
    Ok(call(Method::Put, &format!("/api/v2/documents/{id}/tags"), Some(&body))
        .await?
        .data)
}
