//! Generating answers. A response runs as its own task, detached from any HTTP connection: it
//! retrieves sources, asks an [`Answerer`], and persists every event as it is produced, so any
//! client on any replica can follow or resume it; the [`stream`] engine does the writing and
//! following, for workflow answers too.

pub mod local;
pub mod openai;
pub mod prepare;
pub mod stream;

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::Arc,
    time::{Duration, Instant},
};

use ejento_api::{GuardrailFinding, HistoryTurn, Reference, ResponseOutput, SupportingChunk, TracePassage, TraceStep};
use serde_json::{Value, json};

use self::stream::{AnswerKind, AnswerWriter, Said, StreamEngine};

use crate::{
    config::Config,
    guardrails::{Guards, OutputGuard},
    search::{Scope, sync::SearchSync},
    store::{FinishedResponse, Store},
    tools::SecretBox,
};

/// Tokens of a text as OpenAI's current models count them (o200k).
pub fn count_tokens(text: &str) -> i64 {
    tiktoken_rs::o200k_base_singleton().encode_ordinary(text).len() as i64
}

/// What an answerer works from.
#[derive(Debug, Clone)]
pub struct AnswerContext {
    pub query: String,
    pub agent_name: String,
    pub prompt: String,
    pub instructions: Vec<String>,
    pub history: Vec<HistoryTurn>,
    /// Retrieved passages, numbered from 1, best first.
    pub sources: Vec<SupportingChunk>,
    /// Tools the model may call (API and web search tools the agent is linked to).
    pub tools: Vec<crate::tools::RunnableTool>,
}

/// An answer's parts besides its streamed text.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub followup_questions: Vec<String>,
    /// Numbers of the sources the answer cites.
    pub cited: Vec<i64>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost: String,
    pub agent_mode: String,
    pub cache_hit: bool,
    /// What tools answered, as sources numbered after the retrieved ones.
    pub tool_sources: Vec<SupportingChunk>,
}

#[derive(Debug)]
pub enum AnswerError {
    /// The person pressed Stop.
    Cancelled,
    /// Something went wrong; the message is for the person who asked.
    Failed(String),
    /// A guardrail refused the question or the answer; the message says which and why.
    Blocked(String),
}

pub type AnswerFuture<'a> = Pin<Box<dyn Future<Output = Result<Answer, AnswerError>> + Send + 'a>>;

/// Turns a question and its sources into a streamed answer.
pub trait Answerer: Send + Sync {
    fn answer<'a>(&'a self, ctx: &'a AnswerContext, out: &'a mut Emitter) -> AnswerFuture<'a>;
}

pub struct ChatHub {
    store: Store,
    search: Arc<SearchSync>,
    answerer: Arc<dyn Answerer>,
    /// Configured model endpoints by name; agents whose model is one of them use it.
    deployments: HashMap<String, Arc<openai::OpenAiAnswerer>>,
    streams: Arc<StreamEngine>,
    secrets: Arc<SecretBox>,
    /// Where people reach this server (`EJENTO_PUBLIC_URL`), for absolute links to sources.
    public_url: String,
}

/// One response to generate.
#[derive(Debug, Clone)]
pub struct Job {
    pub response_id: i64,
    pub agent_id: i64,
    pub organization_id: i64,
    /// The agent chat thread; none for a step of a workflow's answer.
    pub thread_id: Option<i64>,
    pub corpus_ids: Vec<i64>,
    /// How many passages, found how, at least how relevant.
    pub retrieval: crate::search::Retrieval,
    /// The model deployment to answer with; `None`: the local answerer.
    pub deployment: Option<String>,
    /// Set when the agent caches answers: an earlier answer with the same key is reused.
    pub cache_key: Option<String>,
    pub context: AnswerContext,
    /// The API and web search tools the agent may call (enabled, linked, allowed by the flags).
    pub tool_rows: Vec<crate::store::ToolRow>,
    pub guard: JobGuard,
}

/// What the guardrails made of the question, and the ones that check the answer.
#[derive(Debug, Clone, Default)]
pub struct JobGuard {
    pub input_findings: Vec<GuardrailFinding>,
    /// Set when a guardrail refused the question: nothing is retrieved or generated.
    pub blocked: Option<String>,
    pub output: Guards,
}

/// Emits a response's events (through the stream engine: stored first, then followed).
pub struct Emitter {
    writer: AnswerWriter,
    started: Instant,
    pub answer: String,
    pub thoughts: String,
    first_token_ms: Option<i64>,
    /// The answer's guardrails: tokens pass through it before they are stored or sent.
    guard: Option<OutputGuard>,
    /// The steps taken so far, for the answer's trace.
    trace: Vec<TraceStep>,
}

impl Emitter {
    async fn event(&mut self, event: &'static str, data: Value, said: Said) -> Result<(), AnswerError> {
        self.writer
            .emit(event, data.to_string(), said)
            .await
            .map_err(|e| AnswerError::Failed(format!("The answer could not be saved: {e}")))
    }

    async fn check_cancelled(&self) -> Result<(), AnswerError> {
        // Stop pressed here, or on another replica (every few events, the database is asked).
        if self.writer.stop_requested(self.writer.seq() % 8 == 0).await {
            return Err(AnswerError::Cancelled);
        }
        Ok(())
    }

    /// Records a step of the trace that began at `began` and ends now.
    pub fn traced(
        &mut self,
        began: Instant,
        kind: &str,
        title: impl Into<String>,
        summary: impl Into<String>,
    ) -> &mut TraceStep {
        self.trace.push(TraceStep {
            kind: kind.to_string(),
            title: title.into(),
            started_ms: began.saturating_duration_since(self.started).as_millis() as i64,
            duration_ms: began.elapsed().as_millis() as i64,
            summary: summary.into(),
            status: "ok".into(),
            passages: Vec::new(),
            findings: Vec::new(),
            prompt_tokens: None,
            completion_tokens: None,
            cost: None,
            first_token_ms: None,
        });
        self.trace.last_mut().expect("just pushed")
    }

    pub async fn status(&mut self, step: &str, message: &str) -> Result<(), AnswerError> {
        self.event("status", json!({"step": step, "message": message}), Said::Nothing)
            .await
    }

    /// Thought-process text (`tools_stream`).
    pub async fn thought(&mut self, delta: &str) -> Result<(), AnswerError> {
        self.check_cancelled().await?;
        self.thoughts.push_str(delta);
        self.event(
            "token",
            json!({"step": "tools_stream", "delta": delta}),
            Said::Thought(delta.to_string()),
        )
        .await
    }

    /// Answer text (`assistant_stream`), checked by the answer's guardrails first.
    pub async fn token(&mut self, delta: &str) -> Result<(), AnswerError> {
        self.check_cancelled().await?;
        let checked;
        let delta = match &mut self.guard {
            Some(guard) => {
                checked = guard.push(delta).map_err(AnswerError::Blocked)?;
                if checked.is_empty() {
                    return Ok(());
                }
                checked.as_str()
            }
            None => delta,
        };
        self.send_token(delta).await
    }

    /// Releases what the guardrails still hold once the answer is complete.
    async fn flush(&mut self) -> Result<(), AnswerError> {
        let Some(guard) = &mut self.guard else { return Ok(()) };
        let rest = guard.finish().map_err(AnswerError::Blocked)?;
        if rest.is_empty() {
            return Ok(());
        }
        self.send_token(&rest).await
    }

    async fn send_token(&mut self, delta: &str) -> Result<(), AnswerError> {
        if self.first_token_ms.is_none() {
            self.first_token_ms = Some(self.started.elapsed().as_millis() as i64);
        }
        self.answer.push_str(delta);
        self.event(
            "token",
            json!({"step": "assistant_stream", "delta": delta}),
            Said::Answer(delta.to_string()),
        )
        .await
    }
}

impl ChatHub {
    pub fn new(
        store: Store,
        search: Arc<SearchSync>,
        config: Arc<Config>,
        deployments: Vec<openai::Deployment>,
        secrets: Arc<SecretBox>,
        outbound: crate::outbound::Outbound,
        streams: Arc<StreamEngine>,
    ) -> Arc<Self> {
        let timeout = Duration::from_secs(config.llm_timeout_secs.max(1));
        let deployments = deployments
            .into_iter()
            .map(|d| {
                let name = d.name.clone();
                (
                    name,
                    Arc::new(openai::OpenAiAnswerer::new(d, timeout, outbound.clone())),
                )
            })
            .collect();
        let answerer = Arc::new(local::LocalAnswerer::new(
            Duration::from_millis(config.local_token_delay_ms),
            search.embedder(),
        ));
        Arc::new(Self {
            store,
            search,
            answerer,
            deployments,
            streams,
            secrets,
            public_url: config.public_url.trim_end_matches('/').to_string(),
        })
    }

    /// The engine that writes and follows answers (workflow answers too).
    pub fn streams(&self) -> &Arc<StreamEngine> {
        &self.streams
    }

    /// Names of the configured model deployments.
    pub fn deployment_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.deployments.keys().cloned().collect();
        names.sort();
        names
    }

    /// A configured model endpoint by name (to judge answers with, for instance).
    pub fn model(&self, name: &str) -> Option<Arc<openai::OpenAiAnswerer>> {
        self.deployments.get(name).cloned()
    }

    /// Starts generating; the task runs to its end whoever listens. The handle yields the output.
    pub fn spawn(self: &Arc<Self>, job: Job) -> tokio::task::JoinHandle<ResponseOutput> {
        let hub = self.clone();
        self.streams
            .spawn((AnswerKind::Agent, job.response_id), move |writer| async move {
                hub.generate(job, writer).await
            })
    }

    async fn generate(&self, mut job: Job, writer: AnswerWriter) -> ResponseOutput {
        let mut out = Emitter {
            writer,
            started: Instant::now(),
            answer: String::new(),
            thoughts: String::new(),
            first_token_ms: None,
            trace: Vec::new(),
            guard: job
                .guard
                .output
                .runs_on(crate::guardrails::Direction::Output)
                .then(|| OutputGuard::new(job.guard.output.clone())),
        };
        let result = match self.run(&mut job, &mut out).await {
            Ok(answer) => out.flush().await.map(|()| answer),
            Err(e) => Err(e),
        };
        if let Some(guard) = &out.guard {
            let findings = guard.findings.clone();
            let blocked = matches!(&result, Err(AnswerError::Blocked(_)));
            let summary = match (&result, findings.len()) {
                (Err(AnswerError::Blocked(why)), _) => format!("Blocked: {why}"),
                (_, 0) => "Nothing found in the answer.".to_string(),
                (_, n) => ejento_api::text::count(n as u64, "finding", "findings"),
            };
            let step = out.traced(Instant::now(), "guardrails", "Answer guardrails", summary);
            step.findings = findings;
            if blocked {
                step.status = "blocked".into();
            }
        }
        let (status, success, message, answer) = match result {
            Ok(a) => ("completed", true, "Finished.".to_string(), a),
            Err(AnswerError::Cancelled) => ("cancelled", true, "Stopped.".to_string(), Answer::default()),
            Err(AnswerError::Failed(m)) => ("failed", false, m, Answer::default()),
            Err(AnswerError::Blocked(m)) => {
                // What was sent before the block stays out of the stored answer too.
                out.answer.clear();
                ("blocked", false, m, Answer::default())
            }
        };
        // Tool answers are sources too, numbered after the retrieved passages.
        job.context.sources.extend(answer.tool_sources.iter().cloned());
        let mut guardrail_findings = job.guard.input_findings.clone();
        if let Some(guard) = &out.guard {
            guardrail_findings.extend(guard.findings.iter().cloned());
        }
        if status == "failed" || status == "blocked" {
            let _ = out
                .event(
                    "error",
                    json!({"step": "error", "message": message, "delta": "", "output": {"error": {"details": message}, "blocked": status == "blocked"}}),
                    Said::Nothing,
                )
                .await;
        }
        let title = match job.thread_id {
            Some(thread) => self
                .store
                .name_thread(thread, &thread_title(&job.context.query))
                .await
                .unwrap_or_default(),
            None => String::new(),
        };
        let references: Vec<Reference> = job
            .context
            .sources
            .iter()
            .filter(|s| answer.cited.contains(&s.number))
            .enumerate()
            .map(|(i, s)| Reference {
                number: s.number,
                url: match (&s.web_address, s.document_id) {
                    (Some(page), _) => page.clone(),
                    (None, 0) => String::new(),
                    (None, document) => format!("{}/documents/{document}", self.public_url),
                },
                order: i as i64 + 1,
                document_id: s.document_id,
                chunk_id: s.chunk_id,
                title: s.document_title.clone(),
            })
            .collect();
        let output = ResponseOutput {
            answer: out.answer.clone(),
            sources: references
                .iter()
                .map(|r| format!("[{}] {}", r.number, r.title))
                .collect::<Vec<_>>()
                .join("\n"),
            followup_questions: answer.followup_questions,
            indexes: job.corpus_ids.iter().map(|c| format!("corpus-{c}")).collect(),
            query: job.context.query.clone(),
            total_tokens: answer.prompt_tokens + answer.completion_tokens,
            prompt_tokens: answer.prompt_tokens,
            completion_tokens: answer.completion_tokens,
            cache_hit: answer.cache_hit,
            history: job.context.history.clone(),
            prompt_prefix: job.context.prompt.clone(),
            instructions: job.context.instructions.clone(),
            agent_mode: match (answer.agent_mode.is_empty(), &job.deployment) {
                (false, _) => answer.agent_mode,
                (true, Some(name)) => format!("openai-compatible:{name}"),
                (true, None) => "local".into(),
            },
            references,
            success,
            corpus_ids: job.corpus_ids.clone(),
            run_id: uuid::Uuid::new_v4().to_string(),
            chat_thread_name: title,
            thread_id: job.thread_id.unwrap_or_default(),
            agent_response_id: job.response_id,
            chatlog_id: job.response_id,
            guardrail_triggered: !guardrail_findings.is_empty(),
            blocked: status == "blocked",
            guardrail_findings,
            status: status.to_string(),
            message: (!success).then(|| message.clone()),
            cost: if answer.cost.is_empty() {
                "0".into()
            } else {
                answer.cost
            },
            latency_ms: out.started.elapsed().as_millis() as i64,
            first_token_ms: out.first_token_ms,
        };
        let supporting = serde_json::to_string(&job.context.sources).unwrap_or_else(|_| "[]".into());
        let trace = serde_json::to_string(&out.trace).unwrap_or_else(|_| "[]".into());
        let finished = FinishedResponse {
            trace_json: &trace,
            status,
            answer: &out.answer,
            output: &output,
            supporting_json: &supporting,
            thoughts: &out.thoughts,
            latency_ms: output.latency_ms,
            first_token_ms: output.first_token_ms,
        };
        if let Err(e) = self.store.finish_response(job.response_id, &finished).await {
            tracing::error!(response = job.response_id, error = %e, "could not record a finished response");
        }
        let _ = out
            .event(
                "end",
                json!({"step": "end", "success": success, "message": message, "output": output}),
                Said::Nothing,
            )
            .await;
        output
    }

    async fn run(&self, job: &mut Job, out: &mut Emitter) -> Result<Answer, AnswerError> {
        out.event(
            "start",
            json!({"step": "start", "message": "Analyzing..."}),
            Said::Nothing,
        )
        .await?;
        if let Some(why) = &job.guard.blocked {
            let step = out.traced(
                Instant::now(),
                "guardrails",
                "Question guardrails",
                format!("Blocked: {why}"),
            );
            step.status = "blocked".into();
            step.findings = job.guard.input_findings.clone();
            out.status("guardrail", why).await?;
            return Err(AnswerError::Blocked(why.clone()));
        }
        if !job.guard.input_findings.is_empty() {
            let n = job.guard.input_findings.len() as u64;
            let step = out.traced(
                Instant::now(),
                "guardrails",
                "Question guardrails",
                format!("{} in the question.", ejento_api::text::count(n, "finding", "findings")),
            );
            step.findings = job.guard.input_findings.clone();
        }
        for finding in &job.guard.input_findings {
            out.thought(&format!(
                "Guardrail “{}”: {} in the question.\n",
                finding.guardrail_name, finding.message
            ))
            .await?;
        }
        if let Some(answer) = self.answer_from_cache(job, out).await? {
            return Ok(answer);
        }
        out.status("retrieval_start", "Searching the agent's documents").await?;
        let searching = Instant::now();
        let corpora = job.corpus_ids.len();
        out.thought(&format!(
            "Searching {corpora} {} for “{}”.\n",
            if corpora == 1 { "corpus" } else { "corpora" },
            job.context.query
        ))
        .await?;
        let scope = Scope {
            organization_id: job.organization_id,
            corpus_ids: job.corpus_ids.clone(),
        };
        let found = self
            .search
            .retrieve(&scope, &job.context.query, job.retrieval)
            .await
            .map_err(|e| AnswerError::Failed(format!("Searching the documents failed: {e}")))?;
        let passages: Vec<TracePassage> = found
            .iter()
            .enumerate()
            .map(|(i, c)| TracePassage {
                number: i as i64 + 1,
                document_id: c.document_id,
                document_title: c.document_title.clone(),
                score: c.score,
                keyword_rank: c.keyword_rank,
                vector_rank: c.vector_rank,
            })
            .collect();
        job.context.sources = found
            .into_iter()
            .enumerate()
            .map(|(i, c)| SupportingChunk {
                number: i as i64 + 1,
                chunk_id: c.chunk_id,
                document_id: c.document_id,
                document_title: c.document_title,
                corpus_id: c.corpus_id,
                page: c.page,
                section: c.section,
                text: c.text,
                score: c.score,
                web_address: c.web_address,
            })
            .collect();
        let mut titles: Vec<&str> = Vec::new();
        for s in &job.context.sources {
            if !titles.contains(&s.document_title.as_str()) {
                titles.push(&s.document_title);
            }
        }
        let found_line = if job.context.sources.is_empty() {
            "Found nothing relevant.\n".to_string()
        } else {
            format!(
                "Found {} passages in {} {}: {}.\n",
                job.context.sources.len(),
                titles.len(),
                if titles.len() == 1 { "document" } else { "documents" },
                titles.join(", ")
            )
        };
        let r = job.retrieval;
        let summary = format!(
            "{} of at most {} passages from {} {}, {}{}.",
            passages.len(),
            r.limit,
            corpora,
            if corpora == 1 { "corpus" } else { "corpora" },
            match (r.mode.uses_meaning(), self.search.embedding_model()) {
                (true, None) => "by keywords (this server has no embedding model)",
                _ => r.mode.label(),
            },
            if r.min_relevance > 0.0 {
                format!(", relevance at least {:.2}", r.min_relevance)
            } else {
                String::new()
            }
        );
        out.traced(searching, "retrieval", "Retrieval", summary).passages = passages;
        out.thought(&found_line).await?;
        if job.deployment.is_some() {
            // Secrets are opened only now, for the call.
            job.context.tools = job
                .tool_rows
                .iter()
                .filter_map(|row| crate::tools::runnable(row, &self.secrets))
                .collect();
            if !job.context.tools.is_empty() {
                let names: Vec<&str> = job.context.tools.iter().map(|t| t.name.as_str()).collect();
                out.thought(&format!("Tools at hand: {}.\n", names.join(", "))).await?;
            }
        }
        out.status("assistant_start", "Writing the answer").await?;
        let answerer = match &job.deployment {
            Some(name) => self.model(name).map(|m| m as Arc<dyn Answerer>).ok_or_else(|| {
                AnswerError::Failed(format!("The model deployment {name} is not configured on this server."))
            })?,
            None => self.answerer.clone(),
        };
        let writing = Instant::now();
        let result = answerer.answer(&job.context, out).await;
        let model = match &job.deployment {
            Some(name) => format!("Model {name}"),
            None => "Local extractive answerer".to_string(),
        };
        let first_token_ms = out.first_token_ms;
        let (summary, status) = match &result {
            Ok(_) => (format!("Wrote {} characters.", out.answer.chars().count()), "ok"),
            Err(AnswerError::Cancelled) => ("Stopped.".to_string(), "failed"),
            Err(AnswerError::Failed(why)) | Err(AnswerError::Blocked(why)) => (why.clone(), "failed"),
        };
        let step = out.traced(writing, "model", model, summary);
        step.status = status.into();
        step.first_token_ms = first_token_ms;
        if let Ok(a) = &result {
            step.prompt_tokens = Some(a.prompt_tokens);
            step.completion_tokens = Some(a.completion_tokens);
            step.cost = Some(if a.cost.is_empty() { "0".into() } else { a.cost.clone() });
        }
        result
    }
}

impl ChatHub {
    /// The same question to the same agent over the same documents: the earlier answer again,
    /// streamed at once, with its sources; no model is called, nothing is spent.
    async fn answer_from_cache(&self, job: &mut Job, out: &mut Emitter) -> Result<Option<Answer>, AnswerError> {
        let Some(key) = &job.cache_key else { return Ok(None) };
        let looking = Instant::now();
        let Ok(Some((answer, output, supporting))) = self.store.cached_answer(job.agent_id, key, job.response_id).await
        else {
            return Ok(None);
        };
        let Ok(output) = serde_json::from_str::<ResponseOutput>(&output) else {
            return Ok(None);
        };
        job.context.sources = serde_json::from_str(&supporting).unwrap_or_default();
        out.traced(
            looking,
            "cache",
            "Cache",
            "Answered from the cache: the same question over the same documents; no model was called.",
        );
        out.thought("Answered from the cache: the same question over the same documents.\n")
            .await?;
        for word in answer.split_inclusive(char::is_whitespace) {
            out.token(word).await?;
        }
        Ok(Some(Answer {
            followup_questions: output.followup_questions,
            cited: output.references.iter().map(|r| r.number).collect(),
            prompt_tokens: 0,
            completion_tokens: 0,
            cost: "0".into(),
            agent_mode: output.agent_mode,
            cache_hit: true,
            tool_sources: Vec::new(),
        }))
    }
}

/// A thread's name from its first question.
pub fn thread_title(query: &str) -> String {
    let q = query.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut title: String = q.chars().take(60).collect();
    if q.chars().count() > 60 {
        title.push('…');
    }
    title
}
