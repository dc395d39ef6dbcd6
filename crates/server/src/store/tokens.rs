use super::Store;
use crate::{error::Result, time_fmt};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub family_id: String,
    pub expires_on: String,
    pub used_on: Option<String>,
    pub revoked_on: Option<String>,
}

impl Store {
    pub async fn insert_refresh_token(
        &self,
        user_id: i64,
        family_id: &str,
        token_hash: &str,
        expires_on: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_on, expires_on) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(family_id)
        .bind(token_hash)
        .bind(time_fmt::now())
        .bind(expires_on)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshTokenRow>> {
        Ok(sqlx::query_as(
            "SELECT id, user_id, family_id, expires_on, used_on, revoked_on FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Marks a token used; false if someone else used or revoked it first (a concurrent reuse).
    pub async fn use_refresh_token(&self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE refresh_tokens SET used_on = $1 WHERE id = $2 AND used_on IS NULL AND revoked_on IS NULL",
        )
        .bind(time_fmt::now())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn revoke_token_family(&self, family_id: &str) -> Result<()> {
        sqlx::query("UPDATE refresh_tokens SET revoked_on = $1 WHERE family_id = $2 AND revoked_on IS NULL")
            .bind(time_fmt::now())
            .bind(family_id)
            .execute(self.pool())
            .await?;
        self.callers.forget_all();
        Ok(())
    }

    /// Ends every sign-in of the user but `keep_family` (the one changing the password).
    pub async fn revoke_other_token_families(&self, user_id: i64, keep_family: &str) -> Result<()> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_on = $1 WHERE user_id = $2 AND family_id <> $3 AND revoked_on IS NULL",
        )
        .bind(time_fmt::now())
        .bind(user_id)
        .bind(keep_family)
        .execute(self.pool())
        .await?;
        self.callers.forget_all();
        Ok(())
    }
}
