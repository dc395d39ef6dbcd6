//! Feature flags: every flag on its own path with its default, set by administrators only, and
//! honoured: sharing an agent, aliases and cached answers stop when theirs is off.

mod common;

use common::{TestApp, assert_error};
use serde_json::json;

both_backends!(
    flags_have_defaults_are_set_by_administrators_and_are_honoured,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let (member, _, _) = app.member("bob@example.com", "Bob Member").await;
        let all = app.ok("GET", "/api/v2/feature-flags", &member, None).await;
        let all = all.as_array().unwrap();
        assert_eq!(all.len(), 12);
        for flag in all {
            let name = flag["name"].as_str().unwrap();
            let one = app
                .ok("GET", &format!("/api/v2/feature-flags/{name}"), &member, None)
                .await;
            assert_eq!(&one, flag, "{name} on its own path");
            assert_eq!(flag["enabled"], flag["default"]);
            assert_eq!(
                flag["enabled"], flag["available"],
                "the features this version has are on"
            );
        }
        let share = app.ok("GET", "/api/v2/feature-flags/share-agent", &member, None).await;
        assert_eq!(share["enabled"], true);
        assert_eq!(
            app.ok("GET", "/api/v2/feature-flags/youtube-index", &member, None)
                .await["enabled"],
            false
        );
        let oauth = app.ok("GET", "/api/v2/feature-flags/oauth", &member, None).await;
        assert_eq!(
            oauth,
            json!({"google": false, "microsoft": false, "github": false, "okta": false})
        );

        // Only administrators set them; unknown flags and bad bodies are refused.
        let (status, body) = app
            .call(
                "PUT",
                "/api/v2/feature-flags/share-agent",
                &member,
                Some(&json!({"enabled": false})),
            )
            .await;
        assert_error(status, &body, 403);
        let (status, body) = app
            .call(
                "PUT",
                "/api/v2/feature-flags/teleport",
                &admin,
                Some(&json!({"enabled": false})),
            )
            .await;
        assert_error(status, &body, 404);
        let (status, body) = app
            .call(
                "PUT",
                "/api/v2/feature-flags/share-agent",
                &admin,
                Some(&json!({"enabled": "nope"})),
            )
            .await;
        assert_error(status, &body, 422);

        // Sharing an agent and aliases stop when their flags are off, and work again after.
        let agent = app.agent_in_new_project(&admin, "Billing Helper").await;
        for flag in ["share-agent", "agent-alias"] {
            let off = app
                .ok(
                    "PUT",
                    &format!("/api/v2/feature-flags/{flag}"),
                    &admin,
                    Some(&json!({"enabled": false})),
                )
                .await;
            assert_eq!(off["enabled"], false);
            assert_eq!(off["modified_by"], "ada@example.com");
        }
        let share_body = json!({"emails": ["bob@example.com"], "role": "Member"});
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/agents/{agent}/users"),
                &admin,
                Some(&share_body),
            )
            .await;
        assert_error(status, &body, 403);
        assert!(body["message"].as_str().unwrap().contains("share-agent"), "{body}");
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/agents/{agent}/aliases"),
                &admin,
                Some(&json!({"alias": "billing@example.org"})),
            )
            .await;
        assert_error(status, &body, 403);
        assert!(body["message"].as_str().unwrap().contains("agent-alias"), "{body}");
        app.ok(
            "PUT",
            "/api/v2/feature-flags/share-agent",
            &admin,
            Some(&json!({"enabled": true})),
        )
        .await;
        app.ok(
            "POST",
            &format!("/api/v2/agents/{agent}/users"),
            &admin,
            Some(&share_body),
        )
        .await;

        // With caching off for the organization, an agent that caches answers afresh.
        app.ok(
            "PUT",
            &format!("/api/v2/agents/{agent}"),
            &admin,
            Some(&json!({"caching_enabled": true})),
        )
        .await;
        app.ok(
            "PUT",
            "/api/v2/feature-flags/caching",
            &admin,
            Some(&json!({"enabled": false})),
        )
        .await;
        let ask = || async {
            app.ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &admin,
                Some(&json!({"user_query": "What is the refund policy?"})),
            )
            .await
        };
        ask().await;
        assert_eq!(ask().await["cache_hit"], false, "caching is off");
        app.ok(
            "PUT",
            "/api/v2/feature-flags/caching",
            &admin,
            Some(&json!({"enabled": true})),
        )
        .await;
        ask().await;
        assert_eq!(ask().await["cache_hit"], true, "caching is on again");
    }
);
