//! Evaluation datasets, their questions, and metrics.

use std::collections::HashMap;

use ejento_api::{EvaluationDataset, EvaluationMetric, EvaluationQuery, MetricKind};

use super::{
    Store,
    pagination::{PageRequest, placeholders},
};
use crate::{error::Result, time_fmt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DatasetRow {
    pub id: i64,
    pub organization_id: i64,
    pub agent_id: i64,
    pub name: String,
    pub description: String,
    pub query_count: i64,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

impl DatasetRow {
    pub fn into_wire(self, tags: Vec<String>) -> EvaluationDataset {
        EvaluationDataset {
            id: self.id,
            agent: self.agent_id,
            name: self.name,
            description: self.description,
            tags,
            query_count: self.query_count,
            created_by: self.created_by,
            created_on: self.created_on,
            modified_by: self.modified_by,
            modified_on: self.modified_on,
        }
    }
}

const DATASET_SELECT: &str = "SELECT d.id, d.organization_id, d.agent_id, d.name, d.description, \
     (SELECT COUNT(*) FROM evaluation_queries q WHERE q.dataset_id = d.id AND q.is_deleted = 0) AS query_count, \
     d.created_by, d.created_on, d.modified_by, d.modified_on FROM evaluation_datasets d";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueryRow {
    pub id: i64,
    pub dataset_id: i64,
    pub question: String,
    pub expected_answer: String,
    pub expected_sources: String,
    pub agent_response_id: Option<i64>,
    pub created_on: String,
    pub modified_on: String,
}

impl QueryRow {
    pub fn into_wire(self) -> EvaluationQuery {
        EvaluationQuery {
            id: self.id,
            dataset: self.dataset_id,
            question: self.question,
            expected_answer: self.expected_answer,
            expected_sources: serde_json::from_str(&self.expected_sources).unwrap_or_default(),
            agent_response: self.agent_response_id,
            created_on: self.created_on,
            modified_on: self.modified_on,
        }
    }
}

const QUERY_SELECT: &str = "SELECT id, dataset_id, question, expected_answer, expected_sources, agent_response_id, \
     created_on, modified_on FROM evaluation_queries";

/// A question about to be added to a dataset.
#[derive(Debug, Clone)]
pub struct NewQuery {
    pub question: String,
    pub expected_answer: String,
    pub expected_sources: Vec<String>,
    pub agent_response_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MetricRow {
    pub id: i64,
    pub organization_id: Option<i64>,
    pub name: String,
    pub category: String,
    pub description: String,
    pub kind: String,
    pub created_by: String,
    pub created_on: String,
}

impl MetricRow {
    pub fn builtin(&self) -> bool {
        self.organization_id.is_none()
    }

    pub fn into_wire(self) -> EvaluationMetric {
        EvaluationMetric {
            builtin: self.builtin(),
            id: self.id,
            name: self.name,
            category: self.category,
            description: self.description,
            kind: if self.kind == "computed" {
                MetricKind::Computed
            } else {
                MetricKind::Manual
            },
            created_by: self.created_by,
            created_on: self.created_on,
        }
    }
}

const METRIC_SELECT: &str =
    "SELECT id, organization_id, name, category, description, kind, created_by, created_on FROM evaluation_metrics";

impl Store {
    pub async fn create_dataset(
        &self,
        org: i64,
        agent: i64,
        by: &str,
        name: &str,
        description: &str,
        tags: &[String],
    ) -> Result<i64> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO evaluation_datasets (organization_id, agent_id, name, description, created_by, created_on, \
             modified_by, modified_on) VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id",
        )
        .bind(org)
        .bind(agent)
        .bind(name)
        .bind(description)
        .bind(by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        for tag in tags {
            sqlx::query("INSERT INTO evaluation_dataset_tags (dataset_id, tag) VALUES ($1, $2)")
                .bind(id)
                .bind(tag)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_dataset(
        &self,
        id: i64,
        by: &str,
        name: &str,
        description: &str,
        tags: &[String],
    ) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query(
            "UPDATE evaluation_datasets SET name = $1, description = $2, modified_by = $3, modified_on = $4 WHERE id = $5",
        )
        .bind(name)
        .bind(description)
        .bind(by)
        .bind(time_fmt::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM evaluation_dataset_tags WHERE dataset_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for tag in tags {
            sqlx::query("INSERT INTO evaluation_dataset_tags (dataset_id, tag) VALUES ($1, $2)")
                .bind(id)
                .bind(tag)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A live dataset of a live agent in the organization.
    pub async fn find_dataset(&self, org: i64, id: i64) -> Result<Option<DatasetRow>> {
        Ok(sqlx::query_as(&format!(
            "{DATASET_SELECT} WHERE d.id = $1 AND d.organization_id = $2 AND d.is_deleted = 0 \
             AND d.agent_id IN (SELECT id FROM agents WHERE is_deleted = 0)"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    /// An agent's datasets, newest first, optionally only those with `tag`.
    pub async fn list_datasets(
        &self,
        agent: i64,
        tag: Option<&str>,
        page: PageRequest,
    ) -> Result<(Vec<DatasetRow>, i64)> {
        let filter = "d.agent_id = $1 AND d.is_deleted = 0 \
             AND ($2 = '' OR d.id IN (SELECT dataset_id FROM evaluation_dataset_tags WHERE tag = $2))";
        let tag = tag.unwrap_or_default();
        let rows = sqlx::query_as(&format!(
            "{DATASET_SELECT} WHERE {filter} ORDER BY d.id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(agent)
        .bind(tag)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM evaluation_datasets d WHERE {filter}"))
            .bind(agent)
            .bind(tag)
            .fetch_one(self.pool())
            .await?;
        Ok((rows, count))
    }

    /// Tags of each dataset, sorted.
    pub async fn dataset_tags(&self, datasets: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        if datasets.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT dataset_id, tag FROM evaluation_dataset_tags WHERE dataset_id IN ({}) ORDER BY tag",
            placeholders(1, datasets.len())
        );
        let rows: Vec<(i64, String)> = datasets
            .iter()
            .fold(sqlx::query_as(&sql), |q, id| q.bind(*id))
            .fetch_all(self.pool())
            .await?;
        for (dataset, tag) in rows {
            out.entry(dataset).or_default().push(tag);
        }
        Ok(out)
    }

    /// Every tag used by a live dataset of the organization, sorted.
    pub async fn organization_dataset_tags(&self, org: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT t.tag FROM evaluation_dataset_tags t JOIN evaluation_datasets d ON d.id = t.dataset_id \
             WHERE d.organization_id = $1 AND d.is_deleted = 0 ORDER BY t.tag",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    /// Deletes the agent's datasets among `ids` (all of them with `None`); how many.
    pub async fn delete_datasets(&self, agent: i64, ids: Option<&[i64]>, by: &str) -> Result<u64> {
        let now = time_fmt::now();
        let done = match ids {
            None => {
                sqlx::query(
                    "UPDATE evaluation_datasets SET is_deleted = 1, modified_by = $1, modified_on = $2 \
                     WHERE agent_id = $3 AND is_deleted = 0",
                )
                .bind(by)
                .bind(&now)
                .bind(agent)
                .execute(self.pool())
                .await?
            }
            Some(ids) => {
                let sql = format!(
                    "UPDATE evaluation_datasets SET is_deleted = 1, modified_by = $1, modified_on = $2 \
                     WHERE agent_id = $3 AND is_deleted = 0 AND id IN ({})",
                    placeholders(4, ids.len())
                );
                ids.iter()
                    .fold(sqlx::query(&sql).bind(by).bind(&now).bind(agent), |q, id| q.bind(*id))
                    .execute(self.pool())
                    .await?
            }
        };
        Ok(done.rows_affected())
    }

    /// Adds questions to a dataset in one transaction; their ids in order.
    pub async fn add_queries(&self, dataset: i64, queries: &[NewQuery]) -> Result<Vec<i64>> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let mut ids = Vec::with_capacity(queries.len());
        for q in queries {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO evaluation_queries (dataset_id, question, expected_answer, expected_sources, \
                 agent_response_id, created_on, modified_on) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(dataset)
            .bind(&q.question)
            .bind(&q.expected_answer)
            .bind(serde_json::to_string(&q.expected_sources).unwrap_or_else(|_| "[]".into()))
            .bind(q.agent_response_id)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        sqlx::query("UPDATE evaluation_datasets SET modified_on = $1 WHERE id = $2")
            .bind(&now)
            .bind(dataset)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// A dataset's questions in the order they were added.
    pub async fn list_queries(&self, dataset: i64, page: PageRequest) -> Result<(Vec<QueryRow>, i64)> {
        let rows = sqlx::query_as(&format!(
            "{QUERY_SELECT} WHERE dataset_id = $1 AND is_deleted = 0 ORDER BY id LIMIT $2 OFFSET $3"
        ))
        .bind(dataset)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM evaluation_queries WHERE dataset_id = $1 AND is_deleted = 0")
                .bind(dataset)
                .fetch_one(self.pool())
                .await?;
        Ok((rows, count))
    }

    /// A live question of a live dataset of the organization.
    pub async fn find_query(&self, org: i64, id: i64) -> Result<Option<QueryRow>> {
        Ok(sqlx::query_as(&format!(
            "{QUERY_SELECT} WHERE id = $1 AND is_deleted = 0 AND dataset_id IN \
             (SELECT id FROM evaluation_datasets WHERE organization_id = $2 AND is_deleted = 0)"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn update_query(&self, id: i64, q: &NewQuery) -> Result<()> {
        sqlx::query(
            "UPDATE evaluation_queries SET question = $1, expected_answer = $2, expected_sources = $3, modified_on = $4 \
             WHERE id = $5",
        )
        .bind(&q.question)
        .bind(&q.expected_answer)
        .bind(serde_json::to_string(&q.expected_sources).unwrap_or_else(|_| "[]".into()))
        .bind(time_fmt::now())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn delete_query(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE evaluation_queries SET is_deleted = 1, modified_on = $1 WHERE id = $2")
            .bind(time_fmt::now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The built-in metrics and the organization's own, optionally of one category.
    pub async fn list_metrics(&self, org: i64, category: Option<&str>) -> Result<Vec<MetricRow>> {
        Ok(sqlx::query_as(&format!(
            "{METRIC_SELECT} WHERE (organization_id IS NULL OR organization_id = $1) AND is_deleted = 0 \
             AND ($2 = '' OR LOWER(category) = LOWER($2)) ORDER BY organization_id IS NOT NULL, id"
        ))
        .bind(org)
        .bind(category.unwrap_or_default())
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn find_metric(&self, org: i64, id: i64) -> Result<Option<MetricRow>> {
        Ok(sqlx::query_as(&format!(
            "{METRIC_SELECT} WHERE id = $1 AND (organization_id IS NULL OR organization_id = $2) AND is_deleted = 0"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    /// An organization's own metric, scored by people.
    pub async fn create_metric(
        &self,
        org: i64,
        by: &str,
        name: &str,
        category: &str,
        description: &str,
    ) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO evaluation_metrics (organization_id, name, category, description, kind, created_by, created_on) \
             VALUES ($1, $2, $3, $4, 'manual', $5, $6) RETURNING id",
        )
        .bind(org)
        .bind(name)
        .bind(category)
        .bind(description)
        .bind(by)
        .bind(time_fmt::now())
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }

    pub async fn update_metric(&self, id: i64, name: &str, category: &str, description: &str) -> Result<()> {
        sqlx::query("UPDATE evaluation_metrics SET name = $1, category = $2, description = $3 WHERE id = $4")
            .bind(name)
            .bind(category)
            .bind(description)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_metric(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE evaluation_metrics SET is_deleted = 1 WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Whether the organization already has a metric of that name (built-in ones included).
    pub async fn metric_name_taken(&self, org: i64, name: &str, except: Option<i64>) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM evaluation_metrics WHERE (organization_id IS NULL OR organization_id = $1) \
             AND is_deleted = 0 AND LOWER(name) = LOWER($2) AND id <> $3",
        )
        .bind(org)
        .bind(name)
        .bind(except.unwrap_or(0))
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }
}
