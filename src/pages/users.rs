//! Admin → Users: the organization's people (search, pages), create an account, change a role,
//! delete several at once, and one user's projects.

use std::collections::BTreeSet;

use ejento_api::{CreateUser, OrgRole, ProjectPage, UpdateUser, User, UserPage, validate};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::components::A;

use super::FormError;
use crate::{
    Auth, api,
    components::{
        field::{Field, FormErrors},
        load::{confirm, empty, load, show},
        pager::{Pager, SearchBox},
        toast::use_toasts,
        url::{page_param, query_param},
    },
};

#[component]
pub fn UsersPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let toasts = use_toasts();
    let search = query_param("search");
    let page = page_param();
    let refresh = RwSignal::new(0u32);
    let state = load(
        move || (search.get(), page.get(), refresh.get()),
        |(s, p, _)| async move { api::users::list(&s, p).await },
    );
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let creating = RwSignal::new(false);
    let is_global_admin = Signal::derive(move || auth.user.get().is_some_and(|u| u.role == OrgRole::GlobalAdmin));
    let me = Signal::derive(move || auth.user.get().map(|u| u.id).unwrap_or(0));

    let delete_selected = move |_| {
        let ids: Vec<i64> = selected.get_untracked().into_iter().collect();
        if ids.is_empty() || !confirm(&format!("Delete {} user(s)? They are signed out at once.", ids.len())) {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::users::delete_many(ids).await {
                Ok(message) => {
                    toasts.success(message);
                    selected.set(BTreeSet::new());
                    refresh.update(|r| *r += 1);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let change_role = move |user: i64, role: String| {
        leptos::task::spawn_local(async move {
            match api::users::update(
                user,
                &UpdateUser {
                    role: Some(role),
                    ..Default::default()
                },
            )
            .await
            {
                Ok(u) => toasts.success(format!("{} is now {}.", u.email, u.role.as_str())),
                Err(e) => {
                    toasts.error(e.message);
                    refresh.update(|r| *r += 1);
                }
            }
        });
    };

    let row = move |u: User| {
        let id = u.id;
        let is_me = id == me.get_untracked();
        let label = format!("Select {}", u.email);
        let role_label = format!("Role of {}", u.email);
        let display = if u.full_name.is_empty() {
            u.email.clone()
        } else {
            u.full_name.clone()
        };
        let (email, role, active) = (u.email.clone(), u.role, u.is_active);
        view! {
            <tr>
                <td>
                    <input type="checkbox" aria-label=label disabled=is_me prop:checked=move || selected.get().contains(&id)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                        }/>
                </td>
                <td><A href=format!("/admin/users/{id}")>{display}</A></td>
                <td class="muted">{email}</td>
                <td>
                    <select aria-label=role_label disabled=move || is_me || !is_global_admin.get()
                        on:change=move |ev| change_role(id, event_target_value(&ev))>
                        {OrgRole::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == role>{r.as_str()}</option> }).collect_view()}
                    </select>
                </td>
                <td>{if active { "Active" } else { "Inactive" }}</td>
            </tr>
        }
    };

    view! {
        <section class="page">
            <super::admin::AdminNav/>
            <header class="page-header">
                <h1>"Users"</h1>
                <div class="header-actions">
                    <A href="/admin/chat-logs" attr:class="button" attr:id="chat-logs-link">"Chat logs"</A>
                    <Show when=move || is_global_admin.get()>
                        <button id="delete-users" class="button danger" type="button" disabled=move || selected.get().is_empty() on:click=delete_selected>
                            {move || format!("Delete selected ({})", selected.get().len())}
                        </button>
                        <button id="new-user" class="button primary" type="button" on:click=move |_| creating.update(|c| *c = !*c)>"New user"</button>
                    </Show>
                </div>
            </header>
            <Show when=move || creating.get()>
                <UserForm on_saved=Callback::new(move |_| {
                    creating.set(false);
                    refresh.update(|r| *r += 1);
                })/>
            </Show>
            <div class="toolbar"><SearchBox label="Search people"/></div>
            {show(state, move |page: UserPage| {
                if page.users.is_empty() {
                    return empty("No one found", "Try another search.").into_any();
                }
                let meta = page.meta;
                view! {
                    <table class="table" id="user-table">
                        <thead><tr><th><span class="sr-only">"Select"</span></th><th>"Name"</th><th>"E-mail"</th><th>"Role"</th><th>"Status"</th></tr></thead>
                        <tbody>{page.users.into_iter().map(row).collect_view()}</tbody>
                    </table>
                    <Pager meta=meta/>
                }.into_any()
            })}
            <Show when=move || is_global_admin.get()>
                <FeatureFlags/>
            </Show>
        </section>
    }
}

#[component]
fn UserForm(on_saved: Callback<User>) -> impl IntoView {
    let auth = expect_context::<Auth>();
    let toasts = use_toasts();
    let email = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("User".to_string());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        if let Err(m) = validate::email(&email.get_untracked()) {
            errors.set("email", m);
        }
        let pw = password.get_untracked();
        if !pw.is_empty()
            && let Err(m) = validate::password(&pw)
        {
            errors.set("password", m);
        }
        if !errors.is_empty() {
            return;
        }
        let Some(org) = auth.user.get_untracked().map(|u| u.organization.id) else {
            return;
        };
        let body = CreateUser {
            email: email.get_untracked(),
            first_name: first.get_untracked(),
            last_name: last.get_untracked(),
            role: role.get_untracked(),
            password: (!pw.is_empty()).then_some(pw),
        };
        leptos::task::spawn_local(async move {
            match api::users::create(org, &body).await {
                Ok(u) => {
                    toasts.success(format!("{} can now sign in.", u.email));
                    on_saved.run(u);
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[
                            ("email", "email"),
                            ("first_name", "first"),
                            ("last_name", "last"),
                            ("password", "password"),
                            ("role", "role"),
                        ],
                    );
                    server_error.set(Some(e.message));
                }
            }
        });
    };
    view! {
        <form id="user-form" class="card form-card" on:submit=submit novalidate=true>
            <FormError message=server_error/>
            <Field id="user-email" label="E-mail" kind="email" value=email error=errors.of("email") required=true/>
            <div class="field-row">
                <Field id="user-first" label="First name" value=first error=errors.of("first")/>
                <Field id="user-last" label="Last name" value=last error=errors.of("last")/>
            </div>
            <Field id="user-password" label="Password (optional)" kind="password" autocomplete="new-password" value=password error=errors.of("password")
                hint="Without one, the person signs in with an e-mailed link."/>
            <div class="field">
                <label for="user-role">"Role"</label>
                <select id="user-role" on:change=move |ev| role.set(event_target_value(&ev))>
                    {move || {
                        // Only a Global Admin makes administrators (the server refuses anyone else).
                        let global = auth.user.get().is_some_and(|u| u.role == OrgRole::GlobalAdmin);
                        OrgRole::ALL
                            .into_iter()
                            .rev()
                            .filter(move |r| global || *r == OrgRole::User)
                            .map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> })
                            .collect_view()
                    }}
                </select>
                <Show when=move || !auth.user.get().is_some_and(|u| u.role == OrgRole::GlobalAdmin)>
                    <p class="field-hint">"Only a Global Admin can make someone an administrator."</p>
                </Show>
            </div>
            <button id="user-save" class="button primary" type="submit">"Create user"</button>
        </form>
    }
}

#[component]
pub fn UserDetail() -> impl IntoView {
    let id = crate::components::url::id_param();
    let user = load(move || id.get(), |id| async move { api::users::one(id).await });
    let projects = load(move || id.get(), |id| async move { api::projects::of_user(id).await });
    view! {
        <section class="page">
            <p class="crumbs"><A href="/admin">"Users"</A></p>
            {show(user, |u: User| view! {
                <h1>{if u.full_name.is_empty() { u.email.clone() } else { u.full_name.clone() }}</h1>
                <p class="lead">{format!("{} · {} · since {}", u.email, u.role.as_str(), crate::clock::local_minute(&u.created_on).chars().take(10).collect::<String>())}</p>
            })}
            <section class="card">
                <h2>"Projects"</h2>
                {show(projects, |page: ProjectPage| {
                    if page.projects.is_empty() {
                        return view! { <p class="muted">"Not a member of any project."</p> }.into_any();
                    }
                    view! {
                        <ul class="link-list">
                            {page.projects.into_iter().map(|p| view! {
                                <li><A href=format!("/projects/{}", p.id)>{p.name.clone()}</A><span class="muted">{format!(" · {}", p.team_name.clone().unwrap_or_else(|| "no team".into()))}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </section>
        </section>
    }
}

/// Admin → Feature flags: each flag of the organization, switched on or off at once.
#[component]
fn FeatureFlags() -> impl IntoView {
    let toasts = use_toasts();
    let tick = RwSignal::new(0u32);
    let flags = load(move || tick.get(), |_| async { api::flags::all().await });
    view! {
        <section class="card" id="feature-flags">
            <h2>"Feature flags"</h2>
            <p class="muted small">"Turning a flag off hides its feature in the dashboard and the server refuses it."</p>
            {show(flags, move |list: Vec<ejento_api::FeatureFlag>| view! {
                <ul class="flag-list">
                    {list.into_iter().map(|f| {
                        let name = f.name.clone();
                        let toggle = move |ev: leptos::ev::Event| {
                            let on = event_target_checked(&ev);
                            let name = name.clone();
                            let done = format!("{name} is now {}.", if on { "on" } else { "off" });
                            toasts.act(async move { api::flags::set(&name, on).await }, done, tick);
                        };
                        view! {
                            <li class="flag">
                                <label>
                                    <input type="checkbox" role="switch" id=format!("flag-{}", f.name) prop:checked=f.enabled on:change=toggle/>
                                    " "<strong>{f.name.clone()}</strong>
                                    {(!f.available).then(|| view! { " "<span class="badge">"not in this version"</span> })}
                                </label>
                                <p class="muted small">{f.description.clone()}</p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}
