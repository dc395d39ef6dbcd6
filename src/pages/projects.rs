//! Projects: the list (team filter, search, pages, recent, create) and a project's page (edit,
//! delete, members, its agents).

use ejento_api::{Project, ProjectInput, ProjectPage, TeamPage, validate};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{components::A, hooks::use_navigate};

use super::FormError;
use crate::{
    api,
    components::{
        field::{Field, FormErrors},
        load::{confirm, empty, load, show},
        members::{Members, Scope},
        pager::{Pager, SearchBox},
        toast::use_toasts,
        url::{page_param, query_param, query_setter},
    },
};

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let search = query_param("search");
    let team = query_param("team_id");
    let creating = query_param("new");
    let page = page_param();
    let set = query_setter();
    let refresh = RwSignal::new(0u32);
    let state = load(
        move || (search.get(), team.get().parse::<i64>().ok(), page.get(), refresh.get()),
        |(s, t, p, _)| async move { api::projects::list(&s, t, p).await },
    );
    let teams = load(|| (), |_| async { api::teams::list("", 1).await });
    let recent = load(move || refresh.get(), |_| async { api::projects::recent().await });
    let set_new = set.clone();
    let set_done = set.clone();
    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Projects"</h1>
                <button id="new-project" class="button primary" type="button"
                    on:click=move |_| set_new(&[("new", if creating.get_untracked().is_empty() { "1".into() } else { String::new() })])>
                    "New project"
                </button>
            </header>
            <Show when=move || !creating.get().is_empty()>
                <ProjectForm project=None on_saved=Callback::new({
                    let set_done = set_done.clone();
                    move |_: Project| {
                        set_done(&[("new", String::new())]);
                        refresh.update(|r| *r += 1);
                    }
                })/>
            </Show>
            {move || recent.get().ready().filter(|r| !r.is_empty()).cloned().map(|list| view! {
                <section class="recent" aria-label="Recent projects">
                    <h2>"Recent"</h2>
                    <ul class="chips">
                        {list.into_iter().map(|p| view! { <li><A href=format!("/projects/{}", p.id)>{p.name.clone()}</A></li> }).collect_view()}
                    </ul>
                </section>
            })}
            <div class="toolbar">
                <SearchBox label="Search projects"/>
                <label class="sr-only" for="team-filter">"Team"</label>
                <select id="team-filter" on:change=move |ev| set(&[("team_id", event_target_value(&ev)), ("page", String::new())])>
                    <option value="" selected=move || team.get().is_empty()>"All teams"</option>
                    {move || teams.get().ready().cloned().map(|page: TeamPage| page.teams.into_iter().map(|t| {
                        let value = t.id.to_string();
                        let selected = value.clone();
                        view! { <option value=value selected=move || team.get() == selected>{t.name.clone()}</option> }
                    }).collect_view())}
                </select>
            </div>
            {show(state, |page: ProjectPage| {
                if page.projects.is_empty() {
                    return empty("No projects", "Projects hold agents; create one, or clear the filters.").into_any();
                }
                let meta = page.meta;
                view! {
                    <table class="table">
                        <thead><tr><th>"Project"</th><th>"Team"</th><th>"Agents"</th><th>"Your role"</th></tr></thead>
                        <tbody>
                            {page.projects.into_iter().map(|p| view! {
                                <tr>
                                    <td><A href=format!("/projects/{}", p.id)>{p.name.clone()}</A><div class="muted small">{p.description.clone()}</div></td>
                                    <td>{p.team_name.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td>{p.agent_count}</td>
                                    <td>{p.my_role.map(|r| r.as_str()).unwrap_or("—")}</td>
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

#[component]
fn ProjectForm(project: Option<Project>, on_saved: Callback<Project>) -> impl IntoView {
    let toasts = use_toasts();
    let id = project.as_ref().map(|p| p.id);
    let preset_team = query_param("team_id").get_untracked();
    let name = RwSignal::new(project.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let description = RwSignal::new(project.as_ref().map(|p| p.description.clone()).unwrap_or_default());
    let team = RwSignal::new(
        project
            .as_ref()
            .and_then(|p| p.team)
            .map(|t| t.to_string())
            .unwrap_or(preset_team),
    );
    let teams = load(|| (), |_| async { api::teams::mine().await });
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        if let Err(m) = validate::resource_name(&name.get_untracked(), "project") {
            errors.set("name", m);
            return;
        }
        pending.set(true);
        let body = ProjectInput {
            name: name.get_untracked(),
            description: description.get_untracked(),
            team_id: team.get_untracked().parse().ok(),
        };
        leptos::task::spawn_local(async move {
            let result = match id {
                Some(id) => api::projects::update(id, &body).await,
                None => api::projects::create(&body).await,
            };
            match result {
                Ok(p) => {
                    toasts.success(if id.is_some() {
                        "Project saved."
                    } else {
                        "Project created."
                    });
                    on_saved.run(p);
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[("name", "name"), ("description", "description"), ("team_id", "team")],
                    );
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };
    view! {
        <form id="project-form" class="card form-card" on:submit=submit novalidate=true>
            <FormError message=server_error/>
            <Field id="project-name" label="Project name" value=name error=errors.of("name") required=true/>
            <Field id="project-description" label="Description" value=description error=errors.of("description")/>
            <div class="field">
                <label for="project-team">"Team"</label>
                <select id="project-team" on:change=move |ev| team.set(event_target_value(&ev))>
                    <option value="" selected=move || team.get().is_empty()>"No team (named members only)"</option>
                    {move || teams.get().ready().cloned().map(|page: TeamPage| page.teams.into_iter().map(|t| {
                        let value = t.id.to_string();
                        let selected = value.clone();
                        view! { <option value=value selected=move || team.get() == selected>{t.name.clone()}</option> }
                    }).collect_view())}
                </select>
                <p class="field-hint">"Everyone in the team gets access to the project."</p>
                <Show when=move || errors.of("team").get().is_some()>
                    <p class="field-error">{move || errors.of("team").get()}</p>
                </Show>
            </div>
            <button id="project-save" class="button primary" type="submit" disabled=move || pending.get()>
                {if id.is_some() { "Save project" } else { "Create project" }}
            </button>
        </form>
    }
}

#[component]
pub fn ProjectDetail() -> impl IntoView {
    let id = crate::components::url::id_param();
    let refresh = RwSignal::new(0u32);
    let state = load(
        move || (id.get(), refresh.get()),
        |(id, _)| async move {
            api::projects::visit(id).await;
            api::projects::one(id).await
        },
    );
    view! {
        <section class="page">
            {show(state, move |p: Project| view! { <ProjectView project=p on_change=Callback::new(move |_| refresh.update(|r| *r += 1))/> })}
        </section>
    }
}

#[component]
fn ProjectView(project: Project, on_change: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let editing = RwSignal::new(false);
    let id = project.id;
    let can_manage = project.my_role == Some(ejento_api::ResourceRole::Admin);
    let can_create = project.my_role.is_some();
    let agents = load(move || id, |id| async move { api::agents::of_project(id).await });
    let team_link = project.team.map(|t| (t, project.team_name.clone().unwrap_or_default()));
    let delete = move |_| {
        if !confirm("Delete this project and all of its agents?") {
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::projects::delete(id).await {
                Ok(()) => {
                    toasts.success("Project deleted.");
                    navigate("/projects", Default::default());
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    view! {
        <header class="page-header">
            <div>
                <p class="crumbs"><A href="/projects">"Projects"</A>{team_link.map(|(t, name)| view! { " · " <A href=format!("/teams/{t}")>{name}</A> })}</p>
                <h1 id="project-title">{project.name.clone()}</h1>
                <p class="lead">{project.description.clone()}</p>
            </div>
            <div class="header-actions">
                {can_create.then(|| view! { <A href=format!("/agents/new?project_id={id}") attr:class="button primary" attr:id="new-agent-in-project">"New agent"</A> })}
                {can_manage.then(|| view! {
                    <button class="button" type="button" on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                    <button class="button danger" type="button" on:click=delete.clone()>"Delete"</button>
                })}
            </div>
        </header>
        <Show when=move || editing.get()>
            <ProjectForm project=Some(project.clone()) on_saved=Callback::new(move |_| {
                editing.set(false);
                on_change.run(());
            })/>
        </Show>
        <div class="grid-2">
            <section class="card">
                <h2>"Agents"</h2>
                {show(agents, |page: ejento_api::AgentPage| {
                    if page.agents.is_empty() {
                        return view! { <p class="muted">"No agents here yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="link-list">
                            {page.agents.into_iter().map(|a| view! {
                                <li><A href=format!("/agents/{}", a.id)>{a.agent_name.clone()}</A><span class="muted">{format!(" · {} · {}", a.access, a.status)}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </section>
            <Members scope=Scope::Project(id) can_manage=Signal::derive(move || can_manage)/>
        </div>
    }
}
