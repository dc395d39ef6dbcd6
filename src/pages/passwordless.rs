//! Sign in without a password: request a link (and a code) by e-mail, then follow the link or
//! type the code here.

use ejento_api::{PasswordlessRequest, VerifyOtp, validate};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{components::A, hooks::use_navigate};

use super::{AuthCard, FormError};
use crate::{
    Auth, api,
    components::{
        field::{Field, FormErrors},
        toast::use_toasts,
    },
};

#[component]
pub fn Passwordless() -> impl IntoView {
    let navigate = use_navigate();
    let auth = expect_context::<Auth>();
    let toasts = use_toasts();
    let email = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    // Set once the mail is on its way: the session the code belongs to, and what the server said.
    let sent = RwSignal::new(None::<(String, String)>);

    let request = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        if let Err(m) = validate::email(&email.get_untracked()) {
            errors.set("email", m);
            return;
        }
        pending.set(true);
        // A path: the server builds the link on its public URL.
        let body = PasswordlessRequest {
            email: email.get_untracked(),
            next: Some("/auth/confirmation".into()),
        };
        leptos::task::spawn_local(async move {
            match api::auth::request_passwordless(&body).await {
                Ok((message, data)) => sent.set(Some((data.otp_session_id, message))),
                Err(e) => {
                    errors.absorb(&e, &[("email", "email")]);
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };

    let verify = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        let typed = code.get_untracked().trim().to_string();
        if typed.len() != 6 || !typed.chars().all(|c| c.is_ascii_digit()) {
            errors.set("code", "The code has 6 digits.");
            return;
        }
        let Some((session_id, _)) = sent.get_untracked() else {
            return;
        };
        pending.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::auth::verify_otp(&VerifyOtp {
                otp_session_id: session_id,
                code: typed,
            })
            .await
            {
                Ok(session) => {
                    auth.user.set(Some(session.user));
                    navigate("/", Default::default());
                }
                Err(e) => {
                    toasts.error(e.message.clone());
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };

    view! {
        <AuthCard title="Sign in with an e-mail link">
            <FormError message=server_error/>
            <Show
                when=move || sent.get().is_some()
                fallback=move || {
                    view! {
                        <form id="passwordless-form" on:submit=request novalidate=true>
                            <Field id="passwordless-email" label="E-mail" kind="email" autocomplete="email" value=email error=errors.of("email") required=true/>
                            <button class="button primary wide" type="submit" disabled=move || pending.get()>
                                {move || if pending.get() { "Sending…" } else { "Send me a link" }}
                            </button>
                        </form>
                    }
                }
            >
                <p class="notice" role="status">{move || sent.get().map(|(_, m)| m)}</p>
                <form id="otp-form" on:submit=verify.clone() novalidate=true>
                    <Field id="otp-code" label="Or type the 6-digit code" autocomplete="one-time-code" value=code error=errors.of("code")/>
                    <button class="button primary wide" type="submit" disabled=move || pending.get()>
                        "Sign in"
                    </button>
                </form>
            </Show>
            <p class="auth-links">
                <A href="/login">"Sign in with a password instead"</A>
            </p>
        </AuthCard>
    }
}
