//! Teams, projects, agents and users over HTTP: the happy paths and the denials.

mod common;

use common::{TestApp, assert_error};
use serde_json::{Value, json};

/// Org with an admin (founder), a builder and a plain user; returns their tokens and ids.
struct Org {
    admin: String,
    alice: String,
    alice_id: i64,
    bob: String,
    bob_id: i64,
}

async fn org(app: &TestApp) -> Org {
    let (admin, _, _) = app.member("admin@example.com", "Ada Admin").await;
    let (alice, alice_id, _) = app.member("alice@example.com", "Alice Builder").await;
    let (bob, bob_id, _) = app.member("bob@example.com", "Bob User").await;
    Org {
        admin,
        alice,
        alice_id,
        bob,
        bob_id,
    }
}

both_backends!(teams_lifecycle_with_members_and_roles, |app: TestApp| async move {
    let o = org(&app).await;
    let (status, body) = app
        .call("POST", "/api/v2/teams", &o.bob, Some(&json!({"name": "Nope"})))
        .await;
    assert_error(status, &body, 403);
    let (status, body) = app
        .call("POST", "/api/v2/teams", &o.admin, Some(&json!({"name": "  "})))
        .await;
    assert_error(status, &body, 422);
    assert!(body["errors"]["name"].is_array(), "{body}");

    let team = app
        .ok(
            "POST",
            "/api/v2/teams",
            &o.admin,
            Some(&json!({"name": "Research", "description": "R&D"})),
        )
        .await;
    let id = team["id"].as_i64().unwrap();
    assert_eq!(team["my_role"], "Admin");
    assert_eq!(team["member_count"], 1);
    let (status, body) = app
        .call("POST", "/api/v2/teams", &o.admin, Some(&json!({"name": "Research"})))
        .await;
    assert_error(status, &body, 409);
    for name in ["Support", "Sales", "Legal"] {
        app.ok("POST", "/api/v2/teams", &o.admin, Some(&json!({"name": name})))
            .await;
    }
    let page = app
        .ok("GET", "/api/v2/teams?items_per_page=2&page=2&sort=name", &o.bob, None)
        .await;
    assert_eq!(page["meta"], json!({"count": 4, "num_pages": 2, "current_page": 2}));
    assert_eq!(page["teams"][0]["name"], "Sales");
    let found = app.ok("GET", "/api/v2/teams?search=sea", &o.bob, None).await;
    assert_eq!(found["teams"].as_array().unwrap().len(), 1);

    // Members by e-mail; a Member cannot edit the team.
    let members = app
        .ok(
            "POST",
            &format!("/api/v2/teams/{id}/users"),
            &o.admin,
            Some(&json!({"emails": ["alice@example.com", "bob@example.com"]})),
        )
        .await;
    assert_eq!(members["users"].as_array().unwrap().len(), 3);
    let (status, body) = app
        .call(
            "POST",
            &format!("/api/v2/teams/{id}/users"),
            &o.admin,
            Some(&json!({"emails": ["ghost@example.com"], "role": "Boss"})),
        )
        .await;
    assert_error(status, &body, 422);
    assert!(
        body["errors"]["emails"].is_array() && body["errors"]["role"].is_array(),
        "{body}"
    );
    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v2/teams/{id}"),
            &o.bob,
            Some(&json!({"name": "Mine"})),
        )
        .await;
    assert_error(status, &body, 403);
    app.ok(
        "PUT",
        &format!("/api/v2/teams/{id}/users/{}", o.alice_id),
        &o.admin,
        Some(&json!({"role": "Admin"})),
    )
    .await;
    let renamed = app
        .ok(
            "PUT",
            &format!("/api/v2/teams/{id}"),
            &o.alice,
            Some(&json!({"name": "Research & Dev"})),
        )
        .await;
    assert_eq!(renamed["name"], "Research & Dev");
    let mine = app.ok("GET", "/api/v2/users/me/teams", &o.bob, None).await;
    assert_eq!(mine["teams"][0]["my_role"], "Member");
    app.ok(
        "DELETE",
        &format!("/api/v2/teams/{id}/users/{}", o.bob_id),
        &o.alice,
        None,
    )
    .await;
    assert_eq!(
        app.ok("GET", "/api/v2/users/me/teams", &o.bob, None).await["meta"]["count"],
        0
    );

    app.ok("POST", &format!("/api/v2/users/me/recent-teams/{id}"), &o.bob, None)
        .await;
    assert_eq!(
        app.ok("GET", "/api/v2/users/me/recent-teams", &o.bob, None).await[0]["id"],
        id
    );

    app.ok("DELETE", &format!("/api/v2/teams/{id}"), &o.alice, None).await;
    let (status, body) = app.call("GET", &format!("/api/v2/teams/{id}"), &o.alice, None).await;
    assert_error(status, &body, 404);
    assert_eq!(app.ok("GET", "/api/v2/teams", &o.bob, None).await["meta"]["count"], 3);
});

both_backends!(
    projects_follow_their_team_and_members_cannot_edit,
    |app: TestApp| async move {
        let o = org(&app).await;
        let team = app
            .ok("POST", "/api/v2/teams", &o.admin, Some(&json!({"name": "Support"})))
            .await["id"]
            .as_i64()
            .unwrap();
        app.ok(
            "POST",
            &format!("/api/v2/teams/{team}/users"),
            &o.admin,
            Some(&json!({"user_ids": [o.alice_id], "role": "Admin"})),
        )
        .await;
        app.ok(
            "POST",
            &format!("/api/v2/teams/{team}/users"),
            &o.admin,
            Some(&json!({"user_ids": [o.bob_id]})),
        )
        .await;

        let (status, body) = app
            .call(
                "POST",
                "/api/v2/projects",
                &o.bob,
                Some(&json!({"name": "Helpdesk", "team_id": team})),
            )
            .await;
        assert_error(status, &body, 403);
        let (status, body) = app
            .call("POST", "/api/v2/projects", &o.bob, Some(&json!({"name": "Solo"})))
            .await;
        assert_error(status, &body, 403);
        let (status, body) = app
            .call(
                "POST",
                "/api/v2/projects",
                &o.alice,
                Some(&json!({"name": "X", "team_id": 999999})),
            )
            .await;
        assert_error(status, &body, 422);

        let project = app
            .ok(
                "POST",
                "/api/v2/projects",
                &o.alice,
                Some(&json!({"name": "Helpdesk", "team_id": team})),
            )
            .await;
        let id = project["id"].as_i64().unwrap();
        assert_eq!(project["team_name"], "Support");
        // Bob is a Member through the team: he sees it with that role but cannot edit or delete it.
        let seen = app.ok("GET", &format!("/api/v2/projects/{id}"), &o.bob, None).await;
        assert_eq!(seen["my_role"], "Member");
        let (status, body) = app
            .call(
                "PUT",
                &format!("/api/v2/projects/{id}"),
                &o.bob,
                Some(&json!({"name": "Hijack", "team_id": team})),
            )
            .await;
        assert_error(status, &body, 403);
        let (status, body) = app
            .call("DELETE", &format!("/api/v2/projects/{id}"), &o.bob, None)
            .await;
        assert_error(status, &body, 403);

        let other = app
            .ok(
                "POST",
                "/api/v2/projects",
                &o.admin,
                Some(&json!({"name": "Back office"})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let by_team = app
            .ok(
                "GET",
                &format!("/api/v2/projects?team_id={team}&page=1&items_per_page=5"),
                &o.bob,
                None,
            )
            .await;
        assert_eq!(by_team["meta"]["count"], 1);
        let mine = app.ok("GET", "/api/v2/users/me/projects", &o.bob, None).await;
        assert_eq!(
            mine["projects"].as_array().unwrap().len(),
            1,
            "only the team's project is Bob's"
        );
        let of_alice = app
            .ok("GET", &format!("/api/v2/users/{}/projects", o.alice_id), &o.admin, None)
            .await;
        assert_eq!(of_alice["meta"]["count"], 1);
        let batch = app
            .ok(
                "GET",
                &format!("/api/v2/projects/batch?ids={id},{other},424242"),
                &o.bob,
                None,
            )
            .await;
        assert_eq!(batch.as_array().unwrap().len(), 2);
        let (status, body) = app.call("GET", "/api/v2/projects/batch?ids=1,x", &o.bob, None).await;
        assert_error(status, &body, 400);
        let detailed = app
            .ok("GET", "/api/v2/projects/with-team-details?search=help", &o.bob, None)
            .await;
        assert_eq!(detailed["projects"][0]["team_name"], "Support");
        let team_projects = app
            .ok("GET", &format!("/api/v2/teams/{team}/projects"), &o.bob, None)
            .await;
        assert_eq!(team_projects["meta"]["count"], 1);

        app.ok(
            "POST",
            &format!("/api/v2/projects/{other}/users"),
            &o.admin,
            Some(&json!({"user_ids": [o.bob_id]})),
        )
        .await;
        assert_eq!(
            app.ok("GET", "/api/v2/users/me/projects", &o.bob, None).await["meta"]["count"],
            2
        );
        app.ok(
            "DELETE",
            &format!("/api/v2/projects/{other}/users/{}", o.bob_id),
            &o.admin,
            None,
        )
        .await;
        assert_eq!(
            app.ok("GET", "/api/v2/users/me/projects", &o.bob, None).await["meta"]["count"],
            1
        );

        app.ok("POST", &format!("/api/v2/users/me/recent-projects/{id}"), &o.bob, None)
            .await;
        app.ok(
            "POST",
            &format!("/api/v2/users/me/recent-projects/{other}"),
            &o.bob,
            None,
        )
        .await;
        let recent = app.ok("GET", "/api/v2/users/me/recent-projects", &o.bob, None).await;
        assert_eq!(recent[0]["id"], other, "newest first");

        let renamed = app
            .ok(
                "PUT",
                &format!("/api/v2/projects/{id}"),
                &o.alice,
                Some(&json!({"name": "Helpdesk 2", "team_id": team})),
            )
            .await;
        assert_eq!(renamed["name"], "Helpdesk 2");
        app.ok("DELETE", &format!("/api/v2/projects/{id}"), &o.alice, None)
            .await;
        let (status, body) = app.call("GET", &format!("/api/v2/projects/{id}"), &o.bob, None).await;
        assert_error(status, &body, 404);
    }
);

async fn agent_in_new_project(app: &TestApp, o: &Org, access: &str) -> (i64, i64) {
    let project = app
        .ok(
            "POST",
            "/api/v2/projects",
            &o.admin,
            Some(&json!({"name": format!("P-{access}")})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        "POST",
        &format!("/api/v2/projects/{project}/users"),
        &o.admin,
        Some(&json!({"user_ids": [o.alice_id], "role": "Member"})),
    )
    .await;
    let agent = app
        .ok(
            "POST",
            "/api/v2/agents",
            &o.alice,
            Some(&json!({
                "project_id": project, "agent_name": format!("Helper {access}"), "domain": "Answers billing questions",
                "prefix_prompt": "You are helpful.", "instructions": ["Cite sources"], "sample_q1": "How do I pay?",
                "access": access, "tags": ["billing", "support"]
            })),
        )
        .await;
    (project, agent["id"].as_i64().unwrap())
}

both_backends!(agents_are_versioned_and_restorable, |app: TestApp| async move {
    let o = org(&app).await;
    let (_, id) = agent_in_new_project(&app, &o, "Private").await;
    let agent = app.ok("GET", &format!("/api/v2/agents/{id}"), &o.alice, None).await;
    assert_eq!(agent["agent_name"], "Helper Private");
    assert_eq!(agent["my_role"], "Admin", "the creator administers the agent");
    assert_eq!(agent["agent_type"]["name"], "QnA");
    assert_eq!(agent["instructions"][0]["instruction"], "Cite sources");
    assert_eq!(agent["tags"], json!(["billing", "support"]));
    assert!(
        agent["agent_image"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );
    assert_eq!(agent["llm_config"]["model_deployment"], json!(["local-extractive"]));

    for prompt in ["Version two.", "Version three."] {
        app.ok(
            "PUT",
            &format!("/api/v2/agents/{id}"),
            &o.alice,
            Some(&json!({"prefix_prompt": prompt})),
        )
        .await;
    }
    let history = app
        .ok(
            "GET",
            &format!("/api/v2/agents/{id}/history?page=1&items_per_page=10"),
            &o.alice,
            None,
        )
        .await;
    assert_eq!(history["total_records"], 3);
    let records = history["history_records"].as_array().unwrap();
    assert_eq!(records[0]["prefix_prompt"], "Version three.");
    assert_eq!(records[0]["history_change_reason"], "Updated system prompt");
    assert_eq!(records[2]["history_change_reason"], "Initial checkpoint");
    let first = records[2]["history_id"].as_i64().unwrap();

    let restored = app
        .ok(
            "POST",
            &format!("/api/v2/agents/{id}/history/{first}/restore"),
            &o.alice,
            None,
        )
        .await;
    assert_eq!(restored["prefix_prompt"], "You are helpful.");
    let history = app
        .ok("GET", &format!("/api/v2/agents/{id}/history"), &o.alice, None)
        .await;
    assert_eq!(history["total_records"], 4, "a restore is a new checkpoint");
    assert!(
        history["history_records"][0]["history_change_reason"]
            .as_str()
            .unwrap()
            .starts_with("Restored checkpoint")
    );
    let prompts = app
        .ok("GET", &format!("/api/v2/agents/{id}/prompt-history"), &o.alice, None)
        .await;
    let prompts: Vec<&str> = prompts
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["prefix_prompt"].as_str().unwrap())
        .collect();
    assert_eq!(
        prompts,
        ["You are helpful.", "Version three.", "Version two.", "You are helpful."]
    );

    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v2/agents/{id}"),
            &o.alice,
            Some(&json!({"access": "Everyone", "chunk_count": 0})),
        )
        .await;
    assert_error(status, &body, 422);
    assert!(
        body["errors"]["access"].is_array() && body["errors"]["chunk_count"].is_array(),
        "{body}"
    );
    assert_eq!(
        app.ok("GET", &format!("/api/v2/agents/{id}/history"), &o.alice, None)
            .await["total_records"],
        4,
        "nothing written"
    );
    let (status, body) = app
        .call(
            "POST",
            &format!("/api/v2/agents/{id}/history/999999/restore"),
            &o.alice,
            None,
        )
        .await;
    assert_error(status, &body, 404);

    let with_more = app
        .ok(
            "POST",
            &format!("/api/v2/agents/{id}/instructions"),
            &o.alice,
            Some(&json!({"instructions": ["Be brief"]})),
        )
        .await;
    assert_eq!(with_more["instructions"].as_array().unwrap().len(), 2);
    let off = app
        .ok(
            "POST",
            &format!("/api/v2/agents/{id}/activate"),
            &o.alice,
            Some(&json!({"is_active": false})),
        )
        .await;
    assert_eq!(off["is_active"], false);
    assert_eq!(
        app.ok("GET", &format!("/api/v2/agents/{id}/status"), &o.alice, None)
            .await["is_active"],
        false
    );
    app.ok("POST", &format!("/api/v2/agents/{id}/activate"), &o.alice, None)
        .await;
    let tags = app
        .ok(
            "PUT",
            &format!("/api/v2/agents/{id}/tags"),
            &o.alice,
            Some(&json!({"add": ["faq"], "remove": ["support"]})),
        )
        .await;
    assert_eq!(tags["tags"], json!(["billing", "faq"]));
});

both_backends!(private_agents_stay_private_until_shared, |app: TestApp| async move {
    let o = org(&app).await;
    let (project, id) = agent_in_new_project(&app, &o, "Private").await;
    let (status, body) = app.call("GET", &format!("/api/v2/agents/{id}"), &o.bob, None).await;
    assert_error(status, &body, 403);
    assert_eq!(app.ok("GET", "/api/v2/agents", &o.bob, None).await["meta"]["count"], 0);
    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v2/agents/{id}"),
            &o.bob,
            Some(&json!({"prefix_prompt": "x"})),
        )
        .await;
    assert_error(status, &body, 403);
    let perm = app
        .ok(
            "GET",
            &format!("/api/v2/agents/{id}/users/{}/permissions", o.bob_id),
            &o.alice,
            None,
        )
        .await;
    assert_eq!(perm["can_view"], false);

    // Public: visible to the organization, still not editable.
    app.ok(
        "PUT",
        &format!("/api/v2/agents/{id}/access"),
        &o.alice,
        Some(&json!({"access": "Public"})),
    )
    .await;
    assert_eq!(
        app.ok("GET", &format!("/api/v2/agents/{id}"), &o.bob, None).await["my_role"],
        Value::Null
    );
    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v2/agents/{id}"),
            &o.bob,
            Some(&json!({"prefix_prompt": "x"})),
        )
        .await;
    assert_error(status, &body, 403);

    // A direct grant makes Bob a user of the Private agent.
    app.ok(
        "PUT",
        &format!("/api/v2/agents/{id}/access"),
        &o.alice,
        Some(&json!({"access": "Private"})),
    )
    .await;
    app.ok(
        "POST",
        &format!("/api/v2/agents/{id}/users"),
        &o.alice,
        Some(&json!({"user_ids": [o.bob_id], "role": "Member"})),
    )
    .await;
    assert_eq!(
        app.ok("GET", &format!("/api/v2/agents/{id}"), &o.bob, None).await["my_role"],
        "Member"
    );
    assert_eq!(
        app.ok("GET", &format!("/api/v2/projects/{project}/agents"), &o.bob, None)
            .await["meta"]["count"],
        1
    );
    let perm = app
        .ok(
            "GET",
            &format!("/api/v2/agents/{id}/users/{}/permissions", o.bob_id),
            &o.alice,
            None,
        )
        .await;
    assert_eq!(
        (perm["can_view"].as_bool(), perm["can_edit"].as_bool()),
        (Some(true), Some(false))
    );
    app.ok(
        "DELETE",
        &format!("/api/v2/agents/{id}/users/{}", o.bob_id),
        &o.alice,
        None,
    )
    .await;
    let (status, _) = app.call("GET", &format!("/api/v2/agents/{id}"), &o.bob, None).await;
    assert_eq!(status, 403);

    // Deleting hides it from everyone.
    app.ok("DELETE", &format!("/api/v2/agents/{id}"), &o.alice, None).await;
    let (status, body) = app.call("GET", &format!("/api/v2/agents/{id}"), &o.admin, None).await;
    assert_error(status, &body, 404);
});

both_backends!(
    stars_recents_votes_ratings_reviews_and_comments,
    |app: TestApp| async move {
        let o = org(&app).await;
        let (_, id) = agent_in_new_project(&app, &o, "Public").await;
        let starred = app
            .ok("POST", &format!("/api/v2/users/me/starred-agents/{id}"), &o.bob, None)
            .await;
        assert_eq!(starred["is_starred"], true);
        assert_eq!(
            app.ok("GET", "/api/v2/users/me/starred-agents", &o.bob, None).await["agents"][0]["id"],
            id
        );
        assert_eq!(
            app.ok("GET", "/api/v2/users/me/starred-agents", &o.alice, None).await["meta"]["count"],
            0
        );
        app.ok("DELETE", &format!("/api/v2/users/me/starred-agents/{id}"), &o.bob, None)
            .await;
        assert_eq!(
            app.ok("GET", &format!("/api/v2/users/me/starred-agents/{id}"), &o.bob, None)
                .await["is_starred"],
            false
        );

        app.ok("POST", &format!("/api/v2/users/me/recent-agents/{id}"), &o.bob, None)
            .await;
        assert_eq!(
            app.ok("GET", "/api/v2/users/me/recent-agents", &o.bob, None).await[0]["id"],
            id
        );
        app.ok("DELETE", &format!("/api/v2/users/me/recent-agents/{id}"), &o.bob, None)
            .await;
        assert_eq!(
            app.ok("GET", "/api/v2/users/me/recent-agents", &o.bob, None).await,
            json!([])
        );

        app.ok(
            "POST",
            &format!("/api/v2/agents/{id}/votes"),
            &o.bob,
            Some(&json!({"vote": "upvote"})),
        )
        .await;
        let votes = app
            .ok(
                "POST",
                &format!("/api/v2/agents/{id}/votes"),
                &o.alice,
                Some(&json!({"vote": "downvote"})),
            )
            .await;
        assert_eq!(
            (votes["like_count"].as_i64(), votes["dislike_count"].as_i64()),
            (Some(1), Some(1))
        );
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/agents/{id}/votes"),
                &o.bob,
                Some(&json!({"vote": "meh"})),
            )
            .await;
        assert_error(status, &body, 422);

        app.ok(
            "PUT",
            &format!("/api/v2/agents/{id}/ratings"),
            &o.bob,
            Some(&json!({"rating": 5})),
        )
        .await;
        let ratings = app
            .ok(
                "PUT",
                &format!("/api/v2/agents/{id}/ratings"),
                &o.alice,
                Some(&json!({"rating": 2})),
            )
            .await;
        assert_eq!(ratings["average_rating"], 3.5);
        let (status, body) = app
            .call(
                "PUT",
                &format!("/api/v2/agents/{id}/ratings"),
                &o.bob,
                Some(&json!({"rating": 9})),
            )
            .await;
        assert_error(status, &body, 422);
        assert_eq!(
            app.ok("GET", "/api/v2/agent-ratings", &o.bob, None).await[0]["rating_count"],
            2
        );

        let review = app
            .ok(
                "POST",
                &format!("/api/v2/agents/{id}/reviews"),
                &o.bob,
                Some(&json!({"review": "Great", "rating": 4})),
            )
            .await;
        let review_id = review["id"].as_i64().unwrap();
        let (status, body) = app
            .call(
                "PUT",
                &format!("/api/v2/agents/{id}/reviews/{review_id}"),
                &o.alice,
                Some(&json!({"review": "Edited by someone else"})),
            )
            .await;
        assert_error(status, &body, 403);
        app.ok(
            "PUT",
            &format!("/api/v2/agents/{id}/reviews/{review_id}"),
            &o.bob,
            Some(&json!({"review": "Great, truly"})),
        )
        .await;
        assert_eq!(
            app.ok("GET", "/api/v2/users/me/agent-reviews", &o.bob, None).await["reviews"][0]["review"],
            "Great, truly"
        );
        assert_eq!(
            app.ok("GET", &format!("/api/v2/agents/{id}/reviews"), &o.alice, None)
                .await["meta"]["count"],
            1
        );
        // The agent's Admin may remove what others wrote.
        app.ok(
            "DELETE",
            &format!("/api/v2/agents/{id}/reviews/{review_id}"),
            &o.alice,
            None,
        )
        .await;

        let comment = app
            .ok(
                "POST",
                &format!("/api/v2/agents/{id}/comments"),
                &o.bob,
                Some(&json!({"comment": "Nice <b>bot</b>"})),
            )
            .await;
        assert_eq!(
            comment["comment"], "Nice <b>bot</b>",
            "stored as text, never interpreted"
        );
        let cid = comment["id"].as_i64().unwrap();
        app.ok(
            "PUT",
            &format!("/api/v2/agents/{id}/comments/{cid}"),
            &o.bob,
            Some(&json!({"comment": "Nicer"})),
        )
        .await;
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/agents/{id}/comments"),
                &o.bob,
                Some(&json!({"comment": " "})),
            )
            .await;
        assert_error(status, &body, 422);
        assert_eq!(
            app.ok("GET", &format!("/api/v2/agents/{id}/comments"), &o.alice, None)
                .await["comments"][0]["comment"],
            "Nicer"
        );
        app.ok("DELETE", &format!("/api/v2/agents/{id}/comments/{cid}"), &o.bob, None)
            .await;
        assert_eq!(
            app.ok("GET", &format!("/api/v2/agents/{id}/comments"), &o.alice, None)
                .await["meta"]["count"],
            0
        );

        let alias = app
            .ok(
                "POST",
                &format!("/api/v2/agents/{id}/aliases"),
                &o.alice,
                Some(&json!({"alias": "billing@example.com"})),
            )
            .await;
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/agents/{id}/aliases"),
                &o.alice,
                Some(&json!({"alias": "billing@example.com"})),
            )
            .await;
        assert_error(status, &body, 409);
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/agents/{id}/aliases"),
                &o.alice,
                Some(&json!({"alias": "not an alias"})),
            )
            .await;
        assert_error(status, &body, 422);
        let alias_id = alias["id"].as_i64().unwrap();
        app.ok(
            "PUT",
            &format!("/api/v2/agents/{id}/aliases/{alias_id}"),
            &o.alice,
            Some(&json!({"alias": "pay@example.com"})),
        )
        .await;
        assert_eq!(
            app.ok("GET", &format!("/api/v2/agents/{id}/aliases"), &o.bob, None)
                .await[0]["alias"],
            "pay@example.com"
        );
        app.ok(
            "DELETE",
            &format!("/api/v2/agents/{id}/aliases/{alias_id}"),
            &o.alice,
            None,
        )
        .await;

        let tags = app.ok("GET", "/api/v2/agent-tags", &o.bob, None).await;
        assert_eq!(
            tags,
            json!([{"tag": "billing", "agent_count": 1}, {"tag": "support", "agent_count": 1}])
        );
        assert_eq!(
            app.ok("GET", "/api/v2/agent-tags/by-agent", &o.bob, None).await[0]["agent_id"],
            id
        );
        let filtered = app
            .ok(
                "GET",
                "/api/v2/agents/filter?tag=billing&access=Public&search=help",
                &o.bob,
                None,
            )
            .await;
        assert_eq!(filtered["meta"]["count"], 1);
        assert_eq!(
            app.ok("GET", "/api/v2/agents/filter?tag=nothing", &o.bob, None).await["meta"]["count"],
            0
        );
        let active = app
            .ok(
                "GET",
                "/api/v2/agents?page=1&items_per_page=10&is_active=true&starred=false",
                &o.bob,
                None,
            )
            .await;
        assert_eq!(active["meta"]["count"], 1);
        let (status, body) = app.call("GET", "/api/v2/agents?page=abc", &o.bob, None).await;
        assert_error(status, &body, 400);
    }
);

/// The names of the agents a list returns, sorted, after checking its count agrees.
/// A team named Support, made by the admin, with these members and roles.
async fn support_team(app: &TestApp, o: &Org, members: &[(i64, &str)]) -> i64 {
    let team = app
        .ok("POST", "/api/v2/teams", &o.admin, Some(&json!({"name": "Support"})))
        .await["id"]
        .as_i64()
        .unwrap();
    for (user, role) in members {
        app.ok(
            "POST",
            &format!("/api/v2/teams/{team}/users"),
            &o.admin,
            Some(&json!({"user_ids": [user], "role": role})),
        )
        .await;
    }
    team
}

/// The `field` of each item of the page's `list`, in the order served; the page's count must be
/// what it lists (every test list fits in one page).
async fn listed(app: &TestApp, token: &str, path: &str, (list, field): (&str, &str)) -> Vec<String> {
    let page = app.ok("GET", path, token, None).await;
    let names: Vec<String> = page[list]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {page}"))
        .iter()
        .map(|item| item[field].as_str().unwrap().to_string())
        .collect();
    assert_eq!(page["meta"]["count"], names.len(), "{path}");
    names
}

/// The agents a page lists, by name.
async fn agent_names(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let mut names = listed(app, token, path, ("agents", "agent_name")).await;
    names.sort();
    names
}

// The list is built with only the filters a request sets (one statement per combination, which
// PostgreSQL plans once): each filter alone and with others, for an admin and for members.
both_backends!(
    every_agent_filter_narrows_the_list_alone_and_together,
    |app: TestApp| async move {
        let o = org(&app).await;
        let (public_project, public) = agent_in_new_project(&app, &o, "Public").await;
        let (_, private) = agent_in_new_project(&app, &o, "Private").await;
        let team = support_team(&app, &o, &[(o.alice_id, "Admin"), (o.bob_id, "Member")]).await;
        let team_project = app
            .ok(
                "POST",
                "/api/v2/projects",
                &o.alice,
                Some(&json!({"name": "Helpdesk", "team_id": team})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let desk = app
            .ok(
                "POST",
                "/api/v2/agents",
                &o.alice,
                Some(&json!({
                    "project_id": team_project, "agent_name": "Desk 100%", "domain": "Team questions",
                    "prefix_prompt": "You are helpful.", "access": "Private", "tags": ["desk"]
                })),
            )
            .await;
        let private_row = app
            .ok("GET", &format!("/api/v2/agents/{private}"), &o.admin, None)
            .await;
        let everyone = ["Desk 100%", "Helper Private", "Helper Public"];

        // Visibility: the admin sees every agent; Bob the public one and his team's.
        assert_eq!(agent_names(&app, &o.admin, "/api/v2/agents").await, everyone);
        assert_eq!(
            agent_names(&app, &o.bob, "/api/v2/agents").await,
            ["Desk 100%", "Helper Public"]
        );

        let admin_cases: Vec<(String, Vec<&str>)> = vec![
            (format!("project_id={public_project}"), vec!["Helper Public"]),
            ("project_id=0".into(), everyone.to_vec()),
            (format!("team_id={team}"), vec!["Desk 100%"]),
            (format!("project_team_id={team}"), vec!["Desk 100%"]),
            ("tag=billing".into(), vec!["Helper Private", "Helper Public"]),
            ("tag=desk&access=Private".into(), vec!["Desk 100%"]),
            ("access=Private".into(), vec!["Desk 100%", "Helper Private"]),
            ("access=".into(), everyone.to_vec()),
            (
                format!("status={}", private_row["status"].as_str().unwrap()),
                everyone.to_vec(),
            ),
            ("status=NoSuchStatus".into(), vec![]),
            (
                format!("agent_type_id={}", private_row["agent_type"]["id"]),
                everyone.to_vec(),
            ),
            ("agent_type_id=999999".into(), vec![]),
            ("is_active=true".into(), everyone.to_vec()),
            ("is_active=false".into(), vec![]),
            ("search=HELPER".into(), vec!["Helper Private", "Helper Public"]),
            // A wildcard is a character to find, not a pattern.
            ("search=100%25".into(), vec!["Desk 100%"]),
            ("search=_".into(), vec![]),
            ("search=team%20questions&access=Private".into(), vec!["Desk 100%"]),
            (
                format!("user_team_id={team}"),
                vec!["Desk 100%", "Helper Private", "Helper Public"],
            ),
        ];
        for (query, expected) in admin_cases {
            let path = format!("/api/v2/agents?{query}");
            assert_eq!(agent_names(&app, &o.admin, &path).await, expected, "{path}");
        }

        app.ok(
            "POST",
            &format!("/api/v2/users/me/starred-agents/{public}"),
            &o.bob,
            None,
        )
        .await;
        let bob_cases = [
            ("/api/v2/agents?starred=true", vec!["Helper Public"]),
            ("/api/v2/agents?starred=true&search=desk", vec![]),
            ("/api/v2/agents?access=Private", vec!["Desk 100%"]),
            ("/api/v2/agents?tag=billing", vec!["Helper Public"]),
            ("/api/v2/users/me/team-agents", vec!["Desk 100%"]),
        ];
        for (path, expected) in bob_cases {
            assert_eq!(agent_names(&app, &o.bob, path).await, expected, "{path}");
        }

        // A page past the end still counts what matches.
        let past = app
            .ok(
                "GET",
                "/api/v2/agents?access=Private&page=5&items_per_page=1",
                &o.admin,
                None,
            )
            .await;
        assert_eq!(past["agents"], json!([]));
        assert_eq!(past["meta"]["count"], 2);
        assert_eq!(desk["agent_name"], "Desk 100%");
    }
);

both_backends!(corpus_connections_keep_the_default, |app: TestApp| async move {
    let o = org(&app).await;
    let (_, id) = agent_in_new_project(&app, &o, "Private").await;
    let list = app
        .ok("GET", &format!("/api/v2/agents/{id}/corpora"), &o.alice, None)
        .await;
    let default = &list["items"]["agent_corpus"][0];
    assert_eq!(default["corpus_name"], "Helper Private_Default");
    assert_eq!(default["is_default"], true);
    let corpus = default["corpus_id"].as_i64().unwrap();
    assert_eq!(
        app.ok("GET", &format!("/api/v2/agents/{id}/corpora/default"), &o.alice, None)
            .await["corpus_id"],
        corpus
    );
    let off = app
        .ok(
            "PUT",
            &format!("/api/v2/agents/{id}/corpora/{corpus}"),
            &o.alice,
            Some(&json!({"is_enabled": false})),
        )
        .await;
    assert_eq!(off["is_enabled"], false);
    let enabled = app
        .ok(
            "GET",
            &format!("/api/v2/agents/{id}/corpora?is_enabled=true"),
            &o.alice,
            None,
        )
        .await;
    assert_eq!(enabled["items"]["agent_corpus"], json!([]));
    let (status, body) = app
        .call(
            "DELETE",
            &format!("/api/v2/agents/{id}/corpora/{corpus}"),
            &o.alice,
            None,
        )
        .await;
    assert_error(status, &body, 409);
    let (status, body) = app
        .call("POST", &format!("/api/v2/agents/{id}/corpora/999999"), &o.alice, None)
        .await;
    assert_error(status, &body, 404);
    let (status, body) = app
        .call("POST", &format!("/api/v2/agents/{id}/corpora/{corpus}"), &o.alice, None)
        .await;
    assert_error(status, &body, 409);
});

both_backends!(administrators_manage_users, |app: TestApp| async move {
    let o = org(&app).await;
    let (_, me) = app.get_authed("/api/v2/users/me", &o.admin).await;
    let org_id = me["data"]["organization"]["id"].as_i64().unwrap();
    let create = format!("/api/v2/organizations/{org_id}/users");
    let (status, body) = app
        .call("POST", &create, &o.bob, Some(&json!({"email": "x@example.com"})))
        .await;
    assert_error(status, &body, 403);
    let (status, body) = app
        .call(
            "POST",
            &create,
            &o.admin,
            Some(&json!({"email": "bad", "role": "Emperor"})),
        )
        .await;
    assert_error(status, &body, 422);
    assert!(
        body["errors"]["email"].is_array() && body["errors"]["role"].is_array(),
        "{body}"
    );
    let carol = app
        .ok("POST", &create, &o.admin, Some(&json!({"email": "carol@example.com", "first_name": "Carol", "role": "Application Admin", "password": "carols-password"})))
        .await;
    let carol_id = carol["id"].as_i64().unwrap();
    let (status, body) = app
        .call("POST", &create, &o.admin, Some(&json!({"email": "carol@example.com"})))
        .await;
    assert_error(status, &body, 409);

    let users = app.ok("GET", "/api/v2/users?search=carol", &o.bob, None).await;
    assert_eq!(users["users"][0]["role"], "Application Admin");
    assert_eq!(
        app.ok("GET", &format!("{create}?role=User"), &o.admin, None).await["meta"]["count"],
        2
    );
    assert_eq!(
        app.ok("GET", "/api/v2/users/by-email/carol@example.com", &o.bob, None)
            .await["id"],
        carol_id
    );

    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v2/users/{}", o.alice_id),
            &o.bob,
            Some(&json!({"role": "Global Admin"})),
        )
        .await;
    assert_error(status, &body, 403);
    let updated = app
        .ok(
            "PUT",
            &format!("/api/v2/users/{}", o.alice_id),
            &o.admin,
            Some(&json!({"role": "Application Admin"})),
        )
        .await;
    assert_eq!(updated["role"], "Application Admin");
    let renamed = app
        .ok(
            "PUT",
            &format!("/api/v2/users/{}", o.bob_id),
            &o.bob,
            Some(&json!({"first_name": "Robert"})),
        )
        .await;
    assert_eq!(renamed["first_name"], "Robert");

    let grant = app
        .ok(
            "POST",
            &format!("/api/v2/users/{}/organization-permissions", o.bob_id),
            &o.admin,
            Some(&json!({"permission": "manage_teams"})),
        )
        .await;
    app.ok("POST", "/api/v2/teams", &o.bob, Some(&json!({"name": "Bob's team"})))
        .await;
    let perms = app
        .ok("GET", &format!("/api/v2/users/{}/permissions", o.bob_id), &o.bob, None)
        .await;
    assert_eq!(perms["organization_permissions"][0]["permission"], "manage_teams");
    assert_eq!(perms["teams"][0]["role"], "Admin");
    let gid = grant["id"].as_i64().unwrap();
    app.ok(
        "PUT",
        &format!("/api/v2/users/{}/organization-permissions/{gid}", o.bob_id),
        &o.admin,
        Some(&json!({"permission": "view_analytics"})),
    )
    .await;
    app.ok(
        "DELETE",
        &format!("/api/v2/users/{}/organization-permissions/{gid}", o.bob_id),
        &o.admin,
        None,
    )
    .await;

    let (status, body) = app
        .call(
            "DELETE",
            "/api/v2/users",
            &o.admin,
            Some(&json!({"user_ids": [carol_id, 987654]})),
        )
        .await;
    assert_error(status, &body, 404);
    assert_eq!(
        app.ok("GET", "/api/v2/users", &o.admin, None).await["meta"]["count"],
        4,
        "nothing deleted on a bad id"
    );
    app.ok(
        "DELETE",
        "/api/v2/users",
        &o.admin,
        Some(&json!({"user_ids": [carol_id, o.bob_id]})),
    )
    .await;
    assert_eq!(app.ok("GET", "/api/v2/users", &o.admin, None).await["meta"]["count"], 2);
    let (status, _) = app.get_authed("/api/v2/users/me", &o.bob).await;
    assert_eq!(status, 401, "a deleted user's sessions end");
    let (status, body) = app
        .call("DELETE", &format!("/api/v2/users/{}", o.alice_id), &o.alice, None)
        .await;
    assert_error(status, &body, 403);

    // Every change above is in the audit log, with the account before and after.
    let org_id = app.ok("GET", "/api/v2/users/me", &o.admin, None).await["organization"]["id"].clone();
    let log = app
        .ok(
            "GET",
            &format!("/api/v2/organizations/{org_id}/audit-log?resource_type=user&items_per_page=50"),
            &o.admin,
            None,
        )
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["user.create", "user.update", "permission.grant", "user.delete"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let role_change = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.update" && e["before"]["role"] != e["after"]["role"])
        .expect("a role change");
    assert_eq!(role_change["after"]["role"], "Application Admin");
});

both_backends!(
    configurations_and_agent_types_are_read_per_organization,
    |app: TestApp| async move {
        let o = org(&app).await;
        let (_, me) = app.get_authed("/api/v2/users/me", &o.bob).await;
        let org_id = me["data"]["organization"]["id"].as_i64().unwrap();
        let llms = app.ok("GET", "/api/v2/llm-configurations", &o.bob, None).await;
        let llm = llms[0]["id"].as_i64().unwrap();
        assert_eq!(llms[0]["is_default"], true);
        assert_eq!(
            app.ok("GET", &format!("/api/v2/llm-configurations/{llm}"), &o.bob, None)
                .await["provider"],
            "local"
        );
        assert_eq!(
            app.ok(
                "GET",
                &format!("/api/v2/organizations/{org_id}/model-deployment"),
                &o.bob,
                None
            )
            .await["id"],
            llm
        );
        assert_eq!(
            app.ok(
                "GET",
                &format!("/api/v2/organizations/{org_id}/configurations/active"),
                &o.bob,
                None
            )
            .await["name"],
            "Default"
        );
        assert_eq!(
            app.ok("GET", "/api/v2/configurations", &o.bob, None)
                .await
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            app.ok(
                "GET",
                &format!("/api/v2/organizations/{org_id}/configurations"),
                &o.bob,
                None
            )
            .await
            .as_array()
            .unwrap()
            .len(),
            1
        );

        let types = app.ok("GET", "/api/v2/agent-types", &o.bob, None).await;
        let qna = types[0]["id"].as_i64().unwrap();
        assert_eq!(
            app.ok("GET", &format!("/api/v2/agent-types/{qna}"), &o.bob, None).await["name"],
            "QnA"
        );
        let (status, body) = app
            .call(
                "PUT",
                &format!("/api/v2/agent-types/{qna}"),
                &o.bob,
                Some(&json!({"name": "Q&A"})),
            )
            .await;
        assert_error(status, &body, 403);
        app.ok(
            "PUT",
            &format!("/api/v2/agent-types/{qna}"),
            &o.admin,
            Some(&json!({"name": "Q&A", "description": "Answers"})),
        )
        .await;
        let image = app
            .ok(
                "POST",
                "/api/v2/agents/generate-image",
                &o.bob,
                Some(&json!({"description": "A friendly librarian"})),
            )
            .await;
        assert!(
            image["agent_image"]
                .as_str()
                .unwrap()
                .starts_with("data:image/svg+xml;base64,")
        );
        let (status, body) = app
            .call(
                "POST",
                "/api/v2/agents/generate-image",
                &o.bob,
                Some(&json!({"prompt": ""})),
            )
            .await;
        assert_error(status, &body, 422);
    }
);

both_backends!(
    response_lists_are_scoped_to_project_admins_and_their_owner,
    |app: TestApp| async move {
        let o = org(&app).await;
        let (project, _) = agent_in_new_project(&app, &o, "Public").await;
        let list = app
            .ok(
                "GET",
                &format!("/api/v2/projects/{project}/agent-responses?page=1"),
                &o.admin,
                None,
            )
            .await;
        assert_eq!(list["meta"]["count"], 0, "no one has asked anything yet");
        assert_eq!(list["agent_responses"], json!([]));
        let (status, body) = app
            .call(
                "GET",
                &format!("/api/v2/projects/{project}/agent-responses"),
                &o.alice,
                None,
            )
            .await;
        assert_error(status, &body, 403);
        app.ok(
            "GET",
            &format!("/api/v2/users/{}/agent-responses", o.bob_id),
            &o.bob,
            None,
        )
        .await;
        let (status, body) = app
            .call(
                "GET",
                &format!("/api/v2/users/{}/agent-responses", o.alice_id),
                &o.bob,
                None,
            )
            .await;
        assert_error(status, &body, 403);
        app.ok(
            "GET",
            &format!("/api/v2/users/{}/agent-responses", o.alice_id),
            &o.admin,
            None,
        )
        .await;
    }
);

// Whatever organization permission a User holds, it never reaches an administrator's role: only
// a Global Admin creates, promotes, demotes, deactivates or deletes a Global or Application Admin.
both_backends!(no_permission_reaches_an_administrator_role, |app: TestApp| async move {
    let o = org(&app).await;
    let (_, me) = app.get_authed("/api/v2/users/me", &o.admin).await;
    let org_id = me["data"]["organization"]["id"].as_i64().unwrap();
    let create = format!("/api/v2/organizations/{org_id}/users");
    let admin_app = app
        .ok("POST", &create, &o.admin, Some(&json!({"email": "aa@example.com", "first_name": "App", "last_name": "Admin", "role": "Application Admin", "password": "app-admins-password"})))
        .await["id"]
        .as_i64()
        .unwrap();
    for permission in ejento_api::ORG_PERMISSIONS {
        app.ok(
            "POST",
            &format!("/api/v2/users/{}/organization-permissions", o.bob_id),
            &o.admin,
            Some(&json!({"permission": permission})),
        )
        .await;
    }
    for role in ["Global Admin", "Application Admin"] {
        let email = format!("{}@example.com", role.replace(' ', "").to_lowercase());
        let (status, body) = app
            .call("POST", &create, &o.bob, Some(&json!({"email": email, "first_name": "X", "last_name": "Y", "role": role, "password": "a-long-password"})))
            .await;
        assert_error(status, &body, 403);
        assert!(
            body["message"].as_str().unwrap().starts_with("Only a Global Admin"),
            "{body}"
        );
        let (status, body) = app
            .call(
                "PUT",
                &format!("/api/v2/users/{}", o.alice_id),
                &o.bob,
                Some(&json!({"role": role})),
            )
            .await;
        assert_error(status, &body, 403);
    }
    for change in [
        json!({"role": "User"}),
        json!({"is_active": false}),
        json!({"first_name": "Mallory"}),
    ] {
        let (status, body) = app
            .call("PUT", &format!("/api/v2/users/{admin_app}"), &o.bob, Some(&change))
            .await;
        assert_error(status, &body, 403);
    }
    let (status, body) = app
        .call("DELETE", &format!("/api/v2/users/{admin_app}"), &o.bob, None)
        .await;
    assert_error(status, &body, 403);
    // What manage_users is for still works: Users.
    let made = app
        .ok(
            "POST",
            &create,
            &o.bob,
            Some(&json!({"email": "u@example.com", "first_name": "U", "last_name": "Ser", "role": "User"})),
        )
        .await;
    assert_eq!(made["role"], "User");
    let (_, aa) = app.get_authed(&format!("/api/v2/users/{admin_app}"), &o.admin).await;
    assert_eq!(aa["data"]["role"], "Application Admin");
    assert_eq!(aa["data"]["is_active"], true);
    // An Application Admin still renames themselves.
    let (status, session) = app.login("aa@example.com", "app-admins-password").await;
    assert_eq!(status, 200, "{session}");
    let token = session["data"]["ejento_access_token"].as_str().unwrap();
    let renamed = app
        .ok(
            "PUT",
            &format!("/api/v2/users/{admin_app}"),
            token,
            Some(&json!({"first_name": "Apollo"})),
        )
        .await;
    assert_eq!(renamed["first_name"], "Apollo");
});

/// The projects a page lists, in the order served.
async fn project_names(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    listed(app, token, path, ("projects", "name")).await
}

// The projects list holds only the filters a request sets (like the agents page); each filter
// alone and together, by name (the default order), and a page past the end that still counts.
both_backends!(
    every_project_filter_narrows_the_list_alone_and_together,
    |app: TestApp| async move {
        let o = org(&app).await;
        let team = support_team(&app, &o, &[(o.bob_id, "Member")]).await;
        for (name, team) in [
            ("Helpdesk 100%", Some(team)),
            ("Help center", Some(team)),
            ("Back office", None),
        ] {
            app.ok(
                "POST",
                "/api/v2/projects",
                &o.admin,
                Some(&json!({"name": name, "team_id": team})),
            )
            .await;
        }
        let all = ["Back office", "Help center", "Helpdesk 100%"];
        let cases: Vec<(String, Vec<&str>)> = vec![
            ("/api/v2/projects".into(), all.to_vec()),
            (
                "/api/v2/projects?search=HELP".into(),
                vec!["Help center", "Helpdesk 100%"],
            ),
            // A wildcard is a character to find, not a pattern.
            ("/api/v2/projects?search=100%25".into(), vec!["Helpdesk 100%"]),
            ("/api/v2/projects?search=_".into(), vec![]),
            ("/api/v2/projects?search=".into(), all.to_vec()),
            (
                format!("/api/v2/projects?team_id={team}"),
                vec!["Help center", "Helpdesk 100%"],
            ),
            ("/api/v2/projects?team_id=0".into(), all.to_vec()),
            (
                format!("/api/v2/projects?team_id={team}&search=desk"),
                vec!["Helpdesk 100%"],
            ),
            ("/api/v2/projects?team_id=424242".into(), vec![]),
            // Bob holds a role in the team's projects only.
            ("/api/v2/users/me/projects".into(), vec!["Help center", "Helpdesk 100%"]),
            ("/api/v2/users/me/projects?search=center".into(), vec!["Help center"]),
            (
                format!("/api/v2/users/me/projects?team_id={team}&search=office"),
                vec![],
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(project_names(&app, &o.bob, &path).await, expected, "{path}");
        }
        assert_eq!(
            project_names(&app, &o.bob, "/api/v2/projects?sort=-name&search=help").await,
            ["Helpdesk 100%", "Help center"]
        );
        let past = app
            .ok(
                "GET",
                &format!("/api/v2/projects?team_id={team}&page=3&items_per_page=1"),
                &o.bob,
                None,
            )
            .await;
        assert_eq!(past["projects"], json!([]));
        assert_eq!(past["meta"]["count"], 2);
    }
);
