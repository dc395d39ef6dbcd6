//! Agent responses as lists read them (chat writes them).

use ejento_api::AgentResponseSummary;

use super::{Store, pagination::PageRequest};
use crate::error::Result;

#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: i64,
    agent_id: i64,
    agent_name: String,
    chat_thread_id: Option<i64>,
    user_id: i64,
    user_email: String,
    query: String,
    response: String,
    status: String,
    cost: String,
    prompt_tokens: i64,
    completion_tokens: i64,
    total_tokens: i64,
    cache_hit: i64,
    query_source: String,
    created_on: String,
}

/// Whose responses a list shows.
#[derive(Debug, Clone, Copy)]
pub enum ResponseScope {
    Project(i64),
    User(i64),
}

impl Store {
    /// Newest first, within the organization, never of deleted agents.
    pub async fn list_agent_responses(
        &self,
        org: i64,
        scope: ResponseScope,
        page: PageRequest,
    ) -> Result<(Vec<AgentResponseSummary>, i64)> {
        let (project, user) = match scope {
            ResponseScope::Project(p) => (p, 0),
            ResponseScope::User(u) => (0, u),
        };
        let where_ = "r.organization_id = $1 AND r.is_deleted = 0 AND a.is_deleted = 0 \
             AND ($2 = 0 OR a.project_id = $2) AND ($3 = 0 OR r.user_id = $3)";
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT r.id, r.agent_id, a.agent_name, r.chat_thread_id, r.user_id, u.email AS user_email, r.query, r.response, \
             r.status, r.cost, r.prompt_tokens, r.completion_tokens, r.total_tokens, r.cache_hit, r.query_source, r.created_on \
             FROM agent_responses r JOIN agents a ON a.id = r.agent_id JOIN users u ON u.id = r.user_id \
             WHERE {where_} ORDER BY r.created_on DESC, r.id DESC LIMIT $4 OFFSET $5"
        ))
        .bind(org)
        .bind(project)
        .bind(user)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM agent_responses r JOIN agents a ON a.id = r.agent_id WHERE {where_}"
        ))
        .bind(org)
        .bind(project)
        .bind(user)
        .fetch_one(self.pool())
        .await?;
        let list = rows
            .into_iter()
            .map(|r| AgentResponseSummary {
                id: r.id,
                agent: r.agent_id,
                agent_name: r.agent_name,
                chat_thread: r.chat_thread_id,
                user: r.user_id,
                user_email: r.user_email,
                query: r.query,
                response: r.response,
                status: r.status,
                cost: r.cost,
                prompt_tokens: r.prompt_tokens,
                completion_tokens: r.completion_tokens,
                total_tokens: r.total_tokens,
                cache_hit: r.cache_hit != 0,
                query_source: r.query_source,
                created_on: r.created_on,
            })
            .collect();
        Ok((list, count))
    }
}
