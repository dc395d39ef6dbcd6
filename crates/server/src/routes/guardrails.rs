//! Guardrails: the organization's (read by its members, changed by administrators, each change
//! in the audit log), the guardrail types an agent runs, and the dry-run that shows what they
//! would do to a text.

use axum::{extract::State, http::Method};
use ejento_api::{
    ApplyGuardrails, BlockedTopic, Envelope, GUARDRAIL_TYPES, Guardrail, GuardrailConfig, GuardrailEnable,
    GuardrailInput, GuardrailPage, GuardrailResult, GuardrailType, PII_KINDS, validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need, OrgAction},
    },
    error::{Error, Result},
    flags::FlagSet,
    guardrails::{self, Direction, Guards},
    state::AppState,
    store::GuardrailFields,
};

const TAG: &str = "Guardrails";
type Json<T> = axum::Json<Envelope<T>>;

/// Bounds of what one guardrail holds and what the dry-run reads (terms, topics, guardrails).
const MAX_TERMS: usize = 200;
const MAX_TERM_CHARS: usize = 100;
const MAX_TEXT_CHARS: usize = 100_000;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/organizations/{organization_id}/guardrails",
        (TAG, "Get Guardrails in Organization", SignedIn),
        list,
    )
    .route(
        Method::POST,
        "/api/v2/organizations/{organization_id}/guardrails",
        (TAG, "Create Guardrail in Organization", SignedIn),
        create,
    )
    .route(
        Method::PUT,
        "/api/v2/organizations/{organization_id}/guardrails/{guardrail_id}",
        (TAG, "Enable or Disable Guardrail for Organization", SignedIn),
        enable,
    )
    .route(
        Method::POST,
        "/api/v2/guardrails/apply",
        (TAG, "Apply Guardrails on Input Text", SignedIn),
        apply,
    )
    .route(
        Method::GET,
        "/api/v2/guardrails/{guardrail_id}",
        (TAG, "Get Guardrails", SignedIn),
        get,
    )
    .route(
        Method::PUT,
        "/api/v2/guardrails/{guardrail_id}",
        (TAG, "Update Guardrails", SignedIn),
        update,
    )
    .route(
        Method::DELETE,
        "/api/v2/guardrails/{guardrail_id}",
        (TAG, "Delete Guardrails", SignedIn),
        delete,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/guardrail-types",
        (TAG, "Get available guardrail types for agent", SignedIn),
        agent_types,
    )
    .route(
        Method::PUT,
        "/api/v2/agents/{agent_id}/guardrail-types/{guardrail_type_id}",
        (TAG, "Enable/disable a guardrail type for agent", SignedIn),
        set_agent_type,
    )
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct GuardrailQuery {
    #[serde(flatten)]
    list: ListQuery,
    /// Only the guardrails that apply to this agent.
    #[serde(default)]
    agent_id: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
    ApiQuery(q): ApiQuery<GuardrailQuery>,
) -> Result<Json<GuardrailPage>> {
    authz::require_own_org(&caller, org)?;
    if let Some(agent) = q.agent_id {
        authz::agent(&state, &caller, agent, Need::View).await?;
    }
    let page = q.list.page();
    let (guardrails, count) = state.store.list_guardrails(org, q.agent_id, page).await?;
    Ok(ok(
        "Guardrails fetched successfully.",
        GuardrailPage {
            guardrails,
            meta: page.meta(count),
        },
    ))
}

/// A guardrail input made whole and checked: the type's defaults filled in, only the type's
/// settings kept.
struct Checked {
    name: String,
    description: String,
    guardrail_type: String,
    applies_to: String,
    action: String,
    config: GuardrailConfig,
    agent_id: Option<i64>,
    is_enabled: bool,
}

impl Checked {
    fn fields(&self) -> GuardrailFields<'_> {
        GuardrailFields {
            agent_id: self.agent_id,
            name: &self.name,
            description: &self.description,
            guardrail_type: &self.guardrail_type,
            applies_to: &self.applies_to,
            action: &self.action,
            config: &self.config,
            is_enabled: self.is_enabled,
        }
    }
}

fn words(list: &[String], field: &str) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for w in list {
        let w = w.split_whitespace().collect::<Vec<_>>().join(" ");
        if w.is_empty() {
            continue;
        }
        if w.chars().count() > MAX_TERM_CHARS {
            return Err(Error::invalid(
                field,
                format!("“{w}” is longer than {MAX_TERM_CHARS} characters."),
            ));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&w)) {
            out.push(w);
        }
    }
    if out.len() > MAX_TERMS {
        return Err(Error::invalid(field, format!("At most {MAX_TERMS} are allowed.")));
    }
    Ok(out)
}

async fn checked(state: &AppState, caller: &Caller, input: GuardrailInput) -> Result<Checked> {
    let name = validate::resource_name(&input.name, "guardrail").map_err(|m| Error::invalid("name", m))?;
    let description = validate::bounded_text(input.description.trim(), validate::DESCRIPTION_MAX_CHARS)
        .map_err(|m| Error::invalid("description", m))?;
    let kind = input.guardrail_type.trim().to_string();
    if !guardrails::is_type(&kind) {
        return Err(Error::invalid(
            "guardrail_type",
            format!(
                "Unknown guardrail type “{kind}”; use one of: {}.",
                GUARDRAIL_TYPES.map(|t| t.1).join(", ")
            ),
        ));
    }
    let input_only = kind == "max_input_length";
    let applies_to = input
        .applies_to
        .unwrap_or_else(|| if input_only { "input" } else { "both" }.into());
    if !["input", "output", "both"].contains(&applies_to.as_str()) {
        return Err(Error::invalid("applies_to", "Use input, output or both."));
    }
    if input_only && applies_to != "input" {
        return Err(Error::invalid(
            "applies_to",
            "A maximum question length applies to questions (input) only.",
        ));
    }
    let block_only = matches!(kind.as_str(), "blocked_topics" | "max_input_length");
    let action = input
        .action
        .unwrap_or_else(|| if kind == "pii" { "redact" } else { "block" }.into());
    if !["redact", "block"].contains(&action.as_str()) {
        return Err(Error::invalid("action", "Use redact or block."));
    }
    if block_only && action != "block" {
        return Err(Error::invalid(
            "action",
            "Topics and lengths cannot be redacted, only blocked.",
        ));
    }
    let c = input.config;
    let config = match kind.as_str() {
        "pii" => {
            if let Some(unknown) = c.pii_types.iter().find(|k| guardrails::pii_label(k).is_none()) {
                return Err(Error::invalid(
                    "config.pii_types",
                    format!(
                        "Unknown kind of personal data “{unknown}”; use any of: {}.",
                        PII_KINDS.map(|k| k.0).join(", ")
                    ),
                ));
            }
            let mut pii_types = c.pii_types;
            pii_types.dedup();
            GuardrailConfig {
                pii_types,
                ..Default::default()
            }
        }
        "blocked_terms" => {
            let terms = words(&c.terms, "config.terms")?;
            if terms.is_empty() {
                return Err(Error::invalid("config.terms", "List at least one term to block."));
            }
            GuardrailConfig {
                terms,
                ..Default::default()
            }
        }
        "blocked_topics" => {
            let mut topics = Vec::new();
            for t in c.topics {
                let name = t.name.trim().to_string();
                let keywords = words(&t.keywords, "config.topics")?;
                if name.is_empty() || keywords.is_empty() {
                    return Err(Error::invalid(
                        "config.topics",
                        "Each topic needs a name and at least one keyword.",
                    ));
                }
                topics.push(BlockedTopic { name, keywords });
            }
            if topics.is_empty() || topics.len() > MAX_TERMS {
                return Err(Error::invalid(
                    "config.topics",
                    format!("List between 1 and {MAX_TERMS} topics to block."),
                ));
            }
            GuardrailConfig {
                topics,
                ..Default::default()
            }
        }
        _ => match c.max_characters {
            Some(max) if (1..=MAX_TEXT_CHARS as i64).contains(&max) => GuardrailConfig {
                max_characters: Some(max),
                ..Default::default()
            },
            _ => {
                return Err(Error::invalid(
                    "config.max_characters",
                    format!("Give the longest question allowed, from 1 to {MAX_TEXT_CHARS} characters."),
                ));
            }
        },
    };
    if let Some(agent) = input.agent_id {
        authz::agent(state, caller, agent, Need::View)
            .await
            .map_err(|_| Error::invalid("agent_id", format!("There is no agent {agent} in your organization.")))?;
    }
    Ok(Checked {
        name,
        description,
        guardrail_type: kind,
        applies_to,
        action,
        config,
        agent_id: input.agent_id,
        is_enabled: input.is_enabled.unwrap_or(true),
    })
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
    ApiJson(body): ApiJson<GuardrailInput>,
) -> Result<(axum::http::StatusCode, Json<Guardrail>)> {
    authz::require_own_org(&caller, org)?;
    authz::require(&state, &caller, OrgAction::ManageGuardrails).await?;
    let c = checked(&state, &caller, body).await?;
    let who = caller.audit(
        "guardrail.create",
        "guardrail",
        format!("Created the guardrail “{}”", c.name),
    );
    let guardrail = state.store.create_guardrail(org, &c.fields(), &who).await?;
    Ok(created("Guardrail created successfully.", guardrail))
}

async fn find(state: &AppState, caller: &Caller, id: i64) -> Result<Guardrail> {
    state
        .store
        .find_guardrail(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Guardrail"))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Guardrail>> {
    Ok(ok("Guardrail fetched successfully.", find(&state, &caller, id).await?))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<GuardrailInput>,
) -> Result<Json<Guardrail>> {
    let before = find(&state, &caller, id).await?;
    authz::require(&state, &caller, OrgAction::ManageGuardrails).await?;
    let c = checked(&state, &caller, body).await?;
    let who = caller.audit(
        "guardrail.update",
        "guardrail",
        format!("Changed the guardrail “{}”", c.name),
    );
    let after = state.store.update_guardrail(&before, &c.fields(), &who).await?;
    Ok(ok("Guardrail updated successfully.", after))
}

async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((org, id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<GuardrailEnable>,
) -> Result<Json<Guardrail>> {
    authz::require_own_org(&caller, org)?;
    let before = find(&state, &caller, id).await?;
    authz::require(&state, &caller, OrgAction::ManageGuardrails).await?;
    let who = caller.audit(
        if body.is_enabled {
            "guardrail.enable"
        } else {
            "guardrail.disable"
        },
        "guardrail",
        format!(
            "Turned the guardrail “{}” {}",
            before.name,
            if body.is_enabled { "on" } else { "off" }
        ),
    );
    let fields = GuardrailFields {
        is_enabled: body.is_enabled,
        ..fields_of(&before)
    };
    let after = state.store.update_guardrail(&before, &fields, &who).await?;
    Ok(ok(
        format!("Guardrail {}.", if body.is_enabled { "enabled" } else { "disabled" }),
        after,
    ))
}

fn fields_of(g: &Guardrail) -> GuardrailFields<'_> {
    GuardrailFields {
        agent_id: g.agent_id,
        name: &g.name,
        description: &g.description,
        guardrail_type: &g.guardrail_type,
        applies_to: &g.applies_to,
        action: &g.action,
        config: &g.config,
        is_enabled: g.is_enabled,
    }
}

async fn delete(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Guardrail>> {
    let before = find(&state, &caller, id).await?;
    authz::require(&state, &caller, OrgAction::ManageGuardrails).await?;
    let who = caller.audit(
        "guardrail.delete",
        "guardrail",
        format!("Deleted the guardrail “{}”", before.name),
    );
    state.store.delete_guardrail(&before, &who).await?;
    Ok(ok("Guardrail deleted successfully.", before))
}

async fn apply(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ApplyGuardrails>,
) -> Result<Json<GuardrailResult>> {
    let direction = Direction::parse(body.direction.as_deref())
        .ok_or_else(|| Error::invalid("direction", "Use input (a question) or output (an answer)."))?;
    if body.text.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::invalid(
            "text",
            format!("The text is longer than {MAX_TEXT_CHARS} characters."),
        ));
    }
    if let Some(agent) = body.agent_id {
        authz::agent(&state, &caller, agent, Need::View).await?;
    }
    let guards = match &body.guardrail_ids {
        Some(ids) => {
            if ids.len() > MAX_TERMS {
                return Err(Error::invalid(
                    "guardrail_ids",
                    format!("At most {MAX_TERMS} guardrails at once."),
                ));
            }
            let found = state.store.guardrails_by_id(caller.org_id(), ids).await?;
            if let Some(unknown) = ids.iter().find(|id| !found.iter().any(|g| g.id == **id)) {
                return Err(Error::invalid(
                    "guardrail_ids",
                    format!("There is no guardrail {unknown} in your organization."),
                ));
            }
            Guards::new(found)
        }
        None => {
            let flags = FlagSet::load(&state.store, caller.org_id()).await?;
            guardrails::for_agent(&state.store, &flags, caller.org_id(), body.agent_id).await?
        }
    };
    let result = guards.check(direction, &body.text);
    Ok(ok(
        match (result.blocked, result.guardrail_triggered) {
            (true, _) => "The text would be blocked.",
            (false, true) => "The text would be changed.",
            _ => "No guardrail fires on this text.",
        },
        result,
    ))
}

async fn agent_types(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
) -> Result<Json<Vec<GuardrailType>>> {
    authz::agent(&state, &caller, agent, Need::View).await?;
    let off = state.store.agent_guardrail_types(agent).await?;
    let counts = state.store.guardrail_counts(caller.org_id(), agent).await?;
    Ok(ok(
        "Guardrail types fetched successfully.",
        GUARDRAIL_TYPES
            .iter()
            .map(|(id, name, label)| GuardrailType {
                id: *id,
                name: (*name).into(),
                label: (*label).into(),
                is_enabled: off.iter().find(|(t, _)| t == name).is_none_or(|(_, on)| *on),
                guardrail_count: counts.iter().find(|(t, _)| t == name).map_or(0, |c| c.1),
            })
            .collect(),
    ))
}

async fn set_agent_type(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((agent, type_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<GuardrailEnable>,
) -> Result<Json<Vec<GuardrailType>>> {
    let (row, _) = authz::agent(&state, &caller, agent, Need::Administer).await?;
    let (_, name, label) = GUARDRAIL_TYPES
        .iter()
        .find(|t| t.0 == type_id)
        .ok_or_else(|| Error::not_found("Guardrail type"))?;
    let who = caller.audit(
        "agent.guardrail_type",
        "agent",
        format!(
            "Turned {} guardrails {} for the agent “{}”",
            label.to_lowercase(),
            if body.is_enabled { "on" } else { "off" },
            row.agent_name
        ),
    );
    state
        .store
        .set_agent_guardrail_type(agent, name, body.is_enabled, &who)
        .await?;
    agent_types(State(state), caller, ApiPath(agent)).await
}
