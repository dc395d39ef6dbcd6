//! Guardrails: personal data redacted from questions and from streamed answers before any token
//! leaves the server, blocked topics refused with the reason, agents turning a type off, the
//! dry-run, the feature flags that gate them, bad input, isolation and the audit log.

mod common;

use common::{TestApp, assert_error, end_of};
use serde_json::json;

/// An agent whose corpus has a policy that names a contact e-mail and a card number.
async fn agent_with_contacts(app: &TestApp, token: &str) -> i64 {
    app.agent_with_document(
        token,
        "Billing Helper",
        "refunds.md",
        "# Refund policy\n\nRefunds are paid back within 10 business days, write to refunds.desk@example.com for \
         refunds. The test card 4111 1111 1111 1111 is never charged for refunds.\n",
    )
    .await
}

both_backends!(
    personal_data_is_redacted_before_anything_leaves_the_server,
    |app: TestApp| async move {
        let (admin, _, org) = app.member("ada@example.com", "Ada Admin").await;
        let (member, _, _) = app.member("bob@example.com", "Bob Member").await;
        let agent = agent_with_contacts(&app, &admin).await;
        let pii = json!({"name": "Personal data", "guardrail_type": "pii"});
        let path = format!("/api/v2/organizations/{org}/guardrails");
        let (status, body) = app.call("POST", &path, &member, Some(&pii)).await;
        assert_error(status, &body, 403);
        let (status, body) = app.call("POST", &path, &admin, Some(&pii)).await;
        assert_eq!(status, 201, "{body}");
        let guardrail = &body["data"];
        assert_eq!(guardrail["applies_to"], "both");
        assert_eq!(guardrail["action"], "redact");
        assert_eq!(guardrail["is_enabled"], true);

        let events = app
            .stream(
                &admin,
                agent,
                "I am ana.lopez@example.com: who do I write to about refunds?",
            )
            .await;
        // No token, thought or status carries the addresses or the card.
        for (_, _, data) in &events {
            let text = data.to_string();
            assert!(!text.contains("ana.lopez@"), "{text}");
            if data["step"] == "assistant_stream" {
                assert!(!text.contains("refunds.desk@"), "{text}");
                assert!(!text.contains("4111"), "{text}");
            }
        }
        let end = end_of(&events);
        assert_eq!(end["success"], true, "{end}");
        let out = &end["output"];
        assert_eq!(out["query"], "I am [EMAIL]: who do I write to about refunds?");
        let answer = out["answer"].as_str().unwrap();
        assert!(answer.contains("write to [EMAIL] for refunds"), "{answer}");
        assert_eq!(out["guardrail_triggered"], true);
        assert_eq!(out["blocked"], false);
        let findings: Vec<(&str, &str)> = out["guardrail_findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["direction"].as_str().unwrap(), f["kind"].as_str().unwrap()))
            .collect();
        assert!(findings.contains(&("input", "email")), "{findings:?}");
        assert!(findings.contains(&("output", "email")), "{findings:?}");
        // What is stored is what was shown.
        let id = out["agent_response_id"].as_i64().unwrap();
        let stored = app
            .ok("GET", &format!("/api/v2/agent-responses/{id}"), &admin, None)
            .await;
        assert_eq!(stored["question"], "I am [EMAIL]: who do I write to about refunds?");
        assert_eq!(stored["answer"], out["answer"]);
        let stored_text = stored.to_string();
        assert!(
            !stored_text.contains("ana.lopez@") && !stored_text.contains("refunds.desk@"),
            "{stored}"
        );
        // The trace shows both guardrail steps with their findings, around retrieval and the
        // model, each in time order and within the answer's time.
        let trace = app
            .ok("GET", &format!("/api/v2/agent-responses/{id}/trace"), &admin, None)
            .await;
        let steps = trace["steps"].as_array().unwrap();
        let titles: Vec<&str> = steps.iter().map(|s| s["title"].as_str().unwrap()).collect();
        assert_eq!(
            titles,
            [
                "Question guardrails",
                "Retrieval",
                "Local extractive answerer",
                "Answer guardrails"
            ],
            "{trace}"
        );
        assert_eq!(steps[0]["findings"][0]["kind"], "email");
        assert_eq!(steps[3]["findings"][0]["direction"], "output");
        let latency = trace["latency_ms"].as_i64().unwrap();
        let mut last_start = 0;
        for s in steps {
            let (start, took) = (s["started_ms"].as_i64().unwrap(), s["duration_ms"].as_i64().unwrap());
            assert!(
                start >= last_start && took >= 0 && start + took <= latency + 1,
                "{trace}"
            );
            last_start = start;
        }
        // Retrieval lists the passages the answer was given, with their scores.
        let supporting = app
            .ok(
                "GET",
                &format!("/api/v2/agent-responses/{id}/supporting-content"),
                &admin,
                None,
            )
            .await;
        let passages = steps[1]["passages"].as_array().unwrap();
        assert!(!passages.is_empty(), "{trace}");
        assert!(
            supporting
                .to_string()
                .contains(passages[0]["document_title"].as_str().unwrap())
        );
        assert!(passages.iter().all(|p| p["score"].as_f64().unwrap() > 0.0));
        let model_step = &steps[2];
        assert_eq!(model_step["first_token_ms"], trace["first_token_ms"]);
        assert!(model_step["first_token_ms"].as_i64().unwrap() <= latency);
        // Someone else's answer's trace is not theirs to read.
        let (status, body) = app
            .call("GET", &format!("/api/v2/agent-responses/{id}/trace"), &member, None)
            .await;
        assert_error(status, &body, 404);

        // The pii-redaction flag off: personal data passes; back on: redacted again.
        app.ok(
            "PUT",
            "/api/v2/feature-flags/pii-redaction",
            &admin,
            Some(&json!({"enabled": false})),
        )
        .await;
        let out = end_of(
            &app.stream(&admin, agent, "Mail me at ana@example.com about refunds")
                .await,
        )["output"]
            .clone();
        assert_eq!(out["query"], "Mail me at ana@example.com about refunds");
        assert_eq!(out["guardrail_triggered"], false);
        app.ok(
            "PUT",
            "/api/v2/feature-flags/pii-redaction",
            &admin,
            Some(&json!({"enabled": true})),
        )
        .await;
        // Turned off for the organization: no redaction either.
        app.ok(
            "PUT",
            &format!("{path}/{}", guardrail["id"]),
            &admin,
            Some(&json!({"is_enabled": false})),
        )
        .await;
        let out = end_of(&app.stream(&admin, agent, "Mail me at ana@example.com").await)["output"].clone();
        assert_eq!(out["guardrail_triggered"], false);
    }
);

both_backends!(
    blocked_topics_refuse_with_the_reason_and_agents_may_turn_a_type_off,
    |app: TestApp| async move {
        let (admin, _, org) = app.member("ada@example.com", "Ada Admin").await;
        let agent = agent_with_contacts(&app, &admin).await;
        let path = format!("/api/v2/organizations/{org}/guardrails");
        let topic = app
            .ok(
                "POST",
                &path,
                &admin,
                Some(&json!({"name": "HR topics", "guardrail_type": "blocked_topics",
                    "config": {"topics": [{"name": "Salaries", "keywords": ["salary", "pay rise"]}]}})),
            )
            .await;
        let events = app
            .stream(&admin, agent, "What is the salary of the billing lead?")
            .await;
        assert!(
            !events.iter().any(|(_, _, d)| d["step"] == "assistant_stream"),
            "nothing is generated"
        );
        let end = end_of(&events);
        assert_eq!(end["success"], false);
        assert_eq!(
            end["message"],
            "Blocked by the guardrail “HR topics”: the question is about the blocked topic Salaries."
        );
        assert_eq!(end["output"]["blocked"], true);
        assert_eq!(end["output"]["guardrail_triggered"], true);
        assert_eq!(end["output"]["status"], "blocked");
        assert_eq!(end["output"]["answer"], "");

        // The agent turns blocked topics off for itself: it answers.
        let types = app
            .ok("GET", &format!("/api/v2/agents/{agent}/guardrail-types"), &admin, None)
            .await;
        let topics = types
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "blocked_topics")
            .unwrap()
            .clone();
        assert_eq!(topics["is_enabled"], true);
        assert_eq!(topics["guardrail_count"], 1);
        let types = app
            .ok(
                "PUT",
                &format!("/api/v2/agents/{agent}/guardrail-types/{}", topics["id"]),
                &admin,
                Some(&json!({"is_enabled": false})),
            )
            .await;
        assert!(
            types
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == "blocked_topics" && t["is_enabled"] == false)
        );
        let end = end_of(&app.stream(&admin, agent, "What is the salary for refunds?").await);
        assert_eq!(end["success"], true, "{end}");
        let (status, body) = app
            .call(
                "PUT",
                &format!("/api/v2/agents/{agent}/guardrail-types/99"),
                &admin,
                Some(&json!({"is_enabled": false})),
            )
            .await;
        assert_error(status, &body, 404);

        // A maximum question length, on another agent only.
        let other = app.agent_in_new_project(&admin, "Other Helper").await;
        app.ok(
            "POST",
            &path,
            &admin,
            Some(&json!({"name": "Short questions", "guardrail_type": "max_input_length",
                "agent_id": other, "config": {"max_characters": 20}})),
        )
        .await;
        let end = end_of(
            &app.stream(&admin, other, "A question far longer than twenty characters")
                .await,
        );
        assert_eq!(end["output"]["blocked"], true);
        assert!(end["message"].as_str().unwrap().contains("the limit is 20"), "{end}");
        let end = end_of(
            &app.stream(&admin, agent, "A question far longer than twenty characters")
                .await,
        );
        assert_eq!(end["output"]["blocked"], false, "only the other agent has the limit");

        // The guardrail flag off: nothing is checked.
        app.ok(
            "PUT",
            "/api/v2/feature-flags/guardrail",
            &admin,
            Some(&json!({"enabled": false})),
        )
        .await;
        let end = end_of(
            &app.stream(&admin, other, "A question far longer than twenty characters")
                .await,
        );
        assert_eq!(end["output"]["blocked"], false);

        // Read, change, delete.
        let id = topic["id"].as_i64().unwrap();
        let one = app.ok("GET", &format!("/api/v2/guardrails/{id}"), &admin, None).await;
        assert_eq!(one["config"]["topics"][0]["keywords"], json!(["salary", "pay rise"]));
        let changed = app
            .ok(
                "PUT",
                &format!("/api/v2/guardrails/{id}"),
                &admin,
                Some(
                    &json!({"name": "HR", "guardrail_type": "blocked_terms", "action": "redact",
                    "config": {"terms": ["Salary", " salary ", "bonus"]}}),
                ),
            )
            .await;
        assert_eq!(changed["config"]["terms"], json!(["Salary", "bonus"]));
        assert_eq!(changed["config"]["topics"], json!([]));
        let list = app.ok("GET", &path, &admin, None).await;
        assert_eq!(list["meta"]["count"], 2, "{list}");
        let list = app.ok("GET", &format!("{path}?agent_id={agent}"), &admin, None).await;
        assert_eq!(
            list["guardrails"].as_array().unwrap().len(),
            1,
            "the other agent's is left out"
        );
        app.ok("DELETE", &format!("/api/v2/guardrails/{id}"), &admin, None)
            .await;
        let (status, body) = app.call("GET", &format!("/api/v2/guardrails/{id}"), &admin, None).await;
        assert_error(status, &body, 404);

        // The audit log has every change, newest first, for Global Admins only.
        let log = app
            .ok("GET", &format!("/api/v2/organizations/{org}/audit-log"), &admin, None)
            .await;
        let actions: Vec<&str> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "guardrail.delete",
                "guardrail.update",
                "feature_flag.update",
                "guardrail.create",
                "agent.guardrail_type",
                "guardrail.create"
            ]
        );
        let update = &log["entries"][1];
        assert_eq!(update["actor"], "ada@example.com");
        assert_eq!(update["before"]["name"], "HR topics");
        assert_eq!(update["after"]["name"], "HR");
        let flags = app
            .ok(
                "GET",
                &format!("/api/v2/organizations/{org}/audit-log?resource_type=feature_flag"),
                &admin,
                None,
            )
            .await;
        assert_eq!(flags["meta"]["count"], 1);
        assert_eq!(flags["entries"][0]["after"]["enabled"], false);
        let (status, body) = app
            .call(
                "GET",
                &format!("/api/v2/organizations/{org}/audit-log?from=yesterday"),
                &admin,
                None,
            )
            .await;
        assert_error(status, &body, 422);
        let (member, _, _) = app.member("bob@example.com", "Bob Member").await;
        let (status, body) = app
            .call("GET", &format!("/api/v2/organizations/{org}/audit-log"), &member, None)
            .await;
        assert_error(status, &body, 403);
    }
);

both_backends!(
    the_dry_run_shows_what_guardrails_would_do_and_bad_input_is_refused,
    |app: TestApp| async move {
        let (admin, _, org) = app.member("ada@example.com", "Ada Admin").await;
        let path = format!("/api/v2/organizations/{org}/guardrails");
        let cards = app
            .ok(
                "POST",
                &path,
                &admin,
                Some(&json!({"name": "Cards", "guardrail_type": "pii", "action": "block",
                    "applies_to": "output", "config": {"pii_types": ["payment_card"]}, "is_enabled": false})),
            )
            .await;
        let text = "Pay with 4539 1488 0343 6467 or mail x@example.com";
        // Organization-wide and enabled only: the disabled one does not run.
        let r = app
            .ok("POST", "/api/v2/guardrails/apply", &admin, Some(&json!({"text": text})))
            .await;
        assert_eq!(r["guardrail_triggered"], false);
        assert_eq!(r["text"], text);
        // Named, it runs (to try one before turning it on), on the side it applies to.
        let only = json!({"text": text, "direction": "output", "guardrail_ids": [cards["id"]]});
        let r = app.ok("POST", "/api/v2/guardrails/apply", &admin, Some(&only)).await;
        assert_eq!(r["blocked"], true);
        assert_eq!(
            r["message"],
            "Blocked by the guardrail “Cards”: the answer contains a payment card number."
        );
        let as_input = json!({"text": text, "direction": "input", "guardrail_ids": [cards["id"]]});
        let r = app
            .ok("POST", "/api/v2/guardrails/apply", &admin, Some(&as_input))
            .await;
        assert_eq!(
            r["guardrail_triggered"], false,
            "an output guardrail does not check questions"
        );

        // Bad input: clear 422s naming the field, and nothing is written.
        let bad = [
            (json!({"name": "x", "guardrail_type": "mood"}), "guardrail_type"),
            (json!({"name": "", "guardrail_type": "pii"}), "name"),
            (
                json!({"name": "x", "guardrail_type": "pii", "config": {"pii_types": ["shoe_size"]}}),
                "config.pii_types",
            ),
            (json!({"name": "x", "guardrail_type": "blocked_terms"}), "config.terms"),
            (
                json!({"name": "x", "guardrail_type": "blocked_topics", "action": "redact",
                "config": {"topics": [{"name": "t", "keywords": ["k"]}]}}),
                "action",
            ),
            (
                json!({"name": "x", "guardrail_type": "blocked_topics", "config": {"topics": [{"name": "t", "keywords": []}]}}),
                "config.topics",
            ),
            (
                json!({"name": "x", "guardrail_type": "max_input_length", "config": {"max_characters": 0}}),
                "config.max_characters",
            ),
            (
                json!({"name": "x", "guardrail_type": "max_input_length", "applies_to": "output",
                "config": {"max_characters": 10}}),
                "applies_to",
            ),
            (
                json!({"name": "x", "guardrail_type": "pii", "applies_to": "sideways"}),
                "applies_to",
            ),
            (
                json!({"name": "x", "guardrail_type": "pii", "agent_id": 999999}),
                "agent_id",
            ),
        ];
        for (body, field) in bad {
            let (status, res) = app.call("POST", &path, &admin, Some(&body)).await;
            assert_error(status, &res, 422);
            assert!(res["errors"][field].is_array(), "{field}: {res}");
        }
        let (status, res) = app.call("POST", &path, &admin, Some(&json!({"name": 5}))).await;
        assert_error(status, &res, 422);
        let list = app.ok("GET", &path, &admin, None).await;
        assert_eq!(list["meta"]["count"], 1, "nothing written by a refused request");
        for (body, field) in [
            (json!({"text": "hi", "direction": "sideways"}), "direction"),
            (json!({"text": "hi", "guardrail_ids": [123456]}), "guardrail_ids"),
        ] {
            let (status, res) = app.call("POST", "/api/v2/guardrails/apply", &admin, Some(&body)).await;
            assert_error(status, &res, 422);
            assert!(res["errors"][field].is_array(), "{field}: {res}");
        }

        // Another organization's guardrails cannot be named (isolation.rs covers every route).
        let (status, res) = app
            .call(
                "POST",
                "/api/v2/guardrails/apply",
                &admin,
                Some(&json!({"text": "hi", "guardrail_ids": [cards["id"].as_i64().unwrap() + 1000]})),
            )
            .await;
        assert_error(status, &res, 422);
    }
);
