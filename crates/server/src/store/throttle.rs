use super::Store;
use crate::{error::Result, time_fmt};

impl Store {
    /// Failed sign-ins since `since` for an account and for an address.
    pub async fn login_failures_since(&self, account_key: &str, address: &str, since: &str) -> Result<(i64, i64)> {
        let by_account: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE account_key = $1 AND created_on > $2")
                .bind(account_key)
                .bind(since)
                .fetch_one(self.pool())
                .await?;
        let by_address: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE address = $1 AND created_on > $2")
                .bind(address)
                .bind(since)
                .fetch_one(self.pool())
                .await?;
        Ok((by_account, by_address))
    }

    pub async fn record_login_failure(&self, account_key: &str, address: &str) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (account_key, address, created_on) VALUES ($1, $2, $3)")
            .bind(account_key)
            .bind(address)
            .bind(time_fmt::now())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A successful sign-in forgives the account's earlier failures, and old rows are pruned.
    pub async fn clear_login_failures(&self, account_key: &str, older_than: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE account_key = $1 OR created_on < $2")
            .bind(account_key)
            .bind(older_than)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
