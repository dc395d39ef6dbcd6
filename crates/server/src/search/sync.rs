//! Keeps this server's index in step with the database's `search_changes` log.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use tokio::sync::{Notify, watch};

use ejento_api::RetrievedChunk;

use super::{IndexedChunk, Retriever, Scope};
use crate::store::Store;

/// How long a search waits for changes committed just before it to become searchable here.
const CATCH_UP: Duration = Duration::from_secs(3);

/// How often an idle server looks for changes made by other replicas.
const POLL: Duration = Duration::from_secs(2);
const BATCH: i64 = 500;

pub struct SearchSync {
    store: Store,
    retriever: Arc<dyn Retriever>,
    wake: Notify,
    applied: watch::Sender<i64>,
}

impl SearchSync {
    pub fn new(store: Store, retriever: Arc<dyn Retriever>) -> Arc<Self> {
        let applied = watch::Sender::new(retriever.applied_seq());
        Arc::new(Self {
            store,
            retriever,
            wake: Notify::new(),
            applied,
        })
    }

    /// Something changed: apply it now rather than at the next poll.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    pub async fn run(self: Arc<Self>) {
        loop {
            match self.step().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "search index update failed; retrying"),
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Applies the next batch of changes; false when there were none.
    async fn step(&self) -> anyhow::Result<bool> {
        let after = self.retriever.applied_seq();
        let changes = self.store.search_changes_after(after, BATCH).await?;
        let Some(&(last, _)) = changes.last() else {
            return Ok(false);
        };
        let documents: BTreeSet<i64> = changes.iter().map(|(_, d)| *d).collect();
        let mut batch: Vec<(i64, Vec<IndexedChunk>)> = Vec::with_capacity(documents.len());
        for document in documents {
            batch.push((document, self.store.searchable_chunks(document).await?));
        }
        let retriever = self.retriever.clone();
        tokio::task::spawn_blocking(move || retriever.apply(&batch, last)).await??;
        self.applied.send_replace(last);
        Ok(true)
    }

    /// Waits (briefly) until every change committed so far is searchable here, so a caller
    /// that just saw a document become indexed also finds it.
    pub async fn catch_up(&self, within: Duration) -> anyhow::Result<()> {
        let target = self.store.last_search_change().await?;
        if self.retriever.applied_seq() >= target {
            return Ok(());
        }
        self.poke();
        let mut rx = self.applied.subscribe();
        let _ = tokio::time::timeout(within, rx.wait_for(|seq| *seq >= target)).await;
        Ok(())
    }

    /// The best `limit` chunks for `query` in `scope`, confirmed live by the database: a
    /// document deleted a moment ago is never returned, even before the index has caught up.
    pub async fn retrieve(
        &self,
        scope: &Scope,
        query: &str,
        limit: usize,
    ) -> crate::error::Result<Vec<RetrievedChunk>> {
        self.catch_up(CATCH_UP).await?;
        let retriever = self.retriever.clone();
        let (scope_owned, query_owned) = (scope.clone(), query.to_string());
        // Ask for more than needed: some hits may be gone from the database already.
        let hits = tokio::task::spawn_blocking(move || retriever.search(&scope_owned, &query_owned, limit * 2 + 5))
            .await
            .map_err(anyhow::Error::from)??;
        let ids: Vec<i64> = hits.iter().map(|h| h.chunk_id).collect();
        let mut live = self.store.hydrate_chunks(scope.organization_id, &ids).await?;
        Ok(hits
            .into_iter()
            .filter_map(|h| {
                let c = live.remove(&h.chunk_id)?;
                Some(RetrievedChunk {
                    chunk_id: c.id,
                    document_id: c.document_id,
                    document_title: c.title,
                    corpus_id: c.corpus_id,
                    page: c.page,
                    section: c.section,
                    text: c.text,
                    score: h.score,
                    web_address: c.web_address,
                })
            })
            .take(limit)
            .collect())
    }
}
