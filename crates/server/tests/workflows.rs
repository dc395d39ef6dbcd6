//! Workflows and conversations with them: create, list, edit, delete; bad input; roles.

mod common;

use common::{TestApp, assert_error};
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
