//! Members of a team, project or agent: add by e-mail with a role, change a role, remove.

use ejento_api::{AddMembers, Member, MemberPage, validate};
use leptos::{ev::SubmitEvent, prelude::*};

use super::{
    load::{Load, confirm, load, show},
    toast::use_toasts,
};
use crate::api::{self, ApiError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Team(i64),
    Project(i64),
    Agent(i64),
}

impl Scope {
    async fn list(self) -> Result<MemberPage, ApiError> {
        match self {
            Scope::Team(id) => api::teams::members(id).await,
            Scope::Project(id) => api::projects::members(id).await,
            Scope::Agent(id) => api::agents::users(id).await,
        }
    }

    async fn add(self, body: AddMembers) -> Result<MemberPage, ApiError> {
        match self {
            Scope::Team(id) => api::teams::add_members(id, &body).await,
            Scope::Project(id) => api::projects::add_members(id, &body).await,
            Scope::Agent(id) => api::agents::add_users(id, &body).await,
        }
    }

    async fn set_role(self, user: i64, role: String) -> Result<MemberPage, ApiError> {
        match self {
            Scope::Team(id) => api::teams::set_role(id, user, &role).await,
            Scope::Project(id) => api::projects::set_role(id, user, &role).await,
            // An agent grant is changed by granting again with the new role.
            Scope::Agent(id) => {
                api::agents::add_users(
                    id,
                    &AddMembers {
                        user_ids: vec![user],
                        emails: vec![],
                        role,
                    },
                )
                .await
            }
        }
    }

    async fn remove(self, user: i64) -> Result<MemberPage, ApiError> {
        match self {
            Scope::Team(id) => api::teams::remove(id, user).await,
            Scope::Project(id) => api::projects::remove(id, user).await,
            Scope::Agent(id) => api::agents::remove_user(id, user).await,
        }
    }
}

#[component]
pub fn Members(scope: Scope, #[prop(into)] can_manage: Signal<bool>) -> impl IntoView {
    let toasts = use_toasts();
    let refresh = RwSignal::new(0u32);
    let state = load(move || (scope, refresh.get()), |(scope, _)| scope.list());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("Member".to_string());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let apply = move |result: Result<MemberPage, ApiError>| match result {
        Ok(page) => state.set(Load::Ready(page)),
        Err(e) => toasts.error(e.message),
    };

    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let address = match validate::email(&email.get_untracked()) {
            Ok(a) => a,
            Err(m) => {
                error.set(Some(m));
                return;
            }
        };
        pending.set(true);
        let body = AddMembers {
            user_ids: vec![],
            emails: vec![address],
            role: role.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match scope.add(body).await {
                Ok(page) => {
                    state.set(Load::Ready(page));
                    email.set(String::new());
                    toasts.success("Member added.");
                }
                Err(e) => error.set(Some(e.field("emails").unwrap_or(e.message))),
            }
            pending.set(false);
        });
    };

    let row = move |m: Member| {
        let user = m.user_id;
        let name = if m.full_name.is_empty() {
            m.email.clone()
        } else {
            m.full_name.clone()
        };
        let remove_label = format!("Remove {name}");
        let role_label = format!("Role of {name}");
        view! {
            <tr>
                <td>{name.clone()}</td>
                <td class="muted">{m.email.clone()}</td>
                <td>
                    <Show when=move || can_manage.get() fallback=move || m.role.as_str()>
                        <select
                            aria-label=role_label.clone()
                            on:change=move |ev| {
                                let role = event_target_value(&ev);
                                leptos::task::spawn_local(async move { apply(scope.set_role(user, role).await) });
                            }
                        >
                            <option value="Member" selected=m.role == ejento_api::ResourceRole::Member>"Member"</option>
                            <option value="Admin" selected=m.role == ejento_api::ResourceRole::Admin>"Admin"</option>
                        </select>
                    </Show>
                </td>
                <td class="actions">
                    <Show when=move || can_manage.get()>
                        <button
                            class="button small danger"
                            type="button"
                            aria-label=remove_label.clone()
                            on:click={
                                let name = name.clone();
                                move |_| {
                                    if confirm(&format!("Remove {name}?")) {
                                        leptos::task::spawn_local(async move { apply(scope.remove(user).await) });
                                    }
                                }
                            }
                        >
                            "Remove"
                        </button>
                    </Show>
                </td>
            </tr>
        }
    };

    view! {
        <section class="card" aria-labelledby="members-title">
            <h2 id="members-title">"Members"</h2>
            <Show when=move || can_manage.get()>
                <form class="inline-form" on:submit=add novalidate=true>
                    <label class="sr-only" for="member-email">"E-mail of the person to add"</label>
                    <input id="member-email" type="email" placeholder="colleague@example.com" prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev))/>
                    <label class="sr-only" for="member-role">"Role"</label>
                    <select id="member-role" on:change=move |ev| role.set(event_target_value(&ev))>
                        <option value="Member">"Member"</option>
                        <option value="Admin">"Admin"</option>
                    </select>
                    <button class="button primary" type="submit" disabled=move || pending.get()>"Add"</button>
                </form>
                <Show when=move || error.get().is_some()>
                    <p class="field-error" role="alert">{move || error.get()}</p>
                </Show>
            </Show>
            {show(state, move |page: MemberPage| {
                if page.users.is_empty() {
                    return view! { <p class="muted">"No members yet."</p> }.into_any();
                }
                view! {
                    <div class="table-scroll">
                    <table class="table members-table">
                        <thead><tr><th>"Name"</th><th>"E-mail"</th><th>"Role"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>{page.users.into_iter().map(row).collect_view()}</tbody>
                    </table>
                    </div>
                }
                .into_any()
            })}
        </section>
    }
}
