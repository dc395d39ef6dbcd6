//! Notifications: written by the events people care about (in the event's own transaction, so
//! a notification exists exactly when its event does), read and marked read by their recipient.

use ejento_api::Notification;
use sqlx::{Any, Transaction};

use super::{Store, pagination::PageRequest};
use crate::{error::Result, time_fmt};

/// One notification to write.
pub struct NewNotification<'a> {
    pub organization_id: i64,
    pub user_id: i64,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    pub by: &'a str,
}

/// Writes a notification inside the caller's transaction; its id, or none when its recipient
/// turned that kind off (messages always arrive).
pub async fn notify(tx: &mut Transaction<'_, Any>, n: &NewNotification<'_>) -> Result<Option<i64>> {
    if n.kind != "message" {
        let muted: Option<(i64,)> = sqlx::query_as(
            "SELECT enabled FROM notification_settings WHERE user_id = $1 AND kind = $2 AND enabled = 0",
        )
        .bind(n.user_id)
        .bind(n.kind)
        .fetch_optional(&mut **tx)
        .await?;
        if muted.is_some() {
            return Ok(None);
        }
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO notifications (organization_id, user_id, kind, title, body, link, created_by, created_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(n.organization_id)
    .bind(n.user_id)
    .bind(n.kind)
    .bind(n.title)
    .bind(n.body)
    .bind(n.link)
    .bind(n.by)
    .bind(time_fmt::now())
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(id))
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    String,
    String,
);

fn wire(r: Row) -> Notification {
    Notification {
        id: r.0,
        user: r.1,
        kind: r.2,
        title: r.3,
        body: r.4,
        link: r.5,
        is_read: r.6 != 0,
        read_on: r.7,
        created_by: r.8,
        created_on: r.9,
    }
}

const SELECT: &str = "SELECT id, user_id, kind, title, body, link, is_read, read_on, created_by, created_on \
                      FROM notifications";

impl Store {
    /// Writes notifications to several people at once (all or none).
    pub async fn create_notifications(&self, all: &[NewNotification<'_>]) -> Result<Vec<i64>> {
        let mut tx = self.db.write().await?;
        let mut ids = Vec::with_capacity(all.len());
        for n in all {
            ids.extend(notify(&mut tx, n).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The kinds a person turned off or on: (kind, enabled).
    pub async fn notification_settings(&self, user: i64) -> Result<Vec<(String, bool)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT kind, enabled FROM notification_settings WHERE user_id = $1")
                .bind(user)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(k, e)| (k, e != 0)).collect())
    }

    /// Sets several kinds at once (all or none).
    pub async fn set_notification_settings(&self, user: i64, changes: &[(String, bool)]) -> Result<()> {
        let mut tx = self.db.write().await?;
        for (kind, enabled) in changes {
            sqlx::query(
                "INSERT INTO notification_settings (user_id, kind, enabled, modified_on) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id, kind) DO UPDATE SET enabled = excluded.enabled, modified_on = excluded.modified_on",
            )
            .bind(user)
            .bind(kind)
            .bind(i64::from(*enabled))
            .bind(time_fmt::now())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A page of a person's notifications, newest first, optionally only read or unread ones,
    /// with how many match and how many are unread, all read at one moment: a notification
    /// written between the reads would otherwise be counted unread but missing from the page.
    pub async fn notification_page(
        &self,
        org: i64,
        user: i64,
        read: Option<bool>,
        page: PageRequest,
    ) -> Result<(Vec<Notification>, i64, i64)> {
        let filter = "organization_id = $1 AND user_id = $2 AND is_deleted = 0 AND ($3 = -1 OR is_read = $3)";
        let read = read.map(i64::from).unwrap_or(-1);
        let mut tx = self.db().snapshot().await?;
        let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} WHERE {filter} ORDER BY id DESC LIMIT $4 OFFSET $5"))
            .bind(org)
            .bind(user)
            .bind(read)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(&mut *tx)
            .await?;
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM notifications WHERE {filter}"))
            .bind(org)
            .bind(user)
            .bind(read)
            .fetch_one(&mut *tx)
            .await?;
        let unread = unread_in(&mut tx, org, user).await?;
        tx.commit().await?;
        Ok((rows.into_iter().map(wire).collect(), count, unread))
    }

    pub async fn unread_notifications(&self, org: i64, user: i64) -> Result<i64> {
        let mut conn = self.pool().acquire().await?;
        unread_in(&mut conn, org, user).await
    }

    /// One of a person's own notifications.
    pub async fn find_notification(&self, org: i64, user: i64, id: i64) -> Result<Option<Notification>> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE id = $1 AND organization_id = $2 AND user_id = $3 AND is_deleted = 0"
        ))
        .bind(id)
        .bind(org)
        .bind(user)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(wire))
    }

    /// Marks a person's notifications read or unread: the ones named, or all of them; how many
    /// changed.
    pub async fn mark_notifications(&self, org: i64, user: i64, ids: &[i64], read: bool) -> Result<u64> {
        let read_on = read.then(time_fmt::now);
        let mut tx = self.db.write().await?;
        let mut changed = 0;
        let scope = "organization_id = $1 AND user_id = $2 AND is_deleted = 0 AND is_read <> $3";
        if ids.is_empty() {
            changed += sqlx::query(&format!(
                "UPDATE notifications SET is_read = $3, read_on = $4 WHERE {scope}"
            ))
            .bind(org)
            .bind(user)
            .bind(i64::from(read))
            .bind(&read_on)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        for id in ids {
            changed += sqlx::query(&format!(
                "UPDATE notifications SET is_read = $3, read_on = $4 WHERE {scope} AND id = $5"
            ))
            .bind(org)
            .bind(user)
            .bind(i64::from(read))
            .bind(&read_on)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn delete_notification(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE notifications SET is_deleted = 1 WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

async fn unread_in(conn: &mut sqlx::AnyConnection, org: i64, user: i64) -> Result<i64> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM notifications WHERE organization_id = $1 AND user_id = $2 AND is_deleted = 0 \
         AND is_read = 0",
    )
    .bind(org)
    .bind(user)
    .fetch_one(conn)
    .await?;
    Ok(count)
}
