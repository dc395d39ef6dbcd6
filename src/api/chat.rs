//! Chat: threads of an agent, asking (start + events URL), stopping, votes.

use ejento_api::{
    AgentResponse, AgentResponseList, ChatThread, ChatThreadPage, ConversationPage, ConversationStarter, Document,
    DocumentPage, FeedbackInput, ResponseRequest, StartedResponse, SupportingChunk, ThreadCorpus,
};

use super::{ApiError, Method, call, get};

/// The signed-in person's conversations with every agent, newest first.
pub async fn conversations(search: &str, page: u64, per_page: u64) -> Result<ConversationPage, ApiError> {
    let (page, per_page) = (page.to_string(), per_page.to_string());
    let query = super::query(&[("search", search), ("page", &page), ("items_per_page", &per_page)]);
    get(&format!("/api/v2/users/me/chat-threads?{query}")).await
}

pub async fn threads(agent: i64) -> Result<ChatThreadPage, ApiError> {
    get(&format!("/api/v2/agents/{agent}/chat-threads?items_per_page=50")).await
}

pub async fn delete_thread(thread: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/chat-threads/{thread}"), None)
        .await
        .map(|_| ())
}

pub async fn thread(thread: i64) -> Result<ChatThread, ApiError> {
    get(&format!("/api/v2/chat-threads/{thread}")).await
}

/// Every answer of a thread, oldest first, a page of 100 at a time (the view renders only what
/// is visible, so a long thread costs memory, not layout).
pub async fn responses(thread: i64) -> Result<Vec<AgentResponse>, ApiError> {
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let list: AgentResponseList = get(&format!(
            "/api/v2/chat-threads/{thread}/agent-responses?items_per_page=100&page={page}"
        ))
        .await?;
        all.extend(list.agent_responses);
        if page >= list.meta.num_pages {
            return Ok(all);
        }
        page += 1;
    }
}

/// Questions to start with: the agent's samples, added ones, then ones drawn from its documents.
pub async fn starters(agent: i64) -> Result<Vec<ConversationStarter>, ApiError> {
    get(&format!("/api/v2/agents/{agent}/conversation-starters")).await
}

pub async fn create_thread(agent: i64) -> Result<ChatThread, ApiError> {
    Ok(
        call::<_, ()>(Method::Post, &format!("/api/v2/agents/{agent}/chat-threads"), None)
            .await?
            .data,
    )
}

/// The corpus holding a thread's attachments, made and connected on first use
/// (named `AttachmentCorpus-<thread>` as the real client does).
pub async fn attachment_corpus(thread: i64) -> Result<i64, ApiError> {
    match get::<Vec<ThreadCorpus>>(&format!("/api/v2/chat-threads/{thread}/corpora")).await {
        Ok(list) if !list.is_empty() => return Ok(list[0].corpus_id),
        Ok(_) => {}
        Err(e) if e.status == 404 => {}
        Err(e) => return Err(e),
    }
    let body = ejento_api::CorpusInput {
        name: Some(format!("AttachmentCorpus-{thread}")),
        corpus_type: Some("attachment".into()),
        indexing_mode_id: Some(3),
        ..Default::default()
    };
    let corpus: ejento_api::Corpus = call(Method::Post, "/api/v2/corpora", Some(&body)).await?.data;
    call::<serde_json::Value, ()>(
        Method::Post,
        &format!("/api/v2/chat-threads/{thread}/corpora/{}", corpus.id),
        None,
    )
    .await?;
    Ok(corpus.id)
}

/// The documents attached to a thread, with their indexing state.
pub async fn attachments(thread: i64) -> Result<Vec<Document>, ApiError> {
    let page: DocumentPage = get(&format!("/api/v2/chat-threads/{thread}/documents?items_per_page=100")).await?;
    Ok(page.documents)
}

pub async fn start(agent: i64, body: &ResponseRequest) -> Result<StartedResponse, ApiError> {
    Ok(call(
        Method::Post,
        &format!("/response-service/api/v2/agents/{agent}/responses/start"),
        Some(body),
    )
    .await?
    .data)
}

/// A fresh events URL for a response still being written (after a reload).
pub async fn events_url(response: i64) -> Result<StartedResponse, ApiError> {
    get(&format!(
        "/response-service/api/v2/agent-responses/{response}/events-url"
    ))
    .await
}

pub async fn cancel(response: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(
        Method::Post,
        &format!("/response-service/api/v2/agent-responses/{response}/cancel"),
        None,
    )
    .await
    .map(|_| ())
}

pub async fn vote(response: i64, vote_type: &str) -> Result<AgentResponse, ApiError> {
    let body = FeedbackInput {
        vote_type: vote_type.to_string(),
    };
    Ok(call(
        Method::Post,
        &format!("/api/v2/agent-responses/{response}/feedbacks"),
        Some(&body),
    )
    .await?
    .data)
}

/// Every version of an answer's turn, oldest first.
pub async fn versions(response: i64) -> Result<Vec<AgentResponse>, ApiError> {
    get(&format!("/api/v2/agent-responses/{response}/versions")).await
}

/// How an answer was made, step by step.
pub async fn trace(response: i64) -> Result<ejento_api::AnswerTrace, ApiError> {
    get(&format!("/api/v2/agent-responses/{response}/trace")).await
}

pub async fn supporting(response: i64) -> Result<Vec<SupportingChunk>, ApiError> {
    get(&format!("/api/v2/agent-responses/{response}/supporting-content")).await
}

/// The caller's threads with an agent whose title matches `search`.
pub async fn search_threads(agent: i64, search: &str) -> Result<ChatThreadPage, ApiError> {
    get(&format!(
        "/api/v2/chat-threads/filter?{}",
        super::query(&[
            ("agent_id", &agent.to_string()),
            ("search", search),
            ("items_per_page", "50")
        ])
    ))
    .await
}

pub async fn rename_thread(thread: i64, title: &str) -> Result<ChatThread, ApiError> {
    let body = ejento_api::ChatThreadInput {
        title: Some(title.to_string()),
    };
    Ok(
        call(Method::Put, &format!("/api/v2/chat-threads/{thread}"), Some(&body))
            .await?
            .data,
    )
}

pub async fn set_pinned(response: i64, pinned: bool) -> Result<AgentResponse, ApiError> {
    let method = if pinned { Method::Put } else { Method::Delete };
    Ok(
        call::<_, ()>(method, &format!("/api/v2/agent-responses/{response}/pin"), None)
            .await?
            .data,
    )
}

pub async fn comment(response: i64, text: &str) -> Result<(), ApiError> {
    let body = ejento_api::CommentInput {
        comment: text.to_string(),
    };
    call::<serde_json::Value, _>(
        Method::Post,
        &format!("/api/v2/agent-responses/{response}/comments"),
        Some(&body),
    )
    .await
    .map(|_| ())
}
