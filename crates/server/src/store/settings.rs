use super::Store;
use crate::error::Result;

impl Store {
    /// Returns the stored value of `key`, storing `candidate` first if there is none. Safe when
    /// several replicas start at once: the first insert wins and everyone reads it back.
    pub async fn setting_or_init(&self, key: &str, candidate: &str) -> Result<String> {
        sqlx::query("INSERT INTO server_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(candidate)
            .execute(self.pool())
            .await?;
        let value: String = sqlx::query_scalar("SELECT value FROM server_settings WHERE key = $1")
            .bind(key)
            .fetch_one(self.pool())
            .await?;
        Ok(value)
    }

    /// Sets `key` to `value`, whatever it was.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO server_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Sets `key` only if it was unset; true when this call set it.
    pub async fn claim_setting(&self, key: &str, value: &str) -> Result<bool> {
        let done = sqlx::query("INSERT INTO server_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
