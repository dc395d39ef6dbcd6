//! Admin → Tools: the organization's tools (API tools from templates, RAG, web search,
//! attachment), turned on or off for every agent, tried with arguments, deleted. Secrets are
//! typed once and never shown again; a tool's answer is shown as text only.

use ejento_api::{
    ApiToolSpec, ApiToolTemplate, ApiToolTemplateInput, CorpusPage, TOOL_TYPES, Tool, ToolInput, ToolPage,
    ToolParameter, ToolTestInput, ToolTestResult,
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

pub fn type_label(kind: &str) -> &'static str {
    TOOL_TYPES.iter().find(|t| t.0 == kind).map(|t| t.1).unwrap_or("Tool")
}

/// What a tool reaches, in a line.
fn summary(t: &Tool) -> String {
    match t.tool_type.as_str() {
        "api" => t
            .config
            .api
            .as_ref()
            .map(|a| format!("{} {}", a.method, a.url_template))
            .unwrap_or_default(),
        "rag" => format!(
            "{} {}",
            t.config.corpus_ids.len(),
            if t.config.corpus_ids.len() == 1 {
                "corpus"
            } else {
                "corpora"
            }
        ),
        "web_search" => t.config.search_url.clone().unwrap_or_default(),
        _ => "Files attached in the chat".into(),
    }
}

/// `name: description` per line; every parameter a required string.
fn parameters(text: &str) -> Vec<ToolParameter> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, description) = l.split_once(':').unwrap_or((l, ""));
            ToolParameter {
                name: name.trim().to_string(),
                description: description.trim().to_string(),
                kind: "string".into(),
                required: true,
            }
        })
        .collect()
}

#[component]
pub fn ToolsPage() -> impl IntoView {
    let toasts = use_toasts();
    let org = org_id();
    let page = page_param();
    let tick = RwSignal::new(0u32);
    let tools = load(
        move || (org.get(), page.get(), tick.get()),
        |(o, p, _)| async move { api::tools::list(o, p).await },
    );
    let templates = load(
        move || (org.get(), tick.get()),
        |(o, _)| async move { api::tools::templates(o).await },
    );
    let corpora = load(|| (), |_| async { api::corpora::list("", 1).await });
    let testing = RwSignal::new(None::<Tool>);
    let is_admin = is_org_admin();

    let switch = move |t: Tool, on: bool| {
        toasts.act(
            api::tools::set_enabled(org.get_untracked(), t.id, on),
            format!("“{}” is {} for every agent.", t.name, if on { "on" } else { "off" }),
            tick,
        );
    };
    let remove = move |t: Tool| {
        if confirm(&format!("Delete the tool “{}”? Agents using it lose it.", t.name)) {
            toasts.act(api::tools::delete(t.id), format!("“{}” is deleted.", t.name), tick);
        }
    };

    view! {
        <section class="page">
            <AdminNav/>
            <header class="page-header"><h1>"Tools"</h1></header>
            <p class="muted">"Agents answering with a model endpoint call API and web search tools when their documents do not answer; each call shows in the answer's thoughts and its result is cited. RAG tools add corpora to an agent's search. Link tools to agents on each agent's Tools tab."</p>
            <Show when=move || is_admin.get() fallback=|| view! { <p class="muted">"Only administrators change tools."</p> }>
                <NewTool templates=templates corpora=corpora on_saved=Callback::new(move |()| tick.update(|n| *n += 1))/>
            </Show>
            {show(tools, move |page: ToolPage| {
                if page.tools.is_empty() {
                    return empty("No tools yet", "Create one above; agents only use the tools they are linked to.").into_any();
                }
                let meta = page.meta;
                view! {
                    <table class="table" id="tool-table">
                        <thead><tr><th>"On"</th><th>"Name"</th><th>"Kind"</th><th>"Reaches"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {page.tools.into_iter().map(|t| {
                                let (on, test, del) = (t.clone(), t.clone(), t.clone());
                                let callable = matches!(t.tool_type.as_str(), "api" | "web_search");
                                view! {
                                    <tr>
                                        <td><input type="checkbox" role="switch" aria-label=format!("{} is on", t.name) prop:checked=t.is_enabled disabled=move || !is_admin.get()
                                            on:change=move |ev| switch(on.clone(), event_target_checked(&ev))/></td>
                                        <td>{t.name.clone()}{t.has_secret.then(|| view! { " "<span class="badge">"secret set"</span> })}</td>
                                        <td>{type_label(&t.tool_type)}</td>
                                        <td class="muted small break">{summary(&t)}</td>
                                        <td class="actions" hidden=move || !is_admin.get()>
                                            {callable.then(|| view! {
                                                <button class="button small" type="button" aria-label=format!("Test {}", t.name) on:click=move |_| testing.set(Some(test.clone()))>"Test"</button>
                                            })}
                                            <button class="button danger small" type="button" aria-label=format!("Delete {}", t.name) on:click=move |_| remove(del.clone())>"Delete"</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <Pager meta=meta/>
                }.into_any()
            })}
            {move || testing.get().map(|t| view! { <TestCall tool=t on_close=Callback::new(move |()| testing.set(None))/> })}
        </section>
    }
}

#[component]
fn NewTool(
    templates: RwSignal<crate::components::load::Load<Vec<ApiToolTemplate>>>,
    corpora: RwSignal<crate::components::load::Load<CorpusPage>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let org = org_id();
    let kind = RwSignal::new("api".to_string());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let template = RwSignal::new(String::new());
    let method = RwSignal::new("GET".to_string());
    let url = RwSignal::new(String::new());
    let response_path = RwSignal::new(String::new());
    let params = RwSignal::new(String::new());
    let secret_header = RwSignal::new(String::new());
    let secret_prefix = RwSignal::new("Bearer ".to_string());
    let secret = RwSignal::new(String::new());
    let save_template = RwSignal::new(false);
    let chosen_corpora = RwSignal::new(Vec::<i64>::new());
    let search_url = RwSignal::new(String::new());
    let max_results = RwSignal::new("5".to_string());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);

    let spec = move || ApiToolSpec {
        method: method.get_untracked(),
        url_template: url.get_untracked().trim().to_string(),
        headers: Default::default(),
        body_template: String::new(),
        response_path: response_path.get_untracked().trim().to_string(),
        parameters: parameters(&params.get_untracked()),
        secret_header: secret_header.get_untracked().trim().to_string(),
        secret_prefix: secret_prefix.get_untracked(),
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let k = kind.get_untracked();
        let mut body = ToolInput {
            name: name.get_untracked(),
            description: description.get_untracked(),
            ..Default::default()
        };
        let segment = match k.as_str() {
            "web_search" => "web-search",
            other => other,
        }
        .to_string();
        match k.as_str() {
            "api" => {
                body.template_id = template.get_untracked().parse().ok();
                if body.template_id.is_none() {
                    body.api = Some(spec());
                }
                let s = secret.get_untracked();
                body.secret = (!s.is_empty()).then_some(s);
            }
            "rag" => body.corpus_ids = chosen_corpora.get_untracked(),
            "web_search" => {
                body.search_url = Some(search_url.get_untracked());
                body.max_results = max_results.get_untracked().trim().parse().ok();
            }
            _ => {}
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            // A call described here can be kept as a template for the next tools.
            if k == "api" && body.template_id.is_none() && save_template.get_untracked() {
                let input = ApiToolTemplateInput {
                    name: body.name.clone(),
                    description: body.description.clone(),
                    spec: body.api.clone().unwrap_or_default(),
                };
                match api::tools::create_template(org.get_untracked(), &input).await {
                    Ok(t) => body.template_id = Some(t.id),
                    Err(e) => {
                        absorb(errors, &e);
                        if errors.is_empty() {
                            toasts.error(e.message);
                        }
                        busy.set(false);
                        return;
                    }
                }
            }
            match api::tools::create(org.get_untracked(), &segment, &body).await {
                Ok(t) => {
                    toasts.success(format!("“{}” is ready. Link it to agents on their Tools tab.", t.name));
                    name.set(String::new());
                    description.set(String::new());
                    secret.set(String::new());
                    on_saved.run(());
                }
                Err(e) => {
                    absorb(errors, &e);
                    if errors.is_empty() {
                        toasts.error(e.message);
                    }
                }
            }
            busy.set(false);
        });
    };

    view! {
        <form class="card form-card" id="tool-form" on:submit=submit novalidate=true>
            <h2>"New tool"</h2>
            <div class="field">
                <label for="tool-kind">"Kind"</label>
                <select id="tool-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {TOOL_TYPES.into_iter().map(|(k, label)| view! { <option value=k selected=move || kind.get() == k>{label}</option> }).collect_view()}
                </select>
            </div>
            <Field id="tool-name" label="Name" value=name error=errors.of("name") required=true/>
            <Field id="tool-description" label="What it is for (the model reads this)" value=description error=errors.of("description")/>
            {move || match kind.get().as_str() {
                "api" => view! {
                    <div class="field">
                        <label for="tool-template">"Template"</label>
                        <select id="tool-template" on:change=move |ev| template.set(event_target_value(&ev))>
                            <option value="">"— describe the call below —"</option>
                            {move || templates.get().ready().cloned().unwrap_or_default().into_iter().map(|t| {
                                let id = t.id.to_string();
                                view! { <option value=id.clone() selected=move || template.get() == id>{format!("{} ({} {})", t.name, t.spec.method, t.spec.url_template)}</option> }
                            }).collect_view()}
                        </select>
                        {move || errors.of("template").get().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                    <Show when=move || template.get().is_empty()>
                        <div class="inline-form">
                            <label for="tool-method">"Method"</label>
                            <select id="tool-method" on:change=move |ev| method.set(event_target_value(&ev))>
                                {["GET", "POST", "PUT", "PATCH", "DELETE"].into_iter().map(|m| view! { <option value=m selected=move || method.get() == m>{m}</option> }).collect_view()}
                            </select>
                        </div>
                        <Field id="tool-url" label="URL ({name} where an argument goes)" value=url error=errors.of("url")
                            hint="For example: https://api.example.com/weather?city={city}"/>
                        <TextArea id="tool-parameters" label="Arguments (one per line: name: what it is)" value=params error=errors.of("parameters") rows=3/>
                        <Field id="tool-response-path" label="Part of the JSON answer to read (optional)" value=response_path error=errors.of("response_path")
                            hint="Dots between keys, e.g. data.forecast"/>
                        <Field id="tool-secret-header" label="Header that carries the secret (optional)" value=secret_header error=errors.of("secret_header")
                            hint="e.g. Authorization"/>
                        <Field id="tool-secret-prefix" label="Written before the secret" value=secret_prefix error=errors.of("secret_prefix")/>
                        <label class="checkbox">
                            <input type="checkbox" id="tool-save-template" prop:checked=move || save_template.get()
                                on:change=move |ev| save_template.set(event_target_checked(&ev))/>
                            " Also keep this call as a template"
                        </label>
                    </Show>
                    <Field id="tool-secret" label="Secret (stored encrypted, never shown again)" kind="password" value=secret error=errors.of("secret")/>
                }.into_any(),
                "rag" => view! {
                    <fieldset class="checks" id="tool-corpora">
                        <legend>"Corpora it searches"</legend>
                        {move || corpora.get().ready().map(|p| p.corpora.clone()).unwrap_or_default().into_iter().map(|c| {
                            let id = c.id;
                            view! {
                                <label>
                                    <input type="checkbox" prop:checked=move || chosen_corpora.get().contains(&id)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen_corpora.update(|l| { l.retain(|c| *c != id); if on { l.push(id); } });
                                        }/>
                                    " "{c.name.clone()}
                                </label>
                            }
                        }).collect_view()}
                        {move || errors.of("corpora").get().map(|m| view! { <p class="field-error">{m}</p> })}
                    </fieldset>
                }.into_any(),
                "web_search" => view! {
                    <Field id="tool-search-url" label="Search URL (SearXNG-compatible, answering format=json)" value=search_url error=errors.of("search_url")
                        hint="e.g. https://searx.example.org/search"/>
                    <Field id="tool-max-results" label="Results given to the model" kind="number" value=max_results error=errors.of("max_results")/>
                }.into_any(),
                _ => view! { <p class="muted small">"People can attach files to a chat with the agent; they are searched with its documents."</p> }.into_any(),
            }}
            <button class="button primary" type="submit" id="save-tool" disabled=move || busy.get()>"Create tool"</button>
        </form>
    }
}

/// The server's field names mapped to the form's.
fn absorb(errors: FormErrors, e: &api::ApiError) {
    errors.absorb(
        e,
        &[
            ("name", "name"),
            ("description", "description"),
            ("template_id", "template"),
            ("api.method", "url"),
            ("api.url_template", "url"),
            ("spec.url_template", "url"),
            ("api.parameters", "parameters"),
            ("spec.parameters", "parameters"),
            ("api.response_path", "response_path"),
            ("api.headers", "secret_header"),
            ("secret", "secret"),
            ("corpus_ids", "corpora"),
            ("search_url", "search_url"),
            ("max_results", "max_results"),
        ],
    );
}

/// Calls a tool with arguments typed as JSON, as a model would, and shows what it answered.
#[component]
fn TestCall(tool: Tool, on_close: Callback<()>) -> impl IntoView {
    let names: Vec<String> = match tool.tool_type.as_str() {
        "web_search" => vec!["query".into()],
        _ => tool
            .config
            .api
            .as_ref()
            .map(|a| a.parameters.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default(),
    };
    let sample: serde_json::Map<String, serde_json::Value> = names
        .into_iter()
        .map(|n| (n, serde_json::Value::String(String::new())))
        .collect();
    let arguments = RwSignal::new(serde_json::to_string_pretty(&sample).unwrap_or_else(|_| "{}".into()));
    let result = RwSignal::new(None::<Result<ToolTestResult, String>>);
    let busy = RwSignal::new(false);
    let id = tool.id;
    let run = move |ev: SubmitEvent| {
        ev.prevent_default();
        let parsed = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&arguments.get_untracked());
        let Ok(arguments) = parsed else {
            result.set(Some(Err(
                "The arguments must be a JSON object, like {\"city\": \"Leiden\"}.".into(),
            )));
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            result.set(Some(
                api::tools::test(id, &ToolTestInput { arguments })
                    .await
                    .map_err(|e| e.message),
            ));
            busy.set(false);
        });
    };
    view! {
        <form class="card form-card" id="tool-test" on:submit=run novalidate=true>
            <h2>{format!("Test “{}”", tool.name)}</h2>
            <TextArea id="tool-test-arguments" label="Arguments (JSON)" value=arguments error=Signal::derive(|| None::<String>) rows=4/>
            <div class="form-actions">
                <button class="button primary" type="submit" id="run-tool-test" disabled=move || busy.get()>"Call"</button>
                <button class="button" type="button" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
            <div aria-live="polite">
                {move || result.get().map(|r| match r {
                    Err(m) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                    Ok(r) => view! {
                        <div id="tool-test-result">
                            <p><strong>{if r.ok { "Answered" } else { "Failed" }}</strong>{format!(" in {} ms", r.duration_ms)}</p>
                            <pre class="tester-text">{r.output.clone()}</pre>
                        </div>
                    }.into_any(),
                })}
            </div>
        </form>
    }
}
