//! The landing page after sign-in: who you are, and the sections of the product.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{Auth, components::shell::SECTIONS};

#[component]
pub fn Home() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <section class="page">
            <Show
                when=move || auth.user.get().is_some()
                fallback=|| view! { <p class="loading" role="status">"Loading your account…"</p> }
            >
                {move || {
                    auth.user
                        .get()
                        .map(|u| {
                            view! {
                                <h1 id="welcome">{format!("Welcome, {}", u.first_name.clone().if_empty(&u.name))}</h1>
                                <p class="lead">
                                    {format!("{} · {} · signed in as {}", u.organization.org_name, u.role.as_str(), u.email)}
                                </p>
                            }
                        })
                }}
            </Show>
            <h2>"Sections"</h2>
            <ul class="section-grid">
                {SECTIONS
                    .into_iter()
                    .map(|(path, label, icon)| {
                        view! {
                            <li class="card section-card">
                                <A href=format!("/{path}")>
                                    <span class="nav-icon" aria-hidden="true">{icon}</span>
                                    <span class="section-name">{label}</span>
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

trait IfEmpty {
    fn if_empty(self, fallback: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, fallback: &str) -> String {
        if self.is_empty() { fallback.to_string() } else { self }
    }
}
