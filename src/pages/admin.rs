//! Admin: the section's navigation, API keys (shown once, revoked, last used), model
//! configurations (read-only: they come from the server's configuration) and the audit log.
//! Guardrails have their own module.

use std::collections::BTreeMap;

use ejento_api::{
    API_KEY_SCOPES, ApiKey, AuditLogEntry, AuditLogPage, CreateApiKey, CreatedApiKey, LlmConfiguration, OrgRole,
};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::components::A;

use crate::{
    Auth, api,
    components::{
        field::{Field, FormErrors},
        gate::{RoleNeed, allows},
        load::{confirm, empty, load, show},
        pager::Pager,
        toast::use_toasts,
        url::{page_param, query_param, query_setter},
    },
};

/// The sections of Admin, as links (each section has its own URL), and the role each needs
/// (`None`: everyone's own settings).
const SECTIONS: [(&str, &str, Option<RoleNeed>); 8] = [
    ("/admin", "Users", Some(RoleNeed::OrgAdmin)),
    ("/admin/api-keys", "API keys", Some(RoleNeed::GlobalAdmin)),
    ("/admin/tools", "Tools", Some(RoleNeed::OrgAdmin)),
    ("/admin/guardrails", "Guardrails", Some(RoleNeed::OrgAdmin)),
    ("/admin/models", "Models", Some(RoleNeed::OrgAdmin)),
    ("/admin/notifications", "Notifications", None),
    ("/admin/audit-log", "Audit log", Some(RoleNeed::GlobalAdmin)),
    ("/admin/chat-logs", "Chat logs", Some(RoleNeed::OrgAdmin)),
];

/// The Admin sections the signed-in person can use.
#[component]
pub fn AdminNav() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Admin sections">
            // `exact`: Users (/admin) is not current on the other sections' pages.
            {SECTIONS.into_iter().map(|(href, label, need)| {
                let may = need.map(allows);
                view! {
                    <Show when=move || may.is_none_or(|m| m.get())>
                        <A href=href exact=true attr:class="tab">{label}</A>
                    </Show>
                }
            }).collect_view()}
        </nav>
    }
}

/// Whether the signed-in person administers the organization (Global or Application Admin).
pub fn is_org_admin() -> Signal<bool> {
    let auth = expect_context::<Auth>();
    Signal::derive(move || {
        auth.user
            .get()
            .is_some_and(|u| matches!(u.role, OrgRole::GlobalAdmin | OrgRole::ApplicationAdmin))
    })
}

pub fn is_global_admin() -> Signal<bool> {
    let auth = expect_context::<Auth>();
    Signal::derive(move || auth.user.get().is_some_and(|u| u.role == OrgRole::GlobalAdmin))
}

/// The caller's organization id (0 until the user is known).
pub fn org_id() -> Signal<i64> {
    let auth = expect_context::<Auth>();
    Signal::derive(move || auth.user.get().map(|u| u.organization.id).unwrap_or(0))
}

/// The resource groups a Restricted key grants, as the server names them (first path segment).
const CATEGORIES: [&str; 8] = [
    "agents",
    "corpora",
    "documents",
    "chat-threads",
    "teams",
    "projects",
    "workflows",
    "evaluations",
];

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let toasts = use_toasts();
    let org = org_id();
    let is_global_admin = is_global_admin();
    let tick = RwSignal::new(0u32);
    let keys = load(
        move || (org.get(), tick.get()),
        |(o, _)| async move { api::admin::api_keys(o).await },
    );
    let name = RwSignal::new(String::new());
    let scope = RwSignal::new("All".to_string());
    let levels = RwSignal::new(BTreeMap::<String, String>::new());
    let created = RwSignal::new(None::<CreatedApiKey>);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        if name.get_untracked().trim().is_empty() {
            errors.set("name", "Give the key a name.");
            return;
        }
        let body = CreateApiKey {
            name: name.get_untracked().trim().to_string(),
            scope: scope.get_untracked(),
            restrictions: levels.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::admin::create_api_key(org.get_untracked(), &body).await {
                Ok(key) => {
                    created.set(Some(key));
                    name.set(String::new());
                    tick.update(|t| *t += 1);
                }
                Err(e) => {
                    errors.absorb(&e, &[("name", "name"), ("scope", "scope"), ("restrictions", "scope")]);
                    if errors.is_empty() {
                        toasts.error(e.message);
                    }
                }
            }
            busy.set(false);
        });
    };
    let revoke = move |key: ApiKey| {
        if !confirm(&format!(
            "Revoke “{}”? Programs using it are refused from now on.",
            key.name
        )) {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::admin::revoke_api_key(org.get_untracked(), key.id).await {
                Ok(message) => {
                    toasts.success(message);
                    created.update(|c| {
                        if c.as_ref().is_some_and(|c| c.api_key.id == key.id) {
                            *c = None;
                        }
                    });
                    tick.update(|t| *t += 1);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let select_all = |ev: leptos::ev::FocusEvent| event_target::<web_sys::HtmlInputElement>(&ev).select();
    let copy = move |_| {
        if let (Some(window), Some(key)) = (web_sys::window(), created.get_untracked()) {
            let _ = window.navigator().clipboard().write_text(&key.key);
            toasts.success("The key is copied.");
        }
    };

    view! {
        <section class="page">
            <AdminNav/>
            <header class="page-header"><h1>"API keys"</h1></header>
            <p class="muted">"Programs send a key in the "<code>"Ocp-Apim-Subscription-Key"</code>" header. Once the organization has a key, every request that presents one must present a valid one."</p>
            {move || created.get().map(|k| view! {
                <div class="card secret-once" role="status" id="created-key">
                    <h2>{format!("“{}” is ready", k.api_key.name)}</h2>
                    <p>"Copy it now: it is shown only this once."</p>
                    <div class="inline-form">
                        <input id="new-api-key" readonly=true aria-label="The new API key" prop:value=k.key.clone()
                            on:focus=select_all/>
                        <button class="button primary" type="button" on:click=copy>"Copy"</button>
                        <button class="button" type="button" on:click=move |_| created.set(None)>"Done"</button>
                    </div>
                </div>
            })}
            <Show when=move || is_global_admin.get()>
            <form class="card form-card" id="api-key-form" on:submit=submit novalidate=true>
                <h2>"New key"</h2>
                <Field id="api-key-name" label="Name" value=name error=errors.of("name") required=true/>
                <div class="field">
                    <label for="api-key-scope">"Scope"</label>
                    <select id="api-key-scope" on:change=move |ev| scope.set(event_target_value(&ev))>
                        {API_KEY_SCOPES.into_iter().map(|s| view! { <option value=s selected=move || scope.get() == s>{s}</option> }).collect_view()}
                    </select>
                    <p class="field-hint">"All: everything its creator may do. Read Only: no changes. Restricted: per area below."</p>
                    {move || errors.of("scope").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <Show when=move || scope.get() == "Restricted">
                    <fieldset class="restrictions">
                        <legend>"Access per area"</legend>
                        {CATEGORIES.into_iter().map(|c| view! {
                            <label class="restriction">
                                <span>{c}</span>
                                <select aria-label=format!("Access to {c}") on:change=move |ev| {
                                    let level = event_target_value(&ev);
                                    levels.update(|l| { l.insert(c.to_string(), level); });
                                }>
                                    {ejento_api::API_KEY_LEVELS.into_iter().map(|l| view! { <option value=l>{l}</option> }).collect_view()}
                                </select>
                            </label>
                        }).collect_view()}
                    </fieldset>
                </Show>
                <button class="button primary" type="submit" id="create-api-key" disabled=move || busy.get()>"Create key"</button>
            </form>
            </Show>
            {show(keys, move |list: Vec<ApiKey>| {
                if list.is_empty() {
                    return empty("No API keys", "Any program may call the API with a signed-in user's token until you create one.").into_any();
                }
                view! {
                    <table class="table" id="api-key-table">
                        <thead><tr><th>"Name"</th><th>"Key"</th><th>"Scope"</th><th>"Created"</th><th>"Last used"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|k| {
                                let scope = if k.restrictions.is_empty() {
                                    k.scope.clone()
                                } else {
                                    format!("{} ({})", k.scope, k.restrictions.iter().map(|(c, l)| format!("{c}: {l}")).collect::<Vec<_>>().join(", "))
                                };
                                let label = format!("Revoke {}", k.name);
                                let key = k.clone();
                                view! {
                                    <tr>
                                        <td>{k.name.clone()}</td>
                                        <td><code>{format!("{}…", k.key_prefix)}</code></td>
                                        <td>{scope}</td>
                                        <td class="muted small">{format!("{} by {}", day(&k.created_on), k.created_by)}</td>
                                        <td class="muted small">{k.last_used_on.as_deref().map(minute).unwrap_or_else(|| "Never".into())}</td>
                                        <td class="actions"><button class="button danger small" type="button" aria-label=label on:click=move |_| revoke(key.clone())>"Revoke"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
    }
}

fn day(timestamp: &str) -> String {
    crate::clock::local_minute(timestamp).chars().take(10).collect()
}

fn minute(timestamp: &str) -> String {
    crate::clock::local_minute(timestamp)
}

/// Admin → Models: the model configurations agents can use (set in the server's configuration).
#[component]
pub fn ModelsPage() -> impl IntoView {
    let models = load(|| (), |_| async { api::agents::llm_configurations().await });
    view! {
        <section class="page">
            <AdminNav/>
            <header class="page-header"><h1>"Models"</h1></header>
            <p class="muted">"Model configurations come from the server's configuration (EJENTO_MODEL_DEPLOYMENTS); agents and evaluation runs choose among them. They are read-only here."</p>
            {show(models, |list: Vec<LlmConfiguration>| {
                if list.is_empty() {
                    return empty("No models", "The server has no model configured.").into_any();
                }
                view! {
                    <table class="table" id="model-table">
                        <thead><tr><th>"Model"</th><th>"Provider"</th><th>"Deployments"</th><th>"Status"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|m| view! {
                                <tr>
                                    <td>{m.model_name.clone()}{m.is_default.then(|| view! { " "<span class="badge">"default"</span> })}</td>
                                    <td>{m.provider.clone()}</td>
                                    <td>{m.model_deployment.join(", ")}</td>
                                    <td>{if m.is_enabled { "On" } else { "Off" }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
    }
}

/// The kinds of resource the audit log records, for its filter.
const RESOURCE_TYPES: [(&str, &str); 7] = [
    ("", "Everything"),
    ("user", "People"),
    ("guardrail", "Guardrails"),
    ("api_key", "API keys"),
    ("feature_flag", "Feature flags"),
    ("agent", "Agents"),
    ("tool", "Tools"),
];

/// Admin → Audit log: who changed what and when, with the before and after of each change;
/// filters and the page live in the URL.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let org = org_id();
    let resource_type = query_param("resource_type");
    let from = query_param("from");
    let to = query_param("to");
    let page = page_param();
    let set = query_setter();
    let log = load(
        move || (org.get(), resource_type.get(), from.get(), to.get(), page.get()),
        |(o, r, f, t, p)| async move { api::admin::audit_log(o, &r, &f, &t, p).await },
    );
    let set_type = set.clone();
    let set_from = set.clone();
    let set_to = set;
    view! {
        <section class="page">
            <AdminNav/>
            <header class="page-header"><h1>"Audit log"</h1></header>
            <div class="toolbar">
                <label class="sr-only" for="audit-type">"What changed"</label>
                <select id="audit-type" on:change=move |ev| set_type(&[("resource_type", event_target_value(&ev)), ("page", String::new())])>
                    {RESOURCE_TYPES.into_iter().map(|(v, l)| view! { <option value=v selected=move || resource_type.get() == v>{l}</option> }).collect_view()}
                </select>
                <label for="audit-from">"From"</label>
                <input id="audit-from" type="date" prop:value=move || from.get() on:change=move |ev| set_from(&[("from", event_target_value(&ev)), ("page", String::new())])/>
                <label for="audit-to">"To"</label>
                <input id="audit-to" type="date" prop:value=move || to.get() on:change=move |ev| set_to(&[("to", event_target_value(&ev)), ("page", String::new())])/>
            </div>
            {show(log, |page: AuditLogPage| {
                if page.entries.is_empty() {
                    return empty("Nothing recorded", "Changes to people, guardrails, tools, API keys and feature flags appear here.").into_any();
                }
                let meta = page.meta;
                view! {
                    <ol class="audit-log" id="audit-log">
                        {page.entries.into_iter().map(entry).collect_view()}
                    </ol>
                    <Pager meta=meta/>
                }.into_any()
            })}
        </section>
    }
}

fn pretty(v: &Option<serde_json::Value>) -> String {
    v.as_ref()
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .unwrap_or_else(|| "—".into())
}

fn entry(e: AuditLogEntry) -> impl IntoView {
    let (before, after) = (pretty(&e.before), pretty(&e.after));
    view! {
        <li class="card audit-entry">
            <p><strong>{e.summary.clone()}</strong></p>
            <p class="muted small">{format!("{} · {} · {}", minute(&e.created_on), e.actor, e.action)}</p>
            <details>
                <summary>"Before and after"</summary>
                <div class="audit-diff">
                    <div><h3 class="small">"Before"</h3><pre>{before}</pre></div>
                    <div><h3 class="small">"After"</h3><pre>{after}</pre></div>
                </div>
            </details>
        </li>
    }
}

/// Admin → Notifications: which kinds of notification the signed-in person receives, and (for
/// administrators) a message to chosen people of the organization.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let toasts = use_toasts();
    let is_admin = is_org_admin();
    let tick = RwSignal::new(0u32);
    let settings = load(move || tick.get(), |_| async { api::notifications::settings().await });
    let toggle = move |kind: String, on: bool| {
        toasts.act(
            async move { api::notifications::set_setting(&kind, on).await },
            if on {
                "You will be told."
            } else {
                "You will not be told any more."
            }
            .to_string(),
            tick,
        );
    };
    view! {
        <section class="page">
            <AdminNav/>
            <header class="page-header"><h1>"Notifications"</h1></header>
            <section class="card">
                <h2>"What I am told about"</h2>
                {show(settings, move |list: Vec<ejento_api::NotificationSetting>| view! {
                    <ul class="flag-list" id="notification-settings">
                        {list.into_iter().map(|s| {
                            let kind = s.kind.clone();
                            view! {
                                <li class="flag">
                                    <label>
                                        <input type="checkbox" role="switch" id=format!("notify-{}", s.kind) prop:checked=s.enabled
                                            on:change=move |ev| toggle(kind.clone(), event_target_checked(&ev))/>
                                        " "{s.label.clone()}
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })}
                <p class="muted small">"Messages from administrators always arrive."</p>
            </section>
            <Show when=move || is_admin.get()>
                <SendMessage/>
            </Show>
        </section>
    }
}

#[component]
fn SendMessage() -> impl IntoView {
    let toasts = use_toasts();
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let link = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let chosen = RwSignal::new(BTreeMap::<i64, String>::new());
    let people = load(move || search.get(), |q| async move { api::users::list(&q, 1).await });
    let errors = FormErrors::new();
    let send = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        if chosen.get_untracked().is_empty() {
            errors.set("to", "Choose at least one person.");
            return;
        }
        let input = ejento_api::NotificationInput {
            title: title.get_untracked(),
            body: body.get_untracked(),
            link: link.get_untracked().trim().to_string(),
            user_ids: chosen.get_untracked().into_keys().collect(),
        };
        leptos::task::spawn_local(async move {
            match api::notifications::send(&input).await {
                Ok(message) => {
                    toasts.success(message);
                    title.set(String::new());
                    body.set(String::new());
                    chosen.set(BTreeMap::new());
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[
                            ("title", "title"),
                            ("body", "body"),
                            ("link", "link"),
                            ("user_ids", "to"),
                        ],
                    );
                    if errors.is_empty() {
                        toasts.error(e.message);
                    }
                }
            }
        });
    };
    view! {
        <form class="card form-card" id="send-message" on:submit=send novalidate=true>
            <h2>"Send a message"</h2>
            <Field id="message-title" label="Title" value=title error=errors.of("title") required=true/>
            <crate::components::field::TextArea id="message-body" label="Message" value=body error=errors.of("body")/>
            <Field id="message-link" label="Link to a page of the dashboard (optional)" value=link error=errors.of("link") hint="e.g. /agents/12"/>
            <fieldset class="checks">
                <legend>"To"</legend>
                <input class="search" type="search" aria-label="Find people" placeholder="Find people"
                    on:input=move |ev| search.set(event_target_value(&ev))/>
                {show(people, move |page: ejento_api::UserPage| view! {
                    <div class="checks">
                        {page.users.into_iter().map(|u| {
                            let (id, email) = (u.id, u.email.clone());
                            view! {
                                <label>
                                    <input type="checkbox" prop:checked=move || chosen.get().contains_key(&id)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            let email = email.clone();
                                            chosen.update(|c| { if on { c.insert(id, email); } else { c.remove(&id); } });
                                        }/>
                                    " "{u.email.clone()}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                })}
                <p class="muted small">{move || match chosen.get().len() {
                    0 => "Nobody chosen yet.".to_string(),
                    n => format!("{n} chosen: {}", chosen.get().values().cloned().collect::<Vec<_>>().join(", ")),
                }}</p>
                {move || errors.of("to").get().map(|m| view! { <p class="field-error">{m}</p> })}
            </fieldset>
            <button class="button primary" type="submit" id="send-message-button">"Send"</button>
        </form>
    }
}
