//! The audit log: who changed what in the organization's administration, when, and the resource
//! before and after (as its wire JSON, which never holds a secret).

use ejento_api::AuditLogEntry;
use serde::Serialize;
use sqlx::{Any, Transaction};

use super::{Store, pagination::PageRequest};
use crate::{error::Result, time_fmt};

/// Who does what, to which kind of resource.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub organization_id: i64,
    pub actor_id: i64,
    pub actor: &'a str,
    /// e.g. `guardrail.create`.
    pub action: &'a str,
    pub resource_type: &'a str,
    /// For people reading the log: "Created the guardrail “Personal data”".
    pub summary: String,
}

fn json(v: Option<&impl Serialize>) -> Option<String> {
    v.and_then(|v| serde_json::to_string(v).ok())
}

/// Writes an entry inside the change's own transaction.
pub async fn audit<B: Serialize, A: Serialize>(
    tx: &mut Transaction<'_, Any>,
    who: &AuditEntry<'_>,
    resource_id: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (organization_id, actor_id, actor, action, resource_type, resource_id, summary, \
         before_json, after_json, created_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(who.organization_id)
    .bind(who.actor_id)
    .bind(who.actor)
    .bind(who.action)
    .bind(who.resource_type)
    .bind(resource_id)
    .bind(&who.summary)
    .bind(json(before))
    .bind(json(after))
    .bind(time_fmt::now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Which entries to list.
#[derive(Debug, Default)]
pub struct AuditFilter<'a> {
    pub resource_type: Option<&'a str>,
    pub actor: Option<&'a str>,
    /// From this UTC day on (`YYYY-MM-DD`), and up to the end of `to`.
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

type Row = (
    i64,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

impl Store {
    /// Records a change made outside a transaction of its own (a single statement).
    pub async fn record_audit<B: Serialize, A: Serialize>(
        &self,
        who: &AuditEntry<'_>,
        resource_id: &str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<()> {
        let mut tx = self.db.write().await?;
        audit(&mut tx, who, resource_id, before, after).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organization's audit log, newest first.
    pub async fn audit_log(
        &self,
        org: i64,
        f: &AuditFilter<'_>,
        page: PageRequest,
    ) -> Result<(Vec<AuditLogEntry>, i64)> {
        let filter = "organization_id = $1 AND ($2 = '' OR resource_type = $2) AND ($3 = '' OR actor = $3) \
                      AND ($4 = '' OR created_on >= $4) AND ($5 = '' OR created_on < $5)";
        let from = f.from.unwrap_or_default().to_string();
        // `to` is a whole day: everything before the next one.
        let to = f.to.map(|d| format!("{d}T99")).unwrap_or_default();
        let binds = (
            f.resource_type.unwrap_or_default(),
            f.actor.unwrap_or_default(),
            from.as_str(),
            to.as_str(),
        );
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT id, actor_id, actor, action, resource_type, resource_id, summary, before_json, after_json, \
             created_on FROM audit_log WHERE {filter} ORDER BY id DESC LIMIT $6 OFFSET $7"
        ))
        .bind(org)
        .bind(binds.0)
        .bind(binds.1)
        .bind(binds.2)
        .bind(binds.3)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM audit_log WHERE {filter}"))
            .bind(org)
            .bind(binds.0)
            .bind(binds.1)
            .bind(binds.2)
            .bind(binds.3)
            .fetch_one(self.pool())
            .await?;
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Ok((
            rows.into_iter()
                .map(|r| AuditLogEntry {
                    id: r.0,
                    actor_id: r.1,
                    actor: r.2,
                    action: r.3,
                    resource_type: r.4,
                    resource_id: r.5,
                    summary: r.6,
                    before: parse(r.7),
                    after: parse(r.8),
                    created_on: r.9,
                })
                .collect(),
            count,
        ))
    }
}
