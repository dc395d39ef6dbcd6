//! Adding a document (a file, a text or a web link), and previewing the chunks it would make.
//! One reading of the form and one set of rules ([`check`]) serve both, so a preview is cut
//! exactly as the upload that follows it.

use axum::{
    extract::{Multipart, State, multipart::MultipartRejection},
    http::StatusCode,
};
use bytes::{Bytes, BytesMut};
use ejento_api::{
    CONTENT_TYPES, ChunkPreview, ChunkSizing, Envelope, PREVIEW_CHUNKS, PreviewChunk, QueuedDocument, validate,
};

use super::{super::agents::normalize_tags, CORPORA, SignedIn};
use crate::{
    auth::{
        Caller,
        authz::{self, Need},
    },
    error::{Error, FieldErrors, Result},
    indexing::{PreviewError, content_hash, fetch, parse},
    objects::Objects,
    routes::{Api, ApiPath, created, ok},
    state::AppState,
    store::{CorpusRow, NewDocument},
};

type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.upload_route(
        "/indexing-service/api/v2/corpora/{corpus_id}/documents",
        (CORPORA, "Upload a Document to a Corpus", SignedIn),
        upload,
    )
    .upload_route(
        "/api/v2/corpora/{corpus_id}/chunk-preview",
        (
            CORPORA,
            "Preview the Chunks of a Document Before Uploading It",
            SignedIn,
        ),
        preview,
    )
}

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
    chunk_size: Option<String>,
    chunk_overlap: Option<String>,
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

async fn read_form(
    state: &AppState,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<UploadForm> {
    let mut multipart = multipart.map_err(|_| {
        Error::BadRequest("Send the document as multipart/form-data (fields content_type and source).".into())
    })?;
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
            "content_type" | "title" | "tags" | "upload_from" | "attachment" | "chunk_size" | "chunk_overlap" => {
                let value = text(read_part(field, MAX_FIELD_BYTES, &format!("The field {name}")).await?);
                let slot = match name.as_str() {
                    "content_type" => &mut form.content_type,
                    "title" => &mut form.title,
                    "tags" => &mut form.tags,
                    "upload_from" => &mut form.upload_from,
                    "attachment" => &mut form.attachment,
                    "chunk_size" => &mut form.chunk_size,
                    _ => &mut form.chunk_overlap,
                };
                *slot = Some(value);
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

/// An upload, checked: what to store and how the document is named, typed and cut.
struct Submission {
    content_type: String,
    /// The file name, the start of the text, or the URL.
    source: String,
    title: String,
    /// Empty for a web link (known once fetched).
    format: String,
    /// None for a web link.
    bytes: Option<Bytes>,
    tags: Vec<String>,
    upload_from: String,
    attachment: bool,
    /// None: the corpus' indexing mode decides.
    chunk_sizing: Option<ChunkSizing>,
}

/// The rules of an upload, between the form and the store: every field is checked, and each
/// refusal names its field. `default_sizing` is the corpus' (it fills a size or overlap left
/// empty).
fn check(form: UploadForm, default_sizing: ChunkSizing) -> Result<Submission> {
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
    let chunk_sizing = match ChunkSizing::parse(
        form.chunk_size.as_deref(),
        form.chunk_overlap.as_deref(),
        default_sizing,
    ) {
        Ok(sizing) => sizing,
        Err(errors) => {
            e.add_all(errors);
            None
        }
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
    Ok(Submission {
        content_type,
        source,
        title,
        format,
        bytes,
        tags,
        upload_from,
        attachment,
        chunk_sizing,
    })
}

/// What the caller sent to add to a corpus they may add to, read and checked; with the corpus
/// and its default sizing.
async fn submission(
    state: &AppState,
    caller: &Caller,
    corpus_id: i64,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(CorpusRow, ChunkSizing, Submission)> {
    let (corpus, _) = authz::corpus(state, caller, corpus_id, Need::Contribute).await?;
    let form = read_form(state, multipart).await?;
    let default_sizing = ChunkSizing::of_indexing_mode(corpus.indexing_mode_id);
    let upload = check(form, default_sizing)?;
    Ok((corpus, default_sizing, upload))
}

async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<QueuedDocument>)> {
    let (corpus, _, upload) = submission(&state, &caller, corpus_id, multipart).await?;

    let (hash, size, object_key, duplicate_of) = match &upload.bytes {
        Some(bytes) => {
            // Hashing is linear in the upload: off the async runtime.
            let hash = {
                let bytes = bytes.clone();
                tokio::task::spawn_blocking(move || content_hash(&bytes))
                    .await
                    .map_err(|e| anyhow::anyhow!("hashing the upload: {e}"))?
            };
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
        content_type: upload.content_type,
        source: upload.source,
        title: upload.title,
        format: upload.format,
        size_bytes: size,
        content_hash: hash,
        object_key: object_key.clone(),
        upload_from: upload.upload_from,
        attachment: upload.attachment,
        tags: upload.tags,
        etag: None,
        last_modified: None,
        chunk_sizing: upload.chunk_sizing,
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

/// The same form as an upload; nothing is stored. A web link is fetched (through the guarded
/// client, as indexing would) and cut as it reads now.
async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(corpus_id): ApiPath<i64>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Json<ChunkPreview>> {
    let (_, default_sizing, upload) = submission(&state, &caller, corpus_id, multipart).await?;
    let (format, bytes) = match upload.bytes {
        Some(bytes) => (upload.format, bytes),
        None => {
            let limits = fetch::FetchLimits {
                max_bytes: state.config.max_upload_bytes(),
                timeout: std::time::Duration::from_secs(state.config.weblink_timeout_secs),
            };
            match fetch::fetch(&state.outbound, &upload.source, limits, None).await {
                Ok(fetch::Fetched::Content { bytes, format, .. }) => (format.to_string(), bytes),
                Ok(fetch::Fetched::NotModified) => {
                    return Err(Error::invalid("source", "The web page answered with nothing to read."));
                }
                Err(reason) => return Err(Error::invalid("source", reason)),
            }
        }
    };
    let sizing = upload.chunk_sizing.unwrap_or(default_sizing);
    let chunks = state
        .indexer
        .preview(&format, sizing, bytes)
        .await
        .map_err(|e| match e {
            PreviewError::Busy => {
                Error::Unavailable("Other previews are being made on this server; try again in a moment.".into())
            }
            PreviewError::Failed(failure) if failure.is_final() => Error::invalid("source", failure.reason()),
            PreviewError::Failed(failure) => Error::Unavailable(failure.reason()),
        })?;
    let chunk_count = chunks.len() as u64;
    Ok(ok(
        "How the document would be cut into chunks",
        ChunkPreview {
            sizing,
            is_default: upload.chunk_sizing.is_none(),
            chunk_count,
            chunks: chunks
                .into_iter()
                .take(PREVIEW_CHUNKS)
                .map(|c| PreviewChunk {
                    ordinal: c.ordinal,
                    page: c.page,
                    section: c.section,
                    text: c.text,
                })
                .collect(),
        },
    ))
}
