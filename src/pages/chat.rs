//! Chatting with an agent: threads on the side, the conversation, a composer. Answers stream in
//! through EventSource (resuming by itself after a dropped connection, and after a reload from
//! the stored events), with numbered citations that open the passage they quote. Answers are
//! rendered as text nodes only: nothing an agent or a document says is ever read as HTML.

use std::collections::HashMap;

use ejento_api::{Agent, AgentResponse, ResponseOutput, ResponseRequest, SupportingChunk};
use leptos::{html, prelude::*};
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_params_map},
};
use wasm_bindgen::{JsCast, closure::Closure};

mod attachments;
mod threads;

use attachments::Attachments;
use threads::ThreadList;

use crate::{
    api,
    components::{
        load::{load, show},
        markdown::Markdown,
        stream,
        toast::use_toasts,
        window,
    },
};

/// One question and its answer, live while it streams. All handles: cheap to copy into views.
#[derive(Clone, Copy)]
struct Turn {
    id: i64,
    /// What was asked, as the server kept it (guardrails may have redacted it).
    question: RwSignal<String>,
    answer: RwSignal<String>,
    thoughts: RwSignal<String>,
    status: RwSignal<String>,
    output: RwSignal<Option<ResponseOutput>>,
    vote: RwSignal<Option<String>>,
    pinned: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    /// Which version of its turn this is (from 1), of how many.
    version: (i64, i64),
}

impl Turn {
    fn from_stored(r: AgentResponse) -> Self {
        Self {
            id: r.id,
            version: (r.version_number, r.version_count),
            question: RwSignal::new(r.question),
            answer: RwSignal::new(r.answer),
            thoughts: RwSignal::new(r.thoughts),
            status: RwSignal::new(r.status),
            output: RwSignal::new(r.response),
            vote: RwSignal::new(r.my_vote),
            pinned: RwSignal::new(r.is_pinned),
            error: RwSignal::new(None),
        }
    }

    fn streaming(&self) -> bool {
        self.status.get() == "streaming"
    }
}

/// Stream text received since the last painted frame.
#[derive(Default)]
struct Batch {
    answer: String,
    thoughts: String,
}

/// A turn as the stream follower fills it.
#[derive(Clone, Copy)]
struct Followed {
    turn: Turn,
    announce: RwSignal<String>,
}

impl stream::Answer for Followed {
    type Batch = Batch;

    fn restart(self) {
        self.turn.answer.set(String::new());
        self.turn.thoughts.set(String::new());
    }

    fn gather(self, v: &serde_json::Value, b: &mut Batch) -> bool {
        let delta = v["delta"].as_str().unwrap_or_default();
        match v["step"].as_str() {
            Some("assistant_stream") => b.answer.push_str(delta),
            Some("tools_stream") => b.thoughts.push_str(delta),
            _ => return false,
        }
        true
    }

    fn paint(self, b: Batch) {
        if !b.answer.is_empty() {
            self.turn.answer.try_update(|a| a.push_str(&b.answer));
        }
        if !b.thoughts.is_empty() {
            self.turn.thoughts.try_update(|a| a.push_str(&b.thoughts));
        }
    }

    fn end(self, v: &serde_json::Value) {
        let t = self.turn;
        // A final answer in `output` replaces what was streamed.
        if let Ok(out) = serde_json::from_value::<ResponseOutput>(v["output"].clone()) {
            if !out.query.is_empty() {
                t.question.set(out.query.clone());
            }
            t.answer.set(out.answer.clone());
            t.status.set(out.status.clone());
            t.output.set(Some(out));
        }
        if v["success"] == false {
            t.status.set("failed".into());
            t.error.set(Some(
                v["message"]
                    .as_str()
                    .unwrap_or("The agent could not answer.")
                    .to_string(),
            ));
        }
        self.announce.set(format!("Answer {} complete.", t.id));
    }

    fn fail(self, message: String) {
        self.turn.error.set(Some(message));
    }

    fn ended(self) -> bool {
        self.turn.output.get_untracked().is_some()
    }

    async fn renew(self) -> Option<String> {
        api::chat::events_url(self.turn.id).await.ok().map(|s| s.events_url)
    }
}

/// Follows a response's events from the first: tokens append, `end` settles the turn.
fn follow(turn: Turn, url: &str, follows: stream::Follows, announce: RwSignal<String>) {
    stream::follow(Followed { turn, announce }, url, follows);
}

#[component]
pub fn ChatPage() -> impl IntoView {
    let params = use_params_map();
    let agent_id = Signal::derive(move || {
        params
            .with(|p| p.get("id"))
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let route_thread = Signal::derive(move || params.with(|p| p.get("thread")).and_then(|v| v.parse::<i64>().ok()));
    let toasts = use_toasts();
    let thread = RwSignal::new(None::<i64>);
    let turns = RwSignal::new(Vec::<Turn>::new());
    let loading = RwSignal::new(false);
    let follows: stream::Follows = StoredValue::new_local(Vec::new());
    let announce = RwSignal::new(String::new());
    let threads_tick = RwSignal::new(0u32);
    let cited = RwSignal::new(None::<(i64, i64)>);
    let traced = RwSignal::new(None::<i64>);
    // The model configuration chosen in the composer ("" = the agent's own), where allowed.
    let chosen_model = RwSignal::new(String::new());
    let models = load(|| (), |_| async { api::agents::llm_configurations().await });
    // An agent one chats with is one of one's recent agents (the home page lists them).
    let agent = load(
        move || agent_id.get(),
        |id| async move {
            let agent = api::agents::one(id).await;
            if agent.is_ok() {
                api::agents::visit(id).await;
            }
            agent
        },
    );
    let starters = load(
        move || agent_id.get(),
        |id| async move { api::chat::starters(id).await },
    );
    let thread_search = RwSignal::new(String::new());
    let threads = load(
        move || (agent_id.get(), threads_tick.get(), thread_search.get()),
        |(id, _, q)| async move {
            if q.trim().is_empty() {
                api::chat::threads(id).await
            } else {
                api::chat::search_threads(id, &q).await
            }
        },
    );

    // Long threads render only the turns near the viewport (see `components::window`).
    let messages_ref = NodeRef::<html::Div>::new();
    let list_top_ref = NodeRef::<html::Div>::new();
    let heights = StoredValue::new_local(HashMap::<i64, f64>::new());
    let measured = RwSignal::new(0u32);
    let range = RwSignal::new((0usize, 0usize));
    let at_bottom = StoredValue::new(true);
    let turn_heights = move || -> Vec<f64> {
        turns
            .try_with_untracked(|list| {
                heights
                    .try_with_value(|h| {
                        list.iter()
                            .map(|t| h.get(&t.id).copied().unwrap_or(window::ESTIMATED_HEIGHT))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    // Called from animation frames and observers, which may fire after the page is gone: every
    // read here tolerates that (`try_`), never panics.
    let relayout = move || {
        let (Some(Some(el)), Some(Some(top))) = (messages_ref.try_get_untracked(), list_top_ref.try_get_untracked())
        else {
            return;
        };
        let next = window::visible_range(
            &turn_heights(),
            f64::from(top.offset_top() - el.offset_top()),
            f64::from(el.scroll_top()),
            f64::from(el.client_height()),
        );
        if range.try_get_untracked().is_some_and(|r| r != next) {
            range.try_set(next);
        }
    };
    let scroll_down = move || {
        if let Some(Some(el)) = messages_ref.try_get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    };
    // Heights are measured as turns render and grow (a streaming answer, opened thoughts); a
    // reader at the bottom stays there while an answer streams in.
    let on_resize = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        let mut changed = false;
        for entry in entries.iter() {
            let Ok(entry) = entry.dyn_into::<web_sys::ResizeObserverEntry>() else {
                continue;
            };
            let target = entry.target();
            let Some(id) = target
                .get_attribute("data-response")
                .and_then(|v| v.parse::<i64>().ok())
            else {
                continue;
            };
            let Some(height) = target
                .dyn_ref::<web_sys::HtmlElement>()
                .map(|e| f64::from(e.offset_height()))
            else {
                continue;
            };
            if height > 0.0 {
                heights.try_update_value(|h| {
                    if h.get(&id).is_none_or(|old| (old - height).abs() > 0.5) {
                        h.insert(id, height);
                        changed = true;
                    }
                });
            }
        }
        if changed {
            measured.try_update(|n| *n += 1);
            if at_bottom.try_get_value().unwrap_or(false) {
                scroll_down();
            }
            relayout();
        }
    });
    let observer = StoredValue::new_local(web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok());
    let on_resize = StoredValue::new_local(Some(on_resize));
    let on_scroll = move |_| {
        if let Some(el) = messages_ref.get_untracked() {
            at_bottom.set_value(el.scroll_height() - el.scroll_top() - el.client_height() < 80);
        }
        relayout();
    };
    // A turn added or a thread loaded: place the window once the list has rendered.
    Effect::watch(
        move || turns.with(Vec::len),
        move |_, _, _| request_animation_frame(relayout),
        false,
    );
    let spacer_heights = move || {
        measured.track();
        let (start, end) = range.get();
        let list = turn_heights();
        window::spacers(&list, (start, end))
    };
    let visible_turns = move || {
        let (start, end) = range.get();
        turns.with(|t| t[start.min(t.len())..end.min(t.len())].to_vec())
    };

    on_cleanup(move || {
        observer.with_value(|o| {
            if let Some(o) = o {
                o.disconnect();
            }
        });
        on_resize.set_value(None);
        follows.update_value(|f| {
            for follow in f.drain(..) {
                follow.close();
            }
        })
    });

    // A chat opens with the caret in the composer, and so does every change of conversation.
    let composer_ref = NodeRef::<html::Textarea>::new();
    let focus_composer = move || {
        if let Some(Some(el)) = composer_ref.try_get_untracked() {
            let _ = el.focus();
        }
    };
    composer_ref.on_load(move |el| {
        let _ = el.focus();
    });
    // The thread in the URL: load its conversation and resume any answer still being written.
    Effect::new(move |_| {
        let current = route_thread.get();
        // A thread this page just created is already on screen, streaming.
        if current.is_some() && current == thread.get_untracked() {
            return;
        }
        thread.set(current);
        request_animation_frame(focus_composer);
        follows.update_value(|f| {
            for follow in f.drain(..) {
                follow.close();
            }
        });
        turns.set(Vec::new());
        cited.set(None);
        let Some(id) = current else { return };
        loading.set(true);
        leptos::task::spawn_local(async move {
            match api::chat::responses(id).await {
                Ok(list) => {
                    let loaded: Vec<Turn> = list.into_iter().map(Turn::from_stored).collect();
                    for t in loaded.iter().filter(|t| t.status.get_untracked() == "streaming") {
                        if let Ok(started) = api::chat::events_url(t.id).await {
                            follow(*t, &started.events_url, follows, announce);
                        }
                    }
                    turns.set(loaded);
                    // Open a conversation at its latest answer.
                    request_animation_frame(move || {
                        scroll_down();
                        relayout();
                    });
                }
                Err(e) => toasts.error(e.message),
            }
            loading.set(false);
        });
    });

    // A finished answer may have named its thread: refresh the list.
    Effect::watch(
        move || announce.get(),
        move |_, _, _| threads_tick.update(|t| *t += 1),
        false,
    );

    let draft = RwSignal::new(String::new());
    let streaming = move || turns.with(|t| t.iter().any(Turn::streaming));
    // A thread just created (by a first question or a first attachment) becomes the current one:
    // into the URL, so a reload comes back here, without re-running the page.
    let navigate = StoredValue::new_local(use_navigate());
    let adopt = move |id: i64| {
        thread.set(Some(id));
        // Through the router, so its "current page" is this thread's (New chat then leaves it).
        navigate.with_value(|go| {
            go(
                &format!("/agents/{}/chat/{id}", agent_id.get_untracked()),
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            )
        });
        threads_tick.update(|t| *t += 1);
    };
    // `cached`: false asks afresh (Regenerate), skipping any cached answer. `replaces`: a new
    // version of that turn, shown in its place.
    let ask = move |question: String, cached: bool, replaces: Option<i64>| {
        let question = question.trim().to_string();
        if question.is_empty() || streaming() {
            return;
        }
        draft.set(String::new());
        let body = ResponseRequest {
            user_query: question.clone(),
            chat_thread_id: thread.get_untracked(),
            query_source: Some("web".into()),
            caching_enabled: (!cached).then_some(false),
            version_of: replaces,
            overrides: ejento_api::ResponseOverrides {
                llm_config_id: chosen_model.get_untracked().parse().ok(),
                ..Default::default()
            },
            ..Default::default()
        };
        let versions = replaces
            .and_then(|id| turns.with_untracked(|t| t.iter().find(|t| t.id == id).map(|t| t.version.1)))
            .unwrap_or(0);
        leptos::task::spawn_local(async move {
            match api::chat::start(agent_id.get_untracked(), &body).await {
                Ok(started) => {
                    let turn = Turn {
                        id: started.agent_response_id,
                        question: RwSignal::new(question),
                        answer: RwSignal::new(String::new()),
                        thoughts: RwSignal::new(String::new()),
                        status: RwSignal::new("streaming".into()),
                        output: RwSignal::new(None),
                        vote: RwSignal::new(None),
                        pinned: RwSignal::new(false),
                        error: RwSignal::new(None),
                        version: (versions + 1, versions + 1),
                    };
                    turns.update(|t| match t.iter().position(|t| Some(t.id) == replaces) {
                        Some(i) => t[i] = turn,
                        None => t.push(turn),
                    });
                    follow(turn, &started.events_url, follows, announce);
                    if thread.get_untracked().is_none() {
                        adopt(started.thread_id);
                    }
                    scroll_down();
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let stop = move || {
        let running: Vec<i64> = turns.with_untracked(|t| t.iter().filter(|t| t.streaming()).map(|t| t.id).collect());
        for id in running {
            leptos::task::spawn_local(async move {
                if let Err(e) = api::chat::cancel(id).await
                    && e.status != 409
                {
                    toasts.error(e.message);
                }
            });
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            ask(draft.get_untracked(), true, None);
        } else if ev.key() == "Escape" {
            stop();
        }
    };

    view! {
        <section class="chat">
            <aside class="chat-threads" aria-label="Conversations">
                <A href=move || format!("/agents/{}/chat", agent_id.get()) attr:class="button primary" attr:id="new-chat">"New chat"</A>
                <ThreadList agent_id=agent_id current=thread threads=threads search=thread_search
                    reload=Callback::new(move |_| threads_tick.update(|n| *n += 1))/>
            </aside>
            <div class="chat-main">
                <header class="chat-header">
                    {show(agent, |a: Agent| view! {
                        <h1 id="chat-agent">{a.agent_name.clone()}</h1>
                        <A href=format!("/agents/{}", a.id)>"Agent details"</A>
                    })}
                </header>
                <div class="messages" node_ref=messages_ref id="messages" on:scroll=on_scroll>
                    {move || loading.get().then(|| view! { <p class="loading" role="status">"Loading…"</p> })}
                    {move || (!loading.get() && turns.with(|t| t.is_empty())).then(|| view! {
                        <div class="starters">
                            <p class="muted">"Ask anything the agent's documents cover."</p>
                            {move || starters.get().ready().map(|list| {
                                list.iter()
                                    .take(6)
                                    .cloned()
                                    .map(|s| {
                                        let text = s.text.clone();
                                        view! { <button class="chip starter" type="button" data-source=s.source on:click=move |_| ask(text.clone(), true, None)>{s.text}</button> }
                                    })
                                    .collect_view()
                            })}
                        </div>
                    })}
                    <div class="spacer" node_ref=list_top_ref aria-hidden="true" style:height=move || format!("{}px", spacer_heights().0)></div>
                    <For each=visible_turns key=|t| t.id let:turn>
                        <TurnView turn=turn cited=cited traced=traced observer=observer ask=Callback::new(move |q: String| ask(q, true, None))
                            again=Callback::new(move |(q, id): (String, i64)| ask(q, false, Some(id)))
                            flip=Callback::new(move |(id, version): (i64, AgentResponse)| turns.update(|t| {
                                if let Some(i) = t.iter().position(|t| t.id == id) {
                                    t[i] = Turn::from_stored(version);
                                }
                            }))/>
                    </For>
                    <div class="spacer" aria-hidden="true" style:height=move || format!("{}px", spacer_heights().1)></div>
                </div>
                <form class="composer" on:submit=move |ev| { ev.prevent_default(); ask(draft.get_untracked(), true, None); }>
                    <label for="composer-input" class="sr-only">"Message"</label>
                    <textarea id="composer-input" node_ref=composer_ref rows="2" placeholder="Ask a question (Enter sends, Shift+Enter for a new line)"
                        prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) on:keydown=on_key></textarea>
                    {move || agent.get().ready().filter(|a| a.model_choice).map(|a| {
                        let own = a.llm_config.as_ref().map(|l| l.model_name.clone()).unwrap_or_else(|| "the agent's model".into());
                        view! {
                            <label for="composer-model" class="sr-only">"Model"</label>
                            <select id="composer-model" title="Model for the next question" prop:value=move || chosen_model.get()
                                on:change=move |ev| chosen_model.set(event_target_value(&ev))>
                                <option value="">{format!("Agent's model ({own})")}</option>
                                {move || models.get().ready().cloned().map(|list: Vec<ejento_api::LlmConfiguration>| list.into_iter()
                                    .filter(|l| l.is_enabled)
                                    .map(|l| view! { <option value=l.id.to_string()>{l.model_name.clone()}</option> })
                                    .collect_view())}
                            </select>
                        }
                    })}
                    {move || if streaming() {
                        view! { <button id="stop" class="button danger" type="button" on:click=move |_| stop()>"Stop"</button> }.into_any()
                    } else {
                        view! { <button id="send" class="button primary" type="submit">"Send"</button> }.into_any()
                    }}
                </form>
                <Attachments agent_id=agent_id thread=thread adopt=Callback::new(adopt)/>
                <div class="sr-only" aria-live="polite">{move || announce.get()}</div>
            </div>
            {move || cited.get().map(|(response, number)| view! { <CitationPanel response=response number=number close=Callback::new(move |_| cited.set(None))/> })}
            {move || traced.get().map(|response| view! { <TracePanel response=response close=Callback::new(move |_| traced.set(None))/> })}
        </section>
    }
}

#[component]
fn TurnView(
    turn: Turn,
    cited: RwSignal<Option<(i64, i64)>>,
    /// The answer whose trace is open.
    traced: RwSignal<Option<i64>>,
    /// Measures the turn for the thread's window.
    observer: StoredValue<Option<web_sys::ResizeObserver>, LocalStorage>,
    ask: Callback<String>,
    /// Asks again as a new version of a turn: (question, the turn's answer).
    again: Callback<(String, i64)>,
    /// Shows another version in this turn's place: (this answer, the version).
    flip: Callback<(i64, AgentResponse)>,
) -> impl IntoView {
    let toasts = use_toasts();
    let id = turn.id;
    let (number, count) = turn.version;
    let go_to = move |step: i64| {
        leptos::task::spawn_local(async move {
            match api::chat::versions(id).await {
                Ok(list) => {
                    let at = list.iter().position(|v| v.id == id).unwrap_or(0) as i64 + step;
                    if let Some(v) = usize::try_from(at).ok().and_then(|i| list.get(i)) {
                        flip.run((id, v.clone()));
                    }
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    // Editing a sent question happens in place; saving asks it again as a new version.
    let editing = RwSignal::new(false);
    let edit_ref = NodeRef::<html::Textarea>::new();
    edit_ref.on_load(|el| {
        let _ = el.focus();
    });
    let save_edit = move || {
        let Some(text) = edit_ref.get_untracked().map(|el| el.value()) else {
            return;
        };
        if text.trim().is_empty() {
            return;
        }
        editing.set(false);
        again.run((text, id));
    };
    let vote = move |kind: &'static str| {
        let signal = turn.vote;
        move |_| {
            leptos::task::spawn_local(async move {
                match api::chat::vote(id, kind).await {
                    Ok(r) => signal.set(r.my_vote),
                    Err(e) => toasts.error(e.message),
                }
            });
        }
    };
    // Commenting happens in place, under the answer (never the browser's prompt()).
    let commenting = RwSignal::new(false);
    let comment_ref = NodeRef::<html::Textarea>::new();
    comment_ref.on_load(|el| {
        let _ = el.focus();
    });
    let send_comment = move || {
        let Some(text) = comment_ref.get_untracked().map(|el| el.value()) else {
            return;
        };
        if text.trim().is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::chat::comment(id, &text).await {
                Ok(()) => {
                    commenting.try_set(false);
                    toasts.success("Comment saved.");
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let root = NodeRef::<html::Article>::new();
    let observed = StoredValue::new_local(None::<web_sys::Element>);
    root.on_load(move |el| {
        let el: web_sys::Element = el.into();
        let _ = observer.try_with_value(|o| o.as_ref().map(|o| o.observe(&el)));
        observed.set_value(Some(el));
    });
    on_cleanup(move || {
        if let Some(el) = observed.try_get_value().flatten() {
            let _ = observer.try_with_value(|o| o.as_ref().map(|o| o.unobserve(&el)));
        }
    });
    let t = turn;
    view! {
        <article class="turn" data-response=id node_ref=root>
            {move || if editing.get() {
                view! {
                    <form class="edit-question" on:submit=move |ev| { ev.prevent_default(); save_edit(); }>
                        <label class="sr-only" for=format!("edit-{id}")>"Edit your question"</label>
                        <textarea id=format!("edit-{id}") rows="2" node_ref=edit_ref prop:value=turn.question.get_untracked()
                            on:keydown=move |ev: web_sys::KeyboardEvent| {
                                if ev.key() == "Escape" {
                                    editing.set(false);
                                } else if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                                    ev.prevent_default();
                                    save_edit();
                                }
                            }></textarea>
                        <div class="toolbar">
                            <button class="button primary small" type="submit">"Save and ask"</button>
                            <button class="button small" type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                        </div>
                    </form>
                }.into_any()
            } else {
                view! {
                    <div class="question-row">
                        <p class="question">{move || turn.question.get()}</p>
                        {move || (!turn.streaming()).then(|| view! {
                            <button class="icon-button edit-button" type="button" aria-label="Edit the question"
                                on:click=move |_| editing.set(true)>"Edit"</button>
                        })}
                    </div>
                }.into_any()
            }}
            <div class="answer-block">
                {move || (!t.thoughts.get().is_empty()).then(|| view! {
                    <details class="thoughts"><summary>"Thoughts"</summary><p class="prewrap">{t.thoughts.get()}</p></details>
                })}
                <div class="answer" aria-busy=move || turn.streaming().to_string()>
                    <Markdown text=turn.answer on_cite=Callback::new(move |n: i64| cited.set(Some((id, n))))/>
                    {move || turn.streaming().then(|| view! { <span class="cursor" aria-hidden="true">"▍"</span> })}
                </div>
                {move || turn.error.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                {move || (turn.status.get() == "cancelled").then(|| view! { <p class="muted small">"Stopped."</p> })}
                {move || turn.output.get().filter(|o| o.guardrail_triggered).map(|o| view! {
                    <div class="guardrail-notice" role="note">
                        <strong>{if o.blocked { "Blocked by a guardrail" } else { "Guardrails changed this turn" }}</strong>
                        <ul>
                            {o.guardrail_findings.iter().map(|f| view! {
                                <li>{format!("{}: {} in the {}.", f.guardrail_name, f.message, if f.direction == "input" { "question" } else { "answer" })}</li>
                            }).collect_view()}
                        </ul>
                    </div>
                })}
                {move || turn.output.get().map(|out| view! {
                    <div class="references">
                        {out.references.iter().map(|r| {
                            let n = r.number;
                            view! { <button class="chip" type="button" on:click=move |_| cited.set(Some((id, n)))>{format!("[{}] {}", r.number, r.title)}</button> }
                        }).collect_view()}
                    </div>
                    <div class="followups">
                        {out.followup_questions.iter().map(|q| {
                            let text = q.clone();
                            view! { <button class="chip followup" type="button" on:click=move |_| ask.run(text.clone())>{q.clone()}</button> }
                        }).collect_view()}
                    </div>
                })}
                {move || (!turn.streaming()).then(|| view! {
                    <div class="turn-actions">
                        <button class="icon-button" type="button" aria-label="Helpful" aria-pressed=move || (turn.vote.get().as_deref() == Some("upvote")).to_string() on:click=vote("upvote")>"▲"</button>
                        <button class="icon-button" type="button" aria-label="Not helpful" aria-pressed=move || (turn.vote.get().as_deref() == Some("downvote")).to_string() on:click=vote("downvote")>"▼"</button>
                        <button class="icon-button" type="button" aria-label="Copy the answer" on:click=move |_| {
                            if let Some(w) = web_sys::window() {
                                let _ = w.navigator().clipboard().write_text(&turn.answer.get_untracked());
                            }
                        }>"Copy"</button>
                        <button class="icon-button" type="button" aria-label="Pin" aria-pressed=move || turn.pinned.get().to_string() on:click=move |_| {
                            let pin = !turn.pinned.get_untracked();
                            leptos::task::spawn_local(async move {
                                match api::chat::set_pinned(id, pin).await {
                                    Ok(r) => turn.pinned.set(r.is_pinned),
                                    Err(e) => toasts.error(e.message),
                                }
                            });
                        }>{move || if turn.pinned.get() { "Pinned" } else { "Pin" }}</button>
                        <button class="icon-button" type="button" aria-label="Comment" aria-expanded=move || commenting.get().to_string()
                            on:click=move |_| commenting.update(|c| *c = !*c)>"Comment"</button>
                        <button class="icon-button regenerate-button" type="button" aria-label="Ask again" on:click=move |_| again.run((turn.question.get_untracked(), id))>"Regenerate"</button>
                        {(count > 1).then(|| view! {
                            <span class="versions" role="group" aria-label="Versions">
                                <button class="icon-button" type="button" aria-label="Previous version" disabled={number <= 1}
                                    on:click=move |_| go_to(-1)>"‹"</button>
                                <span class="version-label">{format!("{number}/{count}")}</span>
                                <button class="icon-button" type="button" aria-label="Next version" disabled={number >= count}
                                    on:click=move |_| go_to(1)>"›"</button>
                            </span>
                        })}
                        <button class="icon-button trace-button" type="button" aria-label="How this answer was made"
                            aria-expanded=move || (traced.get() == Some(id)).to_string()
                            on:click=move |_| traced.set(if traced.get_untracked() == Some(id) { None } else { Some(id) })>"Trace"</button>
                    </div>
                })}
                {move || commenting.get().then(|| view! {
                    <form class="comment-form" on:submit=move |ev| { ev.prevent_default(); send_comment(); }>
                        <label class="sr-only" for=format!("comment-{id}")>"Your comment on this answer"</label>
                        <textarea id=format!("comment-{id}") rows="2" placeholder="Your comment on this answer" node_ref=comment_ref
                            on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" { commenting.set(false) }></textarea>
                        <div class="toolbar">
                            <button class="button primary small" type="submit">"Save comment"</button>
                            <button class="button small" type="button" on:click=move |_| commenting.set(false)>"Cancel"</button>
                        </div>
                    </form>
                })}
            </div>
        </article>
    }
}

/// The passage behind a citation: its text, score and document.
#[component]
fn CitationPanel(response: i64, number: i64, close: Callback<()>) -> impl IntoView {
    let chunks = load(move || response, |id| async move { api::chat::supporting(id).await });
    view! {
        <aside class="citation-panel card" id="citation-panel" aria-label=format!("Source {number}")>
            <header class="page-header">
                <h2>{format!("Source {number}")}</h2>
                <button class="icon-button" type="button" aria-label="Close" on:click=move |_| close.run(())>"×"</button>
            </header>
            {show(chunks, move |list: Vec<SupportingChunk>| match list.into_iter().find(|c| c.number == number) {
                None => view! { <p class="muted">"This source is no longer available."</p> }.into_any(),
                Some(c) => view! {
                    <p><A href=format!("/documents/{}", c.document_id)>{c.document_title.clone()}</A></p>
                    <p class="muted small">
                        {c.page.map(|p| format!("page {p} · ")).unwrap_or_default()}
                        {c.section.clone().map(|s| format!("{s} · ")).unwrap_or_default()}
                        {format!("score {:.2}", c.score)}
                    </p>
                    <p class="chunk-text" id="citation-text">{c.text.clone()}</p>
                }.into_any(),
            })}
        </aside>
    }
}

/// "340 ms", "1.2 s".
fn took(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// How an answer was made (Langfuse's trace): each step on a time line from the question to
/// the end, with retrieval's passages and scores, guardrail findings, tool calls and the
/// model's tokens, cost and first token.
#[component]
fn TracePanel(response: i64, close: Callback<()>) -> impl IntoView {
    let trace = load(move || response, |id| async move { api::chat::trace(id).await });
    view! {
        <aside class="citation-panel trace-panel card" id="trace-panel" aria-label="Trace"
            on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" { close.run(()) }>
            <header class="page-header">
                <h2>"Trace"</h2>
                <button class="icon-button" type="button" aria-label="Close" on:click=move |_| close.run(())>"×"</button>
            </header>
            {show(trace, move |t: ejento_api::AnswerTrace| {
                let total = t.latency_ms.max(1) as f64;
                let head = format!(
                    "{} in all{} · {} tokens ({} prompt + {} completion) · ${} · {}",
                    took(t.latency_ms),
                    t.first_token_ms.map(|f| format!(" · first token {}", took(f))).unwrap_or_default(),
                    t.prompt_tokens + t.completion_tokens,
                    t.prompt_tokens,
                    t.completion_tokens,
                    t.cost,
                    t.model,
                );
                view! {
                    <p class="muted small" id="trace-summary">{head}</p>
                    {t.steps.is_empty().then(|| view! { <p class="muted">"This answer was written before traces were kept."</p> })}
                    <ol class="trace-steps" id="trace-steps">
                        {t.steps.into_iter().map(|s| {
                            let left = (s.started_ms as f64 / total * 100.0).clamp(0.0, 100.0);
                            let width = (s.duration_ms as f64 / total * 100.0).clamp(0.5, 100.0 - left.min(99.5));
                            view! {
                                <li class="trace-step" data-kind=s.kind.clone() data-status=s.status.clone()>
                                    <div class="trace-line">
                                        <strong>{s.title.clone()}</strong>
                                        <span class="muted small">{format!("at {} · {}", took(s.started_ms), took(s.duration_ms))}</span>
                                    </div>
                                    <div class="trace-track" aria-hidden="true">
                                        <span class="trace-bar" style:margin-left=format!("{left:.1}%") style:width=format!("{width:.1}%")></span>
                                    </div>
                                    <p class="small">{s.summary.clone()}</p>
                                    {(s.prompt_tokens.is_some() || s.first_token_ms.is_some()).then(|| view! {
                                        <p class="small muted trace-model">{format!(
                                            "{} prompt + {} completion tokens · ${}{}",
                                            s.prompt_tokens.unwrap_or(0),
                                            s.completion_tokens.unwrap_or(0),
                                            s.cost.clone().unwrap_or_else(|| "0".into()),
                                            s.first_token_ms.map(|f| format!(" · first token at {}", took(f))).unwrap_or_default(),
                                        )}</p>
                                    })}
                                    {(!s.passages.is_empty()).then(|| view! {
                                        <ol class="trace-passages">
                                            {s.passages.iter().map(|p| view! {
                                                <li>
                                                    <A href=format!("/documents/{}", p.document_id)>{format!("[{}] {}", p.number, p.document_title)}</A>
                                                    <span class="muted small">{format!(
                                                        " score {:.2} · BM25 {} · meaning {}",
                                                        p.score,
                                                        p.keyword_rank.map(|r| format!("#{r}")).unwrap_or_else(|| "—".into()),
                                                        p.vector_rank.map(|r| format!("#{r}")).unwrap_or_else(|| "—".into()),
                                                    )}</span>
                                                </li>
                                            }).collect_view()}
                                        </ol>
                                    })}
                                    {(!s.findings.is_empty()).then(|| view! {
                                        <ul class="trace-findings">
                                            {s.findings.iter().map(|f| view! { <li class="small">{format!("{}: {}", f.guardrail_name, f.message)}</li> }).collect_view()}
                                        </ul>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }
            })}
        </aside>
    }
}
