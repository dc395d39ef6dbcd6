//! Turning a question to an agent into a [`Job`]: which corpora it searches, which model
//! answers, whether an earlier answer may be reused, and the response row it writes. Used by
//! the agent routes and by workflows, whose steps are ordinary agent responses.

use ejento_api::HistoryTurn;

use super::{AnswerContext, Job, JobGuard};
use crate::search::Retrieval;
use crate::{
    error::{Error, Result},
    flags::{Flag, FlagSet},
    guardrails::{self, Direction},
    store::{AgentRow, NewResponse, Store, ToolRow},
};

/// Who asks.
#[derive(Debug, Clone)]
pub struct Asker<'a> {
    pub organization_id: i64,
    pub user_id: i64,
    pub by: &'a str,
}

/// What is asked, already checked.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    pub query: &'a str,
    pub query_source: &'a str,
    /// Earlier turns; empty: the thread's last turns, if there is a thread.
    pub history: Vec<HistoryTurn>,
    /// Only these of the agent's (and thread's) corpora, when given.
    pub only_corpora: Option<&'a [i64]>,
    /// `Some(false)`: the asker wants a fresh answer even if the agent caches.
    pub caching: Option<bool>,
    /// The agent chat thread; none for a step of a workflow's answer.
    pub thread_id: Option<i64>,
    pub workflow_response_id: Option<i64>,
    /// A new version of this turn (its first answer's id), in its place in the thread.
    pub version_of: Option<i64>,
    /// The model configuration the asker chose instead of the agent's.
    pub llm_config_id: Option<i64>,
}

pub async fn agent_job(store: &Store, asker: &Asker<'_>, agent: &AgentRow, q: &Question<'_>) -> Result<Job> {
    // The agent's enabled corpora and the thread's attachments; overrides may narrow them.
    let mut corpus_ids = store.answer_corpus_ids(agent.id, q.thread_id).await?;
    let flags = FlagSet::load(store, asker.organization_id).await?;
    // The agent's enabled tools: RAG tools' corpora are searched too; the others a model may call
    // (API tools while the `api-tools` flag is on).
    let (rag, mut callable): (Vec<ToolRow>, Vec<ToolRow>) = store
        .agent_tools(asker.organization_id, agent.id)
        .await?
        .into_iter()
        .partition(|t| t.tool.tool_type == "rag");
    callable.retain(|t| t.tool.tool_type != "api" || flags.on(Flag::ApiTools));
    let rag_corpora: Vec<i64> = rag.iter().flat_map(|t| t.tool.config.corpus_ids.clone()).collect();
    for c in store.existing_corpora(asker.organization_id, &rag_corpora).await? {
        if !corpus_ids.contains(&c) {
            corpus_ids.push(c);
        }
    }
    if let Some(only) = q.only_corpora {
        if let Some(stranger) = only.iter().find(|c| !corpus_ids.contains(c)) {
            return Err(Error::invalid(
                "overrides.corpus_ids",
                format!("Corpus {stranger} is not connected to this agent or thread."),
            ));
        }
        corpus_ids.retain(|c| only.contains(c));
    }
    let config = store.agent_config(agent).await?;
    // The agent's model (or the one the asker chose, where the agent allows it): a configured
    // OpenAI-compatible deployment, or the local answerer.
    let chosen = match q.llm_config_id {
        Some(_) if agent.model_choice == 0 => {
            return Err(Error::invalid(
                "overrides.llm_config_id",
                "This agent answers with its own model; its Admins can let people choose in its configuration.",
            ));
        }
        Some(id) => {
            let enabled = store
                .llm_configurations(asker.organization_id)
                .await?
                .into_iter()
                .any(|l| l.id == id && l.is_enabled);
            if !enabled {
                return Err(Error::invalid(
                    "overrides.llm_config_id",
                    format!("Model configuration {id} does not exist or is turned off."),
                ));
            }
            Some(id)
        }
        None => agent.llm_config_id,
    };
    let (llm_config_id, deployment) = match chosen {
        Some(llm) => store
            .llm_configurations(asker.organization_id)
            .await?
            .into_iter()
            .find(|l| l.id == llm && l.provider == "openai-compatible")
            .map(|l| (Some(l.id), Some(l.model_name)))
            .unwrap_or_default(),
        None => (None, None),
    };
    // The question as the guardrails leave it: redacted, or refused (then nothing is searched,
    // generated or reused; the response records why).
    let guards = guardrails::for_agent(store, &flags, asker.organization_id, Some(agent.id)).await?;
    let checked = guards.check(Direction::Input, q.query);
    let query = checked.text.as_str();
    // Reusing answers: only when the agent allows it and the asker did not ask afresh.
    let caching = !checked.blocked && agent.caching_enabled != 0 && q.caching != Some(false) && flags.on(Flag::Caching);
    let cache_key = if caching {
        let fingerprint = store.corpora_fingerprint(&corpus_ids).await?;
        let normalized = query.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        let material = format!(
            "{}\n{}\n{}\n{fingerprint}\n{normalized}",
            agent.id,
            agent.modified_on,
            deployment.as_deref().unwrap_or("local")
        );
        Some(crate::auth::tokens::sha256_hex(&material))
    } else {
        None
    };
    let response_id = store
        .create_response(&NewResponse {
            organization_id: asker.organization_id,
            agent_id: agent.id,
            thread_id: q.thread_id,
            workflow_response_id: q.workflow_response_id,
            user_id: asker.user_id,
            by: asker.by,
            query,
            query_source: q.query_source,
            cache_key: cache_key.as_deref(),
            project_id: agent.project_id,
            model: deployment.as_deref().unwrap_or("local"),
            llm_config_id,
            version_of: q.version_of,
        })
        .await?;
    let history = match (q.history.is_empty(), q.thread_id) {
        (true, Some(thread)) => store
            .thread_history(thread, q.version_of.unwrap_or(response_id), 10)
            .await?
            .into_iter()
            .map(|(user, bot)| HistoryTurn { user, bot })
            .collect(),
        _ => q.history.clone(),
    };
    Ok(Job {
        response_id,
        agent_id: agent.id,
        organization_id: asker.organization_id,
        thread_id: q.thread_id,
        corpus_ids,
        retrieval: Retrieval {
            limit: agent.chunk_count.clamp(1, 50) as usize,
            mode: agent.retrieval_mode(),
            min_relevance: agent.min_relevance(),
        },
        deployment,
        cache_key,
        context: AnswerContext {
            query: query.to_string(),
            agent_name: agent.agent_name.clone(),
            prompt: config.prefix_prompt.clone(),
            instructions: config.instructions.clone(),
            history,
            sources: Vec::new(),
            tools: Vec::new(),
        },
        tool_rows: callable,
        guard: JobGuard {
            blocked: checked.message.clone().filter(|_| checked.blocked),
            input_findings: checked.findings,
            output: guards,
        },
    })
}
