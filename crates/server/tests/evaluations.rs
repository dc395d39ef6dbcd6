//! Evaluation datasets, their questions (by hand, imported, picked from chat answers), tags
//! and metrics: shapes, bad input, roles.

mod common;

use common::{TestApp, assert_error};
use serde_json::{Value, json};

async fn dataset(app: &TestApp, token: &str, agent: i64, body: Value) -> Value {
    app.ok(
        "POST",
        &format!("/api/v2/agents/{agent}/evaluation-datasets"),
        token,
        Some(&body),
    )
    .await
}

both_backends!(
    datasets_are_created_tagged_listed_and_deleted,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let agent = app.agent_in_new_project(&admin, "Billing Helper").await;
        let refunds = dataset(
        &app,
        &admin,
        agent,
        json!({"name": "Refunds", "description": "Refund questions", "tags": ["Billing", " billing ", "regression", ""]}),
    )
    .await;
        assert_eq!(
            refunds["tags"],
            json!(["billing", "regression"]),
            "trimmed, lower-cased, unique"
        );
        assert_eq!(refunds["agent"], agent);
        assert_eq!(refunds["query_count"], 0);
        let id = refunds["id"].as_i64().unwrap();
        dataset(&app, &admin, agent, json!({"name": "Shipping", "tags": ["shipping"]})).await;

        let path = format!("/api/v2/agents/{agent}/evaluation-datasets");
        assert_eq!(app.ok("GET", &path, &admin, None).await["meta"]["count"], 2);
        let billing = app.ok("GET", &format!("{path}?tag=Billing"), &admin, None).await;
        assert_eq!(billing["meta"]["count"], 1);
        assert_eq!(billing["datasets"][0]["id"], id);
        assert_eq!(
            app.ok("GET", "/api/v2/evaluation-dataset-tags", &admin, None).await,
            json!(["billing", "regression", "shipping"])
        );

        let updated = app
            .ok(
                "PUT",
                &format!("/api/v2/evaluation-datasets/{id}"),
                &admin,
                Some(&json!({"name": "Refund policy", "tags": ["billing"]})),
            )
            .await;
        assert_eq!(updated["name"], "Refund policy");
        assert_eq!(updated["description"], "");
        assert_eq!(updated["tags"], json!(["billing"]));

        for body in [json!({"name": " "}), json!({"name": "x", "tags": ["t".repeat(51)]})] {
            let (status, response) = app.call("POST", &path, &admin, Some(&body)).await;
            assert_error(status, &response, 422);
        }
        for body in [json!({}), json!({"all": true, "dataset_ids": [id]})] {
            let (status, response) = app.call("DELETE", &path, &admin, Some(&body)).await;
            assert_error(status, &response, 422);
        }
        app.ok("DELETE", &format!("/api/v2/evaluation-datasets/{id}"), &admin, None)
            .await;
        let (status, body) = app
            .call("GET", &format!("/api/v2/evaluation-datasets/{id}"), &admin, None)
            .await;
        assert_error(status, &body, 404);
        let deleted = app.ok("DELETE", &path, &admin, Some(&json!({"all": true}))).await;
        assert_eq!(deleted["count"], 1);
        assert_eq!(app.ok("GET", &path, &admin, None).await["meta"]["count"], 0);
        assert_eq!(
            app.ok("GET", "/api/v2/evaluation-dataset-tags", &admin, None).await,
            json!([])
        );
    }
);

both_backends!(
    questions_come_by_hand_by_import_and_from_chat_answers,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let agent = app.agent_in_new_project(&admin, "Billing Helper").await;
        let other_agent = app.agent_in_new_project(&admin, "Other Helper").await;
        let id = dataset(&app, &admin, agent, json!({"name": "Refunds"})).await["id"]
            .as_i64()
            .unwrap();
        let queries = format!("/api/v2/evaluation-datasets/{id}/evaluation-queries");

        let one = app
        .ok(
            "POST",
            &queries,
            &admin,
            Some(&json!({"question": " How long do refunds take? ", "expected_answer": "14 days", "expected_sources": ["refunds.md"]})),
        )
        .await;
        assert_eq!(one[0]["question"], "How long do refunds take?");
        assert_eq!(one[0]["expected_sources"], json!(["refunds.md"]));

        let csv = "question,expected_answer,expected_sources\nWho approves large refunds?,The billing lead,policy.md\n\"Refunds, in cash?\",No,\n";
        let imported = app.ok("POST", &queries, &admin, Some(&json!({"import": csv}))).await;
        assert_eq!(imported.as_array().unwrap().len(), 2);
        assert_eq!(imported[1]["question"], "Refunds, in cash?");
        let jsonl = "{\"question\": \"Refund to another card?\", \"expected_answer\": \"No\"}\n";
        app.ok("POST", &queries, &admin, Some(&json!({"import": jsonl}))).await;

        // A bad import names its lines and adds nothing.
        let (status, body) = app
            .call(
                "POST",
                &queries,
                &admin,
                Some(&json!({"import": "question,expected_answer\nGood?,yes\n,missing question\n"})),
            )
            .await;
        assert_error(status, &body, 422);
        assert!(body.to_string().contains("Line 3"), "{body}");
        for bad in [
            json!({}),
            json!({"question": "Q?", "import": "question\nQ?"}),
            json!({"question": "   "}),
            json!({"import": "question\nQ?", "import_format": "xml"}),
        ] {
            let (status, response) = app.call("POST", &queries, &admin, Some(&bad)).await;
            assert_error(status, &response, 422);
        }
        assert_eq!(app.ok("GET", &queries, &admin, None).await["meta"]["count"], 4);

        // An answered question from the chat logs: its answer becomes the expected one.
        let answered = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &admin,
                Some(&json!({"user_query": "Can I get a refund?"})),
            )
            .await;
        let response = answered["agent_response_id"].as_i64().unwrap();
        let picked = app
            .ok(
                "POST",
                &queries,
                &admin,
                Some(&json!({"agent_response_ids": [response]})),
            )
            .await;
        assert_eq!(picked[0]["question"], "Can I get a refund?");
        assert_eq!(picked[0]["expected_answer"], answered["answer"]);
        assert_eq!(picked[0]["agent_response"], response);
        let elsewhere = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{other_agent}/responses"),
                &admin,
                Some(&json!({"user_query": "Hello?"})),
            )
            .await["agent_response_id"]
            .as_i64()
            .unwrap();
        let (status, body) = app
            .call(
                "POST",
                &queries,
                &admin,
                Some(&json!({"agent_response_ids": [elsewhere]})),
            )
            .await;
        assert_error(status, &body, 422);

        let query = one[0]["id"].as_i64().unwrap();
        let edited = app
            .ok(
                "PUT",
                &format!("/api/v2/evaluation-queries/{query}"),
                &admin,
                Some(&json!({"question": "How many days do refunds take?", "expected_answer": "Fourteen"})),
            )
            .await;
        assert_eq!(edited["question"], "How many days do refunds take?");
        assert_eq!(edited["expected_sources"], json!([]));
        app.ok("DELETE", &format!("/api/v2/evaluation-queries/{query}"), &admin, None)
            .await;
        let (status, body) = app
            .call("GET", &format!("/api/v2/evaluation-queries/{query}"), &admin, None)
            .await;
        assert_error(status, &body, 404);
        let page = app
            .ok("GET", &format!("{queries}?items_per_page=2"), &admin, None)
            .await;
        assert_eq!(page["meta"]["count"], 4);
        assert_eq!(page["evaluation_queries"].as_array().unwrap().len(), 2);
        assert_eq!(
            app.ok("GET", &format!("/api/v2/evaluation-datasets/{id}"), &admin, None)
                .await["query_count"],
            4
        );
    }
);

both_backends!(
    only_an_agents_admins_measure_it_and_admins_own_metrics,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let (user, _, _) = app.member("uma@example.com", "Uma User").await;
        let agent = app.agent_in_new_project(&admin, "Billing Helper").await;
        app.ok(
            "PUT",
            &format!("/api/v2/agents/{agent}/access"),
            &admin,
            Some(&json!({"access": "Public"})),
        )
        .await;
        let id = dataset(&app, &admin, agent, json!({"name": "Refunds"})).await["id"]
            .as_i64()
            .unwrap();
        for (method, path) in [
            ("GET", format!("/api/v2/agents/{agent}/evaluation-datasets")),
            ("GET", format!("/api/v2/evaluation-datasets/{id}")),
            ("GET", format!("/api/v2/evaluation-datasets/{id}/evaluation-queries")),
        ] {
            let (status, body) = app.call(method, &path, &user, None).await;
            assert_error(status, &body, 403);
        }

        let metrics = app.ok("GET", "/api/v2/evaluation-metrics", &user, None).await;
        let names: Vec<&str> = metrics
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Answer Similarity",
                "Answer Relevance",
                "Faithfulness",
                "Context Recall",
                "Answer Similarity (LLM judge)",
                "Answer Relevance (LLM judge)",
                "Faithfulness (LLM judge)",
                "Context Recall (LLM judge)"
            ]
        );
        assert!(
            metrics
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["builtin"] == true && m["kind"] == "computed")
        );
        let grounding = app
            .ok("GET", "/api/v2/evaluation-metrics?category=grounding", &user, None)
            .await;
        assert_eq!(grounding.as_array().unwrap().len(), 1);

        let tone = json!({"name": "Tone", "category": "Style", "description": "Polite and clear"});
        let (status, body) = app.call("POST", "/api/v2/evaluation-metrics", &user, Some(&tone)).await;
        assert_error(status, &body, 403);
        let custom = app.ok("POST", "/api/v2/evaluation-metrics", &admin, Some(&tone)).await;
        assert_eq!(custom["kind"], "manual");
        assert_eq!(custom["builtin"], false);
        let (status, body) = app
            .call(
                "POST",
                "/api/v2/evaluation-metrics",
                &admin,
                Some(&json!({"name": "faithfulness"})),
            )
            .await;
        assert_error(status, &body, 422);
        let builtin = metrics[0]["id"].as_i64().unwrap();
        let (status, body) = app
            .call(
                "PUT",
                &format!("/api/v2/evaluation-metrics/{builtin}"),
                &admin,
                Some(&tone),
            )
            .await;
        assert_error(status, &body, 409);
        let id = custom["id"].as_i64().unwrap();
        let renamed = app
            .ok(
                "PUT",
                &format!("/api/v2/evaluation-metrics/{id}"),
                &admin,
                Some(&json!({"name": "Tone of voice", "category": "Style"})),
            )
            .await;
        assert_eq!(renamed["name"], "Tone of voice");
        app.ok("DELETE", &format!("/api/v2/evaluation-metrics/{id}"), &admin, None)
            .await;
        let (status, body) = app
            .call("GET", &format!("/api/v2/evaluation-metrics/{id}"), &admin, None)
            .await;
        assert_error(status, &body, 404);
    }
);

/// An agent whose corpus holds a refund policy, and a dataset of three questions: one the
/// documents answer (with its expected source), one they do not, one without an expected
/// answer. (token, agent, dataset)
async fn measured(app: &TestApp) -> (String, i64, i64) {
    let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
    let agent = app.agent_in_new_project(&admin, "Billing Helper").await;
    let corpora = app
        .ok("GET", &format!("/api/v2/agents/{agent}/corpora"), &admin, None)
        .await;
    let corpus = corpora["items"]["agent_corpus"][0]["corpus_id"].as_i64().unwrap();
    app.upload_file(
        corpus,
        &admin,
        "refunds.md",
        b"# Refunds\n\nRefunds are paid back within 14 days to the original card.\n".to_vec(),
    )
    .await;
    let dataset = dataset(app, &admin, agent, json!({"name": "Refunds"})).await["id"]
        .as_i64()
        .unwrap();
    let jsonl = concat!(
        "{\"question\": \"How long until refunds are paid back?\", \"expected_answer\": \"Refunds are paid back within 14 days to the original card.\", \"expected_sources\": [\"refunds.md\"]}\n",
        "{\"question\": \"Where do I park my car?\", \"expected_answer\": \"Park in zone B.\"}\n",
        "{\"question\": \"Are refunds paid to the original card?\"}\n",
    );
    app.ok(
        "POST",
        &format!("/api/v2/evaluation-datasets/{dataset}/evaluation-queries"),
        &admin,
        Some(&json!({"import": jsonl})),
    )
    .await;
    (admin, agent, dataset)
}

async fn settled_run(app: &TestApp, token: &str, run: i64) -> Value {
    for _ in 0..300 {
        let e = app.ok("GET", &format!("/api/v2/evaluations/{run}"), token, None).await;
        if !matches!(e["status"].as_str(), Some("pending" | "running")) {
            return e;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("run {run} did not end");
}

fn score(result: &Value, metric: &str) -> Option<f64> {
    result["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == metric)
        .map(|m| m["score"].as_f64().unwrap())
}

both_backends!(
    a_run_answers_every_question_once_and_scores_it,
    |app: TestApp| async move {
        let (admin, agent, dataset) = measured(&app).await;
        let started = app
            .ok(
                "POST",
                "/api/v2/evaluations",
                &admin,
                Some(&json!({"dataset_id": dataset, "name": "Baseline"})),
            )
            .await;
        assert_eq!(started["total"], 3);
        assert_eq!(started["agent"], agent);
        let run = started["id"].as_i64().unwrap();
        let done = settled_run(&app, &admin, run).await;
        assert_eq!(done["status"], "completed", "{done}");
        assert_eq!(done["done"], 3);
        assert_eq!(done["summary"]["completed"], 3);
        let averages: Vec<&str> = done["summary"]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            averages,
            [
                "Answer Similarity",
                "Answer Relevance",
                "Faithfulness",
                "Context Recall"
            ]
        );

        let results = app
            .ok("GET", &format!("/api/v2/evaluations/{run}/query-results"), &admin, None)
            .await;
        assert_eq!(results["meta"]["count"], 3);
        let results = results["query_results"].as_array().unwrap();
        let refunds = &results[0];
        assert!(refunds["answer"].as_str().unwrap().contains("14 days"), "{refunds}");
        assert_eq!(refunds["sources"][0]["title"], "refunds.md");
        assert!(score(refunds, "Answer Similarity").unwrap() > 0.5, "{refunds}");
        assert_eq!(
            score(refunds, "Faithfulness"),
            Some(1.0),
            "the answer quotes its source"
        );
        assert_eq!(
            score(refunds, "Context Recall"),
            Some(1.0),
            "the expected source was retrieved"
        );
        let parking = &results[1];
        assert!(score(parking, "Answer Similarity").unwrap() < 0.5, "{parking}");
        assert_eq!(
            score(&results[2], "Answer Similarity"),
            None,
            "no expected answer, no similarity"
        );
        // Each answer is an ordinary agent response, asked afresh.
        let answer = app
            .ok(
                "GET",
                &format!("/api/v2/agent-responses/{}", refunds["agent_response"]),
                &admin,
                None,
            )
            .await;
        assert_eq!(answer["query_source"], "evaluation");

        // Bad requests.
        for (body, status) in [
            (json!({"dataset_id": 987_654}), 422),
            (json!({"dataset_id": dataset, "name": " \u{7}"}), 422),
        ] {
            let (got, response) = app.call("POST", "/api/v2/evaluations", &admin, Some(&body)).await;
            assert_error(got, &response, status);
        }
        let empty = app
            .ok(
                "POST",
                &format!("/api/v2/agents/{agent}/evaluation-datasets"),
                &admin,
                Some(&json!({"name": "Empty"})),
            )
            .await;
        let (got, response) = app
            .call(
                "POST",
                "/api/v2/evaluations",
                &admin,
                Some(&json!({"dataset_id": empty["id"]})),
            )
            .await;
        assert_error(got, &response, 422);
        let (got, response) = app
            .call(
                "PUT",
                &format!("/api/v2/evaluations/{run}"),
                &admin,
                Some(&json!({"status": "cancelled"})),
            )
            .await;
        assert_error(got, &response, 409);
        let (got, response) = app
            .call(
                "PUT",
                &format!("/api/v2/evaluations/{run}"),
                &admin,
                Some(&json!({"status": "bogus"})),
            )
            .await;
        assert_error(got, &response, 422);
        let listed = app
            .ok(
                "GET",
                &format!("/api/v2/evaluations?dataset_id={dataset}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(listed["meta"]["count"], 1);
        let (user, _, _) = app.member("uma@example.com", "Uma User").await;
        let (got, response) = app.call("GET", "/api/v2/evaluations", &user, None).await;
        assert_error(got, &response, 403);
        let (got, response) = app
            .call("GET", &format!("/api/v2/evaluations/{run}"), &user, None)
            .await;
        assert_error(got, &response, 403);
        app.ok(
            "DELETE",
            "/api/v2/evaluations",
            &admin,
            Some(&json!({"dataset_id": dataset})),
        )
        .await;
        let (got, response) = app
            .call("GET", &format!("/api/v2/evaluations/{run}"), &admin, None)
            .await;
        assert_error(got, &response, 404);
    }
);

#[tokio::test]
async fn a_stopped_run_resumes_and_answers_each_question_once() {
    // Slow words, so Stop lands mid-run.
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.local_token_delay_ms = 30)
        .await
        .unwrap();
    let (admin, _, dataset) = measured(&app).await;
    let run = app
        .ok(
            "POST",
            "/api/v2/evaluations",
            &admin,
            Some(&json!({"dataset_id": dataset})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.ok(
        "PUT",
        &format!("/api/v2/evaluations/{run}"),
        &admin,
        Some(&json!({"status": "cancelled"})),
    )
    .await;
    let stopped = settled_run(&app, &admin, run).await;
    assert_eq!(stopped["status"], "cancelled");
    assert!(stopped["done"].as_i64().unwrap() < 3, "{stopped}");
    let resumed = app
        .ok(
            "PUT",
            &format!("/api/v2/evaluations/{run}"),
            &admin,
            Some(&json!({"status": "pending"})),
        )
        .await;
    assert_eq!(resumed["status"], "pending");
    let done = settled_run(&app, &admin, run).await;
    assert_eq!(done["status"], "completed");
    let results = app
        .ok("GET", &format!("/api/v2/evaluations/{run}/query-results"), &admin, None)
        .await;
    let mut queries: Vec<i64> = results["query_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["query"].as_i64().unwrap())
        .collect();
    queries.dedup();
    assert_eq!(queries.len(), 3, "each question once: {results}");

    let asked = app.ok("GET", "/api/v2/users/me", &admin, None).await["id"]
        .as_i64()
        .unwrap();
    let answers = app
        .ok(
            "GET",
            &format!("/api/v2/users/{asked}/agent-responses?items_per_page=100"),
            &admin,
            None,
        )
        .await;
    let evaluation_answers = answers["agent_responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["query_source"] == "evaluation")
        .count() as i64;
    // Each question was asked once, plus at most the one Stop cut off (asked again on resume).
    assert!((3..=4).contains(&evaluation_answers), "{evaluation_answers}");
}

both_backends!(
    answers_from_elsewhere_and_peoples_scores_are_recorded,
    |app: TestApp| async move {
        let (admin, _, dataset) = measured(&app).await;
        let tone = app
            .ok(
                "POST",
                "/api/v2/evaluation-metrics",
                &admin,
                Some(&json!({"name": "Tone", "category": "Style"})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let builtin = app.ok("GET", "/api/v2/evaluation-metrics", &admin, None).await[0]["id"]
            .as_i64()
            .unwrap();
        let run = app
            .ok(
                "POST",
                "/api/v2/evaluations",
                &admin,
                Some(&json!({"dataset_id": dataset})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let done = settled_run(&app, &admin, run).await;
        assert_eq!(done["status"], "completed");
        let results = app
            .ok("GET", &format!("/api/v2/evaluations/{run}/query-results"), &admin, None)
            .await;
        let first = results["query_results"][0]["id"].as_i64().unwrap();
        let query = results["query_results"][0]["query"].as_i64().unwrap();

        // A person scores an answer by the organization's own metric (0 to 1), not a computed one.
        let scored = app
            .ok(
                "PUT",
                &format!("/api/v2/query-results/{first}"),
                &admin,
                Some(&json!({"metric_scores": [{"metric_id": tone, "score": 0.75, "details": "friendly"}]})),
            )
            .await;
        let tone_score = scored["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric_id"] == tone)
            .unwrap();
        assert_eq!(tone_score["score"], 0.75);
        assert_eq!(tone_score["details"], "friendly");
        for bad in [
            json!({"metric_scores": [{"metric_id": tone, "score": 1.5}]}),
            json!({"metric_scores": [{"metric_id": builtin, "score": 0.5}]}),
            json!({"metric_scores": [{"metric_id": 987_654, "score": 0.5}]}),
        ] {
            let (status, body) = app
                .call("PUT", &format!("/api/v2/query-results/{first}"), &admin, Some(&bad))
                .await;
            assert_error(status, &body, 422);
        }
        // Scoring again replaces the score.
        let again = app
            .ok(
                "POST",
                &format!("/api/v2/evaluation-metrics/{tone}/metric-results"),
                &admin,
                Some(&json!({"query_result_id": first, "score": 0.5})),
            )
            .await;
        assert_eq!(again["score"], 0.5);
        assert_eq!(again["evaluation"], run);
        let one = app
            .ok("GET", &format!("/api/v2/metric-results/{}", again["id"]), &admin, None)
            .await;
        assert_eq!(one, again);
        let of_run = app
            .ok(
                "GET",
                &format!("/api/v2/evaluation-metrics/{tone}/metric-results?evaluation_id={run}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(of_run["meta"]["count"], 1);
        let all = app
            .ok(
                "GET",
                &format!("/api/v2/evaluation-metrics/{builtin}/metric-results"),
                &admin,
                None,
            )
            .await;
        assert!(all["meta"]["count"].as_i64().unwrap() >= 2);

        // An answer from elsewhere: only for a question without a result in the run.
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/evaluations/{run}/query-results"),
                &admin,
                Some(&json!({"query_id": query, "answer": "Fourteen days."})),
            )
            .await;
        assert_error(status, &body, 409);
        let added = app
            .ok(
                "POST",
                &format!("/api/v2/evaluation-datasets/{dataset}/evaluation-queries"),
                &admin,
                Some(&json!({"question": "How are refunds paid?", "expected_answer": "To the original card."})),
            )
            .await;
        let new_query = added[0]["id"].as_i64().unwrap();
        let recorded = app
        .ok(
            "POST",
            &format!("/api/v2/evaluations/{run}/query-results"),
            &admin,
            Some(&json!({
                "query_id": new_query,
                "answer": "Refunds are paid to the original card.",
                "sources": [{"document_id": 0, "title": "refunds.md", "text": "Refunds are paid back to the original card.", "score": 1.0}],
                "metric_scores": [{"metric_id": tone, "score": 1.0}],
            })),
        )
        .await;
        assert_eq!(recorded["agent_response"], Value::Null);
        assert_eq!(score(&recorded, "Faithfulness"), Some(1.0));
        assert_eq!(score(&recorded, "Tone"), Some(1.0));
        assert_eq!(
            app.ok(
                "GET",
                &format!("/api/v2/query-results/{}", recorded["id"]),
                &admin,
                None
            )
            .await,
            recorded
        );
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/evaluations/{run}/query-results"),
                &admin,
                Some(&json!({"query_id": 987_654, "answer": "x"})),
            )
            .await;
        assert_error(status, &body, 422);
    }
);

/// A server whose organization has the stand-in model `reader` configured, the measured agent
/// answering with it. (app, token, agent, dataset, reader's configuration, local configuration)
async fn measured_with_reader(backend: common::Backend) -> Option<(TestApp, String, i64, i64, i64, i64)> {
    let (url, _model) = common::model::start().await;
    let app = TestApp::spawn_with(backend, move |c| c.model_deployments = common::model::deployments(&url)).await?;
    let (admin, agent, dataset) = measured(&app).await;
    let llms = app.ok("GET", "/api/v2/llm-configurations", &admin, None).await;
    let id_of = |provider: &str| {
        llms.as_array()
            .unwrap()
            .iter()
            .find(|l| l["provider"] == provider)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (reader, local) = (id_of("openai-compatible"), id_of("local"));
    app.ok(
        "PUT",
        &format!("/api/v2/agents/{agent}/llm-configuration"),
        &admin,
        Some(&json!({"llm_config_id": reader})),
    )
    .await;
    Some((app, admin, agent, dataset, reader, local))
}

async fn finished_run(app: &TestApp, token: &str, body: Value) -> Value {
    let run = app.ok("POST", "/api/v2/evaluations", token, Some(&body)).await["id"]
        .as_i64()
        .unwrap();
    let done = settled_run(app, token, run).await;
    assert_eq!(done["status"], "completed", "{done}");
    done
}

async fn runs_are_compared_question_by_question(backend: common::Backend) {
    let Some((app, admin, agent, dataset, reader, _)) = measured_with_reader(backend).await else {
        return eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set");
    };
    let judged = json!({"dataset_id": dataset, "name": "Quoting", "judge_llm_config_id": reader});
    let before = finished_run(&app, &admin, judged.clone()).await;
    assert_eq!(before["configuration"]["model"], "reader");
    assert_eq!(before["configuration"]["judge"], "reader");
    let judge_average = |run: &Value| {
        run["summary"]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "Faithfulness (LLM judge)")
            .map(|m| m["average"].as_f64().unwrap())
    };
    assert_eq!(judge_average(&before), Some(0.9), "{before}");
    // Judging three answers took the judge 240 tokens each (200 in at $0.001/1k, 40 out at
    // $0.002/1k), counted apart from the answers' own cost.
    assert_eq!(before["summary"]["judge_tokens"], 720, "{before}");
    assert_eq!(before["summary"]["judge_cost"], "0.00084");

    app.ok(
        "PUT",
        &format!("/api/v2/agents/{agent}"),
        &admin,
        Some(&json!({"prefix_prompt": "Say only that it depends."})),
    )
    .await;
    let mut hedging = judged.clone();
    hedging["name"] = json!("Hedging");
    let after = finished_run(&app, &admin, hedging).await;
    assert_eq!(judge_average(&after), Some(0.1));
    let (a, b) = (before["id"].as_i64().unwrap(), after["id"].as_i64().unwrap());

    let cmp = app
        .ok("GET", &format!("/api/v2/evaluations/{a}/compare/{b}"), &admin, None)
        .await;
    assert_eq!(cmp["configuration_changes"].as_array().unwrap().len(), 1, "{cmp}");
    assert_eq!(cmp["configuration_changes"][0]["field"], "prompt");
    assert_eq!(
        cmp["configuration_changes"][0]["candidate"],
        "Say only that it depends."
    );
    let judge_delta = cmp["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Answer Relevance (LLM judge)")
        .unwrap();
    assert_eq!(judge_delta["base"], 0.9);
    assert_eq!(judge_delta["candidate"], 0.1);
    assert_eq!(judge_delta["delta"], -0.8);
    assert_eq!(
        cmp["counts"],
        json!({"regressed": 3, "improved": 0, "changed": 0, "unchanged": 0, "missing": 0})
    );
    let first = &cmp["queries"][0];
    assert_eq!(first["question"], "How long until refunds are paid back?");
    assert_eq!(first["change"], "regressed");
    let pieces = |key: &str, kind: &str| -> String {
        first[key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["kind"] == kind)
            .map(|p| p["text"].as_str().unwrap())
            .collect()
    };
    assert!(pieces("answer_diff", "removed").contains("14 days"), "{first}");
    assert!(pieces("answer_diff", "added").contains("It depends"), "{first}");
    assert!(pieces("base_vs_expected", "same").contains("paid back within 14 days"));
    assert_eq!(
        first["base"]["answer"],
        "Refunds are paid back within 14 days to the original card [1]."
    );

    // Filters, the other direction, one metric, sorting.
    let improved = app
        .ok(
            "GET",
            &format!("/api/v2/evaluations/{a}/compare/{b}?change=improved"),
            &admin,
            None,
        )
        .await;
    assert_eq!(improved["meta"]["count"], 0);
    assert_eq!(improved["counts"]["regressed"], 3, "counts ignore the filter");
    let reverse = app
        .ok(
            "GET",
            &format!("/api/v2/evaluations/{b}/compare/{a}?change=improved&sort=delta"),
            &admin,
            None,
        )
        .await;
    assert_eq!(reverse["meta"]["count"], 3);
    let similarity = reverse["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Answer Similarity")
        .unwrap()["metric_id"]
        .clone();
    let by_one = app
        .ok(
            "GET",
            &format!("/api/v2/evaluations/{b}/compare/{a}?metric_id={similarity}&page=1&items_per_page=1"),
            &admin,
            None,
        )
        .await;
    assert_eq!(by_one["queries"].as_array().unwrap().len(), 1);
    assert_eq!(by_one["meta"]["count"], 3);

    // The results as CSV: one column per metric.
    let csv = app
        .client
        .get(app.url(&format!("/api/v2/evaluations/{a}/query-results?export=csv")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("evaluation-{a}.csv"))
    );
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("\"query_id\",\"question\",\"expected_answer\",\"answer\""),
        "{header}"
    );
    assert!(header.contains("\"Faithfulness (LLM judge)\""), "{header}");
    assert!(text.contains("\"refunds.md\""), "{text}");
    assert_eq!(text.lines().count(), 4);

    // Bad input.
    for (query, field) in [
        ("change=worse", "change"),
        ("sort=random", "sort"),
        ("metric_id=999999", "metric_id"),
    ] {
        let (status, body) = app
            .call(
                "GET",
                &format!("/api/v2/evaluations/{a}/compare/{b}?{query}"),
                &admin,
                None,
            )
            .await;
        assert_error(status, &body, 422);
        assert!(body["errors"][field].is_array(), "{body}");
    }
    let (status, body) = app
        .call(
            "GET",
            &format!("/api/v2/evaluations/{a}/query-results?export=xlsx"),
            &admin,
            None,
        )
        .await;
    assert_error(status, &body, 422);
    let other = crate::dataset(&app, &admin, agent, json!({"name": "Other"})).await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        "POST",
        &format!("/api/v2/evaluation-datasets/{other}/evaluation-queries"),
        &admin,
        Some(&json!({"question": "Who pays?"})),
    )
    .await;
    let c = finished_run(&app, &admin, json!({"dataset_id": other})).await["id"]
        .as_i64()
        .unwrap();
    let (status, body) = app
        .call("GET", &format!("/api/v2/evaluations/{a}/compare/{c}"), &admin, None)
        .await;
    assert_error(status, &body, 422);
    assert!(body["message"].as_str().unwrap().contains("same dataset"), "{body}");
    let (stranger, _, _) = app.member("sam@example.com", "Sam Stranger").await;
    let (status, body) = app
        .call("GET", &format!("/api/v2/evaluations/{a}/compare/{b}"), &stranger, None)
        .await;
    assert!(matches!(status, 403 | 404), "{status} {body}");
}

#[tokio::test]
async fn runs_are_compared_question_by_question_sqlite() {
    runs_are_compared_question_by_question(common::Backend::Sqlite).await;
}

#[tokio::test]
async fn runs_are_compared_question_by_question_postgres() {
    runs_are_compared_question_by_question(common::Backend::Postgres).await;
}

#[tokio::test]
async fn a_run_answers_with_the_model_chosen_and_only_a_model_endpoint_judges() {
    let (app, admin, _agent, dataset, reader, local) = measured_with_reader(common::Backend::Sqlite).await.unwrap();
    let local_run = finished_run(&app, &admin, json!({"dataset_id": dataset, "llm_config_id": local})).await;
    assert_eq!(local_run["configuration"]["model"], "local");
    assert_eq!(local_run["llm_config_id"], local);
    let id = local_run["id"].as_i64().unwrap();
    let results = app
        .ok("GET", &format!("/api/v2/evaluations/{id}/query-results"), &admin, None)
        .await;
    assert!(
        results["query_results"][0]["answer"]
            .as_str()
            .unwrap()
            .starts_with("Here is what the documents say"),
        "the local answerer answered: {results}"
    );
    assert!(
        results["query_results"][0]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| !m["name"].as_str().unwrap().contains("LLM judge")),
        "no judge, no judge scores"
    );
    let reader_run = finished_run(&app, &admin, json!({"dataset_id": dataset})).await;
    assert_eq!(reader_run["configuration"]["model"], "reader", "the agent's own model");
    let cmp = app
        .ok(
            "GET",
            &format!("/api/v2/evaluations/{id}/compare/{}", reader_run["id"]),
            &admin,
            None,
        )
        .await;
    assert_eq!(cmp["configuration_changes"][0]["field"], "model");
    assert_eq!(cmp["configuration_changes"][0]["base"], "local");

    for (body, field) in [
        (
            json!({"dataset_id": dataset, "judge_llm_config_id": local}),
            "judge_llm_config_id",
        ),
        (
            json!({"dataset_id": dataset, "judge_llm_config_id": 999999}),
            "judge_llm_config_id",
        ),
        (json!({"dataset_id": dataset, "llm_config_id": 999999}), "llm_config_id"),
    ] {
        let (status, err) = app.call("POST", "/api/v2/evaluations", &admin, Some(&body)).await;
        assert_error(status, &err, 422);
        assert!(err["errors"][field].is_array(), "{err}");
    }
    let _ = reader;
}
