//! Notifications: written by the events people care about (an upload that failed to index, an
//! evaluation run that ended, being added to a team, an agent shared), read and marked read by
//! their recipient only; messages from administrators; bad input.

mod common;

use common::{TestApp, assert_error};
use serde_json::{Value, json};

async fn notifications(app: &TestApp, token: &str, query: &str) -> Value {
    app.ok("GET", &format!("/api/v2/notifications{query}"), token, None)
        .await
}

async fn unread(app: &TestApp, token: &str) -> i64 {
    app.ok("GET", "/api/v2/notifications/unread-count", token, None).await["unread"]
        .as_i64()
        .unwrap()
}

both_backends!(events_notify_the_people_concerned, |app: TestApp| async move {
    let (admin, admin_id, _) = app.member("ada@example.com", "Ada Admin").await;
    let (bob, bob_id, _) = app.member("bob@example.com", "Bob Member").await;

    // Ada's upload fails to index: she is told why, with a link to the document.
    let agent = app.agent_in_new_project(&admin, "Ada's Helper").await;
    let corpus = app.agent_corpus(&admin, agent).await;
    let broken = app
        .upload_file(corpus, &admin, "broken.docx", b"not a zip at all".to_vec())
        .await;
    assert_eq!(app.settled(broken, &admin).await["step"], "failed");
    let page = notifications(&app, &admin, "").await;
    assert_eq!(page["unread"], 1, "{page}");
    let failed = &page["notifications"][0];
    assert_eq!(failed["kind"], "indexing_failed");
    assert_eq!(failed["title"], "Indexing failed: broken.docx");
    assert_eq!(failed["link"], format!("/documents/{broken}"));
    assert!(!failed["body"].as_str().unwrap().is_empty(), "the reason");
    assert_eq!(failed["is_read"], false);
    assert_eq!(unread(&app, &bob).await, 0, "nobody else hears of it");

    // Added to a team and given an agent by Ada; adding oneself tells nobody.
    let team = app
        .ok("POST", "/api/v2/teams", &admin, Some(&json!({"name": "Support"})))
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        "POST",
        &format!("/api/v2/teams/{team}/users"),
        &admin,
        Some(&json!({"user_ids": [bob_id, admin_id], "role": "Member"})),
    )
    .await;
    app.ok(
        "POST",
        &format!("/api/v2/agents/{agent}/users"),
        &admin,
        Some(&json!({"emails": ["bob@example.com"], "role": "Member"})),
    )
    .await;
    // Changing the role of someone already there is not news.
    app.ok(
        "POST",
        &format!("/api/v2/teams/{team}/users"),
        &admin,
        Some(&json!({"user_ids": [bob_id], "role": "Admin"})),
    )
    .await;
    let page = notifications(&app, &bob, "").await;
    assert_eq!(page["unread"], 2, "{page}");
    let kinds: Vec<&str> = page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["agent_shared", "added_to_team"], "newest first");
    assert_eq!(
        page["notifications"][0]["title"],
        "Ada Admin shared the agent “Ada's Helper” with you"
    );
    assert_eq!(
        page["notifications"][1]["title"],
        "Ada Admin added you to the team “Support”"
    );
    assert_eq!(page["notifications"][1]["link"], format!("/teams/{team}"));
    assert_eq!(unread(&app, &admin).await, 1, "adding herself told Ada nothing");

    // Read one, filter, then all; only one's own.
    let first = page["notifications"][0]["id"].as_i64().unwrap();
    let read = app
        .ok(
            "PUT",
            &format!("/api/v2/notifications/{first}"),
            &bob,
            Some(&json!({"is_read": true})),
        )
        .await;
    assert_eq!(read["is_read"], true);
    assert!(read["read_on"].is_string());
    assert_eq!(notifications(&app, &bob, "?is_read=false").await["meta"]["count"], 1);
    assert_eq!(notifications(&app, &bob, "?is_read=true").await["meta"]["count"], 1);
    for (method, body) in [
        ("GET", None),
        ("PUT", Some(json!({"is_read": false}))),
        ("DELETE", None),
    ] {
        let (status, err) = app
            .call(method, &format!("/api/v2/notifications/{first}"), &admin, body.as_ref())
            .await;
        assert_error(status, &err, 404);
    }
    let (status, err) = app
        .call(
            "PUT",
            &format!("/api/v2/users/{bob_id}/notifications"),
            &admin,
            Some(&json!({"is_read": true})),
        )
        .await;
    assert_error(status, &err, 404);
    let (status, err) = app
        .call(
            "PUT",
            &format!("/api/v2/users/{bob_id}/notifications"),
            &bob,
            Some(&json!({"is_read": true, "notification_ids": [999999]})),
        )
        .await;
    assert_error(status, &err, 422);
    assert_eq!(unread(&app, &bob).await, 1, "nothing changed by the bad request");
    let all = app
        .ok(
            "PUT",
            &format!("/api/v2/users/{bob_id}/notifications"),
            &bob,
            Some(&json!({"is_read": true})),
        )
        .await;
    assert_eq!(all["unread"], 0);
    app.ok("DELETE", &format!("/api/v2/notifications/{first}"), &bob, None)
        .await;
    let (status, err) = app
        .call("GET", &format!("/api/v2/notifications/{first}"), &bob, None)
        .await;
    assert_error(status, &err, 404);
    assert_eq!(notifications(&app, &bob, "").await["meta"]["count"], 1);
});

both_backends!(
    an_evaluation_run_that_ends_notifies_who_started_it,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let agent = app.agent_in_new_project(&admin, "Billing Helper").await;
        let dataset = app
            .ok(
                "POST",
                &format!("/api/v2/agents/{agent}/evaluation-datasets"),
                &admin,
                Some(&json!({"name": "Smoke"})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        app.ok(
            "POST",
            &format!("/api/v2/evaluation-datasets/{dataset}/evaluation-queries"),
            &admin,
            Some(&json!({"question": "Who pays refunds?"})),
        )
        .await;
        let run = app
            .ok(
                "POST",
                "/api/v2/evaluations",
                &admin,
                Some(&json!({"dataset_id": dataset, "name": "Smoke run"})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let mut page = Value::Null;
        for _ in 0..300 {
            page = notifications(&app, &admin, "").await;
            if page["unread"] == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let n = &page["notifications"][0];
        assert_eq!(n["kind"], "evaluation_finished", "{page}");
        assert_eq!(n["title"], "Evaluation run “Smoke run” completed");
        assert_eq!(n["body"], "All 1 questions were answered and scored.");
        assert_eq!(n["link"], format!("/evaluations/runs/{run}"));
    }
);

both_backends!(
    administrators_send_messages_and_bad_ones_are_refused,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let (bob, bob_id, _) = app.member("bob@example.com", "Bob Member").await;
        let sent = app
            .ok(
                "POST",
                "/api/v2/notifications",
                &admin,
                Some(&json!({"title": "Maintenance tonight", "body": "From 22:00.", "link": "/analytics", "user_ids": [bob_id]})),
            )
            .await;
        assert_eq!(sent["count"], 1);
        let page = notifications(&app, &bob, "").await;
        assert_eq!(page["notifications"][0]["kind"], "message");
        assert_eq!(page["notifications"][0]["created_by"], "Ada Admin");
        // A reminder to oneself is anyone's right; messages to others are administrators'.
        app.ok(
            "POST",
            "/api/v2/notifications",
            &bob,
            Some(&json!({"title": "Check the refunds corpus"})),
        )
        .await;
        assert_eq!(unread(&app, &bob).await, 2);
        assert_eq!(page["notifications"][0]["user"], bob_id);
        for (token, body, status, field) in [
            (&bob, json!({"title": "Hi all", "user_ids": [bob_id + 1000]}), 403, None),
            (&admin, json!({"title": ""}), 422, Some("title")),
            (
                &admin,
                json!({"title": "Phish", "link": "https://evil.example"}),
                422,
                Some("link"),
            ),
            (
                &admin,
                json!({"title": "Phish", "link": "//evil.example"}),
                422,
                Some("link"),
            ),
            (
                &admin,
                json!({"title": "Ghost", "user_ids": [999999]}),
                422,
                Some("user_ids"),
            ),
        ] {
            let (got, err) = app.call("POST", "/api/v2/notifications", token, Some(&body)).await;
            assert_error(got, &err, status);
            if let Some(field) = field {
                assert!(err["errors"][field].is_array(), "{err}");
            }
        }
        assert_eq!(unread(&app, &bob).await, 2, "refused messages wrote nothing");
        let (status, err) = app.call("GET", "/api/v2/notifications?is_read=maybe", &bob, None).await;
        assert_error(status, &err, 400);
    }
);

both_backends!(
    people_turn_kinds_of_notification_off_but_messages_arrive,
    |app: TestApp| async move {
        let (ada, ada_id, _) = app.member("ada@example.com", "Ada Admin").await;
        let settings = app.ok("GET", "/api/v2/notifications/settings", &ada, None).await;
        assert_eq!(settings.as_array().unwrap().len(), 5);
        assert!(settings.as_array().unwrap().iter().all(|s| s["enabled"] == true));
        let changed = app
            .ok(
                "PUT",
                "/api/v2/notifications/settings",
                &ada,
                Some(&json!({"settings": [{"kind": "indexing_failed", "enabled": false}]})),
            )
            .await;
        let off = changed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "indexing_failed")
            .unwrap()
            .clone();
        assert_eq!(off["enabled"], false);
        assert_eq!(off["label"], "A document I uploaded could not be indexed");

        // A failed upload now tells no one; a message still arrives.
        let agent = app.agent_in_new_project(&ada, "Ada's Helper").await;
        let corpus = app.agent_corpus(&ada, agent).await;
        let broken = app
            .upload_file(corpus, &ada, "broken.docx", b"not a zip at all".to_vec())
            .await;
        assert_eq!(app.settled(broken, &ada).await["step"], "failed");
        assert_eq!(unread(&app, &ada).await, 0);
        app.ok(
            "POST",
            "/api/v2/notifications",
            &ada,
            Some(&json!({"title": "Reminder", "user_ids": [ada_id]})),
        )
        .await;
        assert_eq!(unread(&app, &ada).await, 1);

        // Unknown kinds are refused and change nothing.
        let (status, body) = app
            .call(
                "PUT",
                "/api/v2/notifications/settings",
                &ada,
                Some(&json!({"settings": [{"kind": "indexing_failed", "enabled": true}, {"kind": "gossip", "enabled": false}]})),
            )
            .await;
        assert_error(status, &body, 422);
        let settings = app.ok("GET", "/api/v2/notifications/settings", &ada, None).await;
        assert!(
            settings
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["kind"] == "indexing_failed" && s["enabled"] == false)
        );
    }
);

both_backends!(
    a_page_and_its_unread_count_agree_while_notifications_arrive,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let (bob, bob_id, _) = app.member("bob@example.com", "Bob Member").await;
        let sending = std::sync::atomic::AtomicBool::new(true);
        let send = async {
            for i in 0..40 {
                app.ok(
                    "POST",
                    "/api/v2/notifications",
                    &admin,
                    Some(&json!({"title": format!("Message {i}"), "body": "", "user_ids": [bob_id]})),
                )
                .await;
            }
            sending.store(false, std::sync::atomic::Ordering::SeqCst);
        };
        // While messages arrive, every page of Bob's unread ones counts exactly as many as his
        // unread count says, and its newest entry is among them: one response, one moment.
        let read = async {
            let mut pages = 0;
            while sending.load(std::sync::atomic::Ordering::SeqCst) {
                let page = notifications(&app, &bob, "?is_read=false&items_per_page=5").await;
                assert_eq!(page["meta"]["count"], page["unread"], "{page}");
                let shown = page["notifications"].as_array().unwrap().len() as i64;
                assert_eq!(shown, page["unread"].as_i64().unwrap().min(5), "{page}");
                pages += 1;
            }
            pages
        };
        let ((), pages) = tokio::join!(send, read);
        assert!(pages > 0);
        assert_eq!(unread(&app, &bob).await, 40);
    }
);
