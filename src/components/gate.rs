//! What each organization role may open. Pages a role cannot use are not in its navigation,
//! and opened by address they say what is needed instead of calling the server for a refusal.
//! A refusal the server gives anyway (403) reads the same way, through [`forbidden`].

use ejento_api::OrgRole;
use leptos::prelude::*;

use crate::Auth;

/// The organization role a page needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleNeed {
    /// A Global Admin or an Application Admin.
    OrgAdmin,
    GlobalAdmin,
}

impl RoleNeed {
    pub fn allows(self, role: OrgRole) -> bool {
        match self {
            RoleNeed::OrgAdmin => matches!(role, OrgRole::GlobalAdmin | OrgRole::ApplicationAdmin),
            RoleNeed::GlobalAdmin => role == OrgRole::GlobalAdmin,
        }
    }

    fn needed(self) -> &'static str {
        match self {
            RoleNeed::OrgAdmin => "You need to be a Global Admin or an Application Admin to see this.",
            RoleNeed::GlobalAdmin => "You need to be a Global Admin to see this.",
        }
    }
}

/// The notice in place of a page someone may not see: what they need, and the server's reason.
pub fn forbidden(needed: String, reason: Option<String>) -> impl IntoView {
    view! {
        <div class="empty-state forbidden" role="note">
            <p class="empty-title">{needed}</p>
            {reason.map(|r| view! { <p>{r}</p> })}
            <p class="muted">"Ask an administrator of your organization if you should have access."</p>
        </div>
    }
}

/// `page` for people whose role allows it; for others, the notice saying what they need.
pub fn gated(need: RoleNeed, page: impl Fn() -> AnyView + Send + Sync + 'static) -> impl IntoView {
    let auth = expect_context::<Auth>();
    move || match auth.user.get() {
        None => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
        Some(u) if need.allows(u.role) => page(),
        Some(_) => view! { <section class="page">{forbidden(need.needed().into(), None)}</section> }.into_any(),
    }
}

/// Whether the signed-in person's role allows `need` (false until they are known).
pub fn allows(need: RoleNeed) -> Signal<bool> {
    let auth = expect_context::<Auth>();
    Signal::derive(move || auth.user.get().is_some_and(|u| need.allows(u.role)))
}
