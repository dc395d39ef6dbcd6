//! The caller's notifications: unread count (polled by the bell), the latest, read marks.

use ejento_api::{Notification, NotificationPage, NotificationUpdate, UnreadCount};

use super::{ApiError, Method, call, get};

pub async fn unread() -> Result<i64, ApiError> {
    Ok(get::<UnreadCount>("/api/v2/notifications/unread-count").await?.unread)
}

pub async fn latest() -> Result<NotificationPage, ApiError> {
    get("/api/v2/notifications?items_per_page=10").await
}

pub async fn mark_read(id: i64) -> Result<Notification, ApiError> {
    let body = NotificationUpdate {
        is_read: true,
        notification_ids: Vec::new(),
    };
    Ok(call(Method::Put, &format!("/api/v2/notifications/{id}"), Some(&body))
        .await?
        .data)
}

/// Marks every notification of `user` (the caller) read; how many stay unread (none).
pub async fn mark_all_read(user: i64) -> Result<i64, ApiError> {
    let body = NotificationUpdate {
        is_read: true,
        notification_ids: Vec::new(),
    };
    Ok(
        call::<UnreadCount, _>(Method::Put, &format!("/api/v2/users/{user}/notifications"), Some(&body))
            .await?
            .data
            .unread,
    )
}
