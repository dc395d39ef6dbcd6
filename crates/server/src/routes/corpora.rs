//! Corpora: CRUD, tags, permissions, connected agents, and the refresh-enabled list.
//! Documents, upload and indexing come with the rest of the corpus feature.

use axum::{extract::State, http::Method};
use ejento_api::{
    CORPUS_ACCESS, CORPUS_TYPES, Corpus, CorpusAgent, CorpusInput, CorpusPage, CorpusPermission, CorpusPermissionInput,
    Envelope, INDEXING_MODES, validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, agents::normalize_tags, created, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need},
    },
    error::{Error, FieldErrors, Result},
    state::AppState,
    store::{CorpusConfig, CorpusFilter, CorpusRow},
};

const TAG: &str = "Corpora";
type Json<T> = axum::Json<Envelope<T>>;

pub(super) fn routes(api: Api) -> Api {
    api.route(Method::GET, "/api/v2/corpora", (TAG, "Get all Corpus", SignedIn), list)
        .route(
            Method::POST,
            "/api/v2/corpora",
            (TAG, "Create a Corpus", SignedIn),
            create,
        )
        .route(
            Method::GET,
            "/api/v2/corpora/refresh-enabled",
            (TAG, "Get Corpora with Refresh (Reindex) Enabled", SignedIn),
            refresh_enabled,
        )
        .route(
            Method::GET,
            "/api/v2/corpora/{corpus_id}",
            (TAG, "Get a Corpus", SignedIn),
            get,
        )
        .route(
            Method::PUT,
            "/api/v2/corpora/{corpus_id}",
            (TAG, "Update a Corpus", SignedIn),
            update,
        )
        .route(
            Method::DELETE,
            "/api/v2/corpora/{corpus_id}",
            (TAG, "Delete a Corpus", SignedIn),
            delete,
        )
        .route(
            Method::PUT,
            "/api/v2/corpora/{corpus_id}/tags",
            (TAG, "Annotate/Tag a Corpus", SignedIn),
            tag,
        )
        .route(
            Method::GET,
            "/api/v2/corpora/{corpus_id}/agents",
            (TAG, "Get Corpus Agent Connections", SignedIn),
            agents,
        )
        .route(
            Method::GET,
            "/api/v2/corpora/{corpus_id}/permissions",
            (TAG, "Get all Permissions for a Corpus", SignedIn),
            permissions,
        )
        .route(
            Method::POST,
            "/api/v2/corpora/{corpus_id}/permissions",
            (TAG, "Create a new Permission for a Corpus", SignedIn),
            grant,
        )
        .route(
            Method::GET,
            "/api/v2/corpora/{corpus_id}/users/{user_id}/permissions",
            (TAG, "Get all user permissions for a corpus", SignedIn),
            user_permissions,
        )
        .route(
            Method::DELETE,
            "/api/v2/corpora/{corpus_id}/users/{user_id}/permissions",
            (TAG, "Delete a user permission for a corpus", SignedIn),
            revoke,
        )
}

async fn to_wire(state: &AppState, row: CorpusRow, access: Option<String>) -> Result<Corpus> {
    let tags = state.store.corpus_tags(row.id).await?;
    Ok(row.into_wire(tags, access))
}

/// Applies an input to a configuration, reporting every problem at once.
fn apply(input: &CorpusInput, c: &mut CorpusConfig) -> Result<()> {
    let mut e = FieldErrors::default();
    if let Some(name) = &input.name
        && let Some(name) = e.take("name", validate::resource_name(name, "corpus"))
    {
        c.name = name;
    }
    if let Some(d) = &input.description
        && let Some(d) = e.take(
            "description",
            validate::bounded_text(d, validate::DESCRIPTION_MAX_CHARS),
        )
    {
        c.description = d;
    }
    if let Some(mode) = input.indexing_mode_id {
        if INDEXING_MODES.iter().any(|(id, _)| *id == mode) {
            c.indexing_mode_id = mode;
        } else {
            e.add(
                "indexing_mode_id",
                "indexing_mode_id must be 1 (exhaustive), 2 (standard) or 3 (basic).",
            );
        }
    }
    if let Some(kind) = &input.corpus_type {
        if CORPUS_TYPES.contains(&kind.as_str()) {
            c.corpus_type = kind.clone();
        } else {
            e.add(
                "corpus_type",
                format!("corpus_type must be one of: {}.", CORPUS_TYPES.join(", ")),
            );
        }
    }
    if let Some(v) = input.is_public {
        c.is_public = v;
    }
    if let Some(v) = input.refresh_enabled {
        c.refresh_enabled = v;
    }
    if let Some(tags) = &input.tags {
        match normalize_tags(tags) {
            Ok(t) => c.tags = t,
            Err(m) => e.add("tags", m),
        }
    }
    e.finish()
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct CorpusQuery {
    #[serde(flatten)]
    list: ListQuery,
}

async fn page(state: &AppState, caller: &Caller, q: &ListQuery, refresh_only: bool) -> Result<CorpusPage> {
    let page = q.page();
    let admin = authz::is_org_admin(caller);
    let (rows, count) = state
        .store
        .list_corpora(
            caller.org_id(),
            caller.user_id(),
            admin,
            &CorpusFilter {
                search: q.search.as_deref(),
                refresh_only,
            },
            crate::store::CORPUS_SORT.parse(q.sort.as_deref())?,
            page,
        )
        .await?;
    let mut corpora = Vec::with_capacity(rows.len());
    for row in rows {
        let access = if admin || row.owner_id == caller.user_id() {
            Some("Write".to_string())
        } else {
            row.my_access
                .clone()
                .or_else(|| (row.is_public != 0).then(|| "Read".to_string()))
        };
        corpora.push(to_wire(state, row, access).await?);
    }
    Ok(CorpusPage {
        corpora,
        meta: page.meta(count),
    })
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CorpusQuery>,
) -> Result<Json<CorpusPage>> {
    Ok(ok(
        "Corpora fetched successfully.",
        page(&state, &caller, &q.list, false).await?,
    ))
}

async fn refresh_enabled(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CorpusQuery>,
) -> Result<Json<CorpusPage>> {
    Ok(ok(
        "Corpora fetched successfully.",
        page(&state, &caller, &q.list, true).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<CorpusInput>,
) -> Result<(axum::http::StatusCode, Json<Corpus>)> {
    if input.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(Error::invalid("name", "Give the corpus a name."));
    }
    let mut config = CorpusConfig {
        name: String::new(),
        description: String::new(),
        indexing_mode_id: 3,
        corpus_type: "standard".into(),
        is_public: false,
        refresh_enabled: false,
        tags: Vec::new(),
    };
    apply(&input, &mut config)?;
    let id = state
        .store
        .create_corpus(caller.org_id(), caller.user_id(), &caller.user.email, &config)
        .await?;
    let (row, access) = authz::corpus(&state, &caller, id, Need::View).await?;
    Ok(created(
        "Corpus created successfully.",
        to_wire(&state, row, access).await?,
    ))
}

async fn get(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Corpus>> {
    let (row, access) = authz::corpus(&state, &caller, id, Need::View).await?;
    let mut corpus = to_wire(&state, row, access).await?;
    if state.search.embedding_model().is_some() {
        let (embedded, passages) = state.store.embedded_chunks(id).await?;
        corpus.indexing.meaning = Some(ejento_api::MeaningProgress { embedded, passages });
    }
    Ok(ok("Corpus fetched successfully.", corpus))
}

fn config_of(row: &CorpusRow, tags: Vec<String>) -> CorpusConfig {
    CorpusConfig {
        name: row.name.clone(),
        description: row.description.clone(),
        indexing_mode_id: row.indexing_mode_id,
        corpus_type: row.corpus_type.clone(),
        is_public: row.is_public != 0,
        refresh_enabled: row.refresh_enabled != 0,
        tags,
    }
}

async fn save(state: &AppState, caller: &Caller, id: i64, input: &CorpusInput, need: Need) -> Result<Corpus> {
    let (row, _) = authz::corpus(state, caller, id, need).await?;
    let mut config = config_of(&row, state.store.corpus_tags(id).await?);
    apply(input, &mut config)?;
    state.store.update_corpus(id, &caller.user.email, &config).await?;
    let (row, access) = authz::corpus(state, caller, id, Need::View).await?;
    to_wire(state, row, access).await
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CorpusInput>,
) -> Result<Json<Corpus>> {
    Ok(ok(
        "Corpus updated successfully.",
        save(&state, &caller, id, &input, Need::Administer).await?,
    ))
}

/// Tagging is work inside the corpus: Write access suffices.
async fn tag(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ejento_api::TagList>,
) -> Result<Json<Corpus>> {
    let input = CorpusInput {
        tags: Some(body.tags),
        ..Default::default()
    };
    Ok(ok(
        "Corpus tags updated.",
        save(&state, &caller, id, &input, Need::Contribute).await?,
    ))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    authz::corpus(&state, &caller, id, Need::Administer).await?;
    if let Some(agent) = state.store.default_corpus_agent(id).await? {
        return Err(Error::Conflict(format!(
            "This is the default corpus of the agent \"{agent}\"; it goes when the agent is deleted."
        )));
    }
    state.store.delete_corpus(id, &caller.user.email).await?;
    // The corpus is gone for callers and search at once; its documents and files follow.
    let documents = state.store.corpus_document_ids(id, false).await?;
    for key in state.store.delete_documents(id, &documents, &caller.user.email).await? {
        state.objects.delete(&key).await;
    }
    state.search.poke();
    Ok(ok("Corpus deleted successfully.", ejento_api::Deleted { id }))
}

async fn agents(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<CorpusAgent>>> {
    authz::corpus(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Corpus agent connections fetched successfully.",
        state.store.corpus_agents(id).await?,
    ))
}

async fn permissions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<CorpusPermission>>> {
    authz::corpus(&state, &caller, id, Need::Administer).await?;
    Ok(ok(
        "Corpus permissions fetched successfully.",
        state.store.corpus_permissions(id, None).await?,
    ))
}

async fn grant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CorpusPermissionInput>,
) -> Result<(axum::http::StatusCode, Json<CorpusPermission>)> {
    authz::corpus(&state, &caller, id, Need::Administer).await?;
    let mut e = FieldErrors::default();
    if !CORPUS_ACCESS.contains(&body.access.as_str()) {
        e.add("access", "access must be Read or Write.");
    }
    if state
        .store
        .users_in_org(caller.org_id(), &[body.user_id])
        .await?
        .is_empty()
    {
        e.add(
            "user_id",
            format!("There is no user {} in your organization.", body.user_id),
        );
    }
    e.finish()?;
    state
        .store
        .grant_corpus(id, body.user_id, &body.access, &caller.user.email)
        .await?;
    let granted = state
        .store
        .corpus_permissions(id, Some(body.user_id))
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("Permission"))?;
    Ok(created("Permission granted.", granted))
}

async fn user_permissions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<Json<Vec<CorpusPermission>>> {
    // Everyone may read their own; others' are for the corpus's administrators.
    let need = if user == caller.user_id() {
        Need::View
    } else {
        Need::Administer
    };
    authz::corpus(&state, &caller, id, need).await?;
    if state.store.users_in_org(caller.org_id(), &[user]).await?.is_empty() {
        return Err(Error::not_found("User"));
    }
    Ok(ok(
        "Permissions fetched successfully.",
        state.store.corpus_permissions(id, Some(user)).await?,
    ))
}

async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<Json<ejento_api::PermissionRevoked>> {
    authz::corpus(&state, &caller, id, Need::Administer).await?;
    if !state.store.revoke_corpus(id, user).await? {
        return Err(Error::NotFound("That user has no permission on this corpus.".into()));
    }
    Ok(ok(
        "Permission removed.",
        ejento_api::PermissionRevoked {
            corpus_id: id,
            user_id: user,
        },
    ))
}
