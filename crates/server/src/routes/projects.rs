//! Projects and their members.

use axum::{extract::State, http::Method};
use ejento_api::{
    AddMembers, AgentResponsePage, Envelope, MemberPage, Project, ProjectInput, ProjectPage, RoleInput, validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, membership, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need, OrgAction},
    },
    error::{Error, FieldErrors, Result},
    state::AppState,
    store::{MemberTable, ProjectFilter, RecentKind, ResponseScope},
};

const TAG: &str = "Projects";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/projects",
        (TAG, "Retrieve all Projects", SignedIn),
        list,
    )
    .route(
        Method::POST,
        "/api/v2/projects",
        (TAG, "Create a Project", SignedIn),
        create,
    )
    .route(
        Method::GET,
        "/api/v2/projects/filter",
        (TAG, "Get Projects based on filters", SignedIn),
        list,
    )
    .route(
        Method::GET,
        "/api/v2/projects/batch",
        (TAG, "Get multiple Projects by their IDs", SignedIn),
        batch,
    )
    .route(
        Method::GET,
        "/api/v2/projects/with-team-details",
        (TAG, "Get Projects with Team Details", SignedIn),
        with_teams,
    )
    .route(
        Method::GET,
        "/api/v2/projects/{project_id}",
        (TAG, "Get a Project", SignedIn),
        get,
    )
    .route(
        Method::PUT,
        "/api/v2/projects/{project_id}",
        (TAG, "Update a Project", SignedIn),
        update,
    )
    .route(
        Method::DELETE,
        "/api/v2/projects/{project_id}",
        (TAG, "Delete a Project", SignedIn),
        delete,
    )
    .route(
        Method::GET,
        "/api/v2/projects/{project_id}/users",
        (TAG, "Get all Users of a Project", SignedIn),
        members,
    )
    .route(
        Method::POST,
        "/api/v2/projects/{project_id}/users",
        (TAG, "Add Users to a Project", SignedIn),
        add_members,
    )
    .route(
        Method::PUT,
        "/api/v2/projects/{project_id}/users/{user_id}",
        (TAG, "Update User Role in Project", SignedIn),
        set_role,
    )
    .route(
        Method::DELETE,
        "/api/v2/projects/{project_id}/users/{user_id}",
        (TAG, "Remove a User from a Project", SignedIn),
        remove,
    )
    .route(
        Method::GET,
        "/api/v2/projects/{project_id}/agent-responses",
        (TAG, "Get Agent Responses using Project ID", SignedIn),
        project_responses,
    )
    .route(
        Method::GET,
        "/api/v2/users/{user_id}/agent-responses",
        ("Users", "Get Agent Responses of a User", SignedIn),
        user_responses,
    )
    .route(
        Method::GET,
        "/api/v2/users/me/projects",
        ("Users", "Get User Projects", SignedIn),
        mine,
    )
    .route(
        Method::GET,
        "/api/v2/users/{user_id}/projects",
        ("Users", "Get Projects of a User", SignedIn),
        of_user,
    )
    .route(
        Method::GET,
        "/api/v2/users/me/recent-projects",
        (TAG, "Get Recent Projects for a User", SignedIn),
        recent,
    )
    .route(
        Method::POST,
        "/api/v2/users/me/recent-projects/{project_id}",
        (TAG, "Add a Recent Project for a User", SignedIn),
        touch,
    )
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct ProjectQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    team_id: Option<i64>,
}

pub(super) async fn project_page(
    state: &AppState,
    caller: &Caller,
    filter: &ProjectFilter<'_>,
    q: &ListQuery,
) -> Result<ProjectPage> {
    let page = q.page();
    let (rows, count) = state
        .store
        .list_projects(
            caller.org_id(),
            caller.user_id(),
            filter,
            crate::store::PROJECT_SORT.parse(q.sort.as_deref())?,
            page,
        )
        .await?;
    Ok(ProjectPage {
        projects: rows.into_iter().map(|r| r.into_wire()).collect(),
        meta: page.meta(count),
    })
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ProjectQuery>,
) -> Result<Json<ProjectPage>> {
    let filter = ProjectFilter {
        team_id: q.team_id,
        search: q.list.search.as_deref(),
        member: None,
    };
    Ok(ok(
        "Projects fetched successfully.",
        project_page(&state, &caller, &filter, &q.list).await?,
    ))
}

/// Same list, named for clients that want the team spelled out (every project carries `team_name`).
async fn with_teams(state: State<AppState>, caller: Caller, q: ApiQuery<ProjectQuery>) -> Result<Json<ProjectPage>> {
    list(state, caller, q).await
}

async fn mine(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ProjectQuery>,
) -> Result<Json<ProjectPage>> {
    let filter = ProjectFilter {
        team_id: q.team_id,
        search: q.list.search.as_deref(),
        member: Some(caller.user_id()),
    };
    Ok(ok(
        "Projects fetched successfully.",
        project_page(&state, &caller, &filter, &q.list).await?,
    ))
}

async fn of_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(user): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ProjectQuery>,
) -> Result<Json<ProjectPage>> {
    if state.store.users_in_org(caller.org_id(), &[user]).await?.is_empty() {
        return Err(Error::not_found("User"));
    }
    let filter = ProjectFilter {
        team_id: q.team_id,
        search: q.list.search.as_deref(),
        member: Some(user),
    };
    Ok(ok(
        "Projects fetched successfully.",
        project_page(&state, &caller, &filter, &q.list).await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct BatchQuery {
    /// Comma-separated ids.
    ids: String,
}

async fn batch(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<BatchQuery>,
) -> Result<Json<Vec<Project>>> {
    let mut ids = Vec::new();
    for part in q.ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        ids.push(
            part.parse::<i64>()
                .map_err(|_| Error::BadRequest(format!("\"{part}\" is not a project id.")))?,
        );
    }
    if ids.len() > 100 {
        return Err(Error::BadRequest("Ask for at most 100 projects at once.".into()));
    }
    let rows = state
        .store
        .projects_by_ids(caller.org_id(), caller.user_id(), &ids)
        .await?;
    Ok(ok(
        "Projects fetched successfully.",
        rows.into_iter().map(|r| r.into_wire()).collect(),
    ))
}

async fn parse_input(state: &AppState, caller: &Caller, body: &ProjectInput) -> Result<(String, String)> {
    let mut errors = FieldErrors::default();
    let name = errors.take("name", validate::resource_name(&body.name, "project"));
    let description = errors.take(
        "description",
        validate::bounded_text(&body.description, validate::DESCRIPTION_MAX_CHARS),
    );
    if let Some(team) = body.team_id
        && state
            .store
            .find_team(caller.org_id(), caller.user_id(), team)
            .await?
            .is_none()
    {
        errors.add("team_id", format!("There is no team {team} in your organization."));
    }
    errors.finish()?;
    Ok((name.unwrap_or_default(), description.unwrap_or_default()))
}

/// Creating in (or moving to) a team needs to be an Admin of that team, or an org administrator.
async fn require_team_admin(state: &AppState, caller: &Caller, team: Option<i64>) -> Result<()> {
    match team {
        Some(team) => {
            authz::team(state, caller, team, Need::Administer)
                .await
                .map_err(|e| match e {
                    Error::Forbidden(_) => {
                        Error::Forbidden("Only an Admin of the chosen team can put a project in it.".into())
                    }
                    other => other,
                })?;
            Ok(())
        }
        None => authz::require(state, caller, OrgAction::CreateProjectWithoutTeam).await,
    }
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ProjectInput>,
) -> Result<(axum::http::StatusCode, Json<Project>)> {
    let (name, description) = parse_input(&state, &caller, &body).await?;
    require_team_admin(&state, &caller, body.team_id).await?;
    let id = state
        .store
        .create_project(
            caller.org_id(),
            body.team_id,
            &name,
            &description,
            &caller.user.email,
            caller.user_id(),
        )
        .await?;
    let project = authz::project(&state, &caller, id, Need::View).await?;
    Ok(created("Project created successfully.", project.into_wire()))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Project>> {
    let project = authz::project(&state, &caller, id, Need::View).await?;
    Ok(ok("Project fetched successfully.", project.into_wire()))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ProjectInput>,
) -> Result<Json<Project>> {
    let current = authz::project(&state, &caller, id, Need::Administer).await?;
    let (name, description) = parse_input(&state, &caller, &body).await?;
    if body.team_id != current.team_id {
        require_team_admin(&state, &caller, body.team_id).await?;
    }
    state
        .store
        .update_project(id, body.team_id, &name, &description, &caller.user.email)
        .await?;
    let project = authz::project(&state, &caller, id, Need::View).await?;
    Ok(ok("Project updated successfully.", project.into_wire()))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    authz::project(&state, &caller, id, Need::Administer).await?;
    state.store.delete_project(id, &caller.user.email).await?;
    Ok(ok("Project deleted successfully.", ejento_api::Deleted { id }))
}

async fn members(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<MemberPage>> {
    authz::project(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Project users fetched successfully.",
        membership::member_page(&state, MemberTable::Project, id, &q).await?,
    ))
}

async fn add_members(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AddMembers>,
) -> Result<Json<MemberPage>> {
    authz::project(&state, &caller, id, Need::Administer).await?;
    let page = membership::add(&state, &caller, MemberTable::Project, id, &body).await?;
    Ok(ok("Users added to the project.", page))
}

async fn set_role(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<RoleInput>,
) -> Result<Json<MemberPage>> {
    authz::project(&state, &caller, id, Need::Administer).await?;
    let page = membership::change_role(&state, MemberTable::Project, id, user, &body, "project").await?;
    Ok(ok("Role updated.", page))
}

async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<Json<MemberPage>> {
    authz::project(&state, &caller, id, Need::Administer).await?;
    let page = membership::remove(&state, MemberTable::Project, id, user, "project").await?;
    Ok(ok("User removed from the project.", page))
}

async fn recent(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Project>>> {
    let ids = state.store.recent_ids(caller.user_id(), RecentKind::Project).await?;
    let rows = state
        .store
        .projects_by_ids(caller.org_id(), caller.user_id(), &ids)
        .await?;
    // Keep the visit order, newest first.
    let projects = ids
        .iter()
        .filter_map(|id| rows.iter().find(|r| r.id == *id).cloned())
        .map(|r| r.into_wire())
        .collect();
    Ok(ok("Recent projects fetched successfully.", projects))
}

async fn touch(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Project>> {
    let project = authz::project(&state, &caller, id, Need::View).await?;
    state
        .store
        .touch_recent(caller.user_id(), RecentKind::Project, id)
        .await?;
    Ok(ok("Project added to recent projects.", project.into_wire()))
}

/// Every answer given by the project's agents: for the project's Admins (and org administrators).
async fn project_responses(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<AgentResponsePage>> {
    authz::project(&state, &caller, id, Need::Administer).await?;
    let page = q.page();
    let (agent_responses, count) = state
        .store
        .list_agent_responses(caller.org_id(), ResponseScope::Project(id), page)
        .await?;
    Ok(ok(
        "Agent responses fetched successfully.",
        AgentResponsePage {
            agent_responses,
            meta: page.meta(count),
        },
    ))
}

/// A user's own answers; someone else's only for those who manage users.
async fn user_responses(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(user): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<AgentResponsePage>> {
    if state.store.users_in_org(caller.org_id(), &[user]).await?.is_empty() {
        return Err(Error::not_found("User"));
    }
    if user != caller.user_id() {
        authz::require(&state, &caller, OrgAction::ManageUsers).await?;
    }
    let page = q.page();
    let (agent_responses, count) = state
        .store
        .list_agent_responses(caller.org_id(), ResponseScope::User(user), page)
        .await?;
    Ok(ok(
        "Agent responses fetched successfully.",
        AgentResponsePage {
            agent_responses,
            meta: page.meta(count),
        },
    ))
}
