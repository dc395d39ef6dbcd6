//! Assembling analytics reports from rollups (usage) and from the catalog (documents, corpora,
//! recently created entities). Routes parse nothing and compute nothing; they call these.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ejento_api::{
    AnalyticsReport, BucketMetrics, EntityMetrics, EntityModes, EntitySummary, INDEXING_MODES, IndexingModeReport,
    LatencyReport, Metrics, ModeCount, ModelLatency, Percentiles, RecentEntity, RecentReport, Summary, SummaryChange,
    SummaryReport, TotalCounts,
};
use jiff::Timestamp;

use super::{AnalyticsQuery, Invalid, Window, parse_count, parse_ids};
use crate::{
    error::{Error, Result},
    store::{
        Store,
        analytics::{Dimension, EntityKind, ModelTimings, Usage, UsageScope, format_cost},
    },
};

impl From<Invalid> for Error {
    fn from(i: Invalid) -> Self {
        Error::invalid(i.field, i.message)
    }
}

/// Which usage numbers a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Queries,
    Tokens,
    Costs,
    Votes,
}

fn metrics(metric: Metric, u: &Usage) -> Metrics {
    match metric {
        Metric::Queries => Metrics {
            query_count: Some(u.queries),
            ..Default::default()
        },
        Metric::Tokens => Metrics {
            prompt_tokens: Some(u.prompt_tokens),
            completion_tokens: Some(u.completion_tokens),
            total_tokens: Some(u.total_tokens),
            ..Default::default()
        },
        Metric::Costs => Metrics {
            cost: Some(format_cost(i128::from(u.cost_nanos))),
            ..Default::default()
        },
        Metric::Votes => Metrics {
            upvotes: Some(u.upvotes),
            downvotes: Some(u.downvotes),
            ..Default::default()
        },
    }
}

/// Who is asking: the organization, and for callers who are not organization administrators
/// the projects they administer (their analytics cover those only).
#[derive(Debug, Clone)]
pub struct Viewer {
    pub organization_id: i64,
    pub projects: Option<Vec<i64>>,
}

/// A request's window and filters, resolved against the organization.
struct Request {
    window: Window,
    scope: UsageScope,
    /// Each project's team, each agent's project.
    teams_of: HashMap<i64, i64>,
    projects_of: HashMap<i64, i64>,
}

fn intersect(a: Option<Vec<i64>>, b: Option<Vec<i64>>) -> Option<Vec<i64>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.into_iter().filter(|x| b.contains(x)).collect()),
        (a, None) => a,
        (None, b) => b,
    }
}

async fn resolve(store: &Store, viewer: &Viewer, q: &AnalyticsQuery) -> Result<Request> {
    let window = Window::parse(q, Timestamp::now())?;
    let agents = parse_ids("agent_ids", &q.agent_ids)?;
    let projects = parse_ids("project_ids", &q.project_ids)?;
    let teams = parse_ids("team_ids", &q.team_ids)?;
    let users = parse_ids("user_ids", &q.user_ids)?;
    let org = viewer.organization_id;
    let teams_of: HashMap<i64, i64> = store.project_teams(org).await?.into_iter().collect();
    let projects_of: HashMap<i64, i64> = store.agent_projects(org).await?.into_iter().collect();
    // Teams aggregate through their projects.
    let team_projects = teams.map(|teams| {
        teams_of
            .iter()
            .filter(|(_, t)| teams.contains(t))
            .map(|(p, _)| *p)
            .collect::<Vec<_>>()
    });
    let projects = intersect(intersect(projects, team_projects), viewer.projects.clone());
    Ok(Request {
        scope: UsageScope {
            organization_id: org,
            start: window.start,
            end: window.end,
            agents,
            projects,
            users,
            cuts: window.cuts(),
        },
        window,
        teams_of,
        projects_of,
    })
}

fn names(list: Vec<(i64, String)>) -> HashMap<i64, String> {
    list.into_iter().collect()
}

/// Sums per project regrouped per team (projects without a team drop out).
fn per_team<T: Default + std::ops::AddAssign + Copy>(rows: &[(i64, T)], teams_of: &HashMap<i64, i64>) -> Vec<(i64, T)> {
    let mut out: BTreeMap<i64, T> = BTreeMap::new();
    for (project, v) in rows {
        if let Some(team) = teams_of.get(project) {
            *out.entry(*team).or_default() += *v;
        }
    }
    out.into_iter().collect()
}

async fn usage_per_entity(store: &Store, r: &Request, kind: EntityKind) -> Result<Vec<(i64, Usage)>> {
    Ok(match kind {
        EntityKind::Agent => store.usage_by(&r.scope, Dimension::Agent).await?,
        EntityKind::Project => store.usage_by(&r.scope, Dimension::Project).await?,
        EntityKind::User => store.usage_by(&r.scope, Dimension::User).await?,
        EntityKind::Team => per_team(&store.usage_by(&r.scope, Dimension::Project).await?, &r.teams_of),
        EntityKind::Corpus => Vec::new(),
    })
}

fn series_of<T: Copy + Default + std::ops::AddAssign>(
    window: &Window,
    points: impl IntoIterator<Item = (i64, T)>,
    at: impl Fn(&Window, i64) -> Option<usize>,
) -> Vec<T> {
    let mut out = vec![T::default(); window.buckets.len()];
    for (instant, v) in points {
        if let Some(i) = at(window, instant) {
            out[i] += v;
        }
    }
    out
}

fn report(
    window: &Window,
    totals: Metrics,
    items: Vec<EntityMetrics>,
    series: Option<Vec<BucketMetrics>>,
) -> AnalyticsReport {
    AnalyticsReport {
        start_date: window.start_date.to_string(),
        end_date: window.end_date.to_string(),
        timezone: window.timezone.clone(),
        bucket_type: window.bucket_type.map(|b| b.as_str().to_string()),
        totals,
        items,
        series,
    }
}

fn buckets<T>(window: &Window, values: &[T], to_metrics: impl Fn(&T) -> Metrics) -> Option<Vec<BucketMetrics>> {
    window.bucket_type.map(|_| {
        window
            .buckets
            .iter()
            .zip(values)
            .map(|(b, v)| BucketMetrics {
                bucket: b.label.clone(),
                start: b.start_rfc3339.clone(),
                values: to_metrics(v),
            })
            .collect()
    })
}

/// Query counts, tokens, costs or votes: overall (`kind` None) or per agent, project, team or user.
pub async fn usage(
    store: &Store,
    viewer: &Viewer,
    q: &AnalyticsQuery,
    kind: Option<EntityKind>,
    metric: Metric,
) -> Result<AnalyticsReport> {
    let r = resolve(store, viewer, q).await?;
    let slots = store.usage_by_slot(&r.scope).await?;
    let mut total = Usage::default();
    for (_, u) in &slots {
        total += *u;
    }
    let series = series_of(&r.window, slots, Window::bucket_of);
    let items = match kind {
        None => Vec::new(),
        Some(kind) => {
            let names = names(store.entity_names(viewer.organization_id, kind).await?);
            usage_per_entity(store, &r, kind)
                .await?
                .into_iter()
                .map(|(id, u)| EntityMetrics {
                    id,
                    name: names.get(&id).cloned().unwrap_or_default(),
                    values: metrics(metric, &u),
                })
                .collect()
        }
    };
    Ok(report(
        &r.window,
        metrics(metric, &total),
        items,
        buckets(&r.window, &series, |u| metrics(metric, u)),
    ))
}

/// Distinct askers per team: the union of its projects' askers.
fn team_askers(pairs: &[(i64, i64)], teams_of: &HashMap<i64, i64>) -> HashMap<i64, i64> {
    let mut sets: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for (project, user) in pairs {
        if let Some(team) = teams_of.get(project) {
            sets.entry(*team).or_default().insert(*user);
        }
    }
    sets.into_iter().map(|(t, s)| (t, s.len() as i64)).collect()
}

async fn askers_per_entity(store: &Store, r: &Request, kind: EntityKind) -> Result<HashMap<i64, i64>> {
    Ok(match kind {
        EntityKind::Agent => store
            .askers_by(&r.scope, Some(Dimension::Agent))
            .await?
            .into_iter()
            .collect(),
        EntityKind::Project => store
            .askers_by(&r.scope, Some(Dimension::Project))
            .await?
            .into_iter()
            .collect(),
        EntityKind::User => store
            .askers_by(&r.scope, Some(Dimension::User))
            .await?
            .into_iter()
            .collect(),
        EntityKind::Team => team_askers(&store.askers_per_project(&r.scope).await?, &r.teams_of),
        EntityKind::Corpus => HashMap::new(),
    })
}

async fn askers_total(store: &Store, r: &Request) -> Result<i64> {
    Ok(store
        .askers_by(&r.scope, None)
        .await?
        .first()
        .map(|(_, n)| *n)
        .unwrap_or(0))
}

/// The entities with the most queries in the range, with how many people asked.
pub async fn most_active(
    store: &Store,
    viewer: &Viewer,
    q: &AnalyticsQuery,
    kind: EntityKind,
) -> Result<AnalyticsReport> {
    let limit = parse_count("limit", &q.limit, 10, 100)? as usize;
    let r = resolve(store, viewer, q).await?;
    let names = names(store.entity_names(viewer.organization_id, kind).await?);
    let askers = askers_per_entity(store, &r, kind).await?;
    let mut rows = usage_per_entity(store, &r, kind).await?;
    rows.retain(|(_, u)| u.queries > 0);
    rows.sort_by(|a, b| b.1.queries.cmp(&a.1.queries).then(a.0.cmp(&b.0)));
    let total_queries: i64 = rows.iter().map(|(_, u)| u.queries).sum();
    let items = rows
        .into_iter()
        .take(limit)
        .map(|(id, u)| EntityMetrics {
            id,
            name: names.get(&id).cloned().unwrap_or_default(),
            values: Metrics {
                query_count: Some(u.queries),
                user_count: Some(askers.get(&id).copied().unwrap_or(0)),
                ..Default::default()
            },
        })
        .collect();
    let totals = Metrics {
        query_count: Some(total_queries),
        user_count: Some(askers_total(store, &r).await?),
        ..Default::default()
    };
    Ok(report(&r.window, totals, items, None))
}

fn summary_of(u: &Usage, active_users: i64, threads: i64) -> Summary {
    let per = |n: i64, d: i64| if d > 0 { n as f64 / d as f64 } else { 0.0 };
    Summary {
        query_count: u.queries,
        total_tokens: u.total_tokens,
        cost: format_cost(i128::from(u.cost_nanos)),
        upvotes: u.upvotes,
        downvotes: u.downvotes,
        active_users,
        thread_count: threads,
        avg_queries_per_user: per(u.queries, active_users),
        avg_queries_per_thread: per(u.queries, threads),
        avg_cost_per_query: if u.queries > 0 {
            format_cost(i128::from(u.cost_nanos) / i128::from(u.queries))
        } else {
            "0".into()
        },
    }
}

async fn period_summary(store: &Store, r: &Request) -> Result<Summary> {
    let mut total = Usage::default();
    for (_, u) in store.usage_by_slot(&r.scope).await? {
        total += u;
    }
    let (start, end) = r.window.timestamps();
    let threads: i64 = store
        .threads_started(&r.scope, &start, &end)
        .await?
        .iter()
        .map(|t| t.2)
        .sum();
    Ok(summary_of(&total, askers_total(store, r).await?, threads))
}

fn change(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| ((now - before) / before * 100.0 * 10.0).round() / 10.0)
}

/// Summary statistics of the range and the period of the same length before it; per entity
/// when `kind` is given.
pub async fn summary(
    store: &Store,
    viewer: &Viewer,
    q: &AnalyticsQuery,
    kind: Option<EntityKind>,
) -> Result<SummaryReport> {
    let r = resolve(store, viewer, q).await?;
    let previous_window = r.window.previous()?;
    let previous = Request {
        scope: UsageScope {
            start: previous_window.start,
            end: previous_window.end,
            cuts: previous_window.cuts(),
            ..r.scope.clone()
        },
        window: previous_window,
        teams_of: r.teams_of.clone(),
        projects_of: r.projects_of.clone(),
    };
    let current = period_summary(store, &r).await?;
    let before = period_summary(store, &previous).await?;
    let cost = |s: &Summary| crate::store::analytics::cost_nanos(&s.cost) as f64;
    let change = SummaryChange {
        query_count: change(current.query_count as f64, before.query_count as f64),
        total_tokens: change(current.total_tokens as f64, before.total_tokens as f64),
        cost: change(cost(&current), cost(&before)),
        upvotes: change(current.upvotes as f64, before.upvotes as f64),
        downvotes: change(current.downvotes as f64, before.downvotes as f64),
        active_users: change(current.active_users as f64, before.active_users as f64),
        thread_count: change(current.thread_count as f64, before.thread_count as f64),
    };
    let items = match kind {
        None => Vec::new(),
        Some(kind) => {
            let names = names(store.entity_names(viewer.organization_id, kind).await?);
            let askers = askers_per_entity(store, &r, kind).await?;
            let (start, end) = r.window.timestamps();
            let mut threads: HashMap<i64, i64> = HashMap::new();
            for (agent, user, n) in store.threads_started(&r.scope, &start, &end).await? {
                let project = r.projects_of.get(&agent).copied();
                let key = match kind {
                    EntityKind::Agent => Some(agent),
                    EntityKind::User => Some(user),
                    EntityKind::Project => project,
                    EntityKind::Team => project.and_then(|p| r.teams_of.get(&p).copied()),
                    EntityKind::Corpus => None,
                };
                if let Some(key) = key {
                    *threads.entry(key).or_default() += n;
                }
            }
            usage_per_entity(store, &r, kind)
                .await?
                .into_iter()
                .map(|(id, u)| EntitySummary {
                    id,
                    name: names.get(&id).cloned().unwrap_or_default(),
                    summary: summary_of(
                        &u,
                        askers.get(&id).copied().unwrap_or(0),
                        threads.get(&id).copied().unwrap_or(0),
                    ),
                })
                .collect()
        }
    };
    Ok(SummaryReport {
        start_date: r.window.start_date.to_string(),
        end_date: r.window.end_date.to_string(),
        timezone: r.window.timezone.clone(),
        previous_start_date: previous.window.start_date.to_string(),
        previous_end_date: previous.window.end_date.to_string(),
        current,
        previous: before,
        change,
        items,
    })
}

/// Agents in scope (their corpora are what documents and modes are counted through).
fn agents_in_scope(r: &Request) -> Option<BTreeSet<i64>> {
    let s = &r.scope;
    if s.agents.is_none() && s.projects.is_none() {
        return None;
    }
    Some(
        r.projects_of
            .iter()
            .filter(|(a, p)| {
                s.agents.as_ref().is_none_or(|l| l.contains(a)) && s.projects.as_ref().is_none_or(|l| l.contains(p))
            })
            .map(|(a, _)| *a)
            .collect(),
    )
}

/// The entities a corpus counts for: its agents, their projects and teams, its corpus.
fn owners_of(kind: EntityKind, corpus: i64, agents: &[i64], r: &Request) -> BTreeSet<i64> {
    let projects = || agents.iter().filter_map(|a| r.projects_of.get(a).copied());
    match kind {
        EntityKind::Agent => agents.iter().copied().collect(),
        EntityKind::Project => projects().collect(),
        EntityKind::Team => projects().filter_map(|p| r.teams_of.get(&p).copied()).collect(),
        EntityKind::Corpus => BTreeSet::from([corpus]),
        EntityKind::User => BTreeSet::new(),
    }
}

/// Which corpora count for a request: those connected to an agent in scope (all, unfiltered),
/// owned or uploaded by a user in scope.
struct CorpusScope {
    connected: HashMap<i64, Vec<i64>>,
    agents: Option<BTreeSet<i64>>,
    users: Option<Vec<i64>>,
}

impl CorpusScope {
    async fn new(store: &Store, org: i64, r: &Request) -> Result<Self> {
        let mut connected: HashMap<i64, Vec<i64>> = HashMap::new();
        for (corpus, agent) in store.corpus_connections(org).await? {
            connected.entry(corpus).or_default().push(agent);
        }
        Ok(Self {
            connected,
            agents: agents_in_scope(r),
            users: r.scope.users.clone(),
        })
    }

    /// The agents in scope a corpus counts for, or None when it is out of scope (for `person`,
    /// its uploader or owner).
    fn agents_of(&self, corpus: i64, person: i64) -> Option<Vec<i64>> {
        let agents: Vec<i64> = self
            .connected
            .get(&corpus)
            .map(|l| {
                l.iter()
                    .copied()
                    .filter(|a| self.agents.as_ref().is_none_or(|s| s.contains(a)))
                    .collect()
            })
            .unwrap_or_default();
        let out_of_scope =
            (self.agents.is_some() && agents.is_empty()) || self.users.as_ref().is_some_and(|u| !u.contains(&person));
        (!out_of_scope).then_some(agents)
    }
}

/// Documents added in the range (that still exist): overall or per agent, project, team, user
/// (who uploaded) or corpus. A document counts for every agent its corpus is connected to.
pub async fn documents(
    store: &Store,
    viewer: &Viewer,
    q: &AnalyticsQuery,
    kind: Option<EntityKind>,
) -> Result<AnalyticsReport> {
    let r = resolve(store, viewer, q).await?;
    let org = viewer.organization_id;
    let corpora = CorpusScope::new(store, org, &r).await?;
    let (start, end) = r.window.timestamps();
    let mut total = 0i64;
    let mut per: BTreeMap<i64, i64> = BTreeMap::new();
    let mut points = Vec::new();
    for (created_on, corpus, uploader) in store.documents_added(org, &start, &end).await? {
        let Some(agents) = corpora.agents_of(corpus, uploader) else {
            continue;
        };
        total += 1;
        points.push((crate::store::analytics::seconds_of(&created_on), 1i64));
        if let Some(kind) = kind {
            let owners = match kind {
                EntityKind::User => BTreeSet::from([uploader]),
                _ => owners_of(kind, corpus, &agents, &r),
            };
            for id in owners {
                *per.entry(id).or_default() += 1;
            }
        }
    }
    let series = series_of(&r.window, points, Window::bucket_of_instant);
    let count = |n: i64| Metrics {
        document_count: Some(n),
        ..Default::default()
    };
    let items = match kind {
        None => Vec::new(),
        Some(kind) => {
            let names = names(store.entity_names(org, kind).await?);
            per.into_iter()
                .map(|(id, n)| EntityMetrics {
                    id,
                    name: names.get(&id).cloned().unwrap_or_default(),
                    values: count(n),
                })
                .collect()
        }
    };
    Ok(report(
        &r.window,
        count(total),
        items,
        buckets(&r.window, &series, |n| count(*n)),
    ))
}

fn mode_counts(counts: &BTreeMap<i64, i64>) -> Vec<ModeCount> {
    INDEXING_MODES
        .iter()
        .map(|(id, mode)| ModeCount {
            indexing_mode_id: *id,
            mode: mode.to_string(),
            count: counts.get(id).copied().unwrap_or(0),
        })
        .collect()
}

/// Indexing modes of the corpora that exist now: overall, or per agent, project, team, user
/// (owner) or corpus. Dates do not apply.
pub async fn indexing_modes(
    store: &Store,
    viewer: &Viewer,
    q: &AnalyticsQuery,
    kind: Option<EntityKind>,
) -> Result<IndexingModeReport> {
    let r = resolve(store, viewer, q).await?;
    let org = viewer.organization_id;
    let corpora = CorpusScope::new(store, org, &r).await?;
    let mut totals: BTreeMap<i64, i64> = BTreeMap::new();
    let mut per: BTreeMap<i64, BTreeMap<i64, i64>> = BTreeMap::new();
    for (corpus, _, mode, owner) in store.live_corpora(org).await? {
        let Some(agents) = corpora.agents_of(corpus, owner) else {
            continue;
        };
        *totals.entry(mode).or_default() += 1;
        if let Some(kind) = kind {
            let owners = match kind {
                EntityKind::User => BTreeSet::from([owner]),
                _ => owners_of(kind, corpus, &agents, &r),
            };
            for id in owners {
                *per.entry(id).or_default().entry(mode).or_default() += 1;
            }
        }
    }
    let items = match kind {
        None => Vec::new(),
        Some(kind) => {
            let names = names(store.entity_names(org, kind).await?);
            per.into_iter()
                .map(|(id, counts)| EntityModes {
                    id,
                    name: names.get(&id).cloned().unwrap_or_default(),
                    modes: mode_counts(&counts),
                })
                .collect()
        }
    };
    Ok(IndexingModeReport {
        totals: mode_counts(&totals),
        items,
    })
}

/// Entities created in the last `days` days (default 7), newest first.
pub async fn recent(store: &Store, viewer: &Viewer, q: &AnalyticsQuery, kind: EntityKind) -> Result<RecentReport> {
    let days = parse_count("days", &q.days, 7, 3 * 366)?;
    let r = resolve(store, viewer, q).await?;
    let since = crate::time_fmt::from_now(time::Duration::days(-days));
    let mut rows = store.recently_created(viewer.organization_id, kind, &since).await?;
    // Those who see part of the organization see the part they administer.
    if let Some(projects) = &r.scope.projects {
        let keep = |id: i64| match kind {
            EntityKind::Project => projects.contains(&id),
            EntityKind::Agent => r.projects_of.get(&id).is_some_and(|p| projects.contains(p)),
            EntityKind::Team => projects.iter().any(|p| r.teams_of.get(p) == Some(&id)),
            EntityKind::User | EntityKind::Corpus => viewer.projects.is_none(),
        };
        rows.retain(|row| keep(row.0));
    }
    Ok(RecentReport {
        days,
        items: rows
            .into_iter()
            .map(|(id, name, created_on, created_by)| RecentEntity {
                id,
                name,
                created_on,
                created_by,
            })
            .collect(),
    })
}

/// How many of each thing there is: the organization for its administrators, otherwise what
/// the caller administers.
pub async fn total_counts(store: &Store, viewer: &Viewer) -> Result<TotalCounts> {
    let Some(projects) = &viewer.projects else {
        return store.total_counts(viewer.organization_id).await;
    };
    let org = viewer.organization_id;
    let agent_projects = store.agent_projects(org).await?;
    let agents: Vec<i64> = agent_projects
        .iter()
        .filter(|(_, p)| projects.contains(p))
        .map(|(a, _)| *a)
        .collect();
    let teams: BTreeSet<i64> = store
        .project_teams(org)
        .await?
        .into_iter()
        .filter(|(p, _)| projects.contains(p))
        .map(|(_, t)| t)
        .collect();
    let corpora: BTreeSet<i64> = store
        .corpus_connections(org)
        .await?
        .into_iter()
        .filter(|(_, a)| agents.contains(a))
        .map(|(c, _)| c)
        .collect();
    let scope = UsageScope {
        organization_id: org,
        start: i64::MIN,
        end: i64::MAX,
        projects: Some(projects.clone()),
        ..Default::default()
    };
    let mut queries = 0;
    for (_, u) in store.usage_by_slot(&scope).await? {
        queries += u.queries;
    }
    let users = store
        .askers_by(&scope, None)
        .await?
        .first()
        .map(|(_, n)| *n)
        .unwrap_or(0);
    let threads: i64 = store
        .threads_started(&scope, "", "9999")
        .await?
        .iter()
        .map(|t| t.2)
        .sum();
    let live_corpora = store.live_corpora(org).await?;
    Ok(TotalCounts {
        users,
        teams: teams.len() as i64,
        projects: projects.len() as i64,
        agents: agents.len() as i64,
        corpora: live_corpora.iter().filter(|c| corpora.contains(&c.0)).count() as i64,
        documents: store.documents_in(&corpora.into_iter().collect::<Vec<_>>()).await?,
        chat_threads: threads,
        queries,
    })
}

/// Nearest-rank percentiles (see [`Percentiles`]) of `values`, which it reorders.
pub fn percentiles(values: &mut [u32]) -> Percentiles {
    let n = values.len();
    let mut at = |p: usize| {
        if n == 0 {
            return None;
        }
        // Rank ⌈p·n/100⌉, 1-based; selection, not a full sort.
        let rank = (p * n).div_ceil(100).max(1);
        let (_, v, _) = values.select_nth_unstable(rank - 1);
        Some(i64::from(*v))
    };
    Percentiles {
        count: n as i64,
        p50_ms: at(50),
        p95_ms: at(95),
    }
}

/// Time to first token and to the end, p50 and p95, overall and per model, over the completed
/// answers to people in the range (filters as for usage).
pub async fn latency(store: &Store, viewer: &Viewer, q: &AnalyticsQuery) -> Result<LatencyReport> {
    let r = resolve(store, viewer, q).await?;
    let (start, end) = r.window.timestamps();
    let per_model = store.answer_timings(&r.scope, &start, &end).await?;
    // Selecting ranks costs time in proportion to the answers in range: off the async runtime.
    let (overall, mut models) = tokio::task::spawn_blocking(move || {
        let mut all = ModelTimings::default();
        let mut models = Vec::new();
        for (model, mut m) in per_model {
            all.answers += m.answers;
            all.first_token_ms.extend_from_slice(&m.first_token_ms);
            all.total_ms.extend_from_slice(&m.total_ms);
            models.push(ModelLatency {
                model,
                query_count: m.answers,
                total_tokens: m.total_tokens,
                cost: format_cost(m.cost_nanos),
                first_token: percentiles(&mut m.first_token_ms),
                total: percentiles(&mut m.total_ms),
            });
        }
        let overall = (
            all.answers,
            percentiles(&mut all.first_token_ms),
            percentiles(&mut all.total_ms),
        );
        (overall, models)
    })
    .await
    .map_err(|e| Error::Internal(anyhow::anyhow!("latency percentiles: {e}")))?;
    models.sort_by(|a, b| b.query_count.cmp(&a.query_count).then_with(|| a.model.cmp(&b.model)));
    Ok(LatencyReport {
        start_date: r.window.start_date.to_string(),
        end_date: r.window.end_date.to_string(),
        timezone: r.window.timezone.clone(),
        query_count: overall.0,
        first_token: overall.1,
        total: overall.2,
        models,
    })
}

#[cfg(test)]
mod latency_tests {
    use super::percentiles;

    #[test]
    fn nearest_rank() {
        assert_eq!(percentiles(&mut []).p50_ms, None);
        let p = percentiles(&mut [7]);
        assert_eq!((p.count, p.p50_ms, p.p95_ms), (1, Some(7), Some(7)));
        // 1..=20 shuffled: p50 is rank 10, p95 rank 19.
        let mut v: Vec<u32> = (1..=20).rev().collect();
        let p = percentiles(&mut v);
        assert_eq!((p.p50_ms, p.p95_ms), (Some(10), Some(19)));
        let mut v: Vec<u32> = vec![5, 1, 3];
        let p = percentiles(&mut v);
        assert_eq!((p.p50_ms, p.p95_ms), (Some(3), Some(5)));
    }
}
