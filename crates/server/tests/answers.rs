//! One suite for both kinds of answer (an agent's, a workflow's): they share one stream engine,
//! so they must behave the same when followed, replayed, resumed, stopped and ended.

mod common;

use common::{TestApp, assert_error, parse_sse, resume_and_wait_for_close};
use serde_json::{Value, json};

type Events = Vec<(Option<i64>, String, Value)>;

/// How a client starts, reads and stops one kind of answer.
struct Kind {
    name: &'static str,
    start: String,
    id_field: &'static str,
    /// `/…/{id}/cancel`, without the id.
    stop: &'static str,
    /// The step of the tokens that carry the answer.
    answer_step: &'static str,
}

async fn kinds(app: &TestApp, token: &str) -> [Kind; 2] {
    let agent = app
        .agent_with_document(
            token,
            "Policy",
            "refunds.md",
            "# Refund policy\n\nRefunds are paid back within 14 days to the original card. \
             The finance team approves refunds above 500 EUR.\n",
        )
        .await;
    let project = app.ok("GET", &format!("/api/v2/agents/{agent}"), token, None).await["project"]
        .as_i64()
        .unwrap();
    let workflow = app
        .ok(
            "POST",
            "/api/v2/workflows",
            token,
            Some(&json!({"name": "Desk", "project_id": project, "agent_ids": [agent], "supervisor_type": "Router"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    [
        Kind {
            name: "agent answer",
            start: format!("/response-service/api/v2/agents/{agent}/responses/start"),
            id_field: "agent_response_id",
            stop: "/response-service/api/v2/agent-responses",
            answer_step: "assistant_stream",
        },
        Kind {
            name: "workflow answer",
            start: format!("/response-service/api/v2/workflows/{workflow}/responses/start"),
            id_field: "workflow_response_id",
            stop: "/response-service/api/v2/workflow-responses",
            answer_step: "agent_stream",
        },
    ]
}

/// The answer as stored (and listed): an agent answer by its id, a workflow answer in its
/// thread's list (the API has no single-answer read for those).
async fn stored(app: &TestApp, kind: &Kind, token: &str, started: &Value) -> Value {
    let id = started[kind.id_field].as_i64().unwrap();
    if kind.id_field == "agent_response_id" {
        return app
            .ok("GET", &format!("/api/v2/agent-responses/{id}"), token, None)
            .await;
    }
    let thread = started["thread_id"].as_i64().unwrap();
    let listed = app
        .ok(
            "GET",
            &format!("/api/v2/workflow-chat-threads/{thread}/workflow-responses"),
            token,
            None,
        )
        .await;
    listed["workflow_responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("answer {id} is listed in its thread: {listed}"))
}

fn said(events: &Events, step: &str) -> String {
    events
        .iter()
        .filter(|(_, name, data)| name == "token" && data["step"] == step)
        .map(|(_, _, data)| data["delta"].as_str().unwrap().to_string())
        .collect()
}

/// Starts an answer of `kind`: (what the start returned, the answer's id, its events URL).
async fn start(app: &TestApp, kind: &Kind, token: &str, question: &str) -> (Value, i64, String) {
    let started = app
        .ok("POST", &kind.start, token, Some(&json!({"user_query": question})))
        .await;
    let id = started[kind.id_field].as_i64().unwrap();
    let url = started["events_url"].as_str().unwrap().to_string();
    (started, id, url)
}

both_backends!(
    agent_and_workflow_answers_follow_replay_resume_stop_and_end_alike,
    |app: TestApp| async move {
        let (token, _, _) = app.member("suite@example.com", "Sue Suite").await;
        for kind in kinds(&app, &token).await {
            let name = kind.name;
            // Followed to its end: ids 1, 2, 3, … without a gap, ending with `end`.
            let (started, id, url) = start(&app, &kind, &token, "How long do refunds take?").await;
            let events = app.events(&url, None).await;
            let ids: Vec<i64> = events.iter().map(|(id, _, _)| id.unwrap()).collect();
            assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>(), "{name}: {events:?}");
            let (end_id, end_name, end) = events.last().unwrap();
            assert_eq!(end_name, "end", "{name}");
            assert_eq!(end["output"]["status"], "completed", "{name}: {end}");
            // Replayed from the start after the end: the same events, then it closes.
            assert_eq!(app.events(&url, None).await, events, "{name}: a replay is exact");
            // Resumed in the middle: exactly the rest.
            let middle = ids.len() as i64 / 2;
            assert_eq!(
                app.events(&url, Some(middle)).await,
                events[middle as usize..].to_vec(),
                "{name}: a resume is exact"
            );
            // Resumed after `end`: closed at once, nothing sent.
            let rest = resume_and_wait_for_close(&app, &url, end_id.unwrap()).await;
            assert!(parse_sse(&rest).is_empty(), "{name}: {rest}");
            // The stored answer is the streamed one; stopping an ended answer is a 409.
            let stored = stored(&app, &kind, &token, &started).await;
            assert_eq!(stored["status"], "completed", "{name}: {stored}");
            assert_eq!(stored["answer"], end["output"]["answer"], "{name}");
            let (status, body) = app
                .call("POST", &format!("{}/{id}/cancel", kind.stop), &token, None)
                .await;
            assert_error(status, &body, 409);
        }
    }
);

both_backends!(
    agent_and_workflow_answers_stop_alike_and_keep_what_was_said,
    tweak = |c: &mut ejento_server::Config| c.local_token_delay_ms = 30,
    |app: TestApp| async move {
        let (token, _, _) = app.member("stop@example.com", "Stu Stop").await;
        for kind in kinds(&app, &token).await {
            let name = kind.name;
            let (started, id, url) =
                start(&app, &kind, &token, "How long do refunds take and who approves them?").await;
            // What was said so far is stored with the events that said it: a page that lists
            // the answer mid-way shows it.
            let mut partial = Value::Null;
            for _ in 0..400 {
                partial = stored(&app, &kind, &token, &started).await;
                if !partial["answer"].as_str().unwrap_or_default().is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            assert_eq!(
                partial["status"], "streaming",
                "{name}: stopped in the middle: {partial}"
            );
            assert!(!partial["answer"].as_str().unwrap().is_empty(), "{name}: {partial}");
            app.ok("POST", &format!("{}/{id}/cancel", kind.stop), &token, None)
                .await;
            let events = app.events(&url, None).await;
            let end = &events.last().unwrap().2;
            assert_eq!(end["output"]["status"], "cancelled", "{name}: {end}");
            let said = said(&events, kind.answer_step);
            assert!(!said.is_empty(), "{name}: some words were said before Stop");
            assert!(said.len() < 120, "{name}: it stopped early: {said}");
            let stored = stored(&app, &kind, &token, &started).await;
            assert_eq!(stored["status"], "cancelled", "{name}");
            assert_eq!(
                stored["answer"],
                said.as_str(),
                "{name}: the stored answer is what was sent"
            );
            assert_eq!(end["output"]["answer"], said.as_str(), "{name}: and so is the end's");
            let (status, body) = app
                .call("POST", &format!("{}/{id}/cancel", kind.stop), &token, None)
                .await;
            assert_error(status, &body, 409);
        }
    }
);
