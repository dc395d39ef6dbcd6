//! Documents: upload (file, text, web link), listing, status, chunks, retrieval test,
//! duplicates, conversation starters, reindexing and deletion.

use std::time::Instant;

use axum::{
    extract::{Multipart, State, multipart::MultipartRejection},
    http::{Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use bytes::{Bytes, BytesMut};
use ejento_api::{
    Affected, CONTENT_TYPES, ChunkPage, ConversationStarters, DOCUMENT_STEPS, Document, DocumentEvent, DocumentIds,
    DocumentInput, DocumentPage, DuplicateGroup, Duplicates, Envelope, QueuedDocument, RetrievalQuery, RetrievalResult,
    validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, agents::normalize_tags, created, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need},
    },
    error::{Error, FieldErrors, Result},
    indexing::{content_hash, fetch, parse, starters},
    objects::Objects,
    search::Scope,
    state::AppState,
    store::{DocumentFilter, DocumentRow, NewDocument},
};

const CORPORA: &str = "Corpora";
const DOCUMENTS: &str = "Documents";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.upload_route(
        "/indexing-service/api/v2/corpora/{corpus_id}/documents",
        (CORPORA, "Upload a Document to a Corpus", SignedIn),
        upload,
    )
    .route(
        Method::GET,
        "/api/v2/corpora/{corpus_id}/documents",
        (CORPORA, "Get all Documents for a Corpus", SignedIn),
        list,
    )
    .route(
        Method::DELETE,
        "/api/v2/corpora/{corpus_id}/documents",
        (CORPORA, "Delete Document(s) from a Corpus", SignedIn),
        delete_many,
    )
    .route(
        Method::GET,
        "/api/v2/corpora/{corpus_id}/documents/duplicates",
        (CORPORA, "Check Duplicate Documents in a Corpus", SignedIn),
        duplicates,
    )
    .route(
        Method::POST,
        "/api/v2/corpora/{corpus_id}/documents/retry-failed",
        (CORPORA, "Retry every failed document of a Corpus", SignedIn),
        retry_failed,
    )
    .route(
        Method::GET,
        "/api/v2/corpora/{corpus_id}/conversation-starters",
        (CORPORA, "Get Conversation Starters for a Corpus", SignedIn),
        corpus_starters,
    )
    .route(
        Method::POST,
        "/api/v2/corpora/{corpus_id}/refresh",
        (CORPORA, "Trigger a Refresh (Reindex) of a Corpus", SignedIn),
        refresh_corpus,
    )
    .route(
        Method::POST,
        "/api/v2/corpora/{corpus_id}/retrieval-test",
        (CORPORA, "Test retrieval on a Corpus", SignedIn),
        retrieval_test,
    )
    .route(
        Method::GET,
        "/api/v2/documents/batch",
        (DOCUMENTS, "Retrieve multiple Documents by IDs", SignedIn),
        batch,
    )
    .route(
        Method::GET,
        "/api/v2/documents/{document_id}",
        (DOCUMENTS, "Get a Document", SignedIn),
        get,
    )
    .route(
        Method::PUT,
        "/api/v2/documents/{document_id}",
        (DOCUMENTS, "Update a Document", SignedIn),
        update,
    )
    .route(
        Method::DELETE,
        "/api/v2/documents/{document_id}",
        (DOCUMENTS, "Delete a Document", SignedIn),
        delete_one,
    )
    .route(
        Method::PUT,
        "/api/v2/documents/{document_id}/tags",
        (DOCUMENTS, "Annotate a Document", SignedIn),
        tag,
    )
    .route(
        Method::GET,
        "/api/v2/documents/{document_id}/conversation-starters",
        (DOCUMENTS, "Get Conversation Starters for a Document", SignedIn),
        document_starters,
    )
    .route(
        Method::POST,
        "/api/v2/documents/{document_id}/refresh",
        (DOCUMENTS, "Trigger a Refresh (Reindex) of a Document", SignedIn),
        refresh_document,
    )
    .route(
        Method::GET,
        "/api/v2/documents/{document_id}/chunks",
        (DOCUMENTS, "Get the chunks of a Document", SignedIn),
        chunks,
    )
    .route(
        Method::PUT,
        "/api/v2/documents/{document_id}/chunks/{chunk_id}",
        (DOCUMENTS, "Correct a chunk's text, or turn it off or on", SignedIn),
        update_chunk,
    )
    .route(
        Method::GET,
        "/api/v2/documents/{document_id}/history",
        (DOCUMENTS, "Get the indexing history of a Document", SignedIn),
        history,
    )
    .route(
        Method::GET,
        "/api/v2/documents/{document_id}/content",
        (DOCUMENTS, "Download the original of a Document", SignedIn),
        content,
    )
}

async fn to_wire(state: &AppState, rows: Vec<DocumentRow>) -> Result<Vec<Document>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags = state.store.document_tags(&ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let t = tags.remove(&r.id).unwrap_or_default();
            r.into_wire(t)
        })
        .collect())
}

async fn one(state: &AppState, row: DocumentRow) -> Result<Document> {
    Ok(to_wire(state, vec![row]).await?.remove(0))
}

// ---- upload ------------------------------------------------------------------------------

/// The multipart form of an upload, as read.
#[derive(Default)]
struct UploadForm {
    content_type: Option<String>,
    file: Option<(String, Option<String>, Bytes)>,
    source_text: Option<String>,
    title: Option<String>,
    tags: Option<String>,
    upload_from: Option<String>,
    attachment: Option<String>,
}

const MAX_FIELD_BYTES: u64 = 64 * 1024;

/// Reads a part, failing with 413 as soon as it passes `max` bytes.
async fn read_part(mut field: axum::extract::multipart::Field<'_>, max: u64, what: &str) -> Result<Bytes> {
    let mut out = BytesMut::new();
    while let Some(piece) = field
        .chunk()
        .await
        .map_err(|e| Error::BadRequest(format!("The upload was interrupted or malformed: {}.", e.body_text())))?
    {
        if (out.len() + piece.len()) as u64 > max {
            return Err(Error::PayloadTooLarge(format!(
                "{what} is larger than the {} limit.",
                human_size(max)
            )));
        }
        out.extend_from_slice(&piece);
    }
    Ok(out.freeze())
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes / 1024)
    }
}

async fn read_form(state: &AppState, mut multipart: Multipart) -> Result<UploadForm> {
    let max = state.config.max_upload_bytes();
    let mut form = UploadForm::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        Error::BadRequest(format!(
            "The upload is not valid multipart/form-data: {}.",
            e.body_text()
        ))
    })? {
        let name = field.name().unwrap_or_default().to_string();
        let text = |bytes: Bytes| String::from_utf8(bytes.to_vec()).unwrap_or_default();
        match name.as_str() {
            "source" | "file" if field.file_name().is_some() => {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let media = field.content_type().map(str::to_string);
                let bytes = read_part(field, max, &format!("“{file_name}”")).await?;
                form.file = Some((file_name, media, bytes));
            }
            "source" => form.source_text = Some(text(read_part(field, max, "The text").await?)),
            "content_type" | "title" | "tags" | "upload_from" | "attachment" => {
                let value = text(read_part(field, MAX_FIELD_BYTES, &format!("The field {name}")).await?);
                match name.as_str() {
                    "content_type" => form.content_type = Some(value),
                    "title" => form.title = Some(value),
                    "tags" => form.tags = Some(value),
                    "upload_from" => form.upload_from = Some(value),
                    _ => form.attachment = Some(value),
                }
            }
            // `user_id` and anything else: the caller is known from the credentials.
            _ => {
                read_part(field, max, "A form field").await?;
            }
        }
    }
    Ok(form)
}

/// The longest file name accepted (what file systems allow).
const MAX_FILE_NAME_CHARS: usize = 255;
/// The longest web link accepted (what browsers and servers reliably handle).
const MAX_URL_CHARS: usize = 2048;

/// A title made from a file name or link: at most as long as a title a person may type.
fn shortened(name: &str) -> String {
    let max = validate::RESOURCE_NAME_MAX_CHARS;
    if name.chars().count() <= max {
        return name.to_string();
    }
    let mut title: String = name.chars().take(max - 1).collect();
    title.push('…');
    title
}

/// A title from the first line of a text.
fn title_of_text(text: &str) -> String {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("Text");
    let mut title: String = first.chars().take(80).collect();
    if first.chars().count() > 80 {
        title.push('…');
    }
    title
}

async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<QueuedDocument>)> {
    let (corpus, _) = authz::corpus(&state, &caller, corpus_id, Need::Contribute).await?;
    let multipart = multipart.map_err(|_| {
        Error::BadRequest("Send the document as multipart/form-data (fields content_type and source).".into())
    })?;
    let form = read_form(&state, multipart).await?;

    let mut e = FieldErrors::default();
    let content_type = form
        .content_type
        .clone()
        .map(|c| c.trim().to_lowercase())
        .unwrap_or_else(|| if form.file.is_some() { "file" } else { "text" }.to_string());
    if !CONTENT_TYPES.contains(&content_type.as_str()) {
        e.add("content_type", "content_type must be file, text or weblink.");
    }
    let tags = match form.tags.as_deref().map(|t| {
        t.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    }) {
        Some(t) => e.take("tags", normalize_tags(&t)).unwrap_or_default(),
        None => Vec::new(),
    };
    let title = match form.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => e.take("title", validate::resource_name(t, "document")),
        None => None,
    };
    let upload_from = form.upload_from.as_deref().map(str::trim).unwrap_or("api");
    let upload_from = if upload_from.is_empty() || upload_from.len() > 32 {
        "api"
    } else {
        upload_from
    }
    .to_string();
    let attachment = matches!(form.attachment.as_deref().map(str::trim), Some("true" | "1" | "True"));
    e.finish()?;

    // What to store, and how the document is named and typed.
    let (source, title, format, bytes) = match content_type.as_str() {
        "file" => {
            let Some((file_name, media, bytes)) = form.file else {
                return Err(Error::invalid(
                    "source",
                    "Attach the file to upload as the source field.",
                ));
            };
            let Some(format) = parse::detect(&file_name, media.as_deref()) else {
                return Err(Error::UnsupportedMediaType(format!(
                    "“{file_name}” cannot be indexed. Supported formats: {}.",
                    parse::supported_list()
                )));
            };
            if file_name.chars().count() > MAX_FILE_NAME_CHARS || file_name.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "source",
                    format!("A file name has at most {MAX_FILE_NAME_CHARS} characters and no control characters."),
                ));
            }
            if bytes.is_empty() {
                return Err(Error::invalid("source", format!("“{file_name}” is empty.")));
            }
            let title = title.unwrap_or_else(|| shortened(&file_name));
            (file_name, title, format.to_string(), Some(bytes))
        }
        "text" => {
            let text = form
                .source_text
                .or_else(|| form.file.map(|(_, _, b)| String::from_utf8_lossy(&b).into_owned()))
                .unwrap_or_default();
            if text.trim().is_empty() {
                return Err(Error::invalid("source", "The text is empty."));
            }
            let title = title.unwrap_or_else(|| title_of_text(&text));
            let source: String = text.chars().take(200).collect();
            (source, title, "text".to_string(), Some(Bytes::from(text)))
        }
        _ => {
            let url = form.source_text.unwrap_or_default();
            if url.chars().count() > MAX_URL_CHARS {
                return Err(Error::invalid(
                    "source",
                    format!("A web link has at most {MAX_URL_CHARS} characters."),
                ));
            }
            let url = fetch::check_url(&url).map_err(|m| Error::invalid("source", m))?;
            let title = title.unwrap_or_else(|| shortened(url.as_str()));
            (url.to_string(), title, String::new(), None)
        }
    };

    let (hash, size, object_key, duplicate_of) = match &bytes {
        Some(bytes) => {
            let hash = content_hash(bytes);
            let duplicates = state.store.duplicate_documents(corpus_id, Some(&hash)).await?;
            let key = Objects::new_key(corpus.organization_id, corpus_id);
            state.objects.put(&key, bytes.clone()).await?;
            (hash, bytes.len() as i64, key, duplicates.iter().map(|d| d.id).collect())
        }
        None => (String::new(), 0, String::new(), Vec::new()),
    };
    let new = NewDocument {
        organization_id: corpus.organization_id,
        corpus_id,
        content_type,
        source,
        title,
        format,
        size_bytes: size,
        content_hash: hash,
        object_key: object_key.clone(),
        upload_from,
        attachment,
        tags,
        etag: None,
        last_modified: None,
        uploaded_by_id: caller.user_id(),
        uploaded_by: caller.user.email.clone(),
    };
    let row = match state.store.create_document(&new).await {
        Ok(row) => row,
        Err(err) => {
            if !object_key.is_empty() {
                state.objects.delete(&object_key).await;
            }
            return Err(err);
        }
    };
    state.indexer.poke();
    Ok(created(
        "Document has been queued for indexing",
        QueuedDocument {
            id: row.id,
            access_url: row.access_url(),
            source: row.source,
            // What the upload did: queue it. (A worker may already have picked it up since.)
            step: "pending".into(),
            duplicate_of,
        },
    ))
}

// ---- corpus-level ------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct DocumentQuery {
    #[serde(flatten)]
    list: ListQuery,
    /// A step, or `in_progress`.
    step: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Json<DocumentPage>> {
    authz::corpus(&state, &caller, corpus_id, Need::View).await?;
    let step = q.step.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(step) = step
        && step != "in_progress"
        && !DOCUMENT_STEPS.contains(&step)
    {
        return Err(Error::invalid(
            "step",
            format!("step must be in_progress or one of: {}.", DOCUMENT_STEPS.join(", ")),
        ));
    }
    let page = q.list.page();
    let filter = DocumentFilter {
        search: q.list.search.as_deref(),
        step,
    };
    let (rows, count) = state
        .store
        .list_documents(
            corpus_id,
            &filter,
            crate::store::DOCUMENT_SORT.parse(q.list.sort.as_deref())?,
            page,
        )
        .await?;
    Ok(ok(
        "Documents fetched successfully.",
        DocumentPage {
            documents: to_wire(&state, rows).await?,
            meta: page.meta(count),
        },
    ))
}

fn checked_ids(ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Err(Error::invalid(
            "document_ids",
            "List the documents: document_ids is empty.",
        ));
    }
    if ids.len() > 1000 {
        return Err(Error::invalid("document_ids", "At most 1000 documents at a time."));
    }
    Ok(())
}

async fn remove(state: &AppState, caller: &Caller, corpus_id: i64, ids: &[i64]) -> Result<u64> {
    let keys = state.store.delete_documents(corpus_id, ids, &caller.user.email).await?;
    for key in keys.iter().filter(|k| !k.is_empty()) {
        state.objects.delete(key).await;
    }
    state.search.poke();
    Ok(keys.len() as u64)
}

async fn delete_many(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
    ApiJson(body): ApiJson<DocumentIds>,
) -> Result<Json<Affected>> {
    authz::corpus(&state, &caller, corpus_id, Need::Contribute).await?;
    checked_ids(&body.document_ids)?;
    let count = remove(&state, &caller, corpus_id, &body.document_ids).await?;
    if count == 0 {
        return Err(Error::NotFound("None of those documents is in this corpus.".into()));
    }
    Ok(ok(format!("{count} document(s) deleted."), Affected { count }))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct DuplicateQuery {
    /// Only documents with this SHA-256 (hex): "is this file already here?" before an upload.
    content_hash: Option<String>,
}

async fn duplicates(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DuplicateQuery>,
) -> Result<Json<Duplicates>> {
    authz::corpus(&state, &caller, corpus_id, Need::View).await?;
    let hash = q.content_hash.as_deref().map(|h| h.trim().to_lowercase());
    if let Some(h) = &hash
        && (h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(Error::invalid(
            "content_hash",
            "content_hash must be a SHA-256 in hex (64 characters).",
        ));
    }
    let rows = state.store.duplicate_documents(corpus_id, hash.as_deref()).await?;
    let mut groups: Vec<DuplicateGroup> = Vec::new();
    for doc in to_wire(&state, rows).await? {
        match groups.last_mut() {
            Some(g) if g.content_hash == doc.content_hash => g.documents.push(doc),
            _ => groups.push(DuplicateGroup {
                content_hash: doc.content_hash.clone(),
                documents: vec![doc],
            }),
        }
    }
    Ok(ok(
        "Duplicate documents fetched successfully.",
        Duplicates { duplicates: groups },
    ))
}

async fn reindex(state: &AppState, ids: &[i64], message: &str) -> Result<u64> {
    let queued = state.store.reindex(ids, message).await?;
    state.indexer.poke();
    Ok(queued)
}

async fn retry_failed(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
) -> Result<Json<Affected>> {
    authz::corpus(&state, &caller, corpus_id, Need::Contribute).await?;
    let ids = state.store.corpus_document_ids(corpus_id, true).await?;
    let count = reindex(&state, &ids, &format!("Retry requested by {}", caller.user.email)).await?;
    Ok(ok(
        format!("{count} failed document(s) queued again."),
        Affected { count },
    ))
}

async fn refresh_corpus(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
) -> Result<Json<Affected>> {
    authz::corpus(&state, &caller, corpus_id, Need::Contribute).await?;
    let ids = state.store.corpus_document_ids(corpus_id, false).await?;
    let count = reindex(
        &state,
        &ids,
        &format!("Reindex of the corpus requested by {}", caller.user.email),
    )
    .await?;
    Ok(ok(
        format!("{count} document(s) queued for reindexing."),
        Affected { count },
    ))
}

async fn starters_of(state: &AppState, documents: &[i64]) -> Result<ConversationStarters> {
    let sample = state.store.sample_chunks(documents, 300).await?;
    let sections: Vec<&str> = {
        let mut seen = Vec::new();
        for s in sample.iter().filter_map(|(s, _)| s.as_deref()) {
            if !seen.contains(&s) {
                seen.push(s);
            }
        }
        seen
    };
    Ok(ConversationStarters {
        conversation_starters: starters::generate(sections, sample.iter().map(|(_, t)| t.as_str())),
    })
}

async fn corpus_starters(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
) -> Result<Json<ConversationStarters>> {
    authz::corpus(&state, &caller, corpus_id, Need::View).await?;
    let ids = state.store.corpus_document_ids(corpus_id, false).await?;
    Ok(ok("Conversation starters generated.", starters_of(&state, &ids).await?))
}

/// The words of a query worth marking in its results: what it is about, or all of its words
/// when it is only words like "how" and "the".
fn highlighted_terms(query: &str) -> Vec<String> {
    let about = crate::search::content_terms(query);
    if about.is_empty() {
        crate::search::query_terms(query)
    } else {
        about
    }
}

async fn retrieval_test(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
    ApiJson(body): ApiJson<RetrievalQuery>,
) -> Result<Json<RetrievalResult>> {
    authz::corpus(&state, &caller, corpus_id, Need::View).await?;
    let query = body.query.trim().to_string();
    let mut e = FieldErrors::default();
    if query.is_empty() {
        e.add("query", "Type a question or some words to search for.");
    } else if query.chars().count() > 1000 {
        e.add("query", "The query is longer than 1000 characters.");
    }
    let top_k = body.top_k.unwrap_or(5);
    if !(1..=50).contains(&top_k) {
        e.add("top_k", "top_k must be between 1 and 50.");
    }
    let min_relevance = body.min_relevance.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_relevance) {
        e.add("min_relevance", "min_relevance must be between 0 and 1.");
    }
    e.finish()?;
    let scope = Scope {
        organization_id: caller.org_id(),
        corpus_ids: vec![corpus_id],
    };
    let started = Instant::now();
    let mode = body.mode.unwrap_or_default();
    let settings = crate::search::Retrieval {
        limit: top_k as usize,
        mode,
        min_relevance,
    };
    let chunks = state.search.retrieve(&scope, &query, settings).await?;
    Ok(ok(
        "Retrieval test done.",
        RetrievalResult {
            terms: highlighted_terms(&query),
            query,
            chunks,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            mode,
            embedding_model: state.search.embedding_model(),
        },
    ))
}

// ---- one document --------------------------------------------------------------------------

/// Loads a document of the caller's organization and checks the caller's access to its corpus.
async fn document(state: &AppState, caller: &Caller, id: i64, need: Need) -> Result<DocumentRow> {
    let row = state
        .store
        .document(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Document"))?;
    authz::corpus(state, caller, row.corpus_id, need)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::not_found("Document"),
            other => other,
        })?;
    Ok(row)
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Document>> {
    let row = document(&state, &caller, id, Need::View).await?;
    Ok(ok("Document fetched successfully.", one(&state, row).await?))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct BatchQuery {
    /// Comma-separated ids: `?ids=1,2,3` (or `document_ids`).
    ids: Option<String>,
    document_ids: Option<String>,
}

async fn batch(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<BatchQuery>,
) -> Result<Json<Vec<Document>>> {
    let text = q.ids.or(q.document_ids).unwrap_or_default();
    let ids: Vec<i64> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::invalid("ids", "ids must be document ids separated by commas, e.g. ?ids=1,2,3."))?;
    if ids.is_empty() {
        return Err(Error::invalid("ids", "Give the documents to fetch, e.g. ?ids=1,2,3."));
    }
    if ids.len() > 100 {
        return Err(Error::invalid("ids", "At most 100 documents at a time."));
    }
    let mut readable: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
    let mut visible = Vec::new();
    for row in state.store.documents_by_ids(caller.org_id(), &ids).await? {
        // Documents of corpora the caller cannot read are left out, as if they did not exist;
        // each corpus is checked once.
        let ok = match readable.get(&row.corpus_id) {
            Some(ok) => *ok,
            None => {
                let ok = match authz::corpus(&state, &caller, row.corpus_id, Need::View).await {
                    Ok(_) => true,
                    Err(Error::NotFound(_) | Error::Forbidden(_)) => false,
                    Err(other) => return Err(other),
                };
                readable.insert(row.corpus_id, ok);
                ok
            }
        };
        if ok {
            visible.push(row);
        }
    }
    Ok(ok("Documents fetched successfully.", to_wire(&state, visible).await?))
}

async fn save(state: &AppState, caller: &Caller, id: i64, input: &DocumentInput) -> Result<Document> {
    let row = document(state, caller, id, Need::Contribute).await?;
    let mut e = FieldErrors::default();
    let title = match &input.title {
        Some(t) => e.take("title", validate::resource_name(t, "document")),
        None => None,
    };
    let tags = match &input.tags {
        Some(t) => e.take("tags", normalize_tags(t)),
        None => None,
    };
    e.finish()?;
    state
        .store
        .update_document(row.id, title.as_deref(), tags.as_deref(), &caller.user.email)
        .await?;
    let row = document(state, caller, id, Need::View).await?;
    one(state, row).await
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DocumentInput>,
) -> Result<Json<Document>> {
    Ok(ok(
        "Document updated successfully.",
        save(&state, &caller, id, &input).await?,
    ))
}

async fn tag(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ejento_api::TagList>,
) -> Result<Json<Document>> {
    let input = DocumentInput {
        tags: Some(body.tags),
        ..Default::default()
    };
    Ok(ok("Document tags updated.", save(&state, &caller, id, &input).await?))
}

async fn delete_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Affected>> {
    let row = document(&state, &caller, id, Need::Contribute).await?;
    let count = remove(&state, &caller, row.corpus_id, &[id]).await?;
    Ok(ok("Document deleted successfully.", Affected { count }))
}

async fn document_starters(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ConversationStarters>> {
    document(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Conversation starters generated.",
        starters_of(&state, &[id]).await?,
    ))
}

async fn refresh_document(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Document>> {
    document(&state, &caller, id, Need::Contribute).await?;
    let queued = reindex(&state, &[id], &format!("Reindex requested by {}", caller.user.email)).await?;
    let row = document(&state, &caller, id, Need::View).await?;
    let message = if queued == 1 {
        "Document has been queued for indexing"
    } else {
        "The document is already waiting to be indexed."
    };
    Ok(ok(message, one(&state, row).await?))
}

async fn chunks(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ChunkPage>> {
    document(&state, &caller, id, Need::View).await?;
    let page = q.page();
    let (chunks, count) = state.store.document_chunks(id, page).await?;
    Ok(ok(
        "Chunks fetched successfully.",
        ChunkPage {
            chunks,
            meta: page.meta(count),
        },
    ))
}

async fn update_chunk(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, chunk)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ejento_api::ChunkUpdate>,
) -> Result<Json<ejento_api::DocumentChunk>> {
    document(&state, &caller, id, Need::Contribute).await?;
    let text = body.text.as_deref().map(str::trim);
    let mut e = FieldErrors::default();
    match text {
        Some("") => e.add("text", "A chunk needs some text; turn it off instead."),
        Some(t) if t.chars().count() > ejento_api::MAX_CHUNK_CHARS => e.add(
            "text",
            format!("A chunk holds at most {} characters.", ejento_api::MAX_CHUNK_CHARS),
        ),
        _ => {}
    }
    if text.is_none() && body.is_enabled.is_none() {
        e.add("text", "Give the chunk's new text, or is_enabled.");
    }
    e.finish()?;
    state
        .store
        .update_chunk(id, chunk, text, body.is_enabled)
        .await?
        .ok_or_else(|| Error::not_found("Chunk"))?;
    let updated = state
        .store
        .document_chunk(id, chunk)
        .await?
        .ok_or_else(|| Error::not_found("Chunk"))?;
    Ok(ok("Chunk updated.", updated))
}

async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<DocumentEvent>>> {
    document(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "History fetched successfully.",
        state.store.document_events(id).await?,
    ))
}

/// The stored original, as an attachment (never rendered inline: it may be HTML).
async fn content(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    let row = document(&state, &caller, id, Need::View).await?;
    if row.object_key.is_empty() {
        return Err(Error::NotFound("This web link has not been fetched yet.".into()));
    }
    let bytes = state.objects.get(&row.object_key).await?;
    let file_name: String = row
        .title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}
