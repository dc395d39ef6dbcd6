//! The indexing pipeline: workers claim jobs from the durable queue in the database, take the
//! stored original (or fetch the web link), parse, chunk and write chunks, then make them live
//! in one transaction. A worker holds a lease it renews while it works; if it dies, the lease
//! expires and another worker (on this or another server) starts the job again. Chunks of an
//! unfinished attempt are never live, so nothing half-indexed is ever searchable.
//!
//! Parsing and chunking run in a child process ([`sandbox`]): the async runtime only moves
//! bytes, and a file that exhausts its parser's memory or time fails alone. Every claim of a
//! job counts as an attempt; past `EJENTO_INDEX_MAX_ATTEMPTS` the job ends `failed` with its
//! last reason, so no file can hold a server in a crash loop.

pub mod fetch;
pub mod sandbox;
pub mod starters;

pub use ejento_parse::{self as parse, chunk};

use std::{sync::Arc, time::Duration};

use ejento_api::ChunkSizing;
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, Semaphore};

use crate::{
    config::Config,
    objects::Objects,
    outbound::Outbound,
    search::sync::SearchSync,
    store::{ClaimedJob, Refetched, Store},
    time_fmt,
};

const CHUNK_BATCH: usize = 100;

#[derive(Clone)]
pub struct Indexer {
    store: Store,
    objects: Objects,
    search: Arc<SearchSync>,
    config: Arc<Config>,
    sandbox: sandbox::ParseSandbox,
    outbound: Outbound,
    wake: Arc<Notify>,
    /// Previews run parse children on request: at most this many at once on this server.
    previews: Arc<Semaphore>,
}

/// Parse children a server runs for previews at once (each may use a core and its memory
/// budget); more wait their turn, up to [`PREVIEW_WAIT`].
const PREVIEW_SLOTS: usize = 2;
const PREVIEW_WAIT: Duration = Duration::from_secs(15);

/// Why a preview could not be made.
pub enum PreviewError {
    /// Every preview slot stayed busy.
    Busy,
    /// The document cannot be read: the same reason indexing would give.
    Failed(sandbox::ParseFailure),
}

/// How a job ended, short of success.
enum JobError {
    /// The content cannot be indexed as it is; the reason is for the person who added it.
    Unindexable(String),
    /// Another worker owns the job now, or the document was deleted meanwhile.
    Lost,
    /// Something that may pass (database, object store); the job goes back to the queue.
    Passing(anyhow::Error),
}

impl From<crate::error::Error> for JobError {
    fn from(e: crate::error::Error) -> Self {
        JobError::Passing(anyhow::anyhow!("{e}: {e:?}"))
    }
}

impl From<anyhow::Error> for JobError {
    fn from(e: anyhow::Error) -> Self {
        JobError::Passing(e)
    }
}

impl From<sandbox::ParseFailure> for JobError {
    fn from(failure: sandbox::ParseFailure) -> Self {
        if failure.is_final() {
            JobError::Unindexable(failure.reason())
        } else {
            JobError::Passing(anyhow::anyhow!(failure.reason()))
        }
    }
}

pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Indexer {
    pub fn new(
        store: Store,
        objects: Objects,
        search: Arc<SearchSync>,
        config: Arc<Config>,
        outbound: Outbound,
    ) -> Self {
        Self {
            store,
            objects,
            search,
            sandbox: sandbox::ParseSandbox::from_config(&config),
            config,
            outbound,
            wake: Arc::new(Notify::new()),
            previews: Arc::new(Semaphore::new(PREVIEW_SLOTS)),
        }
    }

    /// Cuts `bytes` into chunks exactly as indexing would (the same sandboxed child), without
    /// storing anything.
    pub async fn preview(
        &self,
        format: &str,
        sizing: ChunkSizing,
        bytes: bytes::Bytes,
    ) -> Result<Vec<chunk::Chunk>, PreviewError> {
        let _slot = tokio::time::timeout(PREVIEW_WAIT, self.previews.acquire())
            .await
            .map_err(|_| PreviewError::Busy)?
            .expect("the semaphore is never closed");
        self.sandbox
            .chunks(format, sizing, bytes)
            .await
            .map_err(PreviewError::Failed)
    }

    /// A job was queued: a sleeping worker should look now.
    pub fn poke(&self) {
        self.wake.notify_waiters();
    }

    /// Starts the workers and the refresh scheduler on the current runtime.
    pub fn start(&self) {
        for _ in 0..self.config.index_workers.max(1) {
            tokio::spawn(self.clone().work());
        }
        tokio::spawn(self.clone().schedule_refreshes());
    }

    async fn work(self) {
        loop {
            match self.store.claim_job(self.config.index_lease_secs).await {
                Ok(Some(job)) => self.run(job).await,
                Ok(None) => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "could not read the indexing queue");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    }

    async fn run(&self, job: ClaimedJob) {
        let max_attempts = self.config.index_max_attempts.max(1);
        if job.attempts > max_attempts {
            // Every earlier attempt ended without a word: the server (or its worker) died.
            let reason = match &job.last_error {
                Some(last) => format!(
                    "Indexing was started {max_attempts} times without finishing (the server stopped while \
                     indexing it); the last error was: {last}"
                ),
                None => format!(
                    "The server stopped while indexing this document {max_attempts} times, so it is not \
                     tried again; the file may be too large or complex to read."
                ),
            };
            tracing::error!(
                document = job.document_id,
                attempts = job.attempts,
                "indexing gave up after crashes"
            );
            if let Err(e) = self.store.fail_job(&job, &reason).await {
                tracing::error!(error = %e, "could not record the end of an indexing job");
            }
            self.search.poke();
            return;
        }
        let lease = self.config.index_lease_secs;
        let heartbeat = {
            let (store, job) = (self.store.clone(), job.clone());
            tokio::spawn(async move {
                let every = Duration::from_millis((lease as u64 * 1000 / 3).max(200));
                loop {
                    tokio::time::sleep(every).await;
                    if !matches!(store.renew_lease(&job, lease).await, Ok(true)) {
                        break;
                    }
                }
            })
        };
        let outcome = self.process(&job).await;
        heartbeat.abort();
        let ended = match outcome {
            Ok(()) => Ok(()),
            Err(JobError::Lost) => self.store.discard_chunks(&job).await,
            Err(JobError::Unindexable(reason)) => self.store.fail_job(&job, &reason).await,
            Err(JobError::Passing(e)) if job.attempts >= max_attempts => {
                tracing::error!(document = job.document_id, error = %e, "indexing gave up");
                self.store
                    .fail_job(
                        &job,
                        &format!("Indexing failed {max_attempts} times; the last error was: {e}"),
                    )
                    .await
            }
            Err(JobError::Passing(e)) => {
                tracing::warn!(document = job.document_id, error = %e, "indexing will be retried");
                tokio::time::sleep(Duration::from_secs(job.attempts as u64)).await;
                self.store.release_job(&job, &e.to_string()).await
            }
        };
        if let Err(e) = ended {
            tracing::error!(error = %e, "could not record the end of an indexing job");
        }
        self.search.poke();
    }

    async fn step(&self, job: &ClaimedJob, step: &str, progress: i64, message: Option<&str>) -> Result<(), JobError> {
        if self.store.set_step(job, step, progress, message).await? {
            Ok(())
        } else {
            Err(JobError::Lost)
        }
    }

    async fn process(&self, job: &ClaimedJob) -> Result<(), JobError> {
        let Some((mut doc, indexing_mode, deleted)) = self.store.document_for_indexing(job.document_id).await? else {
            return Err(JobError::Lost);
        };
        if deleted {
            self.store.close_job(job, None).await?;
            return Ok(());
        }
        if job.kind == "refetch" {
            self.step(job, "parsing", 5, Some(&format!("Fetching {}", doc.source)))
                .await?;
            let limits = fetch::FetchLimits {
                max_bytes: self.config.max_upload_bytes(),
                timeout: Duration::from_secs(self.config.weblink_timeout_secs),
            };
            // Only a document that is indexed may skip work when the page is unchanged.
            let indexed = doc.indexed_on.is_some() && doc.chunk_count > 0;
            let previous = indexed.then_some((doc.etag.as_deref(), doc.last_modified.as_deref()));
            let fetched = match fetch::fetch(&self.outbound, &doc.source, limits, previous).await {
                Ok(f) => f,
                // A page that cannot be fetched right now does not take the indexed version down.
                Err(reason) if indexed => {
                    let message = format!("Refresh failed: {reason} The previous version stays searchable.");
                    self.store.close_job(job, Some(&message)).await?;
                    return Ok(());
                }
                Err(reason) => return Err(JobError::Unindexable(reason)),
            };
            match fetched {
                fetch::Fetched::NotModified => {
                    self.store
                        .close_job(job, Some("The web page has not changed (ETag / Last-Modified)."))
                        .await?;
                    return Ok(());
                }
                fetch::Fetched::Content {
                    bytes,
                    format,
                    etag,
                    last_modified,
                } => {
                    let hash = content_hash(&bytes);
                    if indexed && hash == doc.content_hash {
                        self.store
                            .close_job(job, Some("The web page's content has not changed."))
                            .await?;
                        return Ok(());
                    }
                    let key = Objects::new_key(doc.organization_id, doc.corpus_id);
                    let size = bytes.len() as i64;
                    self.objects.put(&key, bytes).await?;
                    let refetched = Refetched {
                        format: format.to_string(),
                        size_bytes: size,
                        content_hash: hash,
                        object_key: key.clone(),
                        etag,
                        last_modified,
                    };
                    self.store.record_refetch(doc.id, &refetched).await?;
                    if !doc.object_key.is_empty() {
                        self.objects.delete(&doc.object_key).await;
                    }
                    doc.format = refetched.format;
                    doc.object_key = key;
                }
            }
        }
        self.step(job, "parsing", 10, Some(&format!("Reading the {} content", doc.format)))
            .await?;
        let bytes = self.objects.get(&doc.object_key).await?;
        let sizing = doc
            .chunk_sizing()
            .unwrap_or_else(|| ChunkSizing::of_indexing_mode(indexing_mode));
        let chunks = self.sandbox.chunks(&doc.format, sizing, bytes).await?;
        self.step(job, "chunking", 40, Some("Split into chunks")).await?;
        self.step(
            job,
            "indexing",
            50,
            Some(&format!(
                "Writing {}",
                ejento_api::text::count(chunks.len() as u64, "chunk", "chunks")
            )),
        )
        .await?;
        let pause = Duration::from_millis(self.config.index_batch_pause_ms);
        for (i, batch) in chunks.chunks(CHUNK_BATCH).enumerate() {
            self.store.insert_chunks(&doc, job.lease_token, batch).await?;
            let written = (i * CHUNK_BATCH + batch.len()) as i64;
            self.step(job, "indexing", 50 + 45 * written / chunks.len().max(1) as i64, None)
                .await?;
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
        if self.store.finish_job(job, chunks.len() as i64).await? {
            Ok(())
        } else {
            Err(JobError::Lost)
        }
    }

    /// Queues web links of refresh-enabled corpora that are due, once a minute (or once per
    /// refresh interval, when that is shorter).
    async fn schedule_refreshes(self) {
        let every = Duration::from_secs(self.config.refresh_interval_secs.clamp(1, 60) as u64);
        loop {
            tokio::time::sleep(every).await;
            let before = time_fmt::from_now(time::Duration::seconds(-self.config.refresh_interval_secs));
            let queued = match self.store.due_weblinks(&before).await {
                Ok(ids) if !ids.is_empty() => self.store.reindex(&ids, "Scheduled refresh of the web link").await,
                Ok(_) => Ok(0),
                Err(e) => Err(e),
            };
            match queued {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(documents = n, "scheduled web link refresh");
                    self.poke();
                }
                Err(e) => tracing::error!(error = %e, "could not schedule web link refreshes"),
            }
        }
    }
}
