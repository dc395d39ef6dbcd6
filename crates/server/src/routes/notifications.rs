//! Notifications: a person's own (list, unread count, read/unread, delete), bulk mark read, and
//! messages administrators send to people of their organization.

use axum::{extract::State, http::Method};
use ejento_api::{
    Envelope, NOTIFICATION_KINDS, Notification, NotificationInput, NotificationPage, NotificationSetting,
    NotificationSettingsInput, NotificationUpdate, UnreadCount, validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, extract::lenient, ok};
use crate::{
    auth::{Caller, authz},
    error::{Error, Result},
    state::AppState,
    store::NewNotification,
};

const TAG: &str = "Notifications";
type Json<T> = axum::Json<Envelope<T>>;

/// Most people one message goes to at once.
const MAX_RECIPIENTS: usize = 500;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/notifications",
        (TAG, "Get all Notifications", SignedIn),
        list,
    )
    .route(
        Method::POST,
        "/api/v2/notifications",
        (TAG, "Create a new Notification", SignedIn),
        create,
    )
    .route(
        Method::GET,
        "/api/v2/notifications/settings",
        (TAG, "Get the caller's notification settings", SignedIn),
        settings,
    )
    .route(
        Method::PUT,
        "/api/v2/notifications/settings",
        (TAG, "Turn kinds of notification on or off for the caller", SignedIn),
        set_settings,
    )
    .route(
        Method::GET,
        "/api/v2/notifications/unread-count",
        (TAG, "How many of the caller's notifications are unread", SignedIn),
        unread,
    )
    .route(
        Method::PUT,
        "/api/v2/users/{user_id}/notifications",
        (TAG, "Update Notifications by User ID", SignedIn),
        mark_all,
    )
    .route(
        Method::GET,
        "/api/v2/notifications/{notification_id}",
        (TAG, "Get a Notification", SignedIn),
        get,
    )
    .route(
        Method::PUT,
        "/api/v2/notifications/{notification_id}",
        (TAG, "Update a Notification", SignedIn),
        update,
    )
    .route(
        Method::DELETE,
        "/api/v2/notifications/{notification_id}",
        (TAG, "Delete a Notification", SignedIn),
        delete,
    )
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct NotificationQuery {
    #[serde(flatten)]
    list: ListQuery,
    /// Only read (`true`) or unread (`false`) ones.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    is_read: Option<bool>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> Result<Json<NotificationPage>> {
    let page = q.list.page();
    let (notifications, count, unread) = state
        .store
        .notification_page(caller.org_id(), caller.user_id(), q.is_read, page)
        .await?;
    Ok(ok(
        "Notifications fetched successfully.",
        NotificationPage {
            notifications,
            unread,
            meta: page.meta(count),
        },
    ))
}

async fn settings(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<NotificationSetting>>> {
    let set = state.store.notification_settings(caller.user_id()).await?;
    Ok(ok(
        "Notification settings fetched successfully.",
        NOTIFICATION_KINDS
            .iter()
            .map(|(kind, label)| NotificationSetting {
                kind: (*kind).into(),
                label: (*label).into(),
                enabled: set.iter().find(|(k, _)| k == kind).is_none_or(|(_, on)| *on),
            })
            .collect(),
    ))
}

async fn set_settings(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NotificationSettingsInput>,
) -> Result<Json<Vec<NotificationSetting>>> {
    if let Some(unknown) = body
        .settings
        .iter()
        .find(|c| !NOTIFICATION_KINDS.iter().any(|(k, _)| *k == c.kind))
    {
        return Err(Error::invalid(
            "settings",
            format!(
                "Unknown kind “{}”; use any of: {}.",
                unknown.kind,
                NOTIFICATION_KINDS.map(|k| k.0).join(", ")
            ),
        ));
    }
    let changes: Vec<(String, bool)> = body.settings.into_iter().map(|c| (c.kind, c.enabled)).collect();
    state
        .store
        .set_notification_settings(caller.user_id(), &changes)
        .await?;
    settings(State(state), caller).await
}

async fn unread(State(state): State<AppState>, caller: Caller) -> Result<Json<UnreadCount>> {
    Ok(ok(
        "Unread notifications counted.",
        UnreadCount {
            unread: state
                .store
                .unread_notifications(caller.org_id(), caller.user_id())
                .await?,
        },
    ))
}

/// A message: to oneself, or from an administrator to people of the organization.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NotificationInput>,
) -> Result<(axum::http::StatusCode, Json<ejento_api::MessageSent>)> {
    let title = validate::resource_name(&body.title, "notification").map_err(|m| Error::invalid("title", m))?;
    let text = validate::bounded_text(body.body.trim(), validate::DESCRIPTION_MAX_CHARS)
        .map_err(|m| Error::invalid("body", m))?;
    let link = body.link.trim();
    // Links go to a page of the dashboard, never elsewhere.
    if !link.is_empty() && (!link.starts_with('/') || link.starts_with("//") || link.len() > 500) {
        return Err(Error::invalid(
            "link",
            "A link is a path of the dashboard, such as /agents/12.",
        ));
    }
    let mut to: Vec<i64> = body.user_ids.clone();
    to.sort_unstable();
    to.dedup();
    if to.is_empty() {
        to.push(caller.user_id());
    }
    if to.len() > MAX_RECIPIENTS {
        return Err(Error::invalid(
            "user_ids",
            format!("At most {MAX_RECIPIENTS} people at once."),
        ));
    }
    if to.iter().any(|u| *u != caller.user_id()) && !authz::is_org_admin(&caller) {
        return Err(Error::Forbidden(
            "Only administrators send notifications to other people.".into(),
        ));
    }
    let found = state.store.users_in_org(caller.org_id(), &to).await?;
    if let Some(stranger) = to.iter().find(|u| !found.iter().any(|f| f.id == **u)) {
        return Err(Error::invalid(
            "user_ids",
            format!("There is no user {stranger} in your organization."),
        ));
    }
    let by = caller.user.full_name();
    let all: Vec<NewNotification> = to
        .iter()
        .map(|user| NewNotification {
            organization_id: caller.org_id(),
            user_id: *user,
            kind: "message",
            title: &title,
            body: &text,
            link,
            by: &by,
        })
        .collect();
    let ids = state.store.create_notifications(&all).await?;
    Ok(created(
        format!("Notification sent to {} people.", to.len()),
        ejento_api::MessageSent {
            count: ids.len() as i64,
            ids,
        },
    ))
}

async fn mine(state: &AppState, caller: &Caller, id: i64) -> Result<Notification> {
    state
        .store
        .find_notification(caller.org_id(), caller.user_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Notification"))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Notification>> {
    Ok(ok(
        "Notification fetched successfully.",
        mine(&state, &caller, id).await?,
    ))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NotificationUpdate>,
) -> Result<Json<Notification>> {
    mine(&state, &caller, id).await?;
    state
        .store
        .mark_notifications(caller.org_id(), caller.user_id(), &[id], body.is_read)
        .await?;
    Ok(ok(
        "Notification updated successfully.",
        mine(&state, &caller, id).await?,
    ))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    mine(&state, &caller, id).await?;
    state.store.delete_notification(id).await?;
    Ok(ok("Notification deleted successfully.", ejento_api::Deleted { id }))
}

/// Marks one's own notifications read or unread: the ones named, or all.
async fn mark_all(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(user): ApiPath<i64>,
    ApiJson(body): ApiJson<NotificationUpdate>,
) -> Result<Json<UnreadCount>> {
    if user != caller.user_id() {
        // Another person's notifications are theirs alone: not even administrators mark them.
        return Err(Error::not_found("User"));
    }
    for id in &body.notification_ids {
        mine(&state, &caller, *id)
            .await
            .map_err(|_| Error::invalid("notification_ids", format!("You have no notification {id}.")))?;
    }
    let changed = state
        .store
        .mark_notifications(caller.org_id(), user, &body.notification_ids, body.is_read)
        .await?;
    Ok(ok(
        format!("{changed} notification(s) updated."),
        UnreadCount {
            unread: state.store.unread_notifications(caller.org_id(), user).await?,
        },
    ))
}
