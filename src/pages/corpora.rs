//! Corpora: the list (search, indexing status, pages, create) and a corpus's page with tabs:
//! documents, retrieval test, and settings (connected agents, permissions).

use ejento_api::{
    Corpus, CorpusAgent, CorpusInput, CorpusPage, CorpusPermission, CorpusPermissionInput, INDEXING_MODES, validate,
};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{components::A, hooks::use_navigate};

use super::{FormError, agents::split_tags};
use crate::{
    api,
    components::{
        field::{Field, FormErrors, TextArea},
        load::{Load, confirm, empty, load, show},
        pager::{Pager, SearchBox},
        toast::use_toasts,
        url::{page_param, query_param, query_setter},
    },
    pages::documents::{CorpusDocuments, RetrievalTest},
};

#[component]
pub fn CorporaPage() -> impl IntoView {
    let search = query_param("search");
    let page = page_param();
    let refresh = RwSignal::new(0u32);
    let state = load(
        move || (search.get(), page.get(), refresh.get()),
        |(s, p, _)| async move { api::corpora::list(&s, p).await },
    );
    let creating = RwSignal::new(false);
    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Corpora"</h1>
                <button id="new-corpus" class="button primary" type="button" on:click=move |_| creating.update(|c| *c = !*c)>"New corpus"</button>
            </header>
            <Show when=move || creating.get()>
                <CorpusForm corpus=None on_saved=Callback::new(move |_: Corpus| {
                    creating.set(false);
                    refresh.update(|r| *r += 1);
                })/>
            </Show>
            <div class="toolbar"><SearchBox label="Search corpora"/></div>
            {show(state, |page: CorpusPage| {
                if page.corpora.is_empty() {
                    return empty("No corpora", "A corpus holds the documents agents answer from. Create one to start.").into_any();
                }
                let meta = page.meta;
                view! {
                    <table class="table" id="corpus-table">
                        <thead><tr><th>"Corpus"</th><th>"Documents"</th><th>"Indexing"</th><th>"Visibility"</th><th>"Your access"</th><th>"Tags"</th></tr></thead>
                        <tbody>
                            {page.corpora.into_iter().map(|c| view! {
                                <tr>
                                    <td><A href=format!("/corpora/{}", c.id)>{c.name.clone()}</A><div class="muted small">{c.description.clone()}</div></td>
                                    <td>
                                        {c.document_count}
                                        <div class="small">
                                            {(c.indexing.in_progress > 0).then(|| view! { <span class="badge step step-indexing">{format!("{} indexing", c.indexing.in_progress)}</span> })}
                                            {(c.indexing.failed > 0).then(|| view! { <span class="badge step step-failed">{format!("{} failed", c.indexing.failed)}</span> })}
                                        </div>
                                    </td>
                                    <td>{c.indexing_mode.mode.clone()}</td>
                                    <td>{if c.is_public { "Organization" } else { "Private" }}</td>
                                    <td>{c.my_access.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td>{c.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <Pager meta=meta/>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn CorpusForm(corpus: Option<Corpus>, on_saved: Callback<Corpus>) -> impl IntoView {
    let toasts = use_toasts();
    let id = corpus.as_ref().map(|c| c.id);
    let name = RwSignal::new(corpus.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let description = RwSignal::new(corpus.as_ref().map(|c| c.description.clone()).unwrap_or_default());
    let mode = RwSignal::new(corpus.as_ref().map(|c| c.indexing_mode.id).unwrap_or(3).to_string());
    let public = RwSignal::new(corpus.as_ref().is_some_and(|c| c.is_public));
    let refresh = RwSignal::new(corpus.as_ref().is_some_and(|c| c.refresh_enabled));
    let tags = RwSignal::new(corpus.as_ref().map(|c| c.tags.join(", ")).unwrap_or_default());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        if let Err(m) = validate::resource_name(&name.get_untracked(), "corpus") {
            errors.set("name", m);
            return;
        }
        let body = CorpusInput {
            name: Some(name.get_untracked()),
            description: Some(description.get_untracked()),
            indexing_mode_id: mode.get_untracked().parse().ok(),
            corpus_type: None,
            is_public: Some(public.get_untracked()),
            refresh_enabled: Some(refresh.get_untracked()),
            tags: Some(split_tags(&tags.get_untracked())),
        };
        leptos::task::spawn_local(async move {
            let result = match id {
                Some(id) => api::corpora::update(id, &body).await,
                None => api::corpora::create(&body).await,
            };
            match result {
                Ok(c) => {
                    toasts.success(if id.is_some() {
                        "Corpus saved."
                    } else {
                        "Corpus created."
                    });
                    on_saved.run(c);
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[
                            ("name", "name"),
                            ("description", "description"),
                            ("tags", "tags"),
                            ("indexing_mode_id", "mode"),
                        ],
                    );
                    server_error.set(Some(e.message));
                }
            }
        });
    };
    view! {
        <form id="corpus-form" class="card form-card" on:submit=submit novalidate=true>
            <FormError message=server_error/>
            <Field id="corpus-name" label="Name" value=name error=errors.of("name") required=true/>
            <TextArea id="corpus-description" label="Description" value=description error=errors.of("description") rows=2/>
            <div class="field-row">
                <div class="field">
                    <label for="corpus-mode">"Indexing mode"</label>
                    <select id="corpus-mode" on:change=move |ev| mode.set(event_target_value(&ev))>
                        {INDEXING_MODES.into_iter().map(|(value, label)| view! {
                            <option value=value.to_string() selected=move || mode.get() == value.to_string()>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field checkbox">
                    <label><input type="checkbox" prop:checked=move || public.get() on:change=move |ev| public.set(event_target_checked(&ev))/>" Visible to the whole organization"</label>
                    <label><input type="checkbox" prop:checked=move || refresh.get() on:change=move |ev| refresh.set(event_target_checked(&ev))/>" Refresh web links on a schedule"</label>
                </div>
            </div>
            <Field id="corpus-tags" label="Tags" value=tags error=errors.of("tags") hint="Separate tags with commas."/>
            <button id="corpus-save" class="button primary" type="submit">{if id.is_some() { "Save corpus" } else { "Create corpus" }}</button>
        </form>
    }
}

#[component]
pub fn CorpusDetail() -> impl IntoView {
    let id = crate::components::url::id_param();
    let state = load(move || id.get(), |id| async move { api::corpora::one(id).await });
    view! {
        <section class="page">
            {show(state, move |c: Corpus| view! { <CorpusView corpus=c state=state/> })}
        </section>
    }
}

#[component]
fn CorpusView(corpus: Corpus, state: RwSignal<Load<Corpus>>) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let id = corpus.id;
    // Settings and permissions are for the owner and organization administrators.
    let auth = expect_context::<crate::Auth>();
    let is_owner = auth.user.get_untracked().is_some_and(|u| {
        u.id == corpus.owner
            || matches!(
                u.role,
                ejento_api::OrgRole::GlobalAdmin | ejento_api::OrgRole::ApplicationAdmin
            )
    });
    let can_write = corpus.my_access.as_deref() == Some("Write");
    let tab = query_param("tab");
    let current_tab = move || {
        let t = tab.get();
        if t.is_empty() { "documents".to_string() } else { t }
    };
    let set_query = query_setter();
    let editing = RwSignal::new(false);
    let delete = move |_| {
        if !confirm("Delete this corpus? Agents connected to it lose it.") {
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::corpora::delete(id).await {
                Ok(()) => {
                    toasts.success("Corpus deleted.");
                    navigate("/corpora", Default::default());
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let default_sizing = ejento_api::ChunkSizing::of_indexing_mode(corpus.indexing_mode.id);
    view! {
        <header class="page-header">
            <div>
                <p class="crumbs"><A href="/corpora">"Corpora"</A></p>
                <h1 id="corpus-title">{corpus.name.clone()}</h1>
                <p class="lead">{corpus.description.clone()}</p>
                <p class="small">
                    <span class="badge">{corpus.indexing_mode.mode.clone()}</span>" "
                    <span class="badge">{if corpus.is_public { "Organization" } else { "Private" }}</span>" "
                    {corpus.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}
                    {corpus.indexing.meaning.clone().map(|m| view! {
                        " "<span class="badge" id="meaning-progress" title="Passages are found by words at once, by meaning once embedded">
                            {if m.embedded >= m.passages {
                                format!("Meaning: all {} passages", m.passages)
                            } else {
                                format!("Meaning: {} of {} passages embedded", m.embedded, m.passages)
                            }}
                        </span>
                    })}
                </p>
            </div>
            {is_owner.then(|| view! {
                <div class="header-actions">
                    <button class="button" type="button" on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                    <button class="button danger" type="button" on:click=delete.clone()>"Delete"</button>
                </div>
            })}
        </header>
        <Show when=move || editing.get()>
            <CorpusForm corpus=Some(corpus.clone()) on_saved=Callback::new(move |c| {
                editing.set(false);
                state.set(Load::Ready(c));
            })/>
        </Show>
        <nav class="tabs" role="tablist" aria-label="Corpus sections">
            {[("documents", "Documents"), ("retrieval", "Retrieval test"), ("access", "Agents & access")].into_iter().map(|(key, label)| {
                let set_tab = set_query.clone();
                view! {
                    <button type="button" role="tab" class="tab" id=format!("tab-{key}")
                        aria-selected=move || (current_tab() == key).to_string()
                        on:click=move |_| set_tab(&[("tab", key.to_string()), ("page", String::new())])>{label}</button>
                }
            }).collect_view()}
        </nav>
        <Show when=move || current_tab() == "documents">
            <CorpusDocuments corpus=id can_write=can_write
                default_sizing=default_sizing/>
        </Show>
        <Show when=move || current_tab() == "retrieval">
            <RetrievalTest corpus=id/>
        </Show>
        <Show when=move || current_tab() == "access">
        <div class="grid-2">
            <div>
                <ConnectedAgents corpus=id/>
            </div>
            {is_owner.then(|| view! { <Permissions corpus=id/> })}
        </div>
        </Show>
    }
}

#[component]
fn Permissions(corpus: i64) -> impl IntoView {
    let toasts = use_toasts();
    let refresh = RwSignal::new(0u32);
    let state = load(
        move || (corpus, refresh.get()),
        |(id, _)| async move { api::corpora::permissions(id).await },
    );
    let email = RwSignal::new(String::new());
    let access = RwSignal::new("Read".to_string());
    let error = RwSignal::new(None::<String>);
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
        let level = access.get_untracked();
        leptos::task::spawn_local(async move {
            let user = match api::users::list(&address, 1).await {
                Ok(page) => page.users.into_iter().find(|u| u.email == address),
                Err(e) => {
                    error.set(Some(e.message));
                    return;
                }
            };
            let Some(user) = user else {
                error.set(Some(format!("No one in your organization has the address {address}.")));
                return;
            };
            match api::corpora::grant(
                corpus,
                &CorpusPermissionInput {
                    user_id: user.id,
                    access: level,
                },
            )
            .await
            {
                Ok(_) => {
                    email.set(String::new());
                    refresh.update(|r| *r += 1);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Permissions"</h2>
            <form class="inline-form" on:submit=add novalidate=true>
                <label class="sr-only" for="permission-email">"E-mail"</label>
                <input id="permission-email" type="email" placeholder="colleague@example.com" prop:value=move || email.get()
                    on:input=move |ev| email.set(event_target_value(&ev))/>
                <label class="sr-only" for="permission-access">"Access"</label>
                <select id="permission-access" on:change=move |ev| access.set(event_target_value(&ev))>
                    <option value="Read">"Read"</option>
                    <option value="Write">"Write"</option>
                </select>
                <button class="button primary" type="submit">"Grant"</button>
            </form>
            <Show when=move || error.get().is_some()><p class="field-error" role="alert">{move || error.get()}</p></Show>
            {show(state, move |list: Vec<CorpusPermission>| {
                if list.is_empty() {
                    return view! { <p class="muted">"Only you (and administrators) have access."</p> }.into_any();
                }
                view! {
                    <ul class="link-list">
                        {list.into_iter().map(|p| {
                            let user = p.user_id;
                            view! {
                                <li>
                                    {format!("{} · {}", p.email, p.access)}" "
                                    <button class="button small danger" type="button" aria-label=format!("Remove access of {}", p.email)
                                        on:click=move |_| {
                                            if confirm("Remove this person's access?") {
                                                leptos::task::spawn_local(async move {
                                                    match api::corpora::revoke(corpus, user).await {
                                                        Ok(()) => refresh.update(|r| *r += 1),
                                                        Err(e) => toasts.error(e.message),
                                                    }
                                                });
                                            }
                                        }>"Remove"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

/// Agents that answer from this corpus: connect one, switch a connection on or off, disconnect.
/// The server checks that the caller administers the agent; its message explains a refusal.
#[component]
fn ConnectedAgents(corpus: i64) -> impl IntoView {
    let toasts = use_toasts();
    let tick = RwSignal::new(0u32);
    let agents = load(
        move || tick.get(),
        move |_| async move { api::corpora::agents(corpus).await },
    );
    let search = RwSignal::new(String::new());
    let candidates = load(
        move || search.get(),
        |s| async move {
            let filters = api::agents::Filters {
                search: s,
                ..Default::default()
            };
            api::agents::list(&filters, 1).await
        },
    );
    let chosen = RwSignal::new(String::new());
    let act = move |work: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), api::ApiError>>>>,
                    done: &'static str| {
        leptos::task::spawn_local(async move {
            match work.await {
                Ok(()) => {
                    toasts.success(done);
                    tick.update(|t| *t += 1);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let connect = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(agent) = chosen.get_untracked().parse::<i64>() else {
            toasts.error("Choose an agent first.");
            return;
        };
        act(Box::pin(api::corpora::connect_agent(corpus, agent)), "Agent connected.");
    };
    view! {
        <section class="card">
            <h2>"Connected agents"</h2>
            {show(agents, move |list: Vec<CorpusAgent>| {
                if list.is_empty() {
                    return view! { <p class="muted">"No agent uses this corpus yet."</p> }.into_any();
                }
                view! {
                    <ul class="link-list" id="connected-agents">
                        {list.into_iter().map(|a| {
                            let agent = a.agent_id;
                            let enabled = a.is_enabled;
                            view! {
                                <li>
                                    <A href=format!("/agents/{agent}")>{a.agent_name.clone()}</A>
                                    <span class="muted">{if a.is_default { " · default corpus" } else { "" }}</span>
                                    <button class="button small" type="button"
                                        aria-pressed=enabled.to_string()
                                        on:click=move |_| act(
                                            Box::pin(api::corpora::set_agent_enabled(corpus, agent, !enabled)),
                                            if enabled { "The agent no longer searches this corpus." } else { "The agent searches this corpus again." },
                                        )>
                                        {if enabled { "Enabled" } else { "Disabled" }}
                                    </button>
                                    {(!a.is_default).then(|| view! {
                                        <button class="button small danger" type="button"
                                            on:click=move |_| act(Box::pin(api::corpora::disconnect_agent(corpus, agent)), "Agent disconnected.")>
                                            "Disconnect"
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
            <form class="toolbar" on:submit=connect>
                <label for="agent-search" class="sr-only">"Find an agent"</label>
                <input id="agent-search" type="search" placeholder="Find an agent…"
                    on:change=move |ev| search.set(event_target_value(&ev))/>
                <label for="agent-choice" class="sr-only">"Agent"</label>
                <select id="agent-choice" on:change=move |ev| chosen.set(event_target_value(&ev))>
                    <option value="">"Choose an agent"</option>
                    {move || candidates.get().ready().map(|p| p.agents.iter().map(|a| view! {
                        <option value=a.id.to_string()>{a.agent_name.clone()}</option>
                    }).collect_view())}
                </select>
                <button id="connect-agent" class="button" type="submit">"Connect"</button>
            </form>
        </section>
    }
}
