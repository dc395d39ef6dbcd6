//! Feature flags an organization has set (a flag without a row has its default).

use super::{
    Store,
    audit::{AuditEntry, audit},
};
use crate::{error::Result, time_fmt};

impl Store {
    /// The flags the organization has set: (name, enabled, modified_by, modified_on).
    pub async fn feature_flags(&self, org: i64) -> Result<Vec<(String, bool, String, String)>> {
        let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
            "SELECT name, enabled, modified_by, modified_on FROM feature_flags WHERE organization_id = $1",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(n, e, b, o)| (n, e != 0, b, o)).collect())
    }

    /// One flag as the organization set it, if it did.
    pub async fn feature_flag(&self, org: i64, name: &str) -> Result<Option<bool>> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT enabled FROM feature_flags WHERE organization_id = $1 AND name = $2")
                .bind(org)
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(e,)| e != 0))
    }

    /// Sets a flag; the change and its audit entry (before, and the flag as set) in one transaction.
    pub async fn set_feature_flag(
        &self,
        org: i64,
        name: &str,
        enabled: bool,
        who: &AuditEntry<'_>,
        before: &impl serde::Serialize,
    ) -> Result<()> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        sqlx::query(
            "INSERT INTO feature_flags (organization_id, name, enabled, modified_by, modified_on) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organization_id, name) DO UPDATE SET \
             enabled = excluded.enabled, modified_by = excluded.modified_by, modified_on = excluded.modified_on",
        )
        .bind(org)
        .bind(name)
        .bind(i64::from(enabled))
        .bind(who.actor)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({"name": name, "enabled": enabled, "modified_by": who.actor, "modified_on": now});
        audit(&mut tx, who, name, Some(before), Some(&after)).await?;
        tx.commit().await?;
        Ok(())
    }
}
