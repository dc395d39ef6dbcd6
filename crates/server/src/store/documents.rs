//! Documents, their status history, chunks, the durable indexing queue, and the search change
//! log. Every state change of a document happens in one transaction with its event and, when
//! what is searchable changes, with a `search_changes` row.

use std::collections::HashMap;

use ejento_api::{ChunkSizing, Document, DocumentChunk, DocumentEvent};
use sqlx::{Any, Transaction};

use super::{
    Store,
    pagination::{PageRequest, SortOrder, Sortable, placeholders},
    sql::Sql,
};
use crate::{error::Result, indexing::chunk::Chunk, search::IndexedChunk, time_fmt};

/// What a search change changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchChange {
    /// A document's chunks: their text (both indexes).
    Content,
    /// Only their embeddings (the vector index).
    Vectors,
}

impl SearchChange {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchChange::Content => "content",
            SearchChange::Vectors => "vectors",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub organization_id: i64,
    pub corpus_id: i64,
    pub content_type: String,
    pub source: String,
    pub title: String,
    pub format: String,
    pub size_bytes: i64,
    pub content_hash: String,
    pub object_key: String,
    pub upload_from: String,
    pub is_attachment: i64,
    pub step: String,
    pub progress: i64,
    pub failure_reason: Option<String>,
    pub chunk_count: i64,
    pub indexed_on: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub chunk_size: Option<i64>,
    pub chunk_overlap: Option<i64>,
    pub uploaded_by_id: i64,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

impl DocumentRow {
    pub fn access_url(&self) -> String {
        format!("/api/v2/documents/{}/content", self.id)
    }

    /// The chunk size and overlap chosen for it (at upload, or since), if any.
    pub fn chunk_sizing(&self) -> Option<ChunkSizing> {
        let (size, overlap) = (self.chunk_size?, self.chunk_overlap?);
        Some(ChunkSizing {
            size: u32::try_from(size).ok()?,
            overlap: u32::try_from(overlap).ok()?,
        })
    }

    pub fn into_wire(self, tags: Vec<String>) -> Document {
        Document {
            chunk_sizing: self.chunk_sizing(),
            access_url: self.access_url(),
            id: self.id,
            corpus_id: self.corpus_id,
            content_type: self.content_type,
            source: self.source,
            title: self.title,
            format: self.format,
            size_bytes: self.size_bytes,
            content_hash: self.content_hash,
            step: self.step,
            progress: self.progress,
            failure_reason: self.failure_reason,
            chunk_count: self.chunk_count,
            tags,
            upload_from: self.upload_from,
            attachment: self.is_attachment != 0,
            uploaded_by: self.uploaded_by_id,
            indexed_on: self.indexed_on,
            created_by: self.created_by,
            created_on: self.created_on,
            modified_by: self.modified_by,
            modified_on: self.modified_on,
        }
    }
}

const SELECT: &str = "SELECT d.id, d.organization_id, d.corpus_id, d.content_type, d.source, d.title, d.format, \
     d.size_bytes, d.content_hash, d.object_key, d.upload_from, d.is_attachment, d.step, d.progress, d.failure_reason, \
     d.chunk_count, d.indexed_on, d.etag, d.last_modified, d.chunk_size, d.chunk_overlap, d.uploaded_by_id, d.created_by, d.created_on, \
     d.modified_by, d.modified_on FROM documents d JOIN corpora c ON c.id = d.corpus_id";

/// Only live documents of live corpora exist for callers.
const LIVE: &str = "d.is_deleted = 0 AND c.is_deleted = 0";

/// The chunks of document `$1` that are its live generation's.
const LIVE_CHUNK: &str = "c.document_id = $1 AND c.generation = d.live_generation AND d.live_generation <> 0";
const CHUNK_SELECT: &str = "SELECT c.id, c.document_id, c.ordinal, c.page, c.section, c.text, c.is_enabled, c.edited_on \
     FROM chunks c JOIN documents d ON d.id = c.document_id";

#[derive(sqlx::FromRow)]
struct ChunkRow {
    id: i64,
    document_id: i64,
    ordinal: i64,
    page: Option<i64>,
    section: Option<String>,
    text: String,
    is_enabled: i64,
    edited_on: Option<String>,
}

impl ChunkRow {
    fn into_wire(self) -> DocumentChunk {
        DocumentChunk {
            id: self.id,
            document_id: self.document_id,
            ordinal: self.ordinal,
            page: self.page,
            section: self.section,
            text: self.text,
            is_enabled: self.is_enabled != 0,
            edited_on: self.edited_on,
        }
    }
}

/// A document about to be stored, its original already in the object store.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub organization_id: i64,
    pub corpus_id: i64,
    pub content_type: String,
    pub source: String,
    pub title: String,
    pub format: String,
    pub size_bytes: i64,
    pub content_hash: String,
    pub object_key: String,
    pub upload_from: String,
    pub attachment: bool,
    pub tags: Vec<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// None: the corpus' indexing mode decides, now and on every reindex.
    pub chunk_sizing: Option<ChunkSizing>,
    pub uploaded_by_id: i64,
    pub uploaded_by: String,
}

/// Which documents of a corpus a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentFilter<'a> {
    pub search: Option<&'a str>,
    /// `in_progress`, or one step name.
    pub step: Option<&'a str>,
}

/// A job a worker holds a lease on.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: i64,
    pub document_id: i64,
    pub kind: String,
    pub attempts: i64,
    pub lease_token: i64,
    /// Why the previous attempt failed, when it ended with a reason.
    pub last_error: Option<String>,
}

/// New content of a web link fetched again.
#[derive(Debug, Clone)]
pub struct Refetched {
    pub format: String,
    pub size_bytes: i64,
    pub content_hash: String,
    pub object_key: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

async fn event(tx: &mut Transaction<'_, Any>, document: i64, step: &str, message: &str) -> Result<()> {
    sqlx::query("INSERT INTO document_events (document_id, step, message, created_on) VALUES ($1, $2, $3, $4)")
        .bind(document)
        .bind(step)
        .bind(message)
        .bind(time_fmt::now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn write_tags(tx: &mut Transaction<'_, Any>, document: i64, tags: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM document_tags WHERE document_id = $1")
        .bind(document)
        .execute(&mut **tx)
        .await?;
    for tag in tags {
        sqlx::query("INSERT INTO document_tags (document_id, tag) VALUES ($1, $2)")
            .bind(document)
            .bind(tag)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Moves a running job to `state` if it is still held with `job`'s lease token; false when it
/// is not (the lease expired and another worker took it, or the document was deleted).
async fn end_job(tx: &mut Transaction<'_, Any>, job: &ClaimedJob, state: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE indexing_jobs SET state = $3, finished_on = $4 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
    )
    .bind(job.id)
    .bind(job.lease_token)
    .bind(state)
    .bind(time_fmt::now())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Queues a job for a document unless one is already queued or running; resets its status.
async fn enqueue_in(tx: &mut Transaction<'_, Any>, document: i64, kind: &str, message: &str) -> Result<bool> {
    let active: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM indexing_jobs WHERE document_id = $1 AND state IN ('queued', 'running')")
            .bind(document)
            .fetch_optional(&mut **tx)
            .await?;
    if active.is_some() {
        return Ok(false);
    }
    let now = time_fmt::now();
    sqlx::query("INSERT INTO indexing_jobs (document_id, kind, state, created_on) VALUES ($1, $2, 'queued', $3)")
        .bind(document)
        .bind(kind)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE documents SET step = 'pending', progress = 0, failure_reason = NULL, modified_on = $2 WHERE id = $1",
    )
    .bind(document)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    event(tx, document, "pending", message).await?;
    Ok(true)
}

/// Queues a document to be indexed again: a web link is fetched again first.
async fn reindex_in(tx: &mut Transaction<'_, Any>, document: i64, message: &str) -> Result<bool> {
    let (content_type,): (String,) = sqlx::query_as("SELECT content_type FROM documents WHERE id = $1")
        .bind(document)
        .fetch_one(&mut **tx)
        .await?;
    let kind = if content_type == "weblink" { "refetch" } else { "index" };
    enqueue_in(tx, document, kind, message).await
}

/// How a corpus' documents list sorts (newest first unless asked).
pub const DOCUMENT_SORT: Sortable = Sortable {
    fields: &["title", "created_on", "size_bytes", "step"],
    default: SortOrder::descending("created_on"),
};

/// `select` (reading documents as `d`) over the live documents of `corpus` that match `filter`,
/// with only the filters it sets (one statement per combination: see [`Sql`]).
fn document_conditions(select: &str, corpus: i64, filter: &DocumentFilter<'_>) -> Sql {
    let mut sql = Sql::new(select);
    let corpus = sql.arg(corpus);
    sql.push(&format!(" WHERE d.corpus_id = {corpus} AND {LIVE}"));
    sql.and_contains(filter.search, &["d.title", "d.source"]);
    match filter.step.unwrap_or("") {
        "" => {}
        "in_progress" => sql.and("d.step NOT IN ('indexed', 'failed')"),
        step => {
            let p = sql.arg(step);
            sql.and(&format!("d.step = {p}"));
        }
    }
    sql
}

impl Store {
    /// Appends to the search change log. On PostgreSQL the table is locked until commit, so
    /// sequence numbers become visible in order and an index that applied up to `n` has
    /// never skipped a smaller one still in flight. (SQLite writers are serial already.)
    /// Logs a change of what `document` makes searchable: its chunks.
    pub(super) async fn search_changed(&self, tx: &mut Transaction<'_, Any>, document: i64) -> Result<()> {
        self.log_search_change(tx, document, SearchChange::Content).await
    }

    pub(super) async fn log_search_change(
        &self,
        tx: &mut Transaction<'_, Any>,
        document: i64,
        kind: SearchChange,
    ) -> Result<()> {
        if self.db().backend == crate::db::Backend::Postgres {
            sqlx::query("LOCK TABLE search_changes IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query("INSERT INTO search_changes (document_id, created_on, kind) VALUES ($1, $2, $3)")
            .bind(document)
            .bind(time_fmt::now())
            .bind(kind.as_str())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Stores a document and queues it for indexing, together.
    pub async fn create_document(&self, d: &NewDocument) -> Result<DocumentRow> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO documents (organization_id, corpus_id, content_type, source, title, format, size_bytes, \
             content_hash, object_key, upload_from, is_attachment, step, etag, last_modified, uploaded_by_id, \
             created_by, created_on, modified_by, modified_on, chunk_size, chunk_overlap) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13, $14, $15, $16, $15, $16, $17, $18) \
             RETURNING id",
        )
        .bind(d.organization_id)
        .bind(d.corpus_id)
        .bind(&d.content_type)
        .bind(&d.source)
        .bind(&d.title)
        .bind(&d.format)
        .bind(d.size_bytes)
        .bind(&d.content_hash)
        .bind(&d.object_key)
        .bind(&d.upload_from)
        .bind(d.attachment as i64)
        .bind(&d.etag)
        .bind(&d.last_modified)
        .bind(d.uploaded_by_id)
        .bind(&d.uploaded_by)
        .bind(&now)
        .bind(d.chunk_sizing.map(|s| i64::from(s.size)))
        .bind(d.chunk_sizing.map(|s| i64::from(s.overlap)))
        .fetch_one(&mut *tx)
        .await?;
        write_tags(&mut tx, id, &d.tags).await?;
        let kind = if d.content_type == "weblink" {
            "refetch"
        } else {
            "index"
        };
        enqueue_in(&mut tx, id, kind, "Document has been queued for indexing").await?;
        tx.commit().await?;
        Ok(self.document(d.organization_id, id).await?.expect("just created"))
    }

    pub async fn document(&self, org: i64, id: i64) -> Result<Option<DocumentRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE d.id = $1 AND d.organization_id = $2 AND {LIVE}"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A document by id for the indexer, whatever its state (it may have been deleted since),
    /// with its corpus' indexing mode and whether either is deleted.
    pub async fn document_for_indexing(&self, id: i64) -> Result<Option<(DocumentRow, i64, bool)>> {
        let row: Option<DocumentRow> = sqlx::query_as(&format!("{SELECT} WHERE d.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let (mode, deleted): (i64, i64) = sqlx::query_as(
            "SELECT c.indexing_mode_id, c.is_deleted + d.is_deleted FROM documents d JOIN corpora c ON c.id = d.corpus_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        Ok(Some((row, mode, deleted != 0)))
    }

    pub async fn documents_by_ids(&self, org: i64, ids: &[i64]) -> Result<Vec<DocumentRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{SELECT} WHERE d.organization_id = $1 AND {LIVE} AND d.id IN ({}) ORDER BY d.id",
            placeholders(2, ids.len())
        );
        let mut q = sqlx::query_as(&sql).bind(org);
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }

    pub async fn list_documents(
        &self,
        corpus: i64,
        filter: &DocumentFilter<'_>,
        sort: SortOrder,
        page: PageRequest,
    ) -> Result<(Vec<DocumentRow>, i64)> {
        let mut sql = document_conditions(SELECT, corpus, filter);
        sql.page(&sort.sql("d"), page);
        let rows = sql.query_as().fetch_all(self.pool()).await?;
        let count = document_conditions(
            "SELECT COUNT(*) FROM documents d JOIN corpora c ON c.id = d.corpus_id",
            corpus,
            filter,
        )
        .query_scalar()
        .fetch_one(self.pool())
        .await?;
        Ok((rows, count))
    }

    pub async fn document_tags(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT document_id, tag FROM document_tags WHERE document_id IN ({}) ORDER BY tag",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
        for id in ids {
            q = q.bind(id);
        }
        for (id, tag) in q.fetch_all(self.pool()).await? {
            out.entry(id).or_default().push(tag);
        }
        Ok(out)
    }

    pub async fn update_document(&self, id: i64, title: Option<&str>, tags: Option<&[String]>, by: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query(
            "UPDATE documents SET title = COALESCE($2, title), modified_by = $3, modified_on = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(title)
        .bind(by)
        .bind(time_fmt::now())
        .execute(&mut *tx)
        .await?;
        if let Some(tags) = tags {
            write_tags(&mut tx, id, tags).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes documents of a corpus: they leave search at once, their queued jobs are cancelled.
    /// Returns the object keys of the deleted documents' originals (one per document deleted).
    pub async fn delete_documents(&self, corpus: i64, ids: &[i64], by: &str) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.db.write().await?;
        let sql = format!(
            "SELECT id, object_key FROM documents WHERE corpus_id = $1 AND is_deleted = 0 AND id IN ({})",
            placeholders(2, ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql).bind(corpus);
        for id in ids {
            q = q.bind(id);
        }
        let found = q.fetch_all(&mut *tx).await?;
        let now = time_fmt::now();
        for (id, _) in &found {
            sqlx::query(
                "UPDATE documents SET is_deleted = 1, live_generation = 0, modified_by = $2, modified_on = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(by)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE indexing_jobs SET state = 'cancelled', finished_on = $2 WHERE document_id = $1 AND state IN ('queued', 'running')",
            )
            .bind(id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM chunks WHERE document_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            event(&mut tx, *id, "deleted", &format!("Deleted by {by}")).await?;
            self.search_changed(&mut tx, *id).await?;
        }
        tx.commit().await?;
        Ok(found.into_iter().map(|(_, key)| key).collect())
    }

    /// Every live document id of a corpus (to delete or reindex them all).
    pub async fn corpus_document_ids(&self, corpus: i64, only_failed: bool) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM documents WHERE corpus_id = $1 AND is_deleted = 0 AND ($2 = 0 OR step = 'failed') ORDER BY id",
        )
        .bind(corpus)
        .bind(only_failed as i64)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Queues documents again (web links are fetched again first). Returns how many were queued;
    /// documents already waiting or being indexed are left as they are.
    /// Stores how a document is cut (none: its corpus' default) and queues it to be cut again.
    /// False, and nothing changed, while a worker is indexing it: that run read the old sizes.
    pub async fn set_chunk_sizing(&self, id: i64, sizing: Option<ChunkSizing>, message: &str) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let running: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM indexing_jobs WHERE document_id = $1 AND state = 'running'")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if running.is_some() {
            return Ok(false);
        }
        sqlx::query("UPDATE documents SET chunk_size = $2, chunk_overlap = $3 WHERE id = $1")
            .bind(id)
            .bind(sizing.map(|s| i64::from(s.size)))
            .bind(sizing.map(|s| i64::from(s.overlap)))
            .execute(&mut *tx)
            .await?;
        // A job still queued reads the new sizes when it starts.
        reindex_in(&mut tx, id, message).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn reindex(&self, ids: &[i64], message: &str) -> Result<u64> {
        let mut queued = 0;
        let mut tx = self.db.write().await?;
        for id in ids {
            queued += reindex_in(&mut tx, *id, message).await? as u64;
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Takes a lease on the oldest claimable job: queued, or running with an expired lease
    /// (its worker died). Each claim gets its own token (also the generation of the chunks it
    /// writes). The state is checked again by the UPDATE itself, so two workers
    /// (or replicas) racing for the same job cannot both win.
    pub async fn claim_job(&self, lease_secs: i64) -> Result<Option<ClaimedJob>> {
        let now = time_fmt::now();
        let claimable = "(state = 'queued' OR (state = 'running' AND lease_expires_on < $1))";
        // PostgreSQL: replicas skip rows another one is claiming instead of queueing behind it.
        let skip_locked = match self.db().backend {
            crate::db::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            crate::db::Backend::Sqlite => "",
        };
        Ok(sqlx::query_as(&format!(
            "UPDATE indexing_jobs SET state = 'running', attempts = attempts + 1, lease_token = id * 1000 + attempts + 1, \
             lease_expires_on = $2 \
             WHERE id = (SELECT id FROM indexing_jobs WHERE {claimable} ORDER BY id LIMIT 1 {skip_locked}) AND {claimable} \
             RETURNING id, document_id, kind, attempts, lease_token, last_error"
        ))
        .bind(&now)
        .bind(time_fmt::from_now(time::Duration::seconds(lease_secs)))
        .fetch_optional(self.pool())
        .await?)
    }

    /// Extends a lease; false when the job is no longer this worker's (expired and taken,
    /// or cancelled because the document was deleted).
    pub async fn renew_lease(&self, job: &ClaimedJob, lease_secs: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE indexing_jobs SET lease_expires_on = $3 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(job.id)
        .bind(job.lease_token)
        .bind(time_fmt::from_now(time::Duration::seconds(lease_secs)))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves a document to the next step, if the job is still this worker's.
    pub async fn set_step(&self, job: &ClaimedJob, step: &str, progress: i64, message: Option<&str>) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let updated = sqlx::query(
            "UPDATE documents SET step = $2, progress = $3 WHERE id = $1 AND EXISTS \
             (SELECT 1 FROM indexing_jobs j WHERE j.id = $4 AND j.lease_token = $5 AND j.state = 'running')",
        )
        .bind(job.document_id)
        .bind(step)
        .bind(progress)
        .bind(job.id)
        .bind(job.lease_token)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if updated && let Some(message) = message {
            event(&mut tx, job.document_id, step, message).await?;
        }
        tx.commit().await?;
        Ok(updated)
    }

    /// Writes one batch of a new generation's chunks. They are not searchable until
    /// [`Store::finish_job`] makes the generation live.
    pub async fn insert_chunks(&self, doc: &DocumentRow, generation: i64, chunks: &[Chunk]) -> Result<()> {
        if chunks.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.write().await?;
        for batch in chunks.chunks(50) {
            let values: Vec<String> = (0..batch.len())
                .map(|i| format!("({})", placeholders(i * 8 + 1, 8)))
                .collect();
            let sql = format!(
                "INSERT INTO chunks (document_id, corpus_id, organization_id, generation, ordinal, page, section, text) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for c in batch {
                q = q
                    .bind(doc.id)
                    .bind(doc.corpus_id)
                    .bind(doc.organization_id)
                    .bind(generation)
                    .bind(c.ordinal)
                    .bind(c.page)
                    .bind(c.section.clone())
                    .bind(c.text.clone());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Makes the job's chunks the live ones and marks the document indexed, atomically, if
    /// the job is still this worker's. Chunks of any other generation are dropped.
    pub async fn finish_job(&self, job: &ClaimedJob, chunk_count: i64) -> Result<bool> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let ours = end_job(&mut tx, job, "done").await?;
        if !ours {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE documents SET step = 'indexed', progress = 100, failure_reason = NULL, live_generation = $2, \
             chunk_count = $3, indexed_on = $4, checked_on = $4 WHERE id = $1",
        )
        .bind(job.document_id)
        .bind(job.lease_token)
        .bind(chunk_count)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM chunks WHERE document_id = $1 AND generation <> $2")
            .bind(job.document_id)
            .bind(job.lease_token)
            .execute(&mut *tx)
            .await?;
        event(
            &mut tx,
            job.document_id,
            "indexed",
            &format!(
                "Indexed {}",
                ejento_api::text::count(chunk_count.max(0) as u64, "chunk", "chunks")
            ),
        )
        .await?;
        self.search_changed(&mut tx, job.document_id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Ends a job as failed with the reason a person can act on; the document leaves search.
    pub async fn fail_job(&self, job: &ClaimedJob, reason: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        let ours = end_job(&mut tx, job, "failed").await?;
        if ours {
            sqlx::query(
                "UPDATE documents SET step = 'failed', failure_reason = $2, live_generation = 0, chunk_count = 0 WHERE id = $1",
            )
            .bind(job.document_id)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM chunks WHERE document_id = $1")
                .bind(job.document_id)
                .execute(&mut *tx)
                .await?;
            event(&mut tx, job.document_id, "failed", reason).await?;
            self.search_changed(&mut tx, job.document_id).await?;
            // The person who added the document hears of it.
            let (org, uploader, title): (i64, i64, String) =
                sqlx::query_as("SELECT organization_id, uploaded_by_id, title FROM documents WHERE id = $1")
                    .bind(job.document_id)
                    .fetch_one(&mut *tx)
                    .await?;
            super::notify(
                &mut tx,
                &super::NewNotification {
                    organization_id: org,
                    user_id: uploader,
                    kind: "indexing_failed",
                    title: &format!("Indexing failed: {title}"),
                    body: reason,
                    link: &format!("/documents/{}", job.document_id),
                    by: "system",
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes what a job that lost its lease (or its document) had written: its generation
    /// is its own, so nothing live is touched.
    pub async fn discard_chunks(&self, job: &ClaimedJob) -> Result<()> {
        sqlx::query("DELETE FROM chunks WHERE document_id = $1 AND generation = $2")
            .bind(job.document_id)
            .bind(job.lease_token)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A job that hit a passing problem goes back to the queue, with the reason.
    pub async fn release_job(&self, job: &ClaimedJob, reason: &str) -> Result<()> {
        sqlx::query(
            "UPDATE indexing_jobs SET state = 'queued', last_error = $3 \
             WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(job.id)
        .bind(job.lease_token)
        .bind(reason)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends a job whose document is gone, or whose web link did not change.
    pub async fn close_job(&self, job: &ClaimedJob, message: Option<&str>) -> Result<()> {
        let mut tx = self.db.write().await?;
        let ours = end_job(&mut tx, job, "done").await?;
        if ours && let Some(message) = message {
            sqlx::query("UPDATE documents SET step = 'indexed', progress = 100, checked_on = $2 WHERE id = $1")
                .bind(job.document_id)
                .bind(time_fmt::now())
                .execute(&mut *tx)
                .await?;
            event(&mut tx, job.document_id, "indexed", message).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records new content of a web link that was fetched again.
    pub async fn record_refetch(&self, document: i64, r: &Refetched) -> Result<()> {
        sqlx::query(
            "UPDATE documents SET format = $2, size_bytes = $3, content_hash = $4, object_key = $5, etag = $6, \
             last_modified = $7 WHERE id = $1",
        )
        .bind(document)
        .bind(&r.format)
        .bind(r.size_bytes)
        .bind(&r.content_hash)
        .bind(&r.object_key)
        .bind(&r.etag)
        .bind(&r.last_modified)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Web links of refresh-enabled corpora last checked before `before`, with no job waiting.
    pub async fn due_weblinks(&self, before: &str) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT d.id FROM documents d JOIN corpora c ON c.id = d.corpus_id \
             WHERE d.content_type = 'weblink' AND d.is_deleted = 0 AND c.is_deleted = 0 AND c.refresh_enabled = 1 \
             AND d.step = 'indexed' AND (d.checked_on IS NULL OR d.checked_on < $1) \
             AND NOT EXISTS (SELECT 1 FROM indexing_jobs j WHERE j.document_id = d.id AND j.state IN ('queued', 'running')) \
             ORDER BY d.id LIMIT 100",
        )
        .bind(before)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    pub async fn document_events(&self, document: i64) -> Result<Vec<DocumentEvent>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT step, message, created_on FROM document_events WHERE document_id = $1 ORDER BY id LIMIT 500",
        )
        .bind(document)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(step, message, created_on)| DocumentEvent {
                step,
                message,
                created_on,
            })
            .collect())
    }

    /// The live chunks of a document, in order.
    pub async fn document_chunks(&self, document: i64, page: PageRequest) -> Result<(Vec<DocumentChunk>, i64)> {
        let rows: Vec<ChunkRow> = sqlx::query_as(&format!(
            "{CHUNK_SELECT} WHERE {LIVE_CHUNK} ORDER BY c.ordinal LIMIT $2 OFFSET $3"
        ))
        .bind(document)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE {LIVE_CHUNK}"
        ))
        .bind(document)
        .fetch_one(self.pool())
        .await?;
        Ok((rows.into_iter().map(ChunkRow::into_wire).collect(), count))
    }

    /// One live chunk of a document.
    pub async fn document_chunk(&self, document: i64, chunk: i64) -> Result<Option<DocumentChunk>> {
        let row: Option<ChunkRow> = sqlx::query_as(&format!("{CHUNK_SELECT} WHERE {LIVE_CHUNK} AND c.id = $2"))
            .bind(document)
            .bind(chunk)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(ChunkRow::into_wire))
    }

    /// Corrects a live chunk's text (its vector is dropped, to be embedded again) or turns it
    /// off or on; both indexes follow through the change log. None: no such live chunk.
    pub async fn update_chunk(
        &self,
        document: i64,
        chunk: i64,
        text: Option<&str>,
        enabled: Option<bool>,
    ) -> Result<Option<()>> {
        let mut tx = self.db.write().await?;
        let now = time_fmt::now();
        let changed = sqlx::query(
            "UPDATE chunks SET text = COALESCE($3, text), is_enabled = COALESCE($4, is_enabled), \
             edited_on = CASE WHEN $3 IS NULL THEN edited_on ELSE $5 END, \
             embedding = CASE WHEN $3 IS NULL THEN embedding END, \
             embedding_model = CASE WHEN $3 IS NULL THEN embedding_model END, \
             embedding_claim = CASE WHEN $3 IS NULL THEN embedding_claim END \
             WHERE id = $2 AND document_id = $1 AND generation = \
             (SELECT live_generation FROM documents WHERE id = $1 AND is_deleted = 0 AND live_generation <> 0)",
        )
        .bind(document)
        .bind(chunk)
        .bind(text)
        .bind(enabled.map(i64::from))
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        self.log_search_change(&mut tx, document, SearchChange::Content).await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    /// Sections and texts of the first live chunks of some documents (conversation starters).
    pub async fn sample_chunks(&self, documents: &[i64], limit: i64) -> Result<Vec<(Option<String>, String)>> {
        if documents.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT c.section, c.text FROM chunks c JOIN documents d ON d.id = c.document_id \
             WHERE c.generation = d.live_generation AND d.live_generation <> 0 AND c.document_id IN ({}) \
             ORDER BY c.document_id, c.ordinal LIMIT {limit}",
            placeholders(1, documents.len())
        );
        let mut q = sqlx::query_as(&sql);
        for id in documents {
            q = q.bind(id);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// Live documents of a corpus sharing their content with another, grouped by hash.
    pub async fn duplicate_documents(&self, corpus: i64, hash: Option<&str>) -> Result<Vec<DocumentRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE d.corpus_id = $1 AND {LIVE} AND ($2 = '' OR d.content_hash = $2) \
             AND ($2 <> '' OR d.content_hash IN (SELECT content_hash FROM documents WHERE corpus_id = $1 AND is_deleted = 0 \
             GROUP BY content_hash HAVING COUNT(*) > 1)) ORDER BY d.content_hash, d.id LIMIT 1000"
        ))
        .bind(corpus)
        .bind(hash.unwrap_or(""))
        .fetch_all(self.pool())
        .await?)
    }

    // ---- the search change log -------------------------------------------------------------

    /// The next `limit` changes after `seq`: (seq, document, whether its text changed).
    pub async fn search_changes_after(&self, seq: i64, limit: i64) -> Result<Vec<(i64, i64, bool)>> {
        let rows: Vec<(i64, i64, String)> =
            sqlx::query_as("SELECT seq, document_id, kind FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(seq)
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, document, kind)| (seq, document, kind != SearchChange::Vectors.as_str()))
            .collect())
    }

    pub async fn last_search_change(&self) -> Result<i64> {
        let (seq,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM search_changes")
            .fetch_one(self.pool())
            .await?;
        Ok(seq.unwrap_or(0))
    }

    /// What the search index should hold for a document now: its live chunks, or nothing.
    pub async fn searchable_chunks(&self, document: i64) -> Result<Vec<IndexedChunk>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            document_id: i64,
            corpus_id: i64,
            organization_id: i64,
            text: String,
            embedding: Option<Vec<u8>>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.id, c.document_id, c.corpus_id, c.organization_id, c.text, c.embedding FROM chunks c \
             JOIN documents d ON d.id = c.document_id \
             WHERE c.document_id = $1 AND d.is_deleted = 0 AND d.live_generation <> 0 AND c.generation = d.live_generation \
             AND c.is_enabled = 1 ORDER BY c.ordinal",
        )
        .bind(document)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| IndexedChunk {
                chunk_id: r.id,
                document_id: r.document_id,
                corpus_id: r.corpus_id,
                organization_id: r.organization_id,
                embedding: r.embedding.as_deref().and_then(super::embeddings::vector_of),
                text: r.text,
            })
            .collect())
    }

    /// Confirms ranked chunks against the database: only live chunks of live documents in live
    /// corpora of the organization come back (so a delete is reflected at once).
    pub async fn hydrate_chunks(&self, org: i64, chunk_ids: &[i64]) -> Result<HashMap<i64, HydratedChunk>> {
        if chunk_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT ch.id, ch.document_id, d.title, ch.corpus_id, ch.page, ch.section, ch.text, \
             CASE WHEN d.content_type = 'weblink' THEN d.source END AS web_address FROM chunks ch \
             JOIN documents d ON d.id = ch.document_id JOIN corpora c ON c.id = d.corpus_id \
             WHERE d.organization_id = $1 AND {LIVE} AND ch.generation = d.live_generation AND ch.is_enabled = 1 \
             AND ch.id IN ({})",
            placeholders(2, chunk_ids.len())
        );
        let mut q = sqlx::query_as::<_, HydratedChunk>(&sql).bind(org);
        for id in chunk_ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(self.pool()).await?.into_iter().map(|c| (c.id, c)).collect())
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HydratedChunk {
    pub id: i64,
    pub document_id: i64,
    pub title: String,
    pub corpus_id: i64,
    pub page: Option<i64>,
    pub section: Option<String>,
    pub text: String,
    pub web_address: Option<String>,
}
