//! Agents: the catalogue (filters in the URL, Starred and Recent), the create form, and the
//! agent's page with its tabs.

use ejento_api::{Agent, AgentInput, AgentPage, AgentType, ProjectPage, TagCount, TeamPage, validate};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{components::A, hooks::use_navigate};

use super::FormError;
use crate::{
    api::{self, agents::Filters},
    components::{
        field::{Field, FormErrors, TextArea},
        load::{empty, load, show},
        pager::{Pager, SearchBox},
        toast::use_toasts,
        url::{page_param, query_param, query_setter},
    },
};

pub use super::agent_detail::AgentDetail;

/// An agent's picture; agent images are data: URLs or https addresses, shown as images only.
#[component]
pub fn AgentImage(agent: Agent, #[prop(default = "agent-image")] class: &'static str) -> impl IntoView {
    view! { <img class=class src=agent.agent_image.clone() alt="" width="48" height="48"/> }
}

#[component]
fn AgentCard(agent: Agent) -> impl IntoView {
    let href = format!("/agents/{}", agent.id);
    let chat_label = format!("Chat with {}", agent.agent_name);
    view! {
        <li class="card agent-card">
            <AgentImage agent=agent.clone()/>
            <div class="agent-card-body">
                <A href=href attr:class="agent-card-name">{agent.agent_name.clone()}</A>
                <p class="muted small clamp">{agent.domain.clone()}</p>
                <p class="small">
                    <span class="badge">{agent.project_name.clone()}</span>" "
                    <span class="badge">{agent.access.clone()}</span>" "
                    {(!agent.is_active).then(|| view! { <span class="badge warn">"Inactive"</span> })}
                    {agent.is_starred.then(|| view! { <span class="badge star" aria-label="Starred">"★"</span> })}
                </p>
                <p class="tags">{agent.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}</p>
            </div>
            {agent.is_active.then(|| view! {
                <A href=format!("/agents/{}/chat", agent.id) attr:class="button small agent-chat"
                    attr:aria-label=chat_label>"Chat"</A>
            })}
        </li>
    }
}

#[component]
pub fn AgentsPage() -> impl IntoView {
    let search = query_param("search");
    let project = query_param("project_id");
    let team = query_param("team_id");
    let tag = query_param("tag");
    let kind = query_param("agent_type_id");
    let page = page_param();
    let set = query_setter();
    let state = load(
        move || {
            let f = Filters {
                search: search.get(),
                project_id: project.get(),
                team_id: team.get(),
                tag: tag.get(),
                agent_type_id: kind.get(),
            };
            (f, page.get())
        },
        |(f, p)| async move { api::agents::list(&f, p).await },
    );
    let starred = load(|| (), |_| async { api::agents::starred().await });
    let recent = load(|| (), |_| async { api::agents::recent().await });
    let projects = load(|| (), |_| async { api::projects::all().await });
    let teams = load(|| (), |_| async { api::teams::list("", 1).await });
    let tags = load(|| (), |_| async { api::agents::tags().await });
    let types = load(|| (), |_| async { api::agents::types().await });

    let select = move |id: &'static str,
                       label: &'static str,
                       key: &'static str,
                       current: Signal<String>,
                       options: Signal<Vec<(String, String)>>| {
        let set = set.clone();
        view! {
            <label class="sr-only" for=id>{label}</label>
            <select id=id on:change=move |ev| set(&[(key, event_target_value(&ev)), ("page", String::new())])>
                <option value="" selected=move || current.get().is_empty()>{label}</option>
                {move || options.get().into_iter().map(|(value, text)| {
                    let v = value.clone();
                    view! { <option value=value selected=move || current.get() == v>{text}</option> }
                }).collect_view()}
            </select>
        }
    };
    let project_options = Signal::derive(move || {
        projects
            .get()
            .ready()
            .map(|p: &ProjectPage| p.projects.iter().map(|p| (p.id.to_string(), p.name.clone())).collect())
            .unwrap_or_default()
    });
    let team_options = Signal::derive(move || {
        teams
            .get()
            .ready()
            .map(|t: &TeamPage| t.teams.iter().map(|t| (t.id.to_string(), t.name.clone())).collect())
            .unwrap_or_default()
    });
    let tag_options = Signal::derive(move || {
        tags.get()
            .ready()
            .map(|t: &Vec<TagCount>| {
                t.iter()
                    .map(|t| (t.tag.clone(), format!("{} ({})", t.tag, t.agent_count)))
                    .collect()
            })
            .unwrap_or_default()
    });
    let type_options = Signal::derive(move || {
        types
            .get()
            .ready()
            .map(|t: &Vec<AgentType>| t.iter().map(|t| (t.id.to_string(), t.name.clone())).collect())
            .unwrap_or_default()
    });

    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Agents"</h1>
                <A href="/agents/new" attr:class="button primary" attr:id="new-agent">"New agent"</A>
            </header>
            <section aria-labelledby="starred-title">
                <h2 id="starred-title">"Starred"</h2>
                {show(starred, |page: AgentPage| {
                    if page.agents.is_empty() {
                        return view! { <p class="muted" id="starred-empty">"Star an agent to keep it here."</p> }.into_any();
                    }
                    view! { <ul class="agent-grid" id="starred-agents">{page.agents.into_iter().map(|a| view! { <AgentCard agent=a/> }).collect_view()}</ul> }.into_any()
                })}
            </section>
            {move || recent.get().ready().filter(|r| !r.is_empty()).cloned().map(|list| view! {
                <section aria-label="Recently opened">
                    <h2>"Recent"</h2>
                    <ul class="chips" id="recent-agents">
                        {list.into_iter().map(|a| view! { <li><A href=format!("/agents/{}", a.id)>{a.agent_name.clone()}</A></li> }).collect_view()}
                    </ul>
                </section>
            })}
            <h2>"All agents"</h2>
            <div class="toolbar">
                <SearchBox label="Search agents"/>
                {select("filter-project", "All projects", "project_id", project, project_options)}
                {select("filter-team", "All teams", "team_id", team, team_options)}
                {select("filter-tag", "All tags", "tag", tag, tag_options)}
                {select("filter-type", "All types", "agent_type_id", kind, type_options)}
            </div>
            {show(state, |page: AgentPage| {
                if page.agents.is_empty() {
                    return empty("No agents", "Create an agent, or clear the filters.").into_any();
                }
                let meta = page.meta;
                view! {
                    <ul class="agent-grid" id="agent-list">{page.agents.into_iter().map(|a| view! { <AgentCard agent=a/> }).collect_view()}</ul>
                    <Pager meta=meta/>
                }
                .into_any()
            })}
        </section>
    }
}

/// Splits a comma-separated tag field.
pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

#[component]
pub fn NewAgentPage() -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let project = RwSignal::new(query_param("project_id").get_untracked());
    let name = RwSignal::new(String::new());
    let domain = RwSignal::new(String::new());
    let prompt = RwSignal::new(String::new());
    let q1 = RwSignal::new(String::new());
    let q2 = RwSignal::new(String::new());
    let q3 = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let access = RwSignal::new("Private".to_string());
    let agent_type = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let projects = load(|| (), |_| async { api::projects::all().await });
    let types = load(|| (), |_| async { api::agents::types().await });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        let project_id = project.get_untracked().parse::<i64>().ok();
        if project_id.is_none() {
            errors.set("project", "Choose the project the agent belongs to.");
        }
        if let Err(m) = validate::resource_name(&name.get_untracked(), "agent") {
            errors.set("name", m);
        }
        if !errors.is_empty() {
            return;
        }
        pending.set(true);
        let body = AgentInput {
            project_id,
            agent_name: Some(name.get_untracked()),
            domain: Some(domain.get_untracked()),
            prefix_prompt: Some(prompt.get_untracked()),
            sample_q1: Some(q1.get_untracked()),
            sample_q2: Some(q2.get_untracked()),
            sample_q3: Some(q3.get_untracked()),
            tags: Some(split_tags(&tags.get_untracked())),
            access: Some(access.get_untracked()),
            agent_type_id: agent_type.get_untracked().parse().ok(),
            ..Default::default()
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::agents::create(&body).await {
                Ok(agent) => {
                    toasts.success("Agent created.");
                    navigate(&format!("/agents/{}", agent.id), Default::default());
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[
                            ("project_id", "project"),
                            ("agent_name", "name"),
                            ("domain", "domain"),
                            ("prefix_prompt", "prompt"),
                            ("tags", "tags"),
                        ],
                    );
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };

    view! {
        <section class="page narrow-wide">
            <p class="crumbs"><A href="/agents">"Agents"</A></p>
            <h1>"New agent"</h1>
            <form id="agent-form" class="card form-card" on:submit=submit novalidate=true>
                <FormError message=server_error/>
                <div class="field">
                    <label for="agent-project">"Project"</label>
                    <select id="agent-project" on:change=move |ev| project.set(event_target_value(&ev))>
                        <option value="" selected=move || project.get().is_empty()>"Choose a project"</option>
                        {move || projects.get().ready().cloned().map(|page: ProjectPage| page.projects.into_iter().filter(|p| p.my_role.is_some()).map(|p| {
                            let value = p.id.to_string();
                            let v = value.clone();
                            view! { <option value=value selected=move || project.get() == v>{p.name.clone()}</option> }
                        }).collect_view())}
                    </select>
                    <Show when=move || errors.of("project").get().is_some()>
                        <p class="field-error">{move || errors.of("project").get()}</p>
                    </Show>
                </div>
                <Field id="agent-name" label="Name" value=name error=errors.of("name") required=true/>
                <TextArea id="agent-domain" label="Description" value=domain error=errors.of("domain") rows=2/>
                <TextArea id="agent-new-prompt" label="System prompt" value=prompt error=errors.of("prompt") rows=5
                    hint="How the agent should behave and answer."/>
                <fieldset>
                    <legend>"Conversation starters"</legend>
                    <Field id="agent-q1" label="Starter 1" value=q1 error=Signal::derive(|| None::<String>)/>
                    <Field id="agent-q2" label="Starter 2" value=q2 error=Signal::derive(|| None::<String>)/>
                    <Field id="agent-q3" label="Starter 3" value=q3 error=Signal::derive(|| None::<String>)/>
                </fieldset>
                <Field id="agent-tags" label="Tags" value=tags error=errors.of("tags") hint="Separate tags with commas."/>
                <div class="field-row">
                    <div class="field">
                        <label for="agent-type">"Type"</label>
                        <select id="agent-type" on:change=move |ev| agent_type.set(event_target_value(&ev))>
                            {move || types.get().ready().cloned().map(|list: Vec<AgentType>| list.into_iter().map(|t| view! {
                                <option value=t.id.to_string()>{t.name.clone()}</option>
                            }).collect_view())}
                        </select>
                    </div>
                    <div class="field">
                        <label for="agent-access">"Access"</label>
                        <select id="agent-access" on:change=move |ev| access.set(event_target_value(&ev))>
                            <option value="Private">"Private: you, admins and people you add"</option>
                            <option value="Public">"Public: everyone in the organization"</option>
                        </select>
                    </div>
                </div>
                <button id="agent-create" class="button primary" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Creating…" } else { "Create agent" }}
                </button>
            </form>
        </section>
    }
}
