//! An answerer for any endpoint that speaks the OpenAI chat-completions streaming protocol
//! (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp server). The system prompt is the agent's
//! prompt and instructions plus the numbered sources; the thread's history follows; tokens
//! stream back as they come. Errors and silences become a clear message, never a hang.

use std::time::Duration;

use ejento_api::SupportingChunk;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Answer, AnswerContext, AnswerError, AnswerFuture, Answerer, Emitter, count_tokens, local};

/// One configured model endpoint (`EJENTO_MODEL_DEPLOYMENTS`, a JSON list of these).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Deployment {
    /// The name agents choose it by (shown as the LLM configuration's model).
    pub name: String,
    /// e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`.
    pub base_url: String,
    pub model: String,
    /// The environment variable holding the API key (never the key itself).
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// USD per 1,000 prompt / completion tokens.
    #[serde(default)]
    pub input_price_per_1k: f64,
    #[serde(default)]
    pub output_price_per_1k: f64,
}

impl Deployment {
    /// A POST to `path` under the deployment's base URL with its key (Azure OpenAI reads
    /// `api-key`; the others `Authorization`), read from its variable at each request.
    pub fn post(&self, client: &reqwest::Client, path: &str) -> reqwest::RequestBuilder {
        let mut request = client.post(format!("{}/{path}", self.base_url.trim_end_matches('/')));
        if let Some(key) = self.api_key_env.as_deref().and_then(|v| std::env::var(v).ok()) {
            request = request.bearer_auth(&key).header("api-key", key);
        }
        request
    }
}

pub struct OpenAiAnswerer {
    deployment: Deployment,
    /// For the model endpoint only: operator configuration, so not guarded.
    client: reqwest::Client,
    /// For the tools the model calls, which users configure.
    outbound: crate::outbound::Outbound,
    /// Longest wait for the first byte and between two chunks.
    idle_timeout: Duration,
}

impl OpenAiAnswerer {
    pub fn new(deployment: Deployment, idle_timeout: Duration, outbound: crate::outbound::Outbound) -> Self {
        Self {
            deployment,
            client: reqwest::Client::new(),
            outbound,
            idle_timeout,
        }
    }

    fn messages(&self, ctx: &AnswerContext) -> Vec<Value> {
        let mut system = ctx.prompt.trim().to_string();
        if system.is_empty() {
            system = format!(
                "You are {}, an assistant that answers from the documents provided.",
                ctx.agent_name
            );
        }
        for i in &ctx.instructions {
            system.push_str(&format!("\n- {i}"));
        }
        system.push_str(
            "\n\nAnswer only from the numbered sources below. Cite every fact with its source number in square \
             brackets, like [1]. If the sources do not answer the question, say so.\n\nSources:\n",
        );
        if ctx.sources.is_empty() {
            system.push_str("(none found)\n");
        }
        for s in &ctx.sources {
            system.push_str(&format!("[{}] {}: {}\n", s.number, s.document_title, s.text.trim()));
        }
        if !ctx.tools.is_empty() {
            system.push_str(
                "\nYou may call the tools offered when the sources do not answer. A tool's answer starts with \
                 its source number in square brackets: cite it like the other sources.\n",
            );
        }
        let mut messages = vec![json!({"role": "system", "content": system})];
        for turn in &ctx.history {
            messages.push(json!({"role": "user", "content": turn.user}));
            messages.push(json!({"role": "assistant", "content": turn.bot}));
        }
        messages.push(json!({"role": "user", "content": ctx.query}));
        messages
    }

    /// USD for a call's tokens at the deployment's prices, a decimal string.
    pub fn cost(&self, prompt: i64, completion: i64) -> String {
        let usd = prompt as f64 / 1000.0 * self.deployment.input_price_per_1k
            + completion as f64 / 1000.0 * self.deployment.output_price_per_1k;
        let text = format!("{usd:.8}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text.is_empty() { "0".into() } else { text.to_string() }
    }

    fn timed_out(&self) -> AnswerError {
        AnswerError::Failed(format!(
            "The model endpoint ({}) did not answer within {} seconds.",
            self.deployment.name,
            self.idle_timeout.as_secs()
        ))
    }
}

impl OpenAiAnswerer {
    fn request(&self, body: &Value) -> reqwest::RequestBuilder {
        self.deployment.post(&self.client, "chat/completions").json(body)
    }

    /// One whole completion (not streamed), for work that reads the answer at once, such as
    /// judging: the text, and prompt and completion tokens. Errors are a readable sentence.
    pub async fn complete(&self, messages: Vec<Value>) -> Result<(String, i64, i64), String> {
        let v = self
            .once(&json!({"model": self.deployment.model, "messages": messages, "stream": false, "temperature": 0}))
            .await?;
        let name = &self.deployment.name;
        let text = v["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| format!("The model endpoint ({name}) answered without a message."))?
            .to_string();
        let prompt = v["usage"]["prompt_tokens"].as_i64().unwrap_or_else(|| {
            messages
                .iter()
                .map(|m| count_tokens(m["content"].as_str().unwrap_or("")))
                .sum()
        });
        let completion = v["usage"]["completion_tokens"]
            .as_i64()
            .unwrap_or_else(|| count_tokens(&text));
        Ok((text, prompt, completion))
    }

    /// One non-streamed chat completion: the whole JSON answer.
    async fn once(&self, body: &Value) -> Result<Value, String> {
        let request = self.request(body);
        let name = &self.deployment.name;
        let response = tokio::time::timeout(self.idle_timeout, request.send())
            .await
            .map_err(|_| {
                format!(
                    "The model endpoint ({name}) did not answer within {} seconds.",
                    self.idle_timeout.as_secs()
                )
            })?
            .map_err(|e| format!("The model endpoint ({name}) could not be reached: {}.", e.without_url()))?;
        let status = response.status();
        let body = tokio::time::timeout(self.idle_timeout, response.text())
            .await
            .map_err(|_| format!("The model endpoint ({name}) stopped in the middle of the answer."))?
            .map_err(|_| format!("The model endpoint ({name}) stopped in the middle of the answer."))?;
        if !status.is_success() {
            return Err(format!(
                "The model endpoint ({name}) answered {status}: {}",
                upstream_message(&body)
            ));
        }
        serde_json::from_str(&body)
            .map_err(|_| format!("The model endpoint ({name}) answered something that is not a chat completion."))
    }

    /// Offers the agent's tools (function calling) until the model stops calling them, at most
    /// [`MAX_TOOL_ROUNDS`] times. Each call and its outcome is a thought step; each answer is a
    /// numbered source. Returns the model's direct answer when it gave one instead of calling.
    async fn use_tools(
        &self,
        ctx: &AnswerContext,
        out: &mut Emitter,
        messages: &mut Vec<Value>,
        spent: &mut (i64, i64),
        tool_sources: &mut Vec<SupportingChunk>,
    ) -> Result<Option<String>, AnswerError> {
        let schemas: Vec<Value> = ctx.tools.iter().map(|t| t.schema()).collect();
        for round in 0..MAX_TOOL_ROUNDS {
            let v = self
                .once(
                    &json!({"model": self.deployment.model, "messages": messages, "stream": false,
                    "tools": schemas, "tool_choice": "auto"}),
                )
                .await
                .map_err(AnswerError::Failed)?;
            spent.0 += v["usage"]["prompt_tokens"].as_i64().unwrap_or(0);
            spent.1 += v["usage"]["completion_tokens"].as_i64().unwrap_or(0);
            let message = v["choices"][0]["message"].clone();
            let calls = message["tool_calls"].as_array().cloned().unwrap_or_default();
            if calls.is_empty() {
                // Answered without tools: that is the answer (on the first round; after tool
                // results the answer is streamed afresh with them).
                return Ok((round == 0).then(|| message["content"].as_str().unwrap_or_default().to_string()));
            }
            messages.push(message);
            for call in calls {
                let function = call["function"]["name"].as_str().unwrap_or_default();
                let arguments: Map<String, Value> =
                    serde_json::from_str(call["function"]["arguments"].as_str().unwrap_or("{}")).unwrap_or_default();
                let content = match ctx.tools.iter().find(|t| t.function_name() == function) {
                    None => format!("There is no tool named {function}."),
                    Some(tool) => {
                        out.thought(&format!(
                            "Calling {} with {}.\n",
                            tool.name,
                            Value::Object(arguments.clone())
                        ))
                        .await?;
                        let calling = std::time::Instant::now();
                        let called = tool.call(&self.outbound, &arguments).await;
                        let summary = match &called {
                            Ok(text) => format!("Answered {} characters.", text.chars().count()),
                            Err(why) => format!("Failed: {why}"),
                        };
                        let step = out.traced(calling, "tool", format!("Tool {}", tool.name), summary);
                        if called.is_err() {
                            step.status = "failed".into();
                        }
                        match called {
                            Ok(text) => {
                                let number = (ctx.sources.len() + tool_sources.len() + 1) as i64;
                                out.thought(&format!(
                                    "{} answered ({} characters): source [{number}].\n",
                                    tool.name,
                                    text.chars().count()
                                ))
                                .await?;
                                tool_sources.push(SupportingChunk {
                                    number,
                                    chunk_id: 0,
                                    document_id: 0,
                                    document_title: format!("{} (tool)", tool.name),
                                    corpus_id: 0,
                                    page: None,
                                    section: None,
                                    text: text.clone(),
                                    score: 1.0,
                                    web_address: None,
                                });
                                format!("[{number}] {text}")
                            }
                            Err(why) => {
                                out.thought(&format!("{} failed: {why}\n", tool.name)).await?;
                                format!("The tool failed: {why}")
                            }
                        }
                    }
                };
                messages.push(json!({"role": "tool", "tool_call_id": call["id"], "content": content}));
            }
        }
        Ok(None)
    }
}

/// Most rounds of tool calls before the model must answer.
const MAX_TOOL_ROUNDS: usize = 3;

/// The readable part of an error body: OpenAI's `{error: {message}}`, or the text itself.
pub(crate) fn upstream_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

impl Answerer for OpenAiAnswerer {
    fn answer<'a>(&'a self, ctx: &'a AnswerContext, out: &'a mut Emitter) -> AnswerFuture<'a> {
        Box::pin(async move {
            let mut messages = self.messages(ctx);
            let mut spent = (0, 0);
            let mut tool_sources = Vec::new();
            if !ctx.tools.is_empty()
                && let Some(direct) = self
                    .use_tools(ctx, out, &mut messages, &mut spent, &mut tool_sources)
                    .await?
            {
                for word in direct.split_inclusive(char::is_whitespace) {
                    out.token(word).await?;
                }
                let completion = count_tokens(&direct);
                return Ok(self.finish(ctx, out, (spent.0, spent.1.max(completion)), tool_sources));
            }
            let request = self.request(&json!({
                "model": self.deployment.model,
                "messages": messages,
                "stream": true,
                "stream_options": {"include_usage": true},
            }));
            let response = tokio::time::timeout(self.idle_timeout, request.send())
                .await
                .map_err(|_| self.timed_out())?
                .map_err(|e| {
                    AnswerError::Failed(format!(
                        "The model endpoint ({}) could not be reached: {}.",
                        self.deployment.name,
                        e.without_url()
                    ))
                })?;
            let status = response.status();
            if !status.is_success() {
                let body = response.text().await.unwrap_or_default();
                return Err(AnswerError::Failed(format!(
                    "The model endpoint ({}) answered {status}: {}",
                    self.deployment.name,
                    upstream_message(&body)
                )));
            }
            let mut stream = response.bytes_stream();
            let mut buffer = String::new();
            let mut usage: Option<(i64, i64)> = None;
            let mut done = false;
            while !done {
                let next = tokio::time::timeout(self.idle_timeout, stream.next())
                    .await
                    .map_err(|_| self.timed_out())?;
                let Some(piece) = next else { break };
                let piece = piece.map_err(|_| {
                    AnswerError::Failed(format!(
                        "The model endpoint ({}) stopped in the middle of the answer.",
                        self.deployment.name
                    ))
                })?;
                buffer.push_str(&String::from_utf8_lossy(&piece));
                // Server-sent events: one `data:` line per chunk, blank line between.
                while let Some(end) = buffer.find('\n') {
                    let line = buffer[..end].trim().to_string();
                    buffer.drain(..=end);
                    let Some(data) = line.strip_prefix("data:").map(str::trim) else {
                        continue;
                    };
                    if data == "[DONE]" {
                        done = true;
                        break;
                    }
                    let Ok(chunk) = serde_json::from_str::<Value>(data) else {
                        continue;
                    };
                    if let Some(message) = chunk["error"]["message"].as_str() {
                        return Err(AnswerError::Failed(format!(
                            "The model endpoint ({}) reported an error: {message}",
                            self.deployment.name
                        )));
                    }
                    if let Some(delta) = chunk["choices"][0]["delta"]["content"].as_str()
                        && !delta.is_empty()
                    {
                        // Stop pressed: returning drops the connection, which stops the model.
                        out.token(delta).await?;
                    }
                    if let (Some(p), Some(c)) = (
                        chunk["usage"]["prompt_tokens"].as_i64(),
                        chunk["usage"]["completion_tokens"].as_i64(),
                    ) {
                        usage = Some((p, c));
                    }
                }
            }
            if !done && out.answer.is_empty() {
                return Err(AnswerError::Failed(format!(
                    "The model endpoint ({}) closed the connection without an answer.",
                    self.deployment.name
                )));
            }
            let (prompt, completion) = usage.unwrap_or_else(|| {
                let prompt: i64 = messages
                    .iter()
                    .map(|m| count_tokens(m["content"].as_str().unwrap_or("")))
                    .sum();
                (prompt, count_tokens(&out.answer))
            });
            Ok(self.finish(ctx, out, (spent.0 + prompt, spent.1 + completion), tool_sources))
        })
    }
}

impl OpenAiAnswerer {
    /// The answer's parts once its text is out: citations (tool sources included), follow-ups,
    /// tokens and cost of every call it took.
    fn finish(
        &self,
        ctx: &AnswerContext,
        out: &Emitter,
        (prompt, completion): (i64, i64),
        tool_sources: Vec<SupportingChunk>,
    ) -> Answer {
        let cited = cited_numbers(&out.answer, (ctx.sources.len() + tool_sources.len()) as i64);
        Answer {
            followup_questions: local::followups(ctx, &cited),
            prompt_tokens: prompt,
            completion_tokens: completion,
            cost: self.cost(prompt, completion),
            cited,
            agent_mode: format!("openai-compatible:{}", self.deployment.name),
            cache_hit: false,
            tool_sources,
        }
    }
}

/// Source numbers an answer cites as `[n]`, in order of first use.
fn cited_numbers(answer: &str, sources: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut rest = answer;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        for part in after[..close].split(',') {
            if let Ok(n) = part.trim().parse::<i64>()
                && (1..=sources).contains(&n)
                && !out.contains(&n)
            {
                out.push(n);
            }
        }
        rest = &after[close..];
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn citations_are_read_from_the_answer() {
        assert_eq!(
            super::cited_numbers("A [2]. B [1, 3] and [9] [x] [2]", 3),
            vec![2, 1, 3]
        );
    }
}
