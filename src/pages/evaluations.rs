//! Evaluations: an agent's datasets of questions with expected answers, built by hand, imported
//! (CSV or JSON Lines) or picked from answered questions in the chat logs, edited inline; and
//! the dataset's runs, started with a chosen model and judge, followed live, stopped and
//! resumed, charted metric by metric across runs, and picked two at a time for comparison.
//! A run's results and the comparison live in `evaluation_runs`.

use std::collections::BTreeSet;

use ejento_api::{
    AgentPage, ChatLogPage, EvaluationDataset, EvaluationDatasetInput, EvaluationDatasetPage, EvaluationInput,
    EvaluationMetric, EvaluationMetricInput, EvaluationPage, EvaluationQuery, EvaluationQueryInput,
    EvaluationQueryPage, EvaluationQueryUpdate, LlmConfiguration, ResourceRole, validate,
};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{components::A, hooks::use_navigate};
use wasm_bindgen::JsCast;

use super::{
    FormError,
    evaluation_runs::{RunStatus, score_text},
};
use crate::{
    api,
    components::{
        chart::EChart,
        field::{Field, FormErrors},
        gate::{RoleNeed, allows},
        load::{Load, confirm, empty, load, show},
        pager::{Pager, SearchBox},
        toast::use_toasts,
        url::{id_param, page_param, query_param, query_setter},
    },
};

/// `/evaluations`: the datasets of one agent (`?agent=`, the first agent by default). Only
/// agents the person administers can be evaluated, so only those are offered.
#[component]
pub fn EvaluationsPage() -> impl IntoView {
    let org_admin = allows(RoleNeed::OrgAdmin);
    let agents = load(
        move || org_admin.get(),
        |org_admin| async move {
            api::agents::all_visible().await.map(|mut page: AgentPage| {
                page.agents
                    .retain(|a| org_admin || a.my_role == Some(ResourceRole::Admin));
                page
            })
        },
    );
    let chosen = query_param("agent");
    let set = query_setter();
    let agent = Signal::derive(move || {
        agents.with(|a| {
            let list = &a.ready()?.agents;
            let chosen = chosen
                .get()
                .parse::<i64>()
                .ok()
                .filter(|c| list.iter().any(|a| a.id == *c));
            chosen.or_else(|| list.first().map(|a| a.id))
        })
    });
    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Evaluations"</h1>
            </header>
            <p class="muted">"Measure an agent on a dataset of questions with expected answers, change it, run again, and see exactly what got better or worse."</p>
            {show(agents, move |page: AgentPage| {
                if page.agents.is_empty() {
                    return empty(
                        "You need to be an Admin of an agent to evaluate it",
                        "Evaluations measure agents you administer. Create an agent, or ask an agent's Admin to make you one.",
                    )
                    .into_any();
                }
                let set = set.clone();
                view! {
                    <div class="toolbar">
                        <label for="evaluation-agent">"Agent"</label>
                        <select
                            id="evaluation-agent"
                            on:change=move |ev| set(&[("agent", event_target_value(&ev)), ("page", String::new())])
                        >
                            {page.agents.into_iter().map(|a| {
                                let id = a.id;
                                view! { <option value=id.to_string() selected=move || agent.get() == Some(id)>{a.agent_name}</option> }
                            }).collect_view()}
                        </select>
                        <SearchBox label="Search datasets"/>
                    </div>
                    {move || agent.get().map(|agent| view! { <Datasets agent=agent/> })}
                }
                .into_any()
            })}
            <MetricsCard/>
        </section>
    }
}

#[component]
fn Datasets(agent: i64) -> impl IntoView {
    let search = query_param("search");
    let page = page_param();
    let state = load(
        move || (search.get(), page.get()),
        move |(s, p)| async move { api::evaluations::datasets(agent, &s, p).await },
    );
    let navigate = use_navigate();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        if let Err(m) = validate::resource_name(&name.get_untracked(), "dataset") {
            errors.set("name", m);
            return;
        }
        let body = EvaluationDatasetInput {
            name: name.get_untracked(),
            description: description.get_untracked(),
            tags: tags
                .get_untracked()
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::evaluations::create_dataset(agent, &body).await {
                Ok(d) => {
                    toasts.success("Dataset created.");
                    navigate(&format!("/evaluations/datasets/{}", d.id), Default::default());
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[("name", "name"), ("description", "description"), ("tags", "tags")],
                    );
                    server_error.set(Some(e.message));
                }
            }
        });
    };
    view! {
        <details class="card" id="new-dataset">
            <summary>"New dataset"</summary>
            <form id="dataset-form" class="form-card" on:submit=create novalidate=true>
                <FormError message=server_error/>
                <Field id="dataset-name" label="Name" value=name error=errors.of("name") required=true/>
                <Field id="dataset-description" label="Description" value=description error=errors.of("description")/>
                <Field id="dataset-tags" label="Tags" value=tags error=errors.of("tags") hint="Separated by commas, e.g. billing, regression"/>
                <button class="button primary" type="submit">"Create dataset"</button>
            </form>
        </details>
        {show(state, |page: EvaluationDatasetPage| {
            if page.datasets.is_empty() {
                return empty("No datasets", "Create one, then add questions by hand, from a file or from the chat logs.").into_any();
            }
            let meta = page.meta;
            view! {
                <table class="table" id="dataset-list">
                    <thead><tr><th>"Dataset"</th><th>"Questions"</th><th>"Tags"</th><th>"Changed"</th></tr></thead>
                    <tbody>
                        {page.datasets.into_iter().map(|d| view! {
                            <tr>
                                <td><A href=format!("/evaluations/datasets/{}", d.id)>{d.name.clone()}</A><div class="muted small">{d.description.clone()}</div></td>
                                <td>{d.query_count}</td>
                                <td>{d.tags.iter().map(|t| view! { <span class="badge">{t.clone()}</span>" " }).collect_view()}</td>
                                <td class="muted small">{crate::clock::local_minute(&d.modified_on)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <Pager meta=meta/>
            }
            .into_any()
        })}
    }
}

const TABS: [(&str, &str); 2] = [("questions", "Questions"), ("runs", "Runs")];

/// `/evaluations/datasets/:id`: questions and runs.
#[component]
pub fn DatasetPage() -> impl IntoView {
    let id = id_param();
    let tick = RwSignal::new(0u32);
    // Kept here: adding a question reloads the dataset (its counts), which redraws the tab.
    let adding = RwSignal::new(false);
    let state = load(
        move || (id.get(), tick.get()),
        |(id, _)| async move { api::evaluations::dataset(id).await },
    );
    let tab = query_param("tab");
    let set = query_setter();
    let navigate = use_navigate();
    let toasts = use_toasts();
    view! {
        <section class="page">
            {show(state, move |d: EvaluationDataset| {
                let (set, navigate) = (set.clone(), navigate.clone());
                let delete = move |_| {
                    if !confirm("Delete this dataset, its questions and its runs?") {
                        return;
                    }
                    let navigate = navigate.clone();
                    leptos::task::spawn_local(async move {
                        match api::evaluations::delete_dataset(d.id).await {
                            Ok(()) => {
                                toasts.success("Dataset deleted.");
                                navigate(&format!("/evaluations?agent={}", d.agent), Default::default());
                            }
                            Err(e) => toasts.error(e.message),
                        }
                    });
                };
                let current = move || if tab.get() == "runs" { "runs" } else { "questions" };
                view! {
                    <header class="page-header">
                        <div>
                            <p class="muted small"><A href=format!("/evaluations?agent={}", d.agent)>"← Datasets of this agent"</A></p>
                            <h1 id="dataset-title">{d.name.clone()}</h1>
                            <p class="muted">{d.description.clone()}" "{d.tags.iter().map(|t| view! { <span class="badge">{t.clone()}</span>" " }).collect_view()}</p>
                        </div>
                        <div class="actions">
                            <A href=format!("/agents/{}?tab=configuration", d.agent) attr:class="button">"Agent settings"</A>
                            <button id="delete-dataset" class="button danger" type="button" on:click=delete>"Delete"</button>
                        </div>
                    </header>
                    <nav class="tabs" role="tablist" aria-label="Dataset sections">
                        {TABS.into_iter().map(|(key, label)| {
                            let set = set.clone();
                            view! {
                                <button
                                    id=format!("tab-{key}")
                                    class="tab"
                                    role="tab"
                                    type="button"
                                    aria-selected=move || (current() == key).to_string()
                                    on:click=move |_| set(&[("tab", if key == "questions" { String::new() } else { key.to_string() }), ("page", String::new())])
                                >
                                    {label}
                                    {(key == "questions").then(|| format!(" ({})", d.query_count))}
                                </button>
                            }
                        }).collect_view()}
                    </nav>
                    <div class="tab-panel" role="tabpanel">
                        {move || match current() {
                            "runs" => view! { <RunsTab dataset=d.id/> }.into_any(),
                            _ => view! { <QuestionsTab dataset=d.id agent=d.agent adding=adding on_change=Callback::new(move |_| tick.update(|t| *t += 1))/> }.into_any(),
                        }}
                    </div>
                }
            })}
        </section>
    }
}

/// `a; b ;c` → titles.
fn sources_of(text: &str) -> Vec<String> {
    text.split(';')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[component]
fn QuestionsTab(
    dataset: i64,
    agent: i64,
    /// Whether "Add a question" is open: it stays open from one question to the next.
    adding: RwSignal<bool>,
    on_change: Callback<()>,
) -> impl IntoView {
    let page = page_param();
    let tick = RwSignal::new(0u32);
    let state = load(
        move || (page.get(), tick.get()),
        move |(p, _)| async move { api::evaluations::queries(dataset, p).await },
    );
    let changed = move || {
        tick.update(|t| *t += 1);
        on_change.run(());
    };
    let toasts = use_toasts();
    // Adding one by hand.
    let question = RwSignal::new(String::new());
    let expected = RwSignal::new(String::new());
    let sources = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        if question.get_untracked().trim().is_empty() {
            errors.set("question", "Write the question.");
            return;
        }
        let body = EvaluationQueryInput {
            question: Some(question.get_untracked()),
            expected_answer: Some(expected.get_untracked()),
            expected_sources: sources_of(&sources.get_untracked()),
            ..Default::default()
        };
        leptos::task::spawn_local(async move {
            match api::evaluations::add_queries(dataset, &body).await {
                Ok(_) => {
                    question.set(String::new());
                    expected.set(String::new());
                    sources.set(String::new());
                    toasts.success("Question added.");
                    changed();
                }
                Err(e) => {
                    errors.absorb(&e, &[("question", "question"), ("expected_answer", "expected")]);
                    if errors.is_empty() {
                        toasts.error(e.message);
                    }
                }
            }
        });
    };
    view! {
        <div class="panel-row">
            <details class="card" id="add-question" prop:open=move || adding.get()
                on:toggle=move |ev| adding.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
                <summary>"Add a question"</summary>
                <form class="form-card" on:submit=add novalidate=true>
                    <Field id="question-text" label="Question" value=question error=errors.of("question") required=true/>
                    <Field id="question-expected" label="Expected answer" value=expected error=errors.of("expected")/>
                    <Field id="question-sources" label="Expected sources" value=sources error=errors.of("sources") hint="Document titles separated by ;"/>
                    <button class="button primary" type="submit">"Add question"</button>
                </form>
            </details>
            <ImportCard dataset=dataset on_added=Callback::new(move |_| changed())/>
            <ChatLogPicker dataset=dataset agent=agent on_added=Callback::new(move |_| changed())/>
        </div>
        {show(state, move |page: EvaluationQueryPage| {
            if page.evaluation_queries.is_empty() {
                return empty("No questions yet", "Add some by hand, import a file, or pick answered questions from the chat logs.").into_any();
            }
            let meta = page.meta;
            view! {
                <table class="table" id="question-list">
                    <thead><tr><th>"Question"</th><th>"Expected answer"</th><th>"Expected sources"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                    <tbody>
                        {page.evaluation_queries.into_iter().map(|q| view! { <QuestionRow query=q on_change=Callback::new(move |_| changed())/> }).collect_view()}
                    </tbody>
                </table>
                <Pager meta=meta/>
            }
            .into_any()
        })}
    }
}

/// One question, edited in place: Enter saves, Escape cancels.
#[component]
fn QuestionRow(query: EvaluationQuery, on_change: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let editing = RwSignal::new(false);
    let question = RwSignal::new(query.question.clone());
    let expected = RwSignal::new(query.expected_answer.clone());
    let sources = RwSignal::new(query.expected_sources.join("; "));
    let error = RwSignal::new(None::<String>);
    let id = query.id;
    let save = move || {
        error.set(None);
        let body = EvaluationQueryUpdate {
            question: question.get_untracked(),
            expected_answer: expected.get_untracked(),
            expected_sources: sources_of(&sources.get_untracked()),
        };
        leptos::task::spawn_local(async move {
            match api::evaluations::update_query(id, &body).await {
                Ok(_) => {
                    editing.set(false);
                    toasts.success("Question saved.");
                    on_change.run(());
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let (q0, e0, s0) = (
        query.question.clone(),
        query.expected_answer.clone(),
        query.expected_sources.join("; "),
    );
    let keys = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            save();
        }
        "Escape" => {
            question.set(q0.clone());
            expected.set(e0.clone());
            sources.set(s0.clone());
            error.set(None);
            editing.set(false);
        }
        _ => {}
    };
    let delete = move |_| {
        if !confirm("Delete this question? Runs keep the results they already have.") {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::evaluations::delete_query(id).await {
                Ok(()) => on_change.run(()),
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let keys = Callback::new(keys);
    let input = move |label: &'static str, value: RwSignal<String>| {
        view! {
            <input class="inline-input" aria-label=label prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:keydown=move |ev| keys.run(ev)/>
        }
    };
    view! {
        <tr class="question-row" data-id=id>
            {move || if editing.get() {
                view! {
                    <td>{input("Question", question)}{move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}</td>
                    <td>{input("Expected answer", expected)}</td>
                    <td>{input("Expected sources", sources)}</td>
                    <td class="actions">
                        <button class="button primary save-question" type="button" on:click=move |_| save()>"Save"</button>
                        <button class="button" type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </td>
                }
                .into_any()
            } else {
                view! {
                    <td>{move || question.get()}</td>
                    <td class="muted">{move || { let e = expected.get(); if e.is_empty() { "—".to_string() } else { e } }}</td>
                    <td class="muted small">{move || sources.get()}</td>
                    <td class="actions">
                        <button class="button edit-question" type="button" on:click=move |_| editing.set(true)>"Edit"</button>
                        <button class="button danger" type="button" aria-label="Delete question" on:click=delete>"Delete"</button>
                    </td>
                }
                .into_any()
            }}
        </tr>
    }
}

/// Import questions from a CSV (with a header row) or JSON Lines file.
#[component]
fn ImportCard(dataset: i64, on_added: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let problems = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let picked = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let name = file.name().to_lowercase();
        problems.set(Vec::new());
        busy.set(true);
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|t| t.as_string());
            let Some(text) = text else {
                problems.set(vec!["The file could not be read as text.".into()]);
                busy.set(false);
                return;
            };
            let body = EvaluationQueryInput {
                import: Some(text),
                import_format: if name.ends_with(".csv") {
                    Some("csv".into())
                } else if name.ends_with(".jsonl") || name.ends_with(".json") {
                    Some("jsonl".into())
                } else {
                    None
                },
                ..Default::default()
            };
            match api::evaluations::add_queries(dataset, &body).await {
                Ok(added) => {
                    toasts.success(format!("{} question(s) imported.", added.len()));
                    on_added.run(());
                }
                Err(e) => {
                    let mut lines: Vec<String> = e.errors.values().flatten().cloned().collect();
                    if lines.is_empty() {
                        lines.push(e.message);
                    }
                    problems.set(lines);
                }
            }
            busy.set(false);
        });
    };
    view! {
        <details class="card" id="import-questions">
            <summary>"Import a file"</summary>
            <div class="form-card">
                <p class="muted small">"CSV with a header row (question, expected_answer, expected_sources separated by ;) or JSON Lines with the same keys. Nothing is added if a line is wrong."</p>
                <label class="button" for="import-file">"Choose a CSV or JSONL file"</label>
                <input id="import-file" class="sr-only" type="file" accept=".csv,.jsonl,.json,.txt" on:change=picked/>
                {move || busy.get().then(|| view! { <p class="loading" role="status">"Importing…"</p> })}
                {move || (!problems.get().is_empty()).then(|| view! {
                    <div class="form-error" role="alert" id="import-problems">
                        <p>"Nothing was imported:"</p>
                        <ul>{problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                    </div>
                })}
            </div>
        </details>
    }
}

/// Answered questions of the agent's chat logs, picked with checkboxes; their answers become
/// the expected ones.
#[component]
fn ChatLogPicker(dataset: i64, agent: i64, on_added: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let open = RwSignal::new(false);
    let page = RwSignal::new(1u64);
    let logs = RwSignal::new(Load::<ChatLogPage>::Loading);
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let p = page.get();
        leptos::task::spawn_local(async move {
            let filters = [
                ("agent_id".to_string(), agent.to_string()),
                ("status".to_string(), "completed".to_string()),
            ];
            logs.try_set(match api::chat_logs::search(&filters, p).await {
                Ok(v) => Load::Ready(v),
                Err(e) => Load::Failed(e),
            });
        });
    });
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let add = move |_| {
        let ids: Vec<i64> = selected.get_untracked().into_iter().collect();
        let body = EvaluationQueryInput {
            agent_response_ids: ids,
            ..Default::default()
        };
        leptos::task::spawn_local(async move {
            match api::evaluations::add_queries(dataset, &body).await {
                Ok(added) => {
                    toasts.success(format!("{} question(s) added from the chat logs.", added.len()));
                    selected.set(BTreeSet::new());
                    on_added.run(());
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    view! {
        <details class="card" id="pick-from-logs" on:toggle=move |ev| {
            if let Some(d) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()) {
                open.set(d.open());
            }
        }>
            <summary>"Pick from the chat logs"</summary>
            <div class="form-card">
                {move || match logs.get() {
                    Load::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
                    Load::Failed(e) => crate::components::load::failure(e).into_any(),
                    Load::Ready(p) if p.chatlogs.is_empty() => empty("No answered questions", "Ask this agent something in the chat first.").into_any(),
                    Load::Ready(p) => {
                        let meta = p.meta;
                        view! {
                            <ul class="pick-list" id="chat-log-picks">
                                {p.chatlogs.into_iter().map(|l| {
                                    let id = l.id;
                                    let answer: String = l.answer.chars().take(160).collect();
                                    view! {
                                        <li>
                                            <label>
                                                <input type="checkbox" class="pick-log" value=id.to_string()
                                                    prop:checked=move || selected.with(|s| s.contains(&id))
                                                    on:change=move |_| selected.update(|s| { if !s.remove(&id) { s.insert(id); } })/>
                                                " "<strong>{l.question}</strong>
                                            </label>
                                            <p class="muted small">{answer}</p>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <div class="toolbar">
                                <button class="button" type="button" disabled={meta.current_page <= 1} on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>"← Newer"</button>
                                <span class="muted small">{format!("Page {} of {}", meta.current_page, meta.num_pages.max(1))}</span>
                                <button class="button" type="button" disabled={meta.current_page >= meta.num_pages} on:click=move |_| page.update(|p| *p += 1)>"Older →"</button>
                            </div>
                        }
                        .into_any()
                    }
                }}
                <button id="add-picked" class="button primary" type="button" disabled=move || selected.with(BTreeSet::is_empty) on:click=add>
                    {move || format!("Add {} selected", selected.with(BTreeSet::len))}
                </button>
            </div>
        </details>
    }
}

/// The model configurations a run may answer or be judged with.
fn model_options(llms: &[LlmConfiguration], judges_only: bool) -> Vec<(String, String)> {
    llms.iter()
        .filter(|l| l.is_enabled && (!judges_only || l.provider == "openai-compatible"))
        .map(|l| (l.id.to_string(), l.model_name.clone()))
        .collect()
}

#[component]
fn RunsTab(dataset: i64) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let tick = RwSignal::new(0u32);
    let runs = load(
        move || tick.get(),
        move |_| async move { api::evaluations::runs(dataset).await },
    );
    let llms = load(|| (), |_| async { api::agents::llm_configurations().await });
    // Runs change on the server: poll while one is waiting or running.
    let busy = move || {
        runs.with(|r| {
            r.ready()
                .is_some_and(|p| p.evaluations.iter().any(|e| RunStatus::of(&e.status).is_live()))
        })
    };
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if busy() {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_millis(1000),
    ) {
        on_cleanup(move || handle.clear());
    }
    let name = RwSignal::new(String::new());
    let model = RwSignal::new(String::new());
    let judge = RwSignal::new(String::new());
    let server_error = RwSignal::new(None::<String>);
    let start = move |ev: SubmitEvent| {
        ev.prevent_default();
        server_error.set(None);
        let body = EvaluationInput {
            dataset_id: dataset,
            name: Some(name.get_untracked()).filter(|n| !n.trim().is_empty()),
            llm_config_id: model.get_untracked().parse().ok(),
            judge_llm_config_id: judge.get_untracked().parse().ok(),
        };
        leptos::task::spawn_local(async move {
            match api::evaluations::start_run(&body).await {
                Ok(_) => {
                    name.set(String::new());
                    toasts.success("Run started.");
                    tick.update(|t| *t += 1);
                }
                Err(e) => server_error.set(Some(e.message)),
            }
        });
    };
    let selected = RwSignal::new(Vec::<i64>::new());
    let compare = move |_| {
        let mut ids = selected.get_untracked();
        ids.sort();
        if let [base, candidate] = ids[..] {
            navigate(
                &format!("/evaluations/compare?base={base}&candidate={candidate}"),
                Default::default(),
            );
        }
    };
    view! {
        <form id="start-run" class="card form-card inline-form" on:submit=start novalidate=true>
            <FormError message=server_error/>
            <div class="field">
                <label for="run-name">"Run name"</label>
                <input id="run-name" placeholder="e.g. Shorter prompt" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </div>
            {move || {
                let options = llms.with(|l| l.ready().cloned().unwrap_or_default());
                let (answer, judge_options) = (model_options(&options, false), model_options(&options, true));
                view! {
                    <div class="field">
                        <label for="run-model">"Answer with"</label>
                        <select id="run-model" on:change=move |ev| model.set(event_target_value(&ev))>
                            <option value="">"The agent's own model"</option>
                            {answer.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="run-judge">"LLM judge"</label>
                        <select id="run-judge" on:change=move |ev| judge.set(event_target_value(&ev))>
                            <option value="">"None: local metrics only"</option>
                            {judge_options.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                    </div>
                }
            }}
            <button id="start-run-button" class="button primary" type="submit">"Start run"</button>
        </form>
        {show(runs, move |page: EvaluationPage| {
            if page.evaluations.is_empty() {
                return empty("No runs yet", "Start one: every question is asked of the agent and scored.").into_any();
            }
            let mut metrics: Vec<(i64, String)> = Vec::new();
            for m in page.evaluations.iter().flat_map(|e| &e.summary.metrics) {
                if !metrics.iter().any(|(id, _)| *id == m.metric_id) {
                    metrics.push((m.metric_id, m.name.clone()));
                }
            }
            metrics.sort();
            let chart = runs_chart(&page, &metrics);
            let header = metrics.clone();
            view! {
                {chart.map(|c| view! {
                    <div class="card">
                        <h2 class="card-title">"Metrics across runs"</h2>
                        <EChart id="runs-chart" label="Average of each metric in each completed run, oldest first".to_string() options=Signal::derive(move || Some(c.clone()))/>
                    </div>
                })}
                <div class="toolbar">
                    <button id="compare-runs" class="button primary" type="button" disabled=move || selected.with(|s| s.len() != 2) on:click=compare.clone()>
                        "Compare the two selected"
                    </button>
                    <span class="muted small">"Tick two runs: the older is the base."</span>
                </div>
                <div class="table-scroll">
                    <table class="table" id="run-list">
                        <thead><tr>
                            <th><span class="sr-only">"Select"</span></th>
                            <th>"Run"</th><th>"Status"</th>
                            {header.into_iter().map(|(_, n)| view! { <th class="num">{n}</th> }).collect_view()}
                            <th class="num">"Cost"</th><th><span class="sr-only">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                            {page.evaluations.into_iter().map(|e| {
                                let id = e.id;
                                let status = RunStatus::of(&e.status);
                                let scores = metrics.iter().map(|(mid, _)| {
                                    let avg = e.summary.metrics.iter().find(|m| m.metric_id == *mid).and_then(|m| m.average);
                                    view! { <td class="num">{score_text(avg)}</td> }
                                }).collect_view();
                                let act = move |to: &'static str| move |_| {
                                    leptos::task::spawn_local(async move {
                                        match api::evaluations::set_run_status(id, to).await {
                                            Ok(_) => tick.update(|t| *t += 1),
                                            Err(e) => toasts.error(e.message),
                                        }
                                    });
                                };
                                view! {
                                    <tr class="run-row" data-status=e.status.clone()>
                                        <td><input type="checkbox" class="pick-run" aria-label=format!("Select {}", e.name)
                                            prop:checked=move || selected.with(|s| s.contains(&id))
                                            on:change=move |_| selected.update(|s| {
                                                if let Some(i) = s.iter().position(|x| *x == id) { s.remove(i); } else { s.push(id); if s.len() > 2 { s.remove(0); } }
                                            })/></td>
                                        <td><A href=format!("/evaluations/runs/{id}")>{e.name.clone()}</A>
                                            <div class="muted small">{e.configuration.model.clone()}{e.configuration.judge.clone().map(|j| format!(" · judged by {j}"))}</div></td>
                                        <td><RunProgress status=e.status.clone() done=e.done total=e.total/></td>
                                        {scores}
                                        <td class="num">{format!("${}", e.summary.cost)}</td>
                                        <td class="actions">
                                            {status.is_live().then(|| view! { <button class="button stop-run" type="button" on:click=act("cancelled")>"Stop"</button> })}
                                            {status.resumable().then(|| view! { <button class="button resume-run" type="button" on:click=act("pending")>"Resume"</button> })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        })}
    }
}

/// A run's status with its progress bar while it is on its way.
#[component]
pub(crate) fn RunProgress(status: String, done: i64, total: i64) -> impl IntoView {
    let live = RunStatus::of(&status).is_live();
    view! {
        <span class=format!("badge status-{status}")>{status.clone()}</span>
        " "<span class="muted small run-count">{format!("{done}/{total}")}</span>
        {live.then(|| view! { <progress class="bar" max=total value=done aria-label=format!("{done} of {total} questions answered")></progress> })}
    }
}

/// One line per metric: its average in each completed run, oldest run first.
fn runs_chart(page: &EvaluationPage, metrics: &[(i64, String)]) -> Option<charming::Chart> {
    use charming::{
        Chart,
        component::{Axis, Grid, Legend},
        element::{AxisType, Tooltip, Trigger},
        series::Line,
    };
    let mut done: Vec<_> = page.evaluations.iter().filter(|e| e.status == "completed").collect();
    if done.is_empty() || metrics.is_empty() {
        return None;
    }
    done.sort_by_key(|e| e.id);
    let labels: Vec<String> = done.iter().map(|e| e.name.clone()).collect();
    let mut chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new())
        .grid(Grid::new().left("3%").right("3%").bottom("3%").contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).min(0).max(1));
    for (id, name) in metrics {
        let values: Vec<Option<f64>> = done
            .iter()
            .map(|e| {
                e.summary
                    .metrics
                    .iter()
                    .find(|m| m.metric_id == *id)
                    .and_then(|m| m.average)
            })
            .collect();
        let values: Vec<f64> = values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        chart = chart.series(Line::new().name(name.as_str()).data(values));
    }
    Some(chart)
}

/// The metrics answers are scored by: the built-in ones (computed) and the organization's own
/// (scored by people in a run's results), which administrators add and remove here.
#[component]
fn MetricsCard() -> impl IntoView {
    let toasts = use_toasts();
    let tick = RwSignal::new(0u32);
    let metrics = load(move || tick.get(), |_| async { api::evaluations::metrics().await });
    let name = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let server_error = RwSignal::new(None::<String>);
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        server_error.set(None);
        if name.get_untracked().trim().is_empty() {
            errors.set("name", "Name the metric.");
            return;
        }
        let body = EvaluationMetricInput {
            name: name.get_untracked(),
            category: category.get_untracked(),
            description: description.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match api::evaluations::create_metric(&body).await {
                Ok(_) => {
                    name.set(String::new());
                    category.set(String::new());
                    description.set(String::new());
                    toasts.success("Metric created: score it in a run's results.");
                    tick.update(|t| *t += 1);
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[
                            ("name", "name"),
                            ("category", "category"),
                            ("description", "description"),
                        ],
                    );
                    server_error.set(Some(e.message));
                }
            }
        });
    };
    view! {
        <details class="card" id="metrics-card">
            <summary>"Metrics"</summary>
            {show(metrics, move |list: Vec<EvaluationMetric>| view! {
                <table class="table compact" id="metric-list">
                    <thead><tr><th>"Metric"</th><th>"Category"</th><th>"How"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|m| {
                            let id = m.id;
                            let remove = move |_| {
                                if !confirm("Delete this metric? Scores already given stay in past runs.") {
                                    return;
                                }
                                leptos::task::spawn_local(async move {
                                    match api::evaluations::delete_metric(id).await {
                                        Ok(()) => tick.update(|t| *t += 1),
                                        Err(e) => toasts.error(e.message),
                                    }
                                });
                            };
                            view! {
                                <tr>
                                    <td><strong>{m.name.clone()}</strong><div class="muted small">{m.description.clone()}</div></td>
                                    <td>{m.category.clone()}</td>
                                    <td>{if m.builtin { "Computed" } else { "Scored by people" }}</td>
                                    <td class="actions">{(!m.builtin).then(|| view! { <button class="button danger" type="button" on:click=remove>"Delete"</button> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            <form id="metric-form" class="form-card" on:submit=create novalidate=true>
                <h3>"Your own metric"</h3>
                <FormError message=server_error/>
                <Field id="metric-name" label="Name" value=name error=errors.of("name") required=true/>
                <Field id="metric-category" label="Category" value=category error=errors.of("category")/>
                <Field id="metric-description" label="What a 1 means" value=description error=errors.of("description")/>
                <button class="button primary" type="submit">"Add metric"</button>
            </form>
        </details>
    }
}
