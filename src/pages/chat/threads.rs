//! The conversations beside the chat: searched as you type (titles, questions and answers),
//! one tab stop for the whole list with the arrow keys moving between rows, and each row's
//! title cut with an ellipsis so its rename and delete buttons stay in view. Rename edits the
//! title in place (F2), delete asks first (Delete).

use ejento_api::{ChatThread, ChatThreadPage};
use leptos::{html, prelude::*};
use leptos_router::components::A;
use wasm_bindgen::JsCast;

use crate::{
    api,
    components::{
        load::{Load, confirm, failure},
        toast::use_toasts,
    },
};

/// How long typing pauses before the search runs.
const SEARCH_PAUSE_MS: u32 = 250;

/// Moves focus between the rows' links: Up/Down, Home/End.
fn move_focus(list: &web_sys::HtmlElement, key: &str) -> bool {
    let Ok(links) = list.query_selector_all("li > a") else {
        return false;
    };
    let links: Vec<web_sys::HtmlElement> = (0..links.length())
        .filter_map(|i| links.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect();
    if links.is_empty() {
        return false;
    }
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    let at = links.iter().position(|l| {
        active
            .as_ref()
            .is_some_and(|a| a == l.unchecked_ref::<web_sys::Element>())
    });
    let next = match (key, at) {
        ("ArrowDown", Some(i)) => (i + 1).min(links.len() - 1),
        ("ArrowUp", Some(i)) => i.saturating_sub(1),
        ("ArrowDown", None) | ("Home", _) => 0,
        ("ArrowUp", None) | ("End", _) => links.len() - 1,
        _ => return false,
    };
    for (i, link) in links.iter().enumerate() {
        let _ = link.set_attribute("tabindex", if i == next { "0" } else { "-1" });
    }
    let _ = links[next].focus();
    true
}

#[component]
pub fn ThreadList(
    agent_id: Signal<i64>,
    /// The open conversation.
    current: RwSignal<Option<i64>>,
    threads: RwSignal<Load<ChatThreadPage>>,
    search: RwSignal<String>,
    /// Asks for the list again (after a rename or a delete).
    reload: Callback<()>,
) -> impl IntoView {
    let typed = RwSignal::new(search.get_untracked());
    let pause = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        typed.set(text.clone());
        pause.set_value(Some(gloo_timers::callback::Timeout::new(SEARCH_PAUSE_MS, move || {
            search.try_set(text);
        })));
    };
    let list_ref = NodeRef::<html::Ul>::new();
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if let Some(list) = list_ref.get_untracked()
            && move_focus(&list, &ev.key())
        {
            ev.prevent_default();
        }
    };
    view! {
        <label for="thread-search" class="sr-only">"Search conversations"</label>
        <input id="thread-search" class="search" type="search" placeholder="Search conversations"
            prop:value=move || typed.get() on:input=on_input/>
        {move || match threads.get() {
            Load::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
            Load::Failed(e) => failure(e).into_any(),
            Load::Ready(page) if page.chat_threads.is_empty() => {
                let query = search.get_untracked();
                let text = if query.trim().is_empty() {
                    "No conversations yet: ask something to start one.".to_string()
                } else {
                    format!("No conversation mentions “{}”.", query.trim())
                };
                view! { <p class="muted small" id="thread-empty">{text}</p> }.into_any()
            }
            Load::Ready(page) => {
                // One tab stop: the open conversation's row, else the first.
                let focused = current.get_untracked().filter(|c| page.chat_threads.iter().any(|t| t.id == *c));
                let focused = focused.or(page.chat_threads.first().map(|t| t.id));
                view! {
                    <ul class="thread-list" id="thread-list" node_ref=list_ref on:keydown=on_key aria-label="Conversations">
                        {page.chat_threads.into_iter().map(|t| view! {
                            <ThreadRow thread=t agent_id=agent_id current=current tab_stop=focused reload=reload/>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }
        }}
    }
}

#[component]
fn ThreadRow(
    thread: ChatThread,
    agent_id: Signal<i64>,
    current: RwSignal<Option<i64>>,
    tab_stop: Option<i64>,
    reload: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let id = thread.id;
    let title = RwSignal::new(thread.title.clone());
    let editing = RwSignal::new(false);
    let input_ref = NodeRef::<html::Input>::new();
    input_ref.on_load(|input| {
        let _ = input.focus();
        input.select();
    });
    let save = move || {
        let Some(input) = input_ref.get_untracked() else { return };
        let new_title = input.value().trim().to_string();
        editing.set(false);
        if new_title.is_empty() || new_title == title.get_untracked() {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::chat::rename_thread(id, &new_title).await {
                Ok(t) => {
                    title.try_set(t.title);
                    reload.run(());
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let remove = move || {
        if !confirm(&format!("Delete the conversation “{}”?", title.get_untracked())) {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::chat::delete_thread(id).await {
                Ok(()) => reload.run(()),
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let on_row_key = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "F2" => {
            ev.prevent_default();
            editing.set(true);
        }
        "Delete" => {
            ev.prevent_default();
            remove();
        }
        _ => {}
    };
    view! {
        <li class:active=move || current.get() == Some(id) on:keydown=on_row_key>
            {move || if editing.get() {
                view! {
                    <input class="thread-rename" node_ref=input_ref aria-label="Conversation name" value=title.get_untracked()
                        on:keydown=move |ev: web_sys::KeyboardEvent| {
                            ev.stop_propagation();
                            match ev.key().as_str() {
                                "Enter" => { ev.prevent_default(); save(); }
                                "Escape" => editing.set(false),
                                _ => {}
                            }
                        }
                        // Leaving the field keeps a new name; an emptied field waits for one.
                        on:blur=move |ev| if editing.get_untracked() && !event_target_value(&ev).trim().is_empty() { save() }/>
                }.into_any()
            } else {
                view! {
                    <A href=format!("/agents/{}/chat/{id}", agent_id.get_untracked())
                        attr:title=move || title.get()
                        attr:tabindex=if tab_stop == Some(id) { "0" } else { "-1" }
                        attr:aria-keyshortcuts="F2 Delete">
                        {move || title.get()}
                    </A>
                }.into_any()
            }}
            <button class="icon-button" type="button" tabindex="-1" aria-label=move || format!("Rename {}", title.get())
                on:click=move |_| editing.set(true)>"✎"</button>
            <button class="icon-button" type="button" tabindex="-1" aria-label=move || format!("Delete {}", title.get())
                on:click=move |_| remove()>"×"</button>
        </li>
    }
}
