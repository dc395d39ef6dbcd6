use ejento_api::{Member, ResourceRole, Team};

use super::{
    Store,
    pagination::{PageRequest, SortOrder, Sortable, like_pattern},
};
use crate::{
    error::{Result, ResultExt},
    time_fmt,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub description: String,
    pub member_count: i64,
    pub project_count: i64,
    pub my_role: Option<String>,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

impl TeamRow {
    pub fn into_wire(self) -> Team {
        Team {
            id: self.id,
            name: self.name,
            description: self.description,
            organization: self.organization_id,
            member_count: self.member_count,
            project_count: self.project_count,
            my_role: self.my_role.as_deref().and_then(ResourceRole::parse),
            created_by: self.created_by,
            created_on: self.created_on,
            modified_by: self.modified_by,
            modified_on: self.modified_on,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub created_on: String,
}

impl MemberRow {
    pub fn into_wire(self) -> Member {
        Member {
            user_id: self.user_id,
            full_name: format!("{} {}", self.first_name, self.last_name).trim().to_string(),
            email: self.email,
            role: ResourceRole::parse(&self.role).unwrap_or(ResourceRole::Member),
            created_on: self.created_on,
        }
    }
}

/// `$1` is the caller's user id (for `my_role`).
const TEAM_SELECT: &str = "SELECT t.id, t.organization_id, t.name, t.description, \
     (SELECT COUNT(*) FROM team_members m JOIN users mu ON mu.id = m.user_id AND mu.is_deleted = 0 WHERE m.team_id = t.id) AS member_count, \
     (SELECT COUNT(*) FROM projects p WHERE p.team_id = t.id AND p.is_deleted = 0) AS project_count, \
     (SELECT m.role FROM team_members m WHERE m.team_id = t.id AND m.user_id = $1) AS my_role, \
     t.created_by, t.created_on, t.modified_by, t.modified_on FROM teams t";

/// How the teams list sorts.
pub const TEAM_SORT: Sortable = Sortable {
    fields: &["name", "created_on", "modified_on"],
    default: SortOrder::ascending("name"),
};

impl Store {
    pub async fn list_teams(
        &self,
        org: i64,
        caller: i64,
        only_mine: bool,
        search: Option<&str>,
        sort: SortOrder,
        page: PageRequest,
    ) -> Result<(Vec<TeamRow>, i64)> {
        let pattern = like_pattern(search);
        let filter = "t.organization_id = $2 AND t.is_deleted = 0 AND ($3 = '' OR LOWER(t.name) LIKE $3 ESCAPE '\\') \
             AND ($4 = 0 OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id AND m.user_id = $1))";
        let sql = format!("{TEAM_SELECT} WHERE {filter} {} LIMIT $5 OFFSET $6", sort.sql("t"));
        let rows = sqlx::query_as(&sql)
            .bind(caller)
            .bind(org)
            .bind(&pattern)
            .bind(only_mine as i64)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(self.pool())
            .await?;
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM teams t WHERE {filter}"))
            .bind(caller)
            .bind(org)
            .bind(&pattern)
            .bind(only_mine as i64)
            .fetch_one(self.pool())
            .await?;
        Ok((rows, count))
    }

    pub async fn find_team(&self, org: i64, caller: i64, id: i64) -> Result<Option<TeamRow>> {
        let sql = format!("{TEAM_SELECT} WHERE t.id = $2 AND t.organization_id = $3 AND t.is_deleted = 0");
        Ok(sqlx::query_as(&sql)
            .bind(caller)
            .bind(id)
            .bind(org)
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn create_team(&self, org: i64, name: &str, description: &str, by: &str, creator: i64) -> Result<i64> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO teams (organization_id, name, description, created_by, created_on, modified_by, modified_on) \
             VALUES ($1, $2, $3, $4, $5, $4, $5) RETURNING id",
        )
        .bind(org)
        .bind(name)
        .bind(description)
        .bind(by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .on_unique_violation(|| format!("A team named \"{name}\" already exists."))?;
        sqlx::query("INSERT INTO team_members (team_id, user_id, role, created_on) VALUES ($1, $2, 'Admin', $3)")
            .bind(id)
            .bind(creator)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_team(&self, id: i64, name: &str, description: &str, by: &str) -> Result<()> {
        sqlx::query("UPDATE teams SET name = $1, description = $2, modified_by = $3, modified_on = $4 WHERE id = $5")
            .bind(name)
            .bind(description)
            .bind(by)
            .bind(time_fmt::now())
            .bind(id)
            .execute(self.pool())
            .await
            .on_unique_violation(|| format!("A team named \"{name}\" already exists."))?;
        Ok(())
    }

    /// Soft-deletes the team; its projects stay, without a team, and its memberships end.
    pub async fn delete_team(&self, id: i64, by: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query("UPDATE teams SET is_deleted = 1, modified_by = $1, modified_on = $2 WHERE id = $3")
            .bind(by)
            .bind(time_fmt::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE projects SET team_id = NULL WHERE team_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM team_members WHERE team_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recent_items WHERE kind = 'team' AND item_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A user's own role in a team, project or agent (`table` is one of the membership tables).
    pub async fn member_role(&self, table: MemberTable, id: i64, user: i64) -> Result<Option<ResourceRole>> {
        let (table, key) = table.names();
        let role: Option<String> =
            sqlx::query_scalar(&format!("SELECT role FROM {table} WHERE {key} = $1 AND user_id = $2"))
                .bind(id)
                .bind(user)
                .fetch_optional(self.pool())
                .await?;
        Ok(role.as_deref().and_then(ResourceRole::parse))
    }

    /// Members of a team, project or agent (`table` is one of the membership tables).
    pub async fn list_members(
        &self,
        table: MemberTable,
        id: i64,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<(Vec<MemberRow>, i64)> {
        let (table, key) = table.names();
        let pattern = like_pattern(search);
        let filter = format!(
            "m.{key} = $1 AND u.is_deleted = 0 AND ($2 = '' OR LOWER(u.email) LIKE $2 ESCAPE '\\' \
             OR LOWER(u.first_name || ' ' || u.last_name) LIKE $2 ESCAPE '\\')"
        );
        let rows = sqlx::query_as(&format!(
            "SELECT u.id AS user_id, u.email, u.first_name, u.last_name, m.role, m.created_on \
             FROM {table} m JOIN users u ON u.id = m.user_id WHERE {filter} ORDER BY u.email LIMIT $3 OFFSET $4"
        ))
        .bind(id)
        .bind(&pattern)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} m JOIN users u ON u.id = m.user_id WHERE {filter}"
        ))
        .bind(id)
        .bind(&pattern)
        .fetch_one(self.pool())
        .await?;
        Ok((rows, count))
    }

    /// Adds members or changes their role (all in one transaction); people newly added by
    /// someone else are told, with a link to what they were added to.
    pub async fn upsert_members(
        &self,
        table: MemberTable,
        id: i64,
        users: &[i64],
        role: ResourceRole,
        adder: Option<&Adder<'_>>,
    ) -> Result<()> {
        let kind = table;
        let (table, key) = table.names();
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        for user in users {
            let known: Option<(i64,)> =
                sqlx::query_as(&format!("SELECT 1 FROM {table} WHERE {key} = $1 AND user_id = $2"))
                    .bind(id)
                    .bind(user)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(adder) = adder
                && known.is_none()
                && *user != adder.user_id
            {
                let (what, name_sql, link) = match kind {
                    MemberTable::Team => ("team", "SELECT name FROM teams WHERE id = $1", format!("/teams/{id}")),
                    MemberTable::Project => (
                        "project",
                        "SELECT name FROM projects WHERE id = $1",
                        format!("/projects/{id}"),
                    ),
                    MemberTable::Agent => (
                        "agent",
                        "SELECT agent_name FROM agents WHERE id = $1",
                        format!("/agents/{id}"),
                    ),
                };
                let (name,): (String,) = sqlx::query_as(name_sql).bind(id).fetch_one(&mut *tx).await?;
                let title = match kind {
                    MemberTable::Agent => format!("{} shared the agent “{name}” with you", adder.name),
                    _ => format!("{} added you to the {what} “{name}”", adder.name),
                };
                super::notify(
                    &mut tx,
                    &super::NewNotification {
                        organization_id: adder.organization_id,
                        user_id: *user,
                        kind: match kind {
                            MemberTable::Team => "added_to_team",
                            MemberTable::Project => "added_to_project",
                            MemberTable::Agent => "agent_shared",
                        },
                        title: &title,
                        body: &format!("Your role: {}.", role.as_str()),
                        link: &link,
                        by: adder.name,
                    },
                )
                .await?;
            }
            sqlx::query(&format!(
                "INSERT INTO {table} ({key}, user_id, role, created_on) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT ({key}, user_id) DO UPDATE SET role = excluded.role"
            ))
            .bind(id)
            .bind(user)
            .bind(role.as_str())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Changes one member's role; false if they are not a member.
    pub async fn set_member_role(&self, table: MemberTable, id: i64, user: i64, role: ResourceRole) -> Result<bool> {
        let (table, key) = table.names();
        let done = sqlx::query(&format!(
            "UPDATE {table} SET role = $1 WHERE {key} = $2 AND user_id = $3"
        ))
        .bind(role.as_str())
        .bind(id)
        .bind(user)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn remove_member(&self, table: MemberTable, id: i64, user: i64) -> Result<bool> {
        let (table, key) = table.names();
        let done = sqlx::query(&format!("DELETE FROM {table} WHERE {key} = $1 AND user_id = $2"))
            .bind(id)
            .bind(user)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn count_admins(&self, table: MemberTable, id: i64) -> Result<i64> {
        let (table, key) = table.names();
        Ok(sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} WHERE {key} = $1 AND role = 'Admin'"
        ))
        .bind(id)
        .fetch_one(self.pool())
        .await?)
    }
}

/// Who adds members, for the notification the new members get.
pub struct Adder<'a> {
    pub organization_id: i64,
    pub user_id: i64,
    pub name: &'a str,
}

/// The three membership tables, which share one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberTable {
    Team,
    Project,
    Agent,
}

impl MemberTable {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            MemberTable::Team => ("team_members", "team_id"),
            MemberTable::Project => ("project_members", "project_id"),
            MemberTable::Agent => ("agent_users", "agent_id"),
        }
    }
}
