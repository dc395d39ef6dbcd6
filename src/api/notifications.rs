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

pub async fn settings() -> Result<Vec<ejento_api::NotificationSetting>, ApiError> {
    get("/api/v2/notifications/settings").await
}

pub async fn set_setting(kind: &str, enabled: bool) -> Result<Vec<ejento_api::NotificationSetting>, ApiError> {
    let body = ejento_api::NotificationSettingsInput {
        settings: vec![ejento_api::NotificationSettingChange {
            kind: kind.into(),
            enabled,
        }],
    };
    Ok(call(Method::Put, "/api/v2/notifications/settings", Some(&body))
        .await?
        .data)
}

/// Sends a message to people of the organization; how many it reached.
pub async fn send(body: &ejento_api::NotificationInput) -> Result<String, ApiError> {
    Ok(
        call::<serde_json::Value, _>(Method::Post, "/api/v2/notifications", Some(body))
            .await?
            .message,
    )
}
