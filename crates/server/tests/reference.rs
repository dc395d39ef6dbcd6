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
                ("llm_config", Kind::NullableInt),
                ("is_cleared", Kind::Bool),
            ],
        );
        assert_eq!(record["id"], id);
        assert_eq!(record["is_deleted"], false);
        // The local answerer is no model configuration; channels and stages do not exist here.
        for absent in ["llm_config", "message_id", "stage"] {
            assert!(record[absent].is_null(), "`{absent}` in {record}");
        }
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

// §2.5 (chat logs, as legacy `POST /v2/api/agent-response/dashboard` returns them): the filtered
// responses and the chat-log search serve `chatlogs[]` items of that shape.
both_backends!(
    chat_logs_are_items_with_the_agent_and_the_response_nested,
    |app: TestApp| async move {
        let (token, user, _) = app.member("lena@example.com", "Lena Log").await;
        let agent = app
            .agent_with_document(&token, "Refund Desk", "refunds.txt", POLICY)
            .await;
        let answered = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &token,
                Some(&json!({"user_query": "How are annual plans refunded?"})),
            )
            .await;
        let (id, thread) = (answered["agent_response_id"].clone(), answered["thread_id"].clone());
        app.ok(
            "POST",
            &format!("/api/v2/agent-responses/{id}/feedbacks"),
            &token,
            Some(&json!({"vote_type": "downvote"})),
        )
        .await;
        app.ok(
            "POST",
            &format!("/api/v2/agent-responses/{id}/comments"),
            &token,
            Some(&json!({"comment": "Which plans?"})),
        )
        .await;
        for path in [
            format!("/api/v2/agent-responses/filter?agent_id={agent}"),
            format!("/api/v2/chat-logs/search?agent_id={agent}"),
        ] {
            let page = app.ok("GET", &path, &token, None).await;
            let logs = page["chatlogs"].as_array().unwrap();
            assert_eq!(logs.len(), 1, "{page}");
            let log = &logs[0];
            assert_shape(
                log,
                &[
                    ("id", Kind::Int),
                    ("comments", Kind::Array),
                    ("feedback", Kind::Array),
                    ("agent", Kind::Object),
                    ("question", Kind::Str),
                    ("response", Kind::Object),
                    ("created_by", Kind::Str),
                    ("created_on", Kind::Timestamp),
                    ("query_source", Kind::Str),
                    ("user", Kind::Int),
                    ("chat_thread", Kind::Int),
                ],
            );
            assert_shape(
                &log["agent"],
                &[
                    ("id", Kind::Int),
                    ("agent_name", Kind::Str),
                    ("agent_type", Kind::Object),
                    ("created_by", Kind::Str),
                    ("created_on", Kind::Timestamp),
                ],
            );
            assert_shape(&log["agent"]["agent_type"], &[("name", Kind::Str)]);
            assert_shape(
                &log["response"],
                &[
                    ("query", Kind::Str),
                    ("answer", Kind::Str),
                    ("references", Kind::Array),
                    ("agent_mode", Kind::Str),
                ],
            );
            assert_eq!(
                (&log["id"], &log["chat_thread"], &log["user"]),
                (&id, &thread, &json!(user))
            );
            assert_eq!(log["agent"]["id"], agent);
            assert_eq!(log["agent"]["agent_name"], "Refund Desk");
            assert_eq!(log["created_by"], "lena@example.com");
            assert_eq!(log["question"], "How are annual plans refunded?");
            assert_eq!(log["response"]["answer"], answered["answer"]);
            assert_eq!(log["response"]["references"], answered["references"]);
            assert_eq!(log["feedback"][0]["is_downvote"], true);
            assert_eq!(log["comments"][0]["comment"], "Which plans?");
            assert_eq!(log["comment_count"], 1);
        }
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
                    ("agent", Kind::Object),
                    ("connected_by", Kind::Int),
                    ("created_by", Kind::Str),
                    ("modified_by", Kind::Str),
                    ("modified_on", Kind::Timestamp),
                ],
            );
            assert_eq!(c["connected_by"], user, "who connected it, as a user id: {c}");
            assert_eq!(c["created_by"], "carl@example.com");
            assert_shape(
                &c["agent"],
                &[
                    ("id", Kind::Int),
                    ("agent_type", Kind::Object),
                    ("instructions", Kind::Array),
                    ("agent_name", Kind::Str),
                    ("domain", Kind::Str),
                    ("prefix_prompt", Kind::Str),
                    ("is_deleted", Kind::Bool),
                    ("created_by", Kind::Str),
                    ("access", Kind::Str),
                    ("project", Kind::Int),
                ],
            );
            assert_shape(&c["agent"]["agent_type"], &[("id", Kind::Int), ("name", Kind::Str)]);
            assert_eq!(c["agent"]["id"], agent);
            assert_eq!(c["agent"]["agent_name"], "Travel Desk");
            assert!(c["agent"].get("alias").is_some() && c["agent"].get("llm_config").is_some());
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
        assert_eq!(one["agent"], visa["agent"]);
        // Switching it off is a modification: by whom and when (never before it was made).
        assert_eq!(visa["modified_on"], visa["created_on"]);
        assert_eq!(one["modified_by"], "carl@example.com");
        assert!(one["modified_on"].as_str() >= visa["modified_on"].as_str(), "{one}");
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
            async move { app.ask(token, agent, question).await }
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
        // `alias` and `character_voice` are there, null until the agent has them.
        assert!(got["alias"].is_null() && got["character_voice"].is_null(), "{got}");
        for alias in ["policy-bot@example.com", "policies@example.com"] {
            app.ok(
                "POST",
                &format!("/api/v2/agents/{agent}/aliases"),
                &token,
                Some(&json!({ "alias": alias })),
            )
            .await;
        }
        let got = app.ok("GET", &format!("/api/v2/agents/{agent}"), &token, None).await;
        assert_eq!(got["alias"], "policy-bot@example.com", "the first alias: {got}");
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
        assert_eq!(mine["alias"], got["alias"]);
        // `create_email_alias` (the legacy create body) gives a new agent `<Name>_<id>@<host>`.
        let aliased = app
            .ok(
                "POST",
                "/api/v2/agents",
                &token,
                Some(&json!({"project_id": got["project"], "name": "Visa Desk", "create_email_alias": true})),
            )
            .await;
        let host = url::Url::parse(&app.base).unwrap().host_str().unwrap().to_string();
        assert_eq!(aliased["alias"], format!("visa_desk_{}@{host}", aliased["id"]));
        let aliases = app
            .ok(
                "GET",
                &format!("/api/v2/agents/{}/aliases", aliased["id"]),
                &token,
                None,
            )
            .await;
        assert_eq!(aliases[0]["alias"], aliased["alias"]);
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

// §2.4 (chat threads of an agent: `{chat_threads, meta}`, a thread's fields; creating one is a
// 201) and §1.4 (agent history: `{history_records, total_records, current_page, total_pages}`).
both_backends!(threads_and_history_are_paged_as_documented, |app: TestApp| async move {
    let (token, user, _) = app.member("theo@example.com", "Theo Thread").await;
    let agent = app.agent_in_new_project(&token, "Desk").await;
    let (status, created) = app
        .call(
            "POST",
            &format!("/api/v2/agents/{agent}/chat-threads"),
            &token,
            Some(&json!({"agent": agent, "created_by": "theo@example.com"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let page = app
        .ok(
            "GET",
            &format!("/api/v2/agents/{agent}/chat-threads?paginated=true&page=1&items_per_page=10&query_source=web"),
            &token,
            None,
        )
        .await;
    assert_shape(&page, &[("chat_threads", Kind::Array), ("meta", Kind::Object)]);
    assert_shape(
        &page["meta"],
        &[
            ("count", Kind::Int),
            ("num_pages", Kind::Int),
            ("current_page", Kind::Int),
        ],
    );
    let thread = &page["chat_threads"][0];
    assert_shape(
        thread,
        &[
            ("id", Kind::Int),
            ("created_by", Kind::Str),
            ("modified_by", Kind::Str),
            ("created_on", Kind::Timestamp),
            ("modified_on", Kind::Timestamp),
            ("title", Kind::Str),
            ("is_deleted", Kind::Bool),
            ("is_system_created", Kind::Bool),
            ("agent", Kind::Int),
            ("user", Kind::Int),
            ("corpus_id", Kind::NullableInt),
        ],
    );
    assert!(thread["chat_id"].is_null() || thread["chat_id"].is_string(), "{thread}");
    assert_eq!(thread["id"], created["data"]["id"]);
    assert_eq!((&thread["agent"], &thread["user"]), (&json!(agent), &json!(user)));

    let history = app
        .ok(
            "GET",
            &format!("/api/v2/agents/{agent}/history?page=1&items_per_page=10"),
            &token,
            None,
        )
        .await;
    assert_shape(
        &history,
        &[
            ("history_records", Kind::Array),
            ("total_records", Kind::Int),
            ("current_page", Kind::Int),
            ("total_pages", Kind::Int),
        ],
    );
    assert_shape(
        &history["history_records"][0],
        &[
            ("history_id", Kind::Int),
            ("history_date", Kind::Timestamp),
            ("history_change_reason", Kind::Str),
            ("modified_by", Kind::Str),
            ("agent_name", Kind::Str),
            ("instructions", Kind::Array),
        ],
    );
});

// §2.1 and §1.2 (refresh with the auth-app token: both tokens, rotated), §2.2's vote
// (`{vote: up|down|clear}` → `{like_count, dislike_count}`).
both_backends!(
    tokens_refresh_and_agent_votes_are_as_documented,
    |app: TestApp| async move {
        let (status, signed_up) = app
            .post_json(
                "/auth-service/api/v2/users/signup",
                &json!({"email": "rosa@example.com", "password": "a-good-password", "full_name": "Rosa Refresh"}),
            )
            .await;
        assert_eq!(status, 201, "{signed_up}");
        let (ejento, auth_app) = common::tokens(&signed_up);
        let (status, refreshed) = app
            .call(
                "POST",
                "/auth-service/api/v2/users/refresh-access-token",
                &auth_app,
                None,
            )
            .await;
        assert_eq!(status, 200, "{refreshed}");
        assert_shape(
            &refreshed["data"],
            &[("access_token", Kind::Str), ("ejento_access_token", Kind::Str)],
        );
        assert_ne!(
            refreshed["data"]["access_token"],
            auth_app.as_str(),
            "both tokens rotate"
        );

        let agent = app.agent_in_new_project(&ejento, "Voted").await;
        let vote = |v: &'static str| {
            let (app, token) = (&app, &ejento);
            async move {
                app.ok(
                    "POST",
                    &format!("/api/v2/agents/{agent}/votes"),
                    token,
                    Some(&json!({"vote": v})),
                )
                .await
            }
        };
        let up = vote("up").await;
        assert_shape(&up, &[("like_count", Kind::Int), ("dislike_count", Kind::Int)]);
        assert_eq!((&up["like_count"], &up["dislike_count"]), (&json!(1), &json!(0)));
        let down = vote("down").await;
        assert_eq!((&down["like_count"], &down["dislike_count"]), (&json!(0), &json!(1)));
        let cleared = vote("clear").await;
        assert_eq!(
            (&cleared["like_count"], &cleared["dislike_count"]),
            (&json!(0), &json!(0))
        );
    }
);

// §2.8 (creating a corpus; an upload answers `{id, source, access_url, step: "pending"}` with
// "Document has been queued for indexing") and §2.9 (a document: `id, source, access_url,
// step, tags, content_type`).
both_backends!(
    corpora_uploads_and_documents_are_as_documented,
    |app: TestApp| async move {
        let (token, user, org) = app.member("uma@example.com", "Uma Upload").await;
        let corpus = app
        .ok(
            "POST",
            "/api/v2/corpora",
            &token,
            Some(&json!({"name": "Attachments", "description": "", "indexing_mode_id": 3, "corpus_type": "attachment"})),
        )
        .await;
        assert_shape(
            &corpus,
            &[
                ("id", Kind::Int),
                ("indexing_mode", Kind::Object),
                ("created_by", Kind::Str),
                ("created_on", Kind::Timestamp),
                ("modified_by", Kind::Str),
                ("modified_on", Kind::Timestamp),
                ("name", Kind::Str),
                ("description", Kind::Str),
                ("is_public", Kind::Bool),
                ("is_deleted", Kind::Bool),
                ("owner", Kind::Int),
                ("org", Kind::Int),
                ("corpus_type", Kind::Str),
                ("tags", Kind::Array),
            ],
        );
        assert_eq!(corpus["indexing_mode"], json!({"id": 3, "mode": "basic"}));
        assert_eq!((&corpus["owner"], &corpus["org"]), (&json!(user), &json!(org)));
        assert_eq!(corpus["corpus_type"], "attachment");

        let (status, uploaded) = app
            .upload(
                corpus["id"].as_i64().unwrap(),
                &token,
                vec![
                    common::Part::Text("content_type", "text"),
                    common::Part::Text("source", "Meal receipts are kept for seven years."),
                    common::Part::Text("user_id", &user.to_string()),
                    common::Part::Text("tags", "finance,receipts"),
                    common::Part::Text("upload_from", "web"),
                ],
            )
            .await;
        assert_eq!(status, 201, "{uploaded}");
        assert_eq!(uploaded["message"], "Document has been queued for indexing");
        let data = &uploaded["data"];
        assert_shape(
            data,
            &[
                ("id", Kind::Int),
                ("source", Kind::Str),
                ("access_url", Kind::Str),
                ("step", Kind::Str),
            ],
        );
        assert_eq!(data["step"], "pending");
        let id = data["id"].as_i64().unwrap();
        app.settled(id, &token).await;
        let document = app.ok("GET", &format!("/api/v2/documents/{id}"), &token, None).await;
        assert_shape(
            &document,
            &[
                ("id", Kind::Int),
                ("source", Kind::Str),
                ("access_url", Kind::Str),
                ("step", Kind::Str),
                ("tags", Kind::Array),
                ("content_type", Kind::Str),
            ],
        );
        assert_eq!(document["content_type"], "text");
        assert_eq!(document["tags"], json!(["finance", "receipts"]));
    }
);

// §2.3.2: every event carries its SSE name and a `step`; the agent stream's `end` has
// `success`, `message` and the answer as `output`; the workflow stream's `end` is
// `{message: "Finished.", step: "end", success: true, output: {answer, thread_id,
// workflow_response_id, thread_name, agents_used, sources, references, subqueries}}`.
both_backends!(
    streams_name_their_events_and_end_as_documented,
    |app: TestApp| async move {
        let (token, _, _) = app.member("sven@example.com", "Sven Stream").await;
        let agent = app
            .agent_with_document(&token, "Refund Helper", "refunds.txt", POLICY)
            .await;
        let events = app.stream(&token, agent, "How are annual plans refunded?").await;
        for (_, name, data) in &events {
            assert!(data["step"].is_string(), "{name}: {data}");
            let step = data["step"].as_str().unwrap();
            match name.as_str() {
                "start" => assert_eq!(step, "start"),
                "status" => assert!(step.ends_with("_start") || step == "guardrail", "{data}"),
                "token" => {
                    assert!(step == "assistant_stream" || step == "tools_stream", "{data}");
                    assert!(data["delta"].is_string());
                }
                "end" => assert_eq!(step, "end"),
                other => panic!("an undocumented event {other}: {data}"),
            }
        }
        let end = &events.last().unwrap().2;
        assert_shape(
            end,
            &[
                ("success", Kind::Bool),
                ("message", Kind::Str),
                ("output", Kind::Object),
            ],
        );
        assert_shape(
            &end["output"],
            &[
                ("answer", Kind::Str),
                ("agent_response_id", Kind::Int),
                ("followup_questions", Kind::Array),
                ("references", Kind::Array),
                ("chat_thread_name", Kind::Str),
                ("thread_id", Kind::Int),
                ("guardrail_triggered", Kind::Bool),
                ("blocked", Kind::Bool),
            ],
        );

        let project = app.ok("GET", &format!("/api/v2/agents/{agent}"), &token, None).await["project"].clone();
        let workflow = app
        .ok(
            "POST",
            "/api/v2/workflows",
            &token,
            Some(&json!({"name": "Refunds", "project_id": project, "agent_ids": [agent], "supervisor_type": "Router"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
        let res = app
            .client
            .post(app.url(&format!(
                "/response-service/api/v2/workflows/{workflow}/responses/stream"
            )))
            .bearer_auth(&token)
            .json(&json!({"user_query": "How are annual plans refunded?"}))
            .send()
            .await
            .unwrap();
        let events = common::parse_sse(&res.text().await.unwrap());
        let (_, name, first) = &events[0];
        assert_eq!((name.as_str(), &first["step"]), ("start", &json!("start")));
        assert!(first["message"].is_string());
        let (_, name, end) = events.last().unwrap();
        assert_eq!(name, "end");
        assert_eq!(
            (&end["step"], &end["success"], &end["message"]),
            (&json!("end"), &json!(true), &json!("Finished."))
        );
        assert_shape(
            &end["output"],
            &[
                ("answer", Kind::Str),
                ("thread_id", Kind::Int),
                ("workflow_response_id", Kind::Int),
                ("thread_name", Kind::Str),
                ("agents_used", Kind::Array),
                ("sources", Kind::Str),
                ("references", Kind::Array),
                ("subqueries", Kind::Array),
            ],
        );
        assert_eq!(end["output"]["agents_used"], json!(["Refund Helper"]));
    }
);
