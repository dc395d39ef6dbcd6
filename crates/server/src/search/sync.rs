//! Keeps this server's indexes in step with the database's `search_changes` log, and answers
//! searches from them by words, by meaning or both.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use tokio::sync::{Notify, watch};

use ejento_api::{RetrievalMode, RetrievedChunk};

use super::{
    Hit, Retriever, Scope,
    hybrid::{self, Fused},
    vectors::VectorIndex,
};
use crate::{embeddings::Embedder, store::Store};

/// How long a search waits for changes committed just before it to become searchable here.
const CATCH_UP: Duration = Duration::from_secs(3);

/// How often an idle server looks for changes made by other replicas.
const POLL: Duration = Duration::from_secs(2);
const BATCH: i64 = 500;

/// Retrieval by meaning: the model that embeds questions (and, in the embedding worker,
/// passages) and this server's index of the passages' vectors.
pub struct Meaning {
    pub embedder: Arc<dyn Embedder>,
    pub index: VectorIndex,
}

pub struct SearchSync {
    store: Store,
    retriever: Arc<dyn Retriever>,
    /// None: no embedding model here; every search is by words.
    meaning: Option<Arc<Meaning>>,
    wake: Notify,
    /// Chunks were made live: the embedding worker has work.
    new_chunks: Notify,
    /// The change-log position both indexes have applied.
    applied: watch::Sender<i64>,
}

impl SearchSync {
    pub fn new(store: Store, retriever: Arc<dyn Retriever>, embedder: Option<Arc<dyn Embedder>>) -> Arc<Self> {
        let meaning = embedder.map(|embedder| {
            Arc::new(Meaning {
                index: VectorIndex::new(embedder.dimensions()),
                embedder,
            })
        });
        let applied = watch::Sender::new(Self::both_applied(&retriever, &meaning));
        Arc::new(Self {
            store,
            retriever,
            meaning,
            wake: Notify::new(),
            new_chunks: Notify::new(),
            applied,
        })
    }

    fn both_applied(retriever: &Arc<dyn Retriever>, meaning: &Option<Arc<Meaning>>) -> i64 {
        let words = retriever.applied_seq();
        meaning.as_ref().map_or(words, |m| m.index.applied_seq().min(words))
    }

    /// The model questions and passages are embedded with; None: search is by words only.
    pub fn embedding_model(&self) -> Option<String> {
        self.meaning.as_ref().map(|m| m.embedder.name().to_string())
    }

    /// The embedder, for the embedding worker and the answerer's choice of sentences.
    pub fn embedder(&self) -> Option<Arc<dyn Embedder>> {
        self.meaning.as_ref().map(|m| m.embedder.clone())
    }

    /// Something changed: apply it now rather than at the next poll.
    pub fn poke(&self) {
        self.wake.notify_one();
        self.new_chunks.notify_one();
    }

    /// Waits until something may have made chunks live, or `at_most`.
    pub async fn chunks_added(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.new_chunks.notified()).await;
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

    /// Applies the next batch of changes to whichever index lacks them (the vector index
    /// lives in memory, so after a start it replays the log the BM25 index has on disk); false
    /// when there were none.
    async fn step(&self) -> anyhow::Result<bool> {
        let words_at = self.retriever.applied_seq();
        let meaning_at = self.meaning.as_ref().map(|m| m.index.applied_seq());
        let after = meaning_at.map_or(words_at, |m| m.min(words_at));
        let changes = self.store.search_changes_after(after, BATCH).await?;
        let Some(&(last, _, _)) = changes.last() else {
            return Ok(false);
        };
        // Each document once: the latest change that names it, and the latest that changed its
        // text (a change of embeddings alone leaves the BM25 index as it is).
        let mut documents: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for &(seq, document, text_changed) in &changes {
            let latest = documents.entry(document).or_insert((0, 0));
            latest.0 = seq;
            if text_changed {
                latest.1 = seq;
            }
        }
        let (mut for_words, mut for_meaning) = (Vec::new(), Vec::new());
        for (document, (seq, text_seq)) in documents {
            let for_meaning_too = meaning_at.is_some_and(|at| seq > at);
            let for_words_too = text_seq > words_at;
            if !for_meaning_too && !for_words_too {
                continue;
            }
            let chunks = self.store.searchable_chunks(document).await?;
            if for_meaning_too {
                for_meaning.push((document, chunks.clone()));
            }
            if for_words_too {
                for_words.push((document, chunks));
            }
        }
        let (retriever, meaning) = (self.retriever.clone(), self.meaning.clone());
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            if last > words_at {
                retriever.apply(&for_words, last)?;
            }
            if let Some(meaning) = meaning {
                meaning.index.apply(&for_meaning, last);
            }
            Ok(())
        })
        .await??;
        self.applied.send_replace(last);
        Ok(true)
    }

    /// Waits (briefly) until every change committed so far is searchable here, so a caller
    /// that just saw a document become indexed also finds it.
    pub async fn catch_up(&self, within: Duration) -> anyhow::Result<()> {
        let target = self.store.last_search_change().await?;
        if Self::both_applied(&self.retriever, &self.meaning) >= target {
            return Ok(());
        }
        self.poke();
        let mut rx = self.applied.subscribe();
        let _ = tokio::time::timeout(within, rx.wait_for(|seq| *seq >= target)).await;
        Ok(())
    }

    /// The best `limit` chunks for `query` in `scope` by `mode` (by words when this server has
    /// no embedding model, or the question cannot be embedded right now), confirmed live by the
    /// database: a document deleted a moment ago is never returned, even before the index has
    /// caught up.
    pub async fn retrieve(
        &self,
        scope: &Scope,
        query: &str,
        settings: Retrieval,
    ) -> crate::error::Result<Vec<RetrievedChunk>> {
        let Retrieval {
            limit,
            mode,
            min_relevance,
        } = settings;
        self.catch_up(CATCH_UP).await?;
        // Ask for more than needed: some hits may be gone from the database already.
        let wanted = limit * 2 + 5;
        let question = match (&self.meaning, mode.uses_meaning()) {
            (Some(meaning), true) => self.embed_question(meaning, query).await,
            _ => None,
        };
        let ranked: Vec<Fused> = match (question, mode) {
            (Some((meaning, vector)), RetrievalMode::Semantic) => {
                let near = by_meaning(meaning, scope, vector, wanted).await?;
                ranked_alone(&near, false)
            }
            (Some((meaning, vector)), _) => {
                let candidates = hybrid::CANDIDATES.max(wanted);
                let near = by_meaning(meaning, scope, vector, candidates).await?;
                let words = self.by_words(scope, query, candidates).await?;
                hybrid::fuse(&words, &near, hybrid::MEANING_WEIGHT)
            }
            (None, _) => ranked_alone(&self.by_words(scope, query, wanted).await?, true),
        };
        let ranked = relevant(ranked, min_relevance);
        let ids: Vec<i64> = ranked.iter().map(|h| h.chunk_id).collect();
        let mut live = self.store.hydrate_chunks(scope.organization_id, &ids).await?;
        Ok(ranked
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
                    keyword_rank: h.keyword_rank,
                    vector_rank: h.vector_rank,
                })
            })
            .take(limit)
            .collect())
    }

    async fn by_words(&self, scope: &Scope, query: &str, limit: usize) -> crate::error::Result<Vec<Hit>> {
        let retriever = self.retriever.clone();
        let (scope, query) = (scope.clone(), query.to_string());
        Ok(
            tokio::task::spawn_blocking(move || retriever.search(&scope, &query, limit))
                .await
                .map_err(anyhow::Error::from)??,
        )
    }

    /// The question's vector; None (search by words) when the model fails on it, which is
    /// logged: an answer by words beats no answer.
    async fn embed_question(&self, meaning: &Arc<Meaning>, query: &str) -> Option<(Arc<Meaning>, Vec<f32>)> {
        match meaning.embedder.embed(vec![query.to_string()]).await {
            Ok(mut vectors) if vectors.len() == 1 => Some((meaning.clone(), vectors.remove(0))),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "the question could not be embedded; searching by words");
                None
            }
        }
    }
}

/// The passages of `scope` nearest in meaning, down to [`hybrid::MIN_COSINE`].
async fn by_meaning(
    meaning: Arc<Meaning>,
    scope: &Scope,
    vector: Vec<f32>,
    limit: usize,
) -> crate::error::Result<Vec<Hit>> {
    let scope = scope.clone();
    let mut near = tokio::task::spawn_blocking(move || meaning.index.search(&scope, &vector, limit))
        .await
        .map_err(anyhow::Error::from)?;
    near.retain(|h| h.score >= hybrid::MIN_COSINE);
    Ok(near)
}

/// One ranking as it is, with each hit's place in it.
/// How many passages to find, how, and how relevant each must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retrieval {
    pub limit: usize,
    pub mode: RetrievalMode,
    /// 0–1; 0 keeps every passage found.
    pub min_relevance: f64,
}

impl Retrieval {
    pub fn new(limit: usize, mode: RetrievalMode) -> Self {
        Self {
            limit,
            mode,
            min_relevance: 0.0,
        }
    }
}

/// The hits at least `min` relevant: by the fused score or the cosine where meaning ranked
/// them, by the BM25 score relative to the best hit where only words did (BM25 has no scale
/// of its own).
fn relevant(ranked: Vec<Fused>, min: f64) -> Vec<Fused> {
    if min <= 0.0 {
        return ranked;
    }
    let by_words_only = ranked.iter().all(|h| h.vector_rank.is_none());
    let best = ranked.first().map_or(1.0, |h| f64::from(h.score).max(f64::EPSILON));
    ranked
        .into_iter()
        .filter(|h| {
            let relevance = if by_words_only {
                f64::from(h.score) / best
            } else {
                f64::from(h.score)
            };
            relevance + 1e-9 >= min
        })
        .collect()
}

fn ranked_alone(hits: &[Hit], by_words: bool) -> Vec<Fused> {
    hits.iter()
        .enumerate()
        .map(|(i, h)| {
            let rank = Some(i as u32 + 1);
            Fused {
                chunk_id: h.chunk_id,
                document_id: h.document_id,
                score: h.score,
                keyword_rank: if by_words { rank } else { None },
                vector_rank: if by_words { None } else { rank },
            }
        })
        .collect()
}
