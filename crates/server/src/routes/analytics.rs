//! The 46 analytics routes: usage (query counts, tokens, costs, votes), documents, indexing
//! modes, most active, recently created, summaries and total counts, overall and per agent,
//! project, team, user or corpus. Every path is also served with (or without) a trailing slash.
//! Organization administrators see the organization; everyone else, the projects they administer.

use axum::extract::State;
use ejento_api::Envelope;
use serde::Serialize;

use super::{Access::SignedIn, Api, ApiQuery, ok};
use crate::{
    analytics::{
        AnalyticsQuery,
        reports::{self, Metric, Viewer},
    },
    auth::{Caller, authz},
    error::Result,
    state::AppState,
    store::analytics::EntityKind,
};

const TAG: &str = "Analytics";

async fn viewer(state: &AppState, caller: &Caller) -> Result<Viewer> {
    let projects = if authz::is_org_admin(caller) {
        None
    } else {
        Some(state.store.administered_projects(caller.user_id()).await?)
    };
    Ok(Viewer {
        organization_id: caller.org_id(),
        projects,
    })
}

type Json<T> = axum::Json<Envelope<T>>;

fn answer<T: Serialize>(data: T) -> Json<T> {
    ok("Analytics fetched successfully.", data)
}

use EntityKind::{Agent, Corpus, Project, Team, User};
use Metric::{Costs, Queries, Tokens, Votes};

/// Usage reports: (path, summary, breakdown, metric).
const USAGE: [(&str, &str, Option<EntityKind>, Metric); 20] = [
    ("/api/v2/query-counts/", "Get Query Count Data", None, Queries),
    ("/api/v2/token-counts/", "Get Token Data", None, Tokens),
    ("/api/v2/analytics/costs/", "Get Cost Data", None, Costs),
    ("/api/v2/analytics/vote-counts/", "Get Vote Count Data", None, Votes),
    (
        "/api/v2/analytics/agents/query-counts",
        "Get Agent Query Count Data",
        Some(Agent),
        Queries,
    ),
    (
        "/api/v2/analytics/agents/token-counts",
        "Get Agent Token Data",
        Some(Agent),
        Tokens,
    ),
    (
        "/api/v2/analytics/agents/costs",
        "Get Agent Cost Data",
        Some(Agent),
        Costs,
    ),
    (
        "/api/v2/analytics/agents/vote-counts",
        "Get Agent Vote Data",
        Some(Agent),
        Votes,
    ),
    (
        "/api/v2/analytics/projects/query-counts",
        "Get Project Query Count Data",
        Some(Project),
        Queries,
    ),
    (
        "/api/v2/analytics/projects/token-counts",
        "Get Project Token Data",
        Some(Project),
        Tokens,
    ),
    (
        "/api/v2/analytics/projects/costs",
        "Get Project Cost Data",
        Some(Project),
        Costs,
    ),
    (
        "/api/v2/analytics/projects/vote-counts",
        "Get Project Vote Data",
        Some(Project),
        Votes,
    ),
    (
        "/api/v2/analytics/teams/query-counts",
        "Get Team Query Count Data",
        Some(Team),
        Queries,
    ),
    (
        "/api/v2/analytics/teams/token-counts",
        "Get Team Token Data",
        Some(Team),
        Tokens,
    ),
    ("/api/v2/analytics/teams/costs", "Get Team Cost Data", Some(Team), Costs),
    (
        "/api/v2/analytics/teams/vote-counts",
        "Get Team Vote Data",
        Some(Team),
        Votes,
    ),
    (
        "/api/v2/analytics/users/query-counts",
        "Get User Query Count Data",
        Some(User),
        Queries,
    ),
    (
        "/api/v2/analytics/users/token-counts",
        "Get User Token Data",
        Some(User),
        Tokens,
    ),
    ("/api/v2/analytics/users/costs", "Get User Cost Data", Some(User), Costs),
    (
        "/api/v2/analytics/users/vote-counts",
        "Get User Vote Data",
        Some(User),
        Votes,
    ),
];

const DOCUMENTS: [(&str, &str, Option<EntityKind>); 6] = [
    ("/api/v2/analytics/document-counts/", "Get Document Count Data", None),
    (
        "/api/v2/analytics/agents/document-counts",
        "Get Agent Document Count Data",
        Some(Agent),
    ),
    (
        "/api/v2/analytics/projects/document-counts",
        "Get Project Document Count Data",
        Some(Project),
    ),
    (
        "/api/v2/analytics/teams/document-counts",
        "Get Team Document Count Data",
        Some(Team),
    ),
    (
        "/api/v2/analytics/users/document-counts",
        "Get User Document Count Data",
        Some(User),
    ),
    (
        "/api/v2/analytics/corpora/document-counts",
        "Get Corpus Document Count Data",
        Some(Corpus),
    ),
];

const MODES: [(&str, &str, Option<EntityKind>); 6] = [
    ("/api/v2/analytics/indexing-modes", "Get Indexing Mode Data", None),
    (
        "/api/v2/analytics/agents/indexing-modes",
        "Get Agent Indexing Mode Data",
        Some(Agent),
    ),
    (
        "/api/v2/analytics/projects/indexing-modes",
        "Get Project Indexing Mode Data",
        Some(Project),
    ),
    (
        "/api/v2/analytics/teams/indexing-modes",
        "Get Team Indexing Mode Data",
        Some(Team),
    ),
    (
        "/api/v2/analytics/users/indexing-modes",
        "Get User Indexing Mode Data",
        Some(User),
    ),
    (
        "/api/v2/analytics/corpora/indexing-modes",
        "Get Corpus Indexing Mode Data",
        Some(Corpus),
    ),
];

const MOST_ACTIVE: [(&str, &str, EntityKind); 4] = [
    (
        "/api/v2/analytics/agents/most-active",
        "Get Agent Most Active Data",
        Agent,
    ),
    (
        "/api/v2/analytics/projects/most-active",
        "Get Project Most Active Data",
        Project,
    ),
    ("/api/v2/analytics/teams/most-active", "Get Team Most Active Data", Team),
    ("/api/v2/analytics/users/most-active", "Get User Most Active Data", User),
];

const RECENT: [(&str, &str, EntityKind); 4] = [
    ("/api/v2/analytics/agents/recent", "Get Recent Agent Data", Agent),
    ("/api/v2/analytics/projects/recent", "Get Recent Project Data", Project),
    ("/api/v2/analytics/teams/recent", "Get Recent Team Data", Team),
    ("/api/v2/analytics/users/recent", "Get Recent User Data", User),
];

const SUMMARY: [(&str, &str, Option<EntityKind>); 5] = [
    ("/api/v2/analytics/summary", "Get Overall Summary Statistics", None),
    (
        "/api/v2/analytics/agents/summary",
        "Get Agent Summary Statistics",
        Some(Agent),
    ),
    (
        "/api/v2/analytics/projects/summary",
        "Get Project Summary Statistics",
        Some(Project),
    ),
    (
        "/api/v2/analytics/teams/summary",
        "Get Team Summary Statistics",
        Some(Team),
    ),
    (
        "/api/v2/analytics/users/summary",
        "Get User Summary Statistics",
        Some(User),
    ),
];

pub(super) fn routes(mut api: Api) -> Api {
    for (path, summary, kind, metric) in USAGE {
        api = api.get_either_slash(
            path,
            (TAG, summary, SignedIn),
            move |State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AnalyticsQuery>| async move {
                let viewer = viewer(&state, &caller).await?;
                Ok::<_, crate::error::Error>(answer(reports::usage(&state.store, &viewer, &q, kind, metric).await?))
            },
        );
    }
    for (path, summary, kind) in DOCUMENTS {
        api = api.get_either_slash(
            path,
            (TAG, summary, SignedIn),
            move |State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AnalyticsQuery>| async move {
                let viewer = viewer(&state, &caller).await?;
                Ok::<_, crate::error::Error>(answer(reports::documents(&state.store, &viewer, &q, kind).await?))
            },
        );
    }
    for (path, summary, kind) in MODES {
        api = api.get_either_slash(
            path,
            (TAG, summary, SignedIn),
            move |State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AnalyticsQuery>| async move {
                let viewer = viewer(&state, &caller).await?;
                Ok::<_, crate::error::Error>(answer(reports::indexing_modes(&state.store, &viewer, &q, kind).await?))
            },
        );
    }
    for (path, summary, kind) in MOST_ACTIVE {
        api = api.get_either_slash(
            path,
            (TAG, summary, SignedIn),
            move |State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AnalyticsQuery>| async move {
                let viewer = viewer(&state, &caller).await?;
                Ok::<_, crate::error::Error>(answer(reports::most_active(&state.store, &viewer, &q, kind).await?))
            },
        );
    }
    for (path, summary, kind) in RECENT {
        api = api.get_either_slash(
            path,
            (TAG, summary, SignedIn),
            move |State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AnalyticsQuery>| async move {
                let viewer = viewer(&state, &caller).await?;
                Ok::<_, crate::error::Error>(answer(reports::recent(&state.store, &viewer, &q, kind).await?))
            },
        );
    }
    for (path, summary, kind) in SUMMARY {
        api = api.get_either_slash(
            path,
            (TAG, summary, SignedIn),
            move |State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AnalyticsQuery>| async move {
                let viewer = viewer(&state, &caller).await?;
                Ok::<_, crate::error::Error>(answer(reports::summary(&state.store, &viewer, &q, kind).await?))
            },
        );
    }
    api = api.get_either_slash(
        "/api/v2/analytics/latency",
        (TAG, "Get Answer Latency Percentiles by Model", SignedIn),
        |State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AnalyticsQuery>| async move {
            let viewer = viewer(&state, &caller).await?;
            Ok::<_, crate::error::Error>(answer(reports::latency(&state.store, &viewer, &q).await?))
        },
    );
    api.get_either_slash(
        "/api/v2/analytics/total-counts",
        (TAG, "Get Total Entity Counts", SignedIn),
        |State(state): State<AppState>, caller: Caller| async move {
            let viewer = viewer(&state, &caller).await?;
            Ok::<_, crate::error::Error>(answer(reports::total_counts(&state.store, &viewer).await?))
        },
    )
}
