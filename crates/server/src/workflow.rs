//! Answering with a workflow. The planner splits a question that asks several things into
//! subqueries; the supervisor decides which agents answer (Router: the one whose documents
//! match best, per subquery; Consolidator: all of them; Dynamic: Router when one agent's
//! documents clearly match best, Consolidator otherwise, and says which). Every agent step is
//! an ordinary agent response (its own retrieval, model, cache, cost and analytics), streamed
//! into the workflow's events as `agent_stream` tokens with the agent named; a Consolidator
//! then merges the answers, each part attributed and the citations renumbered across agents,
//! as `consolidator_stream` tokens. Events are persisted before readers are woken, so any
//! replica can follow or resume an answer, like agent responses.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use futures_util::StreamExt;

use ejento_api::{HistoryTurn, Reference, ResponseOutput, SupervisorType, WorkflowOutput, WorkflowStep};
use serde_json::{Value, json};

use crate::{
    chat::{
        ChatHub,
        prepare::{Asker, Question, agent_job},
        stream::{AnswerKind, AnswerWriter, Followed, Said, SaidState},
        thread_title,
    },
    search::{Scope, sync::SearchSync},
    store::{
        AgentRow, FinishedWorkflowResponse, Store,
        analytics::{cost_nanos, format_cost},
    },
};

/// At most this many parts of one question are routed separately.
const MAX_SUBQUERIES: usize = 4;

/// A workflow answer to generate.
#[derive(Debug, Clone)]
pub struct WorkflowJob {
    pub response_id: i64,
    pub thread_id: i64,
    pub organization_id: i64,
    pub user_id: i64,
    pub by: String,
    pub supervisor: SupervisorType,
    /// The workflow's agents, in its order.
    pub agents: Vec<AgentRow>,
    pub query: String,
    pub query_source: String,
    pub history: Vec<HistoryTurn>,
}

pub struct WorkflowHub {
    store: Store,
    search: Arc<SearchSync>,
    chat: Arc<ChatHub>,
}

/// Why an answer stopped early.
enum Stop {
    Cancelled,
    Failed(String),
}

/// Writes a workflow answer's events (through the stream engine: stored first, then followed),
/// and keeps its text as the engine stores it: the agents' answers as they stream, replaced by
/// the consolidated answer when there is one. A stopped or failed answer keeps what was said.
struct Out {
    writer: AnswerWriter,
    said: SaidState,
}

impl Out {
    async fn event(&mut self, event: &'static str, data: Value, said: Said) -> Result<(), Stop> {
        self.writer
            .emit(event, data.to_string(), said.clone())
            .await
            .map_err(|e| Stop::Failed(format!("The answer could not be saved: {e}")))?;
        self.said.apply(&said);
        Ok(())
    }

    async fn status(&mut self, step: &str, message: &str, extra: Value) -> Result<(), Stop> {
        let mut data = json!({"step": step, "message": message});
        if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
            data.extend(extra);
        }
        self.event("status", data, Said::Nothing).await
    }

    /// Stop pressed here, or (when `ask_database`) on another server.
    async fn check_cancelled(&self, ask_database: bool) -> Result<(), Stop> {
        if self.writer.stop_requested(ask_database).await {
            return Err(Stop::Cancelled);
        }
        Ok(())
    }
}

/// The planner: a question that asks several things (several sentences ending in `?`, each of
/// a few words) becomes one subquery per question; anything else stays whole.
pub fn plan(query: &str) -> Vec<String> {
    let parts: Vec<String> = query
        .split_inclusive('?')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let asks = parts
        .iter()
        .filter(|p| p.ends_with('?') && p.split_whitespace().count() >= 3)
        .count();
    if asks >= 2 && asks == parts.len() {
        parts.into_iter().take(MAX_SUBQUERIES).collect()
    } else {
        vec![query.trim().to_string()]
    }
}

/// Dynamic's choice: Router when the best agent's documents match clearly better than the
/// next one's (at least twice as well, or nothing else matches), else Consolidator.
pub fn dynamic_choice(scores: &[f64]) -> SupervisorType {
    let mut sorted: Vec<f64> = scores.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    match sorted.as_slice() {
        [best] if *best > 0.0 => SupervisorType::Router,
        [best, second, ..] if *best > 0.0 && (*second <= 0.0 || *best >= 2.0 * second) => SupervisorType::Router,
        _ => SupervisorType::Consolidator,
    }
}

/// The agents Dynamic asks when it combines: those whose documents match at least half as
/// well as the best one's. An agent whose documents do not match is not asked (its answer
/// would only say so, or quote something beside the point); when none match, the first is.
pub fn dynamic_agents(scores: &[f64]) -> Vec<usize> {
    let best = scores.iter().copied().fold(0.0_f64, f64::max);
    if best <= 0.0 {
        return vec![0];
    }
    (0..scores.len())
        .filter(|&i| scores[i] > 0.0 && scores[i] * 2.0 >= best)
        .collect()
}

/// Names joined for a sentence: "A", "A and B", "A, B and C".
fn names(list: &[&str]) -> String {
    match list {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `text` with every citation `[n]` renumbered by `map` (unknown numbers are left alone).
pub fn renumber(text: &str, map: &HashMap<i64, i64>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if close > 0 && after[..close].chars().all(|c| c.is_ascii_digit()) => {
                let n: i64 = after[..close].parse().unwrap_or(-1);
                match map.get(&n) {
                    Some(m) => out.push_str(&format!("[{m}]")),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What one agent step produced.
struct Step {
    agent: usize,
    question: String,
    output: ResponseOutput,
}

impl WorkflowHub {
    pub fn new(store: Store, search: Arc<SearchSync>, chat: Arc<ChatHub>) -> Arc<Self> {
        Arc::new(Self { store, search, chat })
    }

    /// Starts answering; the task runs to its end whoever listens. The handle yields the output.
    pub fn spawn(self: &Arc<Self>, job: WorkflowJob) -> tokio::task::JoinHandle<WorkflowOutput> {
        let hub = self.clone();
        self.chat
            .streams()
            .spawn((AnswerKind::Workflow, job.response_id), move |writer| async move {
                hub.generate(job, writer).await
            })
    }

    async fn generate(&self, job: WorkflowJob, writer: AnswerWriter) -> WorkflowOutput {
        let started = Instant::now();
        let mut out = Out {
            writer,
            said: SaidState::default(),
        };
        let subqueries = plan(&job.query);
        let mut steps = Vec::new();
        let result = self.run(&job, &subqueries, &mut out, &mut steps).await;
        let (status, success, message) = match &result {
            Ok(()) => ("completed", true, "Finished.".to_string()),
            Err(Stop::Cancelled) => ("cancelled", true, "Stopped.".to_string()),
            Err(Stop::Failed(m)) => ("failed", false, m.clone()),
        };
        if let Err(Stop::Failed(m)) = &result {
            let _ = out
                .event(
                    "error",
                    json!({"step": "error", "message": m, "delta": "", "output": {"error": {"details": m}, "blocked": false}}),
                    Said::Nothing,
                )
                .await;
        }
        let thread_name = self
            .store
            .name_workflow_thread(job.thread_id, &thread_title(&job.query))
            .await
            .unwrap_or_default();
        let (references, _) = merged_references(&steps);
        let mut agents_used: Vec<String> = Vec::new();
        for s in &steps {
            let name = &job.agents[s.agent].agent_name;
            if !agents_used.contains(name) {
                agents_used.push(name.clone());
            }
        }
        let nanos: i128 = steps.iter().map(|s| cost_nanos(&s.output.cost) as i128).sum();
        let output = WorkflowOutput {
            answer: out.said.text.clone(),
            thread_id: job.thread_id,
            thread_name,
            workflow_response_id: job.response_id,
            supervisor_type: job.supervisor,
            agents_used,
            sources: references
                .iter()
                .map(|r| format!("[{}] {}", r.number, r.title))
                .collect::<Vec<_>>()
                .join("\n"),
            references,
            subqueries,
            steps: steps
                .iter()
                .map(|s| WorkflowStep {
                    agent_id: job.agents[s.agent].id,
                    agent_name: job.agents[s.agent].agent_name.clone(),
                    agent_response_id: s.output.agent_response_id,
                    question: s.question.clone(),
                    answer: s.output.answer.clone(),
                    status: s.output.status.clone(),
                })
                .collect(),
            success,
            status: status.to_string(),
            message: (!success).then(|| message.clone()),
            prompt_tokens: steps.iter().map(|s| s.output.prompt_tokens).sum(),
            completion_tokens: steps.iter().map(|s| s.output.completion_tokens).sum(),
            total_tokens: steps.iter().map(|s| s.output.total_tokens).sum(),
            cost: format_cost(nanos),
        };
        let finished = FinishedWorkflowResponse {
            status,
            output: &output,
        };
        if let Err(e) = self.store.finish_workflow_response(job.response_id, &finished).await {
            tracing::error!(response = job.response_id, error = %e, "could not record a finished workflow answer");
        }
        tracing::info!(
            response = job.response_id,
            status,
            steps = steps.len(),
            ms = started.elapsed().as_millis() as u64,
            "workflow answer"
        );
        let _ = out
            .event(
                "end",
                json!({"step": "end", "success": success, "message": message, "output": output}),
                Said::Nothing,
            )
            .await;
        output
    }

    async fn run(
        &self,
        job: &WorkflowJob,
        subqueries: &[String],
        out: &mut Out,
        steps: &mut Vec<Step>,
    ) -> Result<(), Stop> {
        out.event(
            "start",
            json!({"step": "start", "message": "Analyzing..."}),
            Said::Nothing,
        )
        .await?;
        if job.agents.is_empty() {
            return Err(Stop::Failed(
                "This workflow has no agents left (they were deleted): edit it to add some.".into(),
            ));
        }
        let planned = if subqueries.len() > 1 {
            format!(
                "The question asks {} things; each is routed on its own.",
                subqueries.len()
            )
        } else {
            "One question.".to_string()
        };
        out.status("planner_start", &planned, json!({"subqueries": subqueries}))
            .await?;
        // Who answers when answers are combined: every agent, or for Dynamic the matching ones.
        let mut combined: Vec<usize> = (0..job.agents.len()).collect();
        let supervisor = match job.supervisor {
            SupervisorType::Dynamic => {
                let scores = self.relevance(job, &job.query).await?;
                let choice = dynamic_choice(&scores);
                let why = match choice {
                    SupervisorType::Router => "one agent's documents match clearly best, so it answers".to_string(),
                    _ => {
                        combined = dynamic_agents(&scores);
                        let asked: Vec<&str> = combined.iter().map(|&i| job.agents[i].agent_name.as_str()).collect();
                        let skipped: Vec<&str> = (0..job.agents.len())
                            .filter(|i| !combined.contains(i))
                            .map(|i| job.agents[i].agent_name.as_str())
                            .collect();
                        let mut why = if scores.iter().all(|s| *s <= 0.0) {
                            format!("no agent's documents match the question, so {} answers", names(&asked))
                        } else if asked.len() == 1 {
                            format!("only {}'s documents match, so it answers", names(&asked))
                        } else {
                            format!(
                                "the documents of {} match about equally, so they answer and their answers are combined",
                                names(&asked)
                            )
                        };
                        if !skipped.is_empty() && scores.iter().any(|s| *s > 0.0) {
                            why.push_str(&format!(
                                "; {} not asked: their documents do not match",
                                names(&skipped)
                            ));
                        }
                        why
                    }
                };
                out.status(
                    "supervisor_decision",
                    &format!("Dynamic supervisor chose {}: {why}.", choice.as_str()),
                    json!({
                        "supervisor": choice.as_str(),
                        "agent_ids": combined.iter().map(|&i| job.agents[i].id).collect::<Vec<_>>(),
                        "scores": scores,
                    }),
                )
                .await?;
                choice
            }
            other => other,
        };
        // (agent, question) pairs, in the order they are asked.
        let mut plan: Vec<(usize, String)> = Vec::new();
        if supervisor == SupervisorType::Router {
            for sub in subqueries {
                let scores = self.relevance(job, sub).await?;
                let (best, score) = scores
                    .iter()
                    .enumerate()
                    .fold((0, f64::MIN), |acc, (i, s)| if *s > acc.1 { (i, *s) } else { acc });
                let name = &job.agents[best].agent_name;
                let why = if score > 0.0 {
                    format!("Routing “{sub}” to {name}: its documents match best.")
                } else {
                    format!("No agent's documents match “{sub}”; asking {name}, the first.")
                };
                out.status(
                    "router_start",
                    &why,
                    json!({"agent_id": job.agents[best].id, "agent_name": name, "question": sub}),
                )
                .await?;
                plan.push((best, sub.clone()));
            }
        } else {
            for &i in &combined {
                plan.push((i, job.query.clone()));
            }
        }
        for (agent, question) in plan {
            out.check_cancelled(true).await?;
            let output = self.ask(job, agent, &question, out).await?;
            steps.push(Step {
                agent,
                question,
                output,
            });
        }
        if steps.iter().all(|s| !s.output.success) {
            let reason = steps
                .first()
                .and_then(|s| s.output.message.clone())
                .unwrap_or_else(|| "No agent could answer.".into());
            return Err(Stop::Failed(reason));
        }
        let (_, maps) = merged_references(steps);
        if supervisor == SupervisorType::Router && steps.len() == 1 {
            out.said.text = renumber(&steps[0].output.answer, &maps[0]);
            return Ok(());
        }
        let header = if supervisor == SupervisorType::Router {
            "Combining the answers to each part."
        } else {
            "Combining the agents' answers, each attributed."
        };
        out.status("consolidator_start", header, json!({"answers": steps.len()}))
            .await?;
        let mut merged = String::new();
        for (i, s) in steps.iter().enumerate() {
            let name = &job.agents[s.agent].agent_name;
            let part = if s.output.success {
                renumber(&s.output.answer, &maps[i])
            } else {
                format!(
                    "_could not answer: {}_",
                    s.output.message.clone().unwrap_or_else(|| "it failed".into())
                )
            };
            let title = if supervisor == SupervisorType::Router {
                format!("**{}** ({name})", s.question)
            } else {
                format!("**{name}**")
            };
            if !merged.is_empty() {
                merged.push_str("\n\n");
            }
            merged.push_str(&format!("{title}\n\n{}", part.trim()));
        }
        for word in merged.split_inclusive(char::is_whitespace) {
            // Stop pressed here is seen at once; on another server, within a few words.
            out.check_cancelled(out.writer.seq() % 8 == 0).await?;
            out.event(
                "token",
                json!({"step": "consolidator_stream", "delta": word}),
                Said::Final(word.to_string()),
            )
            .await?;
        }
        Ok(())
    }

    /// How well each agent's documents match `question`: the summed scores of its best passages.
    async fn relevance(&self, job: &WorkflowJob, question: &str) -> Result<Vec<f64>, Stop> {
        let mut scores = Vec::with_capacity(job.agents.len());
        for agent in &job.agents {
            let corpus_ids = self
                .store
                .enabled_corpus_ids(agent.id)
                .await
                .map_err(|e| Stop::Failed(format!("Reading the agents' corpora failed: {e}")))?;
            let scope = Scope {
                organization_id: job.organization_id,
                corpus_ids,
            };
            // Matched on what the question is about: "the" and "of" match every agent a little.
            // By words: BM25 sums compare across agents, where fused scores (scaled per
            // search) would not.
            let about = crate::search::content_terms(question).join(" ");
            if about.is_empty() {
                scores.push(0.0);
                continue;
            }
            let found = self
                .search
                .retrieve(
                    &scope,
                    &about,
                    crate::search::Retrieval::new(5, ejento_api::RetrievalMode::Keyword),
                )
                .await
                .map_err(|e| Stop::Failed(format!("Searching the documents failed: {e}")))?;
            scores.push(found.iter().map(|c| f64::from(c.score)).sum());
        }
        Ok(scores)
    }

    /// One agent step: an agent response of its own, its answer tokens forwarded as
    /// `agent_stream`. Stop is passed on to it.
    async fn ask(
        &self,
        job: &WorkflowJob,
        agent: usize,
        question: &str,
        out: &mut Out,
    ) -> Result<ResponseOutput, Stop> {
        let row = &job.agents[agent];
        out.status(
            "agent_start",
            &format!("Asking {}.", row.agent_name),
            json!({"agent_id": row.id, "agent_name": row.agent_name, "question": question}),
        )
        .await?;
        let asker = Asker {
            organization_id: job.organization_id,
            user_id: job.user_id,
            by: &job.by,
        };
        let q = Question {
            query: question,
            query_source: &job.query_source,
            history: job.history.clone(),
            only_corpora: None,
            caching: None,
            thread_id: None,
            workflow_response_id: Some(job.response_id),
            version_of: None,
            llm_config_id: None,
        };
        let child_job = agent_job(&self.store, &asker, row, &q)
            .await
            .map_err(|e| Stop::Failed(format!("{} could not be asked: {e}", row.agent_name)))?;
        let child = child_job.response_id;
        let handle = self.chat.spawn(child_job);
        // The step's events come from memory as the engine stores them (it runs here).
        let mut events = std::pin::pin!(self.chat.streams().follow((AnswerKind::Agent, child), 0));
        let mut stopped = false;
        let mut quiet = 0u32;
        loop {
            let next = tokio::time::timeout(Duration::from_millis(500), events.next()).await;
            let followed = match next {
                Ok(Some(followed)) => followed,
                // The step's end was forwarded.
                Ok(None) => break,
                Err(_) => {
                    // Stop pressed while the step is quiet (waiting on its model); the database
                    // is asked every few seconds, for a Stop pressed on another server.
                    quiet += 1;
                    if !stopped && out.check_cancelled(quiet.is_multiple_of(4)).await.is_err() {
                        stopped = true;
                        let _ = self.chat.streams().stop((AnswerKind::Agent, child)).await;
                    }
                    continue;
                }
            };
            let (_, name, data) = match followed {
                Followed::Event(row) => row,
                Followed::Lost(e) => {
                    return Err(Stop::Failed(format!("Reading {}'s answer failed: {e}", row.agent_name)));
                }
            };
            let Ok(data) = serde_json::from_str::<Value>(&data) else {
                continue;
            };
            if name == "token"
                && data["step"] == "assistant_stream"
                && let Some(delta) = data["delta"].as_str()
            {
                out.event(
                    "token",
                    json!({"step": "agent_stream", "delta": delta, "agent_id": row.id, "agent_name": row.agent_name}),
                    Said::Answer(delta.to_string()),
                )
                .await?;
                if !stopped && out.check_cancelled(out.writer.seq() % 8 == 0).await.is_err() {
                    stopped = true;
                    let _ = self.chat.streams().stop((AnswerKind::Agent, child)).await;
                }
            }
        }
        let output = handle
            .await
            .map_err(|e| Stop::Failed(format!("{} stopped unexpectedly: {e}", row.agent_name)))?;
        if stopped {
            return Err(Stop::Cancelled);
        }
        Ok(output)
    }
}

/// The references of all steps numbered one after another, and per step the map from its own
/// numbers to the merged ones.
fn merged_references(steps: &[Step]) -> (Vec<Reference>, Vec<HashMap<i64, i64>>) {
    let mut all = Vec::new();
    let mut maps = Vec::with_capacity(steps.len());
    for s in steps {
        let mut map = HashMap::new();
        for r in &s.output.references {
            let number = all.len() as i64 + 1;
            map.insert(r.number, number);
            all.push(Reference {
                number,
                order: number,
                ..r.clone()
            });
        }
        maps.push(map);
    }
    (all, maps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_planner_splits_only_several_real_questions() {
        assert_eq!(plan("How long do refunds take?"), ["How long do refunds take?"]);
        assert_eq!(
            plan("How long do refunds take? Where do parcels leave from?"),
            ["How long do refunds take?", "Where do parcels leave from?"]
        );
        // A fragment is not a question of its own.
        assert_eq!(plan("Refunds? How long do they take?").len(), 1);
        assert_eq!(plan("Tell me about refunds. How long?").len(), 1);
        let many = "What is a? What is b? What is c? What is d? What is e?";
        assert_eq!(plan(many).len(), MAX_SUBQUERIES);
    }

    #[test]
    fn dynamic_routes_only_a_clear_winner() {
        assert_eq!(dynamic_choice(&[9.0, 1.0]), SupervisorType::Router);
        assert_eq!(dynamic_choice(&[0.0, 3.0]), SupervisorType::Router);
        assert_eq!(dynamic_choice(&[5.0, 4.0]), SupervisorType::Consolidator);
        assert_eq!(dynamic_choice(&[0.0, 0.0]), SupervisorType::Consolidator);
        assert_eq!(dynamic_choice(&[2.0]), SupervisorType::Router);
    }

    #[test]
    fn dynamic_combines_only_the_agents_whose_documents_match() {
        assert_eq!(dynamic_agents(&[5.0, 4.0, 0.0, 1.0]), vec![0, 1]);
        assert_eq!(dynamic_agents(&[0.0, 0.0, 0.0]), vec![0]);
        assert_eq!(dynamic_agents(&[3.0, 3.0]), vec![0, 1]);
        assert_eq!(names(&["A", "B", "C"]), "A, B and C");
    }

    #[test]
    fn citations_are_renumbered_and_other_brackets_kept() {
        let map = HashMap::from([(1, 3), (2, 4)]);
        assert_eq!(
            renumber("Refunds take 5 days [1][2]; see [x] and [9] and [].", &map),
            "Refunds take 5 days [3][4]; see [x] and [9] and []."
        );
        assert_eq!(renumber("no citations [", &map), "no citations [");
    }
}
