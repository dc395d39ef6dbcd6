//! Corpora over HTTP: settings, tags, permissions and who may do what.

mod common;

use common::{TestApp, assert_error};
use serde_json::json;

both_backends!(
    corpora_lifecycle_permissions_and_visibility,
    |app: TestApp| async move {
        let (owner, _, _) = app.member("olga@example.com", "Olga Owner").await;
        let (reader, reader_id, _) = app.member("rita@example.com", "Rita Reader").await;
        let (writer, writer_id, _) = app.member("walt@example.com", "Walt Writer").await;

        let (status, body) = app
            .call(
                "POST",
                "/api/v2/corpora",
                &owner,
                Some(&json!({"description": "no name"})),
            )
            .await;
        assert_error(status, &body, 422);
        let (status, body) = app
            .call(
                "POST",
                "/api/v2/corpora",
                &owner,
                Some(&json!({"name": "Docs", "indexing_mode_id": 9, "corpus_type": "odd"})),
            )
            .await;
        assert_error(status, &body, 422);
        assert!(
            body["errors"]["indexing_mode_id"].is_array() && body["errors"]["corpus_type"].is_array(),
            "{body}"
        );

        let corpus = app
            .ok(
                "POST",
                "/api/v2/corpora",
                &owner,
                Some(&json!({"name": "Policies", "description": "HR policies", "indexing_mode_id": 1, "tags": ["hr"]})),
            )
            .await;
        let id = corpus["id"].as_i64().unwrap();
        assert_eq!(corpus["indexing_mode"], json!({"id": 1, "mode": "exhaustive"}));
        assert_eq!(corpus["my_access"], "Write");
        assert_eq!(corpus["tags"], json!(["hr"]));

        // Private until shared.
        let (status, body) = app.call("GET", &format!("/api/v2/corpora/{id}"), &reader, None).await;
        assert_error(status, &body, 403);
        assert_eq!(
            app.ok("GET", "/api/v2/corpora?search=polic", &reader, None).await["meta"]["count"],
            0
        );
        app.ok(
            "POST",
            &format!("/api/v2/corpora/{id}/permissions"),
            &owner,
            Some(&json!({"user_id": reader_id, "access": "Read"})),
        )
        .await;
        app.ok(
            "POST",
            &format!("/api/v2/corpora/{id}/permissions"),
            &owner,
            Some(&json!({"user_id": writer_id, "access": "Write"})),
        )
        .await;
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/corpora/{id}/permissions"),
                &owner,
                Some(&json!({"user_id": writer_id, "access": "Admin"})),
            )
            .await;
        assert_error(status, &body, 422);
        assert_eq!(
            app.ok("GET", "/api/v2/corpora?search=polic", &reader, None).await["corpora"][0]["my_access"],
            "Read"
        );
        assert_eq!(
            app.ok("GET", &format!("/api/v2/corpora/{id}/permissions"), &owner, None)
                .await
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let mine = app
            .ok(
                "GET",
                &format!("/api/v2/corpora/{id}/users/{reader_id}/permissions"),
                &reader,
                None,
            )
            .await;
        assert_eq!(mine[0]["access"], "Read");
        let (status, body) = app
            .call(
                "GET",
                &format!("/api/v2/corpora/{id}/users/{writer_id}/permissions"),
                &reader,
                None,
            )
            .await;
        assert_error(status, &body, 403);

        // Read cannot tag; Write can tag but not change settings or delete.
        let (status, body) = app
            .call(
                "PUT",
                &format!("/api/v2/corpora/{id}/tags"),
                &reader,
                Some(&json!({"tags": ["x"]})),
            )
            .await;
        assert_error(status, &body, 403);
        let tagged = app
            .ok(
                "PUT",
                &format!("/api/v2/corpora/{id}/tags"),
                &writer,
                Some(&json!({"tags": ["hr", "policies"]})),
            )
            .await;
        assert_eq!(tagged["tags"], json!(["hr", "policies"]));
        let (status, body) = app
            .call(
                "PUT",
                &format!("/api/v2/corpora/{id}"),
                &writer,
                Some(&json!({"name": "Mine"})),
            )
            .await;
        assert_error(status, &body, 403);
        let (status, body) = app
            .call("DELETE", &format!("/api/v2/corpora/{id}"), &writer, None)
            .await;
        assert_error(status, &body, 403);

        let updated = app
            .ok(
                "PUT",
                &format!("/api/v2/corpora/{id}"),
                &owner,
                Some(&json!({"refresh_enabled": true, "is_public": true})),
            )
            .await;
        assert_eq!(
            (updated["refresh_enabled"].as_bool(), updated["name"].as_str()),
            (Some(true), Some("Policies"))
        );
        assert_eq!(
            app.ok("GET", "/api/v2/corpora/refresh-enabled", &owner, None).await["meta"]["count"],
            1
        );
        // The list holds only the filters set: the founder (an organization administrator) sees
        // every corpus, the writer only those visible to them, each with search and refresh.
        let private = app
            .ok(
                "POST",
                "/api/v2/corpora",
                &owner,
                Some(&json!({"name": "Payroll 100%", "indexing_mode_id": 1, "refresh_enabled": true})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let count = |token: &str, query: &str| {
            let app = &app;
            let path = format!("/api/v2/corpora{query}");
            let token = token.to_string();
            async move { app.ok("GET", &path, &token, None).await["meta"]["count"].clone() }
        };
        assert_eq!(count(&owner, "/refresh-enabled").await, 2);
        assert_eq!(
            count(&writer, "/refresh-enabled").await,
            1,
            "the private one is the owner's"
        );
        assert_eq!(count(&owner, "?search=100%25").await, 1);
        assert_eq!(count(&owner, "?search=_").await, 0);
        assert_eq!(count(&writer, "?search=payroll").await, 0);
        assert_eq!(count(&writer, "?search=polic").await, 1);
        app.ok("DELETE", &format!("/api/v2/corpora/{private}"), &owner, None)
            .await;
        app.ok(
            "DELETE",
            &format!("/api/v2/corpora/{id}/users/{reader_id}/permissions"),
            &owner,
            None,
        )
        .await;
        assert_eq!(
            app.ok("GET", &format!("/api/v2/corpora/{id}"), &reader, None).await["my_access"],
            "Read",
            "public now"
        );

        app.ok("DELETE", &format!("/api/v2/corpora/{id}"), &owner, None).await;
        let (status, body) = app.call("GET", &format!("/api/v2/corpora/{id}"), &owner, None).await;
        assert_error(status, &body, 404);
    }
);

both_backends!(
    an_agents_default_corpus_goes_with_its_agent,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let project = app
            .ok("POST", "/api/v2/projects", &admin, Some(&json!({"name": "P"})))
            .await["id"]
            .as_i64()
            .unwrap();
        let agent = app
            .ok(
                "POST",
                "/api/v2/agents",
                &admin,
                Some(&json!({"project_id": project, "agent_name": "Helper"})),
            )
            .await;
        let corpus = app
            .ok(
                "GET",
                &format!("/api/v2/agents/{}/corpora/default", agent["id"]),
                &admin,
                None,
            )
            .await["corpus_id"]
            .as_i64()
            .unwrap();
        let agents = app
            .ok("GET", &format!("/api/v2/corpora/{corpus}/agents"), &admin, None)
            .await;
        assert_eq!(
            agents,
            json!([{"agent_id": agent["id"], "agent_name": "Helper", "is_enabled": true, "is_default": true}])
        );
        let (status, body) = app
            .call("DELETE", &format!("/api/v2/corpora/{corpus}"), &admin, None)
            .await;
        assert_error(status, &body, 409);
        assert_eq!(
            app.ok("GET", "/api/v2/corpora", &admin, None).await["corpora"][0]["name"],
            "Helper_Default"
        );
    }
);
