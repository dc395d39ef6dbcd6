use super::Store;
use crate::{error::Result, time_fmt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasswordlessRow {
    pub id: i64,
    pub user_id: i64,
    pub code_hash: String,
    pub attempts: i64,
    pub expires_on: String,
    pub used_on: Option<String>,
}

const COLUMNS: &str = "SELECT id, user_id, code_hash, attempts, expires_on, used_on FROM passwordless_tokens";

impl Store {
    pub async fn insert_passwordless(
        &self,
        user_id: i64,
        token_hash: &str,
        otp_session_id: &str,
        code_hash: &str,
        expires_on: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO passwordless_tokens (user_id, token_hash, otp_session_id, code_hash, created_on, expires_on) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(otp_session_id)
        .bind(code_hash)
        .bind(time_fmt::now())
        .bind(expires_on)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn find_passwordless_by_token(&self, token_hash: &str) -> Result<Option<PasswordlessRow>> {
        Ok(sqlx::query_as(&format!("{COLUMNS} WHERE token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn find_passwordless_by_session(&self, otp_session_id: &str) -> Result<Option<PasswordlessRow>> {
        Ok(sqlx::query_as(&format!("{COLUMNS} WHERE otp_session_id = $1"))
            .bind(otp_session_id)
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn count_passwordless_attempt(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE passwordless_tokens SET attempts = attempts + 1 WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Consumes a one-time token; false if it was already consumed (by a concurrent request).
    pub async fn use_passwordless(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE passwordless_tokens SET used_on = $1 WHERE id = $2 AND used_on IS NULL")
            .bind(time_fmt::now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
