//! Corpora, their tags and per-user permissions.

use ejento_api::{Corpus, CorpusAgent, CorpusPermission, IndexingMode};

use super::{
    Store,
    pagination::{PageRequest, SortOrder, Sortable},
    sql::Sql,
};
use crate::{
    error::{Result, ResultExt},
    time_fmt,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CorpusRow {
    pub id: i64,
    pub organization_id: i64,
    pub owner_id: i64,
    pub name: String,
    pub description: String,
    pub indexing_mode_id: i64,
    pub corpus_type: String,
    pub is_public: i64,
    pub refresh_enabled: i64,
    pub document_count: i64,
    pub indexed_count: i64,
    pub failed_count: i64,
    pub my_access: Option<String>,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

impl CorpusRow {
    pub fn into_wire(self, tags: Vec<String>, my_access: Option<String>) -> Corpus {
        Corpus {
            id: self.id,
            name: self.name,
            description: self.description,
            indexing_mode: IndexingMode::of(self.indexing_mode_id),
            corpus_type: self.corpus_type,
            is_public: self.is_public != 0,
            is_deleted: false,
            refresh_enabled: self.refresh_enabled != 0,
            owner: self.owner_id,
            org: self.organization_id,
            tags,
            document_count: self.document_count,
            indexing: ejento_api::IndexingSummary {
                indexed: self.indexed_count,
                failed: self.failed_count,
                in_progress: self.document_count - self.indexed_count - self.failed_count,
                meaning: None,
            },
            my_access,
            created_by: self.created_by,
            created_on: self.created_on,
            modified_by: self.modified_by,
            modified_on: self.modified_on,
        }
    }
}

/// The settings a corpus is saved with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusConfig {
    pub name: String,
    pub description: String,
    pub indexing_mode_id: i64,
    pub corpus_type: String,
    pub is_public: bool,
    pub refresh_enabled: bool,
    pub tags: Vec<String>,
}

/// Which corpora a list shows, beyond what the caller may see.
#[derive(Debug, Clone, Copy, Default)]
pub struct CorpusFilter<'a> {
    pub search: Option<&'a str>,
    /// Only corpora whose web links are refreshed on a schedule.
    pub refresh_only: bool,
}

/// `$1` is the caller's user id.
const SELECT: &str = "SELECT c.id, c.organization_id, c.owner_id, c.name, c.description, c.indexing_mode_id, c.corpus_type, \
     c.is_public, c.refresh_enabled, \
     (SELECT COUNT(*) FROM documents d WHERE d.corpus_id = c.id AND d.is_deleted = 0) AS document_count, \
     (SELECT COUNT(*) FROM documents d WHERE d.corpus_id = c.id AND d.is_deleted = 0 AND d.step = 'indexed') AS indexed_count, \
     (SELECT COUNT(*) FROM documents d WHERE d.corpus_id = c.id AND d.is_deleted = 0 AND d.step = 'failed') AS failed_count, \
     (SELECT p.access FROM corpus_permissions p WHERE p.corpus_id = c.id AND p.user_id = $1) AS my_access, \
     c.created_by, c.created_on, c.modified_by, c.modified_on FROM corpora c";

/// Corpora the user `$1` may see when not an organization administrator: owned, public or granted.
const VISIBLE: &str = "(c.owner_id = $1 OR c.is_public = 1 \
     OR EXISTS (SELECT 1 FROM corpus_permissions p WHERE p.corpus_id = c.id AND p.user_id = $1))";

/// `select` (reading corpora as `c`, with `$1` the caller) over the corpora of `org` the caller may
/// see that match `filter`, with only the filters it sets (see [`Sql`]).
fn corpus_conditions(select: &str, org: i64, caller: i64, org_admin: bool, filter: &CorpusFilter<'_>) -> Sql {
    let mut sql = Sql::new(select);
    sql.arg(caller);
    let org = sql.arg(org);
    sql.push(&format!(" WHERE c.organization_id = {org} AND c.is_deleted = 0"));
    if !org_admin {
        sql.and(VISIBLE);
    }
    sql.and_contains(filter.search, &["c.name", "c.description"]);
    if filter.refresh_only {
        sql.and("c.refresh_enabled = 1");
    }
    sql
}

/// How the corpora list sorts.
pub const CORPUS_SORT: Sortable = Sortable {
    fields: &["name", "created_on", "modified_on"],
    default: SortOrder::ascending("name"),
};

impl Store {
    pub async fn list_corpora(
        &self,
        org: i64,
        caller: i64,
        org_admin: bool,
        filter: &CorpusFilter<'_>,
        sort: SortOrder,
        page: PageRequest,
    ) -> Result<(Vec<CorpusRow>, i64)> {
        let mut sql = corpus_conditions(SELECT, org, caller, org_admin, filter);
        sql.page(&sort.sql("c"), page);
        let rows = sql.query_as().fetch_all(self.pool()).await?;
        let count = corpus_conditions("SELECT COUNT(*) FROM corpora c", org, caller, org_admin, filter)
            .query_scalar()
            .fetch_one(self.pool())
            .await?;
        Ok((rows, count))
    }

    pub async fn find_corpus(&self, org: i64, caller: i64, id: i64) -> Result<Option<CorpusRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE c.id = $2 AND c.organization_id = $3 AND c.is_deleted = 0"
        ))
        .bind(caller)
        .bind(id)
        .bind(org)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn corpus_tags(&self, id: i64) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT tag FROM corpus_tags WHERE corpus_id = $1 ORDER BY tag")
                .bind(id)
                .fetch_all(self.pool())
                .await?,
        )
    }

    pub async fn create_corpus(&self, org: i64, owner: i64, by: &str, c: &CorpusConfig) -> Result<i64> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO corpora (organization_id, owner_id, name, description, indexing_mode_id, corpus_type, is_public, \
             refresh_enabled, created_by, created_on, modified_by, modified_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $10) RETURNING id",
        )
        .bind(org)
        .bind(owner)
        .bind(&c.name)
        .bind(&c.description)
        .bind(c.indexing_mode_id)
        .bind(&c.corpus_type)
        .bind(c.is_public as i64)
        .bind(c.refresh_enabled as i64)
        .bind(by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        write_tags(&mut tx, id, &c.tags).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_corpus(&self, id: i64, by: &str, c: &CorpusConfig) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query(
            "UPDATE corpora SET name = $1, description = $2, indexing_mode_id = $3, corpus_type = $4, is_public = $5, \
             refresh_enabled = $6, modified_by = $7, modified_on = $8 WHERE id = $9",
        )
        .bind(&c.name)
        .bind(&c.description)
        .bind(c.indexing_mode_id)
        .bind(&c.corpus_type)
        .bind(c.is_public as i64)
        .bind(c.refresh_enabled as i64)
        .bind(by)
        .bind(time_fmt::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        write_tags(&mut tx, id, &c.tags).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The agent a corpus is the default corpus of, if any (such a corpus goes with its agent).
    pub async fn default_corpus_agent(&self, id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT a.agent_name FROM agent_corpora ac JOIN agents a ON a.id = ac.agent_id \
             WHERE ac.corpus_id = $1 AND ac.is_default = 1 AND a.is_deleted = 0 LIMIT 1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Soft-deletes the corpus and disconnects it from every agent.
    pub async fn delete_corpus(&self, id: i64, by: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query("UPDATE corpora SET is_deleted = 1, modified_by = $1, modified_on = $2 WHERE id = $3")
            .bind(by)
            .bind(time_fmt::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM agent_corpora WHERE corpus_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn corpus_agents(&self, id: i64) -> Result<Vec<CorpusAgent>> {
        let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
            "SELECT a.id, a.agent_name, ac.is_enabled, ac.is_default FROM agent_corpora ac JOIN agents a ON a.id = ac.agent_id \
             WHERE ac.corpus_id = $1 AND a.is_deleted = 0 ORDER BY a.agent_name",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(agent_id, agent_name, enabled, default)| CorpusAgent {
                agent_id,
                agent_name,
                is_enabled: enabled != 0,
                is_default: default != 0,
            })
            .collect())
    }

    /// Permissions of a corpus, optionally of one user.
    pub async fn corpus_permissions(&self, id: i64, user: Option<i64>) -> Result<Vec<CorpusPermission>> {
        let rows: Vec<(i64, i64, i64, String, String, String, String)> = sqlx::query_as(
            "SELECT p.id, p.corpus_id, p.user_id, u.email, p.access, p.created_by, p.created_on \
             FROM corpus_permissions p JOIN users u ON u.id = p.user_id \
             WHERE p.corpus_id = $1 AND ($2 = 0 OR p.user_id = $2) AND u.is_deleted = 0 ORDER BY u.email",
        )
        .bind(id)
        .bind(user.unwrap_or(0))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, corpus_id, user_id, email, access, created_by, created_on)| CorpusPermission {
                    id,
                    corpus_id,
                    user_id,
                    email,
                    access,
                    created_by,
                    created_on,
                },
            )
            .collect())
    }

    /// Grants (or changes) a user's access to a corpus.
    pub async fn grant_corpus(&self, id: i64, user: i64, access: &str, by: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO corpus_permissions (corpus_id, user_id, access, created_by, created_on) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (corpus_id, user_id) DO UPDATE SET access = excluded.access",
        )
        .bind(id)
        .bind(user)
        .bind(access)
        .bind(by)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await
        .on_unique_violation(|| "That user already has access.".to_string())?;
        Ok(())
    }

    pub async fn revoke_corpus(&self, id: i64, user: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM corpus_permissions WHERE corpus_id = $1 AND user_id = $2")
            .bind(id)
            .bind(user)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

async fn write_tags(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64, tags: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM corpus_tags WHERE corpus_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for tag in tags {
        sqlx::query("INSERT INTO corpus_tags (corpus_id, tag) VALUES ($1, $2)")
            .bind(id)
            .bind(tag)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
