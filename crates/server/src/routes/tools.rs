//! Tools: the organization's (read by its members; made, changed, turned on or off and deleted by
//! administrators, each change audited), API tool templates, agents linked to tools, and a test
//! call. A tool's secret is write-only.

use std::sync::LazyLock;

use axum::{extract::State, http::Method};
use ejento_api::{
    AgentTool, AgentToolPage, ApiToolSpec, ApiToolTemplate, ApiToolTemplateInput, Envelope, Tool, ToolConfig,
    ToolInput, ToolPage, ToolTestInput, ToolTestResult, validate,
};
use regex::Regex;
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need, OrgAction},
    },
    error::{Error, Result},
    flags::{self, Flag},
    state::AppState,
    store::{ToolFields, ToolRow},
    tools,
};

const TAG: &str = "Tools";
const ORG_TAG: &str = "Organizations";
const AGENT_TAG: &str = "Agents/Agent Tools";
type Json<T> = axum::Json<Envelope<T>>;

const MAX_PARAMETERS: usize = 20;
const MAX_CORPORA: usize = 50;
const MAX_URL_CHARS: usize = 2000;
const MAX_TEMPLATE_CHARS: usize = 20_000;

pub(super) fn routes(api: Api) -> Api {
    let api = api
        .route(
            Method::GET,
            "/api/v2/organizations/{organization_id}/tools",
            (ORG_TAG, "Get all Tools in an Organization", SignedIn),
            list,
        )
        .route(
            Method::POST,
            "/api/v2/organizations/{organization_id}/tools/{tool_id}/disable",
            (ORG_TAG, "Disable a Tool for all Agents in an Organization", SignedIn),
            |state: State<AppState>, caller: Caller, path: ApiPath<(i64, i64)>| enable(state, caller, path, false),
        )
        .route(
            Method::POST,
            "/api/v2/organizations/{organization_id}/tools/{tool_id}/enable",
            (ORG_TAG, "Enable a Tool for all Agents in an Organization", SignedIn),
            |state: State<AppState>, caller: Caller, path: ApiPath<(i64, i64)>| enable(state, caller, path, true),
        )
        .route(
            Method::GET,
            "/api/v2/organizations/{organization_id}/api-tool-templates",
            (ORG_TAG, "Get all API Tool Templates", SignedIn),
            templates,
        )
        .route(
            Method::POST,
            "/api/v2/organizations/{organization_id}/api-tool-templates",
            (ORG_TAG, "Create a new API Tool Template", SignedIn),
            create_template,
        );
    // One creation path per kind, as the contract names them.
    let api = [
        ("api", "api", "Create a new API tool"),
        ("attachment", "attachment", "Create an attachment tool"),
        ("rag", "rag", "Create a new RAG tool in an Organization"),
        (
            "web-search",
            "web_search",
            "Create a Web Search Tool in an Organization",
        ),
    ]
    .into_iter()
    .fold(api, |api, (segment, kind, summary)| {
        api.route(
            Method::POST,
            Box::leak(format!("/api/v2/organizations/{{organization_id}}/tools/{segment}").into_boxed_str()),
            (ORG_TAG, summary, SignedIn),
            move |state: State<AppState>, caller: Caller, path: ApiPath<i64>, body: ApiJson<ToolInput>| {
                create(state, caller, path, body, kind)
            },
        )
    });
    api.route(
        Method::GET,
        "/api/v2/tools/{tool_id}",
        (TAG, "Get Tool by ID", SignedIn),
        get,
    )
    .route(
        Method::PUT,
        "/api/v2/tools/{tool_id}",
        (TAG, "Update Tool by ID", SignedIn),
        update,
    )
    .route(
        Method::DELETE,
        "/api/v2/tools/{tool_id}",
        (TAG, "Delete Tool by ID", SignedIn),
        delete,
    )
    .route(
        Method::POST,
        "/api/v2/tools/{tool_id}/test",
        (TAG, "Call a Tool with arguments, as a model would", SignedIn),
        test,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/tools",
        (
            AGENT_TAG,
            "List all Tools with their enabled status for the given Agent",
            SignedIn,
        ),
        agent_tools,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/tools/connected",
        (AGENT_TAG, "List all tools that are connected to the Agent", SignedIn),
        connected,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/tools/{tool_id}",
        (AGENT_TAG, "Link an Agent to a Tool", SignedIn),
        link,
    )
    .route(
        Method::DELETE,
        "/api/v2/agents/{agent_id}/tools/{tool_id}",
        (AGENT_TAG, "Unlink an Agent from a Tool", SignedIn),
        unlink,
    )
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct ToolQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default)]
    tool_type: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ToolQuery>,
) -> Result<Json<ToolPage>> {
    authz::require_own_org(&caller, org)?;
    let kind = q.tool_type.unwrap_or_default();
    if !kind.is_empty() && !ejento_api::TOOL_TYPES.iter().any(|t| t.0 == kind) {
        return Err(Error::invalid("tool_type", "Use api, rag, web_search or attachment."));
    }
    let page = q.list.page();
    let (tools, count) = state.store.list_tools(org, &kind, page).await?;
    Ok(ok(
        "Tools fetched successfully.",
        ToolPage {
            tools,
            meta: page.meta(count),
        },
    ))
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{([A-Za-z_][A-Za-z0-9_]*)\}").expect("placeholder pattern"));
static PARAMETER_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$").expect("parameter name pattern"));

fn http_url(field: &str, url: &str) -> Result<()> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() <= MAX_URL_CHARS
        && reqwest::Url::parse(&PLACEHOLDER.replace_all(url, "x")).is_ok();
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("Give an http(s) URL of at most {MAX_URL_CHARS} characters."),
        ))
    }
}

/// An API call spec made whole and checked: known method, http(s) URL, well-formed parameters,
/// placeholders that name parameters, a body that is JSON once filled in, valid header names.
fn checked_spec(mut spec: ApiToolSpec, field: &str) -> Result<ApiToolSpec> {
    spec.method = spec.method.trim().to_uppercase();
    if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&spec.method.as_str()) {
        return Err(Error::invalid(
            &format!("{field}.method"),
            "Use GET, POST, PUT, PATCH or DELETE.",
        ));
    }
    spec.url_template = spec.url_template.trim().to_string();
    http_url(&format!("{field}.url_template"), &spec.url_template)?;
    if spec.parameters.len() > MAX_PARAMETERS {
        return Err(Error::invalid(
            &format!("{field}.parameters"),
            format!("At most {MAX_PARAMETERS} parameters."),
        ));
    }
    for (i, p) in spec.parameters.iter().enumerate() {
        if !PARAMETER_NAME.is_match(&p.name) || spec.parameters[..i].iter().any(|q| q.name == p.name) {
            return Err(Error::invalid(
                &format!("{field}.parameters"),
                format!(
                    "“{}” is not a usable parameter name (letters, digits and _, not starting with a digit, each once).",
                    p.name
                ),
            ));
        }
        if !["string", "number", "integer", "boolean"].contains(&p.kind.as_str()) {
            return Err(Error::invalid(
                &format!("{field}.parameters"),
                format!("The type of “{}” must be string, number, integer or boolean.", p.name),
            ));
        }
    }
    let templates = std::iter::once(&spec.url_template)
        .chain(std::iter::once(&spec.body_template))
        .chain(spec.headers.values());
    for text in templates {
        for cap in PLACEHOLDER.captures_iter(text) {
            if !spec.parameters.iter().any(|p| p.name == cap[1]) {
                return Err(Error::invalid(
                    &format!("{field}.parameters"),
                    format!("The template uses {{{}}}, which is not a parameter.", &cap[1]),
                ));
            }
        }
    }
    if spec.body_template.len() > MAX_TEMPLATE_CHARS {
        return Err(Error::invalid(
            &format!("{field}.body_template"),
            format!("At most {MAX_TEMPLATE_CHARS} characters."),
        ));
    }
    if !spec.body_template.trim().is_empty() {
        let sample = PLACEHOLDER.replace_all(&spec.body_template, "1");
        if serde_json::from_str::<serde_json::Value>(&sample).is_err() {
            return Err(Error::invalid(
                &format!("{field}.body_template"),
                "The body must be JSON (with {name} where an argument goes).",
            ));
        }
    }
    if spec.headers.len() > MAX_PARAMETERS
        || spec.headers.values().any(|v| v.len() > MAX_URL_CHARS)
        || spec.parameters.iter().any(|p| p.description.len() > MAX_URL_CHARS)
    {
        return Err(Error::invalid(
            &format!("{field}.headers"),
            format!("At most {MAX_PARAMETERS} headers and {MAX_URL_CHARS} characters a value or description."),
        ));
    }
    for name in spec.headers.keys().chain(std::iter::once(&spec.secret_header)) {
        if !name.is_empty() && reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(Error::invalid(
                &format!("{field}.headers"),
                format!("“{name}” is not a valid header name."),
            ));
        }
    }
    Ok(spec)
}

/// A tool input made whole and checked for its kind.
async fn checked(
    state: &AppState,
    caller: &Caller,
    kind: &str,
    input: ToolInput,
) -> Result<(String, String, ToolConfig, Option<Option<String>>)> {
    let name = validate::resource_name(&input.name, "tool").map_err(|m| Error::invalid("name", m))?;
    let description = validate::bounded_text(input.description.trim(), validate::DESCRIPTION_MAX_CHARS)
        .map_err(|m| Error::invalid("description", m))?;
    let org = caller.org_id();
    let mut config = ToolConfig::default();
    match kind {
        "api" => {
            let spec = match (input.api, input.template_id) {
                (Some(spec), template) => {
                    config.template_id = template;
                    spec
                }
                (None, Some(template)) => {
                    let found = state
                        .store
                        .list_api_tool_templates(org)
                        .await?
                        .into_iter()
                        .find(|t| t.id == template)
                        .ok_or_else(|| {
                            Error::invalid("template_id", format!("There is no API tool template {template}."))
                        })?;
                    config.template_id = Some(template);
                    found.spec
                }
                (None, None) => {
                    return Err(Error::invalid(
                        "template_id",
                        "Choose an API tool template, or describe the call in api.",
                    ));
                }
            };
            config.api = Some(checked_spec(spec, "api")?);
        }
        "rag" => {
            let mut ids = input.corpus_ids;
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                return Err(Error::invalid("corpus_ids", "Choose at least one corpus to search."));
            }
            if ids.len() > MAX_CORPORA {
                return Err(Error::invalid(
                    "corpus_ids",
                    format!("At most {MAX_CORPORA} corpora per tool."),
                ));
            }
            let found = state.store.existing_corpora(org, &ids).await?;
            if let Some(missing) = ids.iter().find(|c| !found.contains(c)) {
                return Err(Error::invalid(
                    "corpus_ids",
                    format!("There is no corpus {missing} in your organization."),
                ));
            }
            config.corpus_ids = ids;
        }
        "web_search" => {
            let url = input.search_url.unwrap_or_default().trim().to_string();
            http_url("search_url", &url)?;
            let max = input.max_results.unwrap_or(5);
            if !(1..=10).contains(&max) {
                return Err(Error::invalid("max_results", "Between 1 and 10 results."));
            }
            config.search_url = Some(url);
            config.max_results = Some(max);
        }
        _ => {}
    }
    // A secret only makes sense where a header carries it.
    let secret = match input.secret {
        None => None,
        Some(s) if s.is_empty() => Some(None),
        Some(s) => {
            if config.api.as_ref().is_none_or(|a| a.secret_header.is_empty()) {
                return Err(Error::invalid(
                    "secret",
                    "Only an API tool with a secret header (api.secret_header) keeps a secret.",
                ));
            }
            if s.len() > 4096 {
                return Err(Error::invalid("secret", "At most 4096 characters."));
            }
            Some(Some(state.secrets.seal(&s)))
        }
    };
    Ok((name, description, config, secret))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
    ApiJson(body): ApiJson<ToolInput>,
    kind: &'static str,
) -> Result<(axum::http::StatusCode, Json<Tool>)> {
    authz::require_own_org(&caller, org)?;
    authz::require(&state, &caller, OrgAction::ManageTools).await?;
    if kind == "api" {
        flags::require(&state.store, org, Flag::ApiTools).await?;
    }
    let (name, description, config, secret) = checked(&state, &caller, kind, body).await?;
    let who = caller.audit("tool.create", "tool", format!("Created the tool “{name}”"));
    let tool = state
        .store
        .create_tool(
            org,
            &ToolFields {
                name: &name,
                description: &description,
                tool_type: kind,
                config: &config,
                secret,
            },
            &who,
        )
        .await?;
    Ok(created("Tool created successfully.", tool))
}

async fn find(state: &AppState, caller: &Caller, id: i64) -> Result<ToolRow> {
    state
        .store
        .find_tool(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Tool"))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Tool>> {
    Ok(ok("Tool fetched successfully.", find(&state, &caller, id).await?.tool))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ToolInput>,
) -> Result<Json<Tool>> {
    let before = find(&state, &caller, id).await?;
    authz::require(&state, &caller, OrgAction::ManageTools).await?;
    let kind = before.tool.tool_type.clone();
    let (name, description, config, secret) = checked(&state, &caller, &kind, body).await?;
    let who = caller.audit("tool.update", "tool", format!("Changed the tool “{name}”"));
    let after = state
        .store
        .update_tool(
            &before,
            &ToolFields {
                name: &name,
                description: &description,
                tool_type: &kind,
                config: &config,
                secret,
            },
            &who,
        )
        .await?;
    Ok(ok("Tool updated successfully.", after))
}

async fn delete(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Tool>> {
    let before = find(&state, &caller, id).await?;
    authz::require(&state, &caller, OrgAction::ManageTools).await?;
    let who = caller.audit(
        "tool.delete",
        "tool",
        format!("Deleted the tool “{}”", before.tool.name),
    );
    state.store.delete_tool(&before.tool, &who).await?;
    Ok(ok("Tool deleted successfully.", before.tool))
}

async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((org, id)): ApiPath<(i64, i64)>,
    on: bool,
) -> Result<Json<Tool>> {
    authz::require_own_org(&caller, org)?;
    let before = find(&state, &caller, id).await?;
    authz::require(&state, &caller, OrgAction::ManageTools).await?;
    let who = caller.audit(
        if on { "tool.enable" } else { "tool.disable" },
        "tool",
        format!(
            "Turned the tool “{}” {} for every agent",
            before.tool.name,
            if on { "on" } else { "off" }
        ),
    );
    let after = state.store.set_tool_enabled(&before.tool, on, &who).await?;
    Ok(ok(format!("Tool {}.", if on { "enabled" } else { "disabled" }), after))
}

async fn templates(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
) -> Result<Json<Vec<ApiToolTemplate>>> {
    authz::require_own_org(&caller, org)?;
    Ok(ok(
        "API tool templates fetched successfully.",
        state.store.list_api_tool_templates(org).await?,
    ))
}

async fn create_template(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<i64>,
    ApiJson(body): ApiJson<ApiToolTemplateInput>,
) -> Result<(axum::http::StatusCode, Json<ApiToolTemplate>)> {
    authz::require_own_org(&caller, org)?;
    authz::require(&state, &caller, OrgAction::ManageTools).await?;
    let name = validate::resource_name(&body.name, "template").map_err(|m| Error::invalid("name", m))?;
    let description = validate::bounded_text(body.description.trim(), validate::DESCRIPTION_MAX_CHARS)
        .map_err(|m| Error::invalid("description", m))?;
    let spec = checked_spec(body.spec, "spec")?;
    let who = caller.audit(
        "api_tool_template.create",
        "api_tool_template",
        format!("Created the API tool template “{name}”"),
    );
    let template = state
        .store
        .create_api_tool_template(org, &name, &description, &spec, &who)
        .await?;
    Ok(created("API tool template created successfully.", template))
}

async fn test(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ToolTestInput>,
) -> Result<Json<ToolTestResult>> {
    let row = find(&state, &caller, id).await?;
    authz::require(&state, &caller, OrgAction::ManageTools).await?;
    let tool = tools::runnable(&row, &state.secrets).ok_or_else(|| {
        Error::invalid(
            "tool_id",
            "Only API and web search tools are called; a RAG tool widens its agents' search and an attachment tool takes files in the chat.",
        )
    })?;
    let started = std::time::Instant::now();
    let result = tool.call(&state.outbound, &body.arguments).await;
    let duration_ms = started.elapsed().as_millis() as i64;
    let (ok_call, output) = match result {
        Ok(text) => (true, text),
        Err(why) => (false, why),
    };
    Ok(ok(
        if ok_call {
            "The tool answered."
        } else {
            "The tool call failed."
        },
        ToolTestResult {
            ok: ok_call,
            output,
            duration_ms,
        },
    ))
}

async fn agent_tools(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<AgentToolPage>> {
    authz::agent(&state, &caller, agent, Need::View).await?;
    let linked = state.store.agent_tool_ids(agent).await?;
    let page = q.page();
    let (tools, count) = state.store.list_tools(caller.org_id(), "", page).await?;
    Ok(ok(
        "Tools fetched successfully.",
        AgentToolPage {
            tools: tools
                .into_iter()
                .map(|tool| AgentTool {
                    is_connected: linked.contains(&tool.id),
                    tool,
                })
                .collect(),
            meta: page.meta(count),
        },
    ))
}

async fn connected(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
) -> Result<Json<Vec<Tool>>> {
    authz::agent(&state, &caller, agent, Need::View).await?;
    Ok(ok(
        "Connected tools fetched successfully.",
        state
            .store
            .agent_tools(caller.org_id(), agent)
            .await?
            .into_iter()
            .map(|r| r.tool)
            .collect(),
    ))
}

async fn link(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((agent, id)): ApiPath<(i64, i64)>,
) -> Result<Json<Vec<Tool>>> {
    authz::agent(&state, &caller, agent, Need::Administer).await?;
    let tool = find(&state, &caller, id).await?;
    if !tool.tool.is_enabled {
        return Err(Error::Conflict(format!(
            "The tool “{}” is turned off for the organization; an administrator can turn it on.",
            tool.tool.name
        )));
    }
    state.store.link_tool(agent, id, &caller.user.email).await?;
    connected(State(state), caller, ApiPath(agent)).await
}

async fn unlink(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((agent, id)): ApiPath<(i64, i64)>,
) -> Result<Json<Vec<Tool>>> {
    authz::agent(&state, &caller, agent, Need::Administer).await?;
    find(&state, &caller, id).await?;
    if !state.store.unlink_tool(agent, id).await? {
        return Err(Error::not_found("Link between this agent and tool"));
    }
    connected(State(state), caller, ApiPath(agent)).await
}
