//! Membership of teams, projects and agents: the three share one shape and one set of rules
//! (add by id or e-mail within the organization, change a role, remove, never leave no Admin).
//! Callers check access first; these only act.

use ejento_api::{AddMembers, Member, MemberPage, ResourceRole, RoleInput};

use super::ListQuery;
use crate::{
    auth::Caller,
    error::{Error, FieldErrors, Result},
    state::AppState,
    store::{Adder, MemberTable},
};

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

/// Refuses to leave a team, project or agent without any Admin.
pub(super) async fn keep_an_admin(state: &AppState, table: MemberTable, id: i64, user: i64, what: &str) -> Result<()> {
    let is_admin = state.store.member_role(table, id, user).await? == Some(ResourceRole::Admin);
    if is_admin && state.store.count_admins(table, id).await? <= 1 {
        return Err(Error::Conflict(format!(
            "The {what} needs at least one Admin: make someone else Admin first."
        )));
    }
    Ok(())
}

/// Adds the users of `body` (or changes their role) and returns the first page of members.
pub(super) async fn add(
    state: &AppState,
    caller: &Caller,
    table: MemberTable,
    id: i64,
    body: &AddMembers,
) -> Result<MemberPage> {
    let (users, role) = resolve_members(state, caller, body).await?;
    let name = caller.user.full_name();
    let adder = Adder {
        organization_id: caller.org_id(),
        user_id: caller.user_id(),
        name: &name,
    };
    state
        .store
        .upsert_members(table, id, &users, role, Some(&adder))
        .await?;
    member_page(state, table, id, &ListQuery::default()).await
}

/// Changes one member's role, keeping at least one Admin.
pub(super) async fn change_role(
    state: &AppState,
    table: MemberTable,
    id: i64,
    user: i64,
    body: &RoleInput,
    what: &str,
) -> Result<MemberPage> {
    let role = parse_role(body)?;
    if role == ResourceRole::Member {
        keep_an_admin(state, table, id, user, what).await?;
    }
    if !state.store.set_member_role(table, id, user, role).await? {
        return Err(Error::NotFound(format!("That user is not a member of this {what}.")));
    }
    member_page(state, table, id, &ListQuery::default()).await
}

/// Removes one member, keeping at least one Admin.
pub(super) async fn remove(state: &AppState, table: MemberTable, id: i64, user: i64, what: &str) -> Result<MemberPage> {
    keep_an_admin(state, table, id, user, what).await?;
    if !state.store.remove_member(table, id, user).await? {
        return Err(Error::NotFound(format!("That user is not a member of this {what}.")));
    }
    member_page(state, table, id, &ListQuery::default()).await
}
