//! A run's results (live while it runs, sortable by any metric, each answer with its sources and
//! the reasons of its scores, CSV export) and two runs side by side: metric deltas, the settings
//! that changed, and per question how the answers differ, with a filter for regressions.
//! Answers are Markdown rendered without HTML; diffs are plain text pieces.

use ejento_api::{
    DiffPiece, Evaluation, EvaluationComparison, EvaluationMetric, MetricDelta, MetricKind, MetricScoreInput,
    QueryComparison, QueryResult,
};
use leptos::prelude::*;
use leptos_router::components::A;

use super::evaluations::RunProgress;
use crate::{
    api,
    components::{
        load::{Load, empty, load, show},
        markdown::Markdown,
        pager::Pager,
        toast::use_toasts,
        url::{id_param, page_param, query_param, query_setter},
    },
};

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Pending,
    Running,
    Completed,
    Cancelled,
    Failed,
}

impl RunStatus {
    pub fn of(status: &str) -> Self {
        match status {
            "pending" => Self::Pending,
            "running" => Self::Running,
            "completed" => Self::Completed,
            "cancelled" => Self::Cancelled,
            _ => Self::Failed,
        }
    }

    /// Waiting or answering: worth watching.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Pending | Self::Running)
    }

    pub fn resumable(self) -> bool {
        matches!(self, Self::Cancelled | Self::Failed)
    }
}

/// A score with two decimals, or a dash.
pub fn score_text(score: Option<f64>) -> String {
    score.map(|s| format!("{s:.2}")).unwrap_or_else(|| "—".into())
}

/// A move up or down, signed, with an arrow for those who cannot tell the colours apart.
fn delta_view(delta: Option<f64>) -> impl IntoView {
    match delta {
        Some(d) if d > 0.0005 => view! { <span class="delta up">{format!("▲ +{d:.2}")}</span> }.into_any(),
        Some(d) if d < -0.0005 => view! { <span class="delta down">{format!("▼ {d:.2}")}</span> }.into_any(),
        Some(_) => view! { <span class="delta same">"= 0.00"</span> }.into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

/// `/evaluations/runs/:id`.
#[component]
pub fn RunPage() -> impl IntoView {
    let id = id_param();
    let tick = RwSignal::new(0u32);
    let run = load(
        move || (id.get(), tick.get()),
        |(id, _)| async move { api::evaluations::run(id).await },
    );
    // Results are refetched when more of them exist, or after someone scored one.
    let done = Memo::new(move |_| run.with(|r| r.ready().map(|e| (e.id, e.done, e.status.clone()))));
    let rescored = RwSignal::new(0u32);
    let results = load(
        move || (done.get(), rescored.get()),
        |(key, _)| async move {
            match key {
                Some((id, _, _)) => api::evaluations::all_results(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    // The organization's own metrics, scored by people in a result's details.
    let manual = load(
        || (),
        |_| async {
            Ok(api::evaluations::metrics()
                .await?
                .into_iter()
                .filter(|m| m.kind == MetricKind::Manual)
                .collect::<Vec<_>>())
        },
    );
    let live = move || run.with(|r| r.ready().is_some_and(|e| RunStatus::of(&e.status).is_live()));
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if live() {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_millis(1000),
    ) {
        on_cleanup(move || handle.clear());
    }
    let toasts = use_toasts();
    view! {
        <section class="page">
            {show(run, move |e: Evaluation| {
                let id = e.id;
                let status = RunStatus::of(&e.status);
                let act = move |to: &'static str| move |_| {
                    leptos::task::spawn_local(async move {
                        match api::evaluations::set_run_status(id, to).await {
                            Ok(_) => tick.update(|t| *t += 1),
                            Err(e) => toasts.error(e.message),
                        }
                    });
                };
                let export = move |_| {
                    leptos::task::spawn_local(async move {
                        if let Err(e) = api::evaluations::export_results(id).await {
                            toasts.error(e.message);
                        }
                    });
                };
                let config = e.configuration.clone();
                view! {
                    <header class="page-header">
                        <div>
                            <p class="muted small"><A href=format!("/evaluations/datasets/{}?tab=runs", e.dataset)>"← Runs of this dataset"</A></p>
                            <h1 id="run-title">{e.name.clone()}</h1>
                            <p id="run-status"><RunProgress status=e.status.clone() done=e.done total=e.total/></p>
                            {e.message.clone().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                        </div>
                        <div class="actions">
                            {status.is_live().then(|| view! { <button id="stop-run" class="button" type="button" on:click=act("cancelled")>"Stop"</button> })}
                            {status.resumable().then(|| view! { <button id="resume-run" class="button" type="button" on:click=act("pending")>"Resume"</button> })}
                            <button id="export-results" class="button" type="button" on:click=export>"Export CSV"</button>
                        </div>
                    </header>
                    <details class="card">
                        <summary>{format!("Asked with {}{}", config.model, config.judge.as_ref().map(|j| format!(", judged by {j}")).unwrap_or_default())}</summary>
                        <p class="muted small">"The agent's prompt at the start of the run:"</p>
                        <pre class="prewrap">{if config.prompt.is_empty() { "(none)".to_string() } else { config.prompt.clone() }}</pre>
                        {(!config.instructions.is_empty()).then(|| view! { <ul>{config.instructions.iter().map(|i| view! { <li>{i.clone()}</li> }).collect_view()}</ul> })}
                    </details>
                    <div class="stat-grid" id="run-summary">
                        {e.summary.metrics.iter().map(|m| view! {
                            <div class="stat"><span class="stat-label">{m.name.clone()}</span><span class="stat-value">{score_text(m.average)}</span><span class="muted small">{format!("{} scored", m.scored)}</span></div>
                        }).collect_view()}
                        <div class="stat"><span class="stat-label">"Answered"</span><span class="stat-value">{e.summary.completed}</span><span class="muted small">{format!("{} failed", e.summary.failed)}</span></div>
                        <div class="stat"><span class="stat-label">"Tokens"</span><span class="stat-value">{e.summary.total_tokens}</span><span class="muted small">{format!("${}", e.summary.cost)}</span></div>
                        {(e.summary.judge_tokens > 0).then(|| view! {
                            <div class="stat"><span class="stat-label">"Judging"</span><span class="stat-value">{e.summary.judge_tokens}</span><span class="muted small">{format!("${}", e.summary.judge_cost)}</span></div>
                        })}
                        <div class="stat"><span class="stat-label">"Average latency"</span><span class="stat-value">{e.summary.average_latency_ms.map(|l| format!("{:.0} ms", l)).unwrap_or_else(|| "—".into())}</span></div>
                    </div>
                }
            })}
            {show(results, move |rows: Vec<QueryResult>| {
                let manual = manual.with(|m| m.ready().cloned().unwrap_or_default());
                view! { <ResultsTable rows=rows manual=manual on_scored=Callback::new(move |_| { rescored.update(|n| *n += 1); tick.update(|n| *n += 1); })/> }
            })}
        </section>
    }
}

const PER_PAGE: usize = 25;

/// Results sorted by `?sort=<metric id>` (`?dir=asc` for worst first), a page at a time; a row
/// opens to show the answer, its sources and why each score was given.
#[component]
fn ResultsTable(rows: Vec<QueryResult>, manual: Vec<EvaluationMetric>, on_scored: Callback<()>) -> impl IntoView {
    if rows.is_empty() {
        return empty("No results yet", "Results appear here as the questions are answered.").into_any();
    }
    let sort = query_param("sort");
    let dir = query_param("dir");
    let page = page_param();
    let set = query_setter();
    let open = RwSignal::new(None::<i64>);
    let mut metrics: Vec<(i64, String)> = Vec::new();
    for m in rows.iter().flat_map(|r| &r.metrics) {
        if !metrics.iter().any(|(id, _)| *id == m.metric_id) {
            metrics.push((m.metric_id, m.name.clone()));
        }
    }
    metrics.sort();
    let rows = StoredValue::new(rows);
    let sorted = move || {
        let mut all = rows.get_value();
        if let Ok(metric) = sort.get().parse::<i64>() {
            let score = |r: &QueryResult| r.metrics.iter().find(|m| m.metric_id == metric).map(|m| m.score);
            all.sort_by(|a, b| {
                let (x, y) = (score(a).unwrap_or(-1.0), score(b).unwrap_or(-1.0));
                if dir.get() == "asc" {
                    x.total_cmp(&y)
                } else {
                    y.total_cmp(&x)
                }
            });
        }
        all
    };
    let count = rows.with_value(Vec::len);
    let pages = count.div_ceil(PER_PAGE) as u64;
    let header = metrics.clone();
    view! {
        <div class="toolbar"><span class="muted small">"Click a column to sort by it (again for the other direction); click a question to see its answer."</span></div>
        <div class="table-scroll">
            <table class="table" id="result-list">
                <thead><tr>
                    <th>"Question"</th><th>"Status"</th>
                    {header.into_iter().map(|(id, name)| {
                        let set = set.clone();
                        let active = move || sort.get() == id.to_string();
                        view! {
                            <th class="num" aria-sort=move || if !active() { "none" } else if dir.get() == "asc" { "ascending" } else { "descending" }>
                                <button class="link sort-by" type="button" on:click=move |_| {
                                    let next = if active() && dir.get_untracked() != "asc" { "asc" } else { "" };
                                    set(&[("sort", id.to_string()), ("dir", next.to_string()), ("page", String::new())]);
                                }>{name}{move || if active() { if dir.get() == "asc" { " ↑" } else { " ↓" } } else { "" }}</button>
                            </th>
                        }
                    }).collect_view()}
                    <th class="num">"Latency"</th>
                </tr></thead>
                <tbody>
                    {move || {
                        let start = (page.get() as usize - 1) * PER_PAGE;
                        sorted().into_iter().skip(start).take(PER_PAGE).map(|r| {
                            let id = r.id;
                            let cells = metrics.iter().map(|(mid, _)| {
                                let s = r.metrics.iter().find(|m| m.metric_id == *mid).map(|m| m.score);
                                view! { <td class="num">{score_text(s)}</td> }
                            }).collect_view();
                            let (detail, manual) = (r.clone(), manual.clone());
                            view! {
                                <tr class="result-row">
                                    <td><button class="link open-result" type="button" aria-expanded=move || (open.get() == Some(id)).to_string()
                                        on:click=move |_| open.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>{r.question.clone()}</button></td>
                                    <td><span class=format!("badge status-{}", r.status)>{r.status.clone()}</span></td>
                                    {cells}
                                    <td class="num">{format!("{} ms", r.latency_ms)}</td>
                                </tr>
                                {move || (open.get() == Some(id)).then(|| view! { <tr class="result-detail"><td colspan="99"><ResultDetail result=detail.clone() manual=manual.clone() on_scored=on_scored/></td></tr> })}
                            }
                        }).collect_view()
                    }}
                </tbody>
            </table>
        </div>
        {move || view! { <Pager meta=ejento_api::PageMeta { count: count as u64, num_pages: pages.max(1), current_page: page.get() }/> }}
    }
    .into_any()
}

#[component]
fn ResultDetail(result: QueryResult, manual: Vec<EvaluationMetric>, on_scored: Callback<()>) -> impl IntoView {
    let answer = Signal::derive({
        let a = result.answer.clone();
        move || a.clone()
    });
    view! {
        <div class="result-body">
            <h3>"Answer"</h3>
            <div class="answer"><Markdown text=answer on_cite=Callback::new(|_| {})/></div>
            <h3>"Expected"</h3>
            <p class="prewrap">{if result.expected_answer.is_empty() { "(none given)".to_string() } else { result.expected_answer.clone() }}</p>
            <h3>"Sources"</h3>
            {if result.sources.is_empty() {
                view! { <p class="muted">"No passages were retrieved."</p> }.into_any()
            } else {
                view! {
                    <ol class="sources">
                        {result.sources.iter().map(|s| view! {
                            <li><strong>{s.title.clone()}</strong>" "<span class="muted small">{format!("score {:.2}", s.score)}</span><p class="small prewrap">{s.text.chars().take(400).collect::<String>()}</p></li>
                        }).collect_view()}
                    </ol>
                }
                .into_any()
            }}
            <h3>"Scores"</h3>
            <table class="table compact">
                <tbody>
                    {result.metrics.iter().map(|m| view! {
                        <tr><td>{m.name.clone()}</td><td class="num">{format!("{:.2}", m.score)}</td><td class="muted small">{m.details.clone()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="muted small">{format!("{} tokens · ${} · {} ms", result.total_tokens, result.cost, result.latency_ms)}</p>
            {(!manual.is_empty()).then(|| view! { <ScoreForm result=result.clone() manual=manual.clone() on_scored=on_scored/> })}
        </div>
    }
}

/// Scores by the organization's own metrics: a number from 0 to 1 and a comment each; blank
/// ones are left alone.
#[component]
fn ScoreForm(result: QueryResult, manual: Vec<EvaluationMetric>, on_scored: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let fields: Vec<(EvaluationMetric, RwSignal<String>, RwSignal<String>)> = manual
        .into_iter()
        .map(|m| {
            let current = result.metrics.iter().find(|s| s.metric_id == m.id);
            (
                m,
                RwSignal::new(current.map(|s| s.score.to_string()).unwrap_or_default()),
                RwSignal::new(current.map(|s| s.details.clone()).unwrap_or_default()),
            )
        })
        .collect();
    let error = RwSignal::new(None::<String>);
    let id = result.id;
    let inputs = fields.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let mut scores = Vec::new();
        for (m, score, details) in &inputs {
            let text = score.get_untracked();
            if text.trim().is_empty() {
                continue;
            }
            match text.trim().parse::<f64>() {
                Ok(s) if (0.0..=1.0).contains(&s) => scores.push(MetricScoreInput {
                    metric_id: m.id,
                    score: s,
                    details: details.get_untracked(),
                }),
                _ => {
                    error.set(Some(format!("{}: a score is a number from 0 to 1.", m.name)));
                    return;
                }
            }
        }
        if scores.is_empty() {
            error.set(Some("Give at least one score.".into()));
            return;
        }
        leptos::task::spawn_local(async move {
            match api::evaluations::score(id, scores).await {
                Ok(_) => {
                    toasts.success("Scores saved.");
                    on_scored.run(());
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <form class="score-form" on:submit=submit novalidate=true>
            <h3>"Your scores"</h3>
            {fields.into_iter().map(|(m, score, details)| {
                let (sid, did) = (format!("score-{id}-{}", m.id), format!("score-note-{id}-{}", m.id));
                view! {
                    <div class="score-field">
                        <label for=sid.clone()>{m.name.clone()}</label>
                        <input id=sid type="text" inputmode="decimal" placeholder="0 to 1" class="score-input" prop:value=move || score.get()
                            on:input=move |ev| score.set(event_target_value(&ev))/>
                        <label class="sr-only" for=did.clone()>{format!("Comment on {}", m.name)}</label>
                        <input id=did placeholder="Why (optional)" prop:value=move || details.get()
                            on:input=move |ev| details.set(event_target_value(&ev))/>
                    </div>
                }
            }).collect_view()}
            {move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            <button class="button primary" type="submit">"Save scores"</button>
        </form>
    }
}

/// Plain-text diff pieces: what only the first side had is struck through, what only the
/// second has is underlined.
#[component]
pub fn Diff(pieces: Vec<DiffPiece>) -> impl IntoView {
    view! {
        <p class="diff prewrap">
            {pieces.into_iter().map(|p| match p.kind.as_str() {
                "added" => view! { <ins>{p.text}</ins> }.into_any(),
                "removed" => view! { <del>{p.text}</del> }.into_any(),
                _ => view! { <span>{p.text}</span> }.into_any(),
            }).collect_view()}
        </p>
    }
}

const CHANGES: [(&str, &str); 6] = [
    ("", "All"),
    ("regressed", "Regressed"),
    ("improved", "Improved"),
    ("changed", "Changed"),
    ("unchanged", "Unchanged"),
    ("missing", "Missing"),
];

/// `/evaluations/compare?base=&candidate=[&change=][&sort=delta][&metric_id=]`.
#[component]
pub fn ComparePage() -> impl IntoView {
    let base = query_param("base");
    let candidate = query_param("candidate");
    let change = query_param("change");
    let sort = query_param("sort");
    let metric = query_param("metric_id");
    let page = page_param();
    let set = query_setter();
    let state = load(
        move || {
            (
                base.get(),
                candidate.get(),
                change.get(),
                sort.get(),
                metric.get(),
                page.get(),
            )
        },
        |(b, c, change, sort, metric, page)| async move {
            let (Ok(b), Ok(c)) = (b.parse::<i64>(), c.parse::<i64>()) else {
                return Err(api::ApiError {
                    status: 422,
                    message: "Choose two runs to compare from a dataset's Runs tab.".into(),
                    errors: Default::default(),
                });
            };
            api::evaluations::compare(
                b,
                c,
                &[("change", &change), ("sort", &sort), ("metric_id", &metric)],
                page,
            )
            .await
        },
    );
    view! {
        <section class="page">
            <h1>"Compare runs"</h1>
            {move || match state.get() {
                Load::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
                Load::Failed(e) => crate::components::load::failure(e).into_any(),
                Load::Ready(cmp) => view! { <Comparison cmp=cmp set=set.clone() change=change sort=sort metric=metric/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Comparison(
    cmp: EvaluationComparison,
    set: impl Fn(&[(&str, String)]) + Clone + Send + Sync + 'static,
    change: Signal<String>,
    sort: Signal<String>,
    metric: Signal<String>,
) -> impl IntoView {
    let (b, c) = (cmp.base.clone(), cmp.candidate.clone());
    let counts = cmp.counts.clone();
    let count_of = move |key: &str| match key {
        "regressed" => counts.regressed,
        "improved" => counts.improved,
        "changed" => counts.changed,
        "unchanged" => counts.unchanged,
        "missing" => counts.missing,
        _ => counts.regressed + counts.improved + counts.changed + counts.unchanged + counts.missing,
    };
    let (set_swap, set_chip, set_sort, set_metric) = (set.clone(), set.clone(), set.clone(), set);
    let metric_options = cmp.metrics.clone();
    view! {
        <div class="compare-head">
            <div class="card"><p class="muted small">"Base"</p><h2><A href=format!("/evaluations/runs/{}", b.id)>{b.name.clone()}</A></h2><p class="muted small">{crate::clock::local_minute(&b.created_on)}</p></div>
            <button id="swap-runs" class="button" type="button" aria-label="Swap base and candidate"
                on:click=move |_| set_swap(&[("base", c.id.to_string()), ("candidate", b.id.to_string()), ("page", String::new())])>"⇄"</button>
            <div class="card"><p class="muted small">"Candidate"</p><h2><A href=format!("/evaluations/runs/{}", cmp.candidate.id)>{cmp.candidate.name.clone()}</A></h2><p class="muted small">{crate::clock::local_minute(&cmp.candidate.created_on)}</p></div>
        </div>
        <div class="card" id="configuration-changes">
            <h2 class="card-title">"What changed"</h2>
            {if cmp.configuration_changes.is_empty() {
                view! { <p class="muted">"Same prompt, instructions, models and retrieval: any difference comes from the documents, or from the model answering differently."</p> }.into_any()
            } else {
                cmp.configuration_changes.into_iter().map(|ch| {
                    // Short settings read as "8 → 2"; texts as one word diff, marking what was
                    // added and removed in place.
                    let short = !ch.base.contains(char::is_whitespace) && !ch.candidate.contains(char::is_whitespace);
                    let or_none = |s: String| if s.is_empty() { "(none)".to_string() } else { s };
                    view! {
                        <div class="config-change" data-field=ch.field.clone()>
                            <h3>{ch.field.clone()}</h3>
                            {if short {
                                view! { <p class="change-pair"><del>{or_none(ch.base)}</del>" → "<ins>{or_none(ch.candidate)}</ins></p> }.into_any()
                            } else {
                                view! { <div class="prewrap change-diff"><Diff pieces=ch.diff/></div> }.into_any()
                            }}
                        </div>
                    }
                }).collect_view().into_any()
            }}
        </div>
        <table class="table" id="metric-deltas">
            <thead><tr><th>"Metric"</th><th class="num">"Base"</th><th class="num">"Candidate"</th><th class="num">"Change"</th></tr></thead>
            <tbody>
                {cmp.metrics.iter().map(|m: &MetricDelta| view! {
                    <tr><td>{m.name.clone()}</td><td class="num">{score_text(m.base)}</td><td class="num">{score_text(m.candidate)}</td><td class="num">{delta_view(m.delta)}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
        <div class="toolbar" role="group" aria-label="Show questions that">
            {CHANGES.into_iter().map(|(key, label)| {
                let set = set_chip.clone();
                view! {
                    <button type="button" class="chip" id=format!("change-{}", if key.is_empty() { "all" } else { key })
                        aria-pressed=move || (change.get() == key).to_string()
                        on:click=move |_| set(&[("change", key.to_string()), ("page", String::new())])>
                        {format!("{label} ({})", count_of(key))}
                    </button>
                }
            }).collect_view()}
            <label for="compare-sort">"Order"</label>
            <select id="compare-sort" on:change=move |ev| set_sort(&[("sort", event_target_value(&ev)), ("page", String::new())])>
                <option value="" selected=move || sort.get().is_empty()>"Question order"</option>
                <option value="delta" selected=move || sort.get() == "delta">"Biggest drops first"</option>
            </select>
            <label for="compare-metric">"Judge by"</label>
            <select id="compare-metric" on:change=move |ev| set_metric(&[("metric_id", event_target_value(&ev)), ("page", String::new())])>
                <option value="" selected=move || metric.get().is_empty()>"All metrics (average)"</option>
                {metric_options.into_iter().map(|m| {
                    let id = m.metric_id.to_string();
                    let selected = { let id = id.clone(); move || metric.get() == id };
                    view! { <option value=id selected=selected>{m.name}</option> }
                }).collect_view()}
            </select>
        </div>
        {if cmp.queries.is_empty() {
            empty("No questions here", "No question changed this way; choose another filter.").into_any()
        } else {
            view! {
                <ol class="compare-list" id="compare-list">
                    {cmp.queries.into_iter().map(|q| view! { <QueryCard q=q/> }).collect_view()}
                </ol>
                <Pager meta=cmp.meta/>
            }
            .into_any()
        }}
    }
}

#[component]
fn QueryCard(q: QueryComparison) -> impl IntoView {
    let against_expected = RwSignal::new(false);
    let has_expected = !q.expected_answer.is_empty();
    let (bve, cve) = (q.base_vs_expected.clone(), q.candidate_vs_expected.clone());
    let failed = |r: &Option<QueryResult>| r.as_ref().is_some_and(|r| r.status != "completed");
    view! {
        <li class="card compare-item" data-change=q.change.clone()>
            <header class="compare-item-head">
                <h3>{q.question.clone()}</h3>
                <span class=format!("badge change-{}", q.change)>{q.change.clone()}</span>
                {delta_view(q.delta)}
            </header>
            {failed(&q.base).then(|| view! { <p class="form-error">"The base run could not answer this question."</p> })}
            {failed(&q.candidate).then(|| view! { <p class="form-error">"The candidate run could not answer this question."</p> })}
            <p class="muted small">"Base → candidate answer:"</p>
            {if q.answer_diff.is_empty() {
                view! { <p class="muted">"Only one run has an answer to this question."</p> }.into_any()
            } else {
                view! { <Diff pieces=q.answer_diff.clone()/> }.into_any()
            }}
            {has_expected.then(|| view! {
                <button class="link" type="button" aria-expanded=move || against_expected.get().to_string()
                    on:click=move |_| against_expected.update(|v| *v = !*v)>"Against the expected answer"</button>
                {move || against_expected.get().then(|| view! {
                    <div class="two-col">
                        <div><p class="muted small">"Expected → base"</p><Diff pieces=bve.clone()/></div>
                        <div><p class="muted small">"Expected → candidate"</p><Diff pieces=cve.clone()/></div>
                    </div>
                })}
            })}
            <table class="table compact">
                <tbody>
                    {q.metrics.iter().map(|m| view! {
                        <tr><td>{m.name.clone()}</td><td class="num">{score_text(m.base)}</td><td class="num">"→ "{score_text(m.candidate)}</td><td class="num">{delta_view(m.delta)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </li>
    }
}
