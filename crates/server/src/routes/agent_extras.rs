//! Everything hanging off an agent: access, aliases, tags, comments, reviews, ratings, votes,
//! users and permissions, agent types, and corpus connections.

use axum::{extract::State, http::Method};
use ejento_api::{
    AccessInput, AddMembers, Agent, AgentAccess, AgentCorpusItems, AgentCorpusList, AgentInput, AgentPermission,
    AgentTags, AgentType, AgentUserGrant, AgentVote, Alias, AliasInput, Comment, CommentInput, CommentPage,
    ConnectionAgent, ConnectionInput, CorpusConnection, CorpusIds, Envelope, MemberPage, RatingInput, RatingSummary,
    ResourceRole, Review, ReviewInput, ReviewPage, TagCount, TagsInput, TeamRole, VoteInput, VoteSummary, validate,
};
use serde::Deserialize;

use super::{
    Access::SignedIn,
    Api, ApiJson, ApiPath, ApiQuery, ListQuery,
    agents::{normalize_tags, one, save},
    created, membership, ok,
};
use crate::{
    auth::{
        Caller,
        authz::{self, Need, OrgAction},
    },
    error::{Error, Result},
    state::AppState,
    store::{AgentFilter, AgentRow, Connection, MemberTable, PageRequest},
};

type Json<T> = axum::Json<Envelope<T>>;
type Created<T> = (axum::http::StatusCode, Json<T>);

pub(super) fn routes(api: Api) -> Api {
    let access = "Agents/Agent Access";
    let alias = "Agents/Agent Alias";
    let tags = "Agents/Agent Tags";
    let comment = "Agents/Agent Comment";
    let rating = "Agents/Agent Rating";
    let review = "Agents/Agent Review";
    let user = "Agents/Agent User";
    let vote = "Agents/Agent Vote";
    let types = "Agents/Agent Type";
    api.route(
        Method::GET,
        "/api/v2/agents/{agent_id}/access",
        (access, "Get Agent Access", SignedIn),
        get_access,
    )
    .route(
        Method::PUT,
        "/api/v2/agents/{agent_id}/access",
        (access, "Update Agent Access", SignedIn),
        set_access,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/aliases",
        (alias, "Get all Agent Aliases", SignedIn),
        aliases,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/aliases",
        (alias, "Create an Agent Alias", SignedIn),
        create_alias,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/aliases/{alias_id}",
        (alias, "Get Agent Alias", SignedIn),
        get_alias,
    )
    .route(
        Method::PUT,
        "/api/v2/agents/{agent_id}/aliases/{alias_id}",
        (alias, "Update an Agent Alias", SignedIn),
        update_alias,
    )
    .route(
        Method::DELETE,
        "/api/v2/agents/{agent_id}/aliases/{alias_id}",
        (alias, "Delete an Agent Alias", SignedIn),
        delete_alias,
    )
    .route(
        Method::PUT,
        "/api/v2/agents/{agent_id}/tags",
        (tags, "Add or Remove Tags from an Agent", SignedIn),
        set_tags,
    )
    .route(
        Method::GET,
        "/api/v2/agent-tags",
        (
            tags,
            "Get all Tags for a given Project, Team, or Organization",
            SignedIn,
        ),
        all_tags,
    )
    .route(
        Method::GET,
        "/api/v2/agent-tags/by-agent",
        (
            tags,
            "Get all Tags grouped by Agent for a given Project, Team, or Organization",
            SignedIn,
        ),
        tags_by_agent,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/comments",
        (comment, "Get all Comments for an Agent", SignedIn),
        comments,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/comments",
        (comment, "Create a Comment", SignedIn),
        create_comment,
    )
    .route(
        Method::PUT,
        "/api/v2/agents/{agent_id}/comments/{comment_id}",
        (comment, "Update a Comment", SignedIn),
        update_comment,
    )
    .route(
        Method::DELETE,
        "/api/v2/agents/{agent_id}/comments/{comment_id}",
        (comment, "Delete a Comment", SignedIn),
        delete_comment,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/ratings",
        (rating, "Get Ratings of an Agent", SignedIn),
        ratings,
    )
    .route(
        Method::PUT,
        "/api/v2/agents/{agent_id}/ratings",
        (rating, "Update Agent Rating", SignedIn),
        rate,
    )
    .route(
        Method::GET,
        "/api/v2/agent-ratings",
        (rating, "Get all Agent Ratings", SignedIn),
        all_ratings,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/reviews",
        (review, "Get all Reviews for specific Agent", SignedIn),
        reviews,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/reviews",
        (review, "Create a new Review", SignedIn),
        create_review,
    )
    .route(
        Method::PUT,
        "/api/v2/agents/{agent_id}/reviews/{review_id}",
        (review, "Update a Review", SignedIn),
        update_review,
    )
    .route(
        Method::DELETE,
        "/api/v2/agents/{agent_id}/reviews/{review_id}",
        (review, "Delete a Review", SignedIn),
        delete_review,
    )
    .route(
        Method::GET,
        "/api/v2/users/me/agent-reviews",
        (review, "Get all Reviews of the Authenticated User", SignedIn),
        my_reviews,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/users",
        (user, "Get Users of an Agent", SignedIn),
        users,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/users",
        (user, "Add user to Agent", SignedIn),
        add_users,
    )
    .route(
        Method::DELETE,
        "/api/v2/agents/{agent_id}/users/{user_id}",
        (user, "Delete User from Agent", SignedIn),
        remove_user,
    )
    .route(
        Method::GET,
        "/api/v2/agent-users",
        (user, "Get all Agents Users", SignedIn),
        all_agent_users,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/users/{user_id}/permissions",
        ("Agents/Agent User Permission", "Get User Agent Permission", SignedIn),
        permission,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/users/{user_id}/team-role",
        ("Agents", "Get User's Team Role for an Agent", SignedIn),
        team_role,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/votes",
        (vote, "Get Vote Information for an Agent", SignedIn),
        votes,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/votes",
        (vote, "Vote on an Agent", SignedIn),
        cast_vote,
    )
    .route(
        Method::GET,
        "/api/v2/agent-types",
        (types, "Get all Agent Types", SignedIn),
        agent_types,
    )
    .route(
        Method::GET,
        "/api/v2/agent-types/{agent_type_id}",
        (types, "Get a specific Agent Type", SignedIn),
        agent_type,
    )
    .route(
        Method::PUT,
        "/api/v2/agent-types/{agent_type_id}",
        (types, "Update a specific Agent Type", SignedIn),
        update_agent_type,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/corpora",
        ("Agents", "Get Agent-Corpus Connections", SignedIn),
        connections,
    )
    .route(
        Method::DELETE,
        "/api/v2/agents/{agent_id}/corpora",
        ("Agents", "Delete Agent-Corpus Connections", SignedIn),
        disconnect_many,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/corpora/default",
        ("Agents", "Get Default Corpus Agent Connection", SignedIn),
        default_connection,
    )
    .route(
        Method::GET,
        "/api/v2/agents/{agent_id}/corpora/{corpus_id}",
        ("Agents", "Get Agent-Corpus Connection Details", SignedIn),
        connection,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/corpora/{corpus_id}",
        ("Agents", "Create Agent-Corpus Connection", SignedIn),
        connect,
    )
    .route(
        Method::PUT,
        "/api/v2/agents/{agent_id}/corpora/{corpus_id}",
        ("Agents", "Update Agent-Corpus Connection", SignedIn),
        toggle_connection,
    )
    .route(
        Method::DELETE,
        "/api/v2/agents/{agent_id}/corpora/{corpus_id}",
        ("Agents", "Delete Agent-Corpus Connection", SignedIn),
        disconnect,
    )
}

// ---- access -------------------------------------------------------------------------------

async fn get_access(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AgentAccess>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Agent access fetched successfully.",
        AgentAccess {
            agent_id: row.id,
            access: row.access,
        },
    ))
}

/// Applies a partial change to an agent through the same path as an update (validated, checkpointed).
async fn change(state: &AppState, caller: &Caller, id: i64, input: AgentInput, reason: &str) -> Result<Agent> {
    let (row, _) = authz::agent(state, caller, id, Need::Administer).await?;
    let before = state.store.agent_config(&row).await?;
    let mut after = before.clone();
    let types = state.store.agent_types(caller.org_id()).await?;
    let llms = state.store.llm_configurations(caller.org_id()).await?;
    super::agents::apply_input(&input, &mut after, &types, &llms)?;
    save(state, caller, &row, &before, &after, Some(reason)).await?;
    let row = state
        .store
        .find_agent(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Agent"))?;
    one(state, caller, row).await
}

async fn set_access(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AccessInput>,
) -> Result<Json<AgentAccess>> {
    let reason = format!("Access set to {}", body.access);
    let agent = change(
        &state,
        &caller,
        id,
        AgentInput {
            access: Some(body.access),
            ..Default::default()
        },
        &reason,
    )
    .await?;
    Ok(ok(
        "Agent access updated.",
        AgentAccess {
            agent_id: agent.id,
            access: agent.access,
        },
    ))
}

// ---- aliases ------------------------------------------------------------------------------

/// An alias is an e-mail-style address (`name@domain`) that reaches the agent.
fn parse_alias(raw: &str) -> Result<String> {
    validate::email(raw).map_err(|_| {
        Error::invalid(
            "alias",
            format!("\"{}\" is not a valid alias: use name@domain.", raw.trim()),
        )
    })
}

async fn aliases(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Vec<Alias>>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Agent aliases fetched successfully.",
        state.store.list_aliases(id).await?,
    ))
}

async fn create_alias(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AliasInput>,
) -> Result<Created<Alias>> {
    authz::agent(&state, &caller, id, Need::Administer).await?;
    crate::flags::require(&state.store, caller.org_id(), crate::flags::Flag::AgentAlias).await?;
    let alias = parse_alias(&body.alias)?;
    let alias_id = state.store.create_alias(id, &alias, &caller.user.email).await?;
    let alias = state
        .store
        .find_alias(id, alias_id)
        .await?
        .ok_or_else(|| Error::not_found("Alias"))?;
    Ok(created("Agent alias created.", alias))
}

async fn get_alias(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, alias)): ApiPath<(i64, i64)>,
) -> Result<Json<Alias>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    let alias = state
        .store
        .find_alias(id, alias)
        .await?
        .ok_or_else(|| Error::not_found("Alias"))?;
    Ok(ok("Agent alias fetched successfully.", alias))
}

async fn update_alias(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, alias_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<AliasInput>,
) -> Result<Json<Alias>> {
    authz::agent(&state, &caller, id, Need::Administer).await?;
    state
        .store
        .find_alias(id, alias_id)
        .await?
        .ok_or_else(|| Error::not_found("Alias"))?;
    let value = parse_alias(&body.alias)?;
    state.store.update_alias(alias_id, &value).await?;
    let alias = state
        .store
        .find_alias(id, alias_id)
        .await?
        .ok_or_else(|| Error::not_found("Alias"))?;
    Ok(ok("Agent alias updated.", alias))
}

async fn delete_alias(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, alias_id)): ApiPath<(i64, i64)>,
) -> Result<Json<ejento_api::Deleted>> {
    authz::agent(&state, &caller, id, Need::Administer).await?;
    state
        .store
        .find_alias(id, alias_id)
        .await?
        .ok_or_else(|| Error::not_found("Alias"))?;
    state.store.delete_alias(alias_id).await?;
    Ok(ok("Agent alias deleted.", ejento_api::Deleted { id: alias_id }))
}

// ---- tags ---------------------------------------------------------------------------------

async fn set_tags(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TagsInput>,
) -> Result<Json<AgentTags>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::Administer).await?;
    let current = state.store.agent_config(&row).await?.tags;
    let removed: Vec<String> = body.remove.iter().map(|t| t.trim().to_lowercase()).collect();
    let mut tags: Vec<String> = current
        .into_iter()
        .filter(|t| !removed.contains(&t.to_lowercase()))
        .collect();
    tags.extend(body.add.iter().cloned());
    let tags = normalize_tags(&tags).map_err(|m| Error::invalid("add", m))?;
    let agent = change(
        &state,
        &caller,
        id,
        AgentInput {
            tags: Some(tags),
            ..Default::default()
        },
        "Updated tags",
    )
    .await?;
    Ok(ok(
        "Agent tags updated.",
        AgentTags {
            agent_id: agent.id,
            agent_name: agent.agent_name,
            tags: agent.tags,
        },
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct TagScope {
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    project_id: Option<i64>,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    team_id: Option<i64>,
}

/// Every agent the caller can see within the scope (project, team, or the organization).
async fn scoped_agents(state: &AppState, caller: &Caller, scope: &TagScope) -> Result<Vec<Agent>> {
    if let Some(p) = scope.project_id {
        authz::project(state, caller, p, Need::View).await?;
    }
    if let Some(t) = scope.team_id {
        authz::team(state, caller, t, Need::View).await?;
    }
    let filter = AgentFilter {
        project_id: scope.project_id,
        team_id: scope.team_id,
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let request = PageRequest::new(Some(page), Some(100));
        let (rows, count, extras) = state
            .store
            .list_agents(
                caller.org_id(),
                caller.user_id(),
                authz::is_org_admin(caller),
                &filter,
                crate::store::AGENT_SORT.default,
                request,
            )
            .await?;
        let n = rows.len();
        out.extend(super::agents::with_extras(
            caller,
            rows,
            extras,
            state.search.embedding_model(),
        ));
        if n == 0 || (page * 100) as i64 >= count {
            return Ok(out);
        }
        page += 1;
    }
}

async fn all_tags(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(scope): ApiQuery<TagScope>,
) -> Result<Json<Vec<TagCount>>> {
    let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
    for agent in scoped_agents(&state, &caller, &scope).await? {
        for tag in agent.tags {
            *counts.entry(tag).or_default() += 1;
        }
    }
    Ok(ok(
        "Tags fetched successfully.",
        counts
            .into_iter()
            .map(|(tag, agent_count)| TagCount { tag, agent_count })
            .collect(),
    ))
}

async fn tags_by_agent(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(scope): ApiQuery<TagScope>,
) -> Result<Json<Vec<AgentTags>>> {
    let agents = scoped_agents(&state, &caller, &scope).await?;
    Ok(ok(
        "Tags fetched successfully.",
        agents
            .into_iter()
            .map(|a| AgentTags {
                agent_id: a.id,
                agent_name: a.agent_name,
                tags: a.tags,
            })
            .collect(),
    ))
}

// ---- comments -----------------------------------------------------------------------------

fn comment_text(body: &CommentInput) -> Result<String> {
    let text = body.comment.trim();
    if text.is_empty() {
        return Err(Error::invalid("comment", "Write a comment."));
    }
    validate::bounded_text(text, 5000).map_err(|m| Error::invalid("comment", m))
}

async fn comments(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<CommentPage>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    let page = q.page();
    let (comments, count) = state.store.list_comments(id, page).await?;
    Ok(ok(
        "Comments fetched successfully.",
        CommentPage {
            comments,
            meta: page.meta(count),
        },
    ))
}

async fn create_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CommentInput>,
) -> Result<Created<Comment>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    let text = comment_text(&body)?;
    let comment_id = state.store.create_comment(id, caller.user_id(), &text).await?;
    let comment = state
        .store
        .find_comment(id, comment_id)
        .await?
        .ok_or_else(|| Error::not_found("Comment"))?;
    Ok(created("Comment created.", comment))
}

/// Own comments and reviews are edited by their author; deleted by the author or an agent Admin.
fn require_author(caller: &Caller, author: i64, agent_role: Option<ResourceRole>, deleting: bool) -> Result<()> {
    let admin = deleting && agent_role == Some(ResourceRole::Admin);
    if author == caller.user_id() || admin {
        Ok(())
    } else {
        Err(Error::Forbidden("You can only change what you wrote.".into()))
    }
}

async fn update_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, comment_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<CommentInput>,
) -> Result<Json<Comment>> {
    let (_, role) = authz::agent(&state, &caller, id, Need::View).await?;
    let comment = state
        .store
        .find_comment(id, comment_id)
        .await?
        .ok_or_else(|| Error::not_found("Comment"))?;
    require_author(&caller, comment.user_id, role, false)?;
    state.store.update_comment(comment_id, &comment_text(&body)?).await?;
    let comment = state
        .store
        .find_comment(id, comment_id)
        .await?
        .ok_or_else(|| Error::not_found("Comment"))?;
    Ok(ok("Comment updated.", comment))
}

async fn delete_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, comment_id)): ApiPath<(i64, i64)>,
) -> Result<Json<ejento_api::Deleted>> {
    let (_, role) = authz::agent(&state, &caller, id, Need::View).await?;
    let comment = state
        .store
        .find_comment(id, comment_id)
        .await?
        .ok_or_else(|| Error::not_found("Comment"))?;
    require_author(&caller, comment.user_id, role, true)?;
    state.store.delete_comment(comment_id).await?;
    Ok(ok("Comment deleted.", ejento_api::Deleted { id: comment_id }))
}

// ---- ratings and reviews ------------------------------------------------------------------

fn check_rating(rating: i64, field: &str) -> Result<i64> {
    if (1..=5).contains(&rating) {
        Ok(rating)
    } else {
        Err(Error::invalid(field, "A rating is a whole number from 1 to 5."))
    }
}

async fn ratings(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RatingSummary>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Ratings fetched successfully.",
        rating_summary(&state, &caller, id).await?,
    ))
}

async fn rating_summary(state: &AppState, caller: &Caller, id: i64) -> Result<RatingSummary> {
    let (sum, count, mine) = state.store.rating_summary(id, caller.user_id()).await?;
    Ok(RatingSummary {
        agent_id: id,
        average_rating: (count > 0).then(|| ((sum as f64 / count as f64) * 100.0).round() / 100.0),
        rating_count: count,
        my_rating: mine,
    })
}

async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RatingInput>,
) -> Result<Json<RatingSummary>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    state
        .store
        .set_rating(id, caller.user_id(), check_rating(body.rating, "rating")?)
        .await?;
    Ok(ok("Rating saved.", rating_summary(&state, &caller, id).await?))
}

async fn all_ratings(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(scope): ApiQuery<TagScope>,
) -> Result<Json<Vec<RatingSummary>>> {
    let agents = scoped_agents(&state, &caller, &scope).await?;
    let ids: Vec<i64> = agents.iter().map(|a| a.id).collect();
    let summaries = state
        .store
        .all_ratings(&ids)
        .await?
        .into_iter()
        .map(|(agent_id, average, count)| RatingSummary {
            agent_id,
            average_rating: Some(average),
            rating_count: count,
            my_rating: None,
        })
        .collect();
    Ok(ok("Ratings fetched successfully.", summaries))
}

fn review_input(body: &ReviewInput) -> Result<(String, Option<i64>)> {
    let text = body.review.trim();
    if text.is_empty() {
        return Err(Error::invalid("review", "Write a review."));
    }
    let text = validate::bounded_text(text, 5000).map_err(|m| Error::invalid("review", m))?;
    let rating = body.rating.map(|r| check_rating(r, "rating")).transpose()?;
    Ok((text, rating))
}

async fn reviews(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ReviewPage>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    let page = q.page();
    let (reviews, count) = state.store.list_reviews(Some(id), None, page).await?;
    Ok(ok(
        "Reviews fetched successfully.",
        ReviewPage {
            reviews,
            meta: page.meta(count),
        },
    ))
}

async fn my_reviews(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ReviewPage>> {
    let page = q.page();
    let (reviews, count) = state.store.list_reviews(None, Some(caller.user_id()), page).await?;
    Ok(ok(
        "Reviews fetched successfully.",
        ReviewPage {
            reviews,
            meta: page.meta(count),
        },
    ))
}

async fn create_review(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReviewInput>,
) -> Result<Created<Review>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    let (text, rating) = review_input(&body)?;
    let review_id = state.store.create_review(id, caller.user_id(), &text, rating).await?;
    if let Some(r) = rating {
        state.store.set_rating(id, caller.user_id(), r).await?;
    }
    let review = state
        .store
        .find_review(id, review_id)
        .await?
        .ok_or_else(|| Error::not_found("Review"))?;
    Ok(created("Review created.", review))
}

async fn update_review(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ReviewInput>,
) -> Result<Json<Review>> {
    let (_, role) = authz::agent(&state, &caller, id, Need::View).await?;
    let review = state
        .store
        .find_review(id, review_id)
        .await?
        .ok_or_else(|| Error::not_found("Review"))?;
    require_author(&caller, review.user_id, role, false)?;
    let (text, rating) = review_input(&body)?;
    state.store.update_review(review_id, &text, rating).await?;
    if let Some(r) = rating {
        state.store.set_rating(id, caller.user_id(), r).await?;
    }
    let review = state
        .store
        .find_review(id, review_id)
        .await?
        .ok_or_else(|| Error::not_found("Review"))?;
    Ok(ok("Review updated.", review))
}

async fn delete_review(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(i64, i64)>,
) -> Result<Json<ejento_api::Deleted>> {
    let (_, role) = authz::agent(&state, &caller, id, Need::View).await?;
    let review = state
        .store
        .find_review(id, review_id)
        .await?
        .ok_or_else(|| Error::not_found("Review"))?;
    require_author(&caller, review.user_id, role, true)?;
    state.store.delete_review(review_id).await?;
    Ok(ok("Review deleted.", ejento_api::Deleted { id: review_id }))
}

// ---- votes --------------------------------------------------------------------------------

async fn vote_summary(state: &AppState, caller: &Caller, id: i64) -> Result<VoteSummary> {
    let (like_count, dislike_count, mine) = state.store.vote_summary(id, caller.user_id()).await?;
    let my_vote = mine.map(|v| {
        if v > 0 {
            "upvote".to_string()
        } else {
            "downvote".to_string()
        }
    });
    Ok(VoteSummary {
        agent_id: id,
        like_count,
        dislike_count,
        my_vote,
    })
}

async fn votes(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<VoteSummary>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Votes fetched successfully.",
        vote_summary(&state, &caller, id).await?,
    ))
}

async fn cast_vote(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VoteInput>,
) -> Result<Json<VoteSummary>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    let vote = AgentVote::parse(&body.vote).map_err(|m| Error::invalid("vote", m))?;
    state.store.set_vote(id, caller.user_id(), vote.score()).await?;
    Ok(ok("Vote recorded.", vote_summary(&state, &caller, id).await?))
}

// ---- users and permissions ----------------------------------------------------------------

async fn users(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<MemberPage>> {
    authz::agent(&state, &caller, id, Need::View).await?;
    Ok(ok(
        "Agent users fetched successfully.",
        membership::member_page(&state, MemberTable::Agent, id, &q).await?,
    ))
}

async fn add_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AddMembers>,
) -> Result<Json<MemberPage>> {
    authz::agent(&state, &caller, id, Need::Administer).await?;
    crate::flags::require(&state.store, caller.org_id(), crate::flags::Flag::ShareAgent).await?;
    let page = membership::add(&state, &caller, MemberTable::Agent, id, &body).await?;
    Ok(ok("Users added to the agent.", page))
}

async fn remove_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<Json<MemberPage>> {
    authz::agent(&state, &caller, id, Need::Administer).await?;
    let page = membership::remove(&state, MemberTable::Agent, id, user, "agent").await?;
    Ok(ok("User removed from the agent.", page))
}

async fn all_agent_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(scope): ApiQuery<TagScope>,
) -> Result<Json<Vec<AgentUserGrant>>> {
    let mut grants = Vec::new();
    for agent in scoped_agents(&state, &caller, &scope).await? {
        let (members, _) = state
            .store
            .list_members(MemberTable::Agent, agent.id, None, PageRequest::new(Some(1), Some(100)))
            .await?;
        for m in members {
            let m = m.into_wire();
            grants.push(AgentUserGrant {
                agent_id: agent.id,
                agent_name: agent.agent_name.clone(),
                user_id: m.user_id,
                email: m.email,
                role: m.role,
            });
        }
    }
    Ok(ok("Agent users fetched successfully.", grants))
}

async fn permission(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<Json<AgentPermission>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::View).await?;
    let target = state
        .store
        .users_in_org(caller.org_id(), &[user])
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("User"))?;
    let role = if matches!(
        target.role(),
        ejento_api::OrgRole::GlobalAdmin | ejento_api::OrgRole::ApplicationAdmin
    ) {
        Some(ResourceRole::Admin)
    } else {
        state.store.agent_role(&row, user).await?
    };
    let can_view = role.is_some() || row.access == "Public";
    let admin = role == Some(ResourceRole::Admin);
    Ok(ok(
        "Permission fetched successfully.",
        AgentPermission {
            agent_id: id,
            user_id: user,
            role,
            can_view,
            can_edit: admin,
            can_delete: admin,
        },
    ))
}

async fn team_role(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<Json<TeamRole>> {
    let (row, _) = authz::agent(&state, &caller, id, Need::View).await?;
    if state.store.users_in_org(caller.org_id(), &[user]).await?.is_empty() {
        return Err(Error::not_found("User"));
    }
    let project = state.store.find_project(caller.org_id(), user, row.project_id).await?;
    let (team_id, team_name, role) = match project {
        Some(p) => (
            p.team_id,
            p.team_name.clone(),
            p.team_role.as_deref().and_then(ResourceRole::parse),
        ),
        None => (None, None, None),
    };
    Ok(ok(
        "Team role fetched successfully.",
        TeamRole {
            agent_id: id,
            user_id: user,
            team_id,
            team_name,
            role,
        },
    ))
}

// ---- agent types --------------------------------------------------------------------------

async fn agent_types(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<AgentType>>> {
    Ok(ok(
        "Agent types fetched successfully.",
        state.store.agent_types(caller.org_id()).await?,
    ))
}

async fn agent_type(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AgentType>> {
    let found = state
        .store
        .agent_types(caller.org_id())
        .await?
        .into_iter()
        .find(|t| t.id == id);
    Ok(ok(
        "Agent type fetched successfully.",
        found.ok_or_else(|| Error::not_found("Agent type"))?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct AgentTypeInput {
    name: String,
    #[serde(default)]
    description: String,
}

async fn update_agent_type(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AgentTypeInput>,
) -> Result<Json<AgentType>> {
    if !state
        .store
        .agent_types(caller.org_id())
        .await?
        .iter()
        .any(|t| t.id == id)
    {
        return Err(Error::not_found("Agent type"));
    }
    authz::require(&state, &caller, OrgAction::ManageAgentTypes).await?;
    let name = validate::resource_name(&body.name, "agent type").map_err(|m| Error::invalid("name", m))?;
    let description = validate::bounded_text(&body.description, validate::DESCRIPTION_MAX_CHARS)
        .map_err(|m| Error::invalid("description", m))?;
    state
        .store
        .update_agent_type(caller.org_id(), id, &name, &description)
        .await?;
    Ok(ok("Agent type updated.", AgentType { id, name, description }))
}

// ---- corpus connections -------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct ConnectionQuery {
    #[serde(default, deserialize_with = "super::extract::lenient::opt_bool")]
    is_enabled: Option<bool>,
}

/// Connections as Ejento serves them, each with its agent nested (one agent for all of them).
async fn with_agent(
    state: &AppState,
    caller: &Caller,
    agent: AgentRow,
    list: Vec<Connection>,
) -> Result<Vec<CorpusConnection>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let agent = ConnectionAgent::from(one(state, caller, agent).await?);
    Ok(list.into_iter().map(|c| c.into_wire(agent.clone())).collect())
}

async fn one_with_agent(
    state: &AppState,
    caller: &Caller,
    agent: AgentRow,
    connection: Connection,
) -> Result<CorpusConnection> {
    let agent = ConnectionAgent::from(one(state, caller, agent).await?);
    Ok(connection.into_wire(agent))
}

async fn connections(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ConnectionQuery>,
) -> Result<Json<AgentCorpusItems>> {
    let (agent, _) = authz::agent(&state, &caller, id, Need::View).await?;
    let list = state.store.agent_connections(id, q.is_enabled.unwrap_or(false)).await?;
    Ok(ok(
        "Agent corpus connections fetched successfully.",
        AgentCorpusItems {
            items: AgentCorpusList {
                agent_corpus: with_agent(&state, &caller, agent, list).await?,
            },
        },
    ))
}

async fn default_connection(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CorpusConnection>> {
    let (agent, _) = authz::agent(&state, &caller, id, Need::View).await?;
    let found = state
        .store
        .agent_connections(id, false)
        .await?
        .into_iter()
        .find(|c| c.is_default)
        .ok_or_else(|| Error::not_found("Default corpus connection"))?;
    Ok(ok(
        "Default corpus connection fetched successfully.",
        one_with_agent(&state, &caller, agent, found).await?,
    ))
}

async fn connection(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, corpus)): ApiPath<(i64, i64)>,
) -> Result<Json<CorpusConnection>> {
    let (agent, _) = authz::agent(&state, &caller, id, Need::View).await?;
    let found = state
        .store
        .agent_connection(id, corpus)
        .await?
        .ok_or_else(|| Error::not_found("Corpus connection"))?;
    Ok(ok(
        "Corpus connection fetched successfully.",
        one_with_agent(&state, &caller, agent, found).await?,
    ))
}

async fn connect(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, corpus)): ApiPath<(i64, i64)>,
) -> Result<Created<CorpusConnection>> {
    let (agent, _) = authz::agent(&state, &caller, id, Need::Administer).await?;
    // The agent will quote the corpus to its users: the one connecting it must be able to read it.
    authz::corpus(&state, &caller, corpus, Need::View).await?;
    if !state.store.connect_corpus(id, corpus, &caller.user.email).await? {
        return Err(Error::Conflict("That corpus is already connected to the agent.".into()));
    }
    let found = state
        .store
        .agent_connection(id, corpus)
        .await?
        .ok_or_else(|| Error::not_found("Corpus connection"))?;
    Ok(created(
        "Corpus connected to the agent.",
        one_with_agent(&state, &caller, agent, found).await?,
    ))
}

async fn toggle_connection(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, corpus)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ConnectionInput>,
) -> Result<Json<CorpusConnection>> {
    let (agent, _) = authz::agent(&state, &caller, id, Need::Administer).await?;
    if !state
        .store
        .set_connection_enabled(id, corpus, body.is_enabled, &caller.user.email)
        .await?
    {
        return Err(Error::not_found("Corpus connection"));
    }
    let found = state
        .store
        .agent_connection(id, corpus)
        .await?
        .ok_or_else(|| Error::not_found("Corpus connection"))?;
    Ok(ok(
        "Corpus connection updated.",
        one_with_agent(&state, &caller, agent, found).await?,
    ))
}

async fn disconnect(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, corpus)): ApiPath<(i64, i64)>,
) -> Result<Json<ejento_api::Disconnected>> {
    authz::agent(&state, &caller, id, Need::Administer).await?;
    let existing = state
        .store
        .agent_connection(id, corpus)
        .await?
        .ok_or_else(|| Error::not_found("Corpus connection"))?;
    if existing.is_default {
        return Err(Error::Conflict(
            "The agent's default corpus cannot be disconnected.".into(),
        ));
    }
    state.store.disconnect_corpora(id, &[corpus]).await?;
    Ok(ok(
        "Corpus disconnected from the agent.",
        ejento_api::Disconnected { corpus_id: corpus },
    ))
}

async fn disconnect_many(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CorpusIds>,
) -> Result<Json<ejento_api::Removed>> {
    authz::agent(&state, &caller, id, Need::Administer).await?;
    if body.corpus_ids.is_empty() {
        return Err(Error::invalid("corpus_ids", "Name at least one corpus to disconnect."));
    }
    let removed = state.store.disconnect_corpora(id, &body.corpus_ids).await?;
    Ok(ok(
        format!("{removed} corpus connection(s) removed; the default corpus stays."),
        ejento_api::Removed {
            removed: removed as i64,
        },
    ))
}
