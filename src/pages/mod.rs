//! One module per route.

pub mod admin;
pub mod agent_detail;
pub mod agents;
pub mod analytics;
pub mod change_password;
pub mod chat;
pub mod chat_logs;
pub mod chats;
pub mod confirm;
pub mod corpora;
pub mod documents;
pub mod evaluation_runs;
pub mod evaluations;
pub mod guardrails;
pub mod home;
pub mod login;
pub mod not_found;
pub mod passwordless;
pub mod projects;
pub mod register;
pub mod teams;
pub mod tools;
pub mod users;
pub mod workflows;

use leptos::prelude::*;

/// The frame of the signed-out pages (sign-in, sign-up, passwordless).
#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="auth-page">
            <div class="auth-corner">
                <crate::theme::ThemeToggle/>
            </div>
            <main class="auth-card" id="main">
                <div class="brand auth-brand">
                    <span class="brand-mark" aria-hidden="true">"E"</span>
                    <span>"Ejento"</span>
                </div>
                <h1>{title}</h1>
                {children()}
            </main>
        </div>
    }
}

/// The server's message for the whole form, announced to screen readers.
#[component]
pub fn FormError(message: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <div class="form-error" role="alert">
                {move || message.get()}
            </div>
        </Show>
    }
}
