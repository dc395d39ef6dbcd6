//! Workflows (a project's set of agents behind one supervisor) and conversations with them.

use axum::{extract::State, http::Method};
use ejento_api::{
    Envelope, SupervisorType, Workflow, WorkflowAgentUsage, WorkflowAnalytics, WorkflowDay, WorkflowInput,
    WorkflowPage, WorkflowTablePage, WorkflowThread, WorkflowThreadInput, WorkflowThreadPage, validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need},
    },
    error::{Error, FieldErrors, Result},
    state::AppState,
    store::{WorkflowFields, WorkflowFilter, WorkflowRow},
};

const TAG: &str = "Workflows";
type Json<T> = axum::Json<Envelope<T>>;

/// Agents one workflow may combine: each question may ask all of them.
const MAX_AGENTS: usize = 10;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/workflows",
        (TAG, "Get all Workflows", SignedIn),
        list,
    )
    .route(
        Method::GET,
        "/api/v2/workflows/{workflow_id}/analytics",
        (
            TAG,
            "A workflow's answers, tokens, cost, votes and reviews per day and per agent",
            SignedIn,
        ),
        analytics,
    )
    .route(
        Method::POST,
        "/api/v2/workflows",
        (TAG, "Create a Workflow", SignedIn),
        create,
    )
    .route(
        Method::GET,
        "/api/v2/workflows/{workflow_id}",
        (TAG, "Get a Workflow", SignedIn),
        get,
    )
    .route(
        Method::PUT,
        "/api/v2/workflows/{workflow_id}",
        (TAG, "Update a Workflow", SignedIn),
        update,
    )
    .route(
        Method::DELETE,
        "/api/v2/workflows/{workflow_id}",
        (TAG, "Delete a Workflow", SignedIn),
        delete,
    )
    .route(
        Method::GET,
        "/api/v2/projects/{project_id}/workflows",
        ("Projects", "Get all Workflows for a Project", SignedIn),
        of_project,
    )
    .route(
        Method::GET,
        "/api/v2/users/{user_id}/workflows",
        ("Users", "Get all Workflows for a User", SignedIn),
        of_user,
    )
    .route(
        Method::GET,
        "/api/v2/users/{user_id}/workflow-tables",
        ("Users", "Get all Workflow Tables for a User", SignedIn),
        tables_of_user,
    )
    .route(
        Method::GET,
        "/api/v2/workflows/{workflow_id}/workflow-chat-threads",
        (TAG, "Get all Workflow Chat Threads", SignedIn),
        threads,
    )
    .route(
        Method::POST,
        "/api/v2/workflows/{workflow_id}/workflow-chat-threads",
        (TAG, "Create a Workflow Chat Thread", SignedIn),
        create_thread,
    )
    .route(
        Method::GET,
        "/api/v2/workflow-chat-threads/{workflow_thread_id}",
        (TAG, "Get a Workflow Chat Thread", SignedIn),
        get_thread,
    )
    .route(
        Method::PUT,
        "/api/v2/workflow-chat-threads/{workflow_thread_id}",
        (TAG, "Update a Workflow Chat Thread", SignedIn),
        rename_thread,
    )
    .route(
        Method::DELETE,
        "/api/v2/workflow-chat-threads/{workflow_thread_id}",
        (TAG, "Delete a Workflow Chat Thread", SignedIn),
        delete_thread,
    )
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct WorkflowQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    project_id: Option<i64>,
}

async fn with_agents(state: &AppState, row: WorkflowRow) -> Result<Workflow> {
    let mut agents = state.store.workflow_agents(&[row.id]).await?;
    let agents = agents.remove(&row.id).unwrap_or_default();
    Ok(row.into_wire(agents))
}

async fn page_of(
    state: &AppState,
    caller: &Caller,
    filter: &WorkflowFilter<'_>,
    q: &ListQuery,
) -> Result<WorkflowPage> {
    let page = q.page();
    let (rows, count) = state.store.list_workflows(caller.org_id(), filter, page).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut agents = state.store.workflow_agents(&ids).await?;
    Ok(WorkflowPage {
        workflows: rows
            .into_iter()
            .map(|r| {
                let a = agents.remove(&r.id).unwrap_or_default();
                r.into_wire(a)
            })
            .collect(),
        meta: page.meta(count),
    })
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<WorkflowQuery>,
) -> Result<Json<WorkflowPage>> {
    let filter = WorkflowFilter {
        project_id: q.project_id,
        creator: None,
        search: q.list.search.as_deref(),
    };
    Ok(ok(
        "Workflows fetched successfully.",
        page_of(&state, &caller, &filter, &q.list).await?,
    ))
}

async fn of_project(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(project): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<WorkflowPage>> {
    authz::project(&state, &caller, project, Need::View).await?;
    let filter = WorkflowFilter {
        project_id: Some(project),
        creator: None,
        search: q.search.as_deref(),
    };
    Ok(ok(
        "Workflows fetched successfully.",
        page_of(&state, &caller, &filter, &q).await?,
    ))
}

async fn require_user(state: &AppState, caller: &Caller, user: i64) -> Result<()> {
    if state.store.users_in_org(caller.org_id(), &[user]).await?.is_empty() {
        return Err(Error::not_found("User"));
    }
    Ok(())
}

/// The workflows a user created.
async fn of_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(user): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<WorkflowPage>> {
    require_user(&state, &caller, user).await?;
    let filter = WorkflowFilter {
        project_id: None,
        creator: Some(user),
        search: q.search.as_deref(),
    };
    Ok(ok(
        "Workflows fetched successfully.",
        page_of(&state, &caller, &filter, &q).await?,
    ))
}

/// The workflows a user created, as rows of the workflows table: with how much each is used.
async fn tables_of_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(user): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<WorkflowTablePage>> {
    require_user(&state, &caller, user).await?;
    let filter = WorkflowFilter {
        project_id: None,
        creator: Some(user),
        search: q.search.as_deref(),
    };
    let page = q.page();
    let (rows, count) = state.store.list_workflows(caller.org_id(), &filter, page).await?;
    Ok(ok(
        "Workflow tables fetched successfully.",
        WorkflowTablePage {
            workflows: state.store.workflow_table_rows(rows).await?,
            meta: page.meta(count),
        },
    ))
}

/// Checks everything a workflow is made of; the caller must be able to work in the project
/// and to use every agent (a workflow must not expose an agent its creator cannot see).
async fn parse_input(
    state: &AppState,
    caller: &Caller,
    body: &WorkflowInput,
) -> Result<(String, String, SupervisorType)> {
    let mut errors = FieldErrors::default();
    let name = errors.take("name", validate::resource_name(&body.name, "workflow"));
    let description = errors.take(
        "description",
        validate::bounded_text(&body.description, validate::DESCRIPTION_MAX_CHARS),
    );
    let supervisor = SupervisorType::parse(&body.supervisor_type);
    if supervisor.is_none() {
        errors.add(
            "supervisor_type",
            format!(
                "supervisor_type must be Router, Consolidator or Dynamic, not \"{}\".",
                body.supervisor_type
            ),
        );
    }
    match authz::project(state, caller, body.project_id, Need::Contribute).await {
        Ok(_) => {}
        Err(Error::NotFound(_)) => errors.add(
            "project_id",
            format!("There is no project {} in your organization.", body.project_id),
        ),
        Err(Error::Forbidden(_)) => errors.add(
            "project_id",
            "Only members of the project can add workflows to it.".to_string(),
        ),
        Err(other) => return Err(other),
    }
    if body.agent_ids.is_empty() {
        errors.add("agent_ids", "Choose at least one agent.".to_string());
    } else if body.agent_ids.len() > MAX_AGENTS {
        errors.add("agent_ids", format!("A workflow combines at most {MAX_AGENTS} agents."));
    }
    let mut seen = Vec::new();
    for agent in &body.agent_ids {
        if seen.contains(agent) {
            errors.add("agent_ids", format!("Agent {agent} is listed twice."));
            continue;
        }
        seen.push(*agent);
        match authz::agent(state, caller, *agent, Need::View).await {
            Ok(_) => {}
            Err(Error::NotFound(_)) => {
                errors.add("agent_ids", format!("There is no agent {agent} in your organization."))
            }
            Err(Error::Forbidden(_)) => errors.add(
                "agent_ids",
                format!("Agent {agent} is private: ask its owner for access before adding it."),
            ),
            Err(other) => return Err(other),
        }
    }
    errors.finish()?;
    Ok((
        name.unwrap_or_default(),
        description.unwrap_or_default(),
        supervisor.unwrap_or(SupervisorType::Router),
    ))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<WorkflowInput>,
) -> Result<(axum::http::StatusCode, Json<Workflow>)> {
    let (name, description, supervisor) = parse_input(&state, &caller, &body).await?;
    let fields = WorkflowFields {
        project_id: body.project_id,
        name: &name,
        description: &description,
        supervisor,
        agent_ids: &body.agent_ids,
    };
    let id = state
        .store
        .create_workflow(caller.org_id(), caller.user_id(), &caller.user.email, &fields)
        .await?;
    let row = authz::workflow(&state, &caller, id, Need::View).await?;
    Ok(created(
        "Workflow created successfully.",
        with_agents(&state, row).await?,
    ))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Workflow>> {
    let row = authz::workflow(&state, &caller, id, Need::View).await?;
    Ok(ok("Workflow fetched successfully.", with_agents(&state, row).await?))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WorkflowInput>,
) -> Result<Json<Workflow>> {
    authz::workflow(&state, &caller, id, Need::Administer).await?;
    let (name, description, supervisor) = parse_input(&state, &caller, &body).await?;
    let fields = WorkflowFields {
        project_id: body.project_id,
        name: &name,
        description: &description,
        supervisor,
        agent_ids: &body.agent_ids,
    };
    state.store.update_workflow(id, &caller.user.email, &fields).await?;
    let row = authz::workflow(&state, &caller, id, Need::View).await?;
    Ok(ok("Workflow updated successfully.", with_agents(&state, row).await?))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    authz::workflow(&state, &caller, id, Need::Administer).await?;
    state.store.delete_workflow(id, &caller.user.email).await?;
    Ok(ok("Workflow deleted successfully.", ejento_api::Deleted { id }))
}

/// The caller's own conversations with a workflow.
async fn threads(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<WorkflowThreadPage>> {
    authz::workflow(&state, &caller, id, Need::View).await?;
    let page = q.page();
    let (rows, count) = state.store.list_workflow_threads(id, caller.user_id(), page).await?;
    Ok(ok(
        "Workflow chat threads fetched successfully.",
        WorkflowThreadPage {
            workflow_chat_threads: rows.into_iter().map(|r| r.into_wire()).collect(),
            meta: page.meta(count),
        },
    ))
}

fn parse_title(title: Option<&str>) -> Result<Option<String>> {
    let Some(title) = title.map(str::trim) else {
        return Ok(None);
    };
    let title = validate::bounded_text(title, 200).map_err(|m| Error::invalid("title", m))?;
    Ok((!title.is_empty()).then_some(title))
}

async fn create_thread(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<(axum::http::StatusCode, Json<WorkflowThread>)> {
    let workflow = authz::workflow(&state, &caller, id, Need::View).await?;
    // The body is optional (`{title}`).
    let input: WorkflowThreadInput = if body.iter().all(u8::is_ascii_whitespace) {
        WorkflowThreadInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| Error::BadRequest(format!("The body is not valid JSON: {e}.")))?
    };
    let title = parse_title(input.title.as_deref())?.unwrap_or_else(|| "New Chat".to_string());
    let thread = state
        .store
        .create_workflow_thread(
            caller.org_id(),
            workflow.id,
            caller.user_id(),
            &caller.user.email,
            &title,
        )
        .await?;
    Ok(created(
        "Workflow chat thread created successfully.",
        thread.into_wire(),
    ))
}

async fn get_thread(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<WorkflowThread>> {
    let thread = authz::workflow_thread(&state, &caller, id).await?;
    Ok(ok("Workflow chat thread fetched successfully.", thread.into_wire()))
}

async fn rename_thread(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WorkflowThreadInput>,
) -> Result<Json<WorkflowThread>> {
    authz::workflow_thread(&state, &caller, id).await?;
    let title =
        parse_title(body.title.as_deref())?.ok_or_else(|| Error::invalid("title", "Give the conversation a title."))?;
    state
        .store
        .rename_workflow_thread(id, &title, &caller.user.email)
        .await?;
    let thread = authz::workflow_thread(&state, &caller, id).await?;
    Ok(ok("Workflow chat thread updated successfully.", thread.into_wire()))
}

async fn delete_thread(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    authz::workflow_thread(&state, &caller, id).await?;
    state.store.delete_workflow_thread(id, &caller.user.email).await?;
    Ok(ok(
        "Workflow chat thread deleted successfully.",
        ejento_api::Deleted { id },
    ))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct RangeQuery {
    /// First and last UTC day, `YYYY-MM-DD`; the last 30 days by default.
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// Longest range a workflow's analytics cover at once.
const MAX_DAYS: i64 = 366;

fn day(field: &str, v: Option<&str>) -> Result<Option<time::Date>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => time::Date::parse(v, &format)
            .map(Some)
            .map_err(|_| Error::invalid(field, format!("{field} must be a date such as 2026-01-31."))),
    }
}

/// Usage of one workflow: its creator and the project's administrators may read it.
async fn analytics(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Result<Json<WorkflowAnalytics>> {
    authz::workflow(&state, &caller, id, Need::Administer).await?;
    let today = crate::clock::now().date();
    let to = day("to", q.to.as_deref())?.unwrap_or(today);
    let from = day("from", q.from.as_deref())?.unwrap_or(to - time::Duration::days(29));
    if from > to {
        return Err(Error::invalid("from", "from must not be after to."));
    }
    if (to - from).whole_days() >= MAX_DAYS {
        return Err(Error::invalid(
            "from",
            format!("A range covers at most {MAX_DAYS} days."),
        ));
    }
    let next = to + time::Duration::days(1);
    let usage = state
        .store
        .workflow_usage_between(
            caller.org_id(),
            id,
            &format!("{from}T00:00:00"),
            &format!("{next}T00:00:00"),
        )
        .await?;
    let nanos = |cost: &str| i128::from(crate::store::analytics::cost_nanos(cost));
    let mut by_day: Vec<(String, i64, i64, i128)> = Vec::new();
    let mut d = from;
    while d <= to {
        by_day.push((d.to_string(), 0, 0, 0));
        d += time::Duration::days(1);
    }
    let (mut completed, mut failed, mut cancelled, mut tokens, mut cost) = (0, 0, 0, 0, 0i128);
    for (created_on, status, total_tokens, c) in &usage.responses {
        match status.as_str() {
            "completed" => completed += 1,
            "failed" => failed += 1,
            "cancelled" => cancelled += 1,
            _ => {}
        }
        tokens += total_tokens;
        cost += nanos(c);
        if let Some(bucket) = by_day.iter_mut().find(|b| created_on.starts_with(&b.0)) {
            bucket.1 += 1;
            bucket.2 += total_tokens;
            bucket.3 += nanos(c);
        }
    }
    let mut by_agent: Vec<(i64, String, i64, i64, i128)> = Vec::new();
    for (agent_id, name, total_tokens, c) in &usage.steps {
        match by_agent.iter_mut().find(|a| a.0 == *agent_id) {
            Some(a) => {
                a.2 += 1;
                a.3 += total_tokens;
                a.4 += nanos(c);
            }
            None => by_agent.push((*agent_id, name.clone(), 1, *total_tokens, nanos(c))),
        }
    }
    by_agent.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let format_cost = crate::store::analytics::format_cost;
    Ok(ok(
        "Workflow analytics fetched successfully.",
        WorkflowAnalytics {
            workflow_id: id,
            from: from.to_string(),
            to: to.to_string(),
            responses: usage.responses.len() as i64,
            completed,
            failed,
            cancelled,
            total_tokens: tokens,
            cost: format_cost(cost),
            upvotes: usage.upvotes,
            downvotes: usage.downvotes,
            average_rating: usage.reviews.1.map(|r| (r * 100.0).round() / 100.0),
            reviews: usage.reviews.0,
            by_agent: by_agent
                .into_iter()
                .map(|(agent_id, agent_name, steps, total_tokens, cost)| WorkflowAgentUsage {
                    agent_id,
                    agent_name,
                    steps,
                    total_tokens,
                    cost: format_cost(cost),
                })
                .collect(),
            by_day: by_day
                .into_iter()
                .map(|(date, responses, total_tokens, cost)| WorkflowDay {
                    date,
                    responses,
                    total_tokens,
                    cost: format_cost(cost),
                })
                .collect(),
        },
    ))
}
