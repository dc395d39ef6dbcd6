//! Workflows and conversations with them: create, list, edit, delete; bad input; roles.

mod common;

use common::{TestApp, assert_error, parse_sse};
use serde_json::{Value, json};

/// A project with two agents, made by `token`: (project, [agents]).
async fn project_with_agents(app: &TestApp, token: &str) -> (i64, Vec<i64>) {
    let team = app
        .ok("POST", "/api/v2/teams", token, Some(&json!({"name": "Support"})))
        .await;
    let project = app
        .ok(
            "POST",
            "/api/v2/projects",
            token,
            Some(&json!({"name": "Help desk", "team_id": team["id"]})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let mut agents = Vec::new();
    for name in ["Billing Helper", "Shipping Helper"] {
        let agent = app
            .ok(
                "POST",
                "/api/v2/agents",
                token,
                Some(&json!({"project_id": project, "agent_name": name})),
            )
            .await;
        agents.push(agent["id"].as_i64().unwrap());
    }
    (project, agents)
}

fn ids(list: &Value, key: &str) -> Vec<i64> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect()
}

both_backends!(
    a_workflow_is_created_listed_edited_and_deleted,
    |app: TestApp| async move {
        let (admin, admin_id, _) = app.member("ada@example.com", "Ada Admin").await;
        let (project, agents) = project_with_agents(&app, &admin).await;
        let workflow = app
            .ok(
                "POST",
                "/api/v2/workflows",
                &admin,
                Some(&json!({
                    "name": "Customer desk",
                    "description": "Billing and shipping questions",
                    "project_id": project,
                    "agent_ids": [agents[1], agents[0]],
                    "supervisor_type": "consolidator",
                })),
            )
            .await;
        let id = workflow["id"].as_i64().unwrap();
        assert_eq!(workflow["supervisor_type"], "Consolidator");
        assert_eq!(workflow["project"], project);
        assert_eq!(workflow["project_name"], "Help desk");
        assert_eq!(workflow["user"], admin_id);
        let names: Vec<&str> = workflow["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["agent_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Shipping Helper", "Billing Helper"], "in the order given");
        assert_eq!(
            app.ok("GET", &format!("/api/v2/workflows/{id}"), &admin, None).await,
            workflow
        );

        for list in [
            "/api/v2/workflows".to_string(),
            format!("/api/v2/workflows?project_id={project}"),
            "/api/v2/workflows?search=SHIPPING".to_string(),
            format!("/api/v2/projects/{project}/workflows"),
            format!("/api/v2/users/{admin_id}/workflows"),
        ] {
            let page = app.ok("GET", &list, &admin, None).await;
            assert_eq!(ids(&page, "workflows"), [id], "{list}");
            assert_eq!(page["meta"]["count"], 1);
        }
        let none = app
            .ok("GET", "/api/v2/workflows?search=nothing-like-it", &admin, None)
            .await;
        assert_eq!(none["meta"]["count"], 0);

        // The table view counts conversations.
        let table = app
            .ok(
                "GET",
                &format!("/api/v2/users/{admin_id}/workflow-tables"),
                &admin,
                None,
            )
            .await;
        assert_eq!(table["workflows"][0]["id"], id);
        assert_eq!(table["workflows"][0]["thread_count"], 0);
        assert!(table["workflows"][0]["last_used_on"].is_null());
        app.ok(
            "POST",
            &format!("/api/v2/workflows/{id}/workflow-chat-threads"),
            &admin,
            None,
        )
        .await;
        let table = app
            .ok(
                "GET",
                &format!("/api/v2/users/{admin_id}/workflow-tables"),
                &admin,
                None,
            )
            .await;
        assert_eq!(table["workflows"][0]["thread_count"], 1);
        assert!(table["workflows"][0]["last_used_on"].is_string());

        let updated = app
            .ok(
                "PUT",
                &format!("/api/v2/workflows/{id}"),
                &admin,
                Some(&json!({
                    "name": "Billing desk",
                    "project_id": project,
                    "agent_ids": [agents[0]],
                    "supervisor_type": "Router",
                })),
            )
            .await;
        assert_eq!(updated["name"], "Billing desk");
        assert_eq!(updated["description"], "");
        assert_eq!(updated["supervisor_type"], "Router");
        assert_eq!(updated["agents"].as_array().unwrap().len(), 1);
        assert_eq!(updated["created_on"], workflow["created_on"]);

        app.ok("DELETE", &format!("/api/v2/workflows/{id}"), &admin, None).await;
        let (status, body) = app.call("GET", &format!("/api/v2/workflows/{id}"), &admin, None).await;
        assert_error(status, &body, 404);
        assert_eq!(
            app.ok("GET", "/api/v2/workflows", &admin, None).await["meta"]["count"],
            0
        );
    }
);

both_backends!(
    bad_workflows_are_refused_and_nothing_is_written,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let (project, agents) = project_with_agents(&app, &admin).await;
        let good = json!({"name": "Desk", "project_id": project, "agent_ids": agents, "supervisor_type": "Router"});
        let with = |key: &str, value: Value| {
            let mut body = good.clone();
            body[key] = value;
            body
        };
        for (body, field, says) in [
            (with("name", json!("  ")), "name", "name"),
            (
                with("supervisor_type", json!("Boss")),
                "supervisor_type",
                "Router, Consolidator or Dynamic",
            ),
            (with("agent_ids", json!([])), "agent_ids", "at least one"),
            (with("agent_ids", json!([agents[0], agents[0]])), "agent_ids", "twice"),
            (
                with("agent_ids", json!([agents[0], 987_654])),
                "agent_ids",
                "no agent 987654",
            ),
            (
                with("agent_ids", json!((1..=11).collect::<Vec<i64>>())),
                "agent_ids",
                "at most 10",
            ),
            (with("project_id", json!(987_654)), "project_id", "no project 987654"),
            (with("description", json!("x".repeat(2001))), "description", "2000"),
        ] {
            let (status, response) = app.call("POST", "/api/v2/workflows", &admin, Some(&body)).await;
            assert_error(status, &response, 422);
            let text = response.to_string();
            assert!(text.contains(field) && text.contains(says), "{body} → {text}");
        }
        let (status, response) = app
            .call("POST", "/api/v2/workflows", &admin, Some(&json!({"name": "No agents"})))
            .await;
        assert!(status == 400 || status == 422, "{status} {response}");
        assert_eq!(response["success"], false);
        assert_eq!(
            app.ok("GET", "/api/v2/workflows", &admin, None).await["meta"]["count"],
            0
        );
    }
);

both_backends!(who_may_use_and_change_a_workflow, |app: TestApp| async move {
    let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
    let (user, user_id, _) = app.member("uma@example.com", "Uma User").await;
    let (project, agents) = project_with_agents(&app, &admin).await;
    let id = app
        .ok(
            "POST",
            "/api/v2/workflows",
            &admin,
            Some(&json!({"name": "Desk", "project_id": project, "agent_ids": agents, "supervisor_type": "Dynamic"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    // Everyone who sees the project may use the workflow...
    app.ok("GET", &format!("/api/v2/workflows/{id}"), &user, None).await;
    // ...but only its creator, the project's Admins and org administrators change it.
    let change = json!({"name": "Mine now", "project_id": project, "agent_ids": agents, "supervisor_type": "Router"});
    let (status, body) = app
        .call("PUT", &format!("/api/v2/workflows/{id}"), &user, Some(&change))
        .await;
    assert_error(status, &body, 403);
    let (status, body) = app
        .call("DELETE", &format!("/api/v2/workflows/{id}"), &user, None)
        .await;
    assert_error(status, &body, 403);
    // A non-member cannot add workflows to the project, nor build one from agents they cannot see.
    let (status, body) = app.call("POST", "/api/v2/workflows", &user, Some(&change)).await;
    assert_error(status, &body, 422);
    assert!(body.to_string().contains("Only members of the project"), "{body}");
    assert!(body.to_string().contains("private"), "{body}");
    // Another user's list of workflows is empty, and it is still the admin's.
    let theirs = app
        .ok("GET", &format!("/api/v2/users/{user_id}/workflows"), &admin, None)
        .await;
    assert_eq!(theirs["meta"]["count"], 0);
    let (status, body) = app.call("GET", "/api/v2/users/987654/workflows", &admin, None).await;
    assert_error(status, &body, 404);
    assert_eq!(
        app.ok("GET", &format!("/api/v2/workflows/{id}"), &admin, None).await["name"],
        "Desk"
    );
});

both_backends!(conversations_with_a_workflow_are_private, |app: TestApp| async move {
    let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
    let (user, _, _) = app.member("uma@example.com", "Uma User").await;
    let (project, agents) = project_with_agents(&app, &admin).await;
    let id = app
        .ok(
            "POST",
            "/api/v2/workflows",
            &admin,
            Some(&json!({"name": "Desk", "project_id": project, "agent_ids": agents, "supervisor_type": "Router"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let threads = format!("/api/v2/workflows/{id}/workflow-chat-threads");
    let untitled = app.ok("POST", &threads, &user, None).await;
    assert_eq!(untitled["title"], "New Chat");
    assert_eq!(untitled["workflow"], id);
    let titled = app
        .ok(
            "POST",
            &threads,
            &user,
            Some(&json!({"title": "  Refund for order 42  "})),
        )
        .await;
    assert_eq!(titled["title"], "Refund for order 42");
    let (status, body) = app
        .call("POST", &threads, &user, Some(&json!({"title": "x".repeat(201)})))
        .await;
    assert_error(status, &body, 422);

    let mine = app.ok("GET", &threads, &user, None).await;
    assert_eq!(mine["meta"]["count"], 2);
    assert_eq!(
        app.ok("GET", &threads, &admin, None).await["meta"]["count"],
        0,
        "only one's own"
    );

    let thread = format!("/api/v2/workflow-chat-threads/{}", titled["id"]);
    // The admin (an org administrator) may read it; another user may not even see it.
    app.ok("GET", &thread, &admin, None).await;
    let (other, _, _) = app.member("oli@example.com", "Oli Other").await;
    let (status, body) = app.call("GET", &thread, &other, None).await;
    assert_error(status, &body, 404);

    let renamed = app.ok("PUT", &thread, &user, Some(&json!({"title": "Refunds"}))).await;
    assert_eq!(renamed["title"], "Refunds");
    let (status, body) = app.call("PUT", &thread, &user, Some(&json!({"title": " "}))).await;
    assert_error(status, &body, 422);
    app.ok("DELETE", &thread, &user, None).await;
    let (status, body) = app.call("GET", &thread, &user, None).await;
    assert_error(status, &body, 404);
    assert_eq!(app.ok("GET", &threads, &user, None).await["meta"]["count"], 1);

    // Deleting the workflow closes its conversations.
    app.ok("DELETE", &format!("/api/v2/workflows/{id}"), &admin, None).await;
    let (status, body) = app
        .call(
            "GET",
            &format!("/api/v2/workflow-chat-threads/{}", untitled["id"]),
            &user,
            None,
        )
        .await;
    assert_error(status, &body, 404);
});

/// Two agents of one project with disjoint documents, and a workflow over them: (token,
/// workflow, [billing agent, shipping agent]).
async fn desk(app: &TestApp, supervisor: &str) -> (String, i64, Vec<i64>) {
    let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
    let (project, agents) = project_with_agents(app, &admin).await;
    for (agent, name, text) in [
        (
            agents[0],
            "refunds.md",
            "# Refund policy\n\nRefunds are paid back within 14 days to the original card.\n",
        ),
        (
            agents[1],
            "parcels.md",
            "# Parcels\n\nParcels leave the Rotterdam warehouse every weekday at 16:00.\n",
        ),
    ] {
        app.give_document(&admin, agent, name, text).await;
    }
    let workflow = app
        .ok(
            "POST",
            "/api/v2/workflows",
            &admin,
            Some(&json!({"name": "Desk", "project_id": project, "agent_ids": agents, "supervisor_type": supervisor})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    (admin, workflow, agents)
}

async fn ask(app: &TestApp, token: &str, workflow: i64, question: &str) -> Value {
    app.ok(
        "POST",
        &format!("/response-service/api/v2/workflows/{workflow}/responses"),
        token,
        Some(&json!({"user_query": question, "query_source": "web"})),
    )
    .await
}

async fn stream(app: &TestApp, token: &str, workflow: i64, question: &str) -> Vec<(Option<i64>, String, Value)> {
    let res = app
        .client
        .post(app.url(&format!(
            "/response-service/api/v2/workflows/{workflow}/responses/stream"
        )))
        .bearer_auth(token)
        .header("accept", "text/event-stream")
        .json(&json!({"user_query": question}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    parse_sse(&res.text().await.unwrap())
}

/// The steps of a stream, tokens collapsed: "agent_stream" once per run of tokens.
fn steps_of(events: &[(Option<i64>, String, Value)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, name, data) in events {
        let step = data["step"].as_str().unwrap_or_default().to_string();
        if name == "token" && out.last() == Some(&step) {
            continue;
        }
        out.push(step);
    }
    out
}

both_backends!(
    a_router_answers_from_the_agent_whose_documents_match,
    |app: TestApp| async move {
        let (admin, workflow, agents) = desk(&app, "Router").await;
        let out = ask(&app, &admin, workflow, "How long until refunds are paid back?").await;
        assert_eq!(out["success"], true, "{out}");
        assert_eq!(out["agents_used"], json!(["Billing Helper"]));
        assert!(out["answer"].as_str().unwrap().contains("14 days"), "{out}");
        assert_eq!(out["references"][0]["title"], "refunds.md");
        assert_eq!(out["references"][0]["number"], 1);
        assert_eq!(out["subqueries"].as_array().unwrap().len(), 1);
        // The step is an ordinary response of that agent (its tokens count in its analytics).
        let step = &out["steps"][0];
        assert_eq!(step["agent_id"], agents[0]);
        let child = app
            .ok(
                "GET",
                &format!("/api/v2/agent-responses/{}", step["agent_response_id"]),
                &admin,
                None,
            )
            .await;
        assert_eq!(child["agent"], agents[0]);
        assert_eq!(out["total_tokens"], child["total_tokens"]);

        // Two questions in one: each part goes to its own agent, citations numbered across both.
        let out = ask(
            &app,
            &admin,
            workflow,
            "How long until refunds are paid back? When do parcels leave the warehouse?",
        )
        .await;
        assert_eq!(out["subqueries"].as_array().unwrap().len(), 2, "{out}");
        assert_eq!(out["agents_used"], json!(["Billing Helper", "Shipping Helper"]));
        let answer = out["answer"].as_str().unwrap();
        assert!(answer.contains("14 days") && answer.contains("16:00"), "{answer}");
        let numbers: Vec<i64> = out["references"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["number"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, (1..=numbers.len() as i64).collect::<Vec<_>>());
        assert!(numbers.len() >= 2);
        assert!(
            answer.contains(&format!("[{}]", numbers.len())),
            "the last reference is cited: {answer}"
        );
        // Both answers are in the conversation, which is named after the first question.
        let thread = out["thread_id"].as_i64().unwrap();
        let listed = app
            .ok(
                "GET",
                &format!("/api/v2/workflow-chat-threads/{thread}/workflow-responses"),
                &admin,
                None,
            )
            .await;
        assert_eq!(
            listed["meta"]["count"], 1,
            "a new conversation per call without a thread id"
        );
        assert_eq!(listed["workflow_responses"][0]["status"], "completed");
        assert_eq!(listed["workflow_responses"][0]["response"]["answer"], out["answer"]);
        let past = app
            .ok(
                "GET",
                &format!("/api/v2/workflow-chat-threads/{thread}/workflow-responses?page=2&items_per_page=1"),
                &admin,
                None,
            )
            .await;
        assert_eq!(
            (past["workflow_responses"].clone(), past["meta"]["count"].clone()),
            (json!([]), json!(1))
        );
    }
);

both_backends!(
    router_and_consolidator_streams_follow_the_documented_sequence,
    |app: TestApp| async move {
        let (admin, workflow, agents) = desk(&app, "Router").await;
        let events = stream(&app, &admin, workflow, "Where do parcels leave from?").await;
        let ids: Vec<i64> = events.iter().map(|(id, _, _)| id.unwrap()).collect();
        assert_eq!(ids, (1..=events.len() as i64).collect::<Vec<_>>());
        assert_eq!(
            steps_of(&events),
            [
                "start",
                "planner_start",
                "router_start",
                "agent_start",
                "agent_stream",
                "end"
            ]
        );
        let agent_start = events.iter().find(|(_, _, d)| d["step"] == "agent_start").unwrap();
        assert_eq!(agent_start.2["agent_id"], agents[1]);
        let end = &events.last().unwrap().2;
        assert_eq!(end["success"], true);
        assert_eq!(end["output"]["agents_used"], json!(["Shipping Helper"]));
        let streamed: String = events
            .iter()
            .filter(|(_, _, d)| d["step"] == "agent_stream")
            .map(|(_, _, d)| d["delta"].as_str().unwrap())
            .collect();
        assert_eq!(streamed, end["output"]["answer"].as_str().unwrap());

        let edit = json!({"name": "Desk", "project_id": app.ok("GET", &format!("/api/v2/workflows/{workflow}"), &admin, None).await["project"], "agent_ids": agents, "supervisor_type": "Consolidator"});
        app.ok("PUT", &format!("/api/v2/workflows/{workflow}"), &admin, Some(&edit))
            .await;
        let events = stream(&app, &admin, workflow, "What about refunds and parcels?").await;
        assert_eq!(
            steps_of(&events),
            [
                "start",
                "planner_start",
                "agent_start",
                "agent_stream",
                "agent_start",
                "agent_stream",
                "consolidator_start",
                "consolidator_stream",
                "end"
            ]
        );
        let end = &events.last().unwrap().2["output"];
        assert_eq!(end["agents_used"], json!(["Billing Helper", "Shipping Helper"]));
        let answer = end["answer"].as_str().unwrap();
        assert!(
            answer.contains("**Billing Helper**") && answer.contains("**Shipping Helper**"),
            "{answer}"
        );
        assert!(answer.contains("14 days") && answer.contains("16:00"), "{answer}");
        let titles: Vec<&str> = end["references"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["title"].as_str().unwrap())
            .collect();
        assert!(
            titles.contains(&"refunds.md") && titles.contains(&"parcels.md"),
            "cites both: {titles:?}"
        );
        let merged: String = events
            .iter()
            .filter(|(_, _, d)| d["step"] == "consolidator_stream")
            .map(|(_, _, d)| d["delta"].as_str().unwrap())
            .collect();
        assert_eq!(merged, answer);

        // Dynamic routes a question only one agent's documents match, and says so.
        let edit = json!({"name": "Desk", "project_id": edit["project_id"], "agent_ids": agents, "supervisor_type": "Dynamic"});
        app.ok("PUT", &format!("/api/v2/workflows/{workflow}"), &admin, Some(&edit))
            .await;
        let events = stream(&app, &admin, workflow, "How long until refunds are paid back?").await;
        let decision = events
            .iter()
            .find(|(_, _, d)| d["step"] == "supervisor_decision")
            .unwrap();
        assert_eq!(decision.2["supervisor"], "Router", "{:?}", decision.2);
        assert!(decision.2["message"].as_str().unwrap().contains("Router"));
        assert_eq!(
            events.last().unwrap().2["output"]["agents_used"],
            json!(["Billing Helper"])
        );

        // Two more agents whose documents are about something else: Dynamic combines only the
        // agents whose documents match, and says which it left out and why.
        let mut all = agents.clone();
        for (name, file, text) in [
            (
                "Paper Scout",
                "attention.md",
                "# Attention\n\nThe transformer relies on self-attention over the whole input sequence.\n",
            ),
            (
                "Onboarding Guide",
                "onboarding.md",
                "# First day\n\nNew starters collect their laptop and badge from the front desk.\n",
            ),
        ] {
            let agent = app
                .ok(
                    "POST",
                    "/api/v2/agents",
                    &admin,
                    Some(&json!({"project_id": edit["project_id"], "agent_name": name})),
                )
                .await["id"]
                .as_i64()
                .unwrap();
            app.give_document(&admin, agent, file, text).await;
            all.push(agent);
        }
        let edit =
            json!({"name": "Desk", "project_id": edit["project_id"], "agent_ids": all, "supervisor_type": "Dynamic"});
        app.ok("PUT", &format!("/api/v2/workflows/{workflow}"), &admin, Some(&edit))
            .await;
        let events = stream(&app, &admin, workflow, "What about refunds and parcels?").await;
        let decision = &events
            .iter()
            .find(|(_, _, d)| d["step"] == "supervisor_decision")
            .unwrap()
            .2;
        assert_eq!(decision["supervisor"], "Consolidator", "{decision}");
        assert_eq!(decision["agent_ids"], json!([agents[0], agents[1]]), "{decision}");
        let why = decision["message"].as_str().unwrap();
        assert!(
            why.contains("Paper Scout and Onboarding Guide not asked: their documents do not match"),
            "{why}"
        );
        let end = &events.last().unwrap().2["output"];
        assert_eq!(end["agents_used"], json!(["Billing Helper", "Shipping Helper"]));
        let answer = end["answer"].as_str().unwrap();
        assert!(
            !answer.contains("self-attention") && !answer.contains("laptop"),
            "{answer}"
        );
    }
);

both_backends!(
    a_started_answer_is_followed_resumed_voted_and_reviewed,
    |app: TestApp| async move {
        let (admin, workflow, _) = desk(&app, "Consolidator").await;
        let thread = app
            .ok(
                "POST",
                &format!("/api/v2/workflows/{workflow}/workflow-chat-threads"),
                &admin,
                None,
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let (status, started) = app
            .call(
                "POST",
                &format!("/response-service/api/v2/workflows/{workflow}/responses/start"),
                &admin,
                Some(&json!({"user_query": "Refunds and parcels?", "workflow_thread_id": thread})),
            )
            .await;
        assert_eq!(status, 202, "{started}");
        let started = &started["data"];
        assert_eq!(started["thread_id"], thread);
        let id = started["workflow_response_id"].as_i64().unwrap();
        let url = started["events_url"].as_str().unwrap();
        let all = app.events(url, None).await;
        assert_eq!(all.last().unwrap().1, "end");
        // Resuming after event 3 gives exactly the rest.
        let rest = app
            .client
            .get(app.url(url))
            .header("last-event-id", "3")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(parse_sse(&rest).len(), all.len() - 3);
        // Resuming after `end` closes at once, with nothing to replay.
        let end_id = all.last().unwrap().0.unwrap();
        let after_end = common::resume_and_wait_for_close(&app, url, end_id).await;
        assert!(parse_sse(&after_end).is_empty(), "{after_end}");
        // A reloaded page asks for a fresh link to the same answer.
        let renewed = app
            .ok(
                "GET",
                &format!("/response-service/api/v2/workflow-responses/{id}/events-url"),
                &admin,
                None,
            )
            .await;
        assert_eq!(renewed["workflow_response_id"], id);
        let again = app
            .client
            .get(app.url(renewed["events_url"].as_str().unwrap()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(parse_sse(&again).len(), all.len());
        // The ticket is for this workflow answer only: not for an agent answer of the same id.
        let ticket = url.split("ticket=").nth(1).unwrap();
        let res = app
            .client
            .get(app.url(&format!(
                "/response-service/api/v2/agent-responses/{id}/events?ticket={ticket}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        let res = app
            .client
            .get(app.url(url.split('?').next().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "no ticket, no stream");

        // A second question in the same conversation, then votes and reviews.
        ask_in(&app, &admin, workflow, thread, "When do parcels leave?").await;
        let listed = app
            .ok(
                "GET",
                &format!("/api/v2/workflow-chat-threads/{thread}/workflow-responses"),
                &admin,
                None,
            )
            .await;
        assert_eq!(listed["meta"]["count"], 2);
        let voted = app
            .ok(
                "POST",
                &format!("/api/v2/workflow-responses/{id}/feedbacks"),
                &admin,
                Some(&json!({"vote_type": "upvote"})),
            )
            .await;
        assert_eq!(voted["my_vote"], "upvote");
        // Everyone's votes, as Ejento's `feedback[]`, each naming the workflow answer.
        let feedback = voted["feedback"].as_array().unwrap();
        assert_eq!(feedback.len(), 1, "{voted}");
        assert_eq!(feedback[0]["is_upvote"], true);
        assert_eq!(feedback[0]["is_downvote"], false);
        assert_eq!(feedback[0]["workflow_response"], id);
        assert!(feedback[0]["id"].is_i64());
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/workflow-responses/{id}/feedbacks"),
                &admin,
                Some(&json!({"vote_type": "meh"})),
            )
            .await;
        assert_error(status, &body, 422);
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/workflow-responses/{id}/reviews"),
                &admin,
                Some(&json!({"rating": 6, "review": "great"})),
            )
            .await;
        assert_error(status, &body, 422);
        let review = app
            .ok(
                "POST",
                &format!("/api/v2/workflow-responses/{id}/reviews"),
                &admin,
                Some(&json!({"rating": 5, "review": " Cited both policies. "})),
            )
            .await;
        assert_eq!(review["review"], "Cited both policies.");
        let reviews = app
            .ok("GET", &format!("/api/v2/workflow-responses/{id}/reviews"), &admin, None)
            .await;
        assert_eq!(reviews.as_array().unwrap().len(), 1);

        // The workflow's analytics: both answers, the vote and the review, each agent's share.
        let usage = app
            .ok("GET", &format!("/api/v2/workflows/{workflow}/analytics"), &admin, None)
            .await;
        assert_eq!(usage["responses"], 2, "{usage}");
        assert_eq!(usage["completed"], 2);
        assert_eq!(usage["upvotes"], 1);
        assert_eq!(usage["reviews"], 1);
        assert_eq!(usage["average_rating"], 5.0);
        let by_agent = usage["by_agent"].as_array().unwrap();
        assert_eq!(by_agent.len(), 2, "a Consolidator asks both agents: {usage}");
        let agent_tokens: i64 = by_agent.iter().map(|a| a["total_tokens"].as_i64().unwrap()).sum();
        assert!(agent_tokens > 0);
        assert_eq!(
            agent_tokens,
            usage["total_tokens"].as_i64().unwrap(),
            "the workflow's tokens are its agents'"
        );
        let days = usage["by_day"].as_array().unwrap();
        assert_eq!(days.len(), 30);
        assert_eq!(days.last().unwrap()["responses"], 2);
        let today = days.last().unwrap()["date"].as_str().unwrap().to_string();
        let one_day = app
            .ok(
                "GET",
                &format!("/api/v2/workflows/{workflow}/analytics?from={today}&to={today}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(one_day["by_day"].as_array().unwrap().len(), 1);
        assert_eq!(one_day["responses"], 2);
        for (query, field) in [
            ("from=yesterday", "from"),
            ("from=2026-02-01&to=2026-01-01", "from"),
            ("from=2024-01-01&to=2026-01-01", "from"),
            ("to=31-12-2026", "to"),
        ] {
            let (status, body) = app
                .call(
                    "GET",
                    &format!("/api/v2/workflows/{workflow}/analytics?{query}"),
                    &admin,
                    None,
                )
                .await;
            assert_error(status, &body, 422);
            assert!(body["errors"][field].is_array(), "{query}: {body}");
        }

        // Someone else cannot see, vote on or continue it.
        let (other, _, _) = app.member("oli@example.com", "Oli Other").await;
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/workflow-responses/{id}/feedbacks"),
                &other,
                Some(&json!({"vote_type": "downvote"})),
            )
            .await;
        assert_error(status, &body, 404);
        let (status, body) = app
            .call("GET", &format!("/api/v2/workflows/{workflow}/analytics"), &other, None)
            .await;
        assert!(matches!(status, 403 | 404), "{status} {body}");
        let (status, body) = app
            .call(
                "POST",
                &format!("/response-service/api/v2/workflows/{workflow}/responses"),
                &other,
                Some(&json!({"user_query": "Mine?", "workflow_thread_id": thread})),
            )
            .await;
        assert_error(status, &body, 404);

        app.ok("DELETE", &format!("/api/v2/workflow-responses/{id}"), &admin, None)
            .await;
        let listed = app
            .ok(
                "GET",
                &format!("/api/v2/workflow-chat-threads/{thread}/workflow-responses"),
                &admin,
                None,
            )
            .await;
        assert_eq!(listed["meta"]["count"], 1);
    }
);

async fn ask_in(app: &TestApp, token: &str, workflow: i64, thread: i64, question: &str) -> Value {
    app.ok(
        "POST",
        &format!("/response-service/api/v2/workflows/{workflow}/responses"),
        token,
        Some(&json!({"user_query": question, "workflow_thread_id": thread})),
    )
    .await
}

both_backends!(bad_questions_to_a_workflow_are_refused, |app: TestApp| async move {
    let (admin, workflow, _) = desk(&app, "Router").await;
    let path = format!("/response-service/api/v2/workflows/{workflow}/responses");
    for body in [
        json!({"user_query": "   "}),
        json!({"user_query": "x".repeat(4001)}),
        json!({"user_query": "Hi?", "query_source": ""}),
    ] {
        let (status, response) = app.call("POST", &path, &admin, Some(&body)).await;
        assert_error(status, &response, 422);
    }
    let (status, response) = app
        .call(
            "POST",
            &path,
            &admin,
            Some(&json!({"user_query": "Hi?", "workflow_thread_id": 987_654})),
        )
        .await;
    assert_error(status, &response, 404);
    let (status, response) = app
        .call(
            "POST",
            "/response-service/api/v2/workflows/987654/responses",
            &admin,
            Some(&json!({"user_query": "Hi?"})),
        )
        .await;
    assert_error(status, &response, 404);
    // Nothing was started: the workflow has no conversations.
    let threads = app
        .ok(
            "GET",
            &format!("/api/v2/workflows/{workflow}/workflow-chat-threads"),
            &admin,
            None,
        )
        .await;
    assert_eq!(threads["meta"]["count"], 0);
});

#[tokio::test]
async fn stop_ends_a_workflow_answer_and_the_agent_step_it_was_on() {
    // Slow words, so Stop lands while the first agent is still answering.
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.local_token_delay_ms = 40)
        .await
        .unwrap();
    let (admin, workflow, _) = desk(&app, "Consolidator").await;
    let started = app
        .ok(
            "POST",
            &format!("/response-service/api/v2/workflows/{workflow}/responses/start"),
            &admin,
            Some(&json!({"user_query": "Refunds and parcels?"})),
        )
        .await;
    let id = started["workflow_response_id"].as_i64().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let stopped = app
        .ok(
            "POST",
            &format!("/response-service/api/v2/workflow-responses/{id}/cancel"),
            &admin,
            None,
        )
        .await;
    assert_eq!(stopped["stopping"], true);
    let url = started["events_url"].as_str().unwrap();
    let events = app.events(url, None).await;
    let end = &events.last().unwrap().2;
    assert_eq!(end["output"]["status"], "cancelled", "{end}");
    assert_eq!(
        end["output"]["steps"].as_array().map(Vec::len).unwrap_or(0),
        0,
        "no step finished: {end}"
    );
    assert_eq!(
        events.iter().filter(|(_, _, d)| d["step"] == "agent_start").count(),
        1,
        "the second agent was never asked"
    );
    // The agent step that was running ended as cancelled too.
    let me = app.ok("GET", "/api/v2/users/me", &admin, None).await["id"]
        .as_i64()
        .unwrap();
    let answers = app
        .ok("GET", &format!("/api/v2/users/{me}/agent-responses"), &admin, None)
        .await;
    let steps: Vec<&Value> = answers["agent_responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["query"] == "Refunds and parcels?")
        .collect();
    assert_eq!(steps.len(), 1, "{answers}");
    assert_eq!(steps[0]["status"], "cancelled");
    let thread = end["output"]["thread_id"].as_i64().unwrap();
    let listed = app
        .ok(
            "GET",
            &format!("/api/v2/workflow-chat-threads/{thread}/workflow-responses"),
            &admin,
            None,
        )
        .await;
    assert_eq!(listed["workflow_responses"][0]["status"], "cancelled");
    // The same rule as agent answers: stopping one that has ended is a 409.
    let (status, body) = app
        .call(
            "POST",
            &format!("/response-service/api/v2/workflow-responses/{id}/cancel"),
            &admin,
            None,
        )
        .await;
    assert_error(status, &body, 409);
}

both_backends!(
    the_organization_guardrails_check_a_workflow_question,
    |app: TestApp| async move {
        let (admin, workflow, _) = desk(&app, "consolidator").await;
        let org = app.ok("GET", "/api/v2/users/me", &admin, None).await["organization"]["id"].clone();
        for guardrail in [
            json!({"name": "Personal data", "guardrail_type": "pii"}),
            json!({"name": "HR", "guardrail_type": "blocked_topics",
                "config": {"topics": [{"name": "Salaries", "keywords": ["salary"]}]}}),
        ] {
            app.ok(
                "POST",
                &format!("/api/v2/organizations/{org}/guardrails"),
                &admin,
                Some(&guardrail),
            )
            .await;
        }
        let out = ask(
            &app,
            &admin,
            workflow,
            "I am ana@example.com: how long do refunds take?",
        )
        .await;
        let thread = out["thread_id"].as_i64().unwrap();
        let listed = app
            .ok(
                "GET",
                &format!("/api/v2/workflow-chat-threads/{thread}/workflow-responses"),
                &admin,
                None,
            )
            .await;
        let stored = listed["workflow_responses"][0].to_string();
        assert!(
            stored.contains("I am [EMAIL]: how long do refunds take?") && !stored.contains("ana@example.com"),
            "{stored}"
        );
        let (status, body) = app
            .call(
                "POST",
                &format!("/response-service/api/v2/workflows/{workflow}/responses"),
                &admin,
                Some(&json!({"user_query": "What is the salary of the billing lead?"})),
            )
            .await;
        assert_error(status, &body, 422);
        assert_eq!(
            body["message"],
            "Blocked by the guardrail “HR”: the question is about the blocked topic Salaries."
        );
    }
);
