//! Evaluation runs: a runner task on every server claims waiting runs with a lease (renewed
//! while it works; a dead runner's run is taken over when its lease runs out) and asks the
//! dataset's questions that have no result yet, one by one, as ordinary agent responses with
//! the cache off. Each result and its scores are recorded in one transaction, once per question
//! (unique per run), so a run resumed after a crash finishes each question exactly once.

pub mod compare;
pub mod judge;
pub mod metrics;

use std::{sync::Arc, time::Duration};

use ejento_api::{ResultSource, SupportingChunk};

use crate::{
    chat::{
        ChatHub,
        prepare::{Asker, Question, agent_job},
    },
    store::{EvaluationRow, NewQueryResult, Store},
};

/// Seconds a claim lasts without renewal.
const LEASE_SECS: i64 = 30;
/// How often an idle runner looks for work.
const POLL: Duration = Duration::from_millis(500);

/// The names of the computed metrics, as the built-in rows are named.
const SIMILARITY: &str = "Answer Similarity";
const RELEVANCE: &str = "Answer Relevance";
const FAITHFULNESS: &str = "Faithfulness";
const RECALL: &str = "Context Recall";

pub struct EvaluationRunner {
    store: Store,
    chat: Arc<ChatHub>,
    owner: String,
}

impl EvaluationRunner {
    pub fn new(store: Store, chat: Arc<ChatHub>) -> Arc<Self> {
        Arc::new(Self {
            store,
            chat,
            owner: format!("runner-{}", uuid::Uuid::new_v4()),
        })
    }

    /// Runs forever: claims one run at a time.
    pub fn start(self: &Arc<Self>) {
        let runner = self.clone();
        tokio::spawn(async move {
            loop {
                match runner.store.claim_evaluation(&runner.owner, LEASE_SECS).await {
                    Ok(Some(run)) => runner.run(run).await,
                    Ok(None) => tokio::time::sleep(POLL).await,
                    Err(e) => {
                        tracing::error!(error = %e, "could not claim an evaluation run");
                        tokio::time::sleep(POLL * 4).await;
                    }
                }
            }
        });
    }

    async fn run(&self, run: EvaluationRow) {
        let id = run.id;
        // The lease is renewed while a question is being answered.
        let heartbeat = {
            let (store, owner) = (self.store.clone(), self.owner.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs((LEASE_SECS / 3) as u64)).await;
                    if !store
                        .renew_evaluation_lease(id, &owner, LEASE_SECS)
                        .await
                        .unwrap_or(false)
                    {
                        return;
                    }
                }
            })
        };
        let outcome = self.ask_all(&run).await;
        heartbeat.abort();
        let (status, message) = match outcome {
            Ok(Outcome::Done(message)) => ("completed", message),
            Ok(Outcome::Cancelled) => ("cancelled", None),
            Ok(Outcome::Lost) => return,
            Err(message) => ("failed", Some(message)),
        };
        if let Err(e) = self
            .store
            .finish_evaluation(id, &self.owner, status, message.as_deref())
            .await
        {
            tracing::error!(evaluation = id, error = %e, "could not end an evaluation run");
        }
        tracing::info!(evaluation = id, status, "evaluation run");
    }

    async fn ask_all(&self, run: &EvaluationRow) -> Result<Outcome, String> {
        let failed = |e: crate::error::Error| e.to_string();
        let mut agent = self
            .store
            .find_agent(run.organization_id, run.agent_id)
            .await
            .map_err(failed)?
            .ok_or("The agent was deleted.")?;
        // The model chosen for the run answers, whatever the agent uses now.
        if run.llm_config_id.is_some() {
            agent.llm_config_id = run.llm_config_id;
        }
        let configuration: ejento_api::RunConfiguration = serde_json::from_str(&run.configuration).unwrap_or_default();
        let judge_model = match &configuration.judge {
            Some(name) => Some(
                self.chat
                    .model(name)
                    .ok_or_else(|| format!("The judge model {name} is not configured on this server."))?,
            ),
            None => None,
        };
        // Answers the judge could not score, and its last complaint.
        let mut unjudged = (0, String::new());
        let user = self
            .store
            .users_in_org(run.organization_id, &[run.user_id])
            .await
            .map_err(failed)?
            .into_iter()
            .next()
            .ok_or("The person who started this run is no longer in the organization.")?;
        let metrics = self
            .store
            .list_metrics(run.organization_id, None)
            .await
            .map_err(failed)?;
        let metric = |name: &str| metrics.iter().find(|m| m.builtin() && m.name == name).map(|m| m.id);
        for q in self
            .store
            .unanswered_queries(run.id, run.dataset_id)
            .await
            .map_err(failed)?
        {
            if self.store.evaluation_cancel_requested(run.id).await.map_err(failed)? {
                return Ok(Outcome::Cancelled);
            }
            if !self
                .store
                .renew_evaluation_lease(run.id, &self.owner, LEASE_SECS)
                .await
                .map_err(failed)?
            {
                return Ok(Outcome::Lost);
            }
            let asker = Asker {
                organization_id: run.organization_id,
                user_id: user.id,
                by: &user.email,
            };
            let question = Question {
                query: &q.question,
                query_source: "evaluation",
                history: Vec::new(),
                only_corpora: None,
                caching: Some(false),
                thread_id: None,
                workflow_response_id: None,
                version_of: None,
                llm_config_id: None,
            };
            let job = agent_job(&self.store, &asker, &agent, &question)
                .await
                .map_err(failed)?;
            let response_id = job.response_id;
            let output = self
                .chat
                .spawn(job)
                .await
                .map_err(|e| format!("An answer stopped unexpectedly: {e}"))?;
            let passages: Vec<SupportingChunk> = self
                .store
                .response(run.organization_id, user.id, response_id)
                .await
                .map_err(failed)?
                .and_then(|r| r.supporting)
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            let sources: Vec<ResultSource> = passages
                .iter()
                .map(|p| ResultSource {
                    document_id: p.document_id,
                    title: p.document_title.clone(),
                    text: p.text.clone(),
                    score: p.score,
                })
                .collect();
            let texts: Vec<String> = passages.iter().map(|p| p.text.clone()).collect();
            let titles: Vec<String> = passages.iter().map(|p| p.document_title.clone()).collect();
            let expected_sources: Vec<String> = serde_json::from_str(&q.expected_sources).unwrap_or_default();
            let mut scores = Vec::new();
            let mut judge_spent = (0, "0".to_string());
            if output.success {
                for (name, score) in [
                    (
                        SIMILARITY,
                        metrics::answer_similarity(&output.answer, &q.expected_answer),
                    ),
                    (RELEVANCE, metrics::answer_relevance(&q.question, &output.answer)),
                    (FAITHFULNESS, metrics::faithfulness(&output.answer, &texts)),
                    (
                        RECALL,
                        metrics::context_recall(&expected_sources, &titles, &q.expected_answer, &texts),
                    ),
                ] {
                    if let (Some(metric), Some(score)) = (metric(name), score) {
                        scores.push((metric, (score * 1000.0).round() / 1000.0, String::new()));
                    }
                }
                if let Some(model) = &judge_model {
                    let case = judge::Case {
                        question: &q.question,
                        expected_answer: &q.expected_answer,
                        answer: &output.answer,
                        passages: &texts,
                    };
                    match judge::judge(model, &case).await {
                        Ok(judged) => {
                            judge_spent = (judged.tokens, judged.cost);
                            for (name, score, reason) in judged.scores {
                                if let Some(metric) = metric(name) {
                                    scores.push((metric, score, reason));
                                }
                            }
                        }
                        Err(message) => {
                            tracing::warn!(evaluation = run.id, query = q.id, %message, "the judge could not score an answer");
                            unjudged = (unjudged.0 + 1, message);
                        }
                    }
                }
            }
            let result = NewQueryResult {
                query_id: q.id,
                question: &q.question,
                expected_answer: &q.expected_answer,
                answer: &output.answer,
                sources: &sources,
                agent_response_id: Some(response_id),
                status: if output.success { "completed" } else { "failed" },
                prompt_tokens: output.prompt_tokens,
                completion_tokens: output.completion_tokens,
                total_tokens: output.total_tokens,
                cost: &output.cost,
                latency_ms: output.latency_ms,
                judge_tokens: judge_spent.0,
                judge_cost: &judge_spent.1,
                scores,
            };
            self.store
                .record_query_result(run.id, "system", &result)
                .await
                .map_err(failed)?;
        }
        Ok(Outcome::Done((unjudged.0 > 0).then(|| {
            format!(
                "The judge could not score {} answer(s); the last time: {}",
                unjudged.0, unjudged.1
            )
        })))
    }
}

enum Outcome {
    /// Every question answered; a note when the judge could not score some answers.
    Done(Option<String>),
    Cancelled,
    /// Another runner took the run over (this one was too slow to renew).
    Lost,
}
