//! The landing page after sign-in: where the person left off (their latest chats, the agents
//! they used last, each a click from a new chat), then the sections of the product.

use ejento_api::{Agent, ConversationPage};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    Auth, api,
    components::{
        load::{load, show},
        shell::SECTIONS,
    },
    pages::chats::ConversationList,
};

/// The latest chats shown on the home page (the rest are one click away, in Chats).
const LATEST_CHATS: u64 = 6;

/// Where the person left off: their latest chats and the agents they used last.
#[component]
fn Continue() -> impl IntoView {
    let chats = load(|| (), |_| async { api::chat::conversations("", 1, LATEST_CHATS).await });
    let agents = load(|| (), |_| async { api::agents::recent().await });
    view! {
        <div class="continue-grid">
            <section class="card" id="latest-chats">
                <h2>"Latest chats"</h2>
                {show(chats, |p: ConversationPage| {
                    if p.conversations.is_empty() {
                        return view! { <p class="muted">"No chats yet. Pick an agent and ask it something."</p> }.into_any();
                    }
                    view! {
                        <ConversationList conversations=p.conversations/>
                        <A href="/chats" attr:id="all-chats">"All chats"</A>
                    }.into_any()
                })}
            </section>
            <section class="card" id="recent-agents">
                <h2>"Your agents"</h2>
                {show(agents, |list: Vec<Agent>| {
                    if list.is_empty() {
                        return view! { <p class="muted">"Agents you open appear here. "<A href="/agents">"Browse agents"</A></p> }.into_any();
                    }
                    view! {
                        <ul class="recent-agents">
                            {list.into_iter().take(6).map(|a| (format!("Chat with {}", a.agent_name), a)).map(|(chat_label, a)| view! {
                                <li>
                                    <A href=format!("/agents/{}", a.id)>{a.agent_name.clone()}</A>
                                    <A href=format!("/agents/{}/chat", a.id) attr:class="button small"
                                        attr:aria-label=chat_label>"Chat"</A>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </section>
        </div>
    }
}

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
            <Continue/>
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
