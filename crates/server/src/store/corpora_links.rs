//! Agent ↔ corpus connections. Corpora themselves arrive with the corpus feature; every agent
//! already has its default corpus.

use ejento_api::CorpusConnection;

use super::Store;
use crate::{error::Result, time_fmt};

const SELECT: &str = "SELECT ac.agent_id, ac.corpus_id, c.name, ac.is_enabled, ac.is_default, ac.connected_by, ac.created_on \
     FROM agent_corpora ac JOIN corpora c ON c.id = ac.corpus_id AND c.is_deleted = 0";

type Row = (i64, i64, String, i64, i64, String, String);

fn wire((agent_id, corpus_id, corpus_name, enabled, default, connected_by, created_on): Row) -> CorpusConnection {
    CorpusConnection {
        agent_id,
        corpus_id,
        corpus_name,
        is_enabled: enabled != 0,
        is_default: default != 0,
        connected_by,
        created_on,
    }
}

impl Store {
    /// Connections of an agent; `enabled_only` keeps those used at query time.
    pub async fn agent_connections(&self, agent: i64, enabled_only: bool) -> Result<Vec<CorpusConnection>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE ac.agent_id = $1 AND ($2 = 0 OR ac.is_enabled = 1) ORDER BY ac.is_default DESC, c.name"
        ))
        .bind(agent)
        .bind(enabled_only as i64)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(wire).collect())
    }

    pub async fn agent_connection(&self, agent: i64, corpus: i64) -> Result<Option<CorpusConnection>> {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE ac.agent_id = $1 AND ac.corpus_id = $2"))
            .bind(agent)
            .bind(corpus)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(wire))
    }

    pub async fn connect_corpus(&self, agent: i64, corpus: i64, by: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO agent_corpora (agent_id, corpus_id, is_enabled, is_default, connected_by, created_on) \
             VALUES ($1, $2, 1, 0, $3, $4) ON CONFLICT (agent_id, corpus_id) DO NOTHING",
        )
        .bind(agent)
        .bind(corpus)
        .bind(by)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_connection_enabled(&self, agent: i64, corpus: i64, enabled: bool) -> Result<bool> {
        let done = sqlx::query("UPDATE agent_corpora SET is_enabled = $1 WHERE agent_id = $2 AND corpus_id = $3")
            .bind(enabled as i64)
            .bind(agent)
            .bind(corpus)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Disconnects corpora (never the default one); returns how many were removed.
    pub async fn disconnect_corpora(&self, agent: i64, corpora: &[i64]) -> Result<u64> {
        let mut tx = self.pool().begin().await?;
        let mut removed = 0;
        for corpus in corpora {
            removed +=
                sqlx::query("DELETE FROM agent_corpora WHERE agent_id = $1 AND corpus_id = $2 AND is_default = 0")
                    .bind(agent)
                    .bind(*corpus)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
        }
        tx.commit().await?;
        Ok(removed)
    }
}
