//! Teams: the list (search, pages, create) and a team's page (edit, delete, members, its
//! projects and agents).

use ejento_api::{Team, TeamInput, TeamPage, validate};
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
        url::{page_param, query_param},
    },
};

#[component]
pub fn TeamsPage() -> impl IntoView {
    let search = query_param("search");
    let page = page_param();
    let refresh = RwSignal::new(0u32);
    let state = load(
        move || (search.get(), page.get(), refresh.get()),
        |(s, p, _)| async move { api::teams::list(&s, p).await },
    );
    let creating = RwSignal::new(false);
    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Teams"</h1>
                <button id="new-team" class="button primary" type="button" on:click=move |_| creating.update(|c| *c = !*c)>
                    "New team"
                </button>
            </header>
            <Show when=move || creating.get()>
                <TeamForm team=None on_saved=Callback::new(move |_: Team| {
                    creating.set(false);
                    refresh.update(|r| *r += 1);
                })/>
            </Show>
            <div class="toolbar"><SearchBox label="Search teams"/></div>
            {show(state, |page: TeamPage| {
                if page.teams.is_empty() {
                    return empty("No teams", "Create a team to group people and give them access to projects.").into_any();
                }
                let meta = page.meta;
                view! {
                    <table class="table">
                        <thead><tr><th>"Team"</th><th>"Members"</th><th>"Projects"</th><th>"Your role"</th></tr></thead>
                        <tbody>
                            {page.teams.into_iter().map(|t| view! {
                                <tr>
                                    <td><A href=format!("/teams/{}", t.id)>{t.name.clone()}</A><div class="muted small">{t.description.clone()}</div></td>
                                    <td>{t.member_count}</td>
                                    <td>{t.project_count}</td>
                                    <td>{t.my_role.map(|r| r.as_str()).unwrap_or("—")}</td>
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

/// Create (no team) or edit (a team) form.
#[component]
fn TeamForm(team: Option<Team>, on_saved: Callback<Team>) -> impl IntoView {
    let toasts = use_toasts();
    let id = team.as_ref().map(|t| t.id);
    let name = RwSignal::new(team.as_ref().map(|t| t.name.clone()).unwrap_or_default());
    let description = RwSignal::new(team.as_ref().map(|t| t.description.clone()).unwrap_or_default());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        if let Err(m) = validate::resource_name(&name.get_untracked(), "team") {
            errors.set("name", m);
            return;
        }
        pending.set(true);
        let body = TeamInput {
            name: name.get_untracked(),
            description: description.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            let result = match id {
                Some(id) => api::teams::update(id, &body).await,
                None => api::teams::create(&body).await,
            };
            match result {
                Ok(team) => {
                    toasts.success(if id.is_some() { "Team saved." } else { "Team created." });
                    on_saved.run(team);
                }
                Err(e) => {
                    errors.absorb(&e, &[("name", "name"), ("description", "description")]);
                    server_error.set(Some(e.message));
                }
            }
            pending.set(false);
        });
    };
    view! {
        <form id="team-form" class="card form-card" on:submit=submit novalidate=true>
            <FormError message=server_error/>
            <Field id="team-name" label="Team name" value=name error=errors.of("name") required=true/>
            <Field id="team-description" label="Description" value=description error=errors.of("description")/>
            <button id="team-save" class="button primary" type="submit" disabled=move || pending.get()>
                {if id.is_some() { "Save team" } else { "Create team" }}
            </button>
        </form>
    }
}

#[component]
pub fn TeamDetail() -> impl IntoView {
    let id = crate::components::url::id_param();
    let refresh = RwSignal::new(0u32);
    let state = load(
        move || (id.get(), refresh.get()),
        |(id, _)| async move {
            api::teams::visit(id).await;
            api::teams::one(id).await
        },
    );
    view! {
        <section class="page">
            {show(state, move |team: Team| view! { <TeamView team=team on_change=Callback::new(move |_| refresh.update(|r| *r += 1))/> })}
        </section>
    }
}

#[component]
fn TeamView(team: Team, on_change: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let editing = RwSignal::new(false);
    let can_manage = team.my_role == Some(ejento_api::ResourceRole::Admin);
    let id = team.id;
    let projects = load(move || id, |id| async move { api::teams::projects(id).await });
    let agents = load(move || id, |id| async move { api::agents::of_team(id).await });
    let delete = move |_| {
        if !confirm("Delete this team? Its projects stay, without a team.") {
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::teams::delete(id).await {
                Ok(()) => {
                    toasts.success("Team deleted.");
                    navigate("/teams", Default::default());
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let admin_or_org_admin = Signal::derive(move || can_manage);
    view! {
        <header class="page-header">
            <div>
                <p class="crumbs"><A href="/teams">"Teams"</A></p>
                <h1 id="team-title">{team.name.clone()}</h1>
                <p class="lead">{team.description.clone()}</p>
            </div>
            {can_manage.then(|| view! {
                <div class="header-actions">
                    <button class="button" type="button" on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                    <button class="button danger" type="button" on:click=delete.clone()>"Delete"</button>
                </div>
            })}
        </header>
        <Show when=move || editing.get()>
            <TeamForm team=Some(team.clone()) on_saved=Callback::new(move |_| {
                editing.set(false);
                on_change.run(());
            })/>
        </Show>
        <div class="grid-2">
            <Members scope=Scope::Team(id) can_manage=admin_or_org_admin/>
            <div>
                <section class="card">
                    <h2>"Projects"</h2>
                    {show(projects, |page: ejento_api::ProjectPage| {
                        if page.projects.is_empty() {
                            return view! { <p class="muted">"No projects in this team yet."</p> }.into_any();
                        }
                        view! {
                            <ul class="link-list">
                                {page.projects.into_iter().map(|p| view! {
                                    <li><A href=format!("/projects/{}", p.id)>{p.name.clone()}</A><span class="muted">{format!(" · {} agents", p.agent_count)}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })}
                    <A href=format!("/projects?team_id={id}&new=1") attr:class="button small">"New project in this team"</A>
                </section>
                <section class="card">
                    <h2>"Agents"</h2>
                    {show(agents, |page: ejento_api::AgentPage| {
                        if page.agents.is_empty() {
                            return view! { <p class="muted">"No agents you can see in this team's projects."</p> }.into_any();
                        }
                        view! {
                            <ul class="link-list">
                                {page.agents.into_iter().map(|a| view! {
                                    <li><A href=format!("/agents/{}", a.id)>{a.agent_name.clone()}</A><span class="muted">{format!(" · {}", a.project_name)}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })}
                </section>
            </div>
        </div>
    }
}
