//! Workflows, their agents, and conversations with them.

use std::collections::HashMap;

use ejento_api::{SupervisorType, Workflow, WorkflowAgent, WorkflowTableRow, WorkflowThread};

use super::{
    Store,
    pagination::{PageRequest, like_pattern, placeholders},
};
use crate::{error::Result, time_fmt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkflowRow {
    pub id: i64,
    pub organization_id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub user_id: i64,
    pub name: String,
    pub description: String,
    pub supervisor_type: String,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

impl WorkflowRow {
    pub fn supervisor(&self) -> SupervisorType {
        // Written only through `SupervisorType::as_str`.
        SupervisorType::parse(&self.supervisor_type).unwrap_or(SupervisorType::Router)
    }

    pub fn into_wire(self, agents: Vec<WorkflowAgent>) -> Workflow {
        Workflow {
            supervisor_type: self.supervisor(),
            id: self.id,
            name: self.name,
            description: self.description,
            organization: self.organization_id,
            project: self.project_id,
            project_name: self.project_name,
            agents,
            user: self.user_id,
            created_by: self.created_by,
            created_on: self.created_on,
            modified_by: self.modified_by,
            modified_on: self.modified_on,
        }
    }
}

const SELECT: &str = "SELECT w.id, w.organization_id, w.project_id, p.name AS project_name, w.user_id, w.name, \
     w.description, w.supervisor_type, w.created_by, w.created_on, w.modified_by, w.modified_on \
     FROM workflows w JOIN projects p ON p.id = w.project_id";

/// What a workflow is, as written by create and update.
pub struct WorkflowFields<'a> {
    pub project_id: i64,
    pub name: &'a str,
    pub description: &'a str,
    pub supervisor: SupervisorType,
    /// In the workflow's order.
    pub agent_ids: &'a [i64],
}

/// Which workflows a list shows (always one organization's, never deleted ones).
#[derive(Debug, Default)]
pub struct WorkflowFilter<'a> {
    pub project_id: Option<i64>,
    pub creator: Option<i64>,
    pub search: Option<&'a str>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkflowThreadRow {
    pub id: i64,
    pub organization_id: i64,
    pub workflow_id: i64,
    pub user_id: i64,
    pub title: String,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

impl WorkflowThreadRow {
    pub fn into_wire(self) -> WorkflowThread {
        WorkflowThread {
            id: self.id,
            workflow: self.workflow_id,
            user: self.user_id,
            title: self.title,
            created_by: self.created_by,
            created_on: self.created_on,
            modified_by: self.modified_by,
            modified_on: self.modified_on,
        }
    }
}

const THREAD_SELECT: &str = "SELECT id, organization_id, workflow_id, user_id, title, created_by, created_on, \
     modified_by, modified_on FROM workflow_chat_threads";

impl Store {
    pub async fn create_workflow(&self, org: i64, user: i64, by: &str, w: &WorkflowFields<'_>) -> Result<i64> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO workflows (organization_id, project_id, user_id, name, description, supervisor_type, \
             created_by, created_on, modified_by, modified_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $8) RETURNING id",
        )
        .bind(org)
        .bind(w.project_id)
        .bind(user)
        .bind(w.name)
        .bind(w.description)
        .bind(w.supervisor.as_str())
        .bind(by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        for (position, agent) in w.agent_ids.iter().enumerate() {
            sqlx::query("INSERT INTO workflow_agents (workflow_id, agent_id, position) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(agent)
                .bind(position as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Replaces a workflow's fields and agents in one transaction.
    pub async fn update_workflow(&self, id: i64, by: &str, w: &WorkflowFields<'_>) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query(
            "UPDATE workflows SET project_id = $1, name = $2, description = $3, supervisor_type = $4, \
             modified_by = $5, modified_on = $6 WHERE id = $7",
        )
        .bind(w.project_id)
        .bind(w.name)
        .bind(w.description)
        .bind(w.supervisor.as_str())
        .bind(by)
        .bind(time_fmt::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM workflow_agents WHERE workflow_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (position, agent) in w.agent_ids.iter().enumerate() {
            sqlx::query("INSERT INTO workflow_agents (workflow_id, agent_id, position) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(agent)
                .bind(position as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_workflow(&self, id: i64, by: &str) -> Result<()> {
        sqlx::query("UPDATE workflows SET is_deleted = 1, modified_by = $1, modified_on = $2 WHERE id = $3")
            .bind(by)
            .bind(time_fmt::now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn find_workflow(&self, org: i64, id: i64) -> Result<Option<WorkflowRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE w.id = $1 AND w.organization_id = $2 AND w.is_deleted = 0"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The agents of each workflow, in order (deleted agents drop out).
    pub async fn workflow_agents(&self, workflows: &[i64]) -> Result<HashMap<i64, Vec<WorkflowAgent>>> {
        let mut out: HashMap<i64, Vec<WorkflowAgent>> = HashMap::new();
        if workflows.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT wa.workflow_id, a.id, a.agent_name FROM workflow_agents wa JOIN agents a ON a.id = wa.agent_id \
             WHERE a.is_deleted = 0 AND wa.workflow_id IN ({}) ORDER BY wa.workflow_id, wa.position",
            placeholders(1, workflows.len())
        );
        let rows: Vec<(i64, i64, String)> = workflows
            .iter()
            .fold(sqlx::query_as(&sql), |q, id| q.bind(*id))
            .fetch_all(self.pool())
            .await?;
        for (workflow, id, agent_name) in rows {
            out.entry(workflow).or_default().push(WorkflowAgent { id, agent_name });
        }
        Ok(out)
    }

    /// A page of an organization's workflows, newest first, with the total count.
    pub async fn list_workflows(
        &self,
        org: i64,
        filter: &WorkflowFilter<'_>,
        page: PageRequest,
    ) -> Result<(Vec<WorkflowRow>, i64)> {
        let mut conditions = vec!["w.organization_id = $1".to_string(), "w.is_deleted = 0".to_string()];
        let mut args: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = vec![org];
        if let Some(project) = filter.project_id {
            ints.push(project);
            conditions.push(format!("w.project_id = ${}", ints.len()));
        }
        if let Some(creator) = filter.creator {
            ints.push(creator);
            conditions.push(format!("w.user_id = ${}", ints.len()));
        }
        let pattern = like_pattern(filter.search);
        if !pattern.is_empty() {
            args.push(pattern);
            conditions.push(format!(
                "(LOWER(w.name) LIKE ${n} ESCAPE '\\' OR LOWER(w.description) LIKE ${n} ESCAPE '\\')",
                n = ints.len() + 1
            ));
        }
        let filter_sql = conditions.join(" AND ");
        let n = ints.len() + args.len();
        let sql = format!(
            "{SELECT} WHERE {filter_sql} ORDER BY w.id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let q = ints
            .iter()
            .fold(sqlx::query_as::<_, WorkflowRow>(&sql), |q, v| q.bind(*v));
        let rows = args
            .iter()
            .fold(q, |q, v| q.bind(v.clone()))
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(self.pool())
            .await?;
        let count_sql = format!("SELECT COUNT(*) FROM workflows w WHERE {filter_sql}");
        let q = ints
            .iter()
            .fold(sqlx::query_as::<_, (i64,)>(&count_sql), |q, v| q.bind(*v));
        let (count,) = args
            .iter()
            .fold(q, |q, v| q.bind(v.clone()))
            .fetch_one(self.pool())
            .await?;
        Ok((rows, count))
    }

    /// How much each workflow is used: (conversations, when one last changed).
    pub async fn workflow_usage(&self, workflows: &[i64]) -> Result<HashMap<i64, (i64, Option<String>)>> {
        if workflows.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT workflow_id, COUNT(*), MAX(modified_on) FROM workflow_chat_threads \
             WHERE is_deleted = 0 AND workflow_id IN ({}) GROUP BY workflow_id",
            placeholders(1, workflows.len())
        );
        let rows: Vec<(i64, i64, Option<String>)> = workflows
            .iter()
            .fold(sqlx::query_as(&sql), |q, id| q.bind(*id))
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(|(w, n, last)| (w, (n, last))).collect())
    }

    /// Workflows as rows of the table view.
    pub async fn workflow_table_rows(&self, rows: Vec<WorkflowRow>) -> Result<Vec<WorkflowTableRow>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut agents = self.workflow_agents(&ids).await?;
        let usage = self.workflow_usage(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let (thread_count, last_used_on) = usage.get(&r.id).cloned().unwrap_or_default();
                let agents = agents.remove(&r.id).unwrap_or_default();
                WorkflowTableRow {
                    workflow: r.into_wire(agents),
                    thread_count,
                    last_used_on,
                }
            })
            .collect())
    }

    pub async fn create_workflow_thread(
        &self,
        org: i64,
        workflow: i64,
        user: i64,
        by: &str,
        title: &str,
    ) -> Result<WorkflowThreadRow> {
        let now = time_fmt::now();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO workflow_chat_threads (organization_id, workflow_id, user_id, title, created_by, created_on, \
             modified_by, modified_on) VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id",
        )
        .bind(org)
        .bind(workflow)
        .bind(user)
        .bind(title)
        .bind(by)
        .bind(&now)
        .fetch_one(self.pool())
        .await?;
        Ok(WorkflowThreadRow {
            id,
            organization_id: org,
            workflow_id: workflow,
            user_id: user,
            title: title.to_string(),
            created_by: by.to_string(),
            created_on: now.clone(),
            modified_by: by.to_string(),
            modified_on: now,
        })
    }

    /// A live thread of a live workflow in the organization.
    pub async fn find_workflow_thread(&self, org: i64, id: i64) -> Result<Option<WorkflowThreadRow>> {
        Ok(sqlx::query_as(&format!(
            "{THREAD_SELECT} WHERE id = $1 AND organization_id = $2 AND is_deleted = 0 \
             AND workflow_id IN (SELECT id FROM workflows WHERE is_deleted = 0)"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    /// One person's threads with a workflow, most recently changed first.
    pub async fn list_workflow_threads(
        &self,
        workflow: i64,
        user: i64,
        page: PageRequest,
    ) -> Result<(Vec<WorkflowThreadRow>, i64)> {
        let rows = sqlx::query_as(&format!(
            "{THREAD_SELECT} WHERE workflow_id = $1 AND user_id = $2 AND is_deleted = 0 \
             ORDER BY modified_on DESC, id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(workflow)
        .bind(user)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM workflow_chat_threads WHERE workflow_id = $1 AND user_id = $2 AND is_deleted = 0",
        )
        .bind(workflow)
        .bind(user)
        .fetch_one(self.pool())
        .await?;
        Ok((rows, count))
    }

    pub async fn rename_workflow_thread(&self, id: i64, title: &str, by: &str) -> Result<()> {
        sqlx::query("UPDATE workflow_chat_threads SET title = $1, modified_by = $2, modified_on = $3 WHERE id = $4")
            .bind(title)
            .bind(by)
            .bind(time_fmt::now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_workflow_thread(&self, id: i64, by: &str) -> Result<()> {
        sqlx::query(
            "UPDATE workflow_chat_threads SET is_deleted = 1, modified_by = $1, modified_on = $2 WHERE id = $3",
        )
        .bind(by)
        .bind(time_fmt::now())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
