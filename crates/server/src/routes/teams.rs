//! Teams and their members.

use axum::{extract::State, http::Method};
use ejento_api::{
    AddMembers, Envelope, Member, MemberPage, ProjectPage, ResourceRole, RoleInput, Team, TeamInput, TeamPage, validate,
};

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, ok, projects::project_page};
use crate::{
    auth::{
        Caller,
        authz::{self, Need, OrgAction},
    },
    error::{Error, FieldErrors, Result},
    startup::AppState,
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
            q.sort.as_deref(),
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
) -> Result<Json<serde_json::Value>> {
    authz::team(&state, &caller, id, Need::Administer).await?;
    state.store.delete_team(id, &caller.user.email).await?;
    Ok(ok("Team deleted successfully.", serde_json::json!({"id": id})))
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

/// Members of a team, project or agent, one page.
pub(super) async fn member_page(state: &AppState, table: MemberTable, id: i64, q: &ListQuery) -> Result<MemberPage> {
    let page = q.page();
    let (rows, count) = state.store.list_members(table, id, q.search.as_deref(), page).await?;
    Ok(MemberPage {
        users: rows.into_iter().map(|r| r.into_wire()).collect::<Vec<Member>>(),
        meta: page.meta(count),
    })
}

/// Resolves the users of an `AddMembers` body within the caller's organization.
pub(super) async fn resolve_members(
    state: &AppState,
    caller: &Caller,
    body: &AddMembers,
) -> Result<(Vec<i64>, ResourceRole)> {
    let mut errors = FieldErrors::default();
    let role = ResourceRole::parse(&body.role);
    if role.is_none() {
        errors.add("role", "The role must be Admin or Member.");
    }
    if body.user_ids.is_empty() && body.emails.is_empty() {
        errors.add("user_ids", "Name at least one user, by id or by e-mail.");
    }
    let mut ids: Vec<i64> = Vec::new();
    let found = state.store.users_in_org(caller.org_id(), &body.user_ids).await?;
    for id in &body.user_ids {
        if found.iter().any(|u| u.id == *id) {
            ids.push(*id);
        } else {
            errors.add("user_ids", format!("There is no user {id} in your organization."));
        }
    }
    for raw in &body.emails {
        let user = match crate::domain::Email::parse(raw) {
            Ok(email) => state.store.find_user_by_email(&email).await?,
            Err(m) => {
                errors.add("emails", m);
                continue;
            }
        };
        match user {
            Some(u) if u.organization_id == caller.org_id() => ids.push(u.id),
            _ => errors.add(
                "emails",
                format!("No one in your organization has the address {}.", raw.trim()),
            ),
        }
    }
    errors.finish()?;
    ids.sort_unstable();
    ids.dedup();
    Ok((ids, role.unwrap_or(ResourceRole::Member)))
}

pub(super) fn parse_role(body: &RoleInput) -> Result<ResourceRole> {
    ResourceRole::parse(&body.role).ok_or_else(|| Error::invalid("role", "The role must be Admin or Member."))
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
        member_page(&state, MemberTable::Team, id, &q).await?,
    ))
}

async fn add_members(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AddMembers>,
) -> Result<Json<MemberPage>> {
    authz::team(&state, &caller, id, Need::Administer).await?;
    let (users, role) = resolve_members(&state, &caller, &body).await?;
    state.store.upsert_members(MemberTable::Team, id, &users, role).await?;
    Ok(ok(
        "Users added to the team.",
        member_page(&state, MemberTable::Team, id, &ListQuery::default()).await?,
    ))
}

/// Refuses to leave a team, project or agent without any Admin.
pub(super) async fn keep_an_admin(state: &AppState, table: MemberTable, id: i64, user: i64, what: &str) -> Result<()> {
    let members = state
        .store
        .list_members(table, id, None, crate::store::PageRequest::new(Some(1), Some(100)))
        .await?
        .0;
    let is_admin = members.iter().any(|m| m.user_id == user && m.role == "Admin");
    if is_admin && state.store.count_admins(table, id).await? <= 1 {
        return Err(Error::Conflict(format!(
            "The {what} needs at least one Admin: make someone else Admin first."
        )));
    }
    Ok(())
}

async fn set_role(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<RoleInput>,
) -> Result<Json<MemberPage>> {
    authz::team(&state, &caller, id, Need::Administer).await?;
    let role = parse_role(&body)?;
    if role == ResourceRole::Member {
        keep_an_admin(&state, MemberTable::Team, id, user, "team").await?;
    }
    if !state.store.set_member_role(MemberTable::Team, id, user, role).await? {
        return Err(Error::not_found("Team member"));
    }
    Ok(ok(
        "Role updated.",
        member_page(&state, MemberTable::Team, id, &ListQuery::default()).await?,
    ))
}

async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<Json<MemberPage>> {
    authz::team(&state, &caller, id, Need::Administer).await?;
    keep_an_admin(&state, MemberTable::Team, id, user, "team").await?;
    if !state.store.remove_member(MemberTable::Team, id, user).await? {
        return Err(Error::not_found("Team member"));
    }
    Ok(ok(
        "User removed from the team.",
        member_page(&state, MemberTable::Team, id, &ListQuery::default()).await?,
    ))
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
