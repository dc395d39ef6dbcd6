//! Asking agents over HTTP: the blocking answer, the POST SSE stream, EventSource-style
//! following with tickets and Last-Event-ID, Stop, and generation that outlives its client.

mod common;

use common::{TestApp, assert_error, parse_sse};
use serde_json::{Value, json};
use sqlx::Connection;

/// An agent whose default corpus holds a refund policy, indexed.
async fn agent_with_policy(app: &TestApp, token: &str) -> i64 {
    app.agent_with_document(
        token,
        "Billing Helper",
        "refunds.md",
        "# Refund policy\n\nRefunds are paid back within 10 business days. Refunds above 500 EUR need the billing \
         lead's approval.\n\n# Shipping\n\nParcels leave Rotterdam every morning.\n",
    )
    .await
}

async fn make_public(app: &TestApp, token: &str, agent: i64) {
    app.ok(
        "PUT",
        &format!("/api/v2/agents/{agent}/access"),
        token,
        Some(&json!({"access": "Public"})),
    )
    .await;
}

fn answer_of(events: &[(Option<i64>, String, Value)]) -> String {
    events
        .iter()
        .filter(|(_, _, d)| d["step"] == "assistant_stream")
        .map(|(_, _, d)| d["delta"].as_str().unwrap())
        .collect()
}

both_backends!(
    a_blocking_answer_quotes_the_documents_with_citations,
    |app: TestApp| async move {
        let (token, _, _) = app.member("ana@example.com", "Ana Asker").await;
        let agent = agent_with_policy(&app, &token).await;
        let data = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &token,
                Some(
                    &json!({"user_query": "How long do refunds take?", "chat_thread_id": null, "query_source": "web"}),
                ),
            )
            .await;
        let answer = data["answer"].as_str().unwrap();
        assert!(
            answer.contains("Refunds are paid back within 10 business days. [1]"),
            "{answer}"
        );
        assert_eq!(data["references"][0]["number"], 1);
        assert_eq!(data["references"][0]["title"], "refunds.md");
        assert_eq!(data["success"], true);
        assert_eq!(data["chat_thread_name"], "How long do refunds take?");
        assert!(data["total_tokens"].as_i64().unwrap() > 0);
        for field in [
            "sources",
            "followup_questions",
            "indexes",
            "query",
            "cache_hit",
            "history",
            "prompt_prefix",
            "instructions",
            "agent_mode",
            "corpus_ids",
            "run_id",
            "thread_id",
            "agent_response_id",
        ] {
            assert!(!data[field].is_null(), "{field} missing: {data}");
        }
        let thread = data["thread_id"].as_i64().unwrap();
        // A second question in the same thread sees the first as history.
        let second = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &token,
                Some(&json!({"user_query": "Where do parcels leave from?", "chat_thread_id": thread})),
            )
            .await;
        assert_eq!(second["history"][0]["user"], "How long do refunds take?");
        assert_eq!(
            second["chat_thread_name"], "How long do refunds take?",
            "the thread keeps its first name"
        );
        let listed = app
            .ok(
                "GET",
                &format!("/api/v2/chat-threads/{thread}/agent-responses"),
                &token,
                None,
            )
            .await;
        assert_eq!(listed["meta"]["count"], 2);
        assert_eq!(listed["agent_responses"][0]["status"], "completed");
        // A page past the end is empty and still counts the conversation.
        let past = app
            .ok(
                "GET",
                &format!("/api/v2/chat-threads/{thread}/agent-responses?page=3&items_per_page=1"),
                &token,
                None,
            )
            .await;
        assert_eq!(
            (past["agent_responses"].clone(), past["meta"]["count"].clone()),
            (json!([]), json!(2))
        );
        let id = data["agent_response_id"].as_i64().unwrap();
        let supporting = app
            .ok(
                "GET",
                &format!("/api/v2/agent-responses/{id}/supporting-content"),
                &token,
                None,
            )
            .await;
        assert!(supporting[0]["text"].as_str().unwrap().contains("Refunds"));
        let thoughts = app
            .ok("GET", &format!("/api/v2/agent-responses/{id}/thoughts"), &token, None)
            .await;
        assert!(
            thoughts["thoughts"].as_str().unwrap().contains("Searching 1 corpus"),
            "{thoughts}"
        );
        // Nothing relevant: it says so instead of inventing.
        let none = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &token,
                Some(&json!({"user_query": "What is the capital of France?"})),
            )
            .await;
        assert!(
            none["answer"]
                .as_str()
                .unwrap()
                .starts_with("The documents this agent can read do not cover that"),
            "stop words shared with the refund policy do not make it relevant: {none}"
        );
        assert_eq!(none["references"], json!([]));
        // Bad input.
        let (status, body) = app
            .call(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &token,
                Some(&json!({"user_query": "  "})),
            )
            .await;
        assert_error(status, &body, 422);
        let (other, _, _) = app.member("oli@example.com", "Oli Other").await;
        let (status, _) = app
            .call(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &other,
                Some(&json!({"user_query": "hi", "chat_thread_id": thread})),
            )
            .await;
        assert!(status == 403 || status == 404, "someone else's thread: {status}");
    }
);

both_backends!(the_post_stream_sends_events_in_order, |app: TestApp| async move {
    let (token, _, _) = app.member("sid@example.com", "Sid Stream").await;
    let agent = agent_with_policy(&app, &token).await;
    let res = app
        .client
        .post(app.url(&format!("/response-service/api/v2/agents/{agent}/responses/stream")))
        .bearer_auth(&token)
        .header("accept", "text/event-stream")
        .json(&json!({"user_query": "Who approves large refunds?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert_eq!(res.headers()["x-accel-buffering"], "no");
    let events = parse_sse(&res.text().await.unwrap());
    let names: Vec<&str> = events.iter().map(|(_, e, _)| e.as_str()).collect();
    assert_eq!(names.first(), Some(&"start"));
    assert_eq!(names.last(), Some(&"end"));
    let ids: Vec<i64> = events.iter().map(|(id, _, _)| id.unwrap()).collect();
    assert_eq!(
        ids,
        (1..=events.len() as i64).collect::<Vec<_>>(),
        "every event has the next id"
    );
    let first_thought = events.iter().position(|(_, _, d)| d["step"] == "tools_stream").unwrap();
    let first_token = events
        .iter()
        .position(|(_, _, d)| d["step"] == "assistant_stream")
        .unwrap();
    assert!(first_thought < first_token, "thoughts come before the answer");
    assert!(
        events
            .iter()
            .filter(|(_, _, d)| d["step"] == "assistant_stream")
            .count()
            > 5,
        "streamed word by word"
    );
    let end = &events.last().unwrap().2;
    assert_eq!(end["success"], true);
    assert_eq!(end["step"], "end");
    let output = &end["output"];
    assert_eq!(output["answer"].as_str().unwrap(), answer_of(&events));
    assert!(output["answer"].as_str().unwrap().contains("billing lead"), "{output}");
    for field in [
        "agent_response_id",
        "thread_id",
        "chat_thread_name",
        "followup_questions",
        "references",
        "guardrail_triggered",
        "blocked",
    ] {
        assert!(!output[field].is_null(), "{field} missing: {output}");
    }
});

both_backends!(
    eventsource_follows_resumes_and_checks_tickets,
    |app: TestApp| async move {
        let (token, _, _) = app.member("eve@example.com", "Eve Events").await;
        let agent = agent_with_policy(&app, &token).await;
        let started = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses/start"),
                &token,
                Some(&json!({"user_query": "How long do refunds take?", "query_source": "web"})),
            )
            .await;
        let url = started["events_url"].as_str().unwrap().to_string();
        let id = started["agent_response_id"].as_i64().unwrap();
        // No Authorization header: the ticket in the URL is enough (EventSource cannot send headers).
        let all = app.events(&url, None).await;
        assert_eq!(all.last().unwrap().1, "end");
        let middle = all.len() as i64 / 2;
        let rest = app
            .client
            .get(app.url(&url))
            .header("Last-Event-ID", middle.to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let rest = parse_sse(&rest);
        assert_eq!(rest.len(), all.len() - middle as usize, "exactly the missed events");
        assert_eq!(rest[0].0, Some(middle + 1));
        assert_eq!(
            rest.iter().map(|e| &e.2).collect::<Vec<_>>(),
            all[middle as usize..].iter().map(|e| &e.2).collect::<Vec<_>>()
        );
        // A ticket is bound to its response; a forged or missing one is refused.
        let other = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses/start"),
                &token,
                Some(&json!({"user_query": "Shipping?"})),
            )
            .await;
        let other_ticket = other["events_url"]
            .as_str()
            .unwrap()
            .split("ticket=")
            .nth(1)
            .unwrap()
            .to_string();
        for bad in [
            format!("/response-service/api/v2/agent-responses/{id}/events?ticket={other_ticket}"),
            format!("/response-service/api/v2/agent-responses/{id}/events?ticket=not-a-ticket"),
            format!("/response-service/api/v2/agent-responses/{id}/events"),
        ] {
            let res = app.client.get(app.url(&bad)).send().await.unwrap();
            assert_eq!(res.status(), 401, "{bad}");
        }
        // Resuming after `end` closes at once, with nothing to replay.
        let end_id = all.last().unwrap().0.unwrap();
        let after_end = common::resume_and_wait_for_close(&app, &url, end_id).await;
        assert!(parse_sse(&after_end).is_empty(), "{after_end}");
        // A ticket dies with the sign-in that asked for it.
        app.ok("POST", "/auth-service/api/v2/users/logout", &token, None).await;
        let res = app.client.get(app.url(&url)).send().await.unwrap();
        assert_eq!(res.status(), 401, "a signed-out ticket is refused");
    }
);

#[tokio::test]
async fn stop_ends_the_answer_and_keeps_what_was_said() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.local_token_delay_ms = 100)
        .await
        .unwrap();
    let (token, _, _) = app.member("sto@example.com", "Sto Stopper").await;
    let agent = agent_with_policy(&app, &token).await;
    let started = app
        .ok(
            "POST",
            &format!("/response-service/api/v2/agents/{agent}/responses/start"),
            &token,
            Some(&json!({"user_query": "How long do refunds take and who approves them?"})),
        )
        .await;
    let id = started["agent_response_id"].as_i64().unwrap();
    // Let the first words out (one every 100 ms), then stop.
    for _ in 0..100 {
        let r = app
            .ok("GET", &format!("/api/v2/agent-responses/{id}"), &token, None)
            .await;
        assert_eq!(r["status"], "streaming", "{r}");
        let thoughts = app
            .ok("GET", &format!("/api/v2/agent-responses/{id}/thoughts"), &token, None)
            .await;
        if !thoughts["thoughts"].as_str().unwrap_or_default().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(450)).await;
    app.ok(
        "POST",
        &format!("/response-service/api/v2/agent-responses/{id}/cancel"),
        &token,
        None,
    )
    .await;
    let events = app.events(started["events_url"].as_str().unwrap(), None).await;
    let end = &events.last().unwrap().2;
    assert_eq!(end["output"]["status"], "cancelled", "{end}");
    let said = answer_of(&events);
    assert!(!said.is_empty(), "some words were said before Stop");
    let full = "Here is what the documents say:";
    assert!(said.len() < 200, "it stopped early: {said}");
    assert!(full.starts_with(said.trim_end()) || said.starts_with(full), "{said}");
    let stored = app
        .ok("GET", &format!("/api/v2/agent-responses/{id}"), &token, None)
        .await;
    assert_eq!(stored["status"], "cancelled");
    assert_eq!(stored["answer"], said);
    let (status, body) = app
        .call(
            "POST",
            &format!("/response-service/api/v2/agent-responses/{id}/cancel"),
            &token,
            None,
        )
        .await;
    assert_error(status, &body, 409);
}

#[tokio::test]
async fn a_client_that_goes_away_does_not_stop_the_answer() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.local_token_delay_ms = 20)
        .await
        .unwrap();
    let (token, _, _) = app.member("gone@example.com", "Gone Away").await;
    let agent = agent_with_policy(&app, &token).await;
    let mut res = app
        .client
        .post(app.url(&format!("/response-service/api/v2/agents/{agent}/responses/stream")))
        .bearer_auth(&token)
        .json(&json!({"user_query": "How long do refunds take?"}))
        .send()
        .await
        .unwrap();
    let first = res.chunk().await.unwrap().unwrap();
    let first = String::from_utf8_lossy(&first).to_string();
    let id: i64 = first
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(id, 1);
    drop(res);
    let threads = app
        .ok("GET", &format!("/api/v2/agents/{agent}/chat-threads"), &token, None)
        .await;
    let thread = threads["chat_threads"][0]["id"].as_i64().unwrap();
    for _ in 0..100 {
        let list = app
            .ok(
                "GET",
                &format!("/api/v2/chat-threads/{thread}/agent-responses"),
                &token,
                None,
            )
            .await;
        if list["agent_responses"][0]["status"] == "completed" {
            assert!(
                list["agent_responses"][0]["answer"]
                    .as_str()
                    .unwrap()
                    .contains("10 business days")
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the answer did not complete after its client left");
}

both_backends!(votes_comments_pins_and_deletes, |app: TestApp| async move {
    let (token, _, _) = app.member("vic@example.com", "Vic Voter").await;
    let agent = agent_with_policy(&app, &token).await;
    let data = app
        .ok(
            "POST",
            &format!("/response-service/api/v2/agents/{agent}/responses"),
            &token,
            Some(&json!({"user_query": "How long do refunds take?"})),
        )
        .await;
    let id = data["agent_response_id"].as_i64().unwrap();
    let thread = data["thread_id"].as_i64().unwrap();
    let voted = app
        .ok(
            "POST",
            &format!("/api/v2/agent-responses/{id}/feedbacks"),
            &token,
            Some(&json!({"vote_type": "upvote"})),
        )
        .await;
    assert_eq!(voted["my_vote"], "upvote");
    let voted = app
        .ok(
            "POST",
            &format!("/api/v2/agent-responses/{id}/feedbacks"),
            &token,
            Some(&json!({"vote_type": "downvote"})),
        )
        .await;
    assert_eq!(voted["my_vote"], "downvote", "one vote per person: the last counts");
    let (status, body) = app
        .call(
            "POST",
            &format!("/api/v2/agent-responses/{id}/feedbacks"),
            &token,
            Some(&json!({"vote_type": "meh"})),
        )
        .await;
    assert_error(status, &body, 422);
    app.ok(
        "POST",
        &format!("/api/v2/agent-responses/{id}/comments"),
        &token,
        Some(&json!({"comment": "Cite the policy date too."})),
    )
    .await;
    let comments = app
        .ok("GET", &format!("/api/v2/agent-responses/{id}/comments"), &token, None)
        .await;
    assert_eq!(comments[0]["comment"], "Cite the policy date too.");
    assert_eq!(
        app.ok("PUT", &format!("/api/v2/agent-responses/{id}/pin"), &token, None)
            .await["is_pinned"],
        true
    );
    let pinned = app.ok("GET", "/api/v2/agent-responses/pinned", &token, None).await;
    assert_eq!(pinned["agent_responses"][0]["id"], id);
    app.ok("DELETE", &format!("/api/v2/agent-responses/{id}/pin"), &token, None)
        .await;
    assert_eq!(
        app.ok("GET", "/api/v2/agent-responses/pinned", &token, None).await["meta"]["count"],
        0
    );
    let renamed = app
        .ok(
            "PUT",
            &format!("/api/v2/chat-threads/{thread}"),
            &token,
            Some(&json!({"title": "Refund timing"})),
        )
        .await;
    assert_eq!(renamed["title"], "Refund timing");
    // Someone else cannot read or touch it.
    let (other, _, _) = app.member("nia@example.com", "Nia Nosy").await;
    let (status, _) = app
        .call("GET", &format!("/api/v2/agent-responses/{id}"), &other, None)
        .await;
    assert_eq!(status, 404);
    app.ok("DELETE", &format!("/api/v2/agent-responses/{id}"), &token, None)
        .await;
    let (status, _) = app
        .call("GET", &format!("/api/v2/agent-responses/{id}"), &token, None)
        .await;
    assert_eq!(status, 404);
    app.ok("DELETE", &format!("/api/v2/chat-threads/{thread}"), &token, None)
        .await;
    let (status, _) = app
        .call("GET", &format!("/api/v2/chat-threads/{thread}"), &token, None)
        .await;
    assert_eq!(status, 404);
});

both_backends!(chat_logs_filter_export_and_detail, |app: TestApp| async move {
    let (admin, _, _) = app.member("adm@example.com", "Adm Admin").await;
    let (user, user_id, _) = app.member("usr@example.com", "Usr User").await;
    let agent = agent_with_policy(&app, &admin).await;
    make_public(&app, &admin, agent).await;
    let ask = |token: String, q: &'static str| {
        let app = &app;
        async move { app.ask(&token, agent, q).await }
    };
    let a1 = ask(admin.clone(), "How long do refunds take?").await;
    let u1 = ask(user.clone(), "Where do parcels leave from?").await;
    let u1_id = u1["agent_response_id"].as_i64().unwrap();
    app.ok(
        "POST",
        &format!("/api/v2/agent-responses/{u1_id}/feedbacks"),
        &user,
        Some(&json!({"vote_type": "downvote"})),
    )
    .await;
    app.ok(
        "POST",
        &format!("/api/v2/agent-responses/{u1_id}/comments"),
        &user,
        Some(&json!({"comment": "=HYPERLINK(\"x\")"})),
    )
    .await;
    // Administrators see everyone's; a user only their own.
    let all = app.ok("GET", "/api/v2/chat-logs/search", &admin, None).await;
    assert_eq!(all["meta"]["count"], 2);
    let mine = app.ok("GET", "/api/v2/chat-logs/search", &user, None).await;
    assert_eq!(mine["meta"]["count"], 1);
    assert_eq!(mine["chatlogs"][0]["user_email"], "usr@example.com");
    let down = app
        .ok(
            "GET",
            "/api/v2/chat-logs/search?feedback=downvote&has_comments=true",
            &admin,
            None,
        )
        .await;
    assert_eq!(down["meta"]["count"], 1);
    assert_eq!(down["chatlogs"][0]["id"], u1_id);
    assert_eq!(down["chatlogs"][0]["downvotes"], 1);
    let by_user = app
        .ok(
            "GET",
            &format!("/api/v2/chat-logs/search?user_id={user_id}&search=parcels"),
            &admin,
            None,
        )
        .await;
    assert_eq!(by_user["meta"]["count"], 1);
    let none = app
        .ok("GET", "/api/v2/chat-logs/search?from=2999-01-01", &admin, None)
        .await;
    assert_eq!(none["meta"]["count"], 0);
    // Each filter alone and with others (the search holds only the filters set: one statement
    // per combination).
    let a1_id = a1["agent_response_id"].as_i64().unwrap();
    let u1_thread = u1["thread_id"].as_i64().unwrap();
    // An evaluation run's answer is kept apart: not among people's logs unless asked for.
    let evaluated = app
        .ok(
            "POST",
            &format!("/response-service/api/v2/agents/{agent}/responses"),
            &admin,
            Some(&json!({"user_query": "How long do refunds take?", "query_source": "evaluation"})),
        )
        .await["agent_response_id"]
        .as_i64()
        .unwrap();
    let cases: Vec<(String, Vec<i64>)> = vec![
        (String::new(), vec![u1_id, a1_id]),
        ("query_source=evaluation".into(), vec![evaluated]),
        ("query_source=all".into(), vec![evaluated, u1_id, a1_id]),
        ("feedback=none".into(), vec![a1_id]),
        ("feedback=any".into(), vec![u1_id]),
        ("feedback=upvote".into(), vec![]),
        ("has_comments=false".into(), vec![a1_id]),
        ("has_comments=true&feedback=none".into(), vec![]),
        (format!("agent_id={agent}"), vec![u1_id, a1_id]),
        ("agent_id=999999".into(), vec![]),
        (format!("thread_id={u1_thread}"), vec![u1_id]),
        ("query_source=web&status=completed".into(), vec![u1_id, a1_id]),
        ("query_source=api".into(), vec![]),
        ("status=failed".into(), vec![]),
        ("to=2000-01-01".into(), vec![]),
        ("from=2000-01-01&to=2999-01-01&search=REFUNDS".into(), vec![a1_id]),
        // A wildcard is a character to find.
        ("search=%25".into(), vec![]),
    ];
    for (query, expected) in cases {
        let page = app
            .ok("GET", &format!("/api/v2/chat-logs/search?{query}"), &admin, None)
            .await;
        let ids: Vec<i64> = page["chatlogs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, expected, "{query}");
        assert_eq!(page["meta"]["count"], expected.len(), "{query}");
    }
    let (status, body) = app
        .call("GET", "/api/v2/chat-logs/search?feedback=maybe", &admin, None)
        .await;
    assert_error(status, &body, 422);
    let (status, body) = app
        .call("GET", "/api/v2/chat-logs/search?from=yesterday", &admin, None)
        .await;
    assert_error(status, &body, 422);
    // CSV holds exactly the filtered rows, with formulas defused.
    let csv = app
        .client
        .get(app.url("/api/v2/chat-logs/search?feedback=downvote&export=csv"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    let records: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .collect::<Result<_, _>>()
        .expect("valid CSV");
    assert_eq!(records.len(), 1, "{csv}");
    assert_eq!(&records[0][4], "Where do parcels leave from?");
    assert!(!csv.contains("How long do refunds take?"));
    // Detail with supporting content and comments.
    let detail = app.ok("GET", &format!("/api/v2/chat-logs/{u1_id}"), &admin, None).await;
    assert_eq!(detail["log"]["id"], u1_id);
    assert_eq!(detail["comments"][0]["comment"], "=HYPERLINK(\"x\")");
    assert!(!detail["supporting_content"].as_array().unwrap().is_empty());
    let (status, _) = app
        .call(
            "GET",
            &format!("/api/v2/chat-logs/{}", a1["agent_response_id"]),
            &user,
            None,
        )
        .await;
    assert_eq!(status, 404, "a user cannot read another's log");
    // The agent's responses: all for its admin, own for others.
    assert_eq!(
        app.ok("GET", &format!("/api/v2/agents/{agent}/agent-responses"), &admin, None)
            .await["meta"]["count"],
        2
    );
    assert_eq!(
        app.ok("GET", &format!("/api/v2/agents/{agent}/agent-responses"), &user, None)
            .await["meta"]["count"],
        1
    );
    let thread = u1["thread_id"].as_i64().unwrap();
    assert_eq!(
        app.ok("GET", &format!("/api/v2/chat-threads/{thread}/chat-logs"), &user, None)
            .await["meta"]["count"],
        1
    );
    let threads = app
        .ok("GET", "/api/v2/chat-threads/filter?search=parcels", &user, None)
        .await;
    assert_eq!(threads["chat_threads"][0]["id"], thread);
    // Recording an answer made elsewhere.
    let logged = app
        .ok(
            "POST",
            "/api/v2/agent-response-logs",
            &user,
            Some(&json!({"agent_id": agent, "user_query": "Asked in the mobile app", "answer": "Answered there.", "prompt_tokens": 10, "completion_tokens": 5, "cost": "0.0003"})),
        )
        .await;
    assert_eq!(logged["status"], "completed");
    assert_eq!(logged["total_tokens"], 15);
    let (status, body) = app
        .call(
            "POST",
            "/api/v2/agent-response-logs",
            &user,
            Some(&json!({"agent_id": agent, "user_query": "x", "answer": "y", "cost": "-1"})),
        )
        .await;
    assert_error(status, &body, 422);
    let updated = app
        .ok(
            "PUT",
            &format!("/api/v2/agent-responses/{u1_id}"),
            &user,
            Some(&json!({"is_pinned": true})),
        )
        .await;
    assert_eq!(updated["is_pinned"], true);
});

both_backends!(conversation_starters_and_model_choice, |app: TestApp| async move {
    let (admin, _, org) = app.member("cs@example.com", "Cs Admin").await;
    let agent = agent_with_policy(&app, &admin).await;
    app.ok(
        "POST",
        &format!("/api/v2/agents/{agent}/conversation-starters"),
        &admin,
        Some(&json!({"text": "Who approves refunds?"})),
    )
    .await;
    let starters = app
        .ok(
            "GET",
            &format!("/api/v2/agents/{agent}/conversation-starters"),
            &admin,
            None,
        )
        .await;
    let list = starters.as_array().unwrap();
    assert!(
        list.iter()
            .any(|s| s["text"] == "Who approves refunds?" && s["source"] == "custom"),
        "{starters}"
    );
    assert!(
        list.iter()
            .any(|s| s["source"] == "corpus" && s["text"].as_str().unwrap().contains("Refund policy")),
        "{starters}"
    );
    let (status, body) = app
        .call(
            "POST",
            &format!("/api/v2/agents/{agent}/conversation-starters"),
            &admin,
            Some(&json!({"text": " "})),
        )
        .await;
    assert_error(status, &body, 422);
    let llms = app.ok("GET", "/api/v2/llm-configurations", &admin, None).await;
    let llm = llms
        .as_array()
        .and_then(|a| a.first())
        .map(|l| l["id"].clone())
        .unwrap_or(json!(1));
    app.ok(
        "PUT",
        &format!("/api/v2/agents/{agent}/llm-configuration"),
        &admin,
        Some(&json!({"llm_config_id": llm})),
    )
    .await;
    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v2/agents/{agent}/llm-configuration"),
            &admin,
            Some(&json!({"llm_config_id": 999999})),
        )
        .await;
    assert_error(status, &body, 422);
    let _ = org;
});

both_backends!(
    cached_answers_are_reused_until_the_documents_change,
    |app: TestApp| async move {
        let (token, _, _) = app.member("cam@example.com", "Cam Cache").await;
        let agent = agent_with_policy(&app, &token).await;
        app.ok(
            "PUT",
            &format!("/api/v2/agents/{agent}"),
            &token,
            Some(&json!({"caching_enabled": true})),
        )
        .await;
        let ask = |body: Value| {
            let (app, token) = (&app, token.clone());
            async move {
                app.ok(
                    "POST",
                    &format!("/response-service/api/v2/agents/{agent}/responses"),
                    &token,
                    Some(&body),
                )
                .await
            }
        };
        let first = ask(json!({"user_query": "How long do refunds take?"})).await;
        assert_eq!(first["cache_hit"], false);
        let second = ask(json!({"user_query": "  how long do REFUNDS take?"})).await;
        assert_eq!(second["cache_hit"], true, "{second}");
        assert_eq!(second["answer"], first["answer"]);
        assert_eq!(second["references"], first["references"]);
        assert_eq!(second["total_tokens"], 0);
        let fresh = ask(json!({"user_query": "How long do refunds take?", "caching_enabled": false})).await;
        assert_eq!(fresh["cache_hit"], false, "asking afresh skips the cache");
        // New documents: the cache no longer applies.
        let corpus = app
            .ok("GET", &format!("/api/v2/agents/{agent}/corpora"), &token, None)
            .await["items"]["agent_corpus"][0]["corpus_id"]
            .as_i64()
            .unwrap();
        let doc = app
            .upload_file(
                corpus,
                &token,
                "more.txt",
                b"Refunds for gift cards take 3 days.".to_vec(),
            )
            .await;
        app.settled(doc, &token).await;
        let after = ask(json!({"user_query": "How long do refunds take?"})).await;
        assert_eq!(after["cache_hit"], false);
    }
);

both_backends!(
    a_follower_cut_off_by_the_database_is_told_to_reconnect_and_then_completes,
    |app: TestApp| async move {
        let (token, _, _) = app.member("dora@example.com", "Dora Database").await;
        let agent = agent_with_policy(&app, &token).await;
        let started = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses/start"),
                &token,
                Some(&json!({"user_query": "How long do refunds take?"})),
            )
            .await;
        let url = started["events_url"].as_str().unwrap().to_string();
        let all = app.events(&url, None).await;
        assert_eq!(all.last().unwrap().1, "end");

        // The events cannot be read for a moment (their table is away, as in an outage).
        let mut db = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
        sqlx::query("ALTER TABLE response_events RENAME TO response_events_away")
            .execute(&mut db)
            .await
            .unwrap();
        let cut = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            app.client.get(app.url(&url)).send().await.unwrap().text(),
        )
        .await
        .expect("the stream ends instead of hanging")
        .unwrap();
        sqlx::query("ALTER TABLE response_events_away RENAME TO response_events")
            .execute(&mut db)
            .await
            .unwrap();
        assert!(cut.contains("retry: 2000"), "{cut}");
        let told = parse_sse(&cut);
        assert_eq!(told.len(), 1, "{cut}");
        assert_eq!(
            (told[0].0, told[0].1.as_str()),
            (None, "error"),
            "no id: the client resumes where it was"
        );
        assert_eq!(told[0].2["retrying"], true);
        // Reconnecting (as EventSource does after `retry`) completes the answer.
        let again = app.events(&url, None).await;
        assert_eq!(again.len(), all.len());
        assert_eq!(again.last().unwrap().1, "end");
    }
);

// A person's conversations (`chat-threads/filter`) hold only the filters a request sets: each
// alone and together, newest first, searched in the title, the questions and the answers, and a
// page past the end that still counts. Nobody else's conversations appear.
both_backends!(thread_search_filters_alone_and_together, |app: TestApp| async move {
    let (admin, _, _) = app.member("adm@example.com", "Adm Admin").await;
    let (user, _, _) = app.member("usr@example.com", "Usr User").await;
    let billing = agent_with_policy(&app, &admin).await;
    let travel = app
        .agent_with_document(
            &admin,
            "Travel Desk",
            "trains.md",
            "# Trains\n\nTrains to Utrecht leave every hour.\n",
        )
        .await;
    for agent in [billing, travel] {
        make_public(&app, &admin, agent).await;
    }
    let ask = |token: String, agent: i64, q: &'static str| {
        let app = &app;
        async move { app.ask(&token, agent, q).await["thread_id"].as_i64().unwrap() }
    };
    let parcels = ask(user.clone(), billing, "Where do parcels leave from?").await;
    let refunds = ask(user.clone(), billing, "How long do refunds take?").await;
    let trains = ask(user.clone(), travel, "When do trains leave?").await;
    ask(admin.clone(), billing, "Where do parcels leave from?").await;
    let ids = |page: &Value| -> Vec<i64> {
        let ids: Vec<i64> = page["chat_threads"]
            .as_array()
            .unwrap_or_else(|| panic!("{page}"))
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        ids
    };
    let cases: Vec<(String, Vec<i64>)> = vec![
        (String::new(), vec![trains, refunds, parcels]),
        (format!("agent_id={billing}"), vec![refunds, parcels]),
        ("agent_id=0".into(), vec![trains, refunds, parcels]),
        // In a question (and the title made from it), in any case.
        ("search=PARCELS".into(), vec![parcels]),
        // Only in an answer.
        ("search=rotterdam".into(), vec![parcels]),
        ("search=leave".into(), vec![trains, parcels]),
        (format!("search=leave&agent_id={travel}"), vec![trains]),
        (format!("search=refunds&agent_id={travel}"), vec![]),
        // A wildcard is a character to find, not a pattern.
        ("search=%25".into(), vec![]),
        ("search=_".into(), vec![]),
        ("search=".into(), vec![trains, refunds, parcels]),
    ];
    for (query, expected) in cases {
        let page = app
            .ok("GET", &format!("/api/v2/chat-threads/filter?{query}"), &user, None)
            .await;
        assert_eq!(ids(&page), expected, "{query}");
        assert_eq!(page["meta"]["count"], expected.len(), "{query}");
    }
    let past = app
        .ok(
            "GET",
            &format!("/api/v2/chat-threads/filter?agent_id={billing}&page=4&items_per_page=1"),
            &user,
            None,
        )
        .await;
    assert_eq!(past["chat_threads"], json!([]));
    assert_eq!(past["meta"]["count"], 2);
});

both_backends!(
    a_person_finds_their_conversations_across_agents_newest_first_and_by_search,
    |app: TestApp| async move {
        let (token, _) = app.signed_up("history@example.com").await;
        let billing = app
            .agent_with_document(&token, "Billing", "b.txt", "Refunds are paid within thirty days.")
            .await;
        let travel = app
            .agent_with_document(&token, "Travel", "t.txt", "Trains to Oslo leave at nine.")
            .await;
        app.ask(&token, billing, "How fast are refunds paid?").await;
        app.ask(&token, travel, "When do trains to Oslo leave?").await;
        let list = |query: &'static str| {
            let (app, token) = (&app, token.clone());
            async move {
                let page = app
                    .ok("GET", &format!("/api/v2/users/me/chat-threads{query}"), &token, None)
                    .await;
                let names: Vec<(String, String)> = page["conversations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        (
                            c["agent_name"].as_str().unwrap().to_string(),
                            c["last_question"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                (names, page["meta"]["count"].as_i64().unwrap())
            }
        };
        let travel_row = ("Travel".to_string(), "When do trains to Oslo leave?".to_string());
        let billing_row = ("Billing".to_string(), "How fast are refunds paid?".to_string());
        assert_eq!(list("").await, (vec![travel_row.clone(), billing_row.clone()], 2));
        // Found by a question asked in it, not only by its title; wildcards are literal.
        assert_eq!(list("?search=FAST%20are").await, (vec![billing_row.clone()], 1));
        assert_eq!(list("?search=100%25").await, (vec![], 0));
        assert_eq!(list("?items_per_page=1&page=2").await, (vec![billing_row], 2));
        // Someone else's conversations are theirs alone.
        let (other, _, _) = app.member("colleague@example.com", "Colleague").await;
        let theirs = app.ok("GET", "/api/v2/users/me/chat-threads", &other, None).await;
        assert_eq!(theirs["conversations"], json!([]), "{theirs}");
    }
);

both_backends!(
    asked_again_and_edited_questions_are_versions_of_their_turn,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("versions@example.com", "Vera Versions").await;
        let (other, _, _) = app.member("someone@example.com", "Some One").await;
        let agent = agent_with_policy(&app, &admin).await;
        let path = format!("/response-service/api/v2/agents/{agent}/responses");
        let ask = |body: Value| {
            let (app, admin, path) = (&app, admin.clone(), path.clone());
            async move { app.ok("POST", &path, &admin, Some(&body)).await }
        };
        let first = ask(json!({"user_query": "How long do refunds take?"})).await;
        let thread = first["thread_id"].as_i64().unwrap();
        let r1 = first["agent_response_id"].as_i64().unwrap();
        let r2 =
            ask(json!({"user_query": "Who approves refunds?", "chat_thread_id": thread})).await["agent_response_id"]
                .as_i64()
                .unwrap();
        // Asked again: a second version of the first turn, shown in its place.
        let r3 = ask(json!({"user_query": "How long do refunds take?", "chat_thread_id": thread, "version_of": r1}))
            .await["agent_response_id"]
            .as_i64()
            .unwrap();
        // Edited: the question changes, still the same turn (named by any of its versions).
        let edited = ask(
            json!({"user_query": "How many days until a refund is paid?", "chat_thread_id": thread, "version_of": r3}),
        )
        .await;
        let r4 = edited["agent_response_id"].as_i64().unwrap();
        assert_eq!(
            edited["history"],
            json!([]),
            "the first turn has nothing before it: {edited}"
        );
        let listed = app
            .ok(
                "GET",
                &format!("/api/v2/chat-threads/{thread}/agent-responses"),
                &admin,
                None,
            )
            .await;
        let turns: Vec<(i64, i64, i64, Value)> = listed["agent_responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_i64().unwrap(),
                    r["version_number"].as_i64().unwrap(),
                    r["version_count"].as_i64().unwrap(),
                    r["version_of"].clone(),
                )
            })
            .collect();
        assert_eq!(turns, vec![(r4, 3, 3, json!(r1)), (r2, 1, 1, Value::Null)], "{listed}");
        assert_eq!(listed["meta"]["count"], 2);
        let versions = app
            .ok("GET", &format!("/api/v2/agent-responses/{r2}/versions"), &admin, None)
            .await;
        assert_eq!(versions.as_array().unwrap().len(), 1);
        let versions = app
            .ok("GET", &format!("/api/v2/agent-responses/{r4}/versions"), &admin, None)
            .await;
        let list: Vec<(i64, &str, i64)> = versions
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["id"].as_i64().unwrap(),
                    v["question"].as_str().unwrap(),
                    v["version_number"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            list,
            vec![
                (r1, "How long do refunds take?", 1),
                (r3, "How long do refunds take?", 2),
                (r4, "How many days until a refund is paid?", 3)
            ]
        );
        // A later turn asked again sees the earlier turn as its newest version only.
        let again =
            ask(json!({"user_query": "Who approves refunds?", "chat_thread_id": thread, "version_of": r2})).await;
        let history = again["history"].as_array().unwrap();
        assert_eq!(history.len(), 1, "{again}");
        assert_eq!(history[0]["user"], "How many days until a refund is paid?");
        assert_eq!(history[0]["bot"], edited["answer"]);
        // Not a turn of this thread, not one's own: refused.
        let elsewhere = ask(json!({"user_query": "Elsewhere?"})).await["agent_response_id"]
            .as_i64()
            .unwrap();
        for body in [
            json!({"user_query": "x", "chat_thread_id": thread, "version_of": elsewhere}),
            json!({"user_query": "x", "version_of": r1}),
            json!({"user_query": "x", "chat_thread_id": thread, "version_of": 987_654}),
        ] {
            let (status, error) = app.call("POST", &path, &admin, Some(&body)).await;
            assert_error(status, &error, 422);
        }
        let (status, error) = app
            .call("GET", &format!("/api/v2/agent-responses/{r4}/versions"), &other, None)
            .await;
        assert_error(status, &error, 404);
    }
);
