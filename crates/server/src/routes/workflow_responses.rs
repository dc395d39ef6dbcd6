//! Asking a workflow: blocking, an SSE stream (POST), and for the browser a start call plus an
//! EventSource-friendly events URL that resumes with `Last-Event-ID`; Stop; a conversation's
//! answers; votes and reviews.

use axum::{
    extract::State,
    http::{HeaderMap, Method, StatusCode},
};
use ejento_api::{
    Envelope, FeedbackInput, HistoryTurn, StartedWorkflowResponse, WorkflowOutput, WorkflowResponse,
    WorkflowResponsePage, WorkflowResponseRequest, WorkflowReview, WorkflowReviewInput, validate,
};

use super::{
    Access::{Public, SignedIn},
    Api, ApiJson, ApiPath, ApiQuery, ListQuery, created,
    describe::EventStream,
    ok,
    responses::{EventsQuery, check_ticket, checked_question, events_url, last_event_id, sse},
};
use crate::{
    auth::{
        Caller,
        authz::{self, Need, is_org_admin},
        tokens::TicketFor,
    },
    chat::stream::AnswerKind,
    error::{Error, FieldErrors, Result},
    flags::FlagSet,
    guardrails::{self, Direction},
    state::AppState,
    store::{FeedbackOn, WorkflowResponseRow},
    workflow::WorkflowJob,
};

const TAG: &str = "Workflows";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::POST,
        "/response-service/api/v2/workflows/{workflow_id}/responses",
        (TAG, "Create a Workflow Chat Response", SignedIn),
        blocking,
    )
    .route(
        Method::POST,
        "/response-service/api/v2/workflows/{workflow_id}/responses/stream",
        (TAG, "Stream Workflow Response (SSE)", SignedIn),
        post_stream,
    )
    .route(
        Method::POST,
        "/response-service/api/v2/workflows/{workflow_id}/responses/start",
        (TAG, "Start a Workflow Response to follow with EventSource", SignedIn),
        start,
    )
    .route(
        Method::GET,
        "/response-service/api/v2/workflow-responses/{workflow_response_id}/events",
        (TAG, "Follow a Workflow Response (EventSource, ticket)", Public),
        events,
    )
    .route(
        Method::GET,
        "/response-service/api/v2/workflow-responses/{workflow_response_id}/events-url",
        (TAG, "Get a new events URL for a Workflow Response", SignedIn),
        renew_events_url,
    )
    .route(
        Method::POST,
        "/response-service/api/v2/workflow-responses/{workflow_response_id}/cancel",
        (TAG, "Stop a Workflow Response", SignedIn),
        cancel,
    )
    .route(
        Method::GET,
        "/api/v2/workflow-chat-threads/{workflow_thread_id}/workflow-responses",
        (TAG, "Get all Workflow Chat Responses", SignedIn),
        thread_responses,
    )
    .route(
        Method::DELETE,
        "/api/v2/workflow-responses/{workflow_response_id}",
        (TAG, "Delete a Workflow Response", SignedIn),
        delete,
    )
    .route(
        Method::POST,
        "/api/v2/workflow-responses/{workflow_response_id}/feedbacks",
        (TAG, "Create a Workflow Feedback", SignedIn),
        feedback,
    )
    .route(
        Method::GET,
        "/api/v2/workflow-responses/{workflow_response_id}/reviews",
        (
            TAG,
            "Retrieve a list of reviews for a given workflow response",
            SignedIn,
        ),
        reviews,
    )
    .route(
        Method::POST,
        "/api/v2/workflow-responses/{workflow_response_id}/reviews",
        (TAG, "Create a Workflow Review", SignedIn),
        add_review,
    )
}

/// Everything an answer needs before it starts, checked; the conversation is created if none
/// is named.
async fn prepare(
    state: &AppState,
    caller: &Caller,
    workflow_id: i64,
    req: &WorkflowResponseRequest,
) -> Result<WorkflowJob> {
    let workflow = authz::workflow(state, caller, workflow_id, Need::View).await?;
    let (query, query_source) = checked_question(&req.user_query, req.query_source.as_deref())?;
    // The organization's guardrails for every agent check the question before it is stored
    // (each agent's step checks it again with the agent's own).
    let flags = FlagSet::load(&state.store, caller.org_id()).await?;
    let checked = guardrails::for_agent(&state.store, &flags, caller.org_id(), None)
        .await?
        .check(Direction::Input, &query);
    if checked.blocked {
        return Err(Error::invalid(
            "user_query",
            checked
                .message
                .unwrap_or_else(|| "A guardrail blocked this question.".into()),
        ));
    }
    let query = checked.text;
    let thread = match req.workflow_thread_id {
        Some(id) => {
            let t = authz::workflow_thread(state, caller, id).await?;
            if t.workflow_id != workflow.id {
                return Err(Error::invalid(
                    "workflow_thread_id",
                    "That conversation belongs to another workflow.",
                ));
            }
            if t.user_id != caller.user_id() {
                return Err(Error::Forbidden(
                    "Only the person having this conversation can continue it.".into(),
                ));
            }
            t
        }
        None => {
            state
                .store
                .create_workflow_thread(
                    caller.org_id(),
                    workflow.id,
                    caller.user_id(),
                    &caller.user.email,
                    "New Chat",
                )
                .await?
        }
    };
    let ids: Vec<i64> = state
        .store
        .workflow_agents(&[workflow.id])
        .await?
        .remove(&workflow.id)
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.id)
        .collect();
    let rows = state.store.agents_by_ids(&ids).await?;
    let agents = ids
        .iter()
        .filter_map(|id| rows.iter().find(|a| a.id == *id).cloned())
        .collect();
    let response_id = state
        .store
        .create_workflow_response(
            caller.org_id(),
            workflow.id,
            thread.id,
            caller.user_id(),
            &caller.user.email,
            &query,
            &query_source,
        )
        .await?;
    let history = if req.history.is_empty() {
        state
            .store
            .workflow_thread_history(thread.id, response_id, 10)
            .await?
            .into_iter()
            .map(|(user, bot)| HistoryTurn { user, bot })
            .collect()
    } else {
        req.history.clone()
    };
    Ok(WorkflowJob {
        response_id,
        thread_id: thread.id,
        organization_id: caller.org_id(),
        user_id: caller.user_id(),
        by: caller.user.email.clone(),
        supervisor: workflow.supervisor(),
        agents,
        query,
        query_source,
        history,
    })
}

async fn blocking(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(workflow_id): ApiPath<i64>,
    ApiJson(req): ApiJson<WorkflowResponseRequest>,
) -> Result<Json<WorkflowOutput>> {
    let job = prepare(&state, &caller, workflow_id, &req).await?;
    // Generation is its own task: a client that goes away does not stop it.
    let output = state
        .workflows
        .spawn(job)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("the workflow task failed: {e}")))?;
    let message = match &output.message {
        Some(reason) => reason.clone(),
        None => "Workflow response generated successfully.".to_string(),
    };
    Ok(ok(message, output))
}

async fn post_stream(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(workflow_id): ApiPath<i64>,
    ApiJson(req): ApiJson<WorkflowResponseRequest>,
) -> Result<EventStream> {
    let job = prepare(&state, &caller, workflow_id, &req).await?;
    let id = job.response_id;
    state.workflows.spawn(job);
    Ok(sse(state, AnswerKind::Workflow, id, 0))
}

async fn start(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(workflow_id): ApiPath<i64>,
    ApiJson(req): ApiJson<WorkflowResponseRequest>,
) -> Result<(StatusCode, Json<StartedWorkflowResponse>)> {
    let job = prepare(&state, &caller, workflow_id, &req).await?;
    let (id, thread) = (job.response_id, job.thread_id);
    state.workflows.spawn(job);
    Ok((
        StatusCode::ACCEPTED,
        ok(
            "Workflow response started.",
            StartedWorkflowResponse {
                workflow_response_id: id,
                thread_id: thread,
                events_url: events_url(&state, TicketFor::WorkflowResponse, &caller, id)?,
            },
        ),
    ))
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(response): ApiPath<i64>,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<EventStream> {
    check_ticket(&state, TicketFor::WorkflowResponse, q.ticket.as_deref(), response).await?;
    let last = last_event_id(&headers, q.last_event_id)?;
    Ok(sse(state, AnswerKind::Workflow, response, last))
}

/// A workflow answer the caller may see: their own, or any for organization administrators.
async fn response(state: &AppState, caller: &Caller, id: i64) -> Result<WorkflowResponseRow> {
    state
        .store
        .workflow_response(caller.org_id(), caller.user_id(), id)
        .await?
        .filter(|r| r.user_id == caller.user_id() || is_org_admin(caller))
        .ok_or_else(|| Error::not_found("Workflow response"))
}

/// A fresh ticket for an answer being followed again (a page reloaded mid-answer).
async fn renew_events_url(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<StartedWorkflowResponse>> {
    let row = response(&state, &caller, id).await?;
    Ok(ok(
        "Events URL issued.",
        StartedWorkflowResponse {
            workflow_response_id: row.id,
            thread_id: row.thread_id,
            events_url: events_url(&state, TicketFor::WorkflowResponse, &caller, row.id)?,
        },
    ))
}

/// Stop: the answer ends as `cancelled`, keeping what was written so far. The rule is the
/// agent answers' one: whoever may see the answer (its asker, an organization administrator)
/// may stop it, and stopping an answer that has ended is a 409.
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::WorkflowStopAsked>> {
    let row = response(&state, &caller, id).await?;
    super::responses::stop(&state, AnswerKind::Workflow, row.id).await?;
    Ok(ok(
        "Stopping the answer.",
        ejento_api::WorkflowStopAsked { id, stopping: true },
    ))
}

async fn thread_responses(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(thread): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<WorkflowResponsePage>> {
    authz::workflow_thread(&state, &caller, thread).await?;
    let page = q.page();
    let (rows, count) = state
        .store
        .thread_workflow_responses(caller.user_id(), thread, page)
        .await?;
    Ok(ok(
        "Workflow responses fetched successfully.",
        WorkflowResponsePage {
            workflow_responses: with_feedback(&state, rows).await?,
            meta: page.meta(count),
        },
    ))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    let row = response(&state, &caller, id).await?;
    state.store.delete_workflow_response(row.id).await?;
    Ok(ok(
        "Workflow response deleted successfully.",
        ejento_api::Deleted { id },
    ))
}

async fn feedback(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FeedbackInput>,
) -> Result<Json<WorkflowResponse>> {
    let row = response(&state, &caller, id).await?;
    if !matches!(body.vote_type.as_str(), "upvote" | "downvote") {
        return Err(Error::invalid("vote_type", "vote_type must be upvote or downvote."));
    }
    state
        .store
        .set_workflow_feedback(row.id, caller.user_id(), &body.vote_type)
        .await?;
    let row = response(&state, &caller, id).await?;
    Ok(ok("Feedback saved.", with_feedback(&state, vec![row]).await?.remove(0)))
}

/// Workflow answers with everyone's votes, as Ejento's `feedback[]`.
async fn with_feedback(state: &AppState, rows: Vec<WorkflowResponseRow>) -> Result<Vec<WorkflowResponse>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let votes = state.store.feedback_of(FeedbackOn::Workflow, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut answer = row.into_wire();
            answer.feedback = votes
                .iter()
                .filter(|(of, _)| *of == answer.id)
                .map(|(_, v)| v.clone())
                .collect();
            answer
        })
        .collect())
}

async fn reviews(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<WorkflowReview>>> {
    let row = response(&state, &caller, id).await?;
    Ok(ok(
        "Reviews fetched successfully.",
        state.store.workflow_reviews(row.id).await?,
    ))
}

async fn add_review(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WorkflowReviewInput>,
) -> Result<(StatusCode, Json<WorkflowReview>)> {
    let row = response(&state, &caller, id).await?;
    let mut e = FieldErrors::default();
    if !(1..=5).contains(&body.rating) {
        e.add("rating", format!("rating must be 1 to 5, not {}.", body.rating));
    }
    let review = e.take(
        "review",
        validate::bounded_text(body.review.trim(), validate::DESCRIPTION_MAX_CHARS),
    );
    e.finish()?;
    let review = state
        .store
        .add_workflow_review(
            row.id,
            caller.user_id(),
            &caller.user.email,
            body.rating,
            &review.unwrap_or_default(),
        )
        .await?;
    Ok(created("Review saved.", review))
}
