//! Users: the current user, and the organization's users as administrators manage them.

use axum::{extract::State, http::Method};
use ejento_api::{
    CreateUser, CurrentUser, DeleteUsers, Envelope, ORG_PERMISSIONS, OrgPermission, OrgRole, PermissionInput,
    UpdateUser, User, UserPage, UserPermissions,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, OrgAction},
        password,
    },
    domain::{Email, Password, PersonName},
    error::{Error, FieldErrors, Result},
    state::AppState,
    store::{NewUser, UserRow},
};

const TAG: &str = "Users";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/users/me",
        (TAG, "Get authenticated User", SignedIn),
        me,
    )
    .route(Method::GET, "/api/v2/users", (TAG, "Get all Users", SignedIn), list)
    .route(
        Method::DELETE,
        "/api/v2/users",
        (TAG, "Delete multiple Users", SignedIn),
        delete_many,
    )
    .route(
        Method::GET,
        "/api/v2/users/by-email/{user_email}",
        (TAG, "Get a specific User by user_email", SignedIn),
        by_email,
    )
    .route(
        Method::GET,
        "/api/v2/users/{user_id}",
        (TAG, "Get a User", SignedIn),
        get,
    )
    .route(
        Method::PUT,
        "/api/v2/users/{user_id}",
        (TAG, "Update a User", SignedIn),
        update,
    )
    .route(
        Method::DELETE,
        "/api/v2/users/{user_id}",
        (TAG, "Delete a User", SignedIn),
        delete,
    )
    .route(
        Method::GET,
        "/api/v2/users/{user_id}/permissions",
        (TAG, "Get all User Permissions", SignedIn),
        permissions,
    )
    .route(
        Method::POST,
        "/api/v2/users/{user_id}/organization-permissions",
        (TAG, "Create a new User Organization Permission", SignedIn),
        grant,
    )
    .route(
        Method::PUT,
        "/api/v2/users/{user_id}/organization-permissions/{permission_id}",
        (TAG, "Update the Organization Permission of a User", SignedIn),
        update_grant,
    )
    .route(
        Method::DELETE,
        "/api/v2/users/{user_id}/organization-permissions/{permission_id}",
        (TAG, "Delete a User Organization Permission", SignedIn),
        revoke,
    )
    .route(
        Method::GET,
        "/api/v2/organizations/{organization_id}/users",
        ("Organizations", "Get all Users in an Organization", SignedIn),
        org_users,
    )
    .route(
        Method::POST,
        "/api/v2/organizations/{organization_id}/users",
        ("Organizations", "Create a User in an Organization", SignedIn),
        create,
    )
}

async fn me(caller: Caller) -> Json<CurrentUser> {
    ok("User fetched successfully.", caller.user.to_current_user())
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct UserQuery {
    #[serde(flatten)]
    list: ListQuery,
    role: Option<String>,
}

async fn user_page(state: &AppState, caller: &Caller, q: &UserQuery) -> Result<UserPage> {
    let role = q.role.as_deref().filter(|r| !r.is_empty());
    if let Some(r) = role
        && OrgRole::parse(r).is_none()
    {
        return Err(Error::BadRequest(
            "role must be Global Admin, Application Admin or User.".into(),
        ));
    }
    let page = q.list.page();
    let (rows, count) = state
        .store
        .list_users(caller.org_id(), q.list.search.as_deref(), role, page)
        .await?;
    Ok(UserPage {
        users: rows.iter().map(UserRow::to_wire).collect(),
        meta: page.meta(count),
    })
}

/// Everyone in the organization may read its directory (to add colleagues to teams and agents).
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<UserPage>> {
    Ok(ok("Users fetched successfully.", user_page(&state, &caller, &q).await?))
}

async fn org_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<UserPage>> {
    authz::require_own_org(&caller, org)?;
    Ok(ok("Users fetched successfully.", user_page(&state, &caller, &q).await?))
}

async fn find(state: &AppState, caller: &Caller, id: i64) -> Result<UserRow> {
    state
        .store
        .users_in_org(caller.org_id(), &[id])
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("User"))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<User>> {
    Ok(ok(
        "User fetched successfully.",
        find(&state, &caller, id).await?.to_wire(),
    ))
}

async fn by_email(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(email): ApiPath<String>,
) -> Result<Json<User>> {
    let email = Email::parse(&email).map_err(|_| Error::not_found("User"))?;
    match state.store.find_user_by_email(&email).await? {
        Some(u) if u.organization_id == caller.org_id() => Ok(ok("User fetched successfully.", u.to_wire())),
        _ => Err(Error::not_found("User")),
    }
}

fn parse_org_role(raw: &str) -> Result<OrgRole> {
    OrgRole::parse(raw).ok_or_else(|| Error::invalid("role", "role must be Global Admin, Application Admin or User."))
}

/// Only a Global Admin makes, unmakes or changes an administrator (Global or Application
/// Admin), whatever permissions the caller holds: `manage_users` manages Users only.
fn require_can_assign(caller: &Caller, from: OrgRole, to: OrgRole) -> Result<()> {
    let administrator = |role| matches!(role, OrgRole::GlobalAdmin | OrgRole::ApplicationAdmin);
    if (administrator(from) || administrator(to)) && caller.role() != OrgRole::GlobalAdmin {
        return Err(Error::Forbidden(
            "Only a Global Admin can grant, remove or change the Global Admin and Application Admin roles.".into(),
        ));
    }
    Ok(())
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(axum::http::StatusCode, Json<User>)> {
    authz::require_own_org(&caller, org)?;
    authz::require(&state, &caller, OrgAction::ManageUsers).await?;
    let mut e = FieldErrors::default();
    let email = e.take("email", Email::parse(&body.email));
    let first = e.take("first_name", PersonName::parse(&body.first_name));
    let last = e.take("last_name", PersonName::parse(&body.last_name));
    let role = OrgRole::parse(&body.role);
    if role.is_none() {
        e.add("role", "role must be Global Admin, Application Admin or User.");
    }
    let pw = match &body.password {
        Some(p) => e.take("password", Password::parse(p)),
        None => None,
    };
    e.finish()?;
    let (Some(email), Some(first_name), Some(last_name), Some(role)) = (email, first, last, role) else {
        unreachable!("finish() returned Ok")
    };
    require_can_assign(&caller, OrgRole::User, role)?;
    let password_hash = match pw {
        Some(p) => Some(password::hash(&p).await?),
        None => None,
    };
    let user = state
        .store
        .create_user(
            org,
            &NewUser {
                email,
                password_hash,
                first_name,
                last_name,
            },
            role,
        )
        .await?;
    let user = user.to_wire();
    let who = caller.audit("user.create", "user", format!("Created the account of {}", user.email));
    state
        .store
        .record_audit(&who, &user.id.to_string(), None::<&()>, Some(&user))
        .await?;
    Ok(created("User created successfully.", user))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<Json<User>> {
    let target = find(&state, &caller, id).await?;
    let own_name_only = id == caller.user_id() && body.role.is_none() && body.is_active.is_none();
    if !own_name_only {
        authz::require(&state, &caller, OrgAction::ManageUsers).await?;
    }
    let mut e = FieldErrors::default();
    let first = body
        .first_name
        .as_deref()
        .map(|f| e.take("first_name", PersonName::parse(f)));
    let last = body
        .last_name
        .as_deref()
        .map(|l| e.take("last_name", PersonName::parse(l)));
    let role = body
        .role
        .as_deref()
        .map(|r| e.take("role", parse_org_role(r).map_err(|e| e.to_string())));
    e.finish()?;
    let role = role.flatten().unwrap_or(target.role());
    if !own_name_only {
        require_can_assign(&caller, target.role(), role)?;
    }
    if id == caller.user_id() && (role != target.role() || body.is_active == Some(false)) {
        return Err(Error::Forbidden(
            "You cannot change your own role or deactivate yourself.".into(),
        ));
    }
    let first = first
        .flatten()
        .map(|n| n.as_str().to_string())
        .unwrap_or(target.first_name.clone());
    let last = last
        .flatten()
        .map(|n| n.as_str().to_string())
        .unwrap_or(target.last_name.clone());
    state
        .store
        .update_user(id, &first, &last, role, body.is_active.unwrap_or(target.is_active()))
        .await?;
    let (before, after) = (target.to_wire(), find(&state, &caller, id).await?.to_wire());
    if !own_name_only {
        let who = caller.audit("user.update", "user", format!("Changed the account of {}", after.email));
        state
            .store
            .record_audit(&who, &id.to_string(), Some(&before), Some(&after))
            .await?;
    }
    Ok(ok("User updated successfully.", after))
}

async fn remove_users(state: &AppState, caller: &Caller, ids: &[i64]) -> Result<u64> {
    authz::require(state, caller, OrgAction::ManageUsers).await?;
    if ids.contains(&caller.user_id()) {
        return Err(Error::Forbidden("You cannot delete your own account here.".into()));
    }
    let targets = state.store.users_in_org(caller.org_id(), ids).await?;
    if targets.len() != ids.len() {
        return Err(Error::not_found("User"));
    }
    for t in &targets {
        require_can_assign(caller, t.role(), OrgRole::User)?;
    }
    let deleted = state.store.delete_users(caller.org_id(), ids).await?;
    for t in &targets {
        let who = caller.audit("user.delete", "user", format!("Deleted the account of {}", t.email));
        state
            .store
            .record_audit(&who, &t.id.to_string(), Some(&t.to_wire()), None::<&()>)
            .await?;
    }
    Ok(deleted)
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    remove_users(&state, &caller, &[id]).await?;
    Ok(ok("User deleted successfully.", ejento_api::Deleted { id }))
}

async fn delete_many(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<DeleteUsers>,
) -> Result<Json<ejento_api::DeletedCount>> {
    if body.user_ids.is_empty() {
        return Err(Error::invalid("user_ids", "Choose at least one user."));
    }
    if body.user_ids.len() > 100 {
        return Err(Error::invalid("user_ids", "Delete at most 100 users at once."));
    }
    let mut ids = body.user_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let deleted = remove_users(&state, &caller, &ids).await?;
    Ok(ok(
        format!("{deleted} user(s) deleted."),
        ejento_api::DeletedCount {
            deleted: deleted as i64,
        },
    ))
}

async fn permissions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UserPermissions>> {
    let target = find(&state, &caller, id).await?;
    if id != caller.user_id() {
        authz::require(&state, &caller, OrgAction::ManageUsers).await?;
    }
    let (teams, projects, agents) = state.store.role_grants(id).await?;
    Ok(ok(
        "Permissions fetched successfully.",
        UserPermissions {
            user_id: id,
            role: target.role(),
            organization_permissions: state.store.org_permissions(id).await?,
            teams,
            projects,
            agents,
        },
    ))
}

fn parse_permission(body: &PermissionInput) -> Result<String> {
    if ORG_PERMISSIONS.contains(&body.permission.as_str()) {
        Ok(body.permission.clone())
    } else {
        Err(Error::invalid(
            "permission",
            format!("permission must be one of: {}.", ORG_PERMISSIONS.join(", ")),
        ))
    }
}

async fn grant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PermissionInput>,
) -> Result<(axum::http::StatusCode, Json<OrgPermission>)> {
    find(&state, &caller, id).await?;
    // Granting powers is a Global Admin's alone, whatever permissions others hold.
    if caller.role() != OrgRole::GlobalAdmin {
        return Err(Error::Forbidden(
            "Only a Global Admin can grant organization permissions.".into(),
        ));
    }
    let permission = parse_permission(&body)?;
    let grant_id = state
        .store
        .grant_org_permission(id, &permission, &caller.user.email)
        .await?;
    let grant = state
        .store
        .org_permissions(id)
        .await?
        .into_iter()
        .find(|g| g.id == grant_id)
        .ok_or_else(|| Error::not_found("Permission"))?;
    let who = caller.audit(
        "permission.grant",
        "user",
        format!("Granted {} to user {id}", grant.permission),
    );
    state
        .store
        .record_audit(&who, &id.to_string(), None::<&()>, Some(&grant))
        .await?;
    Ok(created("Permission granted.", grant))
}

async fn update_grant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, grant_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<PermissionInput>,
) -> Result<Json<OrgPermission>> {
    find(&state, &caller, id).await?;
    if caller.role() != OrgRole::GlobalAdmin {
        return Err(Error::Forbidden(
            "Only a Global Admin can change organization permissions.".into(),
        ));
    }
    let permission = parse_permission(&body)?;
    if !state.store.update_org_permission(id, grant_id, &permission).await? {
        return Err(Error::not_found("Permission"));
    }
    let grant = state
        .store
        .org_permissions(id)
        .await?
        .into_iter()
        .find(|g| g.id == grant_id)
        .ok_or_else(|| Error::not_found("Permission"))?;
    let who = caller.audit(
        "permission.update",
        "user",
        format!("Changed a permission of user {id} to {}", grant.permission),
    );
    state
        .store
        .record_audit(&who, &id.to_string(), None::<&()>, Some(&grant))
        .await?;
    Ok(ok("Permission updated.", grant))
}

async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, grant_id)): ApiPath<(i64, i64)>,
) -> Result<Json<ejento_api::Deleted>> {
    find(&state, &caller, id).await?;
    if caller.role() != OrgRole::GlobalAdmin {
        return Err(Error::Forbidden(
            "Only a Global Admin can revoke organization permissions.".into(),
        ));
    }
    let before = state
        .store
        .org_permissions(id)
        .await?
        .into_iter()
        .find(|g| g.id == grant_id);
    if !state.store.revoke_org_permission(id, grant_id).await? {
        return Err(Error::not_found("Permission"));
    }
    let who = caller.audit(
        "permission.revoke",
        "user",
        format!(
            "Revoked {} from user {id}",
            before.as_ref().map(|g| g.permission.as_str()).unwrap_or("a permission")
        ),
    );
    state
        .store
        .record_audit(&who, &id.to_string(), before.as_ref(), None::<&()>)
        .await?;
    Ok(ok("Permission revoked.", ejento_api::Deleted { id: grant_id }))
}
