//! Change the signed-in user's password; other devices are signed out by the server.

use ejento_api::{ChangePasswordRequest, validate};
use leptos::{ev::SubmitEvent, prelude::*};

use super::FormError;
use crate::{
    api,
    components::{
        field::{Field, FormErrors},
        toast::use_toasts,
    },
};

#[component]
pub fn ChangePassword() -> impl IntoView {
    let toasts = use_toasts();
    let old_password = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        if old_password.get_untracked().is_empty() {
            errors.set("old", "Enter your current password.");
        }
        if let Err(m) = validate::password(&new_password.get_untracked()) {
            errors.set("new", m);
        } else if new_password.get_untracked() == old_password.get_untracked() {
            errors.set("new", "The new password must differ from the current one.");
        }
        if confirm.get_untracked() != new_password.get_untracked() {
            errors.set("confirm", "The two new passwords do not match.");
        }
        if !errors.is_empty() {
            return;
        }
        pending.set(true);
        let body = ChangePasswordRequest {
            old_password: old_password.get_untracked(),
            new_password: new_password.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match api::auth::change_password(&body).await {
                Ok(message) => {
                    toasts.success(message);
                    old_password.set(String::new());
                    new_password.set(String::new());
                    confirm.set(String::new());
                }
                Err(e) => {
                    errors.absorb(&e, &[("old_password", "old"), ("new_password", "new")]);
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };

    view! {
        <section class="page narrow">
            <h1>"Change password"</h1>
            <form id="change-password-form" class="card" on:submit=submit novalidate=true>
                <FormError message=server_error/>
                <Field id="current-password" label="Current password" kind="password" autocomplete="current-password" value=old_password error=errors.of("old") required=true/>
                <Field id="new-password" label="New password" kind="password" autocomplete="new-password" value=new_password error=errors.of("new") hint="At least 8 characters." required=true/>
                <Field id="confirm-password" label="Repeat the new password" kind="password" autocomplete="new-password" value=confirm error=errors.of("confirm") required=true/>
                <p class="field-hint">"Other devices signed in to your account will be signed out."</p>
                <button id="change-password-submit" class="button primary" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Change password" }}
                </button>
            </form>
        </section>
    }
}
