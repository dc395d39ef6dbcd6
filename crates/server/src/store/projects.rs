use ejento_api::{Project, ResourceRole};

use super::{
    Store,
    pagination::{PageRequest, SortOrder, Sortable, counted_page, placeholders},
    sql::Sql,
};
use crate::{
    error::{Result, ResultExt},
    time_fmt,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: i64,
    pub organization_id: i64,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub name: String,
    pub description: String,
    pub agent_count: i64,
    pub direct_role: Option<String>,
    pub team_role: Option<String>,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

impl ProjectRow {
    /// The caller's role: the higher of a direct grant and their role in the project's team.
    pub fn my_role(&self) -> Option<ResourceRole> {
        let direct = self.direct_role.as_deref().and_then(ResourceRole::parse);
        let via_team = self.team_role.as_deref().and_then(ResourceRole::parse);
        direct.max(via_team)
    }

    pub fn into_wire(self) -> Project {
        let my_role = self.my_role();
        Project {
            id: self.id,
            name: self.name,
            description: self.description,
            organization: self.organization_id,
            team: self.team_id,
            team_name: self.team_name,
            agent_count: self.agent_count,
            my_role,
            created_by: self.created_by,
            created_on: self.created_on,
            modified_by: self.modified_by,
            modified_on: self.modified_on,
        }
    }
}

/// `$1` is the caller's user id.
const PROJECT_SELECT: &str = "SELECT p.id, p.organization_id, p.team_id, t.name AS team_name, p.name, p.description, \
     (SELECT COUNT(*) FROM agents a WHERE a.project_id = p.id AND a.is_deleted = 0) AS agent_count, \
     (SELECT pm.role FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = $1) AS direct_role, \
     (SELECT tm.role FROM team_members tm WHERE tm.team_id = p.team_id AND tm.user_id = $1) AS team_role, \
     p.created_by, p.created_on, p.modified_by, p.modified_on \
     FROM projects p LEFT JOIN teams t ON t.id = p.team_id AND t.is_deleted = 0";

/// Projects the user `$1` holds a role in, directly or through the project's team.
pub const MEMBER_OF_PROJECT: &str = "(EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = $1) \
     OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = p.team_id AND tm.user_id = $1))";

/// Which projects a list shows.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter<'a> {
    pub team_id: Option<i64>,
    pub search: Option<&'a str>,
    /// Only projects where this user holds a role.
    pub member: Option<i64>,
}

/// How the projects list sorts.
pub const PROJECT_SORT: Sortable = Sortable {
    fields: &["name", "created_on", "modified_on"],
    default: SortOrder::ascending("name"),
};

/// `select` filtered to the organization's projects, with only the filters `filter` sets (0 and
/// blank are unset). `$1` is the caller, named by [`PROJECT_SELECT`].
fn project_conditions(select: &str, org: i64, caller: i64, filter: &ProjectFilter<'_>) -> Sql {
    let mut sql = Sql::new(select);
    sql.arg(caller);
    let org = sql.arg(org);
    sql.push(&format!(" WHERE p.organization_id = {org} AND p.is_deleted = 0"));
    sql.and_contains(filter.search, &["p.name"]);
    if let Some(team) = filter.team_id.filter(|team| *team != 0) {
        let p = sql.arg(team);
        sql.and(&format!("p.team_id = {p}"));
    }
    if let Some(member) = filter.member.filter(|member| *member != 0) {
        let p = sql.arg(member);
        sql.and(&MEMBER_OF_PROJECT.replace("$1", &p));
    }
    sql
}

impl Store {
    pub async fn list_projects(
        &self,
        org: i64,
        caller: i64,
        filter: &ProjectFilter<'_>,
        sort: SortOrder,
        page: PageRequest,
    ) -> Result<(Vec<ProjectRow>, i64)> {
        counted_page(
            &mut *self.pool().acquire().await?,
            (PROJECT_SELECT, "SELECT COUNT(*) FROM projects p"),
            |select| project_conditions(select, org, caller, filter),
            &sort.sql("p"),
            page,
        )
        .await
    }

    pub async fn find_project(&self, org: i64, caller: i64, id: i64) -> Result<Option<ProjectRow>> {
        let sql = format!("{PROJECT_SELECT} WHERE p.id = $2 AND p.organization_id = $3 AND p.is_deleted = 0");
        Ok(sqlx::query_as(&sql)
            .bind(caller)
            .bind(id)
            .bind(org)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Projects of the organization among `ids` (unknown and foreign ids are left out).
    pub async fn projects_by_ids(&self, org: i64, caller: i64, ids: &[i64]) -> Result<Vec<ProjectRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{PROJECT_SELECT} WHERE p.organization_id = $2 AND p.is_deleted = 0 AND p.id IN ({}) ORDER BY p.name",
            placeholders(3, ids.len())
        );
        let mut q = sqlx::query_as(&sql).bind(caller).bind(org);
        for id in ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }

    pub async fn create_project(
        &self,
        org: i64,
        team: Option<i64>,
        name: &str,
        description: &str,
        by: &str,
        creator: i64,
    ) -> Result<i64> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO projects (organization_id, team_id, name, description, created_by, created_on, modified_by, modified_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id",
        )
        .bind(org)
        .bind(team)
        .bind(name)
        .bind(description)
        .bind(by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .on_unique_violation(|| format!("A project named \"{name}\" already exists."))?;
        sqlx::query("INSERT INTO project_members (project_id, user_id, role, created_on) VALUES ($1, $2, 'Admin', $3)")
            .bind(id)
            .bind(creator)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_project(
        &self,
        id: i64,
        team: Option<i64>,
        name: &str,
        description: &str,
        by: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE projects SET team_id = $1, name = $2, description = $3, modified_by = $4, modified_on = $5 WHERE id = $6",
        )
        .bind(team)
        .bind(name)
        .bind(description)
        .bind(by)
        .bind(time_fmt::now())
        .bind(id)
        .execute(self.pool())
        .await
        .on_unique_violation(|| format!("A project named \"{name}\" already exists."))?;
        Ok(())
    }

    /// Soft-deletes the project and, with it, its agents.
    pub async fn delete_project(&self, id: i64, by: &str) -> Result<()> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        sqlx::query("UPDATE projects SET is_deleted = 1, modified_by = $1, modified_on = $2 WHERE id = $3")
            .bind(by)
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE agents SET is_deleted = 1, modified_by = $1, modified_on = $2 WHERE project_id = $3")
            .bind(by)
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recent_items WHERE kind = 'project' AND item_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller's role on a project: direct grant or via its team, whichever is higher.
    pub async fn project_role(&self, project: i64, user: i64) -> Result<Option<ResourceRole>> {
        let roles: Vec<String> = sqlx::query_scalar(
            "SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2 \
             UNION ALL SELECT tm.role FROM projects p JOIN team_members tm ON tm.team_id = p.team_id \
             WHERE p.id = $1 AND tm.user_id = $2",
        )
        .bind(project)
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        Ok(roles.iter().filter_map(|r| ResourceRole::parse(r)).max())
    }
}
