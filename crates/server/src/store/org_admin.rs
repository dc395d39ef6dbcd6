//! The organization's own records: its users (as administrators see them), permissions granted
//! on top of roles, model configurations, and the rows a new organization starts with.

use ejento_api::{Configuration, LlmConfiguration, OrgPermission, OrgRole, RoleGrant, User};

use super::{
    Store, UserRow,
    pagination::{PageRequest, like_pattern, placeholders},
};
use crate::{
    error::{Result, ResultExt},
    time_fmt,
};

impl UserRow {
    pub fn to_wire(&self) -> User {
        User {
            id: self.id,
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            full_name: self.full_name(),
            role: self.role(),
            is_active: self.is_active(),
            organization: self.organization_id,
            created_on: self.created_on.clone(),
        }
    }
}

const USER_SELECT: &str = "SELECT u.id, u.organization_id, o.org_name, u.email, u.password_hash, u.first_name, \
     u.last_name, u.role, u.is_active, u.created_on FROM users u JOIN organizations o ON o.id = u.organization_id";

/// Inserts an organization and what every organization starts with: the agent types, the
/// built-in model configuration (the local extractive answerer) and an active configuration.
pub(super) async fn insert_organization(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org_name: &str,
    now: &str,
) -> Result<i64> {
    let org: i64 = sqlx::query_scalar(
        "INSERT INTO organizations (org_name, created_on, modified_on) VALUES ($1, $2, $2) RETURNING id",
    )
    .bind(org_name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    for (name, description) in [
        ("QnA", "Answers questions from its connected corpora, with citations."),
        ("Custom", "Follows its own system prompt and instructions for any task."),
    ] {
        sqlx::query(
            "INSERT INTO agent_types (organization_id, name, description, modified_on) VALUES ($1, $2, $3, $4)",
        )
        .bind(org)
        .bind(name)
        .bind(description)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO llm_configurations (organization_id, model_name, model_deployment, provider, is_enabled, is_default) \
         VALUES ($1, 'Local extractive answerer', '[\"local-extractive\"]', 'local', 1, 1)",
    )
    .bind(org)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO configurations (organization_id, name, settings, is_active, created_on) VALUES ($1, 'Default', $2, 1, $3)",
    )
    .bind(org)
    .bind(r#"{"default_llm":"local-extractive","chunk_count":8,"caching_enabled":false}"#)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(org)
}

impl Store {
    pub async fn list_users(
        &self,
        org: i64,
        search: Option<&str>,
        role: Option<&str>,
        page: PageRequest,
    ) -> Result<(Vec<UserRow>, i64)> {
        let pattern = like_pattern(search);
        let where_ = "u.organization_id = $1 AND u.is_deleted = 0 AND ($2 = '' OR LOWER(u.email) LIKE $2 ESCAPE '\\' \
             OR LOWER(u.first_name || ' ' || u.last_name) LIKE $2 ESCAPE '\\') AND ($3 = '' OR u.role = $3)";
        let rows = sqlx::query_as(&format!(
            "{USER_SELECT} WHERE {where_} ORDER BY u.email LIMIT $4 OFFSET $5"
        ))
        .bind(org)
        .bind(&pattern)
        .bind(role.unwrap_or_default())
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users u WHERE {where_}"))
            .bind(org)
            .bind(&pattern)
            .bind(role.unwrap_or_default())
            .fetch_one(self.pool())
            .await?;
        Ok((rows, count))
    }

    /// Users of the organization among `ids`.
    pub async fn users_in_org(&self, org: i64, ids: &[i64]) -> Result<Vec<UserRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{USER_SELECT} WHERE u.organization_id = $1 AND u.is_deleted = 0 AND u.id IN ({})",
            placeholders(2, ids.len())
        );
        let mut q = sqlx::query_as(&sql).bind(org);
        for id in ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }

    pub async fn update_user(&self, id: i64, first: &str, last: &str, role: OrgRole, active: bool) -> Result<()> {
        sqlx::query(
            "UPDATE users SET first_name = $1, last_name = $2, role = $3, is_active = $4, modified_on = $5 WHERE id = $6",
        )
        .bind(first)
        .bind(last)
        .bind(role.as_str())
        .bind(active as i64)
        .bind(time_fmt::now())
        .bind(id)
        .execute(self.pool())
        .await?;
        // A sign-in's user changed: no replica may answer from what it kept (see `callers`).
        self.callers.forget_all();
        Ok(())
    }

    /// Soft-deletes users, ends their sign-ins and memberships, and frees their e-mail address.
    pub async fn delete_users(&self, org: i64, ids: &[i64]) -> Result<u64> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let mut deleted = 0;
        for id in ids {
            let done = sqlx::query(
                "UPDATE users SET is_deleted = 1, is_active = 0, email = 'deleted-' || CAST(id AS TEXT) || '-' || email, \
                 modified_on = $1 WHERE id = $2 AND organization_id = $3 AND is_deleted = 0",
            )
            .bind(&now)
            .bind(*id)
            .bind(org)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                continue;
            }
            deleted += 1;
            for sql in [
                "UPDATE refresh_tokens SET revoked_on = $2 WHERE user_id = $1 AND revoked_on IS NULL",
                "DELETE FROM team_members WHERE user_id = $1 AND $2 = $2",
                "DELETE FROM project_members WHERE user_id = $1 AND $2 = $2",
                "DELETE FROM agent_users WHERE user_id = $1 AND $2 = $2",
            ] {
                sqlx::query(sql).bind(*id).bind(&now).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        // A sign-in's user changed: no replica may answer from what it kept (see `callers`).
        self.callers.forget_all();
        Ok(deleted)
    }

    pub async fn org_permissions(&self, user: i64) -> Result<Vec<OrgPermission>> {
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT id, user_id, permission, created_by, created_on FROM user_org_permissions WHERE user_id = $1 ORDER BY id",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, user_id, permission, created_by, created_on)| OrgPermission {
                id,
                user_id,
                permission,
                created_by,
                created_on,
            })
            .collect())
    }

    pub async fn grant_org_permission(&self, user: i64, permission: &str, by: &str) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO user_org_permissions (user_id, permission, created_by, created_on) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user)
        .bind(permission)
        .bind(by)
        .bind(time_fmt::now())
        .fetch_one(self.pool())
        .await
        .on_unique_violation(|| format!("The user already has the permission {permission}."))
    }

    pub async fn update_org_permission(&self, user: i64, id: i64, permission: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE user_org_permissions SET permission = $1 WHERE id = $2 AND user_id = $3")
            .bind(permission)
            .bind(id)
            .bind(user)
            .execute(self.pool())
            .await
            .on_unique_violation(|| format!("The user already has the permission {permission}."))?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn revoke_org_permission(&self, user: i64, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM user_org_permissions WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The user's roles on teams, projects (direct grants) and agents.
    pub async fn role_grants(&self, user: i64) -> Result<(Vec<RoleGrant>, Vec<RoleGrant>, Vec<RoleGrant>)> {
        let q = |sql: &'static str| sqlx::query_as::<_, (i64, String, String)>(sql).bind(user);
        let teams = q(
            "SELECT t.id, t.name, m.role FROM team_members m JOIN teams t ON t.id = m.team_id \
                       WHERE m.user_id = $1 AND t.is_deleted = 0 ORDER BY t.name",
        )
        .fetch_all(self.pool())
        .await?;
        let projects = q(
            "SELECT p.id, p.name, m.role FROM project_members m JOIN projects p ON p.id = m.project_id \
                          WHERE m.user_id = $1 AND p.is_deleted = 0 ORDER BY p.name",
        )
        .fetch_all(self.pool())
        .await?;
        let agents = q(
            "SELECT a.id, a.agent_name, m.role FROM agent_users m JOIN agents a ON a.id = m.agent_id \
                        WHERE m.user_id = $1 AND a.is_deleted = 0 ORDER BY a.agent_name",
        )
        .fetch_all(self.pool())
        .await?;
        let grant = |rows: Vec<(i64, String, String)>| {
            rows.into_iter()
                .filter_map(|(id, name, role)| {
                    ejento_api::ResourceRole::parse(&role).map(|role| RoleGrant { id, name, role })
                })
                .collect()
        };
        Ok((grant(teams), grant(projects), grant(agents)))
    }

    pub async fn llm_configurations(&self, org: i64) -> Result<Vec<LlmConfiguration>> {
        let rows: Vec<(i64, String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT id, model_name, model_deployment, provider, is_enabled, is_default FROM llm_configurations \
             WHERE organization_id = $1 ORDER BY id",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, model_name, deployment, provider, enabled, default)| {
                llm_configuration(id, model_name, &deployment, provider, enabled, default)
            })
            .collect())
    }

    pub async fn configurations(&self, org: i64) -> Result<Vec<Configuration>> {
        let rows: Vec<(i64, String, String, i64, String)> = sqlx::query_as(
            "SELECT id, name, settings, is_active, created_on FROM configurations WHERE organization_id = $1 ORDER BY id",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, settings, active, created_on)| Configuration {
                id,
                name,
                settings: serde_json::from_str(&settings).unwrap_or_default(),
                is_active: active != 0,
                created_on,
            })
            .collect())
    }
}

impl Store {
    /// Makes every configured model deployment an LLM configuration of every organization
    /// (agents choose their model among these), once.
    pub async fn sync_deployments(&self, names: &[String]) -> Result<()> {
        for name in names {
            let deployment = serde_json::to_string(&[name]).expect("a list of strings serializes");
            sqlx::query(
                "INSERT INTO llm_configurations (organization_id, model_name, model_deployment, provider, is_enabled, is_default) \
                 SELECT o.id, $1, $2, 'openai-compatible', 1, 0 FROM organizations o WHERE NOT EXISTS \
                 (SELECT 1 FROM llm_configurations l WHERE l.organization_id = o.id AND l.model_name = $1 \
                  AND l.provider = 'openai-compatible')",
            )
            .bind(name)
            .bind(deployment)
            .execute(self.pool())
            .await?;
        }
        Ok(())
    }
}

/// A model configuration from its stored columns (`deployment` is a JSON list of names).
pub(super) fn llm_configuration(
    id: i64,
    model_name: String,
    deployment: &str,
    provider: String,
    enabled: i64,
    default: i64,
) -> LlmConfiguration {
    LlmConfiguration {
        id,
        model_name,
        model_deployment: serde_json::from_str(deployment).unwrap_or_default(),
        provider,
        is_enabled: enabled != 0,
        is_default: default != 0,
    }
}
