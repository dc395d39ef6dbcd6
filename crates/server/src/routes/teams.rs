//! Teams and their members.

use axum::{extract::State, http::Method};
use ejento_api::{AddMembers, Envelope, MemberPage, ProjectPage, RoleInput, Team, TeamInput, TeamPage, validate};

use super::{
    Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, membership, ok, projects::project_page,
};
use crate::{
    auth::{
        Caller,
        authz::{self, Need, OrgAction},
    },
    error::{FieldErrors, Result},
    state::AppState,
    store::{MemberTable, ProjectFilter, RecentKind},
};

const TAG: &str = "Teams";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.route(Method::GET, "/api/v2/teams", (TAG, "Get all Teams", SignedIn), list)
        .route(Method::POST, "/api/v2/teams", (TAG, "Create a Team", SignedIn), create)
        .route(
            Method::GET,
            "/api/v2/teams/{team_id}",
            (TAG, "Get a Team", SignedIn),
            get,
        )
        .route(
            Method::PUT,
            "/api/v2/teams/{team_id}",
            (TAG, "Update a Team", SignedIn),
            update,
        )
        .route(
            Method::DELETE,
            "/api/v2/teams/{team_id}",
            (TAG, "Delete a Team", SignedIn),
            delete,
        )
        .route(
            Method::GET,
            "/api/v2/teams/{team_id}/projects",
            (TAG, "Get all Projects of a Team", SignedIn),
            projects,
        )
        .route(
            Method::GET,
            "/api/v2/teams/{team_id}/users",
            (TAG, "Get all Users in a Team", SignedIn),
            members,
        )
        .route(
            Method::POST,
            "/api/v2/teams/{team_id}/users",
            (TAG, "Add Users to a Team", SignedIn),
            add_members,
        )
        .route(
            Method::PUT,
            "/api/v2/teams/{team_id}/users/{user_id}",
            (TAG, "Update User Role in Team", SignedIn),
            set_role,
        )
        .route(
            Method::DELETE,
            "/api/v2/teams/{team_id}/users/{user_id}",
            (TAG, "Remove User from Team", SignedIn),
            remove,
        )
        .route(
            Method::GET,
            "/api/v2/users/me/teams",
            (TAG, "Get all Teams of the Authenticated User", SignedIn),
            mine,
        )
        .route(
            Method::GET,
            "/api/v2/users/me/recent-teams",
            (TAG, "Get Recent Teams", SignedIn),
            recent,
        )
        .route(
            Method::POST,
            "/api/v2/users/me/recent-teams/{team_id}",
            (TAG, "Create a Recent Team", SignedIn),
            touch,
        )
}

fn parse_input(body: &TeamInput) -> Result<(String, String)> {
    let mut errors = FieldErrors::default();
    let name = errors.take("name", validate::resource_name(&body.name, "team"));
    let description = errors.take(
        "description",
        validate::bounded_text(&body.description, validate::DESCRIPTION_MAX_CHARS),
    );
    errors.finish()?;
    Ok((name.unwrap_or_default(), description.unwrap_or_default()))
}

async fn page(state: &AppState, caller: &Caller, only_mine: bool, q: &ListQuery) -> Result<TeamPage> {
    let page = q.page();
    let (rows, count) = state
        .store
        .list_teams(
            caller.org_id(),
            caller.user_id(),
            only_mine,
            q.search.as_deref(),
            crate::store::TEAM_SORT.parse(q.sort.as_deref())?,
            page,
        )
        .await?;
    Ok(TeamPage {
        teams: rows.into_iter().map(|r| r.into_wire()).collect(),
        meta: page.meta(count),
    })
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<TeamPage>> {
    Ok(ok(
        "Teams fetched successfully.",
        page(&state, &caller, false, &q).await?,
    ))
}

async fn mine(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<TeamPage>> {
    Ok(ok(
        "Teams fetched successfully.",
        page(&state, &caller, true, &q).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<TeamInput>,
) -> Result<(axum::http::StatusCode, Json<Team>)> {
    authz::require(&state, &caller, OrgAction::CreateTeam).await?;
    let (name, description) = parse_input(&body)?;
    let id = state
        .store
        .create_team(
            caller.org_id(),
            &name,
            &description,
            &caller.user.email,
            caller.user_id(),
        )
        .await?;
    let team = authz::team(&state, &caller, id, Need::View).await?;
    Ok(created("Team created successfully.", team.into_wire()))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Team>> {
    let team = authz::team(&state, &caller, id, Need::View).await?;
    Ok(ok("Team fetched successfully.", team.into_wire()))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TeamInput>,
) -> Result<Json<Team>> {
    authz::team(&state, &caller, id, Need::Administer).await?;
    let (name, description) = parse_input(&body)?;
    state
        .store
        .update_team(id, &name, &description, &caller.user.email)
        .await?;
    let team = authz::team(&state, &caller, id, Need::View).await?;
    Ok(ok("Team updated successfully.", team.into_wire()))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    authz::team(&state, &caller, id, Need::Administer).await?;
    state.store.delete_team(id, &caller.user.email).await?;
    Ok(ok("Team deleted successfully.", ejento_api::Deleted { id }))
}

async fn projects(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ProjectPage>> {
    authz::team(&state, &caller, id, Need::View).await?;
    let filter = ProjectFilter {
        team_id: Some(id),
        search: q.search.as_deref(),
        member: None,
    };
    Ok(ok(
        "Projects fetched successfully.",
        project_page(&state, &caller, &filter, &q).await?,
    ))
}

async fn members(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<MemberPage>> {
    authz::team(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Team users fetched successfully.",
        membership::member_page(&state, MemberTable::Team, id, &q).await?,
    ))
}

async fn add_members(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AddMembers>,
) -> Result<Json<MemberPage>> {
    authz::team(&state, &caller, id, Need::Administer).await?;
    let page = membership::add(&state, &caller, MemberTable::Team, id, &body).await?;
    Ok(ok("Users added to the team.", page))
}

async fn set_role(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<RoleInput>,
) -> Result<Json<MemberPage>> {
    authz::team(&state, &caller, id, Need::Administer).await?;
    let page = membership::change_role(&state, MemberTable::Team, id, user, &body, "team").await?;
    Ok(ok("Role updated.", page))
}

async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<Json<MemberPage>> {
    authz::team(&state, &caller, id, Need::Administer).await?;
    let page = membership::remove(&state, MemberTable::Team, id, user, "team").await?;
    Ok(ok("User removed from the team.", page))
}

async fn recent(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Team>>> {
    let ids = state.store.recent_ids(caller.user_id(), RecentKind::Team).await?;
    let mut teams = Vec::new();
    for id in ids {
        if let Some(t) = state.store.find_team(caller.org_id(), caller.user_id(), id).await? {
            teams.push(t.into_wire());
        }
    }
    Ok(ok("Recent teams fetched successfully.", teams))
}

async fn touch(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Team>> {
    let team = authz::team(&state, &caller, id, Need::View).await?;
    state.store.touch_recent(caller.user_id(), RecentKind::Team, id).await?;
    Ok(ok("Team added to recent teams.", team.into_wire()))
}
