//! Agents: catalogue, CRUD, activation, history with restore, prompt history, custom
//! instructions, starred and recent agents, and avatar generation.

use axum::{body::Bytes, extract::State, http::Method};
use ejento_api::{
    AGENT_ACCESS, AGENT_STATUS, ActivateInput, Agent, AgentInput, AgentPage, AgentStatus, Envelope, GenerateImage,
    GeneratedImage, HistoryPage, InstructionsInput, LlmConfiguration, PromptVersion, REASONING_MODES, ResourceRole,
    RetrievalMode, validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need},
    },
    error::{Error, FieldErrors, Result},
    state::AppState,
    store::{AgentConfig, AgentExtras, AgentFilter, AgentRow, RecentKind},
};

const TAG: &str = "Agents";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.route(Method::GET, "/api/v2/agents", (TAG, "Get all Agents", SignedIn), list)
        .route(
            Method::POST,
            "/api/v2/agents",
            (TAG, "Create a new Agent", SignedIn),
            create,
        )
        .route(
            Method::GET,
            "/api/v2/agents/filter",
            (TAG, "Get Agent Filter", SignedIn),
            list,
        )
        .route(
            Method::GET,
            "/api/v2/agents/by-team",
            (TAG, "Get Agents by Project team, User team", SignedIn),
            by_team,
        )
        .route(
            Method::POST,
            "/api/v2/agents/generate-image",
            (
                TAG,
                "Generate an image for an agent based on the provided description",
                SignedIn,
            ),
            generate_image,
        )
        .route(
            Method::GET,
            "/api/v2/agents/{agent_id}",
            (TAG, "Get an Agent", SignedIn),
            get,
        )
        .route(
            Method::PUT,
            "/api/v2/agents/{agent_id}",
            (TAG, "Update an Agent", SignedIn),
            update,
        )
        .route(
            Method::DELETE,
            "/api/v2/agents/{agent_id}",
            (TAG, "Delete an Agent", SignedIn),
            delete,
        )
        .route(
            Method::POST,
            "/api/v2/agents/{agent_id}/activate",
            (TAG, "Activate an Agent", SignedIn),
            activate,
        )
        .route(
            Method::GET,
            "/api/v2/agents/{agent_id}/status",
            (TAG, "Get the Status of an Agent", SignedIn),
            status,
        )
        .route(
            Method::GET,
            "/api/v2/agents/{agent_id}/history",
            (TAG, "Get agent history with pagination", SignedIn),
            history,
        )
        .route(
            Method::POST,
            "/api/v2/agents/{agent_id}/history/{history_id}/restore",
            (TAG, "Restore an agent to a previous checkpoint", SignedIn),
            restore,
        )
        .route(
            Method::GET,
            "/api/v2/agents/{agent_id}/prompt-history",
            (TAG, "Get Agent Prompt History", SignedIn),
            prompt_history,
        )
        .route(
            Method::POST,
            "/api/v2/agents/{agent_id}/instructions",
            (TAG, "Create Custom Instructions for an Agent", SignedIn),
            add_instructions,
        )
        .route(
            Method::GET,
            "/api/v2/projects/{project_id}/agents",
            (TAG, "Get all Agents by Project", SignedIn),
            by_project,
        )
        .route(
            Method::GET,
            "/api/v2/teams/{team_id}/agents",
            ("Teams", "Get all Agents of User's Team", SignedIn),
            of_team,
        )
        .route(
            Method::GET,
            "/api/v2/users/me/team-agents",
            (
                TAG,
                "Get Agents accessible to the Current User across their Teams",
                SignedIn,
            ),
            my_team_agents,
        )
        .route(
            Method::GET,
            "/api/v2/users/me/recent-agents",
            (TAG, "Get list of Recent Agents", SignedIn),
            recent,
        )
        .route(
            Method::POST,
            "/api/v2/users/me/recent-agents/{agent_id}",
            (TAG, "Create a Recent Agent", SignedIn),
            touch,
        )
        .route(
            Method::DELETE,
            "/api/v2/users/me/recent-agents/{agent_id}",
            (TAG, "Delete a Recent Agent", SignedIn),
            forget,
        )
        .route(
            Method::GET,
            "/api/v2/users/me/starred-agents",
            (TAG, "Get all Starred Agents of the Authenticated User", SignedIn),
            starred,
        )
        .route(
            Method::GET,
            "/api/v2/users/me/starred-agents/{agent_id}",
            (TAG, "Get Agent Details with Starred Status", SignedIn),
            get,
        )
        .route(
            Method::POST,
            "/api/v2/users/me/starred-agents/{agent_id}",
            (TAG, "Create Starred Agent", SignedIn),
            star,
        )
        .route(
            Method::DELETE,
            "/api/v2/users/me/starred-agents/{agent_id}",
            (TAG, "Delete Starred Agent", SignedIn),
            unstar,
        )
}

/// Builds agent objects (with instructions, tags, votes, rating, starred and the caller's role).
pub(super) async fn to_wire(state: &AppState, caller: &Caller, rows: Vec<AgentRow>) -> Result<Vec<Agent>> {
    let extras = state.store.agent_extras(&rows, caller.user_id()).await?;
    Ok(with_extras(caller, rows, extras, state.search.embedding_model()))
}

/// Agent objects from their rows and what the store read beside them; `embedding_model`: what
/// this server embeds with (none: keyword search only).
pub(super) fn with_extras(
    caller: &Caller,
    rows: Vec<AgentRow>,
    mut extras: AgentExtras,
    embedding_model: Option<String>,
) -> Vec<Agent> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let my_role = if authz::is_org_admin(caller) {
            Some(ResourceRole::Admin)
        } else {
            extras.roles.get(&row.id).copied()
        };
        let (likes, dislikes) = extras.votes.get(&row.id).copied().unwrap_or((0, 0));
        out.push(Agent {
            id: row.id,
            retrieval_mode: row.retrieval_mode(),
            min_relevance: row.min_relevance(),
            model_choice: row.model_choice != 0,
            instructions: extras.instructions.remove(&row.id).unwrap_or_default(),
            tags: extras.tags.remove(&row.id).unwrap_or_default(),
            agent_type: row.agent_type(),
            llm_config: extras.llm.remove(&row.id),
            like_count: likes,
            dislike_count: dislikes,
            average_rating: extras.ratings.get(&row.id).copied(),
            is_starred: extras.starred.contains_key(&row.id),
            my_role,
            agent_name: row.agent_name,
            domain: row.domain,
            industry_area: row.industry_area,
            prefix_prompt: row.prefix_prompt,
            sample_q1: row.sample_q1,
            sample_q2: row.sample_q2,
            sample_q3: row.sample_q3,
            access: row.access,
            status: row.status,
            is_active: row.is_active != 0,
            caching_enabled: row.caching_enabled != 0,
            react_enabled: row.react_enabled != 0,
            react_max_iteration_count: row.react_max_iteration_count,
            embedding_model: embedding_model.clone(),
            reasoning_mode: row.reasoning_mode,
            chunk_count: row.chunk_count,
            agent_image: row.agent_image,
            project: row.project_id,
            project_name: row.project_name,
            organization: row.organization_id,
            owner: row.owner_id,
            user: ejento_api::AgentOwner {
                id: row.owner_id,
                email: row.owner_email,
                first_name: row.owner_first_name,
                last_name: row.owner_last_name,
                organization: row.organization_id,
            },
            connected_tool_names: extras.tools.remove(&row.id).unwrap_or_default(),
            is_deleted: false,
            alias: extras.alias.remove(&row.id),
            character_voice: None,
            cloned_from: row.cloned_from,
            created_by: row.created_by,
            created_on: row.created_on,
            modified_by: row.modified_by,
            modified_on: row.modified_on,
        });
    }
    out
}

pub(super) async fn one(state: &AppState, caller: &Caller, row: AgentRow) -> Result<Agent> {
    Ok(to_wire(state, caller, vec![row]).await?.remove(0))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct AgentQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    project_id: Option<i64>,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    team_id: Option<i64>,
    tag: Option<String>,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    agent_type_id: Option<i64>,
    access: Option<String>,
    status: Option<String>,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_bool")]
    is_active: Option<bool>,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_bool")]
    starred: Option<bool>,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    project_team_id: Option<i64>,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    user_team_id: Option<i64>,
}

impl AgentQuery {
    fn filter(&self) -> AgentFilter {
        AgentFilter {
            search: self.list.search.clone(),
            project_id: self.project_id,
            team_id: self.team_id.or(self.project_team_id),
            tag: self.tag.clone().filter(|t| !t.is_empty()),
            agent_type_id: self.agent_type_id,
            access: self.access.clone().filter(|t| !t.is_empty()),
            status: self.status.clone().filter(|t| !t.is_empty()),
            is_active: self.is_active,
            starred: self.starred.unwrap_or(false),
            my_teams: false,
            user_team_id: self.user_team_id,
        }
    }
}

async fn agent_page(state: &AppState, caller: &Caller, filter: &AgentFilter, q: &ListQuery) -> Result<AgentPage> {
    let page = q.page();
    let (rows, count, extras) = state
        .store
        .list_agents(
            caller.org_id(),
            caller.user_id(),
            authz::is_org_admin(caller),
            filter,
            crate::store::AGENT_SORT.parse(q.sort.as_deref())?,
            page,
        )
        .await?;
    Ok(AgentPage {
        agents: with_extras(caller, rows, extras, state.search.embedding_model()),
        meta: page.meta(count),
    })
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AgentQuery>,
) -> Result<Json<AgentPage>> {
    Ok(ok(
        "Agents fetched successfully.",
        agent_page(&state, &caller, &q.filter(), &q.list).await?,
    ))
}

async fn by_team(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AgentQuery>,
) -> Result<Json<AgentPage>> {
    for team in [q.project_team_id, q.user_team_id].into_iter().flatten() {
        authz::team(&state, &caller, team, Need::View).await?;
    }
    Ok(ok(
        "Agents fetched successfully.",
        agent_page(&state, &caller, &q.filter(), &q.list).await?,
    ))
}

async fn by_project(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(project): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AgentQuery>,
) -> Result<Json<AgentPage>> {
    authz::project(&state, &caller, project, Need::View).await?;
    let filter = AgentFilter {
        project_id: Some(project),
        ..q.filter()
    };
    Ok(ok(
        "Agents fetched successfully.",
        agent_page(&state, &caller, &filter, &q.list).await?,
    ))
}

async fn of_team(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(team): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AgentQuery>,
) -> Result<Json<AgentPage>> {
    authz::team(&state, &caller, team, Need::View).await?;
    let filter = AgentFilter {
        team_id: Some(team),
        ..q.filter()
    };
    Ok(ok(
        "Agents fetched successfully.",
        agent_page(&state, &caller, &filter, &q.list).await?,
    ))
}

async fn my_team_agents(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AgentQuery>,
) -> Result<Json<AgentPage>> {
    let filter = AgentFilter {
        my_teams: true,
        ..q.filter()
    };
    Ok(ok(
        "Agents fetched successfully.",
        agent_page(&state, &caller, &filter, &q.list).await?,
    ))
}

async fn starred(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AgentQuery>,
) -> Result<Json<AgentPage>> {
    let filter = AgentFilter {
        starred: true,
        ..q.filter()
    };
    Ok(ok(
        "Starred agents fetched successfully.",
        agent_page(&state, &caller, &filter, &q.list).await?,
    ))
}

/// Applies an input to a configuration, checking every field; all problems are reported at once.
pub(super) fn apply_input(
    input: &AgentInput,
    c: &mut AgentConfig,
    types: &[ejento_api::AgentType],
    llms: &[LlmConfiguration],
) -> Result<()> {
    let mut e = FieldErrors::default();
    fn text(e: &mut FieldErrors, field: &str, value: &Option<String>, max: usize, target: &mut String) {
        if let Some(v) = value
            && let Some(v) = e.take(field, validate::bounded_text(v, max))
        {
            *target = v;
        }
    }
    if let Some(name) = &input.agent_name
        && let Some(name) = e.take("agent_name", validate::resource_name(name, "agent"))
    {
        c.agent_name = name;
    }
    text(
        &mut e,
        "domain",
        &input.domain,
        validate::DESCRIPTION_MAX_CHARS,
        &mut c.domain,
    );
    text(&mut e, "industry_area", &input.industry_area, 100, &mut c.industry_area);
    text(
        &mut e,
        "prefix_prompt",
        &input.prefix_prompt,
        20_000,
        &mut c.prefix_prompt,
    );
    text(&mut e, "sample_q1", &input.sample_q1, 500, &mut c.sample_q1);
    text(&mut e, "sample_q2", &input.sample_q2, 500, &mut c.sample_q2);
    text(&mut e, "sample_q3", &input.sample_q3, 500, &mut c.sample_q3);
    if let Some(list) = &input.instructions {
        let list: Vec<String> = list
            .iter()
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect();
        if list.len() > 50 {
            e.add("instructions", "An agent has at most 50 custom instructions.");
        } else if list.iter().any(|i| i.chars().count() > 2000) {
            e.add("instructions", "An instruction has at most 2000 characters.");
        } else {
            c.instructions = list;
        }
    }
    if let Some(id) = input.agent_type_id {
        match types.iter().find(|t| t.id == id) {
            Some(t) => {
                c.agent_type_id = t.id;
                c.agent_type = t.name.clone();
            }
            None => e.add("agent_type_id", format!("There is no agent type {id}.")),
        }
    }
    let one_of = |e: &mut FieldErrors, field: &str, value: &Option<String>, allowed: &[&str], target: &mut String| {
        if let Some(v) = value {
            if allowed.contains(&v.as_str()) {
                *target = v.clone();
            } else {
                e.add(field, format!("{field} must be one of: {}.", allowed.join(", ")));
            }
        }
    };
    one_of(&mut e, "access", &input.access, &AGENT_ACCESS, &mut c.access);
    one_of(&mut e, "status", &input.status, &AGENT_STATUS, &mut c.status);
    one_of(
        &mut e,
        "reasoning_mode",
        &input.reasoning_mode,
        &REASONING_MODES,
        &mut c.reasoning_mode,
    );
    if let Some(id) = input.llm_config_id {
        match llms.iter().find(|l| l.id == id && l.is_enabled) {
            Some(l) => c.llm_config_id = Some(l.id),
            None => e.add(
                "llm_config_id",
                format!("There is no enabled model configuration {id}."),
            ),
        }
    }
    if let Some(v) = input.caching_enabled {
        c.caching_enabled = v;
    }
    if let Some(v) = input.model_choice {
        c.model_choice = v;
    }
    if let Some(v) = input.react_enabled {
        c.react_enabled = v;
    }
    match input.react_max_iteration_count {
        Some(n) if !(1..=100).contains(&n) => e.add("react_max_iteration_count", "Choose 1 to 100 iterations."),
        Some(n) => c.react_max_iteration_count = n,
        None => {}
    }
    match input.chunk_count {
        Some(n) if !(1..=100).contains(&n) => e.add("chunk_count", "Choose 1 to 100 chunks."),
        Some(n) => c.chunk_count = n,
        None => {}
    }
    if let Some(mode) = input.retrieval_mode {
        c.retrieval_mode = mode;
    }
    match input.min_relevance {
        Some(v) if !(0.0..=1.0).contains(&v) => e.add("min_relevance", "Choose a minimum relevance from 0 to 1."),
        Some(v) => c.min_relevance_pct = (v * 100.0).round() as i64,
        None => {}
    }
    if let Some(tags) = &input.tags {
        match normalize_tags(tags) {
            Ok(t) => c.tags = t,
            Err(m) => e.add("tags", m),
        }
    }
    if let Some(image) = &input.agent_image {
        let image = image.trim();
        if image.len() > 200_000 {
            e.add("agent_image", "The image is too large (at most 200 kB).");
        } else if !(image.is_empty() || image.starts_with("data:image/") || image.starts_with("https://")) {
            e.add(
                "agent_image",
                "The image must be a data:image/… URL or an https:// address.",
            );
        } else {
            c.agent_image = image.to_string();
        }
    }
    e.finish()
}

/// Tags are trimmed, 1 to 50 characters, at most 20 per agent, without duplicates.
pub(super) fn normalize_tags(tags: &[String]) -> std::result::Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim();
        if tag.is_empty() || tag.chars().count() > 50 || tag.chars().any(char::is_control) {
            return Err(format!("\"{tag}\" is not a valid tag (1 to 50 characters)."));
        }
        if !out.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            out.push(tag.to_string());
        }
    }
    if out.len() > 20 {
        return Err("An agent has at most 20 tags.".into());
    }
    out.sort();
    Ok(out)
}

/// A human summary of what changed between two configurations, for the checkpoint.
pub(super) fn change_summary(before: &AgentConfig, after: &AgentConfig) -> Vec<&'static str> {
    let mut changed = Vec::new();
    macro_rules! cmp {
        ($($field:ident => $label:literal),*) => { $( if before.$field != after.$field { changed.push($label); } )* };
    }
    cmp!(agent_name => "name", domain => "description", industry_area => "industry", prefix_prompt => "system prompt",
         instructions => "custom instructions", sample_q1 => "conversation starters", sample_q2 => "conversation starters",
         sample_q3 => "conversation starters", agent_type_id => "type", access => "access", status => "status",
         is_active => "activation", llm_config_id => "model", model_choice => "model", caching_enabled => "caching", react_enabled => "reasoning",
         react_max_iteration_count => "reasoning", reasoning_mode => "reasoning", chunk_count => "retrieval",
         retrieval_mode => "retrieval", min_relevance_pct => "retrieval",
         tags => "tags", agent_image => "image");
    changed.dedup();
    changed
}

/// Saves a new configuration with a checkpoint, unless nothing changed; returns whether it saved.
pub(super) async fn save(
    state: &AppState,
    caller: &Caller,
    row: &AgentRow,
    before: &AgentConfig,
    after: &AgentConfig,
    reason: Option<&str>,
) -> Result<bool> {
    let changed = change_summary(before, after);
    if changed.is_empty() {
        return Ok(false);
    }
    let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => r.chars().take(500).collect(),
        None => format!("Updated {}", changed.join(", ")),
    };
    state
        .store
        .save_agent_config(row.id, after, &reason, &caller.user.email)
        .await?;
    Ok(true)
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<AgentInput>,
) -> Result<(axum::http::StatusCode, Json<Agent>)> {
    let Some(project) = input.project_id else {
        return Err(Error::invalid("project_id", "Choose the project the agent belongs to."));
    };
    if input.agent_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(Error::invalid("agent_name", "Give the agent a name."));
    }
    let project = authz::project(&state, &caller, project, Need::Contribute)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::invalid("project_id", "There is no such project in your organization."),
            other => other,
        })?;
    let types = state.store.agent_types(caller.org_id()).await?;
    let llms = state.store.llm_configurations(caller.org_id()).await?;
    let default_type = types
        .first()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("organization has no agent types")))?;
    let mut config = AgentConfig {
        agent_name: String::new(),
        domain: String::new(),
        industry_area: String::new(),
        prefix_prompt: String::new(),
        instructions: Vec::new(),
        sample_q1: String::new(),
        sample_q2: String::new(),
        sample_q3: String::new(),
        agent_type_id: default_type.id,
        agent_type: default_type.name.clone(),
        access: "Private".into(),
        status: "Live".into(),
        is_active: true,
        llm_config_id: llms.iter().find(|l| l.is_default).map(|l| l.id),
        caching_enabled: false,
        react_enabled: false,
        react_max_iteration_count: 10,
        reasoning_mode: "standard".into(),
        chunk_count: 8,
        retrieval_mode: RetrievalMode::default(),
        min_relevance_pct: 0,
        model_choice: false,
        tags: Vec::new(),
        agent_image: String::new(),
    };
    apply_input(&input, &mut config, &types, &llms)?;
    let alias_domain = if input.create_email_alias == Some(true) {
        crate::flags::require(&state.store, caller.org_id(), crate::flags::Flag::AgentAlias).await?;
        url::Url::parse(&state.config.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    } else {
        None
    };
    if config.agent_image.is_empty() {
        config.agent_image = avatar_svg(&format!("{} {}", config.agent_name, config.domain), &config.agent_name);
    }
    let id = state
        .store
        .create_agent(
            caller.org_id(),
            project.id,
            caller.user_id(),
            &caller.user.email,
            &config,
            alias_domain.as_deref(),
        )
        .await?;
    let row = state
        .store
        .find_agent(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Agent"))?;
    Ok(created("Agent created successfully.", one(&state, &caller, row).await?))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Agent>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::View).await?;
    Ok(ok("Agent fetched successfully.", one(&state, &caller, row).await?))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AgentInput>,
) -> Result<Json<Agent>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::Administer).await?;
    if input.project_id.is_some_and(|p| p != row.project_id) {
        return Err(Error::invalid("project_id", "An agent cannot move to another project."));
    }
    let before = state.store.agent_config(&row).await?;
    let mut after = before.clone();
    let types = state.store.agent_types(caller.org_id()).await?;
    let llms = state.store.llm_configurations(caller.org_id()).await?;
    apply_input(&input, &mut after, &types, &llms)?;
    let saved = save(&state, &caller, &row, &before, &after, input.change_reason.as_deref()).await?;
    let row = state
        .store
        .find_agent(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Agent"))?;
    let message = if saved {
        "Agent updated successfully."
    } else {
        "Nothing changed."
    };
    Ok(ok(message, one(&state, &caller, row).await?))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    authz::agent(&state, &caller, id, Need::Administer).await?;
    state.store.delete_agent(id, &caller.user.email).await?;
    Ok(ok("Agent deleted successfully.", ejento_api::Deleted { id }))
}

async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> Result<Json<Agent>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::Administer).await?;
    let is_active = if body.iter().all(u8::is_ascii_whitespace) {
        true
    } else {
        serde_json::from_slice::<ActivateInput>(&body)
            .map_err(|e| super::extract::shape_error(&e.to_string()))?
            .is_active
    };
    let before = state.store.agent_config(&row).await?;
    let after = AgentConfig {
        is_active,
        ..before.clone()
    };
    let reason = if is_active { "Activated" } else { "Deactivated" };
    save(&state, &caller, &row, &before, &after, Some(reason)).await?;
    let row = state
        .store
        .find_agent(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Agent"))?;
    let message = if is_active {
        "Agent activated."
    } else {
        "Agent deactivated."
    };
    Ok(ok(message, one(&state, &caller, row).await?))
}

async fn status(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<AgentStatus>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Agent status fetched successfully.",
        AgentStatus {
            agent_id: row.id,
            status: row.status,
            is_active: row.is_active != 0,
        },
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct HistoryQuery {
    #[serde(default, deserialize_with = "super::extract::lenient::opt_u64")]
    page: Option<u64>,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_u64")]
    items_per_page: Option<u64>,
}

async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<HistoryPage>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    let page = crate::store::PageRequest::new(q.page, Some(q.items_per_page.unwrap_or(10)));
    let (records, count) = state.store.agent_history(id, page).await?;
    let meta = page.meta(count);
    Ok(ok(
        "Agent history fetched successfully",
        HistoryPage {
            history_records: records,
            total_records: meta.count,
            current_page: meta.current_page,
            total_pages: meta.num_pages,
        },
    ))
}

async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, history_id)): ApiPath<(i64, i64)>,
) -> Result<Json<Agent>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::Administer).await?;
    let (record, mut snapshot) = state
        .store
        .history_checkpoint(id, history_id)
        .await?
        .ok_or_else(|| Error::not_found("Checkpoint"))?;
    let before = state.store.agent_config(&row).await?;
    // What no longer exists stays as it is now.
    let types = state.store.agent_types(caller.org_id()).await?;
    if !types.iter().any(|t| t.id == snapshot.agent_type_id) {
        snapshot.agent_type_id = before.agent_type_id;
        snapshot.agent_type = before.agent_type.clone();
    }
    let llms = state.store.llm_configurations(caller.org_id()).await?;
    if snapshot
        .llm_config_id
        .is_some_and(|id| !llms.iter().any(|l| l.id == id))
    {
        snapshot.llm_config_id = before.llm_config_id;
    }
    let reason = format!("Restored checkpoint #{} of {}", record.history_id, record.history_date);
    let saved = save(&state, &caller, &row, &before, &snapshot, Some(&reason)).await?;
    let row = state
        .store
        .find_agent(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Agent"))?;
    let message = if saved {
        "Agent restored to the checkpoint."
    } else {
        "The agent already matches that checkpoint."
    };
    Ok(ok(message, one(&state, &caller, row).await?))
}

async fn prompt_history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PromptVersion>>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    let versions = state
        .store
        .prompt_history(id)
        .await?
        .into_iter()
        .map(|r| PromptVersion {
            history_id: r.history_id,
            history_date: r.history_date,
            modified_by: r.modified_by,
            prefix_prompt: r.prefix_prompt,
        })
        .collect();
    Ok(ok("Prompt history fetched successfully.", versions))
}

async fn add_instructions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<InstructionsInput>,
) -> Result<(axum::http::StatusCode, Json<Agent>)> {
    let (row, _) = authz::agent(&state, &caller, id, Need::Administer).await?;
    let before = state.store.agent_config(&row).await?;
    let mut combined = before.instructions.clone();
    combined.extend(body.instructions.iter().cloned());
    if body.instructions.iter().all(|i| i.trim().is_empty()) {
        return Err(Error::invalid("instructions", "Write at least one instruction."));
    }
    let mut after = before.clone();
    let input = AgentInput {
        instructions: Some(combined),
        ..Default::default()
    };
    apply_input(&input, &mut after, &[], &[])?;
    save(
        &state,
        &caller,
        &row,
        &before,
        &after,
        Some("Added custom instructions"),
    )
    .await?;
    let row = state
        .store
        .find_agent(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Agent"))?;
    Ok(created("Custom instructions added.", one(&state, &caller, row).await?))
}

async fn recent(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Agent>>> {
    let ids = state.store.recent_ids(caller.user_id(), RecentKind::Agent).await?;
    let rows = state.store.agents_by_ids(&ids).await?;
    let mut visible = Vec::new();
    for id in &ids {
        if let Some(row) = rows
            .iter()
            .find(|r| r.id == *id && r.organization_id == caller.org_id())
            && authz::agent(&state, &caller, row.id, Need::View).await.is_ok()
        {
            visible.push(row.clone());
        }
    }
    Ok(ok(
        "Recent agents fetched successfully.",
        to_wire(&state, &caller, visible).await?,
    ))
}

async fn touch(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Agent>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::View).await?;
    state
        .store
        .touch_recent(caller.user_id(), RecentKind::Agent, id)
        .await?;
    Ok(ok("Agent added to recent agents.", one(&state, &caller, row).await?))
}

async fn forget(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    if !state
        .store
        .forget_recent(caller.user_id(), RecentKind::Agent, id)
        .await?
    {
        return Err(Error::NotFound("That agent is not among your recent agents.".into()));
    }
    Ok(ok("Agent removed from recent agents.", ejento_api::Deleted { id }))
}

async fn star(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<(axum::http::StatusCode, Json<Agent>)> {
    let (row, _) = authz::agent(&state, &caller, id, Need::View).await?;
    state.store.set_starred(caller.user_id(), id, true).await?;
    Ok(created("Agent starred.", one(&state, &caller, row).await?))
}

async fn unstar(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Agent>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::View).await?;
    state.store.set_starred(caller.user_id(), id, false).await?;
    Ok(ok("Agent unstarred.", one(&state, &caller, row).await?))
}

async fn generate_image(_caller: Caller, ApiJson(body): ApiJson<GenerateImage>) -> Result<Json<GeneratedImage>> {
    let prompt = body.prompt.trim();
    if prompt.is_empty() {
        return Err(Error::invalid("prompt", "Describe the agent to draw its image."));
    }
    if prompt.chars().count() > 2000 {
        return Err(Error::invalid("prompt", "The description has at most 2000 characters."));
    }
    Ok(ok(
        "Image generated successfully.",
        GeneratedImage {
            agent_image: avatar_svg(prompt, prompt),
        },
    ))
}

/// A deterministic avatar: colours and a pattern derived from the text's hash, with the initials
/// of `label`. The same text always gives the same image; no external service is involved.
pub fn avatar_svg(text: &str, label: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(text.as_bytes());
    let hue = u16::from_be_bytes([h[0], h[1]]) % 360;
    let hue2 = (hue + 40 + u16::from(h[2] % 80)) % 360;
    let mut shapes = String::new();
    for i in 0..6 {
        let b = &h[4 + i * 4..8 + i * 4];
        let (x, y, r) = (u32::from(b[0]) % 128, u32::from(b[1]) % 128, 8 + u32::from(b[2]) % 28);
        let opacity = 0.15 + f32::from(b[3] % 40) / 100.0;
        shapes.push_str(&format!(
            r#"<circle cx="{x}" cy="{y}" r="{r}" fill="white" fill-opacity="{opacity:.2}"/>"#
        ));
    }
    let initials: String = label
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 128 128"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},65%,50%)"/><stop offset="1" stop-color="hsl({hue2},70%,38%)"/></linearGradient></defs><rect width="128" height="128" rx="24" fill="url(#g)"/>{shapes}<text x="64" y="78" font-family="system-ui,sans-serif" font-size="44" font-weight="700" text-anchor="middle" fill="white">{initials}</text></svg>"#
    );
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_are_deterministic_svgs_with_initials() {
        let a = avatar_svg("Support bot for billing", "Billing Helper");
        assert_eq!(a, avatar_svg("Support bot for billing", "Billing Helper"));
        assert_ne!(a, avatar_svg("Something else", "Billing Helper"));
        let svg = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            a.trim_start_matches("data:image/svg+xml;base64,"),
        )
        .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains(">BH</text>"), "{svg}");
    }

    #[test]
    fn tags_are_trimmed_deduplicated_and_bounded() {
        assert_eq!(
            normalize_tags(&[" b ".into(), "a".into(), "B".into()]).unwrap(),
            ["a", "b"]
        );
        assert!(normalize_tags(&["".into()]).is_err());
        assert!(normalize_tags(&(0..21).map(|i| i.to_string()).collect::<Vec<_>>()).is_err());
    }
}
