//! Agent responses in chat: creation, the persisted event stream, completion, and what people
//! do with answers (votes, comments, pins).

use std::collections::HashMap;

use ejento_api::{AgentResponse, ResponseComment, ResponseFeedback, ResponseOutput, ResponseStep};

use super::{
    Store,
    analytics::{self, Usage},
    pagination::{PageRequest, ThreadOrder, thread_page},
};
use crate::{error::Result, time_fmt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponseRow {
    pub id: i64,
    pub organization_id: i64,
    pub agent_id: i64,
    pub chat_thread_id: Option<i64>,
    pub user_id: i64,
    pub query: String,
    pub response: String,
    pub status: String,
    pub output: Option<String>,
    pub supporting: Option<String>,
    pub thoughts: String,
    pub is_pinned: i64,
    pub cost: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    pub cache_hit: i64,
    pub query_source: String,
    pub my_vote: Option<String>,
    pub workflow_response_id: Option<i64>,
    pub llm_config_id: Option<i64>,
    pub created_by: String,
    pub created_on: String,
    pub model: String,
    pub latency_ms: i64,
    pub first_token_ms: Option<i64>,
    pub version_of: Option<i64>,
    pub version_count: i64,
    pub version_number: i64,
}

impl ResponseRow {
    /// How it was made, step by step (`steps`: the stored JSON; null before traces).
    pub fn trace(&self, steps: Option<&str>) -> ejento_api::AnswerTrace {
        ejento_api::AnswerTrace {
            agent_response_id: self.id,
            query: self.query.clone(),
            status: self.status.clone(),
            model: self.model.clone(),
            latency_ms: self.latency_ms,
            first_token_ms: self.first_token_ms,
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            cost: self.cost.clone(),
            steps: steps.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default(),
        }
    }

    pub fn output(&self) -> Option<ResponseOutput> {
        let mut output: ResponseOutput = serde_json::from_str(self.output.as_deref()?).ok()?;
        // Answers stored before the alias existed.
        output.chatlog_id = output.agent_response_id;
        Some(output)
    }

    pub fn into_wire(self) -> AgentResponse {
        AgentResponse {
            response: self.output(),
            id: self.id,
            question: self.query,
            answer: self.response,
            status: self.status,
            agent: self.agent_id,
            user: self.user_id,
            chat_thread: self.chat_thread_id,
            query_source: self.query_source,
            is_pinned: self.is_pinned != 0,
            my_vote: self.my_vote,
            total_tokens: self.total_tokens,
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            cost: self.cost,
            cache_hit: self.cache_hit != 0,
            thoughts: self.thoughts,
            feedback: Vec::new(),
            comments: Vec::new(),
            response_steps: None,
            is_deleted: false,
            workflow: self.workflow_response_id,
            llm_config: self.llm_config_id,
            message_id: None,
            stage: None,
            is_cleared: false,
            version_of: self.version_of,
            version_count: self.version_count,
            version_number: self.version_number,
            created_by: self.created_by,
            created_on: self.created_on,
        }
    }
}

/// Which kind of answer votes are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackOn {
    Agent,
    Workflow,
}

/// A response's id, then a vote's, comment's or event's columns.
type DetailRow = (i64, i64, String, String, String);

/// `sql` with `ids` bound to `$1…$n`.
fn details<'q, O>(sql: &'q str, ids: &[i64]) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    ids.iter().fold(sqlx::query_as(sql), |q, id| q.bind(*id))
}

/// The votes, comments and steps of a page of answers, by answer.
#[derive(Default)]
struct ResponseDetails {
    votes: ByResponse<ResponseFeedback>,
    comments: ByResponse<ResponseComment>,
    steps: ByResponse<ResponseStep>,
}

/// The first hundred votes of each answer in `ids_in` (a list of placeholders): answer, id, vote,
/// voter's email, time.
fn feedback_sql(on: FeedbackOn, ids_in: &str) -> String {
    let (table, column) = match on {
        FeedbackOn::Agent => ("response_feedback", "response_id"),
        FeedbackOn::Workflow => ("workflow_response_feedback", "workflow_response_id"),
    };
    format!(
        "SELECT answer, id, vote, created_by, created_on FROM (SELECT f.{column} AS answer, f.id, f.vote, \
         u.email AS created_by, f.created_on, ROW_NUMBER() OVER (PARTITION BY f.{column} ORDER BY f.id) AS n \
         FROM {table} f JOIN users u ON u.id = f.user_id WHERE f.{column} IN ({ids_in})) fv WHERE n <= 100"
    )
}

fn feedback_of_row(on: FeedbackOn, (answer, id, vote, by, on_): DetailRow) -> ResponseFeedback {
    ResponseFeedback {
        id,
        is_upvote: vote == "upvote",
        is_downvote: vote == "downvote",
        created_by: by,
        created_on: on_,
        workflow_response: (on == FeedbackOn::Workflow).then_some(answer),
    }
}

/// A stored `start` or `status` event as a step: its `step` and `message` as the stream said.
fn step_of(seq: i64, event: &str, data: &str) -> ResponseStep {
    let data: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    let text = |key: &str| data.get(key).and_then(|v| v.as_str()).map(str::to_string);
    ResponseStep {
        id: seq,
        step: text("step").unwrap_or_else(|| event.to_string()),
        friendly_message: text("message").unwrap_or_default(),
    }
}

/// Details of listed answers, by answer id.
pub type ByResponse<T> = HashMap<i64, Vec<T>>;

/// `$1` is the caller (for their vote).
const SELECT: &str = "SELECT r.id, r.organization_id, r.agent_id, r.chat_thread_id, r.user_id, r.query, r.response, \
     r.status, r.output, r.supporting, r.thoughts, r.is_pinned, r.cost, r.prompt_tokens, r.completion_tokens, \
     r.total_tokens, r.cache_hit, r.query_source, \
     (SELECT f.vote FROM response_feedback f WHERE f.response_id = r.id AND f.user_id = $1) AS my_vote, \
     r.workflow_response_id, r.llm_config_id, r.created_by, r.created_on, r.model, r.latency_ms, r.first_token_ms, \
     r.version_of, \
     (SELECT COUNT(*) FROM agent_responses v WHERE v.is_deleted = 0 AND (v.id = COALESCE(r.version_of, r.id) \
      OR v.version_of = COALESCE(r.version_of, r.id))) AS version_count, \
     (SELECT COUNT(*) FROM agent_responses v WHERE v.is_deleted = 0 AND v.id <= r.id AND (v.id = COALESCE(r.version_of, r.id) \
      OR v.version_of = COALESCE(r.version_of, r.id))) AS version_number \
     FROM agent_responses r";

/// The newest version of its turn (a first answer never asked again is its own newest).
const CURRENT_VERSION: &str = "NOT EXISTS (SELECT 1 FROM agent_responses n WHERE n.version_of = COALESCE(r.version_of, r.id) \
     AND n.id > r.id AND n.is_deleted = 0)";

/// A question about to be answered.
#[derive(Debug, Clone)]
pub struct NewResponse<'a> {
    pub organization_id: i64,
    pub project_id: i64,
    pub agent_id: i64,
    /// The agent chat thread; none for a step of a workflow's answer.
    pub thread_id: Option<i64>,
    /// The workflow answer this response is a step of.
    pub workflow_response_id: Option<i64>,
    pub user_id: i64,
    pub by: &'a str,
    pub query: &'a str,
    pub query_source: &'a str,
    pub cache_key: Option<&'a str>,
    /// The answerer: a model deployment's name, or `local`.
    pub model: &'a str,
    /// The model configuration answering it; none for the local answerer.
    pub llm_config_id: Option<i64>,
    /// The first answer of the turn this one is a new version of.
    pub version_of: Option<i64>,
}

/// How a finished response is recorded.
#[derive(Debug, Clone)]
pub struct FinishedResponse<'a> {
    pub status: &'a str,
    pub answer: &'a str,
    pub output: &'a ResponseOutput,
    pub supporting_json: &'a str,
    pub thoughts: &'a str,
    pub latency_ms: i64,
    pub first_token_ms: Option<i64>,
    /// The steps, as JSON.
    pub trace_json: &'a str,
}

impl Store {
    pub async fn create_response(&self, r: &NewResponse<'_>) -> Result<i64> {
        let now = time_fmt::now();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO agent_responses (organization_id, agent_id, chat_thread_id, user_id, query, status, query_source, \
             created_by, created_on, modified_on, cache_key, project_id, model, workflow_response_id, llm_config_id, version_of) \
             VALUES ($1, $2, $3, $4, $5, 'streaming', $6, $7, $8, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(r.organization_id)
        .bind(r.agent_id)
        .bind(r.thread_id)
        .bind(r.user_id)
        .bind(r.query)
        .bind(r.query_source)
        .bind(r.by)
        .bind(&now)
        .bind(r.cache_key)
        .bind(r.project_id)
        .bind(r.model)
        .bind(r.workflow_response_id)
        .bind(r.llm_config_id)
        .bind(r.version_of)
        .fetch_one(self.pool())
        .await?;
        if let Some(thread) = r.thread_id {
            sqlx::query("UPDATE chat_threads SET modified_on = $2 WHERE id = $1")
                .bind(thread)
                .bind(&now)
                .execute(self.pool())
                .await?;
        }
        Ok(id)
    }

    pub async fn response(&self, org: i64, caller: i64, id: i64) -> Result<Option<ResponseRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE r.id = $2 AND r.organization_id = $3 AND r.is_deleted = 0"
        ))
        .bind(caller)
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn finish_response(&self, id: i64, f: &FinishedResponse<'_>) -> Result<()> {
        let output = serde_json::to_string(f.output).expect("an output serializes");
        // Finishing and counting are one write; a response already ended (by a crash sweep) is
        // neither changed nor counted twice.
        let mut tx = self.db.write().await?;
        let key: Option<analytics::ResponseKeyRow> = sqlx::query_as(&format!(
            "UPDATE agent_responses SET status = $2, response = $3, output = $4, supporting = $5, thoughts = $6, \
             prompt_tokens = $7, completion_tokens = $8, total_tokens = $9, cost = $10, cache_hit = $11, \
             latency_ms = $12, first_token_ms = $13, modified_on = $14, trace = $15 WHERE id = $1 AND status = 'streaming' \
             RETURNING {}",
            analytics::KEY_COLUMNS
        ))
        .bind(id)
        .bind(f.status)
        .bind(f.answer)
        .bind(output)
        .bind(f.supporting_json)
        .bind(f.thoughts)
        .bind(f.output.prompt_tokens)
        .bind(f.output.completion_tokens)
        .bind(f.output.total_tokens)
        .bind(&f.output.cost)
        .bind(f.output.cache_hit as i64)
        .bind(f.latency_ms)
        .bind(f.first_token_ms)
        .bind(time_fmt::now())
        .bind(f.trace_json)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(key) = key {
            let o = f.output;
            let usage = Usage::answered(o.prompt_tokens, o.completion_tokens, o.total_tokens, &o.cost);
            analytics::add_usage(&mut tx, &analytics::key_of(&key), usage).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A thread's responses, oldest first (the order of the conversation).
    pub async fn thread_responses(
        &self,
        caller: i64,
        thread: i64,
        page: PageRequest,
    ) -> Result<(Vec<ResponseRow>, i64)> {
        // A thread's turns in order, each as its newest version, in the place of its first.
        let only = format!(" AND {CURRENT_VERSION}");
        let order = ThreadOrder {
            only: &only,
            order_by: "COALESCE(r.version_of, r.id)",
        };
        thread_page(
            self.pool(),
            (SELECT, "agent_responses", "chat_thread_id"),
            order,
            caller,
            thread,
            page,
        )
        .await
    }

    /// The stored steps of an answer's trace (read only when asked for: a page of a thread
    /// does not carry them).
    pub async fn response_trace(&self, id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT trace FROM agent_responses WHERE id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await?)
    }

    /// Every version of the turn `id` belongs to, oldest first.
    pub async fn response_versions(&self, caller: i64, id: i64) -> Result<Vec<ResponseRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE r.is_deleted = 0 AND (r.id = $2 OR r.version_of = $2) ORDER BY r.id"
        ))
        .bind(caller)
        .bind(id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Turns of a thread before the turn at `position` (a first answer's id), newest last, each
    /// as its newest version, for an answerer's context.
    pub async fn thread_history(&self, thread: i64, position: i64, turns: i64) -> Result<Vec<(String, String)>> {
        let mut rows: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT r.query, r.response FROM agent_responses r WHERE r.chat_thread_id = $1 \
             AND COALESCE(r.version_of, r.id) < $2 AND r.is_deleted = 0 AND r.status = 'completed' AND {CURRENT_VERSION} \
             ORDER BY COALESCE(r.version_of, r.id) DESC LIMIT $3"
        ))
        .bind(thread)
        .bind(position)
        .bind(turns)
        .fetch_all(self.pool())
        .await?;
        rows.reverse();
        Ok(rows)
    }

    /// Names a thread after its first question, unless it was named already.
    pub async fn name_thread(&self, thread: i64, title: &str) -> Result<String> {
        let (title,): (String,) = sqlx::query_as(
            "UPDATE chat_threads SET title = CASE WHEN title = 'New Chat' THEN $2 ELSE title END WHERE id = $1 \
             RETURNING title",
        )
        .bind(thread)
        .bind(title)
        .fetch_one(self.pool())
        .await?;
        Ok(title)
    }
}

impl Store {
    pub async fn set_feedback(&self, response: i64, user: i64, vote: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        // Writing first: a SQLite transaction that reads before it writes cannot wait for another
        // writer (its lock upgrade fails at once), so the old vote comes back from the DELETE.
        let before: Option<String> =
            sqlx::query_scalar("DELETE FROM response_feedback WHERE response_id = $1 AND user_id = $2 RETURNING vote")
                .bind(response)
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
        if before.as_deref() != Some(vote) {
            let key: analytics::ResponseKeyRow = sqlx::query_as(&format!(
                "SELECT {} FROM agent_responses WHERE id = $1",
                analytics::KEY_COLUMNS
            ))
            .bind(response)
            .fetch_one(&mut *tx)
            .await?;
            let mut change = Usage::vote(vote, 1);
            if let Some(before) = &before {
                change += Usage::vote(before, -1);
            }
            analytics::add_usage(&mut tx, &analytics::key_of(&key), change).await?;
        }
        sqlx::query("INSERT INTO response_feedback (response_id, user_id, vote, created_on) VALUES ($1, $2, $3, $4)")
            .bind(response)
            .bind(user)
            .bind(vote)
            .bind(time_fmt::now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Fills in the votes, comments and (with `steps`) the steps of listed responses: one
    /// statement for a whole page, each bounded per response.
    pub async fn add_response_details(&self, responses: &mut [AgentResponse], steps: bool) -> Result<()> {
        if responses.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = responses.iter().map(|r| r.id).collect();
        let mut details = self.response_details(&ids, steps).await?;
        for r in responses.iter_mut() {
            r.feedback = details.votes.remove(&r.id).unwrap_or_default();
            r.comments = details.comments.remove(&r.id).unwrap_or_default();
            if steps {
                r.response_steps = Some(details.steps.remove(&r.id).unwrap_or_default());
            }
        }
        Ok(())
    }

    /// Everyone's votes (the first hundred) and the first comments of the answers `ids`, by
    /// answer, in one statement.
    pub async fn votes_and_comments(
        &self,
        ids: &[i64],
    ) -> Result<(ByResponse<ResponseFeedback>, ByResponse<ResponseComment>)> {
        let details = self.response_details(ids, false).await?;
        Ok((details.votes, details.comments))
    }

    /// The votes, comments and (with `steps`) steps of the answers `ids`: one statement of three
    /// parts of the same shape, told apart by their first column.
    async fn response_details(&self, ids: &[i64], steps: bool) -> Result<ResponseDetails> {
        let mut found = ResponseDetails::default();
        if ids.is_empty() {
            return Ok(found);
        }
        let ids_in = super::pagination::placeholders(1, ids.len());
        let mut sql = format!(
            "SELECT 'vote', v.* FROM ({}) v UNION ALL SELECT 'comment', response_id, id, comment, created_by, created_on \
             FROM (SELECT response_id, id, comment, created_by, created_on, \
             ROW_NUMBER() OVER (PARTITION BY response_id ORDER BY id) AS n FROM response_comments \
             WHERE response_id IN ({ids_in})) c WHERE n <= {}",
            feedback_sql(FeedbackOn::Agent, &ids_in),
            ejento_api::RESPONSE_COMMENTS_LISTED
        );
        // Steps are the `start` and `status` events the answer streamed: a handful per answer.
        if steps {
            sql.push_str(&format!(
                " UNION ALL SELECT 'step', response_id, seq, event, data, '' FROM response_events \
                 WHERE response_id IN ({ids_in}) AND event IN ('start', 'status')"
            ));
        }
        sql.push_str(" ORDER BY 1, 2, 3");
        let rows: Vec<(String, i64, i64, String, String, String)> = details(&sql, ids).fetch_all(self.pool()).await?;
        for (kind, answer, id, text, created_by, created_on) in rows {
            match kind.as_str() {
                "vote" => found.votes.entry(answer).or_default().push(feedback_of_row(
                    FeedbackOn::Agent,
                    (answer, id, text, created_by, created_on),
                )),
                "comment" => found.comments.entry(answer).or_default().push(ResponseComment {
                    id,
                    response_id: answer,
                    comment: text,
                    created_by,
                    created_on,
                }),
                _ => found
                    .steps
                    .entry(answer)
                    .or_default()
                    .push(step_of(id, &text, &created_by)),
            }
        }
        Ok(found)
    }

    /// Everyone's votes on the answers `ids` (the first hundred of each: one per person, and the
    /// totals are on the agent's and the analytics' figures), by answer.
    pub async fn feedback_of(&self, on: FeedbackOn, ids: &[i64]) -> Result<Vec<(i64, ResponseFeedback)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{} ORDER BY id",
            feedback_sql(on, &super::pagination::placeholders(1, ids.len()))
        );
        let rows: Vec<DetailRow> = details(&sql, ids).fetch_all(self.pool()).await?;
        Ok(rows.into_iter().map(|row| (row.0, feedback_of_row(on, row))).collect())
    }

    pub async fn response_comments(&self, response: i64) -> Result<Vec<ejento_api::ResponseComment>> {
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT id, response_id, comment, created_by, created_on FROM response_comments WHERE response_id = $1 ORDER BY id LIMIT 500",
        )
        .bind(response)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, response_id, comment, created_by, created_on)| ejento_api::ResponseComment {
                    id,
                    response_id,
                    comment,
                    created_by,
                    created_on,
                },
            )
            .collect())
    }

    pub async fn add_response_comment(&self, response: i64, user: i64, by: &str, comment: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO response_comments (response_id, user_id, comment, created_by, created_on) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(response)
        .bind(user)
        .bind(comment)
        .bind(by)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn set_pinned(&self, response: i64, pinned: bool) -> Result<()> {
        sqlx::query("UPDATE agent_responses SET is_pinned = $2 WHERE id = $1")
            .bind(response)
            .bind(pinned as i64)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The caller's pinned responses, newest first.
    pub async fn pinned_responses(&self, org: i64, user: i64, page: PageRequest) -> Result<(Vec<ResponseRow>, i64)> {
        let where_ = "r.organization_id = $2 AND r.user_id = $1 AND r.is_pinned = 1 AND r.is_deleted = 0";
        let rows = sqlx::query_as(&format!(
            "{SELECT} WHERE {where_} ORDER BY r.id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(user)
        .bind(org)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM agent_responses r WHERE {where_}"))
            .bind(user)
            .bind(org)
            .fetch_one(self.pool())
            .await?;
        Ok((rows, count))
    }

    /// Deletes one response, or every response of a thread; returns how many.
    pub async fn delete_responses(&self, response: Option<i64>, thread: Option<i64>) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE agent_responses SET is_deleted = 1 WHERE is_deleted = 0 AND ($1 = 0 OR id = $1) AND ($2 = 0 OR chat_thread_id = $2) \
             AND ($1 <> 0 OR $2 <> 0)",
        )
        .bind(response.unwrap_or(0))
        .bind(thread.unwrap_or(0))
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    /// Deletes a thread and its responses together.
    pub async fn delete_thread(&self, thread: i64, by: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query("UPDATE agent_responses SET is_deleted = 1 WHERE chat_thread_id = $1")
            .bind(thread)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE chat_threads SET is_deleted = 1, modified_by = $2, modified_on = $3 WHERE id = $1")
            .bind(thread)
            .bind(by)
            .bind(time_fmt::now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Completes a response recorded after the fact (answered elsewhere).
    pub async fn record_logged_response(
        &self,
        id: i64,
        answer: &str,
        prompt: i64,
        completion: i64,
        cost: &str,
    ) -> Result<()> {
        let mut tx = self.db.write().await?;
        let key: Option<analytics::ResponseKeyRow> = sqlx::query_as(&format!(
            "UPDATE agent_responses SET status = 'completed', response = $2, prompt_tokens = $3, completion_tokens = $4, \
             total_tokens = $3 + $4, cost = $5 WHERE id = $1 AND status = 'streaming' RETURNING {}",
            analytics::KEY_COLUMNS
        ))
        .bind(id)
        .bind(answer)
        .bind(prompt)
        .bind(completion)
        .bind(cost)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(key) = key {
            let usage = Usage::answered(prompt, completion, prompt + completion, cost);
            analytics::add_usage(&mut tx, &analytics::key_of(&key), usage).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// What an agent's documents look like now: changes whenever a document is added, changed,
    /// reindexed or deleted in one of these corpora.
    pub async fn corpora_fingerprint(&self, corpora: &[i64]) -> Result<String> {
        if corpora.is_empty() {
            return Ok(String::new());
        }
        let sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN is_deleted = 0 THEN 1 ELSE 0 END), 0), COALESCE(MAX(id), 0), \
             COALESCE(MAX(modified_on), ''), COALESCE(MAX(indexed_on), '') FROM documents WHERE corpus_id IN ({})",
            super::pagination::placeholders(1, corpora.len())
        );
        let mut q = sqlx::query_as::<_, (i64, i64, i64, String, String)>(&sql);
        for c in corpora {
            q = q.bind(c);
        }
        let (count, live, max_id, modified, indexed) = q.fetch_one(self.pool()).await?;
        Ok(format!("{count}/{live}/{max_id}/{modified}/{indexed}"))
    }

    /// The latest completed answer with this cache key: (answer, output, supporting, thoughts).
    pub async fn cached_answer(&self, agent: i64, key: &str, before: i64) -> Result<Option<(String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT response, output, COALESCE(supporting, '[]') FROM agent_responses WHERE agent_id = $1 AND cache_key = $2 \
             AND id < $3 AND status = 'completed' AND output IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(agent)
        .bind(key)
        .bind(before)
        .fetch_optional(self.pool())
        .await?)
    }
}
