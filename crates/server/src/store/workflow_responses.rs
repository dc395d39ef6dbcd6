//! Workflow answers: the row, its streamed events, votes and reviews.

use ejento_api::{WorkflowOutput, WorkflowResponse, WorkflowReview};

use super::{
    Store,
    pagination::{PageRequest, thread_page},
};
use crate::{error::Result, time_fmt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkflowResponseRow {
    pub id: i64,
    pub organization_id: i64,
    pub workflow_id: i64,
    pub thread_id: i64,
    pub user_id: i64,
    pub query: String,
    pub response: String,
    pub status: String,
    pub output: Option<String>,
    pub total_tokens: i64,
    pub cost: String,
    pub my_vote: Option<String>,
    pub created_by: String,
    pub created_on: String,
}

impl WorkflowResponseRow {
    pub fn into_wire(self) -> WorkflowResponse {
        WorkflowResponse {
            response: self
                .output
                .as_deref()
                .and_then(|o| serde_json::from_str::<WorkflowOutput>(o).ok()),
            id: self.id,
            workflow: self.workflow_id,
            thread: self.thread_id,
            question: self.query,
            answer: self.response,
            status: self.status,
            my_vote: self.my_vote,
            feedback: Vec::new(),
            total_tokens: self.total_tokens,
            cost: self.cost,
            created_by: self.created_by,
            created_on: self.created_on,
        }
    }
}

/// `$1` is the caller (for `my_vote`).
const SELECT: &str = "SELECT r.id, r.organization_id, r.workflow_id, r.thread_id, r.user_id, r.query, r.response, \
     r.status, r.output, r.total_tokens, r.cost, \
     (SELECT f.vote FROM workflow_response_feedback f WHERE f.workflow_response_id = r.id AND f.user_id = $1) AS my_vote, \
     r.created_by, r.created_on FROM workflow_responses r";

/// How a finished workflow answer is recorded.
pub struct FinishedWorkflowResponse<'a> {
    pub status: &'a str,
    pub output: &'a WorkflowOutput,
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub async fn create_workflow_response(
        &self,
        org: i64,
        workflow: i64,
        thread: i64,
        user: i64,
        by: &str,
        query: &str,
        query_source: &str,
    ) -> Result<i64> {
        let now = time_fmt::now();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO workflow_responses (organization_id, workflow_id, thread_id, user_id, query, status, \
             query_source, created_by, created_on, modified_on) \
             VALUES ($1, $2, $3, $4, $5, 'streaming', $6, $7, $8, $8) RETURNING id",
        )
        .bind(org)
        .bind(workflow)
        .bind(thread)
        .bind(user)
        .bind(query)
        .bind(query_source)
        .bind(by)
        .bind(&now)
        .fetch_one(self.pool())
        .await?;
        sqlx::query("UPDATE workflow_chat_threads SET modified_on = $2 WHERE id = $1")
            .bind(thread)
            .bind(&now)
            .execute(self.pool())
            .await?;
        Ok(id)
    }

    /// A workflow answer of the organization (the caller's vote filled in).
    pub async fn workflow_response(&self, org: i64, caller: i64, id: i64) -> Result<Option<WorkflowResponseRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE r.id = $2 AND r.organization_id = $3 AND r.is_deleted = 0"
        ))
        .bind(caller)
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A conversation's answers, oldest first.
    pub async fn thread_workflow_responses(
        &self,
        caller: i64,
        thread: i64,
        page: PageRequest,
    ) -> Result<(Vec<WorkflowResponseRow>, i64)> {
        thread_page(
            self.pool(),
            (SELECT, "workflow_responses", "thread_id"),
            super::pagination::EVERY_ANSWER,
            caller,
            thread,
            page,
        )
        .await
    }

    /// Earlier turns of a conversation before `before`, oldest first (at most `turns`).
    pub async fn workflow_thread_history(&self, thread: i64, before: i64, turns: i64) -> Result<Vec<(String, String)>> {
        let mut rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT query, response FROM workflow_responses WHERE thread_id = $1 AND id < $2 AND is_deleted = 0 \
             AND status = 'completed' ORDER BY id DESC LIMIT $3",
        )
        .bind(thread)
        .bind(before)
        .bind(turns)
        .fetch_all(self.pool())
        .await?;
        rows.reverse();
        Ok(rows)
    }

    /// Records the end, once: a response already ended (failed as stale) is left as it is.
    pub async fn finish_workflow_response(&self, id: i64, f: &FinishedWorkflowResponse<'_>) -> Result<bool> {
        let output = serde_json::to_string(f.output).unwrap_or_else(|_| "null".into());
        let done = sqlx::query(
            "UPDATE workflow_responses SET status = $2, response = $3, output = $4, prompt_tokens = $5, \
             completion_tokens = $6, total_tokens = $7, cost = $8, modified_on = $9 \
             WHERE id = $1 AND status = 'streaming'",
        )
        .bind(id)
        .bind(f.status)
        .bind(&f.output.answer)
        .bind(output)
        .bind(f.output.prompt_tokens)
        .bind(f.output.completion_tokens)
        .bind(f.output.total_tokens)
        .bind(&f.output.cost)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_workflow_response(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE workflow_responses SET is_deleted = 1 WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Names a conversation after its first question (a renamed one keeps its name).
    pub async fn name_workflow_thread(&self, thread: i64, title: &str) -> Result<String> {
        sqlx::query("UPDATE workflow_chat_threads SET title = $2 WHERE id = $1 AND title = 'New Chat'")
            .bind(thread)
            .bind(title)
            .execute(self.pool())
            .await?;
        let (title,): (String,) = sqlx::query_as("SELECT title FROM workflow_chat_threads WHERE id = $1")
            .bind(thread)
            .fetch_one(self.pool())
            .await?;
        Ok(title)
    }

    /// One vote per person: a new one replaces the old.
    pub async fn set_workflow_feedback(&self, response: i64, user: i64, vote: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query("DELETE FROM workflow_response_feedback WHERE workflow_response_id = $1 AND user_id = $2")
            .bind(response)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO workflow_response_feedback (workflow_response_id, user_id, vote, created_on) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(response)
        .bind(user)
        .bind(vote)
        .bind(time_fmt::now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn workflow_reviews(&self, response: i64) -> Result<Vec<WorkflowReview>> {
        let rows: Vec<(i64, i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT id, user_id, rating, review, created_by, created_on FROM workflow_response_reviews \
             WHERE workflow_response_id = $1 ORDER BY id",
        )
        .bind(response)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, user, rating, review, created_by, created_on)| WorkflowReview {
                id,
                workflow_response: response,
                user,
                rating,
                review,
                created_by,
                created_on,
            })
            .collect())
    }

    pub async fn add_workflow_review(
        &self,
        response: i64,
        user: i64,
        by: &str,
        rating: i64,
        review: &str,
    ) -> Result<WorkflowReview> {
        let now = time_fmt::now();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO workflow_response_reviews (workflow_response_id, user_id, rating, review, created_by, created_on) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(response)
        .bind(user)
        .bind(rating)
        .bind(review)
        .bind(by)
        .bind(&now)
        .fetch_one(self.pool())
        .await?;
        Ok(WorkflowReview {
            id,
            workflow_response: response,
            user,
            rating,
            review: review.to_string(),
            created_by: by.to_string(),
            created_on: now,
        })
    }
}

/// A workflow's answers between two instants (`from` inclusive, `to` exclusive, UTC).
pub struct WorkflowUsage {
    /// (created_on, status, total_tokens, cost)
    pub responses: Vec<(String, String, i64, String)>,
    /// (agent_id, agent_name, total_tokens, cost), one per agent step.
    pub steps: Vec<(i64, String, i64, String)>,
    pub upvotes: i64,
    pub downvotes: i64,
    /// (reviews, mean rating)
    pub reviews: (i64, Option<f64>),
}

impl Store {
    /// The raw usage of one workflow of the organization over a range; summed by the caller.
    pub async fn workflow_usage_between(&self, org: i64, workflow: i64, from: &str, to: &str) -> Result<WorkflowUsage> {
        let scope = "wr.organization_id = $1 AND wr.workflow_id = $2 AND wr.created_on >= $3 AND wr.created_on < $4 \
                     AND wr.is_deleted = 0";
        let responses = sqlx::query_as(&format!(
            "SELECT wr.created_on, wr.status, wr.total_tokens, wr.cost FROM workflow_responses wr WHERE {scope} \
             ORDER BY wr.created_on"
        ))
        .bind(org)
        .bind(workflow)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let steps = sqlx::query_as(&format!(
            "SELECT ar.agent_id, a.agent_name, ar.total_tokens, ar.cost FROM agent_responses ar \
             JOIN workflow_responses wr ON wr.id = ar.workflow_response_id JOIN agents a ON a.id = ar.agent_id \
             WHERE {scope}"
        ))
        .bind(org)
        .bind(workflow)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let (upvotes, downvotes): (i64, i64) = sqlx::query_as(&format!(
            "SELECT COALESCE(SUM(CASE WHEN f.vote = 'upvote' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN f.vote = 'downvote' THEN 1 ELSE 0 END), 0) FROM workflow_response_feedback f \
             JOIN workflow_responses wr ON wr.id = f.workflow_response_id WHERE {scope}"
        ))
        .bind(org)
        .bind(workflow)
        .bind(from)
        .bind(to)
        .fetch_one(self.pool())
        .await?;
        let reviews: (i64, Option<f64>) = sqlx::query_as(&format!(
            "SELECT COUNT(*), AVG(CAST(r.rating AS DOUBLE PRECISION)) FROM workflow_response_reviews r \
             JOIN workflow_responses wr ON wr.id = r.workflow_response_id WHERE {scope}"
        ))
        .bind(org)
        .bind(workflow)
        .bind(from)
        .bind(to)
        .fetch_one(self.pool())
        .await?;
        Ok(WorkflowUsage {
            responses,
            steps,
            upvotes,
            downvotes,
            reviews,
        })
    }
}
