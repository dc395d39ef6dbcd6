use super::{
    Store,
    audit::{AuditEntry, audit},
};
use crate::{error::Result, time_fmt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub key_prefix: String,
    pub scope: String,
    /// JSON object: category → "None" | "Read" | "Write" (for the Restricted scope).
    pub restrictions: String,
    /// 1 while the row is in use (flags are integers on both backends).
    pub is_active: i64,
    pub created_by: String,
    pub created_on: String,
    pub last_used_on: Option<String>,
}

pub struct NewApiKey<'a> {
    pub organization_id: i64,
    pub name: &'a str,
    pub key_prefix: &'a str,
    pub key_hash: &'a str,
    pub scope: &'a str,
    pub restrictions: &'a str,
    pub created_by: &'a str,
}

impl ApiKeyRow {
    pub fn is_active(&self) -> bool {
        self.is_active != 0
    }
}

const COLUMNS: &str = "SELECT id, organization_id, name, key_prefix, scope, restrictions, is_active, created_by, created_on, last_used_on FROM api_keys";

impl Store {
    pub async fn org_has_active_api_keys(&self, organization_id: i64) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM api_keys WHERE organization_id = $1 AND is_active = 1 LIMIT 1")
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.is_some())
    }

    pub async fn find_api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRow>> {
        Ok(sqlx::query_as(&format!("{COLUMNS} WHERE key_hash = $1"))
            .bind(key_hash)
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn create_api_key(&self, who: &AuditEntry<'_>, new: NewApiKey<'_>) -> Result<ApiKeyRow> {
        let mut tx = self.db.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_keys (organization_id, name, key_prefix, key_hash, scope, restrictions, created_by, created_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.organization_id)
        .bind(new.name)
        .bind(new.key_prefix)
        .bind(new.key_hash)
        .bind(new.scope)
        .bind(new.restrictions)
        .bind(new.created_by)
        .bind(time_fmt::now())
        .fetch_one(&mut *tx)
        .await?;
        let row: ApiKeyRow = sqlx::query_as(&format!("{COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let after = serde_json::json!({"id": row.id, "name": row.name, "key_prefix": row.key_prefix,
            "scope": row.scope, "restrictions": row.restrictions});
        audit(&mut tx, who, &id.to_string(), None::<&()>, Some(&after)).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn list_api_keys(&self, organization_id: i64) -> Result<Vec<ApiKeyRow>> {
        Ok(sqlx::query_as(&format!(
            "{COLUMNS} WHERE organization_id = $1 AND is_active = 1 ORDER BY id"
        ))
        .bind(organization_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Notes that a key was just used; at most one write a minute per key.
    pub async fn touch_api_key(&self, id: i64) -> Result<()> {
        // Use is recorded to the minute, so a replica writes at most once a minute per key
        // instead of once per request (an UPDATE takes SQLite's write lock even when it
        // changes nothing).
        let minute = crate::clock::now().unix_timestamp() / 60;
        {
            let mut uses = self.key_uses.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if uses.get(&id) == Some(&minute) {
                return Ok(());
            }
            if uses.len() > 10_000 {
                uses.clear();
            }
            uses.insert(id, minute);
        }
        sqlx::query(
            "UPDATE api_keys SET last_used_on = $2 WHERE id = $1 AND (last_used_on IS NULL OR last_used_on < $3)",
        )
        .bind(id)
        .bind(time_fmt::now())
        .bind(time_fmt::from_now(time::Duration::minutes(-1)))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Revokes a key of the organization; false if it has no such active key.
    pub async fn revoke_api_key(
        &self,
        organization_id: i64,
        id: i64,
        who: &AuditEntry<'_>,
        before: &impl serde::Serialize,
    ) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done =
            sqlx::query("UPDATE api_keys SET is_active = 0 WHERE id = $1 AND organization_id = $2 AND is_active = 1")
                .bind(id)
                .bind(organization_id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        audit(&mut tx, who, &id.to_string(), Some(before), None::<&()>).await?;
        tx.commit().await?;
        Ok(true)
    }
}
