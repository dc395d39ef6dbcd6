//! Admin → Guardrails: the organization's guardrails (create, edit, turn on and off, delete)
//! and a tester that shows what they would do to a text. Tested text and results are shown as
//! text only.

use ejento_api::{
    ApplyGuardrails, BlockedTopic, GUARDRAIL_TYPES, Guardrail, GuardrailConfig, GuardrailInput, GuardrailPage,
    GuardrailResult, PII_KINDS,
};
use leptos::{ev::SubmitEvent, prelude::*};

use super::admin::{AdminNav, is_org_admin, org_id};
use crate::{
    api,
    components::{
        field::{Field, FormErrors, TextArea},
        load::{confirm, empty, load, show},
        pager::Pager,
        toast::use_toasts,
        url::page_param,
    },
};

fn type_label(name: &str) -> &'static str {
    GUARDRAIL_TYPES
        .iter()
        .find(|t| t.1 == name)
        .map(|t| t.2)
        .unwrap_or("Guardrail")
}

/// What a guardrail looks for, in a line.
fn summary(g: &Guardrail) -> String {
    let c = &g.config;
    match g.guardrail_type.as_str() {
        "pii" if c.pii_types.is_empty() => "All personal data".into(),
        "pii" => c
            .pii_types
            .iter()
            .filter_map(|k| PII_KINDS.iter().find(|p| p.0 == k).map(|p| p.1))
            .collect::<Vec<_>>()
            .join(", "),
        "blocked_terms" => c.terms.join(", "),
        "blocked_topics" => c.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", "),
        _ => format!("{} characters", c.max_characters.unwrap_or_default()),
    }
}

/// The form's fields, as text the person types.
#[derive(Clone, Copy)]
struct Draft {
    editing: RwSignal<Option<i64>>,
    name: RwSignal<String>,
    kind: RwSignal<String>,
    applies_to: RwSignal<String>,
    action: RwSignal<String>,
    pii: RwSignal<Vec<String>>,
    terms: RwSignal<String>,
    topics: RwSignal<String>,
    max_characters: RwSignal<String>,
    /// "" for every agent, else one agent's id.
    agent: RwSignal<String>,
}

impl Draft {
    fn new() -> Self {
        Self {
            editing: RwSignal::new(None),
            name: RwSignal::new(String::new()),
            kind: RwSignal::new("pii".into()),
            applies_to: RwSignal::new("both".into()),
            action: RwSignal::new("redact".into()),
            pii: RwSignal::new(Vec::new()),
            terms: RwSignal::new(String::new()),
            topics: RwSignal::new(String::new()),
            max_characters: RwSignal::new("2000".into()),
            agent: RwSignal::new(String::new()),
        }
    }

    fn fill(&self, g: &Guardrail) {
        self.editing.set(Some(g.id));
        self.name.set(g.name.clone());
        self.kind.set(g.guardrail_type.clone());
        self.applies_to.set(g.applies_to.clone());
        self.action.set(g.action.clone());
        self.pii.set(g.config.pii_types.clone());
        self.terms.set(g.config.terms.join("\n"));
        self.topics.set(
            g.config
                .topics
                .iter()
                .map(|t| format!("{}: {}", t.name, t.keywords.join(", ")))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        self.max_characters
            .set(g.config.max_characters.map(|m| m.to_string()).unwrap_or_default());
        self.agent.set(g.agent_id.map(|a| a.to_string()).unwrap_or_default());
    }

    fn reset(&self) {
        let fresh = Self::new();
        self.editing.set(None);
        self.name.set(String::new());
        self.kind.set(fresh.kind.get_untracked());
        self.applies_to.set(fresh.applies_to.get_untracked());
        self.action.set(fresh.action.get_untracked());
        self.pii.set(Vec::new());
        self.terms.set(String::new());
        self.topics.set(String::new());
        self.max_characters.set(fresh.max_characters.get_untracked());
        self.agent.set(String::new());
    }

    /// The request; a topic line is `Name: keyword, keyword`.
    fn input(&self) -> GuardrailInput {
        let kind = self.kind.get_untracked();
        let lines = |s: String| -> Vec<String> {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        };
        let topics = lines(self.topics.get_untracked())
            .into_iter()
            .map(|line| {
                let (name, words) = line.split_once(':').unwrap_or((line.as_str(), line.as_str()));
                BlockedTopic {
                    name: name.trim().to_string(),
                    keywords: words
                        .split(',')
                        .map(|w| w.trim().to_string())
                        .filter(|w| !w.is_empty())
                        .collect(),
                }
            })
            .collect();
        let single = matches!(kind.as_str(), "blocked_topics" | "max_input_length");
        GuardrailInput {
            name: self.name.get_untracked(),
            description: String::new(),
            applies_to: Some(if kind == "max_input_length" {
                "input".into()
            } else {
                self.applies_to.get_untracked()
            }),
            action: Some(if single {
                "block".into()
            } else {
                self.action.get_untracked()
            }),
            config: GuardrailConfig {
                pii_types: self.pii.get_untracked(),
                terms: lines(self.terms.get_untracked()),
                topics,
                max_characters: self.max_characters.get_untracked().trim().parse().ok(),
            },
            guardrail_type: kind,
            agent_id: self.agent.get_untracked().parse().ok(),
            is_enabled: None,
        }
    }
}

#[component]
pub fn GuardrailsPage() -> impl IntoView {
    let toasts = use_toasts();
    let org = org_id();
    let page = page_param();
    let tick = RwSignal::new(0u32);
    let list = load(
        move || (org.get(), page.get(), tick.get()),
        |(o, p, _)| async move { api::admin::guardrails(o, p).await },
    );
    let is_admin = is_org_admin();
    let draft = Draft::new();
    let agents = load(|| (), |_| async { api::agents::all_visible().await });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let body = draft.input();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let saved = match draft.editing.get_untracked() {
                Some(id) => api::admin::update_guardrail(id, &body).await,
                None => api::admin::create_guardrail(org.get_untracked(), &body).await,
            };
            match saved {
                Ok(g) => {
                    toasts.success(format!("“{}” is saved.", g.name));
                    draft.reset();
                    tick.update(|t| *t += 1);
                }
                Err(e) => {
                    errors.absorb(
                        &e,
                        &[
                            ("name", "name"),
                            ("guardrail_type", "type"),
                            ("applies_to", "type"),
                            ("action", "type"),
                            ("config.pii_types", "pii"),
                            ("config.terms", "terms"),
                            ("config.topics", "topics"),
                            ("config.max_characters", "max"),
                            ("agent_id", "agent"),
                        ],
                    );
                    if errors.is_empty() {
                        toasts.error(e.message);
                    }
                }
            }
            busy.set(false);
        });
    };
    let switch = move |g: Guardrail, on: bool| {
        toasts.act(
            api::admin::enable_guardrail(org.get_untracked(), g.id, on),
            format!("“{}” is {}.", g.name, if on { "on" } else { "off" }),
            tick,
        );
    };
    let remove = move |g: Guardrail| {
        if confirm(&format!("Delete the guardrail “{}”?", g.name)) {
            toasts.act(
                api::admin::delete_guardrail(g.id),
                format!("“{}” is deleted.", g.name),
                tick,
            );
        }
    };
    let kind = draft.kind;

    view! {
        <section class="page">
            <AdminNav/>
            <header class="page-header"><h1>"Guardrails"</h1></header>
            <p class="muted">"Guardrails check every question before the documents are searched and every answer before it is shown or stored. Personal data can be redacted; blocked terms, topics and long questions are refused with the reason."</p>
            <Show when=move || is_admin.get() fallback=|| view! { <p class="muted">"Only administrators change guardrails."</p> }>
            <form class="card form-card" id="guardrail-form" on:submit=submit novalidate=true>
                <h2>{move || if draft.editing.get().is_some() { "Edit guardrail" } else { "New guardrail" }}</h2>
                <Field id="guardrail-name" label="Name" value=draft.name error=errors.of("name") required=true/>
                <div class="field">
                    <label for="guardrail-type">"Type"</label>
                    <select id="guardrail-type" on:change=move |ev| {
                        let k = event_target_value(&ev);
                        draft.action.set(if k == "pii" { "redact".into() } else { "block".into() });
                        kind.set(k);
                    }>
                        {GUARDRAIL_TYPES.into_iter().map(|(_, name, label)| view! { <option value=name selected=move || kind.get() == name>{label}</option> }).collect_view()}
                    </select>
                    {move || errors.of("type").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for="guardrail-agent">"For"</label>
                    <select id="guardrail-agent" on:change=move |ev| draft.agent.set(event_target_value(&ev))>
                        <option value="" selected=move || draft.agent.get().is_empty()>"Every agent of the organization"</option>
                        {move || agents.get().ready().map(|p| p.agents.clone()).unwrap_or_default().into_iter().map(|a| {
                            let id = a.id.to_string();
                            view! { <option value=id.clone() selected=move || draft.agent.get() == id>{format!("Only {}", a.agent_name)}</option> }
                        }).collect_view()}
                    </select>
                    {move || errors.of("agent").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <Show when=move || kind.get() != "max_input_length">
                    <div class="field">
                        <label for="guardrail-applies">"Checks"</label>
                        <select id="guardrail-applies" on:change=move |ev| draft.applies_to.set(event_target_value(&ev))>
                            {[("both", "Questions and answers"), ("input", "Questions"), ("output", "Answers")].into_iter()
                                .map(|(v, l)| view! { <option value=v selected=move || draft.applies_to.get() == v>{l}</option> }).collect_view()}
                        </select>
                    </div>
                </Show>
                <Show when=move || matches!(kind.get().as_str(), "pii" | "blocked_terms")>
                    <div class="field">
                        <label for="guardrail-action">"When found"</label>
                        <select id="guardrail-action" on:change=move |ev| draft.action.set(event_target_value(&ev))>
                            <option value="redact" selected=move || draft.action.get() == "redact">"Redact it and go on"</option>
                            <option value="block" selected=move || draft.action.get() == "block">"Refuse the question or answer"</option>
                        </select>
                    </div>
                </Show>
                {move || match kind.get().as_str() {
                    "pii" => view! {
                        <fieldset class="checks" id="guardrail-pii">
                            <legend>"Personal data to find (none ticked: all)"</legend>
                            {PII_KINDS.into_iter().map(|(k, label)| view! {
                                <label>
                                    <input type="checkbox" prop:checked=move || draft.pii.get().iter().any(|p| p == k)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            draft.pii.update(|l| { l.retain(|p| p != k); if on { l.push(k.to_string()); } });
                                        }/>
                                    " "{label}
                                </label>
                            }).collect_view()}
                            {move || errors.of("pii").get().map(|m| view! { <p class="field-error">{m}</p> })}
                        </fieldset>
                    }.into_any(),
                    "blocked_terms" => view! {
                        <TextArea id="guardrail-terms" label="Terms (one per line)" value=draft.terms error=errors.of("terms")/>
                    }.into_any(),
                    "blocked_topics" => view! {
                        <TextArea id="guardrail-topics" label="Topics (one per line: Name: keyword, keyword)" value=draft.topics error=errors.of("topics")
                            hint="For example: Salaries: salary, pay rise, bonus"/>
                    }.into_any(),
                    _ => view! {
                        <Field id="guardrail-max" label="Longest question (characters)" kind="number" value=draft.max_characters error=errors.of("max")/>
                    }.into_any(),
                }}
                <div class="form-actions">
                    <button class="button primary" type="submit" id="save-guardrail" disabled=move || busy.get()>"Save guardrail"</button>
                    <Show when=move || draft.editing.get().is_some()>
                        <button class="button" type="button" on:click=move |_| draft.reset()>"Cancel"</button>
                    </Show>
                </div>
            </form>
            </Show>
            {show(list, move |page: GuardrailPage| {
                if page.guardrails.is_empty() {
                    return empty("No guardrails yet", "Questions and answers pass unchecked until you add one.").into_any();
                }
                let meta = page.meta;
                view! {
                    <table class="table" id="guardrail-table">
                        <thead><tr><th>"On"</th><th>"Name"</th><th>"Type"</th><th>"Looks for"</th><th>"Checks"</th><th>"Action"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {page.guardrails.into_iter().map(|g| {
                                let (on, edit, del) = (g.clone(), g.clone(), g.clone());
                                view! {
                                    <tr>
                                        <td><input type="checkbox" role="switch" aria-label=format!("{} is on", g.name) prop:checked=g.is_enabled disabled=move || !is_admin.get()
                                            on:change=move |ev| switch(on.clone(), event_target_checked(&ev))/></td>
                                        <td>{g.name.clone()}{g.agent_id.map(|a| {
                                            let name = agents.with_untracked(|l| l.ready().and_then(|p| p.agents.iter().find(|x| x.id == a).map(|x| x.agent_name.clone())));
                                            view! { " "<span class="badge">{format!("only {}", name.unwrap_or_else(|| format!("agent {a}")))}</span> }
                                        })}</td>
                                        <td>{type_label(&g.guardrail_type)}</td>
                                        <td class="muted small">{summary(&g)}</td>
                                        <td>{g.applies_to.clone()}</td>
                                        <td>{g.action.clone()}</td>
                                        <td class="actions" hidden=move || !is_admin.get()>
                                            <button class="button small" type="button" aria-label=format!("Edit {}", g.name) on:click=move |_| draft.fill(&edit)>"Edit"</button>
                                            <button class="button danger small" type="button" aria-label=format!("Delete {}", g.name) on:click=move |_| remove(del.clone())>"Delete"</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <Pager meta=meta/>
                }.into_any()
            })}
            <Tester/>
        </section>
    }
}

/// Runs the organization's enabled guardrails on a text without asking anything.
#[component]
fn Tester() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let direction = RwSignal::new("input".to_string());
    let result = RwSignal::new(None::<Result<GuardrailResult, String>>);
    let busy = RwSignal::new(false);
    let run = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = ApplyGuardrails {
            text: text.get_untracked(),
            direction: Some(direction.get_untracked()),
            agent_id: None,
            guardrail_ids: None,
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            result.set(Some(api::admin::apply_guardrails(&body).await.map_err(|e| e.message)));
            busy.set(false);
        });
    };
    view! {
        <form class="card form-card" id="guardrail-tester" on:submit=run novalidate=true>
            <h2>"Try the guardrails"</h2>
            <TextArea id="tester-text" label="Text" value=text error=Signal::derive(|| None::<String>)/>
            <div class="inline-form">
                <label for="tester-direction">"As"</label>
                <select id="tester-direction" on:change=move |ev| direction.set(event_target_value(&ev))>
                    <option value="input">"a question"</option>
                    <option value="output">"an answer"</option>
                </select>
                <button class="button primary" type="submit" id="run-tester" disabled=move || busy.get()>"Test"</button>
            </div>
            <div aria-live="polite">
                {move || result.get().map(|r| match r {
                    Err(m) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                    Ok(r) => view! {
                        <div class="tester-result" id="tester-result">
                            <p><strong>{match (r.blocked, r.guardrail_triggered) {
                                (true, _) => "Blocked",
                                (false, true) => "Changed",
                                _ => "Passes unchanged",
                            }}</strong></p>
                            {r.message.clone().map(|m| view! { <p class="form-error">{m}</p> })}
                            <pre class="tester-text">{r.text.clone()}</pre>
                            <ul>
                                {r.findings.iter().map(|f| view! { <li>{format!("{}: {}", f.guardrail_name, f.message)}</li> }).collect_view()}
                            </ul>
                        </div>
                    }.into_any(),
                })}
            </div>
        </form>
    }
}
