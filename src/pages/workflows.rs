//! Workflows: the list, the form (project, agents in order, supervisor), and a conversation
//! with a workflow whose answer streams in with every step shown: how the question was planned
//! and routed, what each agent said, and the combined answer with its sources. Everything an
//! agent or a document says is rendered as text, never as HTML.

use ejento_api::{
    Agent, AgentPage, ProjectPage, SupervisorType, Workflow, WorkflowAnalytics, WorkflowInput, WorkflowOutput,
    WorkflowPage, WorkflowResponse, WorkflowResponseRequest, WorkflowThreadPage, validate,
};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{components::A, hooks::use_navigate};

use super::FormError;
use crate::{
    api,
    components::{
        field::{Field, FormErrors},
        load::{confirm, empty, load, show},
        markdown::Markdown,
        pager::{Pager, SearchBox},
        stream,
        toast::use_toasts,
        url::{id_param, page_param, query_param, query_setter},
    },
};

fn supervisor_hint(t: SupervisorType) -> &'static str {
    match t {
        SupervisorType::Router => {
            "Picks the agent whose documents match best (per part of a question) and answers from it."
        }
        SupervisorType::Consolidator => "Asks every agent and combines their answers, each attributed.",
        SupervisorType::Dynamic => "Routes when one agent clearly fits, combines otherwise, and says which it chose.",
    }
}

#[component]
pub fn WorkflowsPage() -> impl IntoView {
    let search = query_param("search");
    let page = page_param();
    let state = load(
        move || (search.get(), page.get()),
        |(s, p)| async move { api::workflows::list(&s, "", p).await },
    );
    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Workflows"</h1>
                <A href="/workflows/new" attr:class="button primary" attr:id="new-workflow">"New workflow"</A>
            </header>
            <p class="muted">"A workflow answers with several agents: a supervisor routes each question to the right one, or asks them all and combines their answers."</p>
            <div class="toolbar"><SearchBox label="Search workflows"/></div>
            {show(state, |page: WorkflowPage| {
                if page.workflows.is_empty() {
                    return empty("No workflows", "Create one from two or more agents, or clear the search.").into_any();
                }
                let meta = page.meta;
                view! {
                    <table class="table" id="workflow-list">
                        <thead><tr><th>"Workflow"</th><th>"Project"</th><th>"Supervisor"</th><th>"Agents"</th></tr></thead>
                        <tbody>
                            {page.workflows.into_iter().map(|w| view! {
                                <tr>
                                    <td><A href=format!("/workflows/{}", w.id)>{w.name.clone()}</A><div class="muted small">{w.description.clone()}</div></td>
                                    <td>{w.project_name.clone()}</td>
                                    <td><span class="badge">{w.supervisor_type.as_str()}</span></td>
                                    <td>{w.agents.iter().map(|a| a.agent_name.clone()).collect::<Vec<_>>().join(", ")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <Pager meta=meta/>
                }
                .into_any()
            })}
        </section>
    }
}

/// `/workflows/new`.
#[component]
pub fn NewWorkflowPage() -> impl IntoView {
    let navigate = use_navigate();
    view! {
        <section class="page">
            <h1>"New workflow"</h1>
            <WorkflowForm workflow=None on_saved=Callback::new(move |w: Workflow| navigate(&format!("/workflows/{}", w.id), Default::default()))/>
        </section>
    }
}

/// `/workflows/:id/edit`.
#[component]
pub fn EditWorkflowPage() -> impl IntoView {
    let id = id_param();
    let state = load(move || id.get(), |id| async move { api::workflows::one(id).await });
    let navigate = use_navigate();
    view! {
        <section class="page">
            <h1>"Edit workflow"</h1>
            {show(state, move |w: Workflow| {
                let navigate = navigate.clone();
                let id = w.id;
                view! {
                    <WorkflowForm workflow=Some(w) on_saved=Callback::new(move |w: Workflow| navigate(&format!("/workflows/{}", w.id), Default::default()))/>
                    <WorkflowUsage workflow=id/>
                }
            })}
        </section>
    }
}

/// What a workflow's answers cost over the last 30 days, and each agent's share.
#[component]
fn WorkflowUsage(workflow: i64) -> impl IntoView {
    let state = load(
        move || workflow,
        |id| async move { api::workflows::analytics(id).await },
    );
    view! {
        <section class="card" id="workflow-usage">
            <h2 class="card-title">"Usage, last 30 days"</h2>
            {show(state, |u: WorkflowAnalytics| {
                if u.responses == 0 {
                    return empty("No answers yet", "Ask the workflow something: its answers, tokens and cost show here.").into_any();
                }
                view! {
                    <div class="stat-grid">
                        <div class="stat"><span class="stat-label">"Answers"</span><span class="stat-value">{u.responses}</span><span class="muted small">{format!("{} failed · {} stopped", u.failed, u.cancelled)}</span></div>
                        <div class="stat"><span class="stat-label">"Tokens"</span><span class="stat-value">{u.total_tokens}</span><span class="muted small">{format!("${}", u.cost)}</span></div>
                        <div class="stat"><span class="stat-label">"Votes"</span><span class="stat-value">{format!("▲ {} ▼ {}", u.upvotes, u.downvotes)}</span></div>
                        <div class="stat"><span class="stat-label">"Reviews"</span><span class="stat-value">{u.average_rating.map(|r| format!("{r:.1} ★")).unwrap_or_else(|| "—".into())}</span><span class="muted small">{format!("{} review(s)", u.reviews)}</span></div>
                    </div>
                    <table class="table compact" id="workflow-agent-usage">
                        <thead><tr><th>"Agent"</th><th class="num">"Steps"</th><th class="num">"Tokens"</th><th class="num">"Cost"</th></tr></thead>
                        <tbody>
                            {u.by_agent.into_iter().map(|a| view! {
                                <tr><td><A href=format!("/agents/{}", a.agent_id)>{a.agent_name}</A></td><td class="num">{a.steps}</td><td class="num">{a.total_tokens}</td><td class="num">{format!("${}", a.cost)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            })}
        </section>
    }
}

#[component]
fn WorkflowForm(workflow: Option<Workflow>, on_saved: Callback<Workflow>) -> impl IntoView {
    let toasts = use_toasts();
    let id = workflow.as_ref().map(|w| w.id);
    let name = RwSignal::new(workflow.as_ref().map(|w| w.name.clone()).unwrap_or_default());
    let description = RwSignal::new(workflow.as_ref().map(|w| w.description.clone()).unwrap_or_default());
    let project = RwSignal::new(workflow.as_ref().map(|w| w.project.to_string()).unwrap_or_default());
    let supervisor = RwSignal::new(
        workflow
            .as_ref()
            .map(|w| w.supervisor_type)
            .unwrap_or(SupervisorType::Router),
    );
    // The chosen agents, in the order the workflow uses them.
    let chosen = RwSignal::new(
        workflow
            .as_ref()
            .map(|w| w.agents.iter().map(|a| a.id).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let projects = load(|| (), |_| async { api::projects::all().await });
    let agents = load(|| (), |_| async { api::agents::all_visible().await });
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        if let Err(m) = validate::resource_name(&name.get_untracked(), "workflow") {
            errors.set("name", m);
        }
        let Ok(project_id) = project.get_untracked().parse::<i64>() else {
            errors.set("project", "Choose the project the workflow belongs to.");
            return;
        };
        if chosen.with_untracked(Vec::is_empty) {
            errors.set("agents", "Choose at least one agent.");
            return;
        }
        pending.set(true);
        let body = WorkflowInput {
            name: name.get_untracked(),
            description: description.get_untracked(),
            project_id,
            agent_ids: chosen.get_untracked(),
            supervisor_type: supervisor.get_untracked().as_str().to_string(),
        };
        leptos::task::spawn_local(async move {
            let result = match id {
                Some(id) => api::workflows::update(id, &body).await,
                None => api::workflows::create(&body).await,
            };
            match result {
                Ok(w) => {
                    toasts.success(if id.is_some() {
                        "Workflow saved."
                    } else {
                        "Workflow created."
                    });
                    on_saved.run(w);
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[
                            ("name", "name"),
                            ("description", "description"),
                            ("project_id", "project"),
                            ("agent_ids", "agents"),
                            ("supervisor_type", "supervisor"),
                        ],
                    );
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };
    let toggle = move |agent: i64| {
        chosen.update(|list| {
            if let Some(i) = list.iter().position(|a| *a == agent) {
                list.remove(i);
            } else {
                list.push(agent);
            }
        })
    };
    view! {
        <form id="workflow-form" class="card form-card" on:submit=submit novalidate=true>
            <FormError message=server_error/>
            <Field id="workflow-name" label="Workflow name" value=name error=errors.of("name") required=true/>
            <Field id="workflow-description" label="Description" value=description error=errors.of("description")/>
            <div class="field">
                <label for="workflow-project">"Project"</label>
                <select id="workflow-project" on:change=move |ev| project.set(event_target_value(&ev))>
                    <option value="" selected=move || project.get().is_empty()>"Choose a project"</option>
                    {move || projects.get().ready().cloned().map(|page: ProjectPage| page.projects.into_iter().map(|p| {
                        let value = p.id.to_string();
                        let selected = value.clone();
                        view! { <option value=value selected=move || project.get() == selected>{p.name.clone()}</option> }
                    }).collect_view())}
                </select>
                {move || errors.of("project").get().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
            <fieldset class="field" id="workflow-agents">
                <legend>"Agents, in the order they are asked"</legend>
                {show(agents, move |page: AgentPage| {
                    if page.agents.is_empty() {
                        return empty("No agents", "Create agents first; a workflow combines them.").into_any();
                    }
                    page.agents.into_iter().map(|a: Agent| {
                        let agent = a.id;
                        let input_id = format!("workflow-agent-{agent}");
                        let label_for = input_id.clone();
                        view! {
                            <label class="check" for=label_for>
                                <input id=input_id type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&agent)) on:change=move |_| toggle(agent)/>
                                {move || chosen.with(|c| c.iter().position(|x| *x == agent)).map(|i| view! { <span class="badge">{i + 1}</span> })}
                                " "{a.agent_name.clone()}
                                <span class="muted small">" · "{a.project_name.clone()}</span>
                            </label>
                        }
                    }).collect_view().into_any()
                })}
                {move || errors.of("agents").get().map(|m| view! { <p class="field-error">{m}</p> })}
            </fieldset>
            <fieldset class="field" id="workflow-supervisor">
                <legend>"Supervisor"</legend>
                {SupervisorType::ALL.into_iter().map(|t| {
                    let input_id = format!("supervisor-{}", t.as_str().to_lowercase());
                    let label_for = input_id.clone();
                    view! {
                        <label class="check" for=label_for>
                            <input id=input_id type="radio" name="supervisor" prop:checked=move || supervisor.get() == t on:change=move |_| supervisor.set(t)/>
                            " "<strong>{t.as_str()}</strong>
                            <span class="muted small">" — "{supervisor_hint(t)}</span>
                        </label>
                    }
                }).collect_view()}
                {move || errors.of("supervisor").get().map(|m| view! { <p class="field-error">{m}</p> })}
            </fieldset>
            <button id="workflow-save" class="button primary" type="submit" disabled=move || pending.get()>
                {if id.is_some() { "Save workflow" } else { "Create workflow" }}
            </button>
        </form>
    }
}

/// One question to a workflow and its answer, live while it streams.
#[derive(Clone, Copy)]
struct Turn {
    id: i64,
    question: StoredValue<String>,
    /// Progress lines: planning, routing, which agent is asked, combining.
    steps: RwSignal<Vec<String>>,
    /// What each agent said while it streamed: (agent name, text).
    parts: RwSignal<Vec<(String, String)>>,
    answer: RwSignal<String>,
    status: RwSignal<String>,
    output: RwSignal<Option<WorkflowOutput>>,
    vote: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
}

impl Turn {
    fn new(id: i64, question: String) -> Self {
        Self {
            id,
            question: StoredValue::new(question),
            steps: RwSignal::new(Vec::new()),
            parts: RwSignal::new(Vec::new()),
            answer: RwSignal::new(String::new()),
            status: RwSignal::new("streaming".into()),
            output: RwSignal::new(None),
            vote: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    fn from_stored(r: WorkflowResponse) -> Self {
        let turn = Self::new(r.id, r.question);
        turn.status.set(r.status);
        turn.vote.set(r.my_vote);
        turn.answer.set(r.answer);
        if let Some(out) = r.response {
            turn.parts.set(
                out.steps
                    .iter()
                    .map(|s| (s.agent_name.clone(), s.answer.clone()))
                    .collect(),
            );
            turn.output.set(Some(out));
        }
        turn
    }

    fn streaming(&self) -> bool {
        self.status.get() == "streaming"
    }
}

/// Stream text received since the last painted frame: per agent, then the combined answer.
#[derive(Default)]
struct Batch {
    parts: Vec<(String, String)>,
    answer: String,
}

/// A turn as the stream follower fills it.
#[derive(Clone, Copy)]
struct Followed {
    turn: Turn,
    finished: RwSignal<u32>,
}

impl stream::Answer for Followed {
    type Batch = Batch;

    fn restart(self) {
        self.turn.steps.set(Vec::new());
        self.turn.parts.set(Vec::new());
        self.turn.answer.set(String::new());
    }

    fn status(self, v: &serde_json::Value) {
        if let Some(m) = v["message"].as_str() {
            self.turn.steps.update(|s| s.push(m.to_string()));
        }
    }

    fn gather(self, v: &serde_json::Value, b: &mut Batch) -> bool {
        let delta = v["delta"].as_str().unwrap_or_default();
        match v["step"].as_str() {
            Some("agent_stream") => {
                let agent = v["agent_name"].as_str().unwrap_or("Agent").to_string();
                match b.parts.last_mut() {
                    Some((name, text)) if *name == agent => text.push_str(delta),
                    _ => b.parts.push((agent, delta.to_string())),
                }
            }
            Some("consolidator_stream") => b.answer.push_str(delta),
            _ => return false,
        }
        true
    }

    fn paint(self, b: Batch) {
        let t = self.turn;
        for (agent, text) in b.parts {
            t.parts.try_update(|parts| match parts.last_mut() {
                Some((name, so_far)) if *name == agent => so_far.push_str(&text),
                _ => parts.push((agent, text)),
            });
        }
        if !b.answer.is_empty() {
            t.answer.try_update(|a| a.push_str(&b.answer));
        }
    }

    fn end(self, v: &serde_json::Value) {
        let t = self.turn;
        if let Ok(out) = serde_json::from_value::<WorkflowOutput>(v["output"].clone()) {
            t.answer.set(out.answer.clone());
            t.status.set(out.status.clone());
            t.output.set(Some(out));
        }
        if v["success"] == false {
            t.status.set("failed".into());
            t.error.set(Some(
                v["message"]
                    .as_str()
                    .unwrap_or("The workflow could not answer.")
                    .to_string(),
            ));
        }
        self.finished.update(|n| *n += 1);
    }

    fn fail(self, message: String) {
        self.turn.error.set(Some(message));
    }

    fn ended(self) -> bool {
        self.turn.output.get_untracked().is_some()
    }

    async fn renew(self) -> Option<String> {
        api::workflows::events_url(self.turn.id)
            .await
            .ok()
            .map(|s| s.events_url)
    }
}

fn follow(turn: Turn, url: &str, follows: stream::Follows, finished: RwSignal<u32>) {
    stream::follow(Followed { turn, finished }, url, follows);
}

/// `/workflows/:id`: a conversation with a workflow (`?thread=` names which).
#[component]
pub fn WorkflowChatPage() -> impl IntoView {
    let id = id_param();
    let thread_param = query_param("thread");
    let set = query_setter();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let workflow = load(move || id.get(), |id| async move { api::workflows::one(id).await });
    let finished = RwSignal::new(0u32);
    let threads = load(
        move || (id.get(), finished.get()),
        |(id, _)| async move { api::workflows::threads(id).await },
    );
    let turns = RwSignal::new(Vec::<Turn>::new());
    let loading = RwSignal::new(false);
    let follows: stream::Follows = StoredValue::new_local(Vec::new());
    let draft = RwSignal::new(String::new());
    // A conversation this page just started: it is already shown, not loaded again.
    let adopted = StoredValue::new(None::<i64>);
    let close_all = move || {
        follows.update_value(|f| {
            for follow in f.drain(..) {
                follow.close();
            }
        })
    };
    on_cleanup(close_all);

    // The conversation in the URL: load it, and resume any answer still being written.
    Effect::new(move |_| {
        let current = thread_param.get().parse::<i64>().ok();
        if current.is_some() && current == adopted.get_value() {
            adopted.set_value(None);
            return;
        }
        close_all();
        turns.set(Vec::new());
        let Some(thread) = current else { return };
        loading.set(true);
        leptos::task::spawn_local(async move {
            match api::workflows::responses(thread).await {
                Ok(list) => {
                    let loaded: Vec<Turn> = list.into_iter().map(Turn::from_stored).collect();
                    for t in loaded.iter().filter(|t| t.status.get_untracked() == "streaming") {
                        if let Ok(started) = api::workflows::events_url(t.id).await {
                            follow(*t, &started.events_url, follows, finished);
                        }
                    }
                    turns.set(loaded);
                }
                Err(e) => toasts.error(e.message),
            }
            loading.set(false);
        });
    });

    let streaming = move || turns.with(|t| t.iter().any(Turn::streaming));
    let set_thread = StoredValue::new_local(set.clone());
    let ask = move |question: String| {
        let question = question.trim().to_string();
        if question.is_empty() || streaming() {
            return;
        }
        draft.set(String::new());
        let thread = thread_param.get_untracked().parse::<i64>().ok();
        let body = WorkflowResponseRequest {
            user_query: question.clone(),
            workflow_thread_id: thread,
            history: Vec::new(),
            query_source: Some("web".into()),
        };
        leptos::task::spawn_local(async move {
            match api::workflows::start(id.get_untracked(), &body).await {
                Ok(started) => {
                    let turn = Turn::new(started.workflow_response_id, question);
                    turns.update(|t| t.push(turn));
                    follow(turn, &started.events_url, follows, finished);
                    if thread.is_none() {
                        // The new conversation goes into the URL, so a reload comes back to it.
                        adopted.set_value(Some(started.thread_id));
                        set_thread.with_value(|set| set(&[("thread", started.thread_id.to_string())]));
                    }
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let stop = move || {
        let running: Vec<i64> = turns.with_untracked(|t| t.iter().filter(|t| t.streaming()).map(|t| t.id).collect());
        for id in running {
            leptos::task::spawn_local(async move {
                if let Err(e) = api::workflows::cancel(id).await {
                    toasts.error(e.message);
                }
            });
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            ask(draft.get_untracked());
        } else if ev.key() == "Escape" {
            stop();
        }
    };
    let new_chat = set.clone();
    view! {
        <section class="chat">
            <aside class="chat-threads" aria-label="Conversations">
                <button id="new-workflow-chat" class="button primary" type="button" on:click=move |_| new_chat(&[("thread", String::new())])>"New conversation"</button>
                {show(threads, move |page: WorkflowThreadPage| {
                    if page.workflow_chat_threads.is_empty() {
                        return view! { <p class="muted small">"No conversations yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="thread-list" id="workflow-thread-list">
                            {page.workflow_chat_threads.into_iter().map(|t| {
                                let thread = t.id;
                                view! {
                                    <li class:active=move || thread_param.get() == thread.to_string()>
                                        <A href=move || format!("/workflows/{}?thread={thread}", id.get())>{t.title.clone()}</A>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                    .into_any()
                })}
            </aside>
            <div class="chat-main">
                <header class="chat-header">
                    {show(workflow, move |w: Workflow| {
                        let navigate = navigate.clone();
                        let remove = move |_| {
                            if !confirm("Delete this workflow? Its conversations close with it.") {
                                return;
                            }
                            let navigate = navigate.clone();
                            leptos::task::spawn_local(async move {
                                match api::workflows::delete(w.id).await {
                                    Ok(()) => {
                                        toasts.success("Workflow deleted.");
                                        navigate("/workflows", Default::default());
                                    }
                                    Err(e) => toasts.error(e.message),
                                }
                            });
                        };
                        view! {
                            <h1 id="workflow-title">{w.name.clone()}</h1>
                            <span class="badge" title=supervisor_hint(w.supervisor_type)>{w.supervisor_type.as_str()}</span>
                            <span class="muted small">{w.agents.iter().map(|a| a.agent_name.clone()).collect::<Vec<_>>().join(" · ")}</span>
                            <A href=format!("/workflows/{}/edit", w.id) attr:id="workflow-settings">"Settings & usage"</A>
                            <button class="button subtle" type="button" on:click=remove>"Delete"</button>
                        }
                    })}
                </header>
                <div class="messages" id="messages">
                    {move || loading.get().then(|| view! { <p class="loading" role="status">"Loading…"</p> })}
                    {move || (!loading.get() && turns.with(Vec::is_empty)).then(|| view! {
                        <p class="muted">"Ask a question: the supervisor decides which agents answer, and each step shows here."</p>
                    })}
                    <For each=move || turns.get() key=|t| t.id let:turn>
                        <TurnView turn=turn/>
                    </For>
                </div>
                <form class="composer" on:submit=move |ev| { ev.prevent_default(); ask(draft.get_untracked()); }>
                    <label for="workflow-composer" class="sr-only">"Message"</label>
                    <textarea id="workflow-composer" rows="2" placeholder="Ask the workflow (Enter sends, Shift+Enter for a new line)"
                        prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) on:keydown=on_key></textarea>
                    {move || if streaming() {
                        view! { <button id="workflow-stop" class="button danger" type="button" on:click=move |_| stop()>"Stop"</button> }.into_any()
                    } else {
                        view! { <button id="workflow-send" class="button primary" type="submit">"Send"</button> }.into_any()
                    }}
                </form>
            </div>
        </section>
    }
}

/// A 1–5 rating with an optional comment on one answer.
#[component]
fn ReviewForm(response: i64) -> impl IntoView {
    let toasts = use_toasts();
    let rating = RwSignal::new(0i64);
    let text = RwSignal::new(String::new());
    let sent = RwSignal::new(None::<i64>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let stars = rating.get_untracked();
        if stars == 0 {
            toasts.error("Choose a rating from 1 to 5 stars.");
            return;
        }
        leptos::task::spawn_local(async move {
            match api::workflows::review(response, stars, &text.get_untracked()).await {
                Ok(r) => {
                    sent.set(Some(r.rating));
                    toasts.success("Thanks for the review.");
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    move || {
        match sent.get() {
        Some(stars) => view! { <span class="muted small review-sent">{format!("Reviewed: {}", "★".repeat(stars as usize))}</span> }.into_any(),
        None => view! {
            <details class="review">
                <summary class="small">"Review"</summary>
                <form class="review-form" on:submit=submit>
                    <fieldset class="stars">
                        <legend class="small">"Rating"</legend>
                        {(1..=5).map(|n| view! {
                            <label class="star">
                                <input type="radio" name=format!("rating-{response}") value=n.to_string()
                                    prop:checked=move || rating.get() == n on:change=move |_| rating.set(n)/>
                                <span aria-hidden="true">{move || if rating.get() >= n { "★" } else { "☆" }}</span>
                                <span class="sr-only">{format!("{n} star{}", if n == 1 { "" } else { "s" })}</span>
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label class="sr-only" for=format!("review-text-{response}")>"Comment"</label>
                    <textarea id=format!("review-text-{response}") rows="2" placeholder="What was good or missing? (optional)"
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    <button class="button" type="submit">"Send review"</button>
                </form>
            </details>
        }
        .into_any(),
    }
    }
}

#[component]
fn TurnView(turn: Turn) -> impl IntoView {
    let toasts = use_toasts();
    let id = turn.id;
    let vote = move |kind: &'static str| {
        move |_| {
            leptos::task::spawn_local(async move {
                match api::workflows::vote(id, kind).await {
                    Ok(r) => turn.vote.set(r.my_vote),
                    Err(e) => toasts.error(e.message),
                }
            });
        }
    };
    // A citation scrolls to its source in the list below the answer.
    let cite = Callback::new(move |n: i64| {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&format!("source-{id}-{n}")))
        {
            el.scroll_into_view();
        }
    });
    view! {
        <article class="turn workflow-turn" data-response=id>
            <p class="question">{turn.question.get_value()}</p>
            <div class="answer-block">
                {move || (!turn.steps.get().is_empty()).then(|| view! {
                    <ol class="workflow-steps muted small" aria-label="How the answer was assembled">
                        {turn.steps.get().into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                    </ol>
                })}
                <details class="agent-parts" open=move || turn.streaming()>
                    <summary>{move || format!("What each agent said ({})", turn.parts.with(Vec::len))}</summary>
                    {move || turn.parts.get().into_iter().map(|(agent, text)| view! {
                        <section class="agent-part">
                            <h3 class="small">{agent}</h3>
                            <p class="prewrap">{text}</p>
                        </section>
                    }).collect_view()}
                </details>
                <div class="answer" aria-busy=move || turn.streaming().to_string()>
                    <Markdown text=turn.answer on_cite=cite/>
                    {move || turn.streaming().then(|| view! { <span class="cursor" aria-hidden="true">"▍"</span> })}
                </div>
                {move || turn.error.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                {move || (turn.status.get() == "cancelled").then(|| view! { <p class="muted small">"Stopped."</p> })}
                {move || turn.output.get().map(|out| view! {
                    <p class="small">"Answered by "{out.agents_used.join(", ")}</p>
                    <ol class="references workflow-sources">
                        {out.references.iter().map(|r| view! {
                            <li id=format!("source-{id}-{}", r.number)>
                                <A href=format!("/documents/{}", r.document_id)>{format!("[{}] {}", r.number, r.title)}</A>
                            </li>
                        }).collect_view()}
                    </ol>
                })}
                {move || (!turn.streaming()).then(|| view! {
                    <div class="turn-actions">
                        <button class="icon-button" type="button" aria-label="Helpful" aria-pressed=move || (turn.vote.get().as_deref() == Some("upvote")).to_string() on:click=vote("upvote")>"▲"</button>
                        <button class="icon-button" type="button" aria-label="Not helpful" aria-pressed=move || (turn.vote.get().as_deref() == Some("downvote")).to_string() on:click=vote("downvote")>"▼"</button>
                        <ReviewForm response=id/>
                    </div>
                })}
            </div>
        </article>
    }
}
