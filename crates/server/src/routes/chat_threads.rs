//! Chat threads of an agent and the corpora attached to a thread (chat attachments).
//! Answers in threads come with the chat feature.

use axum::{extract::State, http::Method};
use ejento_api::{
    ChatThread, ChatThreadInput, ChatThreadPage, ConversationPage, DocumentPage, Envelope, ThreadCorpus, validate,
};

use super::{Access::SignedIn, Api, ApiPath, ApiQuery, ListQuery, created, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need},
    },
    error::{Error, Result},
    state::AppState,
    store::DocumentFilter,
};

const AGENT_THREADS: &str = "Agents/Agent Chat Threads";
const THREAD: &str = "Chat Thread";
const CONNECTION: &str = "Chat Thread/Corpus Connection";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/users/me/chat-threads",
        (THREAD, "Get the Conversations of the Authenticated User", SignedIn),
        conversations,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/chat-threads",
        (AGENT_THREADS, "Get Chat Threads of an Agent", SignedIn),
        list,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/chat-threads",
        (AGENT_THREADS, "Create Chat Thread for an Agent", SignedIn),
        create,
    )
    .route(
        Method::GET,
        "/api/v2/chat-threads/{thread_id}",
        (THREAD, "Get Chat Thread", SignedIn),
        get,
    )
    .route(
        Method::GET,
        "/api/v2/chat-threads/{thread_id}/corpora",
        (CONNECTION, "Get Corpus Connection by ChatThread ID", SignedIn),
        corpora,
    )
    .route(
        Method::DELETE,
        "/api/v2/chat-threads/{thread_id}/corpora",
        (CONNECTION, "Delete Corpus Connection by ChatThread ID", SignedIn),
        detach_all,
    )
    .route(
        Method::GET,
        "/api/v2/chat-threads/{thread_id}/corpora/{corpus_id}",
        (CONNECTION, "Get a ChatThread-Corpus connection", SignedIn),
        connection,
    )
    .route(
        Method::POST,
        "/api/v2/chat-threads/{thread_id}/corpora/{corpus_id}",
        (CONNECTION, "Create a ChatThread-Corpus connection", SignedIn),
        attach,
    )
    .route(
        Method::DELETE,
        "/api/v2/chat-threads/{thread_id}/corpora/{corpus_id}",
        (CONNECTION, "Delete a ChatThread-Corpus connection", SignedIn),
        detach,
    )
    .route(
        Method::GET,
        "/api/v2/chat-threads/{thread_id}/documents",
        ("Chat Thread/Documents", "Get Documents in Chat Thread", SignedIn),
        documents,
    )
}

/// The caller's conversations with every agent, newest activity first (`search`: in titles and
/// questions) — the history a person comes back to, beside each agent's own thread list.
async fn conversations(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ConversationPage>> {
    let page = q.page();
    let (conversations, count) = state
        .store
        .user_conversations(caller.org_id(), caller.user_id(), q.search.as_deref(), page)
        .await?;
    Ok(ok(
        "Conversations fetched successfully.",
        ConversationPage {
            conversations,
            meta: page.meta(count),
        },
    ))
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent_id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ChatThreadPage>> {
    authz::agent(&state, &caller, agent_id, Need::View).await?;
    let page = q.page();
    let (rows, count) = state.store.agent_threads(agent_id, caller.user_id(), page).await?;
    Ok(ok(
        "Chat threads fetched successfully.",
        ChatThreadPage {
            chat_threads: rows.into_iter().map(|r| r.into_wire()).collect(),
            meta: page.meta(count),
        },
    ))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent_id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<(axum::http::StatusCode, Json<ChatThread>)> {
    authz::agent(&state, &caller, agent_id, Need::View).await?;
    // The body is optional (`{title}`; the real client also sends `{agent, created_by}`).
    let input: ChatThreadInput = if body.iter().all(u8::is_ascii_whitespace) {
        ChatThreadInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| Error::BadRequest(format!("The body is not valid JSON: {e}.")))?
    };
    let title = match input.title {
        Some(t) => validate::bounded_text(t.trim(), 200).map_err(|m| Error::invalid("title", m))?,
        None => String::new(),
    };
    let title = if title.is_empty() {
        "New Chat".to_string()
    } else {
        title
    };
    let row = state
        .store
        .create_thread(caller.org_id(), agent_id, caller.user_id(), &caller.user.email, &title)
        .await?;
    Ok(created("Chat Thread created successfully.", row.into_wire()))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<ChatThread>> {
    Ok(ok(
        "Chat thread fetched successfully.",
        authz::thread(&state, &caller, id).await?.into_wire(),
    ))
}

async fn corpora(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ThreadCorpus>>> {
    authz::thread(&state, &caller, id).await?;
    let connections = state.store.thread_corpora(id, None).await?;
    if connections.is_empty() {
        return Err(Error::NotFound("No corpus is attached to this chat thread.".into()));
    }
    Ok(ok("Chat thread corpora fetched successfully.", connections))
}

async fn detach_all(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::ThreadCleared>> {
    authz::thread(&state, &caller, id).await?;
    let count = state.store.detach_corpora(id, None).await?;
    Ok(ok(
        format!("{count} corpus connection(s) removed."),
        ejento_api::ThreadCleared {
            chat_thread_id: id,
            count: count as i64,
        },
    ))
}

async fn connection(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, corpus_id)): ApiPath<(i64, i64)>,
) -> Result<Json<ThreadCorpus>> {
    authz::thread(&state, &caller, id).await?;
    let found = state
        .store
        .thread_corpora(id, Some(corpus_id))
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound("That corpus is not attached to this chat thread.".into()))?;
    Ok(ok("Chat thread corpus fetched successfully.", found))
}

async fn attach(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, corpus_id)): ApiPath<(i64, i64)>,
) -> Result<(axum::http::StatusCode, Json<ThreadCorpus>)> {
    authz::thread(&state, &caller, id).await?;
    // Attaching lets the thread's answers quote the corpus: reading it must be allowed.
    authz::corpus(&state, &caller, corpus_id, Need::View).await?;
    if !state.store.attach_corpus(id, corpus_id, &caller.user.email).await? {
        return Err(Error::Conflict(
            "That corpus is already attached to this chat thread.".into(),
        ));
    }
    let found = state
        .store
        .thread_corpora(id, Some(corpus_id))
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("Corpus"))?;
    Ok(created("Corpus attached to the chat thread.", found))
}

async fn detach(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, corpus_id)): ApiPath<(i64, i64)>,
) -> Result<Json<ejento_api::ThreadCorpusLink>> {
    authz::thread(&state, &caller, id).await?;
    if state.store.detach_corpora(id, Some(corpus_id)).await? == 0 {
        return Err(Error::NotFound(
            "That corpus is not attached to this chat thread.".into(),
        ));
    }
    Ok(ok(
        "Corpus detached from the chat thread.",
        ejento_api::ThreadCorpusLink {
            chat_thread_id: id,
            corpus_id,
        },
    ))
}

/// Documents of every corpus attached to the thread, newest first.
async fn documents(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<DocumentPage>> {
    authz::thread(&state, &caller, id).await?;
    let page = q.page();
    let mut documents = Vec::new();
    let mut total = 0;
    // Attachments are few (usually one corpus per thread); each is listed in turn.
    for c in state.store.thread_corpora(id, None).await? {
        let (rows, count) = state
            .store
            .list_documents(
                c.corpus_id,
                &DocumentFilter::default(),
                crate::store::DOCUMENT_SORT.default,
                page,
            )
            .await?;
        total += count;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut tags = state.store.document_tags(&ids).await?;
        documents.extend(rows.into_iter().map(|r| {
            let t = tags.remove(&r.id).unwrap_or_default();
            r.into_wire(t)
        }));
    }
    Ok(ok(
        "Chat thread documents fetched successfully.",
        DocumentPage {
            documents,
            meta: page.meta(total),
        },
    ))
}
