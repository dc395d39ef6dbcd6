//! Asking an agent: the blocking call, the SSE stream (POST, for API clients), and for the
//! browser a start call plus an EventSource-friendly events URL that resumes with
//! `Last-Event-ID`; cancel; and what people do with a response afterwards.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::{HeaderMap, Method, StatusCode, header},
    response::{
        IntoResponse,
        sse::{Event, KeepAlive, Sse},
    },
};
use ejento_api::{
    AgentResponse, AgentResponseList, ChatThread, ChatThreadInput, Envelope, ResponseOutput, ResponseRequest,
    StartedResponse, SupportingChunk, validate,
};
use futures_util::StreamExt;
use serde::Deserialize;

use super::{Access, Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, describe::EventStream, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need},
        tokens::{TicketFor, TicketHolder, ticket_refused},
    },
    chat::{
        Job,
        prepare::{Asker, Question, agent_job},
        stream::{AnswerKind, Followed},
    },
    error::{Error, FieldErrors, Result},
    state::AppState,
    store::ResponseRow,
};

const RESPONSES: &str = "Agent Response";
const THREAD: &str = "Chat Thread";
const THREAD_RESPONSES: &str = "Chat Thread/Agent Response";
type Json<T> = axum::Json<Envelope<T>>;

/// How long an events link stays valid: enough to open it and to reconnect after a dropped
/// connection; a stream already open runs to its end. A page that comes back later (a reload,
/// a long sleep) asks for a fresh link. The link also dies with the sign-in that asked for it.
pub(super) const TICKET_TTL_SECS: i64 = 120;
const MAX_QUERY_CHARS: usize = 4000;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::POST,
        "/response-service/api/v2/agents/{agent_id}/responses",
        (RESPONSES, "Generate Agent Response (Non-Streaming)", SignedIn),
        blocking,
    )
    .route(
        Method::POST,
        "/response-service/api/v2/agents/{agent_id}/responses/stream",
        (RESPONSES, "Stream Agent Response (SSE)", SignedIn),
        post_stream,
    )
    .route(
        Method::POST,
        "/response-service/api/v2/agents/{agent_id}/responses/start",
        (
            RESPONSES,
            "Start an Agent Response to follow with EventSource",
            SignedIn,
        ),
        start,
    )
    .route(
        Method::GET,
        "/response-service/api/v2/agent-responses/{response_id}/events",
        (
            RESPONSES,
            "Follow an Agent Response (EventSource, ticket)",
            Access::Public,
        ),
        events,
    )
    .route(
        Method::POST,
        "/response-service/api/v2/agent-responses/{response_id}/cancel",
        (RESPONSES, "Stop an Agent Response", SignedIn),
        cancel,
    )
    .route(
        Method::GET,
        "/api/v2/agent-responses/{response_id}",
        (RESPONSES, "Get an Agent Response", SignedIn),
        get,
    )
    .route(
        Method::GET,
        "/api/v2/agent-responses/{response_id}/supporting-content",
        (RESPONSES, "Get Supporting Content of an Agent Response", SignedIn),
        supporting_content,
    )
    .route(
        Method::GET,
        "/api/v2/agent-responses/{response_id}/versions",
        (RESPONSES, "Get Every Version of an Agent Response's Turn", SignedIn),
        versions,
    )
    .route(
        Method::GET,
        "/api/v2/agent-responses/{response_id}/trace",
        (RESPONSES, "Get the Trace of an Agent Response", SignedIn),
        trace,
    )
    .route(
        Method::GET,
        "/api/v2/agent-responses/{response_id}/thoughts",
        (RESPONSES, "Get Thoughts of an Agent Response", SignedIn),
        thoughts,
    )
    .route(
        Method::GET,
        "/api/v2/chat-threads/{thread_id}/agent-responses",
        (THREAD_RESPONSES, "Get Agent Responses for a Chat Thread", SignedIn),
        thread_responses,
    )
    .route(
        Method::PUT,
        "/api/v2/chat-threads/{thread_id}",
        (THREAD, "Update Chat Thread", SignedIn),
        rename_thread,
    )
    .route(
        Method::DELETE,
        "/api/v2/chat-threads/{thread_id}",
        (THREAD, "Delete Chat Thread", SignedIn),
        delete_thread,
    )
    .route(
        Method::DELETE,
        "/api/v2/chat-threads/{thread_id}/agent-responses",
        (THREAD_RESPONSES, "Delete Agent Responses for a Chat Thread", SignedIn),
        delete_thread_responses,
    )
    .route(
        Method::GET,
        "/response-service/api/v2/agent-responses/{response_id}/events-url",
        (RESPONSES, "Get a new events URL for an Agent Response", SignedIn),
        renew_events_url,
    )
    .route(
        Method::DELETE,
        "/api/v2/agent-responses/{response_id}",
        (RESPONSES, "Delete an Agent Response", SignedIn),
        delete_response,
    )
    .route(
        Method::POST,
        "/api/v2/agent-responses/{response_id}/feedbacks",
        (RESPONSES, "Create a Feedback for an Agent Response", SignedIn),
        feedback,
    )
    .route(
        Method::GET,
        "/api/v2/agent-responses/{response_id}/comments",
        (RESPONSES, "Get Comments for Agent Response", SignedIn),
        comments,
    )
    .route(
        Method::POST,
        "/api/v2/agent-responses/{response_id}/comments",
        (RESPONSES, "Create a Comment for Agent Response", SignedIn),
        add_comment,
    )
    .route(
        Method::PUT,
        "/api/v2/agent-responses/{response_id}/pin",
        (RESPONSES, "Pin an Agent Response", SignedIn),
        pin,
    )
    .route(
        Method::DELETE,
        "/api/v2/agent-responses/{response_id}/pin",
        (RESPONSES, "Unpin an Agent Response", SignedIn),
        unpin,
    )
    .route(
        Method::GET,
        "/api/v2/agent-responses/pinned",
        (RESPONSES, "Get Pinned Agent Responses", SignedIn),
        pinned,
    )
}

/// A question and where it comes from, checked: (trimmed question, source; `api` by default).
pub(super) fn checked_question(user_query: &str, query_source: Option<&str>) -> Result<(String, String)> {
    let query = user_query.trim().to_string();
    let mut e = FieldErrors::default();
    if query.is_empty() {
        e.add("user_query", "Ask a question: user_query is empty.");
    } else if query.chars().count() > MAX_QUERY_CHARS {
        e.add(
            "user_query",
            format!("The question is longer than {MAX_QUERY_CHARS} characters."),
        );
    }
    let query_source = query_source.unwrap_or("api").to_string();
    if query_source.is_empty() || query_source.len() > 32 {
        e.add("query_source", "query_source must be a short name such as web or api.");
    }
    e.finish()?;
    Ok((query, query_source))
}

/// Everything a response needs before it starts, checked; the thread is created if asked.
async fn prepare(state: &AppState, caller: &Caller, agent_id: i64, req: &ResponseRequest) -> Result<Job> {
    let (agent, _) = authz::agent(state, caller, agent_id, Need::View).await?;
    let (query, query_source) = checked_question(&req.user_query, req.query_source.as_deref())?;
    if req.version_of.is_some() && req.chat_thread_id.is_none() {
        return Err(Error::invalid(
            "chat_thread_id",
            "Asking again names the chat thread of the earlier answer.",
        ));
    }
    let thread = match req.chat_thread_id {
        Some(id) => {
            let t = authz::thread(state, caller, id).await?;
            if t.agent_id != agent_id {
                return Err(Error::invalid(
                    "chat_thread_id",
                    "That chat thread belongs to another agent.",
                ));
            }
            t
        }
        None => {
            state
                .store
                .create_thread(
                    caller.org_id(),
                    agent_id,
                    caller.user_id(),
                    &caller.user.email,
                    "New Chat",
                )
                .await?
        }
    };
    // A new version of an earlier turn of this thread, once that turn has ended.
    let version_of = match req.version_of {
        None => None,
        Some(earlier) => {
            let row = state
                .store
                .response(caller.org_id(), caller.user_id(), earlier)
                .await?
                .filter(|r| r.chat_thread_id == Some(thread.id))
                .ok_or_else(|| Error::invalid("version_of", "That answer is not part of this chat thread."))?;
            if row.status == "streaming" {
                return Err(Error::Conflict(
                    "That answer is still being written: stop it or wait for it to finish first.".into(),
                ));
            }
            Some(row.version_of.unwrap_or(row.id))
        }
    };
    let asker = Asker {
        organization_id: caller.org_id(),
        user_id: caller.user_id(),
        by: &caller.user.email,
    };
    let question = Question {
        version_of,
        llm_config_id: req.overrides.llm_config_id,
        query: &query,
        query_source: &query_source,
        history: req.history.clone(),
        only_corpora: req.overrides.corpus_ids.as_deref(),
        caching: req.caching_enabled,
        thread_id: Some(thread.id),
        workflow_response_id: None,
    };
    agent_job(&state.store, &asker, &agent, &question).await
}

async fn blocking(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent_id): ApiPath<i64>,
    ApiJson(req): ApiJson<ResponseRequest>,
) -> Result<Json<ResponseOutput>> {
    let job = prepare(&state, &caller, agent_id, &req).await?;
    // Generation is its own task: a client that goes away does not stop it.
    let output = state
        .chat
        .spawn(job)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("the answer task failed: {e}")))?;
    let message = match &output.message {
        Some(reason) => reason.clone(),
        None => "Response generated successfully.".to_string(),
    };
    Ok(ok(message, output))
}

/// How long a client waits before reconnecting after [`database_lost`].
const RECONNECT_AFTER: Duration = Duration::from_secs(2);

/// The database could not be read: the follower is told so with an `error` event that asks it
/// to reconnect (`retry:`, `"retrying": true`), and the stream ends. EventSource reconnects by
/// itself with `Last-Event-ID` (this event has no id), and resumes where it was.
fn database_lost(error: &Error) -> Event {
    tracing::error!(error = %error, "could not read answer events; the follower will reconnect");
    Event::default().event("error").retry(RECONNECT_AFTER).data(
        serde_json::json!({"step": "error", "retrying": true,
            "message": "The connection to the database was interrupted; reconnecting."})
        .to_string(),
    )
}

/// An answer's events after `after` as Server-Sent Events, until its `end` (agent and workflow
/// answers alike: the stream engine follows both).
pub(super) fn sse(state: AppState, kind: AnswerKind, response: i64, after: i64) -> EventStream {
    let events = state.streams.follow((kind, response), after).map(|followed| {
        Ok::<_, Infallible>(match followed {
            Followed::Event((seq, name, data)) => Event::default().id(seq.to_string()).event(name).data(data),
            Followed::Lost(e) => database_lost(&e),
        })
    });
    let body = Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)));
    EventStream(
        (
            [
                (header::CACHE_CONTROL, "no-cache"),
                (header::HeaderName::from_static("x-accel-buffering"), "no"),
            ],
            body,
        )
            .into_response(),
    )
}

async fn post_stream(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent_id): ApiPath<i64>,
    ApiJson(req): ApiJson<ResponseRequest>,
) -> Result<EventStream> {
    let job = prepare(&state, &caller, agent_id, &req).await?;
    let id = job.response_id;
    state.chat.spawn(job);
    Ok(sse(state, AnswerKind::Agent, id, 0))
}

async fn start(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent_id): ApiPath<i64>,
    ApiJson(req): ApiJson<ResponseRequest>,
) -> Result<(StatusCode, Json<StartedResponse>)> {
    let job = prepare(&state, &caller, agent_id, &req).await?;
    let (id, thread) = (job.response_id, job.thread_id.unwrap_or_default());
    state.chat.spawn(job);
    Ok((
        StatusCode::ACCEPTED,
        ok(
            "Response started.",
            StartedResponse {
                agent_response_id: id,
                thread_id: thread,
                events_url: events_url(&state, TicketFor::AgentResponse, &caller, id)?,
            },
        ),
    ))
}

/// The link by which `caller` follows `response` with EventSource (which cannot send headers).
pub(super) fn events_url(state: &AppState, kind: TicketFor, caller: &Caller, response: i64) -> Result<String> {
    let holder = TicketHolder {
        user_id: caller.user_id(),
        session: caller.session.clone(),
    };
    let ticket = state.jwt.mint_ticket(kind, &holder, response, TICKET_TTL_SECS)?;
    let path = match kind {
        TicketFor::AgentResponse => "agent-responses",
        TicketFor::WorkflowResponse => "workflow-responses",
    };
    Ok(format!(
        "/response-service/api/v2/{path}/{response}/events?ticket={ticket}"
    ))
}

/// A ticket presented to follow `response`: valid, for it, and of a sign-in still alive (asked
/// as every request asks it: through the sign-ins this replica knows, so a thousand followers
/// connecting cost no statement each, and a revocation stops them as it stops requests).
pub(super) async fn check_ticket(state: &AppState, kind: TicketFor, ticket: Option<&str>, response: i64) -> Result<()> {
    let ticket = ticket
        .ok_or_else(|| Error::Unauthorized("Follow a response with the events_url its start returned.".into()))?;
    let holder = state.jwt.verify_ticket(kind, ticket, response)?;
    match state.store.caller(holder.user_id, &holder.session).await? {
        Some((user, true)) if user.is_active() => Ok(()),
        _ => Err(ticket_refused()),
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub(super) struct EventsQuery {
    pub ticket: Option<String>,
    /// For clients that cannot set the `Last-Event-ID` header.
    pub last_event_id: Option<String>,
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(response): ApiPath<i64>,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<EventStream> {
    check_ticket(&state, TicketFor::AgentResponse, q.ticket.as_deref(), response).await?;
    let last = last_event_id(&headers, q.last_event_id)?;
    Ok(sse(state, AnswerKind::Agent, response, last))
}

/// Where a resumed stream picks up: the `Last-Event-ID` header (or query parameter).
pub(super) fn last_event_id(headers: &HeaderMap, from_query: Option<String>) -> Result<i64> {
    Ok(headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(from_query)
        .map(|v| v.trim().parse::<i64>())
        .transpose()
        .map_err(|_| Error::BadRequest("Last-Event-ID must be the id of an event of this stream.".into()))?
        .unwrap_or(0)
        .max(0))
}

/// A response of the caller's organization that the caller may see: their own, or any for
/// organization administrators.
async fn response(state: &AppState, caller: &Caller, id: i64) -> Result<ResponseRow> {
    state
        .store
        .response(caller.org_id(), caller.user_id(), id)
        .await?
        .filter(|r| r.user_id == caller.user_id() || authz::is_org_admin(caller))
        .ok_or_else(|| Error::not_found("Agent response"))
}

/// Stop: the answer ends as `cancelled`, keeping what was said. Whoever may see the answer (its
/// asker, an organization administrator) may stop it; one that has ended is a 409. Workflow
/// answers follow the same rule.
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::StopAsked>> {
    let row = response(&state, &caller, id).await?;
    stop(&state, AnswerKind::Agent, row.id).await?;
    Ok(ok(
        "Stopping the response.",
        ejento_api::StopAsked { agent_response_id: id },
    ))
}

/// The one Stop rule, for both kinds of answer: callers check that the caller may see it.
pub(super) async fn stop(state: &AppState, kind: AnswerKind, id: i64) -> Result<()> {
    if !state.streams.stop((kind, id)).await? {
        return Err(Error::Conflict("This answer has already finished.".into()));
    }
    Ok(())
}

/// `include_steps=true` adds each response's `response_steps[]`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct Steps {
    #[serde(default, deserialize_with = "super::extract::lenient::opt_bool")]
    include_steps: Option<bool>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct StepsQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(flatten)]
    steps: Steps,
}

/// Responses as Ejento's stored records are: with everyone's votes, the comments and, when
/// asked, the steps.
async fn detailed(state: &AppState, rows: Vec<ResponseRow>, steps: bool) -> Result<Vec<AgentResponse>> {
    let mut responses: Vec<AgentResponse> = rows.into_iter().map(ResponseRow::into_wire).collect();
    state.store.add_response_details(&mut responses, steps).await?;
    Ok(responses)
}

/// One response, detailed.
async fn one_detailed(state: &AppState, caller: &Caller, id: i64, steps: bool) -> Result<AgentResponse> {
    let row = response(state, caller, id).await?;
    Ok(detailed(state, vec![row], steps).await?.remove(0))
}

async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<Steps>,
) -> Result<Json<AgentResponse>> {
    Ok(ok(
        "Agent response fetched successfully.",
        one_detailed(&state, &caller, id, q.include_steps.unwrap_or(false)).await?,
    ))
}

async fn supporting_content(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<SupportingChunk>>> {
    let row = response(&state, &caller, id).await?;
    let chunks = row
        .supporting
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    Ok(ok("Supporting content fetched successfully.", chunks))
}

async fn thoughts(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Thoughts>> {
    let row = response(&state, &caller, id).await?;
    Ok(ok(
        "Thoughts fetched successfully.",
        ejento_api::Thoughts { thoughts: row.thoughts },
    ))
}

/// Every version of the turn an answer belongs to (asked again or with its question edited),
/// oldest first, to flip between.
async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ejento_api::AgentResponse>>> {
    let row = response(&state, &caller, id).await?;
    let rows = state
        .store
        .response_versions(caller.user_id(), row.version_of.unwrap_or(row.id))
        .await?;
    Ok(ok(
        "Versions fetched successfully.",
        rows.into_iter()
            .filter(|r| r.organization_id == caller.org_id())
            .map(ResponseRow::into_wire)
            .collect(),
    ))
}

/// How an answer was made: retrieval with its passages, guardrails, tool calls and the model
/// call, each with when it started and how long it took.
async fn trace(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::AnswerTrace>> {
    let row = response(&state, &caller, id).await?;
    let steps = state.store.response_trace(row.id).await?;
    Ok(ok("Trace fetched successfully.", row.trace(steps.as_deref())))
}

async fn thread_responses(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(thread): ApiPath<i64>,
    ApiQuery(q): ApiQuery<StepsQuery>,
) -> Result<Json<AgentResponseList>> {
    authz::thread(&state, &caller, thread).await?;
    let page = q.list.page();
    let (rows, count) = state.store.thread_responses(caller.user_id(), thread, page).await?;
    Ok(ok(
        "Agent responses fetched successfully.",
        AgentResponseList {
            agent_responses: detailed(&state, rows, q.steps.include_steps.unwrap_or(false)).await?,
            meta: page.meta(count),
        },
    ))
}

async fn rename_thread(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(thread): ApiPath<i64>,
    ApiJson(input): ApiJson<ChatThreadInput>,
) -> Result<Json<ChatThread>> {
    authz::thread(&state, &caller, thread).await?;
    let title = input.title.unwrap_or_default();
    let title = validate::bounded_text(title.trim(), 200).map_err(|m| Error::invalid("title", m))?;
    if title.is_empty() {
        return Err(Error::invalid("title", "Give the chat a name."));
    }
    state.store.rename_thread(thread, &title, &caller.user.email).await?;
    Ok(ok(
        "Chat thread updated successfully.",
        authz::thread(&state, &caller, thread).await?.into_wire(),
    ))
}

async fn delete_thread(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(thread): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    authz::thread(&state, &caller, thread).await?;
    state.store.delete_thread(thread, &caller.user.email).await?;
    Ok(ok(
        "Chat thread deleted successfully.",
        ejento_api::Deleted { id: thread },
    ))
}

async fn delete_thread_responses(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(thread): ApiPath<i64>,
) -> Result<Json<ejento_api::Affected>> {
    authz::thread(&state, &caller, thread).await?;
    let count = state.store.delete_responses(None, Some(thread)).await?;
    Ok(ok(
        format!("{count} response(s) deleted."),
        ejento_api::Affected { count: count as u64 },
    ))
}

/// A fresh ticket for a response being followed again (a page reloaded mid-answer).
async fn renew_events_url(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<StartedResponse>> {
    let row = response(&state, &caller, id).await?;
    Ok(ok(
        "Events URL issued.",
        StartedResponse {
            agent_response_id: row.id,
            thread_id: row.chat_thread_id.unwrap_or_default(),
            events_url: events_url(&state, TicketFor::AgentResponse, &caller, row.id)?,
        },
    ))
}

async fn delete_response(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    let row = response(&state, &caller, id).await?;
    state.store.delete_responses(Some(row.id), None).await?;
    Ok(ok("Agent response deleted successfully.", ejento_api::Deleted { id }))
}

async fn feedback(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ejento_api::FeedbackInput>,
) -> Result<Json<AgentResponse>> {
    let row = response(&state, &caller, id).await?;
    if !matches!(body.vote_type.as_str(), "upvote" | "downvote") {
        return Err(Error::invalid("vote_type", "vote_type must be upvote or downvote."));
    }
    state
        .store
        .set_feedback(row.id, caller.user_id(), &body.vote_type)
        .await?;
    Ok(ok("Feedback saved.", one_detailed(&state, &caller, id, false).await?))
}

async fn comments(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ejento_api::ResponseComment>>> {
    let row = response(&state, &caller, id).await?;
    Ok(ok(
        "Comments fetched successfully.",
        state.store.response_comments(row.id).await?,
    ))
}

async fn add_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ejento_api::CommentInput>,
) -> Result<(StatusCode, Json<Vec<ejento_api::ResponseComment>>)> {
    let row = response(&state, &caller, id).await?;
    let comment = validate::bounded_text(body.comment.trim(), 2000).map_err(|m| Error::invalid("comment", m))?;
    if comment.is_empty() {
        return Err(Error::invalid("comment", "The comment is empty."));
    }
    state
        .store
        .add_response_comment(row.id, caller.user_id(), &caller.user.email, &comment)
        .await?;
    Ok(super::created(
        "Comment added.",
        state.store.response_comments(row.id).await?,
    ))
}

async fn set_pin(state: &AppState, caller: &Caller, id: i64, pinned: bool) -> Result<AgentResponse> {
    let row = response(state, caller, id).await?;
    state.store.set_pinned(row.id, pinned).await?;
    one_detailed(state, caller, id, false).await
}

async fn pin(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<AgentResponse>> {
    Ok(ok("Response pinned.", set_pin(&state, &caller, id, true).await?))
}

async fn unpin(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AgentResponse>> {
    Ok(ok("Response unpinned.", set_pin(&state, &caller, id, false).await?))
}

async fn pinned(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<AgentResponseList>> {
    let page = q.page();
    let (rows, count) = state
        .store
        .pinned_responses(caller.org_id(), caller.user_id(), page)
        .await?;
    Ok(ok(
        "Pinned responses fetched successfully.",
        AgentResponseList {
            agent_responses: rows.into_iter().map(ResponseRow::into_wire).collect(),
            meta: page.meta(count),
        },
    ))
}
