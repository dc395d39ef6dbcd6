//! Sentence embeddings of chunks: the queue of chunks waiting for one (claimed with a lease, so
//! replicas share the work and a dead worker's claim lapses) and the vectors themselves.

use std::collections::BTreeSet;

use super::Store;
use crate::{error::Result, time_fmt};

/// A live chunk without an embedding, claimed for this worker.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChunkToEmbed {
    pub id: i64,
    pub document_id: i64,
    pub text: String,
}

/// A vector as stored: little-endian f32s.
pub fn vector_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The vector stored as `bytes`; `None` for bytes that are not whole f32s.
pub fn vector_of(bytes: &[u8]) -> Option<Vec<f32>> {
    bytes.len().is_multiple_of(4).then(|| {
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    })
}

impl Store {
    /// Claims up to `limit` chunks of live documents that have no embedding yet (oldest first),
    /// for `lease_secs`; another worker's lapsed claim may be taken over.
    pub async fn claim_chunks_to_embed(&self, limit: i64, lease_secs: i64) -> Result<Vec<ChunkToEmbed>> {
        let now = time_fmt::now();
        let skip_locked = match self.db().backend {
            crate::db::Backend::Postgres => "FOR UPDATE OF c SKIP LOCKED",
            crate::db::Backend::Sqlite => "",
        };
        let claimable = "c.embedding IS NULL AND (c.embedding_claim IS NULL OR c.embedding_claim < $1)";
        let mut tx = self.db.write().await?;
        let claimed: Vec<ChunkToEmbed> = sqlx::query_as(&format!(
            "UPDATE chunks SET embedding_claim = $2 WHERE id IN (SELECT c.id FROM chunks c \
             JOIN documents d ON d.id = c.document_id \
             WHERE {claimable} AND c.generation = d.live_generation AND d.is_deleted = 0 \
             ORDER BY c.id LIMIT $3 {skip_locked}) \
             RETURNING id, document_id, text"
        ))
        .bind(&now)
        .bind(time_fmt::from_now(time::Duration::seconds(lease_secs)))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Stores the vectors `model` made for claimed chunks (a chunk deleted meanwhile is simply
    /// gone) and logs a search change for each document, so every server's vector index takes
    /// them in.
    pub async fn store_embeddings(&self, model: &str, vectors: &[(ChunkToEmbed, Vec<f32>)]) -> Result<()> {
        if vectors.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.write().await?;
        let mut documents = BTreeSet::new();
        for (chunk, vector) in vectors {
            let stored = sqlx::query(
                "UPDATE chunks SET embedding = $1, embedding_model = $2, embedding_claim = NULL WHERE id = $3",
            )
            .bind(vector_bytes(vector))
            .bind(model)
            .bind(chunk.id)
            .execute(&mut *tx)
            .await?;
            if stored.rows_affected() == 1 {
                documents.insert(chunk.document_id);
            }
        }
        for document in documents {
            self.log_search_change(&mut tx, document, super::documents::SearchChange::Vectors)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops the embeddings another model made: vectors of two models are not comparable, so
    /// after a change of model every chunk is embedded again. Returns how many were dropped.
    pub async fn forget_embeddings_not_of(&self, model: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE chunks SET embedding = NULL, embedding_model = NULL, embedding_claim = NULL \
             WHERE embedding_model IS NOT NULL AND embedding_model <> $1",
        )
        .bind(model)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// How many live chunks of `corpus` have an embedding, and how many there are.
    pub async fn embedded_chunks(&self, corpus: i64) -> Result<(i64, i64)> {
        let (embedded, total): (i64, i64) = sqlx::query_as(
            // From the corpus's documents to their live chunks, both by index.
            "SELECT COALESCE(SUM(CASE WHEN c.embedding IS NULL THEN 0 ELSE 1 END), 0), COUNT(*) FROM documents d \
             JOIN chunks c ON c.document_id = d.id AND c.generation = d.live_generation \
             WHERE d.corpus_id = $1 AND d.is_deleted = 0",
        )
        .bind(corpus)
        .fetch_one(self.pool())
        .await?;
        Ok((embedded, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_through_their_bytes() {
        let v = vec![0.25_f32, -1.5, f32::MIN_POSITIVE, 3.0e7];
        assert_eq!(vector_of(&vector_bytes(&v)), Some(v));
        assert_eq!(vector_of(&[1, 2, 3]), None);
    }
}
