//! Chat threads and the corpora attached to them. (Responses in threads come with chat.)

use ejento_api::{ChatThread, Conversation, ThreadCorpus};

use super::{
    Store,
    pagination::{PageRequest, like_pattern},
    sql::Sql,
};
use crate::{error::Result, time_fmt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThreadRow {
    pub id: i64,
    pub organization_id: i64,
    pub agent_id: i64,
    pub user_id: i64,
    pub title: String,
    pub corpus_id: Option<i64>,
    pub chat_id: Option<String>,
    pub is_system_created: i64,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

impl ThreadRow {
    pub fn into_wire(self) -> ChatThread {
        ChatThread {
            id: self.id,
            agent: self.agent_id,
            user: self.user_id,
            title: self.title,
            corpus_id: self.corpus_id,
            chat_id: self.chat_id,
            is_system_created: self.is_system_created != 0,
            is_deleted: false,
            created_by: self.created_by,
            created_on: self.created_on,
            modified_by: self.modified_by,
            modified_on: self.modified_on,
        }
    }
}

const SELECT: &str = "SELECT t.id, t.organization_id, t.agent_id, t.user_id, t.title, \
     (SELECT MIN(tc.corpus_id) FROM chat_thread_corpora tc WHERE tc.chat_thread_id = t.id) AS corpus_id, \
     t.chat_id, t.is_system_created, t.created_by, t.created_on, t.modified_by, t.modified_on FROM chat_threads t";

#[derive(Debug, Clone, sqlx::FromRow)]
struct ConversationRow {
    thread_id: i64,
    title: String,
    agent_id: i64,
    agent_name: String,
    last_question: Option<String>,
    modified_on: String,
}

impl Store {
    /// `user`'s conversations with the live agents of `org`, newest activity first; `search`
    /// matches a title or any question asked in one.
    pub async fn user_conversations(
        &self,
        org: i64,
        user: i64,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<(Vec<Conversation>, i64)> {
        let conditions = |select: &str| {
            let mut sql = Sql::new(select);
            let (user, org) = (sql.arg(user), sql.arg(org));
            sql.push(&format!(
                " FROM chat_threads t JOIN agents a ON a.id = t.agent_id \
                 WHERE t.user_id = {user} AND t.is_deleted = 0 AND t.organization_id = {org} AND a.is_deleted = 0"
            ));
            let pattern = like_pattern(search);
            if !pattern.is_empty() {
                let p = sql.arg(pattern);
                sql.and(&format!(
                    "(LOWER(t.title) LIKE {p} ESCAPE '\\' OR EXISTS (SELECT 1 FROM agent_responses r \
                     WHERE r.chat_thread_id = t.id AND LOWER(r.query) LIKE {p} ESCAPE '\\'))"
                ));
            }
            sql
        };
        let mut rows = conditions(
            "SELECT t.id AS thread_id, t.title, t.agent_id, a.agent_name, t.modified_on, \
             (SELECT r.query FROM agent_responses r WHERE r.chat_thread_id = t.id ORDER BY r.id DESC LIMIT 1) AS last_question",
        );
        rows.page("ORDER BY t.modified_on DESC, t.id DESC", page);
        let rows: Vec<ConversationRow> = rows.query_as().fetch_all(self.pool()).await?;
        let count: i64 = conditions("SELECT COUNT(*)")
            .query_scalar()
            .fetch_one(self.pool())
            .await?;
        let conversations = rows
            .into_iter()
            .map(|r| Conversation {
                thread_id: r.thread_id,
                title: r.title,
                agent_id: r.agent_id,
                agent_name: r.agent_name,
                last_question: r.last_question,
                modified_on: r.modified_on,
            })
            .collect();
        Ok((conversations, count))
    }

    pub async fn create_thread(&self, org: i64, agent: i64, user: i64, by: &str, title: &str) -> Result<ThreadRow> {
        let now = time_fmt::now();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO chat_threads (organization_id, agent_id, user_id, title, created_by, created_on, modified_by, modified_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id",
        )
        .bind(org)
        .bind(agent)
        .bind(user)
        .bind(title)
        .bind(by)
        .bind(&now)
        .fetch_one(self.pool())
        .await?;
        Ok(self.thread(org, id).await?.expect("just created"))
    }

    pub async fn thread(&self, org: i64, id: i64) -> Result<Option<ThreadRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE t.id = $1 AND t.organization_id = $2 AND t.is_deleted = 0"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A user's threads with an agent, newest first.
    pub async fn agent_threads(&self, agent: i64, user: i64, page: PageRequest) -> Result<(Vec<ThreadRow>, i64)> {
        let where_ = "t.agent_id = $1 AND t.user_id = $2 AND t.is_deleted = 0";
        let rows = sqlx::query_as(&format!(
            "{SELECT} WHERE {where_} ORDER BY t.modified_on DESC, t.id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(agent)
        .bind(user)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM chat_threads t WHERE {where_}"))
            .bind(agent)
            .bind(user)
            .fetch_one(self.pool())
            .await?;
        Ok((rows, count))
    }

    pub async fn thread_corpora(&self, thread: i64, corpus: Option<i64>) -> Result<Vec<ThreadCorpus>> {
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT tc.chat_thread_id, tc.corpus_id, c.name, tc.connected_by, tc.created_on FROM chat_thread_corpora tc \
             JOIN corpora c ON c.id = tc.corpus_id WHERE tc.chat_thread_id = $1 AND c.is_deleted = 0 \
             AND ($2 = 0 OR tc.corpus_id = $2) ORDER BY tc.corpus_id",
        )
        .bind(thread)
        .bind(corpus.unwrap_or(0))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(chat_thread_id, corpus_id, corpus_name, connected_by, created_on)| ThreadCorpus {
                    chat_thread_id,
                    corpus_id,
                    corpus_name,
                    connected_by,
                    created_on,
                },
            )
            .collect())
    }

    /// False when the corpus was attached already.
    pub async fn attach_corpus(&self, thread: i64, corpus: i64, by: &str) -> Result<bool> {
        let exists: Option<(i64,)> =
            sqlx::query_as("SELECT corpus_id FROM chat_thread_corpora WHERE chat_thread_id = $1 AND corpus_id = $2")
                .bind(thread)
                .bind(corpus)
                .fetch_optional(self.pool())
                .await?;
        if exists.is_some() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO chat_thread_corpora (chat_thread_id, corpus_id, connected_by, created_on) VALUES ($1, $2, $3, $4)",
        )
        .bind(thread)
        .bind(corpus)
        .bind(by)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(true)
    }

    /// Detaches one corpus, or all of them; returns how many were detached.
    pub async fn detach_corpora(&self, thread: i64, corpus: Option<i64>) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM chat_thread_corpora WHERE chat_thread_id = $1 AND ($2 = 0 OR corpus_id = $2)")
                .bind(thread)
                .bind(corpus.unwrap_or(0))
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }
}

impl Store {
    pub async fn rename_thread(&self, thread: i64, title: &str, by: &str) -> Result<()> {
        sqlx::query("UPDATE chat_threads SET title = $2, modified_by = $3, modified_on = $4 WHERE id = $1")
            .bind(thread)
            .bind(title)
            .bind(by)
            .bind(time_fmt::now())
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
