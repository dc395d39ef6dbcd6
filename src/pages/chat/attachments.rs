//! Files attached to a conversation: uploaded into the thread's own corpus (made on first use)
//! with byte progress, then followed until indexed, so the agent can quote them in its answers.

use ejento_api::{Document, step_in_progress};
use gloo_timers::callback::Interval;
use leptos::{html, prelude::*};
use wasm_bindgen::JsCast;

use crate::{
    api::{self, documents::Upload},
    components::toast::use_toasts,
    pages::documents::StepBadge,
};

/// A file on its way up.
#[derive(Clone, Copy)]
struct Sending {
    key: u32,
    name: StoredValue<String>,
    sent: RwSignal<f64>,
    total: RwSignal<f64>,
}

fn percent(sent: f64, total: f64) -> f64 {
    if total > 0.0 {
        (sent / total * 100.0).round()
    } else {
        0.0
    }
}

/// The thread's attached documents and an "Attach files" button. Attaching to a new
/// conversation first creates its thread (`adopt` makes it the current one).
#[component]
pub fn Attachments(agent_id: Signal<i64>, thread: RwSignal<Option<i64>>, adopt: Callback<i64>) -> impl IntoView {
    let toasts = use_toasts();
    let docs = RwSignal::new(Vec::<Document>::new());
    let sending = RwSignal::new(Vec::<Sending>::new());
    let next_key = StoredValue::new(0u32);
    let input_ref = NodeRef::<html::Input>::new();

    let refresh = move || {
        let Some(id) = thread.get_untracked() else {
            docs.set(Vec::new());
            return;
        };
        leptos::task::spawn_local(async move {
            match api::chat::attachments(id).await {
                // The thread may have changed meanwhile.
                Ok(list) if thread.get_untracked() == Some(id) => {
                    docs.try_set(list);
                }
                Ok(_) => {}
                Err(e) if e.status == 404 => {
                    docs.try_set(Vec::new());
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    Effect::new(move |_| {
        thread.track();
        docs.set(Vec::new());
        refresh();
    });
    // Indexing status, while something is still on its way.
    let poll = Interval::new(1000, move || {
        let busy = docs.with_untracked(|d| d.iter().any(|d| step_in_progress(&d.step)));
        if busy {
            refresh();
        }
    });
    let poll = StoredValue::new_local(Some(poll));
    on_cleanup(move || {
        if let Some(p) = poll.try_update_value(Option::take).flatten() {
            p.cancel();
        }
    });

    let send = move |file: web_sys::File| {
        let key = next_key.get_value() + 1;
        next_key.set_value(key);
        let item = Sending {
            key,
            name: StoredValue::new(file.name()),
            sent: RwSignal::new(0.0),
            total: RwSignal::new(file.size()),
        };
        sending.update(|s| s.push(item));
        leptos::task::spawn_local(async move {
            let outcome = async {
                let thread_id = match thread.get_untracked() {
                    Some(id) => id,
                    None => {
                        let created = api::chat::create_thread(agent_id.get_untracked()).await?;
                        adopt.run(created.id);
                        created.id
                    }
                };
                let corpus = api::chat::attachment_corpus(thread_id).await?;
                api::documents::upload(corpus, Upload::File(file), true, None, move |s, t| {
                    item.sent.try_set(s);
                    item.total.try_set(t);
                })
                .await
            }
            .await;
            sending.try_update(|s| s.retain(|i| i.key != key));
            match outcome {
                Ok(_) => refresh(),
                Err(e) => toasts.error(format!("{}: {}", item.name.get_value(), e.message)),
            }
        });
    };
    let on_pick = move |ev: web_sys::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        if let Some(files) = input.files() {
            for i in 0..files.length() {
                if let Some(file) = files.get(i) {
                    send(file);
                }
            }
        }
        // Picking the same file again must fire `change` again.
        input.set_value("");
    };
    let each_sending = move || sending.get();
    let each_doc = move || docs.get();

    view! {
        <div class="attachments" aria-label="Attached files">
            <ul id="attachments">
                <For each=each_sending key=|s| s.key let:item>
                    <li class="attachment uploading">
                        <span>{item.name.get_value()}</span>
                        <progress class="bar" max="100"
                            value=move || percent(item.sent.get(), item.total.get())
                            aria-label=format!("Uploading {}", item.name.get_value())></progress>
                    </li>
                </For>
                <For each=each_doc key=|d| (d.id, d.step.clone(), d.progress) let:doc>
                    <li class="attachment" data-document=doc.id>
                        <span>{doc.title.clone()}</span>
                        <StepBadge step=doc.step.clone() progress=doc.progress/>
                        {doc.failure_reason.clone().map(|r| view! { <span class="form-error small">{r}</span> })}
                    </li>
                </For>
            </ul>
            <input type="file" multiple class="sr-only" id="attach-input" tabindex="-1" aria-hidden="true"
                node_ref=input_ref on:change=on_pick/>
            <button type="button" class="button" id="attach" title="Attach files the agent may quote in this conversation"
                on:click=move |_| {
                    if let Some(input) = input_ref.get_untracked() {
                        input.click();
                    }
                }>"Attach files"</button>
        </div>
    }
}
