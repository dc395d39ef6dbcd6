//! Evaluation runs: the durable job (claimed with a lease), each question's result once, and
//! the scores.

use std::collections::HashMap;

use ejento_api::{EvaluationSummary, MetricAverage, MetricResult, MetricScore, QueryResult, ResultSource};

use super::{
    Store,
    analytics::{cost_nanos, format_cost},
    pagination::PageRequest,
};
use crate::{error::Result, time_fmt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationRow {
    pub id: i64,
    pub organization_id: i64,
    pub dataset_id: i64,
    pub agent_id: i64,
    pub user_id: i64,
    pub name: String,
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub message: Option<String>,
    pub created_by: String,
    pub created_on: String,
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
    pub llm_config_id: Option<i64>,
    pub judge_llm_config_id: Option<i64>,
    /// JSON of [`ejento_api::RunConfiguration`].
    pub configuration: String,
}

/// A run to create: what to ask, of whom, and with which models.
pub struct NewEvaluation<'a> {
    pub organization_id: i64,
    pub dataset_id: i64,
    pub agent_id: i64,
    pub user_id: i64,
    pub by: &'a str,
    pub name: &'a str,
    pub total: i64,
    pub agent_version: &'a str,
    pub llm_config_id: Option<i64>,
    pub judge_llm_config_id: Option<i64>,
    pub configuration: &'a ejento_api::RunConfiguration,
}

const SELECT: &str = "SELECT e.id, e.organization_id, e.dataset_id, e.agent_id, e.user_id, e.name, e.status, e.total, \
     (SELECT COUNT(*) FROM evaluation_query_results r WHERE r.evaluation_id = e.id) AS done, e.message, \
     e.created_by, e.created_on, e.started_on, e.finished_on, e.llm_config_id, e.judge_llm_config_id, \
     e.configuration FROM evaluations e";

/// One question's outcome, as the runner records it.
pub struct NewQueryResult<'a> {
    pub query_id: i64,
    pub question: &'a str,
    pub expected_answer: &'a str,
    pub answer: &'a str,
    pub sources: &'a [ResultSource],
    pub agent_response_id: Option<i64>,
    pub status: &'a str,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    pub cost: &'a str,
    pub latency_ms: i64,
    /// What judging the answer took (not part of the agent's cost).
    pub judge_tokens: i64,
    pub judge_cost: &'a str,
    /// (metric, score, details)
    pub scores: Vec<(i64, f64, String)>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ResultRow {
    id: i64,
    evaluation_id: i64,
    query_id: i64,
    question: String,
    expected_answer: String,
    answer: String,
    sources: String,
    agent_response_id: Option<i64>,
    status: String,
    total_tokens: i64,
    cost: String,
    latency_ms: i64,
}

const RESULT_SELECT: &str = "SELECT id, evaluation_id, query_id, question, expected_answer, answer, sources, \
     agent_response_id, status, total_tokens, cost, latency_ms FROM evaluation_query_results";

impl Store {
    pub async fn create_evaluation(&self, e: &NewEvaluation<'_>) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO evaluations (organization_id, dataset_id, agent_id, user_id, name, status, total, agent_version, \
             llm_config_id, judge_llm_config_id, configuration, created_by, created_on) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(e.organization_id)
        .bind(e.dataset_id)
        .bind(e.agent_id)
        .bind(e.user_id)
        .bind(e.name)
        .bind(e.total)
        .bind(e.agent_version)
        .bind(e.llm_config_id)
        .bind(e.judge_llm_config_id)
        .bind(serde_json::to_string(e.configuration).unwrap_or_else(|_| "{}".into()))
        .bind(e.by)
        .bind(time_fmt::now())
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }

    pub async fn find_evaluation(&self, org: i64, id: i64) -> Result<Option<EvaluationRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE e.id = $1 AND e.organization_id = $2 AND e.is_deleted = 0"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Runs of one dataset (or of the whole organization), newest first.
    pub async fn list_evaluations(
        &self,
        org: i64,
        dataset: Option<i64>,
        page: PageRequest,
    ) -> Result<(Vec<EvaluationRow>, i64)> {
        let filter = "e.organization_id = $1 AND e.is_deleted = 0 AND ($2 = 0 OR e.dataset_id = $2)";
        let rows = sqlx::query_as(&format!(
            "{SELECT} WHERE {filter} ORDER BY e.id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(org)
        .bind(dataset.unwrap_or(0))
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM evaluations e WHERE {filter}"))
            .bind(org)
            .bind(dataset.unwrap_or(0))
            .fetch_one(self.pool())
            .await?;
        Ok((rows, count))
    }

    pub async fn delete_evaluation(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE evaluations SET is_deleted = 1, cancel_requested = 1 WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn rename_evaluation(&self, id: i64, name: &str) -> Result<()> {
        sqlx::query("UPDATE evaluations SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stop: a pending run ends at once; a running one when its runner next looks.
    pub async fn cancel_evaluation(&self, id: i64) -> Result<bool> {
        let now = time_fmt::now();
        let pending = sqlx::query(
            "UPDATE evaluations SET status = 'cancelled', finished_on = $2 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(&now)
        .execute(self.pool())
        .await?;
        let running = sqlx::query("UPDATE evaluations SET cancel_requested = 1 WHERE id = $1 AND status = 'running'")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(pending.rows_affected() + running.rows_affected() > 0)
    }

    /// Resume a stopped or failed run: the questions without a result are asked.
    pub async fn resume_evaluation(&self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE evaluations SET status = 'pending', cancel_requested = 0, message = NULL, finished_on = NULL, \
             lease_owner = NULL, lease_until = NULL WHERE id = $1 AND status IN ('cancelled', 'failed')",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes the oldest run that is waiting, or whose runner's lease ran out (it died).
    pub async fn claim_evaluation(&self, owner: &str, lease_secs: i64) -> Result<Option<EvaluationRow>> {
        let now = time_fmt::now();
        let until = time_fmt::from_now(time::Duration::seconds(lease_secs));
        let claimed: Option<(i64,)> = sqlx::query_as(
            "UPDATE evaluations SET status = 'running', lease_owner = $1, lease_until = $2, \
             started_on = COALESCE(started_on, $3) \
             WHERE id = (SELECT id FROM evaluations WHERE status IN ('pending', 'running') AND is_deleted = 0 \
                 AND (lease_until IS NULL OR lease_until < $3) ORDER BY id LIMIT 1) \
             AND (lease_until IS NULL OR lease_until < $3) RETURNING id",
        )
        .bind(owner)
        .bind(&until)
        .bind(&now)
        .fetch_optional(self.pool())
        .await?;
        let Some((id,)) = claimed else { return Ok(None) };
        Ok(sqlx::query_as(&format!("{SELECT} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Extends the lease; false when another runner has taken the run over.
    pub async fn renew_evaluation_lease(&self, id: i64, owner: &str, lease_secs: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE evaluations SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(id)
        .bind(owner)
        .bind(time_fmt::from_now(time::Duration::seconds(lease_secs)))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn evaluation_cancel_requested(&self, id: i64) -> Result<bool> {
        let (flag,): (i64,) = sqlx::query_as("SELECT cancel_requested FROM evaluations WHERE id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(flag != 0)
    }

    /// Ends a run this runner holds; who started it hears that it completed or failed (a stop
    /// is their own doing).
    pub async fn finish_evaluation(&self, id: i64, owner: &str, status: &str, message: Option<&str>) -> Result<()> {
        let mut tx = self.db.write().await?;
        let ended = sqlx::query(
            "UPDATE evaluations SET status = $3, message = $4, finished_on = $5, lease_until = NULL \
             WHERE id = $1 AND lease_owner = $2",
        )
        .bind(id)
        .bind(owner)
        .bind(status)
        .bind(message)
        .bind(time_fmt::now())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if ended && matches!(status, "completed" | "failed") {
            let (org, user, name, total): (i64, i64, String, i64) =
                sqlx::query_as("SELECT organization_id, user_id, name, total FROM evaluations WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            let body = match (status, message) {
                ("completed", None) => format!("All {total} questions were answered and scored."),
                (_, Some(m)) => m.to_string(),
                _ => String::new(),
            };
            super::notify(
                &mut tx,
                &super::NewNotification {
                    organization_id: org,
                    user_id: user,
                    kind: "evaluation_finished",
                    title: &format!("Evaluation run “{name}” {status}"),
                    body: &body,
                    link: &format!("/evaluations/runs/{id}"),
                    by: "system",
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The dataset's questions that have no result in this run yet, in order.
    pub async fn unanswered_queries(&self, evaluation: i64, dataset: i64) -> Result<Vec<super::QueryRow>> {
        Ok(sqlx::query_as(
            "SELECT id, dataset_id, question, expected_answer, expected_sources, agent_response_id, created_on, \
             modified_on FROM evaluation_queries WHERE dataset_id = $1 AND is_deleted = 0 AND id NOT IN \
             (SELECT query_id FROM evaluation_query_results WHERE evaluation_id = $2) ORDER BY id",
        )
        .bind(dataset)
        .bind(evaluation)
        .fetch_all(self.pool())
        .await?)
    }

    /// Records a question's result and its scores in one transaction, once: a result already
    /// there (another runner got there first) leaves everything as it was. True if recorded.
    pub async fn record_query_result(&self, evaluation: i64, by: &str, r: &NewQueryResult<'_>) -> Result<bool> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let inserted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO evaluation_query_results (evaluation_id, query_id, question, expected_answer, answer, sources, \
             agent_response_id, status, prompt_tokens, completion_tokens, total_tokens, cost, latency_ms, created_on, \
             judge_tokens, judge_cost) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (evaluation_id, query_id) DO NOTHING RETURNING id",
        )
        .bind(evaluation)
        .bind(r.query_id)
        .bind(r.question)
        .bind(r.expected_answer)
        .bind(r.answer)
        .bind(serde_json::to_string(r.sources).unwrap_or_else(|_| "[]".into()))
        .bind(r.agent_response_id)
        .bind(r.status)
        .bind(r.prompt_tokens)
        .bind(r.completion_tokens)
        .bind(r.total_tokens)
        .bind(r.cost)
        .bind(r.latency_ms)
        .bind(&now)
        .bind(r.judge_tokens)
        .bind(r.judge_cost)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((result,)) = inserted else { return Ok(false) };
        for (metric, score, details) in &r.scores {
            sqlx::query(
                "INSERT INTO evaluation_metric_results (query_result_id, metric_id, score, details, created_by, created_on) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(result)
            .bind(metric)
            .bind(score)
            .bind(details)
            .bind(by)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Per-metric averages, counts, tokens, cost and latency of a run.
    pub async fn evaluation_summary(&self, evaluation: i64) -> Result<EvaluationSummary> {
        let metrics: Vec<(i64, String, Option<f64>, i64)> = sqlx::query_as(
            "SELECT m.id, m.name, AVG(mr.score), COUNT(mr.id) FROM evaluation_metric_results mr \
             JOIN evaluation_query_results qr ON qr.id = mr.query_result_id \
             JOIN evaluation_metrics m ON m.id = mr.metric_id \
             WHERE qr.evaluation_id = $1 GROUP BY m.id, m.name ORDER BY m.id",
        )
        .bind(evaluation)
        .fetch_all(self.pool())
        .await?;
        let rows: Vec<(String, i64, String, i64, i64, String)> = sqlx::query_as(
            "SELECT status, total_tokens, cost, latency_ms, judge_tokens, judge_cost FROM evaluation_query_results \
             WHERE evaluation_id = $1",
        )
        .bind(evaluation)
        .fetch_all(self.pool())
        .await?;
        let completed = rows.iter().filter(|r| r.0 == "completed").count() as i64;
        let latency: Vec<i64> = rows.iter().filter(|r| r.0 == "completed").map(|r| r.3).collect();
        Ok(EvaluationSummary {
            metrics: metrics
                .into_iter()
                .map(|(metric_id, name, average, scored)| MetricAverage {
                    metric_id,
                    name,
                    // Four decimals: enough to rank, and free of float noise from the database.
                    average: average.map(|a| (a * 10_000.0).round() / 10_000.0),
                    scored,
                })
                .collect(),
            completed,
            failed: rows.len() as i64 - completed,
            total_tokens: rows.iter().map(|r| r.1).sum(),
            cost: format_cost(rows.iter().map(|r| i128::from(cost_nanos(&r.2))).sum()),
            average_latency_ms: (!latency.is_empty())
                .then(|| latency.iter().sum::<i64>() as f64 / latency.len() as f64),
            judge_tokens: rows.iter().map(|r| r.4).sum(),
            judge_cost: format_cost(rows.iter().map(|r| i128::from(cost_nanos(&r.5))).sum()),
        })
    }

    /// The id of a question's result in a run, if it has one.
    pub async fn query_result_id(&self, evaluation: i64, query: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM evaluation_query_results WHERE evaluation_id = $1 AND query_id = $2")
                .bind(evaluation)
                .bind(query)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Every live run of a dataset.
    pub async fn dataset_evaluation_ids(&self, org: i64, dataset: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM evaluations WHERE organization_id = $1 AND dataset_id = $2 AND is_deleted = 0",
        )
        .bind(org)
        .bind(dataset)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// One result of a live run of the organization, with its scores.
    pub async fn query_result(&self, org: i64, id: i64) -> Result<Option<QueryResult>> {
        let row: Option<ResultRow> = sqlx::query_as(&format!(
            "{RESULT_SELECT} WHERE id = $1 AND evaluation_id IN \
             (SELECT id FROM evaluations WHERE organization_id = $2 AND is_deleted = 0)"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (mut results, _) = self
            .query_results_where("id = $1", row.id, PageRequest::new(Some(1), Some(1)))
            .await?;
        Ok(results.pop())
    }

    /// Scores an answer by a metric, replacing an earlier score by it; the score's id.
    pub async fn upsert_metric_result(
        &self,
        result: i64,
        metric: i64,
        score: f64,
        details: &str,
        by: &str,
    ) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO evaluation_metric_results (query_result_id, metric_id, score, details, created_by, created_on) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (query_result_id, metric_id) DO UPDATE SET \
             score = excluded.score, details = excluded.details, created_by = excluded.created_by, \
             created_on = excluded.created_on RETURNING id",
        )
        .bind(result)
        .bind(metric)
        .bind(score)
        .bind(details)
        .bind(by)
        .bind(time_fmt::now())
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }

    /// Scores of the organization's live runs: one by id, or a metric's (newest first).
    pub async fn metric_results(
        &self,
        org: i64,
        id: Option<i64>,
        metric: Option<i64>,
        evaluation: Option<i64>,
        page: PageRequest,
    ) -> Result<(Vec<MetricResult>, i64)> {
        let filter = "qr.evaluation_id IN (SELECT id FROM evaluations WHERE organization_id = $1 AND is_deleted = 0) \
             AND ($2 = 0 OR mr.id = $2) AND ($3 = 0 OR mr.metric_id = $3) AND ($4 = 0 OR qr.evaluation_id = $4)";
        type Row = (i64, i64, i64, i64, String, f64, String, String, String);
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT mr.id, mr.query_result_id, qr.evaluation_id, m.id, m.name, mr.score, mr.details, mr.created_by, \
             mr.created_on FROM evaluation_metric_results mr \
             JOIN evaluation_query_results qr ON qr.id = mr.query_result_id \
             JOIN evaluation_metrics m ON m.id = mr.metric_id WHERE {filter} ORDER BY mr.id DESC LIMIT $5 OFFSET $6"
        ))
        .bind(org)
        .bind(id.unwrap_or(0))
        .bind(metric.unwrap_or(0))
        .bind(evaluation.unwrap_or(0))
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM evaluation_metric_results mr \
             JOIN evaluation_query_results qr ON qr.id = mr.query_result_id WHERE {filter}"
        ))
        .bind(org)
        .bind(id.unwrap_or(0))
        .bind(metric.unwrap_or(0))
        .bind(evaluation.unwrap_or(0))
        .fetch_one(self.pool())
        .await?;
        Ok((
            rows.into_iter()
                .map(|r| MetricResult {
                    id: r.0,
                    query_result: r.1,
                    evaluation: r.2,
                    metric_id: r.3,
                    name: r.4,
                    score: r.5,
                    details: r.6,
                    created_by: r.7,
                    created_on: r.8,
                })
                .collect(),
            count,
        ))
    }

    /// A run's results in question order, with their scores.
    pub async fn query_results(&self, evaluation: i64, page: PageRequest) -> Result<(Vec<QueryResult>, i64)> {
        self.query_results_where("evaluation_id = $1", evaluation, page).await
    }

    /// Every result of a run, in question order, with their scores (for comparing runs).
    pub async fn all_query_results(&self, evaluation: i64) -> Result<Vec<QueryResult>> {
        Ok(self
            .query_results_between("evaluation_id = $1", evaluation, i64::MAX, 0)
            .await?
            .0)
    }

    /// Results matching `filter` (on `$1`), in question order, with their scores.
    async fn query_results_where(&self, filter: &str, arg: i64, page: PageRequest) -> Result<(Vec<QueryResult>, i64)> {
        self.query_results_between(filter, arg, page.limit(), page.offset())
            .await
    }

    async fn query_results_between(
        &self,
        filter: &str,
        arg: i64,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<QueryResult>, i64)> {
        let rows: Vec<ResultRow> = sqlx::query_as(&format!(
            "{RESULT_SELECT} WHERE {filter} ORDER BY query_id LIMIT $2 OFFSET $3"
        ))
        .bind(arg)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM evaluation_query_results WHERE {filter}"))
            .bind(arg)
            .fetch_one(self.pool())
            .await?;
        let scores: Vec<(i64, i64, i64, String, f64, String)> = sqlx::query_as(&format!(
            "SELECT mr.query_result_id, mr.id, m.id, m.name, mr.score, mr.details FROM evaluation_metric_results mr \
             JOIN evaluation_metrics m ON m.id = mr.metric_id WHERE mr.query_result_id IN \
             (SELECT id FROM evaluation_query_results WHERE {filter}) ORDER BY m.id"
        ))
        .bind(arg)
        .fetch_all(self.pool())
        .await?;
        let mut by_result: HashMap<i64, Vec<MetricScore>> = HashMap::new();
        for (result, id, metric_id, name, score, details) in scores {
            by_result.entry(result).or_default().push(MetricScore {
                id,
                metric_id,
                name,
                score,
                details,
            });
        }
        Ok((
            rows.into_iter()
                .map(|r| QueryResult {
                    metrics: by_result.remove(&r.id).unwrap_or_default(),
                    id: r.id,
                    evaluation: r.evaluation_id,
                    query: r.query_id,
                    question: r.question,
                    expected_answer: r.expected_answer,
                    answer: r.answer,
                    sources: serde_json::from_str(&r.sources).unwrap_or_default(),
                    agent_response: r.agent_response_id,
                    status: r.status,
                    total_tokens: r.total_tokens,
                    cost: r.cost,
                    latency_ms: r.latency_ms,
                })
                .collect(),
            count,
        ))
    }
}
