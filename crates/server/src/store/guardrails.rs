//! Guardrails of an organization and the guardrail types an agent has turned off. Every change
//! writes its audit entry in the same transaction.

use ejento_api::{Guardrail, GuardrailConfig};

use super::{
    Store,
    audit::{AuditEntry, audit},
    pagination::{PageRequest, placeholders},
};
use crate::{error::Result, time_fmt};

/// A guardrail's fields, already checked.
pub struct GuardrailFields<'a> {
    pub agent_id: Option<i64>,
    pub name: &'a str,
    pub description: &'a str,
    pub guardrail_type: &'a str,
    pub applies_to: &'a str,
    pub action: &'a str,
    pub config: &'a GuardrailConfig,
    pub is_enabled: bool,
}

type Row = (
    i64,
    i64,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
);

const SELECT: &str = "SELECT id, organization_id, agent_id, name, description, guardrail_type, applies_to, action, \
                      config, is_enabled, created_by, created_on, modified_on FROM guardrails";

fn wire(r: Row) -> Guardrail {
    Guardrail {
        id: r.0,
        organization_id: r.1,
        agent_id: r.2,
        name: r.3,
        description: r.4,
        guardrail_type: r.5,
        applies_to: r.6,
        action: r.7,
        // Written by this server from a checked `GuardrailConfig`.
        config: serde_json::from_str(&r.8).unwrap_or_default(),
        is_enabled: r.9 != 0,
        created_by: r.10,
        created_on: r.11,
        modified_on: r.12,
    }
}

fn config_json(config: &GuardrailConfig) -> String {
    serde_json::to_string(config).unwrap_or_else(|_| "{}".into())
}

impl Store {
    /// The organization's guardrails, newest first; `agent`: only those for that agent (its own
    /// and the organization-wide ones).
    pub async fn list_guardrails(
        &self,
        org: i64,
        agent: Option<i64>,
        page: PageRequest,
    ) -> Result<(Vec<Guardrail>, i64)> {
        let filter = "organization_id = $1 AND ($2 = 0 OR agent_id IS NULL OR agent_id = $2)";
        let agent = agent.unwrap_or(0);
        let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} WHERE {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"))
            .bind(org)
            .bind(agent)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(self.pool())
            .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM guardrails WHERE {filter}"))
            .bind(org)
            .bind(agent)
            .fetch_one(self.pool())
            .await?;
        Ok((rows.into_iter().map(wire).collect(), count))
    }

    pub async fn find_guardrail(&self, org: i64, id: i64) -> Result<Option<Guardrail>> {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE id = $1 AND organization_id = $2"))
            .bind(id)
            .bind(org)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(wire))
    }

    /// Several of the organization's guardrails by id (unknown ids are left out).
    pub async fn guardrails_by_id(&self, org: i64, ids: &[i64]) -> Result<Vec<Guardrail>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{SELECT} WHERE organization_id = $1 AND id IN ({}) ORDER BY id",
            placeholders(2, ids.len())
        );
        let mut query = sqlx::query_as(&sql).bind(org);
        for id in ids {
            query = query.bind(id);
        }
        let rows: Vec<Row> = query.fetch_all(self.pool()).await?;
        Ok(rows.into_iter().map(wire).collect())
    }

    /// The enabled guardrails that check this agent's questions and answers (oldest first, the
    /// order they run in): the organization's and the agent's own, minus the types it turned off.
    pub async fn active_guardrails(&self, org: i64, agent: Option<i64>) -> Result<Vec<Guardrail>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE organization_id = $1 AND is_enabled = 1 AND (agent_id IS NULL OR agent_id = $2) \
             AND guardrail_type NOT IN (SELECT guardrail_type FROM agent_guardrail_types \
             WHERE agent_id = $2 AND is_enabled = 0) ORDER BY id"
        ))
        .bind(org)
        .bind(agent.unwrap_or(0))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(wire).collect())
    }

    pub async fn create_guardrail(&self, org: i64, f: &GuardrailFields<'_>, who: &AuditEntry<'_>) -> Result<Guardrail> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO guardrails (organization_id, agent_id, name, description, guardrail_type, applies_to, \
             action, config, is_enabled, created_by, created_on, modified_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(org)
        .bind(f.agent_id)
        .bind(f.name)
        .bind(f.description)
        .bind(f.guardrail_type)
        .bind(f.applies_to)
        .bind(f.action)
        .bind(config_json(f.config))
        .bind(i64::from(f.is_enabled))
        .bind(who.actor)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let row: Row = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let created = wire(row);
        audit(&mut tx, who, &id.to_string(), None::<&Guardrail>, Some(&created)).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_guardrail(
        &self,
        before: &Guardrail,
        f: &GuardrailFields<'_>,
        who: &AuditEntry<'_>,
    ) -> Result<Guardrail> {
        let mut tx = self.db.write().await?;
        sqlx::query(
            "UPDATE guardrails SET agent_id = $2, name = $3, description = $4, guardrail_type = $5, \
             applies_to = $6, action = $7, config = $8, is_enabled = $9, modified_on = $10 WHERE id = $1",
        )
        .bind(before.id)
        .bind(f.agent_id)
        .bind(f.name)
        .bind(f.description)
        .bind(f.guardrail_type)
        .bind(f.applies_to)
        .bind(f.action)
        .bind(config_json(f.config))
        .bind(i64::from(f.is_enabled))
        .bind(time_fmt::now())
        .execute(&mut *tx)
        .await?;
        let row: Row = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(before.id)
            .fetch_one(&mut *tx)
            .await?;
        let after = wire(row);
        audit(&mut tx, who, &before.id.to_string(), Some(before), Some(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_guardrail(&self, before: &Guardrail, who: &AuditEntry<'_>) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query("DELETE FROM guardrails WHERE id = $1")
            .bind(before.id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, who, &before.id.to_string(), Some(before), None::<&Guardrail>).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many enabled guardrails of each type apply to the agent.
    pub async fn guardrail_counts(&self, org: i64, agent: i64) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT guardrail_type, COUNT(*) FROM guardrails WHERE organization_id = $1 AND is_enabled = 1 \
             AND (agent_id IS NULL OR agent_id = $2) GROUP BY guardrail_type",
        )
        .bind(org)
        .bind(agent)
        .fetch_all(self.pool())
        .await?)
    }

    /// The guardrail types the agent has turned off or on (a type without a row is on).
    pub async fn agent_guardrail_types(&self, agent: i64) -> Result<Vec<(String, bool)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT guardrail_type, is_enabled FROM agent_guardrail_types WHERE agent_id = $1")
                .bind(agent)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(t, e)| (t, e != 0)).collect())
    }

    pub async fn set_agent_guardrail_type(
        &self,
        agent: i64,
        guardrail_type: &str,
        enabled: bool,
        who: &AuditEntry<'_>,
    ) -> Result<()> {
        let mut tx = self.db.write().await?;
        let before: Option<(i64,)> =
            sqlx::query_as("SELECT is_enabled FROM agent_guardrail_types WHERE agent_id = $1 AND guardrail_type = $2")
                .bind(agent)
                .bind(guardrail_type)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO agent_guardrail_types (agent_id, guardrail_type, is_enabled) VALUES ($1, $2, $3) \
             ON CONFLICT (agent_id, guardrail_type) DO UPDATE SET is_enabled = excluded.is_enabled",
        )
        .bind(agent)
        .bind(guardrail_type)
        .bind(i64::from(enabled))
        .execute(&mut *tx)
        .await?;
        let state =
            |on: bool| serde_json::json!({"agent_id": agent, "guardrail_type": guardrail_type, "is_enabled": on});
        audit(
            &mut tx,
            who,
            &format!("{agent}/{guardrail_type}"),
            Some(&state(before.is_none_or(|(e,)| e != 0))),
            Some(&state(enabled)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
