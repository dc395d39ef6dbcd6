use super::Store;
use crate::{error::Result, time_fmt};

/// Counts behind the sign-in throttle (see `auth::throttle`).
#[derive(Debug, Clone, PartialEq)]
pub struct LoginFailures {
    pub by_account: i64,
    pub by_address: i64,
    pub by_pair: i64,
    pub last_by_pair: Option<String>,
}

impl Store {
    /// Failed attempts since `since`: for the account from everywhere, from the address for
    /// every account, and for the account from this address (with the latest one's time).
    pub async fn login_failures_since(&self, account_key: &str, address: &str, since: &str) -> Result<LoginFailures> {
        let (by_account, by_address, by_pair, last_by_pair): (i64, i64, i64, Option<String>) = sqlx::query_as(
            "SELECT \
               COUNT(*) FILTER (WHERE account_key = $1), \
               COUNT(*) FILTER (WHERE address = $2), \
               COUNT(*) FILTER (WHERE account_key = $1 AND address = $2), \
               MAX(created_on) FILTER (WHERE account_key = $1 AND address = $2) \
             FROM login_failures WHERE created_on > $3 AND (account_key = $1 OR address = $2)",
        )
        .bind(account_key)
        .bind(address)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(LoginFailures {
            by_account,
            by_address,
            by_pair,
            last_by_pair,
        })
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

    /// A successful sign-in forgives the failures of that account from that address (the
    /// owner's own typos; a guesser's elsewhere stay counted), and old rows are pruned.
    pub async fn clear_login_failures(&self, account_key: &str, address: &str, older_than: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE (account_key = $1 AND address = $2) OR created_on < $3")
            .bind(account_key)
            .bind(address)
            .bind(older_than)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
