//! A stand-in for an OpenAI-compatible model server (a third-party service we cannot run
//! here), speaking the real chat-completions protocol, streamed and not. It behaves like a
//! small, obedient model, so tests can see a prompt change change the answers:
//! - asked to answer (streamed), it quotes the first sentence of source [1] with its number,
//!   unless the system prompt says "Say only that it depends", then it answers "It depends [1].";
//! - asked to judge (not streamed), it replies with a fenced JSON object scoring an answer that
//!   hedges ("It depends") 0.1 on every criterion and any other 0.9;
//! - offered tools (function calling), it calls the first one, every required argument set to
//!   the last word of the question; given tool results, it answers by quoting the last one with
//!   its source number ("[2] Sunny" → "The tool says: Sunny [2].").
//!
//! Used by the server tests and, through `#[path]`, by the browser tests.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::{Json, body::Body, response::IntoResponse, routing::post};
use serde_json::{Value, json};

#[derive(Clone, Default)]
pub struct ReadingModel {
    /// Every request body received, in order.
    pub requests: Arc<Mutex<Vec<Value>>>,
}

impl ReadingModel {
    /// Requests that were judgements (not streamed).
    pub fn judgements(&self) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r["stream"] != true)
            .count()
    }
}

/// Starts the stand-in on a free port; its base URL (`…/v1`) and its record.
pub async fn start() -> (String, ReadingModel) {
    let model = ReadingModel::default();
    let router = axum::Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(model.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, model)
}

/// `EJENTO_MODEL_DEPLOYMENTS` naming the stand-in `reader`.
pub fn deployments(url: &str) -> String {
    json!([{"name": "reader", "base_url": url, "model": "reader-1",
        "input_price_per_1k": 0.001, "output_price_per_1k": 0.002}])
    .to_string()
}

fn content(body: &Value, role: &str) -> String {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["role"] == role)
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first sentence (of four words or more: not a heading) of the source numbered [1] in the
/// system prompt, which runs from its `[1] title: ` line to the next source.
fn first_source_sentence(system: &str) -> Option<String> {
    let start = system.find("\n[1] ")? + 1;
    let block = &system[start..];
    let block = &block[..block.find("\n[2] ").unwrap_or(block.len())];
    let text = block.split_once(": ")?.1;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.split_whitespace().count() >= 4)?;
    let end = line.find(". ").map(|i| i + 1).unwrap_or(line.len());
    Some(line[..end].trim_end_matches('.').to_string())
}

fn chunk(content: &str) -> String {
    let v = json!({"id": "chatcmpl-r", "object": "chat.completion.chunk", "model": "reader-1",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]});
    format!("data: {v}\n\n")
}

async fn completions(
    axum::extract::State(model): axum::extract::State<ReadingModel>,
    Json(body): Json<Value>,
) -> axum::response::Response {
    model.requests.lock().unwrap().push(body.clone());
    let system = content(&body, "system");
    let tool_result = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .find(|m| m["role"] == "tool")
        .and_then(|m| m["content"].as_str())
        .map(|c| match c.strip_prefix('[').and_then(|r| r.split_once("] ")) {
            Some((n, text)) => format!("The tool says: {} [{n}].", text.trim_end_matches('.')),
            None => format!("The tool says: {c}"),
        });
    if body["tools"].as_array().is_some_and(|t| !t.is_empty()) {
        let message = match &tool_result {
            Some(answer) => json!({"role": "assistant", "content": answer}),
            None => {
                let function = &body["tools"][0]["function"];
                let question = content(&body, "user");
                let word = question
                    .split_whitespace()
                    .last()
                    .unwrap_or_default()
                    .trim_matches(|c: char| !c.is_alphanumeric());
                let args: serde_json::Map<String, Value> = function["parameters"]["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str())
                    .map(|p| (p.to_string(), json!(word)))
                    .collect();
                json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": function["name"], "arguments": Value::Object(args).to_string()}}]})
            }
        };
        return Json(json!({"id": "chatcmpl-t", "object": "chat.completion", "model": "reader-1",
            "choices": [{"index": 0, "message": message, "finish_reason": if tool_result.is_some() { "stop" } else { "tool_calls" }}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}}))
        .into_response();
    }
    if body["stream"] != true {
        let user = content(&body, "user");
        let answer = user.split("Answer to score:").nth(1).unwrap_or_default();
        let score = if answer.contains("It depends") { 0.1 } else { 0.9 };
        let verdict = json!({"answer_similarity": score, "answer_relevance": score, "faithfulness": score,
            "context_recall": score, "reason": if score < 0.5 { "The answer hedges." } else { "The answer is supported." }});
        let reply = format!("```json\n{verdict}\n```");
        return Json(
            json!({"id": "chatcmpl-j", "object": "chat.completion", "model": "reader-1",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 200, "completion_tokens": 40, "total_tokens": 240}}),
        )
        .into_response();
    }
    let answer = if let Some(answer) = tool_result {
        answer
    } else if system.contains("Say only that it depends") {
        "It depends [1].".to_string()
    } else {
        match first_source_sentence(&system) {
            Some(sentence) => format!("{sentence} [1]."),
            None => "The documents do not say.".to_string(),
        }
    };
    let mut events: Vec<String> = answer.split_inclusive(' ').map(chunk).collect();
    let usage = json!({"id": "chatcmpl-r", "object": "chat.completion.chunk", "choices": [],
        "usage": {"prompt_tokens": 300, "completion_tokens": 20, "total_tokens": 320}});
    events.push(format!("data: {usage}\n\n"));
    events.push("data: [DONE]\n\n".to_string());
    (
        [("content-type", "text/event-stream")],
        Body::from_stream(futures_util::stream::iter(
            events.into_iter().map(Ok::<_, std::io::Error>),
        )),
    )
        .into_response()
}
