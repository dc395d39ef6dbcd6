use ejento_api::{CurrentUser, OrgRef, OrgRole};

use super::Store;
use crate::config::SignupPolicy;
use crate::{
    domain::{Email, PersonName},
    error::{Error, Result, ResultExt},
    time_fmt,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub organization_id: i64,
    pub org_name: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    /// 1 while the row is in use (flags are integers on both backends).
    pub is_active: i64,
    pub created_on: String,
}

impl UserRow {
    pub fn is_active(&self) -> bool {
        self.is_active != 0
    }

    pub fn role(&self) -> OrgRole {
        // The column only ever holds values written from `OrgRole::as_str`.
        OrgRole::parse(&self.role).unwrap_or(OrgRole::User)
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name).trim().to_string()
    }

    pub fn to_current_user(&self) -> CurrentUser {
        let full_name = self.full_name();
        let role = self.role();
        CurrentUser {
            id: self.id,
            user_id: self.id,
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            name: if full_name.is_empty() {
                self.email.clone()
            } else {
                full_name.clone()
            },
            full_name,
            role,
            is_superuser: role == OrgRole::GlobalAdmin,
            organization: OrgRef {
                id: self.organization_id,
                org_name: self.org_name.clone(),
            },
            created_on: self.created_on.clone(),
        }
    }
}

const USER_COLUMNS: &str = "u.id, u.organization_id, o.org_name, u.email, u.password_hash, u.first_name, \
     u.last_name, u.role, u.is_active, u.created_on \
     FROM users u JOIN organizations o ON o.id = u.organization_id";

/// A user and whether one of their sign-ins is still alive: what every authenticated request
/// asks, in one round trip.
#[derive(Debug, sqlx::FromRow)]
struct CallerRow {
    /// 1 when the sign-in (refresh-token family) has a token that is not revoked.
    session_alive: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

pub struct NewUser {
    pub email: Email,
    pub password_hash: Option<String>,
    pub first_name: PersonName,
    pub last_name: PersonName,
}

/// What a sign-up did.
pub enum SignupOutcome {
    /// The first user of a fresh database: founded the organization, Global Admin.
    Founded(UserRow),
    /// Joined the existing organization as a User.
    Joined(UserRow),
    /// An organization exists and sign-up is closed.
    Closed,
}

impl Store {
    pub async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} WHERE u.email = $1 AND u.is_deleted = 0");
        Ok(sqlx::query_as(&sql)
            .bind(email.as_str())
            .fetch_optional(self.pool())
            .await?)
    }

    /// The user `id` (not deleted) and whether their sign-in `session` is alive; `None` when the
    /// user is gone.
    pub async fn caller(&self, id: i64, session: &str) -> Result<Option<(UserRow, bool)>> {
        if let Some(user) = self.callers.get(id, session) {
            return Ok(Some((user, true)));
        }
        let epoch = self.callers.epoch();
        let sql = format!(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM refresh_tokens rt WHERE rt.family_id = $2 AND rt.revoked_on IS NULL) \
             THEN 1 ELSE 0 END AS session_alive, {USER_COLUMNS} WHERE u.id = $1 AND u.is_deleted = 0"
        );
        let row: Option<CallerRow> = sqlx::query_as(&sql)
            .bind(id)
            .bind(session)
            .fetch_optional(self.pool())
            .await?;
        if let Some(r) = row.as_ref().filter(|r| r.session_alive != 0) {
            self.callers.keep(&r.user, session, epoch);
        }
        Ok(row.map(|r| (r.user, r.session_alive != 0)))
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} WHERE u.id = $1 AND u.is_deleted = 0");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(self.pool()).await?)
    }

    /// Registers a user. The first one founds the organization (named after them) and becomes its
    /// Global Admin; the `organization_founded` setting decides the race between two first sign-ups.
    pub async fn sign_up(&self, new: NewUser, policy: SignupPolicy, org_name: &str) -> Result<SignupOutcome> {
        let now = time_fmt::now();
        let founds = policy == SignupPolicy::Organizations || self.claim_setting("organization_founded", &now).await?;
        if founds {
            let mut tx = self.db.write().await?;
            let org_id = super::org_admin::insert_organization(&mut tx, org_name, &now).await?;
            let user_id = insert_user(&mut tx, org_id, &new, OrgRole::GlobalAdmin, &now).await;
            let user_id = match user_id {
                Ok(id) => id,
                Err(e) => {
                    // Give the founding slot back so the next sign-up can found the organization.
                    drop(tx);
                    if policy != SignupPolicy::Organizations {
                        sqlx::query("DELETE FROM server_settings WHERE key = 'organization_founded'")
                            .execute(self.pool())
                            .await?;
                    }
                    return Err(e);
                }
            };
            tx.commit().await?;
            let user = self.find_user(user_id).await?.ok_or_else(|| Error::not_found("User"))?;
            return Ok(SignupOutcome::Founded(user));
        }
        if policy == SignupPolicy::Closed {
            return Ok(SignupOutcome::Closed);
        }
        let org_id: i64 = sqlx::query_scalar("SELECT id FROM organizations ORDER BY id LIMIT 1")
            .fetch_one(self.pool())
            .await?;
        let mut tx = self.db.write().await?;
        let user_id = insert_user(&mut tx, org_id, &new, OrgRole::User, &now).await?;
        tx.commit().await?;
        let user = self.find_user(user_id).await?.ok_or_else(|| Error::not_found("User"))?;
        Ok(SignupOutcome::Joined(user))
    }

    /// Adds a user to an organization (seeding and, later, admins creating users).
    pub async fn create_user(&self, org_id: i64, new: &NewUser, role: OrgRole) -> Result<UserRow> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let id = insert_user(&mut tx, org_id, new, role, &now).await?;
        tx.commit().await?;
        self.find_user(id).await?.ok_or_else(|| Error::not_found("User"))
    }

    pub async fn create_organization(&self, org_name: &str) -> Result<i64> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let id = super::org_admin::insert_organization(&mut tx, org_name, &now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_password_hash(&self, user_id: i64, hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1, modified_on = $2 WHERE id = $3")
            .bind(hash)
            .bind(time_fmt::now())
            .bind(user_id)
            .execute(self.pool())
            .await?;
        // A sign-in's user changed: no replica may answer from what it kept (see `callers`).
        self.callers.forget_all();
        Ok(())
    }
}

async fn insert_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org_id: i64,
    new: &NewUser,
    role: OrgRole,
    now: &str,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (organization_id, email, password_hash, first_name, last_name, role, created_on, modified_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(org_id)
    .bind(new.email.as_str())
    .bind(new.password_hash.as_deref())
    .bind(new.first_name.as_str())
    .bind(new.last_name.as_str())
    .bind(role.as_str())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_unique_violation(|| format!("An account with the e-mail address {} already exists.", new.email.as_str()))
}
