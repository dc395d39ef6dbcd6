//! Users. For now the current user; the organization's user management lands with its issue.

use axum::{Json, http::Method};
use ejento_api::{CurrentUser, Envelope};

use super::{Access::SignedIn, Api};
use crate::auth::Caller;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/users/me",
        ("Users", "Get authenticated User", SignedIn),
        me,
    )
}

async fn me(caller: Caller) -> Json<Envelope<CurrentUser>> {
    Json(Envelope::ok(
        "User fetched successfully.",
        caller.user.to_current_user(),
    ))
}
