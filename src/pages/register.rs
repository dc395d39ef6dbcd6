//! Create an account. The first account of a fresh server founds the organization.

use ejento_api::{SignupRequest, validate};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
};

use super::{AuthCard, FormError};
use crate::{
    Auth, api,
    components::{
        field::{Field, FormErrors},
        toast::use_toasts,
    },
    session,
};

#[component]
pub fn Register() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let auth = expect_context::<Auth>();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let organization = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        errors.clear();
        server_error.set(None);
        if name.get_untracked().trim().is_empty() {
            errors.set("name", "Enter your name.");
        } else if let Err(m) = validate::person_name(&name.get_untracked()) {
            errors.set("name", m);
        }
        if let Err(m) = validate::email(&email.get_untracked()) {
            errors.set("email", m);
        }
        if let Err(m) = validate::password(&password.get_untracked()) {
            errors.set("password", m);
        }
        if !errors.is_empty() {
            return;
        }
        pending.set(true);
        let org = organization.get_untracked();
        let body = SignupRequest {
            email: email.get_untracked(),
            password: password.get_untracked(),
            full_name: Some(name.get_untracked()),
            first_name: None,
            last_name: None,
            organization_name: (!org.trim().is_empty()).then_some(org),
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::auth::signup(&body).await {
                Ok(session) => {
                    toasts.success(format!("Welcome, {}!", session.user.name));
                    auth.user.set(Some(session.user));
                    navigate(
                        &session::safe_next(query.with_untracked(|q| q.get("next"))),
                        Default::default(),
                    );
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[
                            ("email", "email"),
                            ("password", "password"),
                            ("first_name", "name"),
                            ("last_name", "name"),
                            ("organization_name", "organization"),
                        ],
                    );
                    toasts.error(e.message.clone());
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };

    view! {
        <AuthCard title="Create your account">
            <form id="register-form" on:submit=submit novalidate=true>
                <FormError message=server_error/>
                <Field id="register-name" label="Full name" autocomplete="name" value=name error=errors.of("name") required=true/>
                <Field id="register-email" label="E-mail" kind="email" autocomplete="email" value=email error=errors.of("email") required=true/>
                <Field
                    id="register-password"
                    label="Password"
                    kind="password"
                    autocomplete="new-password"
                    value=password
                    error=errors.of("password")
                    hint="At least 8 characters."
                    required=true
                />
                <Field
                    id="register-organization"
                    label="Organization (optional)"
                    autocomplete="organization"
                    value=organization
                    error=errors.of("organization")
                    hint="Used only if you are the first person on this server."
                />
                <button id="register-submit" class="button primary wide" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Creating account…" } else { "Create account" }}
                </button>
            </form>
            <p class="auth-links">
                "Already have an account? "
                <A href="/login">"Sign in"</A>
            </p>
        </AuthCard>
    }
}
