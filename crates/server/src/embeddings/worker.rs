//! The embedding worker: gives every live chunk its sentence embedding, after its document is
//! already searchable by words. Each server runs one; chunks are claimed with a lease in the
//! database, so replicas share the work and a dead server's claims lapse to another.

use std::{sync::Arc, time::Duration};

use super::Embedder;
use crate::{search::sync::SearchSync, store::Store};

/// Chunks embedded at once: the local model's cost grows with the batch, so a batch is a few
/// seconds of work on two cores and a claim outlives it comfortably.
const BATCH: i64 = 16;
const CLAIM_SECS: i64 = 120;
/// Without news of new chunks, look again this often (another server may have died holding
/// claims, or indexed documents it then could not embed).
const IDLE: Duration = Duration::from_secs(15);
/// The server setting naming the model whose vectors the chunks hold.
const EMBEDDING_MODEL_SETTING: &str = "embedding_model";

pub struct EmbeddingWorker {
    store: Store,
    search: Arc<SearchSync>,
    embedder: Arc<dyn Embedder>,
}

impl EmbeddingWorker {
    pub fn new(store: Store, search: Arc<SearchSync>, embedder: Arc<dyn Embedder>) -> Self {
        Self {
            store,
            search,
            embedder,
        }
    }

    pub async fn run(self) {
        let model = self.embedder.vectors_id();
        if let Err(e) = self.forget_other_models(&model).await {
            tracing::error!(error = %e, "could not drop the embeddings of an earlier model");
        }
        loop {
            match self.step(&model).await {
                Ok(true) => continue,
                Ok(false) => self.search.chunks_added(IDLE).await,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "embedding chunks failed; retrying");
                    tokio::time::sleep(Duration::from_secs(10)).await;
                }
            }
        }
    }

    /// After a change of model, drops the vectors the earlier one made. The model is remembered
    /// in the database, so a start with the same model does not read every chunk to check.
    async fn forget_other_models(&self, model: &str) -> anyhow::Result<()> {
        if self.store.setting_or_init(EMBEDDING_MODEL_SETTING, model).await? == model {
            return Ok(());
        }
        let dropped = self.store.forget_embeddings_not_of(model).await?;
        self.store.set_setting(EMBEDDING_MODEL_SETTING, model).await?;
        tracing::info!(chunks = dropped, %model, "the embedding model changed: chunks are embedded again");
        Ok(())
    }

    /// Embeds one batch; false when no chunk was waiting.
    async fn step(&self, model: &str) -> anyhow::Result<bool> {
        let chunks = self.store.claim_chunks_to_embed(BATCH, CLAIM_SECS).await?;
        if chunks.is_empty() {
            return Ok(false);
        }
        let texts = chunks.iter().map(|c| c.text.clone()).collect();
        let vectors = self.embedder.embed(texts).await?;
        anyhow::ensure!(
            vectors.len() == chunks.len(),
            "the model returned a vector count that was not asked"
        );
        let embedded: Vec<_> = chunks.into_iter().zip(vectors).collect();
        self.store.store_embeddings(model, &embedded).await?;
        self.search.poke();
        Ok(true)
    }
}
