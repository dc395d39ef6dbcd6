//! Documents: listing, status, chunks, retrieval test, duplicates, conversation starters,
//! reindexing and deletion; adding them is [`upload`]'s.

mod upload;

use std::time::Instant;

use axum::{
    extract::State,
    http::{Method, header},
    response::{IntoResponse, Response},
};
use ejento_api::{
    Affected, ChunkPage, ChunkingUpdate, ConversationStarters, DOCUMENT_STEPS, Document, DocumentEvent, DocumentIds,
    DocumentInput, DocumentPage, DuplicateGroup, Duplicates, Envelope, RetrievalQuery, RetrievalResult, validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, agents::normalize_tags, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need},
    },
    error::{Error, FieldErrors, Result},
    indexing::starters,
    search::Scope,
    state::AppState,
    store::{DocumentFilter, DocumentRow},
};

const CORPORA: &str = "Corpora";
const DOCUMENTS: &str = "Documents";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    upload::routes(api)
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
            Method::PUT,
            "/api/v2/documents/{document_id}/chunking",
            (DOCUMENTS, "Cut a Document Again with Other Chunk Sizes", SignedIn),
            update_chunking,
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

/// Stores other chunk sizes and cuts the document again; its chunks stay searchable meanwhile.
async fn update_chunking(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ChunkingUpdate>,
) -> Result<Json<Document>> {
    document(&state, &caller, id, Need::Contribute).await?;
    if let Some(Err(errors)) = input.chunk_sizing.map(|s| s.check()) {
        let mut e = FieldErrors::default();
        e.add_all(errors);
        e.finish()?;
    }
    let message = format!("Chunk sizes changed by {}", caller.user.email);
    if !state.store.set_chunk_sizing(id, input.chunk_sizing, &message).await? {
        return Err(Error::Conflict(
            "The document is being indexed right now; change its chunk sizes once that is done.".into(),
        ));
    }
    state.indexer.poke();
    let row = document(&state, &caller, id, Need::View).await?;
    Ok(ok("Document has been queued to be cut again", one(&state, row).await?))
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
