//! The shapes `../shared/reference/ejento-api.md` records of the real Ejento API, served exactly:
//! one test per documented shape, asserting the field names and JSON types the reference gives
//! (section numbers in the test names' comments). Fields we add beside them are allowed.

mod common;

use common::TestApp;
use serde_json::{Value, json};

/// A JSON type, as the reference gives it.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int,
    Str,
    Bool,
    Array,
    Object,
    /// A decimal number written as a string (money: `"0.01692"`).
    Decimal,
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    Timestamp,
    NullableInt,
}

/// Asserts that `value` has each field with its kind.
#[track_caller]
fn assert_shape(value: &Value, fields: &[(&str, Kind)]) {
    for (name, kind) in fields {
        let field = value
            .get(name)
            .unwrap_or_else(|| panic!("`{name}` is missing from {value}"));
        let fits = match kind {
            Kind::Int => field.is_i64(),
            Kind::Str => field.is_string(),
            Kind::Bool => field.is_boolean(),
            Kind::Array => field.is_array(),
            Kind::Object => field.is_object(),
            Kind::Decimal => field.as_str().is_some_and(|s| s.parse::<f64>().is_ok()),
            Kind::Timestamp => field.as_str().is_some_and(|s| {
                s.len() == 27 && s.ends_with('Z') && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.'
            }),
            Kind::NullableInt => field.is_null() || field.is_i64(),
        };
        assert!(fits, "`{name}` should be {kind:?} in {value}");
    }
}

const POLICY: &str = "Refunds for annual plans are paid pro rata within 14 days.";

// §2.3.3 (stored agent response record) and §1.6 (`include_steps=true`).
both_backends!(
    a_thread_lists_its_responses_as_ejento_records_with_votes_comments_and_steps,
    |app: TestApp| async move {
        let (token, _, _) = app.member("rita@example.com", "Rita Record").await;
        let agent = app
            .agent_with_document(&token, "Refund Helper", "refunds.txt", POLICY)
            .await;
        let answered = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &token,
                Some(&json!({"user_query": "How are annual plans refunded?"})),
            )
            .await;
        let (id, thread) = (
            answered["agent_response_id"].as_i64().unwrap(),
            answered["thread_id"].as_i64().unwrap(),
        );
        app.ok(
            "POST",
            &format!("/api/v2/agent-responses/{id}/feedbacks"),
            &token,
            Some(&json!({"vote_type": "downvote"})),
        )
        .await;
        // Changing one's mind keeps one vote.
        app.ok(
            "POST",
            &format!("/api/v2/agent-responses/{id}/feedbacks"),
            &token,
            Some(&json!({"vote_type": "upvote"})),
        )
        .await;
        app.ok(
            "POST",
            &format!("/api/v2/agent-responses/{id}/comments"),
            &token,
            Some(&json!({"comment": "Exactly what I needed.", "created_by": "rita@example.com"})),
        )
        .await;

        let listed = app
            .ok(
                "GET",
                &format!("/api/v2/chat-threads/{thread}/agent-responses?include_steps=true"),
                &token,
                None,
            )
            .await;
        let record = &listed["agent_responses"][0];
        assert_shape(
            record,
            &[
                ("id", Kind::Int),
                ("question", Kind::Str),
                ("response", Kind::Object),
                ("comments", Kind::Array),
                ("feedback", Kind::Array),
                ("created_by", Kind::Str),
                ("created_on", Kind::Timestamp),
                ("is_deleted", Kind::Bool),
                ("workflow", Kind::NullableInt),
                ("total_tokens", Kind::Int),
                ("prompt_tokens", Kind::Int),
                ("completion_tokens", Kind::Int),
                ("cache_hit", Kind::Bool),
                ("query_source", Kind::Str),
                ("cost", Kind::Decimal),
                ("chat_thread", Kind::Int),
                ("agent", Kind::Int),
                ("user", Kind::Int),
                ("response_steps", Kind::Array),
            ],
        );
        assert_eq!(record["id"], id);
        assert_eq!(record["is_deleted"], false);
        assert_shape(
            &record["response"],
            &[
                ("success", Kind::Bool),
                ("guardrail_triggered", Kind::Bool),
                ("blocked", Kind::Bool),
            ],
        );

        let feedback = record["feedback"].as_array().unwrap();
        assert_eq!(feedback.len(), 1, "one vote per person: {record}");
        assert_shape(
            &feedback[0],
            &[
                ("id", Kind::Int),
                ("is_upvote", Kind::Bool),
                ("is_downvote", Kind::Bool),
                ("created_by", Kind::Str),
                ("created_on", Kind::Timestamp),
                ("workflow_response", Kind::NullableInt),
            ],
        );
        assert_eq!(
            (&feedback[0]["is_upvote"], &feedback[0]["is_downvote"]),
            (&json!(true), &json!(false))
        );
        assert_eq!(feedback[0]["created_by"], "rita@example.com");
        assert!(feedback[0]["workflow_response"].is_null());

        let comments = record["comments"].as_array().unwrap();
        assert_eq!(comments.len(), 1);
        assert_shape(
            &comments[0],
            &[
                ("id", Kind::Int),
                ("comment", Kind::Str),
                ("created_by", Kind::Str),
                ("created_on", Kind::Timestamp),
            ],
        );
        assert_eq!(comments[0]["comment"], "Exactly what I needed.");

        // The steps are what the stream announced, each with the message the person saw.
        let steps = record["response_steps"].as_array().unwrap();
        for step in steps {
            assert_shape(step, &[("step", Kind::Str), ("friendly_message", Kind::Str)]);
        }
        let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
        assert_eq!(names, ["start", "retrieval_start", "assistant_start"], "{record}");
        assert_eq!(steps[1]["friendly_message"], "Searching the agent's documents");

        // Without the flag there are no steps; the single record reads the same.
        let plain = app
            .ok(
                "GET",
                &format!("/api/v2/chat-threads/{thread}/agent-responses"),
                &token,
                None,
            )
            .await;
        assert!(plain["agent_responses"][0].get("response_steps").is_none());
        let one = app
            .ok(
                "GET",
                &format!("/api/v2/agent-responses/{id}?include_steps=true"),
                &token,
                None,
            )
            .await;
        assert_eq!(one["feedback"], record["feedback"]);
        assert_eq!(one["response_steps"], record["response_steps"]);
    }
);

// §2.2, Agent-Corpus connections: `data.items.agent_corpus[]`, each with `corpus: {id, name, …}`.
both_backends!(
    an_agents_corpus_connections_are_items_with_the_corpus_nested,
    |app: TestApp| async move {
        let (token, user, _) = app.member("carl@example.com", "Carl Corpus").await;
        let agent = app.agent_in_new_project(&token, "Travel Desk").await;
        let extra = app
            .ok(
                "POST",
                "/api/v2/corpora",
                &token,
                Some(&json!({"name": "Visa rules", "description": "Entry rules by country", "indexing_mode_id": 1, "tags": ["travel", "legal"]})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        app.ok("POST", &format!("/api/v2/agents/{agent}/corpora/{extra}"), &token, None)
            .await;

        let all = app
            .call(
                "GET",
                &format!("/api/v2/agents/{agent}/corpora?verbosity=medium"),
                &token,
                None,
            )
            .await
            .1;
        let items = all["data"]["items"]["agent_corpus"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{all}");
        for c in items {
            assert_shape(
                c,
                &[
                    ("id", Kind::Int),
                    ("corpus", Kind::Object),
                    ("created_on", Kind::Timestamp),
                    ("is_enabled", Kind::Bool),
                    ("is_default", Kind::Bool),
                    ("is_deleted", Kind::Bool),
                    ("connected_by", Kind::Str),
                ],
            );
            assert_shape(
                &c["corpus"],
                &[
                    ("id", Kind::Int),
                    ("name", Kind::Str),
                    ("description", Kind::Str),
                    ("indexing_mode", Kind::Object),
                    ("owner", Kind::Int),
                    ("tags", Kind::Array),
                ],
            );
            assert_shape(&c["corpus"]["indexing_mode"], &[("id", Kind::Int), ("mode", Kind::Str)]);
        }
        let default = &items[0];
        assert_eq!(default["is_default"], true);
        assert_eq!(default["corpus"]["name"], "Travel Desk_Default");
        let visa = &items[1];
        assert_eq!(visa["corpus"]["id"], extra);
        assert_eq!(visa["corpus"]["owner"], user);
        assert_eq!(visa["corpus"]["tags"], json!(["legal", "travel"]));
        assert_eq!(visa["corpus"]["indexing_mode"], json!({"id": 1, "mode": "exhaustive"}));
        assert_ne!(default["id"], visa["id"], "each connection has its own id");

        // `is_enabled=true` keeps the connections used when answering.
        app.ok(
            "PUT",
            &format!("/api/v2/agents/{agent}/corpora/{extra}"),
            &token,
            Some(&json!({"is_enabled": false})),
        )
        .await;
        let enabled = app
            .ok(
                "GET",
                &format!("/api/v2/agents/{agent}/corpora?verbosity=medium&is_enabled=true"),
                &token,
                None,
            )
            .await;
        let enabled = enabled["items"]["agent_corpus"].as_array().unwrap();
        assert_eq!(enabled.len(), 1);
        assert_eq!(enabled[0]["id"], default["id"]);
        let one = app
            .ok("GET", &format!("/api/v2/agents/{agent}/corpora/{extra}"), &token, None)
            .await;
        assert_eq!(one["id"], visa["id"]);
        assert_eq!(one["is_enabled"], false);
        assert_eq!(one["corpus"], visa["corpus"]);
    }
);

/// A web page on loopback standing in for a public site (the operator allows loopback here).
async fn web_page(text: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/fares.txt", listener.local_addr().unwrap());
    let page = axum::Router::new().route("/fares.txt", axum::routing::get(move || async move { text }));
    tokio::spawn(async move { axum::serve(listener, page).await.unwrap() });
    url
}

// §2.3.1 (blocking response `data`, with the older `chatlog_id`) and §4.3 (references): every
// source link is absolute, a web page's own address for a web-link document.
both_backends!(
    a_blocking_answer_has_every_documented_field_and_absolute_source_links,
    tweak = |c: &mut ejento_server::config::Config| {
        c.public_url = "http://ejento.example.org:8080".into();
        c.outbound_allow = "127.0.0.1".into();
    },
    |app: TestApp| async move {
        let (token, _, _) = app.member("bea@example.com", "Bea Blocking").await;
        let agent = app
            .agent_with_document(&token, "Refund Helper", "refunds.txt", POLICY)
            .await;
        let corpus = app.agent_corpus(&token, agent).await;
        let page = web_page("Rail fares for the zebrafare pass are refunded within 30 days.").await;
        let (status, body) = app
            .upload(
                corpus,
                &token,
                vec![
                    common::Part::Text("content_type", "weblink"),
                    common::Part::Text("source", &page),
                ],
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let web_doc = body["data"]["id"].as_i64().unwrap();
        assert_eq!(app.settled(web_doc, &token).await["step"], "indexed");

        let ask = |question: &'static str| {
            let (app, token) = (&app, &token);
            async move {
                app.ok(
                    "POST",
                    &format!("/response-service/api/v2/agents/{agent}/responses"),
                    token,
                    Some(&json!({"user_query": question, "query_source": "web"})),
                )
                .await
            }
        };
        let data = ask("How are annual plans refunded?").await;
        assert_shape(
            &data,
            &[
                ("answer", Kind::Str),
                ("sources", Kind::Str),
                ("followup_questions", Kind::Array),
                ("indexes", Kind::Array),
                ("query", Kind::Str),
                ("total_tokens", Kind::Int),
                ("prompt_tokens", Kind::Int),
                ("completion_tokens", Kind::Int),
                ("cache_hit", Kind::Bool),
                ("history", Kind::Array),
                ("prompt_prefix", Kind::Str),
                ("instructions", Kind::Array),
                ("agent_mode", Kind::Str),
                ("references", Kind::Array),
                ("success", Kind::Bool),
                ("corpus_ids", Kind::Array),
                ("run_id", Kind::Str),
                ("chat_thread_name", Kind::Str),
                ("thread_id", Kind::Int),
                ("agent_response_id", Kind::Int),
                ("chatlog_id", Kind::Int),
            ],
        );
        assert!(uuid::Uuid::parse_str(data["run_id"].as_str().unwrap()).is_ok());
        assert_eq!(data["chatlog_id"], data["agent_response_id"]);
        let reference = &data["references"][0];
        assert_shape(
            reference,
            &[("number", Kind::Int), ("url", Kind::Str), ("order", Kind::Int)],
        );
        let document = reference["document_id"].as_i64().unwrap();
        assert_eq!(
            reference["url"],
            format!("http://ejento.example.org:8080/documents/{document}"),
            "{data}"
        );

        let web = ask("When is the zebrafare pass refunded?").await;
        let cited: Vec<&Value> = web["references"].as_array().unwrap().iter().collect();
        let from_page = cited
            .iter()
            .find(|r| r["document_id"] == web_doc)
            .unwrap_or_else(|| panic!("the web page is cited: {web}"));
        assert_eq!(from_page["url"], page.as_str(), "a web page's own address");

        // The stored record carries the alias too.
        let id = data["agent_response_id"].as_i64().unwrap();
        let stored = app
            .ok("GET", &format!("/api/v2/agent-responses/{id}"), &token, None)
            .await;
        assert_eq!(stored["response"]["chatlog_id"], id);
        assert_eq!(stored["response"]["references"], data["references"]);
    }
);

// §4.1 (the agent object) and §2.7 (its owner, `{id, email, first_name, last_name,
// organization}`), with the tools it is linked to by name (`connected_tool_names`).
both_backends!(
    an_agent_has_the_documented_fields_and_its_owner_nested,
    |app: TestApp| async move {
        let (token, user, org) = app.member("olga.owner@example.com", "Olga Owner").await;
        let agent = app.agent_in_new_project(&token, "Policy Bot").await;
        let corpus = app.agent_corpus(&token, agent).await;
        let tool = app
            .ok(
                "POST",
                &format!("/api/v2/organizations/{org}/tools/rag"),
                &token,
                Some(&json!({"name": "Policy search", "corpus_ids": [corpus]})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        app.ok("POST", &format!("/api/v2/agents/{agent}/tools/{tool}"), &token, None)
            .await;
        let got = app.ok("GET", &format!("/api/v2/agents/{agent}"), &token, None).await;
        assert_shape(
            &got,
            &[
                ("id", Kind::Int),
                ("user", Kind::Object),
                ("project", Kind::Int),
                ("created_by", Kind::Str),
                ("created_on", Kind::Timestamp),
                ("agent_name", Kind::Str),
                ("domain", Kind::Str),
                ("industry_area", Kind::Str),
                ("tags", Kind::Array),
                ("prefix_prompt", Kind::Str),
                ("instructions", Kind::Array),
                ("sample_q1", Kind::Str),
                ("sample_q2", Kind::Str),
                ("sample_q3", Kind::Str),
                ("agent_type", Kind::Object),
                ("access", Kind::Str),
                ("status", Kind::Str),
                ("is_active", Kind::Bool),
                ("is_deleted", Kind::Bool),
                ("react_enabled", Kind::Bool),
                ("react_max_iteration_count", Kind::Int),
                ("reasoning_mode", Kind::Str),
                ("chunk_count", Kind::Int),
                ("caching_enabled", Kind::Bool),
                ("connected_tool_names", Kind::Array),
            ],
        );
        assert_shape(
            &got["user"],
            &[
                ("id", Kind::Int),
                ("email", Kind::Str),
                ("first_name", Kind::Str),
                ("last_name", Kind::Str),
                ("organization", Kind::Int),
            ],
        );
        assert_eq!(
            got["user"],
            json!({"id": user, "email": "olga.owner@example.com", "first_name": "Olga", "last_name": "Owner", "organization": org})
        );
        assert_shape(
            &got["agent_type"],
            &[("id", Kind::Int), ("name", Kind::Str), ("description", Kind::Str)],
        );
        assert_eq!(got["connected_tool_names"], json!(["Policy search"]));
        // The list carries the same object.
        let listed = app.ok("GET", "/api/v2/agents", &token, None).await;
        let mine = listed["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == agent)
            .unwrap();
        assert_eq!(mine["user"], got["user"]);
        assert_eq!(mine["connected_tool_names"], got["connected_tool_names"]);
    }
);

// §1.3: errors are our envelope, `{success: false, message}`, and carry the message as
// `detail` too, where Ejento's client reads auth-service errors (`error.response.data.detail`).
both_backends!(errors_carry_their_message_as_detail_too, |app: TestApp| async move {
    app.member("dana@example.com", "Dana Detail").await;
    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/login/access-token",
            &json!({"username": "dana@example.com", "password": "not-her-password"}),
        )
        .await;
    assert_eq!(status, 401, "{body}");
    assert_shape(
        &body,
        &[("success", Kind::Bool), ("message", Kind::Str), ("detail", Kind::Str)],
    );
    assert_eq!(body["success"], false);
    assert_eq!(body["detail"], body["message"]);
    let (status, body) = app.get_authed("/api/v2/agents/999999", "not-a-token").await;
    assert_eq!(status, 401);
    assert_eq!(body["detail"], body["message"]);
});
