//! Reviewing answers: chat-log search (with CSV export of exactly the filtered rows) and
//! detail, filtered response and thread lists, an agent's responses, recording answers made
//! elsewhere, conversation starters, and an agent's model configuration.

use axum::{
    extract::State,
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
};
use ejento_api::{
    AgentResponse, AgentResponseLogInput, AgentResponseUpdate, ChatLog, ChatLogDetail, ChatLogPage, ChatThreadPage,
    ConversationStarter, ConversationStarterInput, Envelope, LlmConfigurationInput, validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, extract::lenient, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need},
    },
    error::{Error, Result},
    indexing::starters,
    state::AppState,
    store::{LogDetail, LogFilter, NewResponse, PageRequest},
};

type Json<T> = axum::Json<Envelope<T>>;

/// Most rows a CSV export holds.
const EXPORT_MAX: u64 = 10_000;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/chat-logs/search",
        ("Chat Logs", "Get Chat Log Search Results", SignedIn),
        search,
    )
    .route(
        Method::GET,
        "/api/v2/chat-logs/{response_id}",
        ("Chat Logs", "Get Chat Log Details", SignedIn),
        detail,
    )
    .route(
        Method::GET,
        "/api/v2/chat-threads/{thread_id}/chat-logs",
        ("Chat Thread/Chat Logs", "Get Chat Logs for a Chat Thread", SignedIn),
        thread_logs,
    )
    .route(
        Method::GET,
        "/api/v2/agent-responses/filter",
        ("Agent Response", "Get Agent Responses based on filters", SignedIn),
        filter_responses,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/agent-responses",
        ("Agent Response", "Get Agent Responses of an Agent", SignedIn),
        agent_responses,
    )
    .route(
        Method::PUT,
        "/api/v2/agent-responses/{response_id}",
        ("Agent Response", "Update an Agent Response", SignedIn),
        update_response,
    )
    .route(
        Method::POST,
        "/api/v2/agent-response-logs",
        ("Agent Response", "Create Agent Response Log", SignedIn),
        create_log,
    )
    .route(
        Method::GET,
        "/api/v2/chat-threads/filter",
        ("Chat Thread", "Get Chat Threads based on various filters", SignedIn),
        filter_threads,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/conversation-starters",
        (
            "Conversation Starters",
            "Get Conversation Starters for an Agent",
            SignedIn,
        ),
        list_starters,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/conversation-starters",
        ("Conversation Starters", "Create a new Conversation Starter.", SignedIn),
        add_starter,
    )
    .route(
        Method::PUT,
        "/api/v2/agents/{agent_id}/llm-configuration",
        ("Configurations", "Update the LLM configuration for an Agent", SignedIn),
        set_llm,
    )
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct LogQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    user_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    agent_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    project_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    thread_id: Option<i64>,
    feedback: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    has_comments: Option<bool>,
    /// `web`, `api`, `evaluation`…; `all` for every source. Unset: people's answers, without
    /// those written by evaluation runs.
    query_source: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// `csv` downloads every filtered row instead of a page.
    export: Option<String>,
}

/// The filter a caller may use: organization administrators see everyone's answers, anyone
/// else only their own.
fn filter_of(caller: &Caller, q: &LogQuery) -> Result<LogFilter> {
    let feedback = q.feedback.clone().unwrap_or_default();
    if !["", "upvote", "downvote", "any", "none"].contains(&feedback.as_str()) {
        return Err(Error::invalid(
            "feedback",
            "feedback must be upvote, downvote, any or none.",
        ));
    }
    let status = q.status.clone().unwrap_or_default();
    if !["", "completed", "cancelled", "failed", "blocked", "streaming"].contains(&status.as_str()) {
        return Err(Error::invalid(
            "status",
            "status must be completed, cancelled, failed, blocked or streaming.",
        ));
    }
    let date = |field: &str, v: &Option<String>| -> Result<String> {
        let v = v.clone().unwrap_or_default();
        let ok = v.is_empty()
            || (v.len() >= 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-' && v[..4].parse::<u32>().is_ok());
        if ok {
            Ok(v)
        } else {
            Err(Error::invalid(
                field,
                format!("{field} must be a date such as 2026-01-31."),
            ))
        }
    };
    let user = if authz::is_org_admin(caller) {
        q.user_id
    } else {
        Some(caller.user_id())
    };
    Ok(LogFilter {
        user,
        agent: q.agent_id,
        project: q.project_id,
        thread: q.thread_id,
        feedback,
        has_comments: q.has_comments,
        query_source: q.query_source.clone().unwrap_or_default(),
        status,
        from: date("from", &q.from)?,
        to: date("to", &q.to)?,
        search: q.list.search.clone().unwrap_or_default(),
    })
}

fn to_csv(logs: &[ChatLog]) -> String {
    let mut out = String::from(
        "id,created_on,agent,user,question,answer,status,query_source,upvotes,downvotes,comments,total_tokens,cost,latency_ms\n",
    );
    for l in logs {
        let row = [
            l.id.to_string(),
            l.created_on.clone(),
            l.agent_name.clone(),
            l.user_email.clone(),
            l.question.clone(),
            l.answer.clone(),
            l.status.clone(),
            l.query_source.clone(),
            l.upvotes.to_string(),
            l.downvotes.to_string(),
            l.comment_count.to_string(),
            l.total_tokens.to_string(),
            l.cost.clone(),
            l.latency_ms.to_string(),
        ];
        out.push_str(&super::csv::line(&row));
    }
    out
}

/// One page of chat logs matching `filter`, in the envelope.
async fn log_page(
    state: &AppState,
    caller: &Caller,
    filter: &LogFilter,
    page: PageRequest,
    message: &str,
) -> Result<Json<ChatLogPage>> {
    let (chatlogs, count) = state
        .store
        .search_chat_logs(caller.org_id(), filter, page, LogDetail::WithVotesAndComments)
        .await?;
    Ok(ok(
        message,
        ChatLogPage {
            chatlogs,
            meta: page.meta(count),
        },
    ))
}

async fn search(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<LogQuery>) -> Result<Response> {
    let filter = filter_of(&caller, &q)?;
    if q.export.as_deref() == Some("csv") {
        let (logs, _) = state
            .store
            .search_chat_logs(
                caller.org_id(),
                &filter,
                PageRequest {
                    page: 1,
                    items_per_page: EXPORT_MAX,
                },
                LogDetail::CountsOnly,
            )
            .await?;
        return Ok(super::csv::attachment("chat-logs.csv", to_csv(&logs)));
    }
    Ok(log_page(
        &state,
        &caller,
        &filter,
        q.list.page(),
        "Chat logs fetched successfully.",
    )
    .await?
    .into_response())
}

async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ChatLogDetail>> {
    let row = state
        .store
        .response(caller.org_id(), caller.user_id(), id)
        .await?
        .filter(|r| r.user_id == caller.user_id() || authz::is_org_admin(&caller))
        .ok_or_else(|| Error::not_found("Chat log"))?;
    let filter = LogFilter {
        user: Some(row.user_id),
        thread: row.chat_thread_id,
        agent: Some(row.agent_id),
        query_source: "all".into(),
        ..Default::default()
    };
    let (logs, _) = state
        .store
        .search_chat_logs(
            caller.org_id(),
            &filter,
            PageRequest::new(Some(1), Some(100)),
            LogDetail::WithVotesAndComments,
        )
        .await?;
    let log = logs
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| Error::not_found("Chat log"))?;
    Ok(ok(
        "Chat log fetched successfully.",
        ChatLogDetail {
            log,
            response: row.output(),
            supporting_content: row
                .supporting
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default(),
            thoughts: row.thoughts.clone(),
            comments: state.store.response_comments(id).await?,
        },
    ))
}

async fn thread_logs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(thread): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ChatLogPage>> {
    let t = authz::thread(&state, &caller, thread).await?;
    let filter = LogFilter {
        user: Some(t.user_id),
        thread: Some(thread),
        ..Default::default()
    };
    let page = q.page();
    log_page(&state, &caller, &filter, page, "Chat logs fetched successfully.").await
}

async fn filter_responses(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<ChatLogPage>> {
    let filter = filter_of(&caller, &q)?;
    let page = q.list.page();
    log_page(&state, &caller, &filter, page, "Agent responses fetched successfully.").await
}

/// An agent's responses: all of them for its Admins (and organization administrators), the
/// caller's own for everyone else who can use it.
async fn agent_responses(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ChatLogPage>> {
    let (_, role) = authz::agent(&state, &caller, agent, Need::View).await?;
    let sees_all = authz::is_org_admin(&caller) || role == Some(ejento_api::ResourceRole::Admin);
    let filter = LogFilter {
        user: (!sees_all).then(|| caller.user_id()),
        agent: Some(agent),
        search: q.search.clone().unwrap_or_default(),
        ..Default::default()
    };
    let page = q.page();
    log_page(&state, &caller, &filter, page, "Agent responses fetched successfully.").await
}

async fn update_response(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AgentResponseUpdate>,
) -> Result<Json<AgentResponse>> {
    let row = state
        .store
        .response(caller.org_id(), caller.user_id(), id)
        .await?
        .filter(|r| r.user_id == caller.user_id() || authz::is_org_admin(&caller))
        .ok_or_else(|| Error::not_found("Agent response"))?;
    // The answer is a record of what was said; only how it is kept can change.
    let Some(pinned) = body.is_pinned else {
        return Err(Error::invalid("is_pinned", "Nothing to change: send is_pinned."));
    };
    state.store.set_pinned(row.id, pinned).await?;
    let row = state
        .store
        .response(caller.org_id(), caller.user_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Agent response"))?;
    Ok(ok("Agent response updated.", row.into_wire()))
}

async fn create_log(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AgentResponseLogInput>,
) -> Result<(StatusCode, Json<AgentResponse>)> {
    let (agent, _) = authz::agent(&state, &caller, body.agent_id, Need::View).await?;
    let mut e = crate::error::FieldErrors::default();
    if body.user_query.trim().is_empty() {
        e.add("user_query", "user_query is empty.");
    }
    if body.prompt_tokens < 0 || body.completion_tokens < 0 {
        e.add("prompt_tokens", "Token counts cannot be negative.");
    }
    let cost = body.cost.clone().unwrap_or_else(|| "0".into());
    if crate::store::analytics::parse_cost(&cost).is_none_or(|c| c < 0) {
        e.add("cost", "cost must be a non-negative decimal such as \"0.0012\".");
    }
    e.finish()?;
    let thread = match body.chat_thread_id {
        Some(id) => {
            let t = authz::thread(&state, &caller, id).await?;
            if t.agent_id != body.agent_id {
                return Err(Error::invalid(
                    "chat_thread_id",
                    "That chat thread belongs to another agent.",
                ));
            }
            t.id
        }
        None => {
            state
                .store
                .create_thread(
                    caller.org_id(),
                    body.agent_id,
                    caller.user_id(),
                    &caller.user.email,
                    "New Chat",
                )
                .await?
                .id
        }
    };
    let source = body.query_source.clone().unwrap_or_else(|| "api".into());
    let id = state
        .store
        .create_response(&NewResponse {
            organization_id: caller.org_id(),
            agent_id: body.agent_id,
            thread_id: Some(thread),
            workflow_response_id: None,
            user_id: caller.user_id(),
            by: &caller.user.email,
            query: body.user_query.trim(),
            query_source: &source,
            cache_key: None,
            project_id: agent.project_id,
            model: "external",
            llm_config_id: None,
            version_of: None,
        })
        .await?;
    state
        .store
        .record_logged_response(id, &body.answer, body.prompt_tokens, body.completion_tokens, &cost)
        .await?;
    let row = state
        .store
        .response(caller.org_id(), caller.user_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Agent response"))?;
    Ok(created("Agent response logged.", row.into_wire()))
}

async fn filter_threads(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<ChatThreadPage>> {
    let page = q.list.page();
    let (rows, count) = state
        .store
        .filter_threads(
            caller.org_id(),
            caller.user_id(),
            q.agent_id,
            q.list.search.as_deref(),
            page,
        )
        .await?;
    Ok(ok(
        "Chat threads fetched successfully.",
        ChatThreadPage {
            chat_threads: rows.into_iter().map(|r| r.into_wire()).collect(),
            meta: page.meta(count),
        },
    ))
}

/// The agent's sample questions, then added ones, then questions drawn from its documents.
async fn list_starters(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
) -> Result<Json<Vec<ConversationStarter>>> {
    let (row, _) = authz::agent(&state, &caller, agent, Need::View).await?;
    let mut out: Vec<ConversationStarter> = Vec::new();
    let push = |text: String, source: &str, out: &mut Vec<ConversationStarter>| {
        if !text.trim().is_empty() && !out.iter().any(|s| s.text == text) {
            out.push(ConversationStarter {
                text,
                source: source.into(),
            });
        }
    };
    for q in [row.sample_q1.clone(), row.sample_q2.clone(), row.sample_q3.clone()] {
        push(q, "agent", &mut out);
    }
    for q in state.store.custom_starters(agent).await? {
        push(q, "custom", &mut out);
    }
    let mut documents = Vec::new();
    for corpus in state.store.enabled_corpus_ids(agent).await? {
        documents.extend(state.store.corpus_document_ids(corpus, false).await?);
    }
    let sample = state.store.sample_chunks(&documents, 300).await?;
    let sections: Vec<&str> = sample.iter().filter_map(|(s, _)| s.as_deref()).collect();
    let mut unique_sections: Vec<&str> = Vec::new();
    for s in sections {
        if !unique_sections.contains(&s) {
            unique_sections.push(s);
        }
    }
    for q in starters::generate(unique_sections, sample.iter().map(|(_, t)| t.as_str())) {
        push(q, "corpus", &mut out);
    }
    Ok(ok("Conversation starters fetched successfully.", out))
}

async fn add_starter(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
    ApiJson(body): ApiJson<ConversationStarterInput>,
) -> Result<(StatusCode, Json<Vec<ConversationStarter>>)> {
    authz::agent(&state, &caller, agent, Need::Administer).await?;
    let text = validate::bounded_text(body.text.trim(), 300).map_err(|m| Error::invalid("text", m))?;
    if text.is_empty() {
        return Err(Error::invalid("text", "Write the question to suggest."));
    }
    state.store.add_starter(agent, &text, &caller.user.email).await?;
    let list = state
        .store
        .custom_starters(agent)
        .await?
        .into_iter()
        .map(|text| ConversationStarter {
            text,
            source: "custom".into(),
        })
        .collect();
    Ok(created("Conversation starter added.", list))
}

/// Which model an agent answers with; a checkpoint of the agent is written like any change.
async fn set_llm(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
    ApiJson(body): ApiJson<LlmConfigurationInput>,
) -> Result<Json<ejento_api::LlmConfigSet>> {
    let (row, _) = authz::agent(&state, &caller, agent, Need::Administer).await?;
    let llms = state.store.llm_configurations(caller.org_id()).await?;
    if !llms.iter().any(|l| l.id == body.llm_config_id && l.is_enabled) {
        return Err(Error::invalid(
            "llm_config_id",
            "That model configuration does not exist in your organization or is disabled.",
        ));
    }
    let mut config = state.store.agent_config(&row).await?;
    config.llm_config_id = Some(body.llm_config_id);
    state
        .store
        .save_agent_config(agent, &config, "Model configuration changed", &caller.user.email)
        .await?;
    Ok(ok(
        "LLM configuration updated.",
        ejento_api::LlmConfigSet {
            agent_id: agent,
            llm_config_id: body.llm_config_id,
        },
    ))
}
