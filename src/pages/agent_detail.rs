//! One agent: header actions (star, vote, activate, delete) and the tabs Overview,
//! Configuration, Access & users, Tags, History (diff and restore), Reviews & comments.

use ejento_api::{
    Agent, AgentInput, Comment, HistoryPage, HistoryRecord, ResourceRole, RetrievalMode, Review, ReviewInput,
    VoteSummary,
};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{components::A, hooks::use_navigate};

use super::{FormError, agents::AgentImage};
use crate::{
    Auth, api,
    components::{
        field::{FormErrors, TextArea},
        load::{Load, confirm, load, show},
        members::{Members, Scope},
        toast::use_toasts,
        url::{query_param, query_setter},
        when::When,
    },
};

const TABS: [(&str, &str); 9] = [
    ("overview", "Overview"),
    ("configuration", "Configuration"),
    ("knowledge", "Knowledge"),
    ("access", "Access & users"),
    ("tags", "Tags"),
    ("tools", "Tools"),
    ("guardrails", "Guardrails"),
    ("history", "History"),
    ("reviews", "Reviews & comments"),
];

#[component]
pub fn AgentDetail() -> impl IntoView {
    let id = crate::components::url::id_param();
    let state = load(
        move || id.get(),
        |id| async move {
            let agent = api::agents::one(id).await;
            if agent.is_ok() {
                api::agents::visit(id).await;
            }
            agent
        },
    );
    view! {
        <section class="page">
            {move || match state.get() {
                Load::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
                Load::Failed(e) => view! {
                    <div id="agent-unavailable">
                        {crate::components::load::failure(e)}
                        <p><A href="/agents">"Back to agents"</A></p>
                    </div>
                }.into_any(),
                Load::Ready(agent) => view! { <AgentView agent=agent state=state/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn AgentView(agent: Agent, state: RwSignal<Load<Agent>>) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let tab = query_param("tab");
    let set = query_setter();
    let id = agent.id;
    let is_admin = agent.my_role == Some(ResourceRole::Admin);
    let update = move |a: Agent| state.set(Load::Ready(a));
    let votes = load(move || id, |id| async move { api::agents::votes(id).await });
    let starred = agent.is_starred;
    let active = agent.is_active;

    let toggle_star = move |_| {
        leptos::task::spawn_local(async move {
            match api::agents::set_starred(id, !starred).await {
                Ok(a) => {
                    toasts.success(if a.is_starred {
                        "Starred."
                    } else {
                        "Removed from starred."
                    });
                    update(a);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let vote = move |kind: &'static str| {
        move |_| {
            let current = votes
                .get_untracked()
                .ready()
                .and_then(|v: &VoteSummary| v.my_vote.clone());
            let next = if current.as_deref() == Some(kind) { "none" } else { kind };
            leptos::task::spawn_local(async move {
                match api::agents::vote(id, next).await {
                    Ok(v) => votes.set(Load::Ready(v)),
                    Err(e) => toasts.error(e.message),
                }
            });
        }
    };
    let toggle_active = move |_| {
        leptos::task::spawn_local(async move {
            match api::agents::set_active(id, !active).await {
                Ok(a) => {
                    toasts.success(if a.is_active {
                        "Agent activated."
                    } else {
                        "Agent deactivated."
                    });
                    update(a);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let delete = move |_| {
        if !confirm("Delete this agent? Its configuration and history will no longer be available.") {
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::agents::delete(id).await {
                Ok(()) => {
                    toasts.success("Agent deleted.");
                    navigate("/agents", Default::default());
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let vote_label = move |kind: &'static str| {
        move || {
            let v = votes.get();
            let summary = v.ready();
            let count = summary
                .map(|s| {
                    if kind == "upvote" {
                        s.like_count
                    } else {
                        s.dislike_count
                    }
                })
                .unwrap_or(0);
            let mine = summary.and_then(|s| s.my_vote.clone()).as_deref() == Some(kind);
            (count, mine)
        }
    };
    let up = vote_label("upvote");
    let down = vote_label("downvote");
    let project_link = (format!("/projects/{}", agent.project), agent.project_name.clone());
    let current_tab = move || {
        let t = tab.get();
        if TABS.iter().any(|(k, _)| *k == t) {
            t
        } else {
            "overview".to_string()
        }
    };

    view! {
        <header class="page-header agent-header">
            <div class="agent-title">
                <AgentImage agent=agent.clone() class="agent-image large"/>
                <div>
                    <p class="crumbs"><A href="/agents">"Agents"</A>" · "<A href=project_link.0>{project_link.1}</A></p>
                    <h1 id="agent-title">{agent.agent_name.clone()}</h1>
                    <p class="small">
                        <span class="badge">{agent.access.clone()}</span>" "
                        <span class="badge">{agent.status.clone()}</span>" "
                        <span class=if agent.is_active { "badge ok" } else { "badge warn" } id="agent-active">{if agent.is_active { "Active" } else { "Inactive" }}</span>
                    </p>
                </div>
            </div>
            <div class="header-actions">
                <A href=format!("/agents/{}/chat", agent.id) attr:class="button primary" attr:id="chat-with-agent">"Chat"</A>
                <button id="star-toggle" class="button" type="button" aria-pressed=starred.to_string() on:click=toggle_star>
                    {if starred { "★ Starred" } else { "☆ Star" }}
                </button>
                <button id="vote-up" class="button" type="button" aria-label="Upvote" aria-pressed=move || up().1.to_string() on:click=vote("upvote")>
                    {move || format!("▲ {}", up().0)}
                </button>
                <button id="vote-down" class="button" type="button" aria-label="Downvote" aria-pressed=move || down().1.to_string() on:click=vote("downvote")>
                    {move || format!("▼ {}", down().0)}
                </button>
                {is_admin.then(|| view! {
                    <button id="activate-toggle" class="button" type="button" on:click=toggle_active>{if active { "Deactivate" } else { "Activate" }}</button>
                    <button id="delete-agent" class="button danger" type="button" on:click=delete.clone()>"Delete"</button>
                })}
            </div>
        </header>
        <nav class="tabs" role="tablist" aria-label="Agent sections">
            {TABS.into_iter().map(|(key, label)| {
                let set = set.clone();
                view! {
                    <button
                        id=format!("tab-{key}")
                        class="tab"
                        role="tab"
                        type="button"
                        aria-selected=move || (current_tab() == key).to_string()
                        on:click=move |_| set(&[("tab", if key == "overview" { String::new() } else { key.to_string() })])
                    >
                        {label}
                    </button>
                }
            }).collect_view()}
        </nav>
        <div class="tab-panel" role="tabpanel">
            {move || {
                let agent = agent.clone();
                match current_tab().as_str() {
                    "configuration" => view! { <ConfigurationTab agent=agent on_saved=Callback::new(update)/> }.into_any(),
                    "knowledge" => view! { <KnowledgeTab agent=agent/> }.into_any(),
                    "access" => view! { <AccessTab agent=agent on_saved=Callback::new(update)/> }.into_any(),
                    "tags" => view! { <TagsTab agent=agent on_saved=Callback::new(update)/> }.into_any(),
                    "history" => view! { <HistoryTab agent=agent on_saved=Callback::new(update)/> }.into_any(),
                    "reviews" => view! { <ReviewsTab agent=agent/> }.into_any(),
                    "guardrails" => view! { <GuardrailsTab agent=agent/> }.into_any(),
                    "tools" => view! { <ToolsTab agent=agent/> }.into_any(),
                    _ => view! { <OverviewTab agent=agent/> }.into_any(),
                }
            }}
        </div>
    }
}

#[component]
fn OverviewTab(agent: Agent) -> impl IntoView {
    let starters: Vec<String> = [&agent.sample_q1, &agent.sample_q2, &agent.sample_q3]
        .into_iter()
        .filter(|q| !q.is_empty())
        .cloned()
        .collect();
    view! {
        <div class="grid-2">
            <section class="card">
                <h2>"About"</h2>
                <p class="prewrap">{if agent.domain.is_empty() { "No description yet.".to_string() } else { agent.domain.clone() }}</p>
                <h3>"Conversation starters"</h3>
                {if starters.is_empty() {
                    view! { <p class="muted">"None yet."</p> }.into_any()
                } else {
                    view! { <ul>{starters.into_iter().map(|q| view! { <li>{q}</li> }).collect_view()}</ul> }.into_any()
                }}
            </section>
            <section class="card">
                <h2>"At a glance"</h2>
                <dl class="facts">
                    <dt>"Type"</dt><dd>{agent.agent_type.name.clone()}</dd>
                    <dt>"Status"</dt><dd>{format!("{} · {}", agent.status, if agent.is_active { "active" } else { "inactive" })}</dd>
                    <dt>"Model"</dt><dd>{agent.llm_config.as_ref().map(|l| l.model_name.clone()).unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Rating"</dt><dd>{agent.average_rating.map(|r| format!("{r:.1} / 5")).unwrap_or_else(|| "Not rated yet".into())}</dd>
                    <dt>"Votes"</dt><dd>{format!("{} up · {} down", agent.like_count, agent.dislike_count)}</dd>
                    <dt>"Tags"</dt><dd>{if agent.tags.is_empty() { "—".to_string() } else { agent.tags.join(", ") }}</dd>
                    <dt>"Owner"</dt><dd>{agent.created_by.clone()}</dd>
                    <dt>"Last change"</dt><dd><When at=agent.modified_on.clone()/>{format!(" by {}", agent.modified_by)}</dd>
                </dl>
            </section>
        </div>
    }
}

#[component]
fn ConfigurationTab(agent: Agent, on_saved: Callback<Agent>) -> impl IntoView {
    let toasts = use_toasts();
    let editable = agent.my_role == Some(ResourceRole::Admin);
    let id = agent.id;
    let prompt = RwSignal::new(agent.prefix_prompt.clone());
    let instructions = RwSignal::new(
        agent
            .instructions
            .iter()
            .map(|i| i.instruction.clone())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let domain = RwSignal::new(agent.domain.clone());
    let q1 = RwSignal::new(agent.sample_q1.clone());
    let q2 = RwSignal::new(agent.sample_q2.clone());
    let q3 = RwSignal::new(agent.sample_q3.clone());
    let reasoning = RwSignal::new(agent.reasoning_mode.clone());
    let chunks = RwSignal::new(agent.chunk_count.to_string());
    let retrieval = RwSignal::new(agent.retrieval_mode);
    let min_relevance = RwSignal::new(format!("{:.2}", agent.min_relevance));
    let embedding_model = agent.embedding_model.clone();
    let agent_type = RwSignal::new(agent.agent_type.id.to_string());
    let model = RwSignal::new(agent.llm_config.as_ref().map(|l| l.id.to_string()).unwrap_or_default());
    let types = load(|| (), |_| async { api::agents::types().await });
    let models = load(|| (), |_| async { api::agents::llm_configurations().await });
    let caching = RwSignal::new(agent.caching_enabled);
    let model_choice = RwSignal::new(agent.model_choice);
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        let chunk_count = match chunks.get_untracked().trim().parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                errors.set("chunks", "Choose 1 to 100 chunks.");
                return;
            }
        };
        let min_relevance = match min_relevance.get_untracked().trim().parse::<f64>() {
            Ok(v) if (0.0..=1.0).contains(&v) => v,
            _ => {
                errors.set("min_relevance", "Choose a minimum relevance from 0 to 1, such as 0.3.");
                return;
            }
        };
        pending.set(true);
        let body = AgentInput {
            prefix_prompt: Some(prompt.get_untracked()),
            instructions: Some(instructions.get_untracked().lines().map(str::to_string).collect()),
            domain: Some(domain.get_untracked()),
            sample_q1: Some(q1.get_untracked()),
            sample_q2: Some(q2.get_untracked()),
            sample_q3: Some(q3.get_untracked()),
            reasoning_mode: Some(reasoning.get_untracked()),
            agent_type_id: agent_type.get_untracked().parse().ok(),
            llm_config_id: model.get_untracked().parse().ok(),
            chunk_count: Some(chunk_count),
            retrieval_mode: Some(retrieval.get_untracked()),
            min_relevance: Some(min_relevance),
            caching_enabled: Some(caching.get_untracked()),
            model_choice: Some(model_choice.get_untracked()),
            change_reason: Some(reason.get_untracked()),
            ..Default::default()
        };
        leptos::task::spawn_local(async move {
            match api::agents::update(id, &body).await {
                Ok((message, agent)) => {
                    toasts.success(message);
                    reason.set(String::new());
                    on_saved.run(agent);
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[
                            ("prefix_prompt", "prompt"),
                            ("instructions", "instructions"),
                            ("domain", "domain"),
                            ("chunk_count", "chunks"),
                            ("min_relevance", "min_relevance"),
                        ],
                    );
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };
    let disabled = Signal::derive(move || !editable);
    view! {
        <form id="config-form" class="card form-card wide" on:submit=submit novalidate=true>
            {(!editable).then(|| view! { <p class="notice">"Only an Admin of this agent can change its configuration."</p> })}
            <FormError message=server_error/>
            <TextArea id="agent-prompt" label="System prompt" value=prompt error=errors.of("prompt") rows=8 disabled=disabled/>
            <TextArea id="agent-instructions" label="Custom instructions" value=instructions error=errors.of("instructions") rows=4
                hint="One instruction per line." disabled=disabled/>
            <TextArea id="agent-description" label="Description" value=domain error=errors.of("domain") rows=2 disabled=disabled/>
            <fieldset disabled=!editable>
                <legend>"Conversation starters"</legend>
                <input aria-label="Starter 1" prop:value=move || q1.get() on:input=move |ev| q1.set(event_target_value(&ev))/>
                <input aria-label="Starter 2" prop:value=move || q2.get() on:input=move |ev| q2.set(event_target_value(&ev))/>
                <input aria-label="Starter 3" prop:value=move || q3.get() on:input=move |ev| q3.set(event_target_value(&ev))/>
            </fieldset>
            <div class="field-row">
                <div class="field">
                    <label for="agent-type-select">"Type"</label>
                    <select id="agent-type-select" disabled=!editable on:change=move |ev| agent_type.set(event_target_value(&ev))>
                        {move || types.get().ready().cloned().map(|list: Vec<ejento_api::AgentType>| list.into_iter().map(|t| {
                            let value = t.id.to_string();
                            let v = value.clone();
                            view! { <option value=value selected=move || agent_type.get() == v>{t.name.clone()}</option> }
                        }).collect_view())}
                    </select>
                </div>
                <div class="field">
                    <label for="agent-model">"Model"</label>
                    <select id="agent-model" disabled=!editable on:change=move |ev| model.set(event_target_value(&ev))>
                        {move || models.get().ready().cloned().map(|list: Vec<ejento_api::LlmConfiguration>| list.into_iter().filter(|l| l.is_enabled).map(|l| {
                            let value = l.id.to_string();
                            let v = value.clone();
                            view! { <option value=value selected=move || model.get() == v>{format!("{} ({})", l.model_name, l.model_deployment.join(", "))}</option> }
                        }).collect_view())}
                    </select>
                </div>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="agent-reasoning">"Reasoning"</label>
                    <select id="agent-reasoning" disabled=!editable on:change=move |ev| reasoning.set(event_target_value(&ev))>
                        {ejento_api::REASONING_MODES.into_iter().map(|m| view! { <option value=m selected=move || reasoning.get() == m>{m}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="agent-retrieval">"Retrieval"</label>
                    <select id="agent-retrieval" disabled=!editable
                        on:change=move |ev| retrieval.set(RetrievalMode::parse(&event_target_value(&ev)).unwrap_or_default())>
                        {RetrievalMode::ALL.into_iter().map(|m| view! {
                            <option value=m.as_str() selected=move || retrieval.get() == m>{m.label()}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-hint" id="agent-retrieval-note">{match &embedding_model {
                        Some(model) => format!("Meaning is read by {model}."),
                        None => "Keyword only: this server has no embedding model, so every mode searches by words \
                                 (see the server log; scripts/setup.sh installs the model).".to_string(),
                    }}</p>
                </div>
                <div class="field">
                    <label for="agent-chunks">"Retrieved chunks"</label>
                    <input id="agent-chunks" type="number" min="1" max="100" disabled=!editable prop:value=move || chunks.get()
                        on:input=move |ev| chunks.set(event_target_value(&ev))/>
                    <Show when=move || errors.of("chunks").get().is_some()><p class="field-error">{move || errors.of("chunks").get()}</p></Show>
                </div>
                <div class="field">
                    <label for="agent-min-relevance">"Minimum relevance"</label>
                    <input id="agent-min-relevance" type="text" inputmode="decimal" disabled=!editable
                        aria-describedby="agent-min-relevance-hint"
                        prop:value=move || min_relevance.get() on:input=move |ev| min_relevance.set(event_target_value(&ev))/>
                    <p class="field-hint" id="agent-min-relevance-hint">"0 to 1; passages scoring lower are not used. 0 keeps all."</p>
                    <Show when=move || errors.of("min_relevance").get().is_some()><p class="field-error">{move || errors.of("min_relevance").get()}</p></Show>
                </div>
                <div class="field checkbox">
                    <label><input type="checkbox" disabled=!editable prop:checked=move || caching.get()
                        on:change=move |ev| caching.set(event_target_checked(&ev))/>" Cache answers"</label>
                </div>
                <div class="field checkbox">
                    <label><input type="checkbox" id="agent-model-choice" disabled=!editable prop:checked=move || model_choice.get()
                        on:change=move |ev| model_choice.set(event_target_checked(&ev))/>" People choose the model in chat"</label>
                </div>
            </div>
            <div class="field">
                <label for="change-reason">"What changed (optional, kept in History)"</label>
                <input id="change-reason" disabled=!editable prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            </div>
            {editable.then(|| view! {
                <button id="save-config" class="button primary" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save configuration" }}
                </button>
            })}
        </form>
    }
}

#[component]
fn AccessTab(agent: Agent, on_saved: Callback<Agent>) -> impl IntoView {
    let toasts = use_toasts();
    let id = agent.id;
    let is_admin = agent.my_role == Some(ResourceRole::Admin);
    let access = agent.access.clone();
    let refresh = RwSignal::new(0u32);
    let aliases = load(
        move || (id, refresh.get()),
        |(id, _)| async move { api::agents::aliases(id).await },
    );
    let new_alias = RwSignal::new(String::new());
    let set_access = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        leptos::task::spawn_local(async move {
            let body = AgentInput {
                access: Some(value),
                ..Default::default()
            };
            match api::agents::update(id, &body).await {
                Ok((_, a)) => {
                    toasts.success(format!("Access is now {}.", a.access));
                    on_saved.run(a);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let add_alias = move |ev: SubmitEvent| {
        ev.prevent_default();
        let value = new_alias.get_untracked();
        leptos::task::spawn_local(async move {
            match api::agents::add_alias(id, &value).await {
                Ok(_) => {
                    new_alias.set(String::new());
                    refresh.update(|r| *r += 1);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    // Feature flags decide whether sharing and aliases are offered at all.
    let flags = load(|| (), |_| async { api::flags::all().await });
    let sharing_on = move || flags.with(|f| api::flags::is_on(f.ready(), "share-agent"));
    let aliases_on = move || flags.with(|f| api::flags::is_on(f.ready(), "agent-alias"));
    view! {
        <div class="grid-2">
            <div>
                <section class="card">
                    <h2>"Access level"</h2>
                    <label class="sr-only" for="access-select">"Access level"</label>
                    <select id="access-select" disabled=!is_admin on:change=set_access>
                        <option value="Private" selected=access == "Private">"Private: owner, admins and people added below"</option>
                        <option value="Public" selected=access == "Public">"Public: everyone in the organization can use it"</option>
                    </select>
                </section>
                <section class="card">
                    <h2>"Aliases"</h2>
                    {show(aliases, move |list: Vec<ejento_api::Alias>| {
                        if list.is_empty() {
                            return view! { <p class="muted">"No aliases."</p> }.into_any();
                        }
                        view! {
                            <ul class="link-list">
                                {list.into_iter().map(|a| {
                                    let alias_id = a.id;
                                    view! {
                                        <li>
                                            <code>{a.alias.clone()}</code>
                                            {is_admin.then(|| view! {
                                                " "
                                                <button class="button small danger" type="button" aria-label=format!("Delete alias {}", a.alias)
                                                    on:click=move |_| {
                                                        if confirm("Delete this alias?") {
                                                            leptos::task::spawn_local(async move {
                                                                match api::agents::delete_alias(id, alias_id).await {
                                                                    Ok(()) => refresh.update(|r| *r += 1),
                                                                    Err(e) => toasts.error(e.message),
                                                                }
                                                            });
                                                        }
                                                    }>"Delete"</button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })}
                    {move || (!aliases_on()).then(|| view! { <p class="notice small" id="aliases-off">"Aliases are turned off for your organization."</p> })}
                    {move || (is_admin && aliases_on()).then(|| view! {
                        <form class="inline-form" on:submit=add_alias novalidate=true>
                            <label class="sr-only" for="alias-input">"New alias"</label>
                            <input id="alias-input" type="email" placeholder="billing-bot@example.com" prop:value=move || new_alias.get()
                                on:input=move |ev| new_alias.set(event_target_value(&ev))/>
                            <button class="button" type="submit">"Add alias"</button>
                        </form>
                    })}
                </section>
            </div>
            <div>
                {move || (!sharing_on()).then(|| view! { <p class="notice" id="sharing-off">"Sharing agents is turned off for your organization: an administrator can turn it on in Admin → Feature flags."</p> })}
                <Members scope=Scope::Agent(id) can_manage=Signal::derive(move || is_admin && sharing_on())/>
            </div>
        </div>
    }
}

#[component]
fn TagsTab(agent: Agent, on_saved: Callback<Agent>) -> impl IntoView {
    let toasts = use_toasts();
    let id = agent.id;
    let is_admin = agent.my_role == Some(ResourceRole::Admin);
    let tags = agent.tags.clone();
    let input = RwSignal::new(String::new());
    let save = move |list: Vec<String>| {
        leptos::task::spawn_local(async move {
            let body = AgentInput {
                tags: Some(list),
                ..Default::default()
            };
            match api::agents::update(id, &body).await {
                Ok((_, a)) => on_saved.run(a),
                Err(e) => toasts.error(e.field("tags").unwrap_or(e.message)),
            }
        });
    };
    let add_tags = tags.clone();
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut list = add_tags.clone();
        list.extend(super::agents::split_tags(&input.get_untracked()));
        input.set(String::new());
        save(list);
    };
    view! {
        <section class="card">
            <h2>"Tags"</h2>
            {if tags.is_empty() {
                view! { <p class="muted">"No tags yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="chips" id="tag-list">
                        {tags.iter().map(|t| {
                            let rest: Vec<String> = tags.iter().filter(|x| *x != t).cloned().collect();
                            view! {
                                <li class="tag">{t.clone()}
                                    {is_admin.then(|| view! {
                                        <button class="icon-button small" type="button" aria-label=format!("Remove tag {t}")
                                            on:click=move |_| save(rest.clone())>"×"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {is_admin.then(|| view! {
                <form class="inline-form" on:submit=add novalidate=true>
                    <label class="sr-only" for="tag-input">"Add tags"</label>
                    <input id="tag-input" placeholder="billing, faq" prop:value=move || input.get() on:input=move |ev| input.set(event_target_value(&ev))/>
                    <button id="tag-add" class="button" type="submit">"Add"</button>
                </form>
            })}
        </section>
    }
}

/// The fields a checkpoint is compared on, with how to read each from a record and an agent.
fn compare_rows(record: &HistoryRecord, agent: &Agent) -> Vec<(&'static str, String, String)> {
    let now_instructions: Vec<String> = agent.instructions.iter().map(|i| i.instruction.clone()).collect();
    vec![
        ("Name", record.agent_name.clone(), agent.agent_name.clone()),
        ("Description", record.domain.clone(), agent.domain.clone()),
        (
            "System prompt",
            record.prefix_prompt.clone(),
            agent.prefix_prompt.clone(),
        ),
        (
            "Custom instructions",
            record.instructions.join("\n"),
            now_instructions.join("\n"),
        ),
        (
            "Starters",
            [&record.sample_q1, &record.sample_q2, &record.sample_q3]
                .map(|s| s.as_str())
                .join("\n"),
            [&agent.sample_q1, &agent.sample_q2, &agent.sample_q3]
                .map(|s| s.as_str())
                .join("\n"),
        ),
        ("Type", record.agent_type.clone(), agent.agent_type.name.clone()),
        ("Access", record.access.clone(), agent.access.clone()),
        ("Status", record.status.clone(), agent.status.clone()),
        ("Reasoning", record.reasoning_mode.clone(), agent.reasoning_mode.clone()),
        (
            "Retrieval",
            record.retrieval_mode.label().to_string(),
            agent.retrieval_mode.label().to_string(),
        ),
        (
            "Retrieved chunks",
            record.chunk_count.to_string(),
            agent.chunk_count.to_string(),
        ),
        (
            "Minimum relevance",
            format!("{:.2}", record.min_relevance),
            format!("{:.2}", agent.min_relevance),
        ),
        (
            "Caching",
            record.caching_enabled.to_string(),
            agent.caching_enabled.to_string(),
        ),
        (
            "Model choice in chat",
            record.model_choice.to_string(),
            agent.model_choice.to_string(),
        ),
        ("Tags", record.tags.join(", "), agent.tags.join(", ")),
    ]
}

#[component]
fn HistoryTab(agent: Agent, on_saved: Callback<Agent>) -> impl IntoView {
    let toasts = use_toasts();
    let id = agent.id;
    let is_admin = agent.my_role == Some(ResourceRole::Admin);
    let refresh = RwSignal::new(0u32);
    let history = load(
        move || (id, refresh.get()),
        |(id, _)| async move { api::agents::history(id, 1).await },
    );
    let comparing = RwSignal::new(None::<HistoryRecord>);
    let current = StoredValue::new(agent);
    let restore = move |record: HistoryRecord| {
        if !confirm(&format!(
            "Restore the configuration of {}? The current one stays in History.",
            record.history_date
        )) {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::agents::restore(id, record.history_id).await {
                Ok(a) => {
                    toasts.success("Agent restored to the checkpoint.");
                    comparing.set(None);
                    refresh.update(|r| *r += 1);
                    on_saved.run(a);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    view! {
        <div class="grid-2 history">
            <section class="card">
                <h2>"Checkpoints"</h2>
                {show(history, move |page: HistoryPage| view! {
                    <p class="muted small">{ejento_api::text::count(page.total_records, "checkpoint", "checkpoints")}</p>
                    <ol class="history-list" id="history-list">
                        {page.history_records.into_iter().map(|r| {
                            let for_compare = r.clone();
                            let for_restore = r.clone();
                            let hid = r.history_id;
                            view! {
                                <li class="history-row" data-history-id=hid.to_string()>
                                    <div>
                                        <strong>{r.history_change_reason.clone()}</strong>
                                        <div class="muted small"><When at=r.history_date.clone()/>{format!(" · {}", r.modified_by)}</div>
                                    </div>
                                    <div class="row-actions">
                                        <button class="button small compare" type="button" on:click=move |_| comparing.set(Some(for_compare.clone()))>"Compare"</button>
                                        {is_admin.then(|| view! {
                                            <button class="button small restore" type="button" on:click=move |_| restore(for_restore.clone())>"Restore"</button>
                                        })}
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                })}
            </section>
            <section class="card" aria-live="polite">
                <h2>"Compare with the current configuration"</h2>
                {move || match comparing.get() {
                    None => view! { <p class="muted">"Choose a checkpoint to see what differs."</p> }.into_any(),
                    Some(record) => {
                        let rows = compare_rows(&record, &current.get_value());
                        let differing = rows.iter().filter(|(_, a, b)| a != b).count();
                        view! {
                            <p class="small">{format!("Checkpoint of {} — {} field(s) differ.", record.history_date, differing)}</p>
                            <table class="table diff" id="diff-table">
                                <thead><tr><th>"Field"</th><th>"Checkpoint"</th><th>"Current"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|(label, then, now)| {
                                        let changed = then != now;
                                        view! {
                                            <tr class:changed=changed>
                                                <th scope="row">{label}{changed.then(|| view! { <span class="sr-only">" (changed)"</span> })}</th>
                                                <td class="prewrap">{then}</td>
                                                <td class="prewrap">{now}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                }}
            </section>
        </div>
    }
}

#[component]
fn ReviewsTab(agent: Agent) -> impl IntoView {
    let toasts = use_toasts();
    let auth = expect_context::<Auth>();
    let me = Signal::derive(move || auth.user.get().map(|u| u.id).unwrap_or(0));
    let id = agent.id;
    let refresh = RwSignal::new(0u32);
    let reviews = load(
        move || (id, refresh.get()),
        |(id, _)| async move { api::agents::reviews(id).await },
    );
    let comments = load(
        move || (id, refresh.get()),
        |(id, _)| async move { api::agents::comments(id).await },
    );
    let review_text = RwSignal::new(String::new());
    let rating = RwSignal::new(String::new());
    let comment_text = RwSignal::new(String::new());
    let editing_review = RwSignal::new(None::<i64>);
    let editing_comment = RwSignal::new(None::<i64>);
    let errors = FormErrors::new();
    let bump = move || refresh.update(|r| *r += 1);

    let submit_review = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        if review_text.get_untracked().trim().is_empty() {
            errors.set("review", "Write a review.");
            return;
        }
        let body = ReviewInput {
            review: review_text.get_untracked(),
            rating: rating.get_untracked().parse().ok(),
        };
        let editing = editing_review.get_untracked();
        leptos::task::spawn_local(async move {
            let result = match editing {
                Some(rid) => api::agents::edit_review(id, rid, &body).await,
                None => api::agents::add_review(id, &body).await,
            };
            match result {
                Ok(_) => {
                    review_text.set(String::new());
                    rating.set(String::new());
                    editing_review.set(None);
                    bump();
                }
                Err(e) => errors.set("review", e.field("review").or(e.field("rating")).unwrap_or(e.message)),
            }
        });
    };
    let submit_comment = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        if comment_text.get_untracked().trim().is_empty() {
            errors.set("comment", "Write a comment.");
            return;
        }
        let text = comment_text.get_untracked();
        let editing = editing_comment.get_untracked();
        leptos::task::spawn_local(async move {
            let result = match editing {
                Some(cid) => api::agents::edit_comment(id, cid, &text).await.map(|_| ()),
                None => api::agents::add_comment(id, &text).await.map(|_| ()),
            };
            match result {
                Ok(()) => {
                    comment_text.set(String::new());
                    editing_comment.set(None);
                    bump();
                }
                Err(e) => errors.set("comment", e.field("comment").unwrap_or(e.message)),
            }
        });
    };

    let review_item = move |r: Review| {
        let mine = r.user_id == me.get_untracked();
        let (rid, text, stars) = (r.id, r.review.clone(), r.rating);
        view! {
            <li class="review">
                <div class="muted small">{format!("{} · ", r.author)}<When at=r.created_on.clone()/>{r.rating.map(|n| format!(" · {}", "★".repeat(n as usize)))}</div>
                <p class="prewrap">{r.review.clone()}</p>
                {mine.then(|| view! {
                    <button class="button small" type="button" on:click=move |_| {
                        editing_review.set(Some(rid));
                        review_text.set(text.clone());
                        rating.set(stars.map(|s| s.to_string()).unwrap_or_default());
                    }>"Edit"</button>
                    " "
                    <button class="button small danger" type="button" on:click=move |_| {
                        if confirm("Delete your review?") {
                            leptos::task::spawn_local(async move {
                                match api::agents::delete_review(id, rid).await {
                                    Ok(()) => bump(),
                                    Err(e) => toasts.error(e.message),
                                }
                            });
                        }
                    }>"Delete"</button>
                })}
            </li>
        }
    };
    let comment_item = move |c: Comment| {
        let mine = c.user_id == me.get_untracked();
        let (cid, text) = (c.id, c.comment.clone());
        view! {
            <li class="comment">
                <div class="muted small">{format!("{} · ", c.author)}<When at=c.created_on.clone()/></div>
                <p class="prewrap">{c.comment.clone()}</p>
                {mine.then(|| view! {
                    <button class="button small" type="button" on:click=move |_| {
                        editing_comment.set(Some(cid));
                        comment_text.set(text.clone());
                    }>"Edit"</button>
                    " "
                    <button class="button small danger" type="button" on:click=move |_| {
                        if confirm("Delete your comment?") {
                            leptos::task::spawn_local(async move {
                                match api::agents::delete_comment(id, cid).await {
                                    Ok(()) => bump(),
                                    Err(e) => toasts.error(e.message),
                                }
                            });
                        }
                    }>"Delete"</button>
                })}
            </li>
        }
    };

    view! {
        <div class="grid-2">
            <section class="card">
                <h2>"Reviews"</h2>
                <form id="review-form" on:submit=submit_review novalidate=true>
                    <TextArea id="review-text" label="Your review" value=review_text error=errors.of("review") rows=3/>
                    <div class="inline-form">
                        <label for="review-rating">"Rating"</label>
                        <select id="review-rating" on:change=move |ev| rating.set(event_target_value(&ev))>
                            <option value="" selected=move || rating.get().is_empty()>"No rating"</option>
                            {(1..=5).map(|n| view! { <option value=n.to_string() selected=move || rating.get() == n.to_string()>{"★".repeat(n)}</option> }).collect_view()}
                        </select>
                        <button class="button primary" type="submit">{move || if editing_review.get().is_some() { "Save review" } else { "Post review" }}</button>
                    </div>
                </form>
                {show(reviews, move |page: ejento_api::ReviewPage| {
                    if page.reviews.is_empty() {
                        return view! { <p class="muted">"No reviews yet."</p> }.into_any();
                    }
                    view! { <ul class="feed">{page.reviews.into_iter().map(review_item).collect_view()}</ul> }.into_any()
                })}
            </section>
            <section class="card">
                <h2>"Comments"</h2>
                <form id="comment-form" on:submit=submit_comment novalidate=true>
                    <TextArea id="comment-text" label="Your comment" value=comment_text error=errors.of("comment") rows=2/>
                    <button class="button primary" type="submit">{move || if editing_comment.get().is_some() { "Save comment" } else { "Post comment" }}</button>
                </form>
                {show(comments, move |page: ejento_api::CommentPage| {
                    if page.comments.is_empty() {
                        return view! { <p class="muted">"No comments yet."</p> }.into_any();
                    }
                    view! { <ul class="feed">{page.comments.into_iter().map(comment_item).collect_view()}</ul> }.into_any()
                })}
            </section>
        </div>
    }
}

/// The kinds of guardrail that check this agent's questions and answers; its Admins turn a kind
/// off for this agent only (the guardrails themselves are the organization's: Admin → Guardrails).
#[component]
fn GuardrailsTab(agent: Agent) -> impl IntoView {
    let toasts = use_toasts();
    let id = agent.id;
    let is_admin = agent.my_role == Some(ResourceRole::Admin);
    let tick = RwSignal::new(0u32);
    let types = load(
        move || (id, tick.get()),
        |(id, _)| async move { api::admin::agent_guardrail_types(id).await },
    );
    let set = move |type_id: i64, label: String, on: bool| {
        toasts.act(
            api::admin::set_agent_guardrail_type(id, type_id, on),
            format!("{label} {} for this agent.", if on { "run" } else { "no longer run" }),
            tick,
        );
    };
    view! {
        <section class="card">
            <h2>"Guardrails"</h2>
            <p class="muted small">"The organization's guardrails check every question and answer. Turn a kind off to skip it for this agent."</p>
            {show(types, move |list: Vec<ejento_api::GuardrailType>| view! {
                <ul class="flag-list" id="agent-guardrail-types">
                    {list.into_iter().map(|t| {
                        let label = t.label.clone();
                        view! {
                            <li class="flag">
                                <label>
                                    <input type="checkbox" role="switch" disabled=!is_admin prop:checked=t.is_enabled
                                        on:change=move |ev| set(t.id, label.clone(), event_target_checked(&ev))/>
                                    " "<strong>{t.label.clone()}</strong>
                                </label>
                                <p class="muted small">{match t.guardrail_count {
                                    0 => "No guardrail of this kind yet.".to_string(),
                                    1 => "1 guardrail of the organization.".to_string(),
                                    n => format!("{n} guardrails of the organization."),
                                }}</p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// The organization's tools, each linked to this agent or not (by the agent's Admins).
#[component]
fn ToolsTab(agent: Agent) -> impl IntoView {
    let toasts = use_toasts();
    let id = agent.id;
    let is_admin = agent.my_role == Some(ResourceRole::Admin);
    let tick = RwSignal::new(0u32);
    let page = crate::components::url::page_param();
    let tools = load(
        move || (id, page.get(), tick.get()),
        |(id, p, _)| async move { api::tools::for_agent(id, p).await },
    );
    let link = move |tool: i64, name: String, on: bool| {
        toasts.act(
            api::tools::link(id, tool, on),
            format!("“{name}” is {}.", if on { "linked" } else { "unlinked" }),
            tick,
        );
    };
    view! {
        <section class="card">
            <h2>"Tools"</h2>
            <p class="muted small">"Answering with a model endpoint, the agent may call the API and web search tools linked here; RAG tools add their corpora to its search. Administrators make tools in Admin → Tools."</p>
            {show(tools, move |page: ejento_api::AgentToolPage| {
                let (list, meta) = (page.tools, page.meta);
                if list.is_empty() {
                    return crate::components::load::empty("No tools yet", "An administrator creates tools in Admin → Tools.").into_any();
                }
                view! {
                    <ul class="flag-list" id="agent-tools">
                        {list.into_iter().map(|t| {
                            let (tool, name) = (t.tool.id, t.tool.name.clone());
                            view! {
                                <li class="flag">
                                    <label>
                                        <input type="checkbox" role="switch" disabled=!is_admin || (!t.tool.is_enabled && !t.is_connected)
                                            aria-label=format!("Link {}", t.tool.name) prop:checked=t.is_connected
                                            on:change=move |ev| link(tool, name.clone(), event_target_checked(&ev))/>
                                        " "<strong>{t.tool.name.clone()}</strong>" "
                                        <span class="badge">{crate::pages::tools::type_label(&t.tool.tool_type)}</span>
                                        {(!t.tool.is_enabled).then(|| view! { " "<span class="badge">"off for the organization"</span> })}
                                    </label>
                                    <p class="muted small">{t.tool.description.clone()}</p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <crate::components::pager::Pager meta=meta/>
                }.into_any()
            })}
        </section>
    }
}

/// What the agent answers from (Dify's Knowledge): its corpora with their documents, connected,
/// paused or disconnected here, and how it searches them.
#[component]
fn KnowledgeTab(agent: Agent) -> impl IntoView {
    let toasts = use_toasts();
    let id = agent.id;
    let is_admin = agent.my_role == Some(ResourceRole::Admin);
    let tick = RwSignal::new(0u32);
    let connections = load(
        move || (id, tick.get()),
        |(id, _)| async move { api::agents::corpora(id).await },
    );
    let search = RwSignal::new(String::new());
    let candidates = load(move || search.get(), |s| async move { api::corpora::list(&s, 1).await });
    let chosen = RwSignal::new(String::new());
    let connect = move |_| {
        let Ok(corpus) = chosen.get_untracked().parse::<i64>() else {
            toasts.error("Choose a corpus to connect.".to_string());
            return;
        };
        chosen.set(String::new());
        toasts.act(
            api::corpora::connect_agent(corpus, id),
            "Corpus connected.".into(),
            tick,
        );
    };
    let settings = format!(
        "Searches {} for {} passages{}.",
        match agent.retrieval_mode {
            RetrievalMode::Keyword => "by keywords (BM25)",
            RetrievalMode::Semantic => "by meaning",
            RetrievalMode::Hybrid => "by keywords and meaning",
        },
        agent.chunk_count,
        if agent.min_relevance > 0.0 {
            format!(" scoring at least {:.2}", agent.min_relevance)
        } else {
            String::new()
        }
    );
    view! {
        <section class="card" id="knowledge">
            <header class="chart-header">
                <h2>"Knowledge"</h2>
                <A href=format!("/agents/{id}?tab=configuration") attr:class="button small">"Retrieval settings"</A>
            </header>
            <p class="muted" id="knowledge-settings">{settings}</p>
            {show(connections, move |list: Vec<ejento_api::CorpusConnection>| {
                if list.is_empty() {
                    return crate::components::load::empty(
                        "No knowledge yet",
                        "Connect a corpus below: the agent answers from its documents.",
                    ).into_any();
                }
                view! {
                    <ul class="knowledge-list" id="knowledge-corpora">
                        {list.into_iter().map(|c| {
                            let (corpus, name) = (c.corpus_id, c.corpus_name.clone());
                            let toggle_name = name.clone();
                            let toggle = move |ev| {
                                let on = event_target_checked(&ev);
                                toasts.act(
                                    api::corpora::set_agent_enabled(corpus, id, on),
                                    format!("“{toggle_name}” is {}.", if on { "searched again" } else { "paused" }),
                                    tick,
                                );
                            };
                            let disconnect_name = name.clone();
                            let (search_label, disconnect_label) = (format!("Search {name}"), format!("Disconnect {name}"));
                            let disconnect = move |_| {
                                if confirm(&format!("Disconnect “{disconnect_name}” from this agent? Its documents stay in the corpus.")) {
                                    toasts.act(
                                        api::corpora::disconnect_agent(corpus, id),
                                        format!("“{disconnect_name}” is disconnected."),
                                        tick,
                                    );
                                }
                            };
                            view! {
                                <li class="knowledge-corpus" data-corpus=corpus.to_string()>
                                    <div class="knowledge-head">
                                        <A href=format!("/corpora/{corpus}")><strong>{name}</strong></A>
                                        {c.is_default.then(|| view! { " "<span class="badge">"default"</span> })}
                                        <label class="switch-label">
                                            <input type="checkbox" role="switch" disabled=!is_admin prop:checked=c.is_enabled
                                                aria-label=search_label on:change=toggle/>
                                            " Searched"
                                        </label>
                                        {is_admin.then(|| view! {
                                            <button type="button" class="button small danger" on:click=disconnect
                                                aria-label=disconnect_label.clone()>"Disconnect"</button>
                                        })}
                                    </div>
                                    <CorpusDocuments corpus=corpus/>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
            {is_admin.then(|| view! {
                <div class="toolbar" id="knowledge-connect">
                    <label class="sr-only" for="knowledge-search">"Find a corpus"</label>
                    <input id="knowledge-search" type="search" placeholder="Find a corpus"
                        on:input=move |ev| search.set(event_target_value(&ev))/>
                    <label class="sr-only" for="knowledge-corpus">"Corpus to connect"</label>
                    <select id="knowledge-corpus" prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="">"Choose a corpus…"</option>
                        {move || {
                            let connected: Vec<i64> = connections.with(|c| c.ready().map(|l| l.iter().map(|c| c.corpus_id).collect()).unwrap_or_default());
                            candidates.get().ready().map(|page| page.corpora.iter()
                                .filter(|c| !connected.contains(&c.id))
                                .map(|c| view! { <option value=c.id.to_string()>{c.name.clone()}</option> })
                                .collect_view())
                        }}
                    </select>
                    <button type="button" class="button primary" id="knowledge-connect-button" on:click=connect>"Connect"</button>
                </div>
            })}
            {(!is_admin).then(|| view! { <p class="notice">"Only an Admin of this agent can connect or disconnect corpora."</p> })}
        </section>
    }
}

/// A corpus's first documents, with how far each is indexed.
#[component]
fn CorpusDocuments(corpus: i64) -> impl IntoView {
    let documents = load(
        move || corpus,
        |c| async move { api::documents::list(c, "", "", 1).await },
    );
    view! {
        {show(documents, move |page: ejento_api::DocumentPage| {
            let total = page.meta.count;
            if page.documents.is_empty() {
                return view! { <p class="muted small">"No documents yet. "<A href=format!("/corpora/{corpus}")>"Add some"</A></p> }.into_any();
            }
            let shown = page.documents.len() as u64;
            view! {
                <ul class="knowledge-documents">
                    {page.documents.into_iter().map(|d| view! {
                        <li>
                            <A href=format!("/documents/{}", d.id)>{d.title.clone()}</A>
                            " "<span class="muted small">{if d.step == "indexed" {
                                ejento_api::text::count(d.chunk_count.max(0) as u64, "chunk", "chunks")
                            } else {
                                d.step.clone()
                            }}</span>
                        </li>
                    }).collect_view()}
                </ul>
                {(total > shown).then(|| view! {
                    <p class="small"><A href=format!("/corpora/{corpus}")>{format!("All {total} documents →")}</A></p>
                })}
            }.into_any()
        })}
    }
}
