//! The audit log of administrative changes, for Global Admins.

use axum::{extract::State, http::Method};
use ejento_api::{AuditLogPage, Envelope};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiPath, ApiQuery, ListQuery, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, OrgAction},
    },
    error::{Error, Result},
    state::AppState,
    store::audit::AuditFilter,
};

type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/organizations/{organization_id}/audit-log",
        ("Organizations", "Get the audit log of an Organization", SignedIn),
        list,
    )
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct AuditQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default)]
    resource_type: Option<String>,
    /// The e-mail address of who made the change.
    #[serde(default)]
    actor: Option<String>,
    /// UTC days, `YYYY-MM-DD`, both included.
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

fn day(field: &str, value: &Option<String>) -> Result<Option<String>> {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(v, format).map_err(|_| Error::invalid(field, format!("“{v}” is not a day; use YYYY-MM-DD.")))?;
    Ok(Some(v.to_string()))
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditLogPage>> {
    authz::require_own_org(&caller, org)?;
    authz::require(&state, &caller, OrgAction::ReadAuditLog).await?;
    let (from, to) = (day("from", &q.from)?, day("to", &q.to)?);
    if let (Some(f), Some(t)) = (&from, &to)
        && f > t
    {
        return Err(Error::invalid("to", "The range ends before it starts."));
    }
    let page = q.list.page();
    let filter = AuditFilter {
        resource_type: q.resource_type.as_deref().map(str::trim).filter(|s| !s.is_empty()),
        actor: q.actor.as_deref().map(str::trim).filter(|s| !s.is_empty()),
        from: from.as_deref(),
        to: to.as_deref(),
    };
    let (entries, count) = state.store.audit_log(org, &filter, page).await?;
    Ok(ok(
        "Audit log fetched successfully.",
        AuditLogPage {
            entries,
            meta: page.meta(count),
        },
    ))
}
