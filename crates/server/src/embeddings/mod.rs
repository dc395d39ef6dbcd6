//! Sentence embeddings, for retrieval by meaning beside BM25's retrieval by words. One trait, so
//! that the local model (the default, offline) and an operator's remote endpoint are
//! interchangeable; vectors are always unit length, so a dot product is their cosine.

pub mod minilm;
pub mod remote;
pub mod worker;

use std::{path::Path, sync::Arc};

use futures_util::future::BoxFuture;

pub trait Embedder: Send + Sync {
    /// The model's name (a deployment's name when remote), as shown in an agent's retrieval settings.
    fn name(&self) -> &str;
    fn dimensions(&self) -> usize;
    /// What its vectors are stored under: vectors stored under another name came from another
    /// model and are not comparable with these.
    fn vectors_id(&self) -> String {
        self.name().to_string()
    }
    /// One unit-length vector per text, in order.
    fn embed(&self, texts: Vec<String>) -> BoxFuture<'_, anyhow::Result<Vec<Vec<f32>>>>;
}

/// all-MiniLM-L6-v2 in this process, run on the blocking pool (its cost grows with the text).
pub struct Local {
    model: Arc<minilm::MiniLm>,
}

impl Local {
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            model: Arc::new(minilm::MiniLm::load(dir)?),
        })
    }
}

impl Embedder for Local {
    fn name(&self) -> &str {
        minilm::NAME
    }

    fn dimensions(&self) -> usize {
        minilm::DIMENSIONS
    }

    fn embed(&self, texts: Vec<String>) -> BoxFuture<'_, anyhow::Result<Vec<Vec<f32>>>> {
        let model = self.model.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                model.embed(&texts)
            })
            .await?
        })
    }
}

/// The local model from `dir`, or `None` with the reason in the log: retrieval is then by
/// keywords only (BM25), which keeps working.
pub fn open_local(dir: Option<&Path>) -> Option<Arc<dyn Embedder>> {
    let Some(dir) = dir else {
        tracing::info!("EJENTO_EMBEDDING_MODEL_DIR is off: retrieval is by keywords only (BM25)");
        return None;
    };
    match Local::load(dir) {
        Ok(local) => {
            tracing::info!(model = minilm::NAME, dir = %dir.display(), "embedding model loaded");
            Some(Arc::new(local))
        }
        Err(error) => {
            tracing::warn!(
                dir = %dir.display(),
                "the embedding model cannot be used ({error:#}); retrieval is by keywords only (BM25). \
                 `scripts/setup.sh` installs the model, or set EJENTO_EMBEDDING_MODEL_DIR"
            );
            None
        }
    }
}
