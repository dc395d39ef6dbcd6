//! Agent responses as reviewers search them: filters, counts of votes and comments, and CSV.

use ejento_api::{AgentType, ChatLog, ChatLogAgent, ChatLogResponse, ResponseOutput};

use super::{
    Store,
    pagination::{PageRequest, like_pattern},
    sql::Sql,
};
use crate::error::Result;

/// Which responses a search shows. Empty strings and `None` mean "any".
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only this person's (forced for callers who are not organization administrators).
    pub user: Option<i64>,
    pub agent: Option<i64>,
    pub project: Option<i64>,
    pub thread: Option<i64>,
    /// `upvote`, `downvote`, `any` (some vote) or `none`.
    pub feedback: String,
    pub has_comments: Option<bool>,
    /// Empty: every source but `evaluation` (evaluation runs' answers are not people's);
    /// `all`: every source.
    pub query_source: String,
    /// `completed`, `cancelled`, `failed`, `streaming`.
    pub status: String,
    /// ISO dates or timestamps, inclusive start, exclusive end.
    pub from: String,
    pub to: String,
    pub search: String,
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: i64,
    agent_id: i64,
    agent_name: String,
    agent_type_id: i64,
    agent_type_name: String,
    agent_type_description: String,
    agent_created_by: String,
    agent_created_on: String,
    project_id: i64,
    user_id: i64,
    user_email: String,
    chat_thread_id: Option<i64>,
    query: String,
    response: String,
    output: Option<String>,
    status: String,
    query_source: String,
    upvotes: i64,
    downvotes: i64,
    comments: i64,
    total_tokens: i64,
    cost: String,
    latency_ms: i64,
    created_by: String,
    created_on: String,
}

/// Whether a search brings each answer's votes and first comments too (a page does; a CSV
/// export, which counts them, does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogDetail {
    WithVotesAndComments,
    CountsOnly,
}

const FROM: &str = "FROM agent_responses r JOIN agents a ON a.id = r.agent_id JOIN users u ON u.id = r.user_id";

/// `select` (reading answers as `r`, their agents as `a`) over the answers of `org` that match
/// `f`, with only the filters it sets: each combination is its own statement, which PostgreSQL
/// plans once and both databases can serve from the index of the filter it names (see [`Sql`]).
fn log_conditions(select: &str, org: i64, f: &LogFilter) -> Sql {
    let mut sql = Sql::new(select);
    let org = sql.arg(org);
    sql.push(&format!(" WHERE r.organization_id = {org} AND r.is_deleted = 0"));
    for (value, column) in [
        (f.user, "r.user_id"),
        (f.agent, "r.agent_id"),
        (f.project, "a.project_id"),
        (f.thread, "r.chat_thread_id"),
    ] {
        if let Some(value) = value.filter(|v| *v != 0) {
            let p = sql.arg(value);
            sql.and(&format!("{column} = {p}"));
        }
    }
    const VOTED: &str = "EXISTS (SELECT 1 FROM response_feedback f WHERE f.response_id = r.id";
    match f.feedback.as_str() {
        "" => {}
        "none" => sql.and(&format!("NOT {VOTED})")),
        "any" => sql.and(&format!("{VOTED})")),
        vote => {
            let p = sql.arg(vote);
            sql.and(&format!("{VOTED} AND f.vote = {p})"));
        }
    }
    if let Some(has) = f.has_comments {
        let not = if has { "" } else { "NOT " };
        sql.and(&format!(
            "{not}EXISTS (SELECT 1 FROM response_comments c WHERE c.response_id = r.id)"
        ));
    }
    match f.query_source.as_str() {
        "" => sql.and("r.query_source <> 'evaluation'"),
        "all" => {}
        source => {
            let p = sql.arg(source);
            sql.and(&format!("r.query_source = {p}"));
        }
    }
    for (value, condition) in [
        (&f.status, "r.status = "),
        (&f.from, "r.created_on >= "),
        (&f.to, "r.created_on < "),
    ] {
        if !value.is_empty() {
            let p = sql.arg(value.as_str());
            sql.and(&format!("{condition}{p}"));
        }
    }
    sql.and_contains(Some(&f.search), &["r.query", "r.response"]);
    sql
}

impl Store {
    pub async fn search_chat_logs(
        &self,
        org: i64,
        f: &LogFilter,
        page: PageRequest,
        detail: LogDetail,
    ) -> Result<(Vec<ChatLog>, i64)> {
        let mut sql = log_conditions(
            &format!(
                "SELECT r.id, r.agent_id, a.agent_name, a.agent_type_id, ty.name AS agent_type_name, \
                 ty.description AS agent_type_description, a.created_by AS agent_created_by, a.created_on AS agent_created_on, \
                 a.project_id, r.user_id, u.email AS user_email, r.chat_thread_id, \
                 r.query, r.response, r.output, r.status, r.query_source, \
                 (SELECT COUNT(*) FROM response_feedback f WHERE f.response_id = r.id AND f.vote = 'upvote') AS upvotes, \
                 (SELECT COUNT(*) FROM response_feedback f WHERE f.response_id = r.id AND f.vote = 'downvote') AS downvotes, \
                 (SELECT COUNT(*) FROM response_comments c WHERE c.response_id = r.id) AS comments, \
                 r.total_tokens, r.cost, r.latency_ms, r.created_by, r.created_on \
                 {FROM} JOIN agent_types ty ON ty.id = a.agent_type_id"
            ),
            org,
            f,
        );
        sql.page("ORDER BY r.created_on DESC, r.id DESC", page);
        let rows: Vec<Row> = sql.query_as().fetch_all(self.pool()).await?;
        // Counted on its own: a window count would compute every matching answer's vote and
        // comment counts, not only the page's.
        let count = log_conditions(&format!("SELECT COUNT(*) {FROM}"), org, f)
            .query_scalar()
            .fetch_one(self.pool())
            .await?;
        let (mut votes, mut comments) = match detail {
            LogDetail::WithVotesAndComments => {
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                self.votes_and_comments(&ids).await?
            }
            LogDetail::CountsOnly => Default::default(),
        };
        Ok((
            rows.into_iter()
                .map(|r| ChatLog {
                    success: r.status == "completed",
                    response: r
                        .output
                        .as_deref()
                        .and_then(|o| serde_json::from_str::<ResponseOutput>(o).ok())
                        .map(|o| ChatLogResponse {
                            query: o.query,
                            answer: o.answer,
                            references: o.references,
                            agent_mode: o.agent_mode,
                        }),
                    feedback: votes.remove(&r.id).unwrap_or_default(),
                    comments: comments.remove(&r.id).unwrap_or_default(),
                    id: r.id,
                    agent: ChatLogAgent {
                        id: r.agent_id,
                        agent_name: r.agent_name.clone(),
                        agent_type: AgentType {
                            id: r.agent_type_id,
                            name: r.agent_type_name,
                            description: r.agent_type_description,
                        },
                        created_by: r.agent_created_by,
                        created_on: r.agent_created_on,
                    },
                    agent_name: r.agent_name,
                    project: r.project_id,
                    user: r.user_id,
                    user_email: r.user_email,
                    chat_thread: r.chat_thread_id,
                    question: r.query,
                    answer: r.response,
                    status: r.status,
                    query_source: r.query_source,
                    upvotes: r.upvotes,
                    downvotes: r.downvotes,
                    comment_count: r.comments,
                    total_tokens: r.total_tokens,
                    cost: r.cost,
                    latency_ms: r.latency_ms,
                    created_by: r.created_by,
                    created_on: r.created_on,
                })
                .collect(),
            count,
        ))
    }

    /// Threads of a user, optionally of one agent and matching a search in their title, a
    /// question or an answer, newest first.
    pub async fn filter_threads(
        &self,
        org: i64,
        user: i64,
        agent: Option<i64>,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<(Vec<super::ThreadRow>, i64)> {
        let pattern = like_pattern(search);
        let where_ = "t.organization_id = $1 AND t.user_id = $2 AND t.is_deleted = 0 AND ($3 = 0 OR t.agent_id = $3) \
             AND ($4 = '' OR LOWER(t.title) LIKE $4 ESCAPE '\\' OR EXISTS (SELECT 1 FROM agent_responses r \
             WHERE r.chat_thread_id = t.id AND (LOWER(r.query) LIKE $4 ESCAPE '\\' OR LOWER(r.response) LIKE $4 ESCAPE '\\')))";
        let rows = sqlx::query_as(&format!(
            "SELECT t.id, t.organization_id, t.agent_id, t.user_id, t.title, \
             (SELECT MIN(tc.corpus_id) FROM chat_thread_corpora tc WHERE tc.chat_thread_id = t.id) AS corpus_id, \
             t.chat_id, t.is_system_created, t.created_by, t.created_on, t.modified_by, t.modified_on \
             FROM chat_threads t WHERE {where_} ORDER BY t.modified_on DESC, t.id DESC LIMIT $5 OFFSET $6"
        ))
        .bind(org)
        .bind(user)
        .bind(agent.unwrap_or(0))
        .bind(&pattern)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM chat_threads t WHERE {where_}"))
            .bind(org)
            .bind(user)
            .bind(agent.unwrap_or(0))
            .bind(&pattern)
            .fetch_one(self.pool())
            .await?;
        Ok((rows, count))
    }

    pub async fn custom_starters(&self, agent: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT text FROM conversation_starters WHERE agent_id = $1 ORDER BY id LIMIT 50")
                .bind(agent)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    pub async fn add_starter(&self, agent: i64, text: &str, by: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO conversation_starters (agent_id, text, created_by, created_on) VALUES ($1, $2, $3, $4)",
        )
        .bind(agent)
        .bind(text)
        .bind(by)
        .bind(crate::time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
