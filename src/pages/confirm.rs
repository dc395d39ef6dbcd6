//! Where the e-mailed link lands: trade its one-time token for a session.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
};

use super::AuthCard;
use crate::{Auth, api};

#[component]
pub fn Confirm() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let auth = expect_context::<Auth>();
    let failure = RwSignal::new(None::<String>);
    let token = query.with_untracked(|q| q.get("token")).unwrap_or_default();
    leptos::task::spawn_local(async move {
        if token.is_empty() {
            failure.set(Some("This link has no sign-in token. Request a new one.".into()));
            return;
        }
        match api::auth::exchange_passwordless(&token).await {
            Ok(session) => {
                auth.user.set(Some(session.user));
                navigate("/", Default::default());
            }
            Err(e) => failure.set(Some(e.message)),
        }
    });
    view! {
        <AuthCard title="Signing you in">
            <Show
                when=move || failure.get().is_some()
                fallback=|| view! { <p class="loading" role="status">"Checking your link…"</p> }
            >
                <div class="form-error" role="alert">{move || failure.get()}</div>
                <p class="auth-links">
                    <A href="/passwordless">"Request a new link"</A>
                </p>
            </Show>
        </AuthCard>
    }
}
