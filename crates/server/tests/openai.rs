//! The OpenAI-compatible answerer against a stand-in model server that speaks the real
//! chat-completions streaming protocol (a third-party service we cannot run here): a normal
//! answer with usage and cost, a slow one, an upstream error, a connection broken mid-answer,
//! a hang that times out, and Stop reaching the upstream as a disconnect.

mod common;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Json, body::Body, http::StatusCode, response::IntoResponse, routing::post};
use common::{Part, TestApp};
use futures_util::stream;
use serde_json::{Value, json};

#[derive(Clone, Default)]
struct Double {
    requests: Arc<Mutex<Vec<Value>>>,
    disconnected: Arc<AtomicBool>,
}

/// Sets `disconnected` when the response body is dropped before its end (the client left).
struct DropGuard(Arc<AtomicBool>, bool);

impl Drop for DropGuard {
    fn drop(&mut self) {
        if !self.1 {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

fn chunk(content: &str) -> String {
    let v = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "stand-in",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]});
    format!("data: {v}\n\n")
}

async fn completions(
    axum::extract::State(d): axum::extract::State<Double>,
    Json(body): Json<Value>,
) -> axum::response::Response {
    d.requests.lock().unwrap().push(body.clone());
    let question = body["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string();
    if question.contains("denied") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"message": "Invalid API key provided.", "type": "invalid_request_error"}})),
        )
            .into_response();
    }
    let (pieces, delay, then): (Vec<&str>, u64, &str) = if question.contains("slow") {
        (vec!["Refunds ", "take ", "10 days ", "[1]."], 300, "done")
    } else if question.contains("broken") {
        (vec!["Refunds ", "take "], 10, "break")
    } else if question.contains("hang") {
        (vec![], 0, "hang")
    } else if question.contains("lengthy") {
        (vec!["word "; 200], 100, "done")
    } else {
        (vec!["Refunds ", "take ", "10 business days ", "[1]."], 10, "done")
    };
    let guard = DropGuard(d.disconnected.clone(), false);
    let events = stream::unfold(
        (pieces.into_iter(), guard, 0u8),
        move |(mut it, mut guard, stage)| async move {
            if let Some(p) = it.next() {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                return Some((Ok::<_, std::io::Error>(chunk(p)), (it, guard, stage)));
            }
            match (then, stage) {
                ("hang", _) => {
                    std::future::pending::<()>().await;
                    None
                }
                ("break", 0) => Some((Err(std::io::Error::other("upstream crashed")), (it, guard, 1))),
                ("done", 0) => {
                    let usage = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
                    "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}});
                    Some((Ok(format!("data: {usage}\n\n")), (it, guard, 1)))
                }
                ("done", 1) => {
                    guard.1 = true;
                    Some((Ok("data: [DONE]\n\n".to_string()), (it, guard, 2)))
                }
                _ => None,
            }
        },
    );
    ([("content-type", "text/event-stream")], Body::from_stream(events)).into_response()
}

async fn stand_in() -> (String, Double) {
    let double = Double::default();
    let router = axum::Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(double.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, double)
}

/// A server whose agent answers with the stand-in model; returns (app, token, agent, double).
async fn setup() -> (TestApp, String, i64, Double) {
    let (url, double) = stand_in().await;
    let deployments = json!([{"name": "stand-in", "base_url": url, "model": "gpt-stand-in",
        "input_price_per_1k": 0.0025, "output_price_per_1k": 0.01}])
    .to_string();
    let app = TestApp::spawn_with(common::Backend::Sqlite, move |c| {
        c.model_deployments = deployments;
        c.llm_timeout_secs = 1;
    })
    .await
    .unwrap();
    let (token, _, _) = app.member("mo@example.com", "Mo Model").await;
    let agent = app.agent_in_new_project(&token, "Model Agent").await;
    let corpus = app
        .ok("GET", &format!("/api/v2/agents/{agent}/corpora"), &token, None)
        .await["items"]["agent_corpus"][0]["corpus_id"]
        .as_i64()
        .unwrap();
    let (_, body) = app
        .upload(
            corpus,
            &token,
            vec![Part::File(
                "source",
                "refunds.txt",
                b"Refunds take 10 business days.".to_vec(),
            )],
        )
        .await;
    app.settled(body["data"]["id"].as_i64().unwrap(), &token).await;
    let llms = app.ok("GET", "/api/v2/llm-configurations", &token, None).await;
    let llm = llms
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["provider"] == "openai-compatible")
        .expect("the deployment is offered to the organization")["id"]
        .clone();
    app.ok(
        "PUT",
        &format!("/api/v2/agents/{agent}/llm-configuration"),
        &token,
        Some(&json!({"llm_config_id": llm})),
    )
    .await;
    (app, token, agent, double)
}

async fn ask(app: &TestApp, token: &str, agent: i64, question: &str) -> Value {
    let (status, body) = app
        .call(
            "POST",
            &format!("/response-service/api/v2/agents/{agent}/responses"),
            token,
            Some(&json!({"user_query": question})),
        )
        .await;
    assert!(status == 200, "{status} {body}");
    body
}

#[tokio::test]
async fn answers_stream_from_the_model_with_sources_usage_and_cost() {
    let (app, token, agent, double) = setup().await;
    let body = ask(&app, &token, agent, "How long do refunds take? normal").await;
    let data = &body["data"];
    assert_eq!(data["answer"], "Refunds take 10 business days [1].");
    assert_eq!(data["references"][0]["title"], "refunds.txt");
    assert_eq!(data["prompt_tokens"], 1000, "usage reported by the model is used");
    assert_eq!(data["completion_tokens"], 500);
    assert_eq!(data["cost"], "0.0075", "1000 x 0.0025/1k + 500 x 0.01/1k");
    assert_eq!(data["agent_mode"], "openai-compatible:stand-in");
    let request = double.requests.lock().unwrap()[0].clone();
    assert_eq!(request["model"], "gpt-stand-in");
    assert_eq!(request["stream"], true);
    let system = request["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("[1] refunds.txt: Refunds take 10 business days."),
        "{system}"
    );
    // The next question carries the conversation.
    let thread = data["thread_id"].clone();
    let (status, _) = app
        .call(
            "POST",
            &format!("/response-service/api/v2/agents/{agent}/responses"),
            &token,
            Some(&json!({"user_query": "And partial refunds? slow", "chat_thread_id": thread})),
        )
        .await;
    assert_eq!(status, 200);
    let second = double.requests.lock().unwrap()[1].clone();
    let roles: Vec<&str> = second["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    // Each stored answer records the model configuration that made it (Ejento's `llm_config`).
    let llm = app.ok("GET", &format!("/api/v2/agents/{agent}"), &token, None).await["llm_config"]["id"].clone();
    assert!(llm.is_i64());
    let listed = app
        .ok(
            "GET",
            &format!("/api/v2/chat-threads/{thread}/agent-responses"),
            &token,
            None,
        )
        .await;
    let recorded: Vec<&Value> = listed["agent_responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["llm_config"])
        .collect();
    assert_eq!(recorded, [&llm, &llm], "{listed}");
}

#[tokio::test]
async fn upstream_errors_and_silences_become_clear_messages() {
    let (app, token, agent, _) = setup().await;
    let denied = ask(&app, &token, agent, "denied").await;
    assert_eq!(denied["data"]["success"], false);
    assert_eq!(denied["data"]["status"], "failed");
    assert!(
        denied["message"]
            .as_str()
            .unwrap()
            .contains("Invalid API key provided."),
        "{denied}"
    );
    let broken = ask(&app, &token, agent, "broken").await;
    assert_eq!(broken["data"]["status"], "failed");
    assert!(
        broken["message"].as_str().unwrap().contains("stopped in the middle"),
        "{broken}"
    );
    let started = std::time::Instant::now();
    let hung = ask(&app, &token, agent, "hang").await;
    assert_eq!(hung["data"]["status"], "failed");
    assert!(
        hung["message"]
            .as_str()
            .unwrap()
            .contains("did not answer within 1 seconds"),
        "{hung}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // The stream says so too, with an error event before the end.
    let res = app
        .client
        .post(app.url(&format!("/response-service/api/v2/agents/{agent}/responses/stream")))
        .bearer_auth(&token)
        .json(&json!({"user_query": "denied"}))
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    assert!(text.contains("event: error"), "{text}");
    assert!(text.contains("Invalid API key provided."));
}

#[tokio::test]
async fn stop_disconnects_from_the_model() {
    let (app, token, agent, double) = setup().await;
    let started = app
        .ok(
            "POST",
            &format!("/response-service/api/v2/agents/{agent}/responses/start"),
            &token,
            Some(&json!({"user_query": "lengthy"})),
        )
        .await;
    let id = started["agent_response_id"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(!double.disconnected.load(Ordering::SeqCst));
    app.ok(
        "POST",
        &format!("/response-service/api/v2/agent-responses/{id}/cancel"),
        &token,
        None,
    )
    .await;
    for _ in 0..50 {
        if double.disconnected.load(Ordering::SeqCst) {
            let r = app
                .ok("GET", &format!("/api/v2/agent-responses/{id}"), &token, None)
                .await;
            assert_eq!(r["status"], "cancelled");
            assert!(r["answer"].as_str().unwrap().starts_with("word "));
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the model never saw the disconnect");
}

#[tokio::test]
async fn people_choose_the_model_in_chat_where_the_agent_allows_it() {
    let (app, token, agent, double) = setup().await;
    let llms = app.ok("GET", "/api/v2/llm-configurations", &token, None).await;
    let local = llms
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["provider"] != "openai-compatible")
        .expect("the local answerer is offered")["id"]
        .as_i64()
        .unwrap();
    let path = format!("/response-service/api/v2/agents/{agent}/responses");
    let with_local = json!({"user_query": "How long do refunds take?", "overrides": {"llm_config_id": local}});
    // Not allowed by the agent: refused, nothing asked.
    let (status, body) = app.call("POST", &path, &token, Some(&with_local)).await;
    common::assert_error(status, &body, 422);
    assert!(body.to_string().contains("its Admins can let people choose"), "{body}");
    let updated = app
        .ok(
            "PUT",
            &format!("/api/v2/agents/{agent}"),
            &token,
            Some(&json!({"model_choice": true})),
        )
        .await;
    assert_eq!(updated["model_choice"], true);
    let history = app
        .ok("GET", &format!("/api/v2/agents/{agent}/history"), &token, None)
        .await;
    assert_eq!(history["history_records"][0]["model_choice"], true, "{history}");
    // Chosen: the local answerer answers instead of the agent's model, and says so.
    let asked_before = double.requests.lock().unwrap().len();
    let answer = app.ok("POST", &path, &token, Some(&with_local)).await;
    assert_eq!(answer["agent_mode"], "local", "{answer}");
    assert!(
        answer["answer"].as_str().unwrap().contains("10 business days"),
        "{answer}"
    );
    assert_eq!(
        double.requests.lock().unwrap().len(),
        asked_before,
        "the agent's model was not called"
    );
    // Without a choice, the agent's own model.
    let own = app
        .ok(
            "POST",
            &path,
            &token,
            Some(&json!({"user_query": "How long do refunds take? normal"})),
        )
        .await;
    assert_eq!(own["agent_mode"], "openai-compatible:stand-in");
    // A configuration that does not exist is refused.
    let (status, body) = app
        .call(
            "POST",
            &path,
            &token,
            Some(&json!({"user_query": "x", "overrides": {"llm_config_id": 987_654}})),
        )
        .await;
    common::assert_error(status, &body, 422);
}
