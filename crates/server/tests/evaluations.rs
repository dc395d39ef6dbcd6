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
                "Context Recall"
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
