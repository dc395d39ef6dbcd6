//! A person's history: every conversation with every agent, newest first, grouped by when it
//! last moved (Today, Yesterday, Previous 7 days…), searchable by title and question.

use ejento_api::{Conversation, ConversationPage};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api,
    components::{
        load::{empty, load, show},
        pager::{Pager, SearchBox},
        url::{page_param, query_param},
    },
};

/// Conversations per page of the history.
const PER_PAGE: u64 = 50;

/// `conversations` (newest first) under their date headings, as of `now_ms`.
pub fn grouped(conversations: Vec<Conversation>, now_ms: f64) -> Vec<(String, Vec<Conversation>)> {
    let mut groups: Vec<(String, Vec<Conversation>)> = Vec::new();
    for c in conversations {
        let heading = crate::clock::history_group(&c.modified_on, now_ms);
        match groups.last_mut() {
            Some((last, list)) if *last == heading => list.push(c),
            _ => groups.push((heading, vec![c])),
        }
    }
    groups
}

/// Conversations under their date headings, each a link into its chat.
#[component]
pub fn ConversationList(conversations: Vec<Conversation>) -> impl IntoView {
    let now = crate::clock::now_ms();
    view! {
        <div class="conversation-groups">
            {grouped(conversations, now).into_iter().map(|(heading, list)| view! {
                <section class="conversation-group">
                    <h2 class="group-heading">{heading}</h2>
                    <ul class="conversation-list">
                        {list.into_iter().map(|c| view! {
                            <li>
                                <A href=format!("/agents/{}/chat/{}", c.agent_id, c.thread_id) attr:class="conversation">
                                    <span class="conversation-title">{c.title.clone()}</span>
                                    <span class="muted small">
                                        {c.agent_name.clone()}" · "{crate::clock::relative_to(&c.modified_on, now)}
                                    </span>
                                    {c.last_question.clone().filter(|q| *q != c.title).map(|q| view! {
                                        <span class="muted small clamp">{q}</span>
                                    })}
                                </A>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }).collect_view()}
        </div>
    }
}

#[component]
pub fn ChatsPage() -> impl IntoView {
    let search = query_param("search");
    let page = page_param();
    let state = load(
        move || (search.get(), page.get()),
        |(s, p)| async move { api::chat::conversations(&s, p, PER_PAGE).await },
    );
    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Chats"</h1>
                <A href="/agents" attr:class="button primary">"New chat"</A>
            </header>
            <div class="toolbar"><SearchBox label="Search your chats"/></div>
            {show(state, move |p: ConversationPage| {
                if p.conversations.is_empty() {
                    return if search.get_untracked().is_empty() {
                        empty("No chats yet", "Pick an agent and ask it something: your conversations with every agent gather here.").into_any()
                    } else {
                        empty("No chat matches", "Nothing you asked or titled has these words. Try others.").into_any()
                    };
                }
                let meta = p.meta;
                view! {
                    <div id="chat-history"><ConversationList conversations=p.conversations/></div>
                    <Pager meta=meta/>
                }.into_any()
            })}
        </section>
    }
}
