//! Agent ↔ corpus connections. Corpora themselves arrive with the corpus feature; every agent
//! already has its default corpus.

use ejento_api::{ConnectedCorpus, ConnectionAgent, CorpusConnection, IndexingMode};

use super::{Store, pagination::placeholders};
use crate::{error::Result, time_fmt};

const SELECT: &str = "SELECT ac.id, ac.agent_id, ac.corpus_id, c.name, c.description, c.indexing_mode_id, \
     c.corpus_type, c.is_public, c.owner_id, ac.is_enabled, ac.is_default, ac.connected_by, \
     (SELECT u.id FROM users u WHERE u.email = ac.connected_by AND u.organization_id = c.organization_id) AS connected_by_id, \
     ac.created_on, ac.modified_by, ac.modified_on \
     FROM agent_corpora ac JOIN corpora c ON c.id = ac.corpus_id AND c.is_deleted = 0";

/// An agent's connection to a corpus as stored; [`Connection::into_wire`] nests the agent.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    agent_id: i64,
    corpus_id: i64,
    name: String,
    description: String,
    indexing_mode_id: i64,
    corpus_type: String,
    is_public: i64,
    owner_id: i64,
    is_enabled: i64,
    is_default: i64,
    connected_by: String,
    connected_by_id: Option<i64>,
    created_on: String,
    modified_by: String,
    modified_on: String,
}

/// A stored connection with its corpus's tags.
pub struct Connection {
    row: Row,
    tags: Vec<String>,
    pub corpus_id: i64,
    pub is_default: bool,
}

impl Connection {
    /// The connection as Ejento serves it, with its agent nested.
    pub fn into_wire(self, agent: ConnectionAgent) -> CorpusConnection {
        let (row, tags) = (self.row, self.tags);
        row.into_wire(tags, agent)
    }
}

impl Row {
    fn into_wire(self, tags: Vec<String>, agent: ConnectionAgent) -> CorpusConnection {
        CorpusConnection {
            id: self.id,
            agent_id: self.agent_id,
            corpus_id: self.corpus_id,
            corpus_name: self.name.clone(),
            corpus: ConnectedCorpus {
                id: self.corpus_id,
                name: self.name,
                description: self.description,
                indexing_mode: IndexingMode::of(self.indexing_mode_id),
                corpus_type: self.corpus_type,
                is_public: self.is_public != 0,
                owner: self.owner_id,
                tags,
            },
            is_enabled: self.is_enabled != 0,
            is_default: self.is_default != 0,
            is_deleted: false,
            agent,
            connected_by: self.connected_by_id,
            created_by: self.connected_by,
            created_on: self.created_on,
            modified_by: self.modified_by,
            modified_on: self.modified_on,
        }
    }
}

impl Store {
    /// Connections of an agent; `enabled_only` keeps those used at query time.
    pub async fn agent_connections(&self, agent: i64, enabled_only: bool) -> Result<Vec<Connection>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE ac.agent_id = $1 AND ($2 = 0 OR ac.is_enabled = 1) ORDER BY ac.is_default DESC, c.name"
        ))
        .bind(agent)
        .bind(enabled_only as i64)
        .fetch_all(self.pool())
        .await?;
        self.with_tags(rows).await
    }

    pub async fn agent_connection(&self, agent: i64, corpus: i64) -> Result<Option<Connection>> {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE ac.agent_id = $1 AND ac.corpus_id = $2"))
            .bind(agent)
            .bind(corpus)
            .fetch_optional(self.pool())
            .await?;
        Ok(self.with_tags(row.into_iter().collect()).await?.pop())
    }

    /// The corpora an agent answers from (its enabled connections): what answering needs.
    pub async fn enabled_corpus_ids(&self, agent: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT ac.corpus_id FROM agent_corpora ac JOIN corpora c ON c.id = ac.corpus_id AND c.is_deleted = 0 \
             WHERE ac.agent_id = $1 AND ac.is_enabled = 1 ORDER BY ac.is_default DESC, c.name",
        )
        .bind(agent)
        .fetch_all(self.pool())
        .await?)
    }

    /// The corpora an answer in `thread` (if any) searches: the agent's enabled ones (its default
    /// first, then by name), then those attached to the thread, each once; one statement.
    pub async fn answer_corpus_ids(&self, agent: i64, thread: Option<i64>) -> Result<Vec<i64>> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT corpus_id FROM (SELECT 0 AS part, ac.corpus_id, ac.is_default, c.name FROM agent_corpora ac \
             JOIN corpora c ON c.id = ac.corpus_id AND c.is_deleted = 0 WHERE ac.agent_id = $1 AND ac.is_enabled = 1 \
             UNION ALL SELECT 1, tc.corpus_id, 0, '' FROM chat_thread_corpora tc JOIN corpora c ON c.id = tc.corpus_id \
             WHERE tc.chat_thread_id = $2 AND c.is_deleted = 0) found \
             ORDER BY part, is_default DESC, name, corpus_id",
        )
        .bind(agent)
        .bind(thread.unwrap_or(0))
        .fetch_all(self.pool())
        .await?;
        let mut ids = Vec::with_capacity(rows.len());
        for id in rows {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// The connections with their corpora's tags (one statement for all of them).
    async fn with_tags(&self, rows: Vec<Row>) -> Result<Vec<Connection>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT corpus_id, tag FROM corpus_tags WHERE corpus_id IN ({}) ORDER BY tag",
            placeholders(1, rows.len())
        );
        let tags: Vec<(i64, String)> = rows
            .iter()
            .fold(sqlx::query_as(&sql), |q, r| q.bind(r.corpus_id))
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let mine = tags
                    .iter()
                    .filter(|(c, _)| *c == r.corpus_id)
                    .map(|(_, t)| t.clone())
                    .collect();
                Connection {
                    corpus_id: r.corpus_id,
                    is_default: r.is_default != 0,
                    row: r,
                    tags: mine,
                }
            })
            .collect())
    }

    pub async fn connect_corpus(&self, agent: i64, corpus: i64, by: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO agent_corpora (agent_id, corpus_id, is_enabled, is_default, connected_by, created_on, \
             modified_by, modified_on) VALUES ($1, $2, 1, 0, $3, $4, $3, $4) ON CONFLICT (agent_id, corpus_id) DO NOTHING",
        )
        .bind(agent)
        .bind(corpus)
        .bind(by)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_connection_enabled(&self, agent: i64, corpus: i64, enabled: bool, by: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE agent_corpora SET is_enabled = $1, modified_by = $4, modified_on = $5 \
             WHERE agent_id = $2 AND corpus_id = $3",
        )
        .bind(enabled as i64)
        .bind(agent)
        .bind(corpus)
        .bind(by)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Disconnects corpora (never the default one); returns how many were removed.
    pub async fn disconnect_corpora(&self, agent: i64, corpora: &[i64]) -> Result<u64> {
        let mut tx = self.db.write().await?;
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
