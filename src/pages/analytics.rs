//! `/analytics`: where usage, cost and votes go, overall and per agent, project, team and user.
//! The range (presets or custom dates), the bucket (chosen from the range unless overridden),
//! the tab and the entity filters live in the URL, so a view can be shared; dates are the
//! browser's own days in its time zone. Every chart and table exports exactly what it shows.

use charming::{
    Chart,
    component::{Axis, Grid, Legend},
    element::{AxisType, ItemStyle, Tooltip, Trigger},
    series::{Bar, Line, Pie},
};
use ejento_api::{
    AnalyticsReport, EntitySummary, IndexingModeReport, LatencyReport, Metrics, Percentiles, RecentReport,
    SummaryReport, TotalCounts,
};
use leptos::prelude::*;

use crate::{
    api::{self, analytics::Params},
    clock::local_date,
    components::{
        chart::EChart,
        download::{csv, save_text},
        load::{Load, load, show},
        url::{query_param, query_setter},
    },
};

/// (key, label, days before today the range starts, automatic bucket)
const PRESETS: [(&str, &str, i64, &str); 5] = [
    ("24h", "24 h", 1, "hour"),
    ("7d", "7 d", 6, "day"),
    ("30d", "30 d", 29, "day"),
    ("90d", "90 d", 89, "week"),
    ("12m", "12 months", 364, "month"),
];

const TABS: [(&str, &str); 5] = [
    ("overview", "Overview"),
    ("agents", "Agents"),
    ("projects", "Projects"),
    ("teams", "Teams"),
    ("users", "Users"),
];

/// The browser's IANA time zone (UTC when it does not say).
fn browser_zone() -> String {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// Days from `start` to `end` (YYYY-MM-DD), both included.
fn span_days(start: &str, end: &str) -> i64 {
    let ms = |d: &str| js_sys::Date::parse(&format!("{d}T00:00:00Z"));
    (((ms(end) - ms(start)) / 86_400_000.0).round() as i64 + 1).max(1)
}

/// The bucket a range gets unless one is chosen.
fn auto_bucket(days: i64) -> &'static str {
    match days {
        ..=2 => "hour",
        3..=62 => "day",
        63..=186 => "week",
        _ => "month",
    }
}

/// USD as people read it: cents for sums, more digits for small amounts.
pub fn usd(cost: &str) -> String {
    let v: f64 = cost.parse().unwrap_or(0.0);
    if v != 0.0 && v.abs() < 1.0 {
        format!("${v:.4}")
    } else {
        format!("${}", thousands_f(v, 2))
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn thousands_f(v: f64, decimals: usize) -> String {
    let whole = v.trunc() as i64;
    let fraction = format!("{:.*}", decimals, v.fract().abs());
    format!("{}{}", thousands(whole), fraction.trim_start_matches('0'))
}

fn change_label(change: Option<f64>) -> (String, &'static str) {
    match change {
        None => ("no earlier data".into(), "muted"),
        Some(c) if c > 0.0 => (format!("▲ {c:.1}% vs previous"), "up"),
        Some(c) if c < 0.0 => (format!("▼ {:.1}% vs previous", -c), "down"),
        Some(_) => ("no change".into(), "muted"),
    }
}

fn base(chart: Chart) -> Chart {
    chart
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new())
        .grid(Grid::new().left("3%").right("3%").bottom("3%").contain_label(true))
}

/// A time series chart: one line per named series.
fn lines(labels: Vec<String>, series: Vec<(&str, Vec<f64>)>) -> Chart {
    let mut chart = base(Chart::new())
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value));
    for (name, values) in series {
        chart = chart.series(Line::new().name(name).data(values));
    }
    chart
}

/// Stacked bars: over time (`labels` are buckets) or per entity.
fn stacked(labels: Vec<String>, series: Vec<(&str, Vec<f64>)>, horizontal: bool) -> Chart {
    stacked_colored(
        labels,
        series.into_iter().map(|(n, d)| (n, d, None)).collect(),
        horizontal,
    )
}

/// Stacked bars, some series in a colour of their own (votes: helpful green, not helpful red).
fn stacked_colored(labels: Vec<String>, series: Vec<(&str, Vec<f64>, Option<&str>)>, horizontal: bool) -> Chart {
    let categories = Axis::new().type_(AxisType::Category).data(labels);
    let values = Axis::new().type_(AxisType::Value);
    let mut chart = if horizontal {
        base(Chart::new()).x_axis(values).y_axis(categories.inverse(true))
    } else {
        base(Chart::new()).x_axis(categories).y_axis(values)
    };
    for (name, data, color) in series {
        let mut bar = Bar::new().name(name).stack("total").data(data);
        if let Some(color) = color {
            bar = bar.item_style(ItemStyle::new().color(color));
        }
        chart = chart.series(bar);
    }
    chart
}

fn pie(slices: Vec<(f64, String)>) -> Chart {
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Item))
        .legend(Legend::new())
        .series(Pie::new().radius(vec!["40%", "70%"]).data(slices))
}

fn num(v: Option<i64>) -> f64 {
    v.unwrap_or(0) as f64
}

fn cost_of(m: &Metrics) -> f64 {
    m.cost.as_deref().and_then(|c| c.parse().ok()).unwrap_or(0.0)
}

/// A chart with a title, loading, error and empty states, and a CSV of exactly its data.
#[component]
fn ChartCard<T>(
    title: &'static str,
    id: &'static str,
    state: RwSignal<Load<T>>,
    /// The chart of the data; None when there is nothing to show.
    chart: fn(&T) -> Option<Chart>,
    /// The rows the chart shows, header first.
    rows: fn(&T) -> Vec<Vec<String>>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    let options = Signal::derive(move || state.with(|s| s.ready().and_then(chart)));
    let empty = move || state.with(|s| s.ready().is_some_and(|d| chart(d).is_none()));
    let export = move |_| {
        if let Load::Ready(data) = state.get_untracked() {
            save_text(&format!("{id}.csv"), "text/csv", &csv(&rows(&data)));
        }
    };
    view! {
        <section class="card chart-card" aria-labelledby=format!("{id}-title")>
            <header class="chart-header">
                <h2 id=format!("{id}-title")>{title}</h2>
                <button type="button" class="button small" id=format!("{id}-csv") on:click=export
                    aria-label=format!("Download {title} as CSV")>"CSV"</button>
            </header>
            {move || match state.get() {
                Load::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
                Load::Failed(e) => crate::components::load::failure(e).into_any(),
                Load::Ready(_) => ().into_any(),
            }}
            {move || empty().then(|| view! { <p class="muted empty-chart">"Nothing in this range."</p> })}
            <div class:hidden=move || !state.with(|s| s.ready().is_some()) || empty()>
                <EChart id=id label=title.to_string() options=options/>
            </div>
        </section>
    }
}

fn series_labels(r: &AnalyticsReport) -> Vec<String> {
    r.series.iter().flatten().map(|b| b.bucket.clone()).collect()
}

fn series_values(r: &AnalyticsReport, pick: impl Fn(&Metrics) -> f64) -> Vec<f64> {
    r.series.iter().flatten().map(|b| pick(&b.values)).collect()
}

fn has_series(r: &AnalyticsReport) -> bool {
    r.series.as_ref().is_some_and(|s| !s.is_empty())
}

fn queries_chart(r: &AnalyticsReport) -> Option<Chart> {
    has_series(r).then(|| {
        lines(
            series_labels(r),
            vec![("Queries", series_values(r, |m| num(m.query_count)))],
        )
    })
}

fn queries_rows(r: &AnalyticsReport) -> Vec<Vec<String>> {
    let mut rows = vec![vec!["bucket".into(), "start".into(), "queries".into()]];
    for b in r.series.iter().flatten() {
        rows.push(vec![
            b.bucket.clone(),
            b.start.clone(),
            b.values.query_count.unwrap_or(0).to_string(),
        ]);
    }
    rows
}

fn tokens_chart(r: &AnalyticsReport) -> Option<Chart> {
    has_series(r).then(|| {
        stacked(
            series_labels(r),
            vec![
                ("Prompt", series_values(r, |m| num(m.prompt_tokens))),
                ("Completion", series_values(r, |m| num(m.completion_tokens))),
            ],
            false,
        )
    })
}

fn tokens_rows(r: &AnalyticsReport) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "bucket".into(),
        "start".into(),
        "prompt_tokens".into(),
        "completion_tokens".into(),
        "total_tokens".into(),
    ]];
    for b in r.series.iter().flatten() {
        let m = &b.values;
        rows.push(vec![
            b.bucket.clone(),
            b.start.clone(),
            m.prompt_tokens.unwrap_or(0).to_string(),
            m.completion_tokens.unwrap_or(0).to_string(),
            m.total_tokens.unwrap_or(0).to_string(),
        ]);
    }
    rows
}

fn cost_chart(r: &AnalyticsReport) -> Option<Chart> {
    has_series(r).then(|| lines(series_labels(r), vec![("Cost (USD)", series_values(r, cost_of))]))
}

fn cost_rows(r: &AnalyticsReport) -> Vec<Vec<String>> {
    let mut rows = vec![vec!["bucket".into(), "start".into(), "cost_usd".into()]];
    for b in r.series.iter().flatten() {
        rows.push(vec![
            b.bucket.clone(),
            b.start.clone(),
            b.values.cost.clone().unwrap_or_else(|| "0".into()),
        ]);
    }
    rows
}

/// Votes read at a glance: green for helpful, red for not helpful (the palette's second colour
/// is green, which drew "Not helpful" as good news).
const HELPFUL_GREEN: &str = "#16a34a";
const NOT_HELPFUL_RED: &str = "#dc2626";

fn votes_chart(r: &AnalyticsReport) -> Option<Chart> {
    has_series(r).then(|| {
        stacked_colored(
            series_labels(r),
            vec![
                ("Helpful", series_values(r, |m| num(m.upvotes)), Some(HELPFUL_GREEN)),
                (
                    "Not helpful",
                    series_values(r, |m| num(m.downvotes)),
                    Some(NOT_HELPFUL_RED),
                ),
            ],
            false,
        )
    })
}

fn votes_rows(r: &AnalyticsReport) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "bucket".into(),
        "start".into(),
        "upvotes".into(),
        "downvotes".into(),
    ]];
    for b in r.series.iter().flatten() {
        rows.push(vec![
            b.bucket.clone(),
            b.start.clone(),
            b.values.upvotes.unwrap_or(0).to_string(),
            b.values.downvotes.unwrap_or(0).to_string(),
        ]);
    }
    rows
}

fn item_names(r: &AnalyticsReport) -> Vec<String> {
    r.items.iter().map(|i| i.name.clone()).collect()
}

fn most_active_chart(r: &AnalyticsReport) -> Option<Chart> {
    (!r.items.is_empty()).then(|| {
        stacked(
            item_names(r),
            vec![("Queries", r.items.iter().map(|i| num(i.values.query_count)).collect())],
            true,
        )
    })
}

fn most_active_rows(r: &AnalyticsReport) -> Vec<Vec<String>> {
    let mut rows = vec![vec!["id".into(), "name".into(), "queries".into(), "people".into()]];
    for i in &r.items {
        rows.push(vec![
            i.id.to_string(),
            i.name.clone(),
            i.values.query_count.unwrap_or(0).to_string(),
            i.values.user_count.unwrap_or(0).to_string(),
        ]);
    }
    rows
}

fn entity_votes_chart(r: &AnalyticsReport) -> Option<Chart> {
    (!r.items.is_empty()).then(|| {
        stacked(
            item_names(r),
            vec![
                ("Helpful", r.items.iter().map(|i| num(i.values.upvotes)).collect()),
                ("Not helpful", r.items.iter().map(|i| num(i.values.downvotes)).collect()),
            ],
            true,
        )
    })
}

fn entity_votes_rows(r: &AnalyticsReport) -> Vec<Vec<String>> {
    let mut rows = vec![vec!["id".into(), "name".into(), "upvotes".into(), "downvotes".into()]];
    for i in &r.items {
        rows.push(vec![
            i.id.to_string(),
            i.name.clone(),
            i.values.upvotes.unwrap_or(0).to_string(),
            i.values.downvotes.unwrap_or(0).to_string(),
        ]);
    }
    rows
}

fn documents_chart(r: &AnalyticsReport) -> Option<Chart> {
    (!r.items.is_empty()).then(|| {
        stacked(
            item_names(r),
            vec![(
                "Documents added",
                r.items.iter().map(|i| num(i.values.document_count)).collect(),
            )],
            true,
        )
    })
}

fn documents_rows(r: &AnalyticsReport) -> Vec<Vec<String>> {
    let mut rows = vec![vec!["id".into(), "name".into(), "documents_added".into()]];
    for i in &r.items {
        rows.push(vec![
            i.id.to_string(),
            i.name.clone(),
            i.values.document_count.unwrap_or(0).to_string(),
        ]);
    }
    rows
}

fn modes_chart(r: &IndexingModeReport) -> Option<Chart> {
    r.totals
        .iter()
        .any(|m| m.count > 0)
        // Modes no corpus uses are in the table, not the donut: their labels would pile up at zero.
        .then(|| {
            pie(r
                .totals
                .iter()
                .filter(|m| m.count > 0)
                .map(|m| (m.count as f64, m.mode.clone()))
                .collect())
        })
}

fn modes_rows(r: &IndexingModeReport) -> Vec<Vec<String>> {
    let mut rows = vec![vec!["indexing_mode_id".into(), "mode".into(), "corpora".into()]];
    for m in &r.totals {
        rows.push(vec![
            m.indexing_mode_id.to_string(),
            m.mode.clone(),
            m.count.to_string(),
        ]);
    }
    rows
}

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let range = query_param("range");
    let start = query_param("start");
    let end = query_param("end");
    let bucket = query_param("bucket");
    let tab = query_param("tab");
    let filter_params: [(&'static str, Signal<String>); 4] = [
        ("agent_ids", query_param("agent_ids")),
        ("project_ids", query_param("project_ids")),
        ("team_ids", query_param("team_ids")),
        ("user_ids", query_param("user_ids")),
    ];
    let set_query = query_setter();
    let zone = browser_zone();
    let current_range = move || {
        let r = range.get();
        if r.is_empty() { "30d".to_string() } else { r }
    };
    let params = Memo::new(move |_| {
        let (start_date, end_date, auto) = match PRESETS.iter().find(|p| p.0 == current_range()) {
            Some((_, _, back, auto)) => (local_date(*back), local_date(0), auto.to_string()),
            None => {
                let (s, e) = (start.get(), end.get());
                let (s, e) = if s.is_empty() || e.is_empty() {
                    (local_date(29), local_date(0))
                } else {
                    (s, e)
                };
                let auto = auto_bucket(span_days(&s, &e)).to_string();
                (s, e, auto)
            }
        };
        let chosen = bucket.get();
        Params {
            start_date,
            end_date,
            bucket_type: if chosen.is_empty() { auto } else { chosen },
            timezone: zone.clone(),
            filters: filter_params
                .iter()
                .filter_map(|(k, v)| {
                    let v = v.get();
                    (!v.is_empty()).then(|| (k.to_string(), v))
                })
                .collect(),
        }
    });
    // A memo: other URL changes (range, filters) must not rebuild the tab and its charts.
    let current_tab = Memo::new(move |_| {
        let t = tab.get();
        if TABS.iter().any(|(k, _)| *k == t) {
            t
        } else {
            "overview".to_string()
        }
    });
    let set_preset = set_query.clone();
    let set_custom = set_query.clone();
    let set_bucket = set_query.clone();
    let set_tab = set_query.clone();
    let clear_filter = set_query.clone();

    view! {
        <section class="page analytics">
            <header class="page-header">
                <div>
                    <h1>"Analytics"</h1>
                    <p class="muted small" id="analytics-range">
                        {move || { let p = params.get(); format!("{} to {} · {} · by {}", p.start_date, p.end_date, p.timezone, p.bucket_type) }}
                    </p>
                </div>
            </header>
            <div class="toolbar" role="group" aria-label="Range">
                {PRESETS.iter().map(|(key, label, _, _)| {
                    let set = set_preset.clone();
                    view! {
                        <button type="button" class="chip" id=format!("range-{key}")
                            aria-pressed=move || (current_range() == *key).to_string()
                            on:click=move |_| set(&[("range", key.to_string()), ("start", String::new()), ("end", String::new())])>{*label}</button>
                    }
                }).collect_view()}
                <label class="sr-only" for="range-start">"From"</label>
                <input type="date" id="range-start" prop:value=move || params.get().start_date
                    on:change={
                        let set = set_custom.clone();
                        move |ev| {
                            let p = params.get_untracked();
                            set(&[("range", "custom".into()), ("start", event_target_value(&ev)), ("end", p.end_date)]);
                        }
                    }/>
                <label class="sr-only" for="range-end">"To"</label>
                <input type="date" id="range-end" prop:value=move || params.get().end_date
                    on:change={
                        let set = set_custom.clone();
                        move |ev| {
                            let p = params.get_untracked();
                            set(&[("range", "custom".into()), ("start", p.start_date), ("end", event_target_value(&ev))]);
                        }
                    }/>
                <label for="bucket" class="sr-only">"Group by"</label>
                <select id="bucket" prop:value=move || bucket.get()
                    on:change=move |ev| set_bucket(&[("bucket", event_target_value(&ev))])>
                    <option value="">"Automatic"</option>
                    <option value="hour">"By hour"</option>
                    <option value="day">"By day"</option>
                    <option value="week">"By week"</option>
                    <option value="month">"By month"</option>
                </select>
            </div>
            {move || {
                let active: Vec<(String, String)> = params.get().filters;
                (!active.is_empty()).then(|| {
                    let clear = clear_filter.clone();
                    view! {
                        <p class="filters" id="analytics-filters">
                            {active.into_iter().map(|(k, v)| view! { <span class="chip">{format!("{}: {v}", k.trim_end_matches("_ids"))}</span> }).collect_view()}
                            <button type="button" class="button small" on:click=move |_| clear(&[
                                ("agent_ids", String::new()), ("project_ids", String::new()), ("team_ids", String::new()), ("user_ids", String::new()),
                            ])>"Clear filters"</button>
                        </p>
                    }
                })
            }}
            <nav class="tabs" role="tablist" aria-label="Analytics sections">
                {TABS.iter().map(|(key, label)| {
                    let set = set_tab.clone();
                    view! {
                        <button type="button" role="tab" class="tab" id=format!("tab-{key}")
                            aria-selected=move || (current_tab.get() == *key).to_string()
                            on:click=move |_| set(&[("tab", key.to_string())])>{*label}</button>
                    }
                }).collect_view()}
            </nav>
            {move || match current_tab.get().as_str() {
                "overview" => view! { <Overview params=params/> }.into_any(),
                kind => {
                    let kind: &'static str = TABS.iter().find(|(k, _)| *k == kind).map(|(k, _)| *k).unwrap_or("agents");
                    view! { <EntityTab kind=kind params=params/> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Counter(label: &'static str, value: i64) -> impl IntoView {
    view! {
        <div class="card stat">
            <p class="stat-label">{label}</p>
            <p class="stat-value">{thousands(value)}</p>
        </div>
    }
}

#[component]
fn SummaryCards(state: RwSignal<Load<SummaryReport>>) -> impl IntoView {
    show(state, |s: SummaryReport| {
        let cards: Vec<(&str, String, Option<f64>)> = vec![
            ("Queries", thousands(s.current.query_count), s.change.query_count),
            ("Tokens", thousands(s.current.total_tokens), s.change.total_tokens),
            ("Cost", usd(&s.current.cost), s.change.cost),
            ("Active users", thousands(s.current.active_users), s.change.active_users),
            (
                "Conversations",
                thousands(s.current.thread_count),
                s.change.thread_count,
            ),
            ("Helpful votes", thousands(s.current.upvotes), s.change.upvotes),
        ];
        view! {
            <div class="stats" id="summary-cards">
                {cards.into_iter().map(|(label, value, change)| {
                    let (text, class) = change_label(change);
                    view! {
                        <div class="card stat">
                            <p class="stat-label">{label}</p>
                            <p class="stat-value">{value}</p>
                            <p class=format!("stat-change {class}")>{text}</p>
                        </div>
                    }
                }).collect_view()}
                <div class="card stat">
                    <p class="stat-label">"Per user · per conversation"</p>
                    <p class="stat-value">{format!("{:.1} · {:.1}", s.current.avg_queries_per_user, s.current.avg_queries_per_thread)}</p>
                    <p class="stat-change muted">{format!("queries; {} per query", usd(&s.current.avg_cost_per_query))}</p>
                </div>
            </div>
        }
    })
}

#[component]
fn Overview(params: Memo<Params>) -> impl IntoView {
    let totals = load(|| (), |_| async move { api::analytics::total_counts().await });
    let summary = load(
        move || params.get(),
        |p| async move { api::analytics::summary("/api/v2/analytics/summary", &p).await },
    );
    let queries = load(
        move || params.get(),
        |p| async move { api::analytics::report("/api/v2/query-counts/", &p).await },
    );
    let tokens = load(
        move || params.get(),
        |p| async move { api::analytics::report("/api/v2/token-counts/", &p).await },
    );
    let costs = load(
        move || params.get(),
        |p| async move { api::analytics::report("/api/v2/analytics/costs/", &p).await },
    );
    let votes = load(
        move || params.get(),
        |p| async move { api::analytics::report("/api/v2/analytics/vote-counts/", &p).await },
    );
    let latency = load(
        move || params.get(),
        |p| async move { api::analytics::latency(&p).await },
    );
    view! {
        {show(totals, |t: TotalCounts| view! {
            <div class="stats" id="total-counts">
                <Counter label="Users" value=t.users/>
                <Counter label="Agents" value=t.agents/>
                <Counter label="Teams" value=t.teams/>
                <Counter label="Projects" value=t.projects/>
                <Counter label="Queries" value=t.queries/>
                <Counter label="Documents" value=t.documents/>
            </div>
        })}
        <SummaryCards state=summary/>
        <div class="chart-grid">
            <ChartCard title="Queries" id="chart-queries" state=queries chart=queries_chart rows=queries_rows/>
            <ChartCard title="Tokens" id="chart-tokens" state=tokens chart=tokens_chart rows=tokens_rows/>
            <ChartCard title="Cost (USD)" id="chart-cost" state=costs chart=cost_chart rows=cost_rows/>
            <ChartCard title="Votes" id="chart-votes" state=votes chart=votes_chart rows=votes_rows/>
        </div>
        <Latency state=latency/>
    }
}

/// "1.2 s", "340 ms"; a dash when nothing was measured.
pub fn duration(ms: Option<i64>) -> String {
    match ms {
        None => "–".into(),
        Some(ms) if ms < 1_000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

fn latency_rows(r: &LatencyReport) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "model",
            "answers",
            "total_tokens",
            "cost_usd",
            "first_token_p50_ms",
            "first_token_p95_ms",
            "end_p50_ms",
            "end_p95_ms",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let ms = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for m in &r.models {
        rows.push(vec![
            m.model.clone(),
            m.query_count.to_string(),
            m.total_tokens.to_string(),
            m.cost.clone(),
            ms(m.first_token.p50_ms),
            ms(m.first_token.p95_ms),
            ms(m.total.p50_ms),
            ms(m.total.p95_ms),
        ]);
    }
    rows
}

/// How fast answers come: p50 and p95 to the first token and to the end, and the same per
/// model with its answers, tokens and cost (Langfuse's latency and model views).
#[component]
fn Latency(state: RwSignal<Load<LatencyReport>>) -> impl IntoView {
    let export = move |_| {
        if let Load::Ready(data) = state.get_untracked() {
            save_text("latency-by-model.csv", "text/csv", &csv(&latency_rows(&data)));
        }
    };
    let pair = |p: &Percentiles| format!("{} · {}", duration(p.p50_ms), duration(p.p95_ms));
    view! {
        <section class="card" id="latency" aria-labelledby="latency-title">
            <header class="chart-header">
                <h2 id="latency-title">"Speed and models"</h2>
                <button type="button" class="button small" id="latency-csv" on:click=export
                    aria-label="Download speed by model as CSV">"CSV"</button>
            </header>
            {move || match state.get() {
                Load::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
                Load::Failed(e) => crate::components::load::failure(e).into_any(),
                Load::Ready(r) if r.query_count == 0 => view! {
                    <p class="muted">"No answers in this range."</p>
                }.into_any(),
                Load::Ready(r) => view! {
                    <div class="stats" id="latency-cards">
                        <div class="card stat">
                            <p class="stat-label">"First token · p50 · p95"</p>
                            <p class="stat-value" id="latency-first-token">{pair(&r.first_token)}</p>
                            <p class="stat-change muted">{format!("over {} streamed answers", thousands(r.first_token.count))}</p>
                        </div>
                        <div class="card stat">
                            <p class="stat-label">"Whole answer · p50 · p95"</p>
                            <p class="stat-value" id="latency-total">{pair(&r.total)}</p>
                            <p class="stat-change muted">{format!("over {} answers; evaluation runs not counted", thousands(r.query_count))}</p>
                        </div>
                    </div>
                    <div class="table-scroll">
                        <table class="table" id="latency-models">
                            <caption class="sr-only">"Answers by model"</caption>
                            <thead><tr>
                                <th scope="col">"Model"</th>
                                <th scope="col" class="num">"Answers"</th>
                                <th scope="col" class="num">"Tokens"</th>
                                <th scope="col" class="num">"Cost"</th>
                                <th scope="col" class="num">"First token p50 · p95"</th>
                                <th scope="col" class="num">"Whole answer p50 · p95"</th>
                            </tr></thead>
                            <tbody>
                                {r.models.iter().map(|m| view! {
                                    <tr>
                                        <th scope="row">{m.model.clone()}</th>
                                        <td class="num">{thousands(m.query_count)}</td>
                                        <td class="num">{thousands(m.total_tokens)}</td>
                                        <td class="num">{usd(&m.cost)}</td>
                                        <td class="num">{pair(&m.first_token)}</td>
                                        <td class="num">{pair(&m.total)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// Sortable columns of the entity table.
const COLUMNS: [(&str, &str); 8] = [
    ("name", "Name"),
    ("queries", "Queries"),
    ("tokens", "Tokens"),
    ("cost", "Cost"),
    ("upvotes", "Helpful"),
    ("downvotes", "Not helpful"),
    ("users", "Active users"),
    ("threads", "Conversations"),
];

fn sort_rows(rows: &mut [EntitySummary], key: &str, descending: bool) {
    rows.sort_by(|a, b| {
        let (x, y) = (&a.summary, &b.summary);
        let order = match key {
            "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            "tokens" => x.total_tokens.cmp(&y.total_tokens),
            "cost" => x
                .cost
                .parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&y.cost.parse::<f64>().unwrap_or(0.0)),
            "upvotes" => x.upvotes.cmp(&y.upvotes),
            "downvotes" => x.downvotes.cmp(&y.downvotes),
            "users" => x.active_users.cmp(&y.active_users),
            "threads" => x.thread_count.cmp(&y.thread_count),
            _ => x.query_count.cmp(&y.query_count),
        };
        if descending { order.reverse() } else { order }
    });
}

fn table_rows(rows: &[EntitySummary]) -> Vec<Vec<String>> {
    let mut out = vec![
        [
            "id",
            "name",
            "queries",
            "total_tokens",
            "cost_usd",
            "upvotes",
            "downvotes",
            "active_users",
            "conversations",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
    ];
    for r in rows {
        let s = &r.summary;
        out.push(vec![
            r.id.to_string(),
            r.name.clone(),
            s.query_count.to_string(),
            s.total_tokens.to_string(),
            s.cost.clone(),
            s.upvotes.to_string(),
            s.downvotes.to_string(),
            s.active_users.to_string(),
            s.thread_count.to_string(),
        ]);
    }
    out
}

#[component]
fn EntityTab(kind: &'static str, params: Memo<Params>) -> impl IntoView {
    let summary = load(
        move || params.get(),
        move |p| async move { api::analytics::summary(&format!("/api/v2/analytics/{kind}/summary"), &p).await },
    );
    let most_active = load(
        move || params.get(),
        move |p| async move { api::analytics::most_active(kind, &p).await },
    );
    let queries = load(
        move || params.get(),
        move |p| async move { api::analytics::report(&format!("/api/v2/analytics/{kind}/query-counts"), &p).await },
    );
    let costs = load(
        move || params.get(),
        move |p| async move { api::analytics::report(&format!("/api/v2/analytics/{kind}/costs"), &p).await },
    );
    let tokens = load(
        move || params.get(),
        move |p| async move { api::analytics::report(&format!("/api/v2/analytics/{kind}/token-counts"), &p).await },
    );
    let votes = load(
        move || params.get(),
        move |p| async move { api::analytics::report(&format!("/api/v2/analytics/{kind}/vote-counts"), &p).await },
    );
    let documents = load(
        move || params.get(),
        move |p| async move { api::analytics::report(&format!("/api/v2/analytics/{kind}/document-counts"), &p).await },
    );
    let modes = load(
        move || params.get(),
        move |p| async move { api::analytics::indexing_modes(kind, &p).await },
    );
    let recent_days = move || {
        let p = params.get();
        span_days(&p.start_date, &p.end_date)
    };
    let recent = load(recent_days, move |days| async move {
        api::analytics::recent(kind, days).await
    });
    let sort_key = RwSignal::new("queries".to_string());
    let descending = RwSignal::new(true);
    let set_query = query_setter();
    let filter_key = match kind {
        "agents" => "agent_ids",
        "projects" => "project_ids",
        "teams" => "team_ids",
        _ => "user_ids",
    };
    let export = move |_| {
        if let Load::Ready(s) = summary.get_untracked() {
            let mut items = s.items;
            sort_rows(&mut items, &sort_key.get_untracked(), descending.get_untracked());
            save_text(&format!("{kind}-summary.csv"), "text/csv", &csv(&table_rows(&items)));
        }
    };
    view! {
        <div class="chart-grid">
            <ChartCard title="Most active" id="chart-most-active" state=most_active chart=most_active_chart rows=most_active_rows/>
            <ChartCard title="Queries over time" id="chart-entity-queries" state=queries chart=queries_chart rows=queries_rows/>
            <ChartCard title="Cost over time (USD)" id="chart-entity-cost" state=costs chart=cost_chart rows=cost_rows/>
            <ChartCard title="Tokens over time" id="chart-entity-tokens" state=tokens chart=tokens_chart rows=tokens_rows/>
            <ChartCard title="Votes" id="chart-entity-votes" state=votes chart=entity_votes_chart rows=entity_votes_rows/>
            <ChartCard title="Documents added" id="chart-entity-documents" state=documents chart=documents_chart rows=documents_rows/>
            <ChartCard title="Indexing modes" id="chart-entity-modes" state=modes chart=modes_chart rows=modes_rows/>
        </div>
        <section class="card">
            <header class="chart-header">
                <h2>"Summary"</h2>
                <button type="button" class="button small" id="entity-table-csv" on:click=export aria-label="Download the summary table as CSV">"CSV"</button>
            </header>
            {show(summary, move |s: SummaryReport| {
                if s.items.is_empty() {
                    return view! { <p class="muted">"No activity in this range."</p> }.into_any();
                }
                let set_query = set_query.clone();
                let rows = move || {
                    let mut items = s.items.clone();
                    sort_rows(&mut items, &sort_key.get(), descending.get());
                    items
                };
                view! {
                    <div class="table-scroll">
                        <table class="table" id="entity-table">
                            <thead><tr>
                                {COLUMNS.iter().map(|(key, label)| view! {
                                    <th scope="col" aria-sort=move || if sort_key.get() == *key { if descending.get() { "descending" } else { "ascending" } } else { "none" }>
                                        <button type="button" class="sort" on:click=move |_| {
                                            if sort_key.get_untracked() == *key {
                                                descending.update(|d| *d = !*d);
                                            } else {
                                                sort_key.set(key.to_string());
                                                descending.set(*key != "name");
                                            }
                                        }>{*label}</button>
                                    </th>
                                }).collect_view()}
                                <th scope="col"><span class="sr-only">"Filter"</span></th>
                            </tr></thead>
                            <tbody>
                                {move || rows().into_iter().map(|r| {
                                    let set = set_query.clone();
                                    let id = r.id;
                                    let s = r.summary;
                                    view! {
                                        <tr>
                                            <td>{r.name.clone()}</td>
                                            <td class="num">{thousands(s.query_count)}</td>
                                            <td class="num">{thousands(s.total_tokens)}</td>
                                            <td class="num">{usd(&s.cost)}</td>
                                            <td class="num">{thousands(s.upvotes)}</td>
                                            <td class="num">{thousands(s.downvotes)}</td>
                                            <td class="num">{thousands(s.active_users)}</td>
                                            <td class="num">{thousands(s.thread_count)}</td>
                                            <td><button type="button" class="button small" aria-label=format!("Show only {}", r.name)
                                                on:click=move |_| set(&[(filter_key, id.to_string())])>"Filter"</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            })}
        </section>
        <section class="card">
            <h2>"Recently created"</h2>
            {show(recent, |r: RecentReport| if r.items.is_empty() {
                view! { <p class="muted">{format!("Nothing created in the last {} days.", r.days)}</p> }.into_any()
            } else {
                view! {
                    <ul class="recent-list" id="recent-list">
                        {r.items.into_iter().map(|e| view! {
                            <li><strong>{e.name}</strong>" "<span class="muted small">{format!("{} · {}", e.created_on.get(..10).unwrap_or(""), e.created_by)}</span></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}
