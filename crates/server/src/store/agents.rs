use std::collections::HashMap;

use ejento_api::{AgentType, HistoryRecord, Instruction, ResourceRole, RetrievalMode};
use serde::{Deserialize, Serialize};

use super::{
    Store,
    pagination::{PageRequest, SortOrder, Sortable, counted_page, placeholders},
    projects::MEMBER_OF_PROJECT,
    sql::Sql,
};
use crate::{
    error::{Result, ResultExt},
    time_fmt,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgentRow {
    pub id: i64,
    pub organization_id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub owner_id: i64,
    pub agent_type_id: i64,
    pub agent_type_name: String,
    pub agent_type_description: String,
    pub agent_name: String,
    pub domain: String,
    pub industry_area: String,
    pub prefix_prompt: String,
    pub sample_q1: String,
    pub sample_q2: String,
    pub sample_q3: String,
    pub access: String,
    pub status: String,
    pub is_active: i64,
    pub llm_config_id: Option<i64>,
    pub caching_enabled: i64,
    pub react_enabled: i64,
    pub react_max_iteration_count: i64,
    pub reasoning_mode: String,
    pub chunk_count: i64,
    pub retrieval_mode: String,
    pub min_relevance_pct: i64,
    pub model_choice: i64,
    pub agent_image: String,
    pub cloned_from: Option<i64>,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
    pub owner_email: String,
    pub owner_first_name: String,
    pub owner_last_name: String,
}

impl AgentRow {
    /// 0–1.
    pub fn min_relevance(&self) -> f64 {
        self.min_relevance_pct.clamp(0, 100) as f64 / 100.0
    }

    /// Stored by this server, so always one of the modes; anything else reads as the default.
    pub fn retrieval_mode(&self) -> RetrievalMode {
        RetrievalMode::parse(&self.retrieval_mode).unwrap_or_default()
    }

    pub fn agent_type(&self) -> AgentType {
        AgentType {
            id: self.agent_type_id,
            name: self.agent_type_name.clone(),
            description: self.agent_type_description.clone(),
        }
    }
}

/// Everything an agent's configuration is: what a history checkpoint snapshots and restores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentConfig {
    pub agent_name: String,
    pub domain: String,
    pub industry_area: String,
    pub prefix_prompt: String,
    pub instructions: Vec<String>,
    pub sample_q1: String,
    pub sample_q2: String,
    pub sample_q3: String,
    pub agent_type_id: i64,
    pub agent_type: String,
    pub access: String,
    pub status: String,
    pub is_active: bool,
    pub llm_config_id: Option<i64>,
    pub caching_enabled: bool,
    pub react_enabled: bool,
    pub react_max_iteration_count: i64,
    pub reasoning_mode: String,
    pub chunk_count: i64,
    /// Checkpoints from before retrieval modes existed restore the default, hybrid.
    #[serde(default)]
    pub retrieval_mode: RetrievalMode,
    /// Hundredths; checkpoints from before it existed restore 0 (every passage).
    #[serde(default)]
    pub min_relevance_pct: i64,
    #[serde(default)]
    pub model_choice: bool,
    pub tags: Vec<String>,
    pub agent_image: String,
}

impl AgentConfig {
    pub fn of(row: &AgentRow, instructions: Vec<String>, tags: Vec<String>) -> Self {
        Self {
            agent_name: row.agent_name.clone(),
            domain: row.domain.clone(),
            industry_area: row.industry_area.clone(),
            prefix_prompt: row.prefix_prompt.clone(),
            instructions,
            sample_q1: row.sample_q1.clone(),
            sample_q2: row.sample_q2.clone(),
            sample_q3: row.sample_q3.clone(),
            agent_type_id: row.agent_type_id,
            agent_type: row.agent_type_name.clone(),
            access: row.access.clone(),
            status: row.status.clone(),
            is_active: row.is_active != 0,
            llm_config_id: row.llm_config_id,
            caching_enabled: row.caching_enabled != 0,
            react_enabled: row.react_enabled != 0,
            react_max_iteration_count: row.react_max_iteration_count,
            reasoning_mode: row.reasoning_mode.clone(),
            chunk_count: row.chunk_count,
            retrieval_mode: row.retrieval_mode(),
            min_relevance_pct: row.min_relevance_pct,
            model_choice: row.model_choice != 0,
            tags,
            agent_image: row.agent_image.clone(),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct HistoryRow {
    history_id: i64,
    history_date: String,
    history_change_reason: String,
    modified_by: String,
    snapshot: String,
}

impl HistoryRow {
    fn into_record(self) -> Option<(HistoryRecord, AgentConfig)> {
        let c: AgentConfig = serde_json::from_str(&self.snapshot).ok()?;
        let record = HistoryRecord {
            history_id: self.history_id,
            history_date: self.history_date,
            history_change_reason: self.history_change_reason,
            modified_by: self.modified_by,
            agent_name: c.agent_name.clone(),
            domain: c.domain.clone(),
            prefix_prompt: c.prefix_prompt.clone(),
            instructions: c.instructions.clone(),
            sample_q1: c.sample_q1.clone(),
            sample_q2: c.sample_q2.clone(),
            sample_q3: c.sample_q3.clone(),
            access: c.access.clone(),
            status: c.status.clone(),
            agent_type: c.agent_type.clone(),
            llm_config: c.llm_config_id,
            caching_enabled: c.caching_enabled,
            react_enabled: c.react_enabled,
            react_max_iteration_count: c.react_max_iteration_count,
            reasoning_mode: c.reasoning_mode.clone(),
            chunk_count: c.chunk_count,
            retrieval_mode: c.retrieval_mode,
            min_relevance: c.min_relevance_pct as f64 / 100.0,
            model_choice: c.model_choice,
            tags: c.tags.clone(),
        };
        Some((record, c))
    }
}

const AGENT_SELECT: &str = "SELECT a.id, a.organization_id, a.project_id, p.name AS project_name, a.owner_id, a.agent_type_id, \
     ty.name AS agent_type_name, ty.description AS agent_type_description, a.agent_name, a.domain, a.industry_area, \
     a.prefix_prompt, a.sample_q1, a.sample_q2, a.sample_q3, a.access, a.status, a.is_active, a.llm_config_id, \
     a.caching_enabled, a.react_enabled, a.react_max_iteration_count, a.reasoning_mode, a.chunk_count, a.retrieval_mode, \
     a.min_relevance_pct, a.model_choice, a.agent_image, a.cloned_from, a.created_by, a.created_on, a.modified_by, a.modified_on, \
     COALESCE(ow.email, '') AS owner_email, COALESCE(ow.first_name, '') AS owner_first_name, \
     COALESCE(ow.last_name, '') AS owner_last_name \
     FROM agents a JOIN projects p ON p.id = a.project_id JOIN agent_types ty ON ty.id = a.agent_type_id \
     LEFT JOIN users ow ON ow.id = a.owner_id";

/// Which agents a list shows, beyond what the caller may see.
#[derive(Debug, Clone, Default)]
pub struct AgentFilter {
    pub search: Option<String>,
    pub project_id: Option<i64>,
    pub team_id: Option<i64>,
    pub tag: Option<String>,
    pub agent_type_id: Option<i64>,
    pub access: Option<String>,
    pub status: Option<String>,
    pub is_active: Option<bool>,
    pub starred: bool,
    /// Only agents whose project belongs to one of the caller's teams.
    pub my_teams: bool,
    pub user_team_id: Option<i64>,
}

/// One row of [`Store::agent_extras`]'s query: kind, agent (or project) id, order, two numbers
/// and three texts.
type ExtraRow = (String, i64, i64, i64, i64, String, String, String);

/// Extra per-agent facts for the agent object: instructions, tags, votes, rating, starred, and
/// the caller's own role (owner, direct grant or via the project), fetched for a whole page at once.
#[derive(Debug, Default)]
pub struct AgentExtras {
    pub roles: HashMap<i64, ResourceRole>,
    pub instructions: HashMap<i64, Vec<Instruction>>,
    pub tags: HashMap<i64, Vec<String>>,
    pub votes: HashMap<i64, (i64, i64)>,
    pub ratings: HashMap<i64, f64>,
    pub starred: HashMap<i64, bool>,
    pub tools: HashMap<i64, Vec<String>>,
    /// Each agent's first e-mail alias.
    pub alias: HashMap<i64, String>,
    /// Each agent's model configuration (for those that have one).
    pub llm: HashMap<i64, ejento_api::LlmConfiguration>,
}

/// How the agents list sorts.
pub const AGENT_SORT: Sortable = Sortable {
    fields: &["agent_name", "created_on", "modified_on"],
    default: SortOrder::ascending("agent_name"),
};

/// `select` (naming agents `a` and their projects `p`) with the conditions of the agents
/// `caller` may see that match `filter`: only the filters set, so that each combination is a
/// statement PostgreSQL plans once (see [`Sql`]).
fn agent_conditions(select: &str, org: i64, caller: i64, org_admin: bool, filter: &AgentFilter) -> Sql {
    let mut sql = Sql::new(select);
    // `$1` is the caller and `$2` the organization: the shared clauses name them so.
    sql.arg(caller);
    sql.arg(org);
    sql.push(" WHERE a.organization_id = $2 AND a.is_deleted = 0");
    if !org_admin {
        sql.and(&format!(
            "(a.access = 'Public' OR a.owner_id = $1 \
             OR EXISTS (SELECT 1 FROM agent_users au WHERE au.agent_id = a.id AND au.user_id = $1) OR {MEMBER_OF_PROJECT})"
        ));
    }
    sql.and_contains(filter.search.as_deref(), &["a.agent_name", "a.domain"]);
    let set = |id: Option<i64>| id.filter(|id| *id != 0);
    let given = |text: &Option<String>| text.clone().filter(|text| !text.is_empty());
    if let Some(project) = set(filter.project_id) {
        let p = sql.arg(project);
        sql.and(&format!("a.project_id = {p}"));
    }
    if let Some(team) = set(filter.team_id) {
        let p = sql.arg(team);
        sql.and(&format!("p.team_id = {p}"));
    }
    if let Some(tag) = given(&filter.tag) {
        let p = sql.arg(tag);
        sql.and(&format!(
            "EXISTS (SELECT 1 FROM agent_tags tg WHERE tg.agent_id = a.id AND tg.tag = {p})"
        ));
    }
    if let Some(agent_type) = set(filter.agent_type_id) {
        let p = sql.arg(agent_type);
        sql.and(&format!("a.agent_type_id = {p}"));
    }
    if let Some(access) = given(&filter.access) {
        let p = sql.arg(access);
        sql.and(&format!("a.access = {p}"));
    }
    if let Some(status) = given(&filter.status) {
        let p = sql.arg(status);
        sql.and(&format!("a.status = {p}"));
    }
    if let Some(active) = filter.is_active {
        let p = sql.arg(i64::from(active));
        sql.and(&format!("a.is_active = {p}"));
    }
    if filter.starred {
        sql.and("EXISTS (SELECT 1 FROM starred_agents s WHERE s.agent_id = a.id AND s.user_id = $1)");
    }
    if filter.my_teams {
        sql.and("EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = p.team_id AND tm.user_id = $1)");
    }
    if let Some(team) = set(filter.user_team_id) {
        let p = sql.arg(team);
        sql.and(&format!(
            "EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = {p} AND tm.user_id = a.owner_id)"
        ));
    }
    sql
}

impl Store {
    /// A page of the agents `caller` may see (every agent of the org for org admins).
    pub async fn list_agents(
        &self,
        org: i64,
        caller: i64,
        org_admin: bool,
        filter: &AgentFilter,
        sort: SortOrder,
        page: PageRequest,
    ) -> Result<(Vec<AgentRow>, i64, AgentExtras)> {
        // One connection for the page and its extras: sqlx pings a connection each time it
        // goes back to the pool (a hand-off to SQLite's thread, a round trip to PostgreSQL).
        let mut conn = self.pool().acquire().await?;
        let (rows, count) = counted_page(
            &mut conn,
            (
                AGENT_SELECT,
                "SELECT COUNT(*) FROM agents a JOIN projects p ON p.id = a.project_id",
            ),
            |select| agent_conditions(select, org, caller, org_admin, filter),
            &sort.sql("a"),
            page,
        )
        .await?;
        let extras = self.agent_extras_on(&mut conn, &rows, caller).await?;
        Ok((rows, count, extras))
    }

    pub async fn find_agent(&self, org: i64, id: i64) -> Result<Option<AgentRow>> {
        let sql = format!("{AGENT_SELECT} WHERE a.id = $1 AND a.organization_id = $2 AND a.is_deleted = 0");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .bind(org)
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn agents_by_ids(&self, ids: &[i64]) -> Result<Vec<AgentRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{AGENT_SELECT} WHERE a.is_deleted = 0 AND a.id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query_as(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// The user's own role on the agent: owner, direct grant, or via the agent's project.
    pub async fn agent_role(&self, agent: &AgentRow, user: i64) -> Result<Option<ResourceRole>> {
        if agent.owner_id == user {
            return Ok(Some(ResourceRole::Admin));
        }
        let direct: Option<String> =
            sqlx::query_scalar("SELECT role FROM agent_users WHERE agent_id = $1 AND user_id = $2")
                .bind(agent.id)
                .bind(user)
                .fetch_optional(self.pool())
                .await?;
        let direct = direct.as_deref().and_then(ResourceRole::parse);
        Ok(direct.max(self.project_role(agent.project_id, user).await?))
    }

    /// What a page of agents shows beside their rows (instructions, tools, tags, votes, ratings,
    /// the caller's star and role), in one round trip whatever the page size: on SQLite every
    /// statement is a hand-off to the connection's thread, on PostgreSQL a network round trip,
    /// and those, not the queries, were most of a page's cost.
    pub async fn agent_extras(&self, rows: &[AgentRow], caller: i64) -> Result<AgentExtras> {
        self.agent_extras_on(&mut *self.pool().acquire().await?, rows, caller)
            .await
    }

    async fn agent_extras_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        rows: &[AgentRow],
        caller: i64,
    ) -> Result<AgentExtras> {
        let mut extras = AgentExtras::default();
        if rows.is_empty() {
            return Ok(extras);
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut projects: Vec<i64> = rows.iter().map(|r| r.project_id).collect();
        projects.sort_unstable();
        projects.dedup();
        let sql = extras_sql(self.db().backend, ids.len(), projects.len());
        let mut query = sqlx::query_as::<_, ExtraRow>(&sql).bind(caller);
        for id in ids.iter().chain(&projects) {
            query = query.bind(*id);
        }
        let mut found = query.fetch_all(conn).await?;
        // Instructions by position, tools and tags by name (byte order on both databases).
        found.sort_unstable_by(|x, y| (x.1, &x.0, x.2, &x.5).cmp(&(y.1, &y.0, y.2, &y.5)));
        let mut direct: HashMap<i64, ResourceRole> = HashMap::new();
        let mut by_project: HashMap<i64, ResourceRole> = HashMap::new();
        for (kind, id, order, a, b, text, created_by, created_on) in found {
            match kind.as_str() {
                "instruction" => extras.instructions.entry(id).or_default().push(Instruction {
                    id: a,
                    instruction: text,
                    created_by,
                    created_on,
                }),
                "tool" => extras.tools.entry(id).or_default().push(text),
                "tag" => extras.tags.entry(id).or_default().push(text),
                "alias" => {
                    extras.alias.insert(id, text);
                }
                "llm" => {
                    let config = super::org_admin::llm_configuration(order, text, &created_by, created_on, a, b);
                    extras.llm.insert(id, config);
                }
                "votes" => {
                    extras.votes.insert(id, (a, b));
                }
                "ratings" if b > 0 => {
                    extras
                        .ratings
                        .insert(id, ((a as f64 / b as f64) * 100.0).round() / 100.0);
                }
                "star" => {
                    extras.starred.insert(id, true);
                }
                "agent_role" | "project_role" => {
                    let roles = if kind == "agent_role" {
                        &mut direct
                    } else {
                        &mut by_project
                    };
                    if let Some(role) = ResourceRole::parse(&text) {
                        let entry = roles.entry(id).or_insert(role);
                        *entry = (*entry).max(role);
                    }
                }
                _ => {}
            }
        }
        for row in rows {
            let role = if row.owner_id == caller {
                Some(ResourceRole::Admin)
            } else {
                direct
                    .get(&row.id)
                    .copied()
                    .max(by_project.get(&row.project_id).copied())
            };
            if let Some(role) = role {
                extras.roles.insert(row.id, role);
            }
        }
        Ok(extras)
    }

    /// An agent's editable configuration: its row, instructions in order and tags, read in one
    /// statement (an answer's preparation reads it too).
    pub async fn agent_config(&self, row: &AgentRow) -> Result<AgentConfig> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT kind, text FROM (SELECT 'instruction' AS kind, instruction AS text, position FROM agent_instructions \
             WHERE agent_id = $1 AND is_deleted = 0 UNION ALL SELECT 'tag', tag, 0 FROM agent_tags WHERE agent_id = $1) \
             parts ORDER BY kind, position, text",
        )
        .bind(row.id)
        .fetch_all(self.pool())
        .await?;
        let (instructions, tags): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(kind, _)| kind == "instruction");
        Ok(AgentConfig::of(
            row,
            instructions.into_iter().map(|(_, text)| text).collect(),
            tags.into_iter().map(|(_, text)| text).collect(),
        ))
    }

    /// Creates an agent with its first checkpoint, its creator as Admin, and its default corpus
    /// `<name>_Default` connected with `is_default`, all in one transaction.
    /// Creates an agent with its default corpus and, given `alias_domain`, an e-mail alias
    /// `<Name>_<id>@<alias_domain>` (Ejento's `create_email_alias`), all or nothing.
    pub async fn create_agent(
        &self,
        org: i64,
        project: i64,
        owner: i64,
        by: &str,
        config: &AgentConfig,
        alias_domain: Option<&str>,
    ) -> Result<i64> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agents (organization_id, project_id, owner_id, agent_type_id, agent_name, access, status, \
             reasoning_mode, created_by, created_on, modified_by, modified_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $10) RETURNING id",
        )
        .bind(org)
        .bind(project)
        .bind(owner)
        .bind(config.agent_type_id)
        .bind(&config.agent_name)
        .bind(&config.access)
        .bind(&config.status)
        .bind(&config.reasoning_mode)
        .bind(by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        write_config(&mut tx, id, config, "Initial checkpoint", by, &now).await?;
        sqlx::query("INSERT INTO agent_users (agent_id, user_id, role, created_on) VALUES ($1, $2, 'Admin', $3)")
            .bind(id)
            .bind(owner)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        let corpus: i64 = sqlx::query_scalar(
            "INSERT INTO corpora (organization_id, owner_id, name, description, created_by, created_on, modified_by, modified_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id",
        )
        .bind(org)
        .bind(owner)
        .bind(format!("{}_Default", config.agent_name))
        .bind(format!("Default corpus of the agent {}", config.agent_name))
        .bind(by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO agent_corpora (agent_id, corpus_id, is_enabled, is_default, connected_by, created_on, \
             modified_by, modified_on) VALUES ($1, $2, 1, 1, $3, $4, $3, $4)",
        )
        .bind(id)
        .bind(corpus)
        .bind(by)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        if let Some(domain) = alias_domain {
            let name: String = config
                .agent_name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .take(64)
                .collect();
            sqlx::query("INSERT INTO agent_aliases (agent_id, alias, created_by, created_on) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(format!("{name}_{id}@{domain}").to_lowercase())
                .bind(by)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .on_unique_violation(|| "The agent's e-mail alias is already taken by another agent.".to_string())?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Saves a whole configuration and writes a checkpoint of it, atomically.
    pub async fn save_agent_config(&self, agent: i64, config: &AgentConfig, reason: &str, by: &str) -> Result<()> {
        let now = time_fmt::now();
        let mut tx = self.db.write().await?;
        write_config(&mut tx, agent, config, reason, by, &now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_agent(&self, agent: i64, by: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query("UPDATE agents SET is_deleted = 1, modified_by = $1, modified_on = $2 WHERE id = $3")
            .bind(by)
            .bind(time_fmt::now())
            .bind(agent)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM starred_agents WHERE agent_id = $1")
            .bind(agent)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recent_items WHERE kind = 'agent' AND item_id = $1")
            .bind(agent)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn agent_history(&self, agent: i64, page: PageRequest) -> Result<(Vec<HistoryRecord>, i64)> {
        let rows: Vec<HistoryRow> = sqlx::query_as(
            "SELECT history_id, history_date, history_change_reason, modified_by, snapshot FROM agent_history \
             WHERE agent_id = $1 ORDER BY history_id DESC LIMIT $2 OFFSET $3",
        )
        .bind(agent)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agent_history WHERE agent_id = $1")
            .bind(agent)
            .fetch_one(self.pool())
            .await?;
        Ok((
            rows.into_iter()
                .filter_map(|r| r.into_record().map(|(rec, _)| rec))
                .collect(),
            count,
        ))
    }

    pub async fn history_checkpoint(&self, agent: i64, history: i64) -> Result<Option<(HistoryRecord, AgentConfig)>> {
        let row: Option<HistoryRow> = sqlx::query_as(
            "SELECT history_id, history_date, history_change_reason, modified_by, snapshot FROM agent_history \
             WHERE agent_id = $1 AND history_id = $2",
        )
        .bind(agent)
        .bind(history)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(HistoryRow::into_record))
    }

    /// Every checkpoint where the system prompt changed, newest first.
    pub async fn prompt_history(&self, agent: i64) -> Result<Vec<HistoryRecord>> {
        let rows: Vec<HistoryRow> = sqlx::query_as(
            "SELECT history_id, history_date, history_change_reason, modified_by, snapshot FROM agent_history \
             WHERE agent_id = $1 ORDER BY history_id ASC",
        )
        .bind(agent)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<HistoryRecord> = Vec::new();
        for (record, _) in rows.into_iter().filter_map(HistoryRow::into_record) {
            if out.last().is_none_or(|prev| prev.prefix_prompt != record.prefix_prompt) {
                out.push(record);
            }
        }
        out.reverse();
        Ok(out)
    }

    pub async fn agent_types(&self, org: i64) -> Result<Vec<AgentType>> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, description FROM agent_types WHERE organization_id = $1 ORDER BY id")
                .bind(org)
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, description)| AgentType { id, name, description })
            .collect())
    }

    pub async fn update_agent_type(&self, org: i64, id: i64, name: &str, description: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE agent_types SET name = $1, description = $2, modified_on = $3 WHERE id = $4 AND organization_id = $5",
        )
        .bind(name)
        .bind(description)
        .bind(time_fmt::now())
        .bind(id)
        .bind(org)
        .execute(self.pool())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                crate::error::Error::Conflict(format!("An agent type named \"{name}\" already exists."))
            }
            _ => e.into(),
        })?;
        Ok(done.rows_affected() == 1)
    }
}

async fn write_config(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    agent: i64,
    c: &AgentConfig,
    reason: &str,
    by: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE agents SET agent_name = $1, domain = $2, industry_area = $3, prefix_prompt = $4, sample_q1 = $5, \
         sample_q2 = $6, sample_q3 = $7, agent_type_id = $8, access = $9, status = $10, is_active = $11, \
         llm_config_id = $12, caching_enabled = $13, react_enabled = $14, react_max_iteration_count = $15, \
         reasoning_mode = $16, chunk_count = $17, agent_image = $18, modified_by = $19, modified_on = $20, \
         retrieval_mode = $22, min_relevance_pct = $23, model_choice = $24 WHERE id = $21",
    )
    .bind(&c.agent_name)
    .bind(&c.domain)
    .bind(&c.industry_area)
    .bind(&c.prefix_prompt)
    .bind(&c.sample_q1)
    .bind(&c.sample_q2)
    .bind(&c.sample_q3)
    .bind(c.agent_type_id)
    .bind(&c.access)
    .bind(&c.status)
    .bind(c.is_active as i64)
    .bind(c.llm_config_id)
    .bind(c.caching_enabled as i64)
    .bind(c.react_enabled as i64)
    .bind(c.react_max_iteration_count)
    .bind(&c.reasoning_mode)
    .bind(c.chunk_count)
    .bind(&c.agent_image)
    .bind(by)
    .bind(now)
    .bind(agent)
    .bind(c.retrieval_mode.as_str())
    .bind(c.min_relevance_pct)
    .bind(c.model_choice as i64)
    .execute(&mut **tx)
    .await?;
    let current: Vec<String> = sqlx::query_scalar(
        "SELECT instruction FROM agent_instructions WHERE agent_id = $1 AND is_deleted = 0 ORDER BY position",
    )
    .bind(agent)
    .fetch_all(&mut **tx)
    .await?;
    if current != c.instructions {
        sqlx::query("UPDATE agent_instructions SET is_deleted = 1 WHERE agent_id = $1 AND is_deleted = 0")
            .bind(agent)
            .execute(&mut **tx)
            .await?;
        for (position, instruction) in c.instructions.iter().enumerate() {
            sqlx::query(
                "INSERT INTO agent_instructions (agent_id, instruction, position, created_by, created_on) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(agent)
            .bind(instruction)
            .bind(position as i64)
            .bind(by)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query("DELETE FROM agent_tags WHERE agent_id = $1")
        .bind(agent)
        .execute(&mut **tx)
        .await?;
    for tag in &c.tags {
        sqlx::query("INSERT INTO agent_tags (agent_id, tag) VALUES ($1, $2)")
            .bind(agent)
            .bind(tag)
            .execute(&mut **tx)
            .await?;
    }
    let snapshot = serde_json::to_string(c).map_err(anyhow::Error::from)?;
    sqlx::query(
        "INSERT INTO agent_history (agent_id, history_date, history_change_reason, modified_by, snapshot) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(agent)
    .bind(now)
    .bind(reason)
    .bind(by)
    .bind(snapshot)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The extras query for a page of `agents` agents in `projects` projects: `$1` the caller, then
/// the agents' ids, then the projects' ids. Every part has the same columns: kind, the agent
/// (or project) id, an order, two numbers and three texts; the caller sorts.
///
/// Each database gets the form it runs best (measured with wrk on a page of agents). SQLite
/// built a temporary b-tree, with its own pager and page cache, for every `IN (…)` list and one
/// more for `ORDER BY`: a fifth of its time. There the lists are inline `VALUES` joined to each
/// table (`NOT MATERIALIZED`: read where used, never stored), every part an index lookup per
/// agent, 10-25% less CPU per page. PostgreSQL served about 10% fewer pages that way than with
/// `IN` lists and grouped counts, so it keeps those.
fn extras_sql(backend: crate::db::Backend, agents: usize, projects: usize) -> String {
    if backend == crate::db::Backend::Postgres {
        let (agents, in_projects) = (placeholders(2, agents), placeholders(2 + agents, projects));
        return format!(
            "SELECT 'instruction', agent_id, position, id, CAST(0 AS BIGINT), instruction, created_by, created_on \
               FROM agent_instructions WHERE is_deleted = 0 AND agent_id IN ({agents}) \
             UNION ALL SELECT 'tool', at.agent_id, 0, 0, 0, t.name, '', '' FROM agent_tools at JOIN tools t ON t.id = at.tool_id \
               WHERE t.is_deleted = 0 AND at.agent_id IN ({agents}) \
             UNION ALL SELECT 'tag', agent_id, 0, 0, 0, tag, '', '' FROM agent_tags WHERE agent_id IN ({agents}) \
             UNION ALL SELECT 'llm', a.id, l.id, l.is_enabled, l.is_default, l.model_name, l.model_deployment, l.provider \
               FROM agents a JOIN llm_configurations l ON l.id = a.llm_config_id AND l.organization_id = a.organization_id \
               WHERE a.id IN ({agents}) \
             UNION ALL SELECT 'alias', al.agent_id, 0, 0, 0, al.alias, '', '' FROM agent_aliases al \
               WHERE al.agent_id IN ({agents}) AND al.id = (SELECT MIN(f.id) FROM agent_aliases f WHERE f.agent_id = al.agent_id) \
             UNION ALL SELECT 'votes', agent_id, 0, CAST(SUM(CASE WHEN vote > 0 THEN 1 ELSE 0 END) AS BIGINT), \
               CAST(SUM(CASE WHEN vote < 0 THEN 1 ELSE 0 END) AS BIGINT), '', '', '' FROM agent_votes WHERE agent_id IN ({agents}) GROUP BY agent_id \
             UNION ALL SELECT 'ratings', agent_id, 0, CAST(SUM(rating) AS BIGINT), COUNT(*), '', '', '' \
               FROM agent_ratings WHERE agent_id IN ({agents}) GROUP BY agent_id \
             UNION ALL SELECT 'star', agent_id, 0, 0, 0, '', '', '' FROM starred_agents WHERE user_id = $1 AND agent_id IN ({agents}) \
             UNION ALL SELECT 'agent_role', agent_id, 0, 0, 0, role, '', '' FROM agent_users WHERE user_id = $1 AND agent_id IN ({agents}) \
             UNION ALL SELECT 'project_role', project_id, 0, 0, 0, role, '', '' FROM project_members \
               WHERE user_id = $1 AND project_id IN ({in_projects}) \
             UNION ALL SELECT 'project_role', p.id, 0, 0, 0, tm.role, '', '' FROM projects p JOIN team_members tm ON tm.team_id = p.team_id \
               WHERE tm.user_id = $1 AND p.id IN ({in_projects})"
        );
    }
    let values = |first: usize, n: usize| {
        (first..first + n)
            .map(|i| format!("(CAST(${i} AS BIGINT))"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "WITH page(id) AS NOT MATERIALIZED (VALUES {agents}), page_projects(id) AS NOT MATERIALIZED (VALUES {in_projects}) \
         SELECT 'instruction', i.agent_id, i.position, i.id, CAST(0 AS BIGINT), i.instruction, i.created_by, i.created_on \
           FROM page JOIN agent_instructions i ON i.agent_id = page.id WHERE i.is_deleted = 0 \
         UNION ALL SELECT 'tool', at.agent_id, 0, 0, 0, t.name, '', '' \
           FROM page JOIN agent_tools at ON at.agent_id = page.id JOIN tools t ON t.id = at.tool_id WHERE t.is_deleted = 0 \
         UNION ALL SELECT 'tag', g.agent_id, 0, 0, 0, g.tag, '', '' FROM page JOIN agent_tags g ON g.agent_id = page.id \
         UNION ALL SELECT 'llm', a.id, l.id, l.is_enabled, l.is_default, l.model_name, l.model_deployment, l.provider \
           FROM page JOIN agents a ON a.id = page.id \
           JOIN llm_configurations l ON l.id = a.llm_config_id AND l.organization_id = a.organization_id \
         UNION ALL SELECT 'alias', al.agent_id, 0, 0, 0, al.alias, '', '' FROM page JOIN agent_aliases al ON al.agent_id = page.id \
           WHERE al.id = (SELECT MIN(f.id) FROM agent_aliases f WHERE f.agent_id = page.id) \
         UNION ALL SELECT 'votes', page.id, 0, \
           (SELECT COUNT(*) FROM agent_votes v WHERE v.agent_id = page.id AND v.vote > 0), \
           (SELECT COUNT(*) FROM agent_votes v WHERE v.agent_id = page.id AND v.vote < 0), '', '', '' FROM page \
         UNION ALL SELECT 'ratings', page.id, 0, \
           (SELECT CAST(COALESCE(SUM(r.rating), 0) AS BIGINT) FROM agent_ratings r WHERE r.agent_id = page.id), \
           (SELECT COUNT(*) FROM agent_ratings r WHERE r.agent_id = page.id), '', '', '' FROM page \
         UNION ALL SELECT 'star', s.agent_id, 0, 0, 0, '', '', '' FROM page JOIN starred_agents s ON s.agent_id = page.id \
           WHERE s.user_id = $1 \
         UNION ALL SELECT 'agent_role', u.agent_id, 0, 0, 0, u.role, '', '' FROM page JOIN agent_users u ON u.agent_id = page.id \
           WHERE u.user_id = $1 \
         UNION ALL SELECT 'project_role', m.project_id, 0, 0, 0, m.role, '', '' \
           FROM page_projects pp JOIN project_members m ON m.project_id = pp.id WHERE m.user_id = $1 \
         UNION ALL SELECT 'project_role', p.id, 0, 0, 0, tm.role, '', '' \
           FROM page_projects pp JOIN projects p ON p.id = pp.id JOIN team_members tm ON tm.team_id = p.team_id \
           WHERE tm.user_id = $1",
        agents = values(2, agents),
        in_projects = values(2 + agents, projects),
    )
}
