//! Workflows: the list, create and edit, conversations, asking (start + events URL), Stop, votes,
//! reviews, usage.

use ejento_api::{
    FeedbackInput, StartedWorkflowResponse, Workflow, WorkflowAnalytics, WorkflowInput, WorkflowPage, WorkflowResponse,
    WorkflowResponsePage, WorkflowResponseRequest, WorkflowReview, WorkflowReviewInput, WorkflowThread,
    WorkflowThreadPage,
};

use super::{ApiError, Method, call, get, query};

pub async fn list(search: &str, project: &str, page: u64) -> Result<WorkflowPage, ApiError> {
    get(&format!(
        "/api/v2/workflows?{}",
        query(&[("search", search), ("project_id", project), ("page", &page.to_string())])
    ))
    .await
}

pub async fn one(id: i64) -> Result<Workflow, ApiError> {
    get(&format!("/api/v2/workflows/{id}")).await
}

pub async fn create(body: &WorkflowInput) -> Result<Workflow, ApiError> {
    Ok(call(Method::Post, "/api/v2/workflows", Some(body)).await?.data)
}

pub async fn update(id: i64, body: &WorkflowInput) -> Result<Workflow, ApiError> {
    Ok(call(Method::Put, &format!("/api/v2/workflows/{id}"), Some(body))
        .await?
        .data)
}

pub async fn delete(id: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/workflows/{id}"), None)
        .await
        .map(|_| ())
}

pub async fn threads(workflow: i64) -> Result<WorkflowThreadPage, ApiError> {
    get(&format!(
        "/api/v2/workflows/{workflow}/workflow-chat-threads?items_per_page=50"
    ))
    .await
}

pub async fn create_thread(workflow: i64) -> Result<WorkflowThread, ApiError> {
    Ok(call::<_, ()>(
        Method::Post,
        &format!("/api/v2/workflows/{workflow}/workflow-chat-threads"),
        None,
    )
    .await?
    .data)
}

/// Every answer of a conversation, oldest first, a page of 100 at a time.
pub async fn responses(thread: i64) -> Result<Vec<WorkflowResponse>, ApiError> {
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let list: WorkflowResponsePage = get(&format!(
            "/api/v2/workflow-chat-threads/{thread}/workflow-responses?items_per_page=100&page={page}"
        ))
        .await?;
        all.extend(list.workflow_responses);
        if page >= list.meta.num_pages {
            return Ok(all);
        }
        page += 1;
    }
}

pub async fn start(workflow: i64, body: &WorkflowResponseRequest) -> Result<StartedWorkflowResponse, ApiError> {
    Ok(call(
        Method::Post,
        &format!("/response-service/api/v2/workflows/{workflow}/responses/start"),
        Some(body),
    )
    .await?
    .data)
}

/// A fresh events URL for an answer still being written (after a reload).
pub async fn events_url(response: i64) -> Result<StartedWorkflowResponse, ApiError> {
    get(&format!(
        "/response-service/api/v2/workflow-responses/{response}/events-url"
    ))
    .await
}

pub async fn cancel(response: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(
        Method::Post,
        &format!("/response-service/api/v2/workflow-responses/{response}/cancel"),
        None,
    )
    .await
    .map(|_| ())
}

pub async fn vote(response: i64, vote_type: &str) -> Result<WorkflowResponse, ApiError> {
    let body = FeedbackInput {
        vote_type: vote_type.to_string(),
    };
    Ok(call(
        Method::Post,
        &format!("/api/v2/workflow-responses/{response}/feedbacks"),
        Some(&body),
    )
    .await?
    .data)
}

pub async fn review(response: i64, rating: i64, review: &str) -> Result<WorkflowReview, ApiError> {
    let body = WorkflowReviewInput {
        rating,
        review: review.to_string(),
    };
    Ok(call(
        Method::Post,
        &format!("/api/v2/workflow-responses/{response}/reviews"),
        Some(&body),
    )
    .await?
    .data)
}

/// A workflow's usage over the last 30 UTC days.
pub async fn analytics(workflow: i64) -> Result<WorkflowAnalytics, ApiError> {
    get(&format!("/api/v2/workflows/{workflow}/analytics")).await
}
