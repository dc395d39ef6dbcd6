//! Sign in with e-mail and password; then back to where the user was headed.

use ejento_api::{LoginRequest, validate};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
};

use super::{AuthCard, FormError};
use crate::{
    Auth, api,
    components::field::{Field, FormErrors},
    session,
};

#[component]
pub fn Login() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let auth = expect_context::<Auth>();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let expired = query.with_untracked(|q| q.get("expired").is_some());
    let next = move || session::safe_next(query.with_untracked(|q| q.get("next")));

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        errors.clear();
        server_error.set(None);
        if let Err(m) = validate::email(&email.get_untracked()) {
            errors.set("email", m);
        }
        if password.get_untracked().is_empty() {
            errors.set("password", "Enter your password.");
        }
        if !errors.is_empty() {
            return;
        }
        pending.set(true);
        let body = LoginRequest {
            username: email.get_untracked(),
            password: password.get_untracked(),
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::auth::login(&body).await {
                Ok(session) => {
                    auth.user.set(Some(session.user));
                    navigate(&next(), Default::default());
                }
                Err(e) => {
                    // Said once, in the form where it happened (a toast too would say it twice).
                    errors.absorb(&e, &[("username", "email"), ("password", "password")]);
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };

    let register_href = move || format!("/register?next={}", String::from(js_sys::encode_uri_component(&next())));
    view! {
        <AuthCard title="Sign in">
            {expired.then(|| view! { <p class="notice" role="status">"Your session ended. Sign in again to continue."</p> })}
            <form id="login-form" on:submit=submit novalidate=true>
                <FormError message=server_error/>
                <Field id="login-email" label="E-mail" kind="email" autocomplete="username" value=email error=errors.of("email") required=true/>
                <Field id="login-password" label="Password" kind="password" autocomplete="current-password" value=password error=errors.of("password") required=true/>
                <button id="login-submit" class="button primary wide" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p class="auth-links">
                <A href="/passwordless">"E-mail me a sign-in link"</A>
                " · "
                <a href=register_href id="to-register">"Create an account"</a>
            </p>
        </AuthCard>
    }
}
