//! Tools, API tool templates and the agents linked to tools. Sealed secrets go in and out of
//! here as opaque text; only `crate::tools::SecretBox` opens them.

use ejento_api::{ApiToolSpec, ApiToolTemplate, Tool, ToolConfig};

use super::{
    Store,
    audit::{AuditEntry, audit},
    pagination::{PageRequest, placeholders},
};
use crate::{error::Result, time_fmt};

/// A tool row with its sealed secret (never sent to a client).
#[derive(Debug, Clone)]
pub struct ToolRow {
    pub tool: Tool,
    pub sealed_secret: Option<String>,
}

/// A tool's fields, already checked; `secret`: `None` keeps the current one, `Some(None)`
/// removes it, `Some(Some(sealed))` sets it.
pub struct ToolFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub tool_type: &'a str,
    pub config: &'a ToolConfig,
    pub secret: Option<Option<String>>,
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    String,
    String,
);

const SELECT: &str = "SELECT id, organization_id, name, description, tool_type, config, secret, is_enabled, \
                      created_by, created_on, modified_on FROM tools";

fn row(r: Row) -> ToolRow {
    ToolRow {
        tool: Tool {
            id: r.0,
            organization_id: r.1,
            name: r.2,
            description: r.3,
            tool_type: r.4,
            // Written by this server from a checked `ToolConfig`.
            config: serde_json::from_str(&r.5).unwrap_or_default(),
            has_secret: r.6.is_some(),
            is_enabled: r.7 != 0,
            created_by: r.8,
            created_on: r.9,
            modified_on: r.10,
        },
        sealed_secret: r.6,
    }
}

fn config_json(config: &ToolConfig) -> String {
    serde_json::to_string(config).unwrap_or_else(|_| "{}".into())
}

impl Store {
    pub async fn list_api_tool_templates(&self, org: i64) -> Result<Vec<ApiToolTemplate>> {
        let rows: Vec<(i64, i64, String, String, String, String, String)> = sqlx::query_as(
            "SELECT id, organization_id, name, description, spec, created_by, created_on FROM api_tool_templates \
             WHERE organization_id = $1 ORDER BY name, id",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ApiToolTemplate {
                id: r.0,
                organization_id: r.1,
                name: r.2,
                description: r.3,
                spec: serde_json::from_str(&r.4).unwrap_or_default(),
                created_by: r.5,
                created_on: r.6,
            })
            .collect())
    }

    pub async fn create_api_tool_template(
        &self,
        org: i64,
        name: &str,
        description: &str,
        spec: &ApiToolSpec,
        who: &AuditEntry<'_>,
    ) -> Result<ApiToolTemplate> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO api_tool_templates (organization_id, name, description, spec, created_by, created_on) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(org)
        .bind(name)
        .bind(description)
        .bind(serde_json::to_string(spec).unwrap_or_else(|_| "{}".into()))
        .bind(who.actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let template = ApiToolTemplate {
            id,
            organization_id: org,
            name: name.into(),
            description: description.into(),
            spec: spec.clone(),
            created_by: who.actor.into(),
            created_on: now,
        };
        audit(&mut tx, who, &id.to_string(), None::<&()>, Some(&template)).await?;
        tx.commit().await?;
        Ok(template)
    }

    /// The organization's tools, newest first; `tool_type`: only that kind.
    pub async fn list_tools(&self, org: i64, tool_type: &str, page: PageRequest) -> Result<(Vec<Tool>, i64)> {
        let filter = "organization_id = $1 AND is_deleted = 0 AND ($2 = '' OR tool_type = $2)";
        let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} WHERE {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"))
            .bind(org)
            .bind(tool_type)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(self.pool())
            .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM tools WHERE {filter}"))
            .bind(org)
            .bind(tool_type)
            .fetch_one(self.pool())
            .await?;
        Ok((rows.into_iter().map(|r| row(r).tool).collect(), count))
    }

    pub async fn find_tool(&self, org: i64, id: i64) -> Result<Option<ToolRow>> {
        let r: Option<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE id = $1 AND organization_id = $2 AND is_deleted = 0"
        ))
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?;
        Ok(r.map(row))
    }

    pub async fn create_tool(&self, org: i64, f: &ToolFields<'_>, who: &AuditEntry<'_>) -> Result<Tool> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO tools (organization_id, name, description, tool_type, config, secret, created_by, \
             created_on, modified_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(org)
        .bind(f.name)
        .bind(f.description)
        .bind(f.tool_type)
        .bind(config_json(f.config))
        .bind(f.secret.clone().flatten())
        .bind(who.actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let r: Row = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let tool = row(r).tool;
        audit(&mut tx, who, &id.to_string(), None::<&()>, Some(&tool)).await?;
        tx.commit().await?;
        Ok(tool)
    }

    pub async fn update_tool(&self, before: &ToolRow, f: &ToolFields<'_>, who: &AuditEntry<'_>) -> Result<Tool> {
        let secret = match &f.secret {
            None => before.sealed_secret.clone(),
            Some(s) => s.clone(),
        };
        let mut tx = self.db.write().await?;
        sqlx::query(
            "UPDATE tools SET name = $2, description = $3, config = $4, secret = $5, modified_on = $6 WHERE id = $1",
        )
        .bind(before.tool.id)
        .bind(f.name)
        .bind(f.description)
        .bind(config_json(f.config))
        .bind(secret)
        .bind(time_fmt::now())
        .execute(&mut *tx)
        .await?;
        let r: Row = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(before.tool.id)
            .fetch_one(&mut *tx)
            .await?;
        let after = row(r).tool;
        audit(&mut tx, who, &after.id.to_string(), Some(&before.tool), Some(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn set_tool_enabled(&self, before: &Tool, enabled: bool, who: &AuditEntry<'_>) -> Result<Tool> {
        let mut tx = self.db.write().await?;
        sqlx::query("UPDATE tools SET is_enabled = $2, modified_on = $3 WHERE id = $1")
            .bind(before.id)
            .bind(i64::from(enabled))
            .bind(time_fmt::now())
            .execute(&mut *tx)
            .await?;
        let r: Row = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(before.id)
            .fetch_one(&mut *tx)
            .await?;
        let after = row(r).tool;
        audit(&mut tx, who, &after.id.to_string(), Some(before), Some(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a tool and unlinks it from every agent.
    pub async fn delete_tool(&self, before: &Tool, who: &AuditEntry<'_>) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query("DELETE FROM agent_tools WHERE tool_id = $1")
            .bind(before.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE tools SET is_deleted = 1, secret = NULL, modified_on = $2 WHERE id = $1")
            .bind(before.id)
            .bind(time_fmt::now())
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, who, &before.id.to_string(), Some(before), None::<&()>).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The ids of the tools an agent is linked to (whatever their state).
    pub async fn agent_tool_ids(&self, agent: i64) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT tool_id FROM agent_tools WHERE agent_id = $1")
                .bind(agent)
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// The enabled tools an agent is linked to, oldest first, with their sealed secrets.
    pub async fn agent_tools(&self, org: i64, agent: i64) -> Result<Vec<ToolRow>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE organization_id = $1 AND is_deleted = 0 AND is_enabled = 1 \
             AND id IN (SELECT tool_id FROM agent_tools WHERE agent_id = $2) ORDER BY id"
        ))
        .bind(org)
        .bind(agent)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(row).collect())
    }

    pub async fn link_tool(&self, agent: i64, tool: i64, by: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO agent_tools (agent_id, tool_id, created_by, created_on) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (agent_id, tool_id) DO NOTHING",
        )
        .bind(agent)
        .bind(tool)
        .bind(by)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn unlink_tool(&self, agent: i64, tool: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM agent_tools WHERE agent_id = $1 AND tool_id = $2")
            .bind(agent)
            .bind(tool)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Which of `ids` are live corpora of the organization.
    pub async fn existing_corpora(&self, org: i64, ids: &[i64]) -> Result<Vec<i64>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id FROM corpora WHERE organization_id = $1 AND is_deleted = 0 AND id IN ({}) ORDER BY id",
            placeholders(2, ids.len())
        );
        let mut query = sqlx::query_scalar(&sql).bind(org);
        for id in ids {
            query = query.bind(id);
        }
        Ok(query.fetch_all(self.pool()).await?)
    }
}
