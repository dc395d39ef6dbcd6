//! Sign-ins are kept in memory by each replica (`store/callers.rs`), and nothing revoked may
//! outlive its revocation: a signed-out session, a deactivated account, a removed role and a
//! revoked API key stop the very next request on the replica that revoked them, and on another
//! replica within the time a PostgreSQL notice takes (bounded here at [`ELSEWHERE`]).

mod common;

use std::time::{Duration, Instant};

use common::TestApp;
use serde_json::json;

/// How long another replica may take to hear of a revocation (in practice milliseconds).
const ELSEWHERE: Duration = Duration::from_secs(3);

/// The status of a GET, with an API key when given.
async fn status(app: &TestApp, path: &str, token: &str, key: Option<&str>) -> u16 {
    let mut req = app.client.get(app.url(path)).bearer_auth(token);
    if let Some(key) = key {
        req = req.header("Ocp-Apim-Subscription-Key", key);
    }
    req.send().await.expect("request").status().as_u16()
}

/// Polls until a GET answers `expected`; how long that took, or `None` past [`ELSEWHERE`].
async fn refused_within(app: &TestApp, path: &str, token: &str, key: Option<&str>, expected: u16) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < ELSEWHERE {
        if status(app, path, token, key).await == expected {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// A Global Admin and a second Global Admin, Bob, who will lose what he has; Bob's token and id.
async fn admin_and_bob(app: &TestApp) -> (String, i64, String, i64) {
    let (admin, _, org) = app.member("ada@example.com", "Ada Admin").await;
    let (bob, bob_id, _) = app.member("bob@example.com", "Bob Revoked").await;
    app.ok(
        "PUT",
        &format!("/api/v2/users/{bob_id}"),
        &admin,
        Some(&json!({"role": "Global Admin"})),
    )
    .await;
    (admin, org, bob, bob_id)
}

/// A new API key of the organization whose key list is `keys`: the key, and where to revoke it.
async fn new_api_key(app: &TestApp, keys: &str, admin: &str) -> (String, String) {
    let body = json!({"name": "reporting", "scope": "All"});
    let created = app.ok("POST", keys, admin, Some(&body)).await;
    (
        created["key"].as_str().unwrap().to_string(),
        format!("{keys}/{}", created["id"]),
    )
}

/// Asks the same thing a few times, so the replica surely answers from what it kept.
async fn warm(app: &TestApp, path: &str, token: &str, key: Option<&str>) {
    for _ in 0..3 {
        assert_eq!(status(app, path, token, key).await, 200, "{path}");
    }
}

both_backends!(
    a_removed_role_a_deactivation_and_a_sign_out_stop_the_next_request,
    |app: TestApp| async move {
        let (admin, org, bob, bob_id) = admin_and_bob(&app).await;
        // Following an answer is checked like a request: Bob's ticket works until his account
        // is deactivated.
        let agent = app.agent_in_new_project(&bob, "Bob's Agent").await;
        let started = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses/start"),
                &bob,
                Some(&json!({"user_query": "Anything?"})),
            )
            .await;
        let follow = app.url(started["events_url"].as_str().unwrap());
        let res = app.client.get(&follow).send().await.unwrap();
        assert_eq!(res.status(), 200, "an active account's ticket");
        let keys = format!("/api/v2/organizations/{org}/api-keys");
        warm(&app, &keys, &bob, None).await;
        app.ok(
            "PUT",
            &format!("/api/v2/users/{bob_id}"),
            &admin,
            Some(&json!({"role": "User"})),
        )
        .await;
        assert_eq!(status(&app, &keys, &bob, None).await, 403, "the role is gone at once");

        warm(&app, "/api/v2/users/me", &bob, None).await;
        app.ok(
            "PUT",
            &format!("/api/v2/users/{bob_id}"),
            &admin,
            Some(&json!({"is_active": false})),
        )
        .await;
        assert_eq!(status(&app, "/api/v2/users/me", &bob, None).await, 401);
        let res = app.client.get(&follow).send().await.unwrap();
        assert_eq!(res.status(), 401, "a deactivated account's ticket is refused");

        warm(&app, "/api/v2/users/me", &admin, None).await;
        app.ok("POST", "/auth-service/api/v2/users/logout", &admin, None).await;
        assert_eq!(status(&app, "/api/v2/users/me", &admin, None).await, 401);
    }
);

both_backends!(a_revoked_api_key_stops_the_next_request, |app: TestApp| async move {
    let (admin, _, org) = app.member("ada@example.com", "Ada Admin").await;
    let keys = format!("/api/v2/organizations/{org}/api-keys");
    let (key, revoke) = new_api_key(&app, &keys, &admin).await;
    warm(&app, "/api/v2/users/me", &admin, Some(&key)).await;
    app.ok("DELETE", &revoke, &admin, None).await;
    assert_eq!(status(&app, "/api/v2/users/me", &admin, Some(&key)).await, 401);
});

#[tokio::test]
async fn another_replica_hears_of_every_revocation() {
    let Some(a) = TestApp::spawn(common::Backend::Postgres).await else {
        eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set");
        return;
    };
    let b = a.replica().await;
    let (admin, org, bob, bob_id) = admin_and_bob(&a).await;
    let keys = format!("/api/v2/organizations/{org}/api-keys");
    let mut took = Vec::new();

    // A removed role.
    warm(&b, &keys, &bob, None).await;
    a.ok(
        "PUT",
        &format!("/api/v2/users/{bob_id}"),
        &admin,
        Some(&json!({"role": "User"})),
    )
    .await;
    assert_eq!(status(&a, &keys, &bob, None).await, 403);
    took.push(
        refused_within(&b, &keys, &bob, None, 403)
            .await
            .expect("B hears of the role"),
    );

    // A deactivated account.
    warm(&b, "/api/v2/users/me", &bob, None).await;
    a.ok(
        "PUT",
        &format!("/api/v2/users/{bob_id}"),
        &admin,
        Some(&json!({"is_active": false})),
    )
    .await;
    took.push(
        refused_within(&b, "/api/v2/users/me", &bob, None, 401)
            .await
            .expect("B hears of the deactivation"),
    );

    // A revoked API key.
    let (key, revoke) = new_api_key(&a, &keys, &admin).await;
    warm(&b, "/api/v2/users/me", &admin, Some(&key)).await;
    a.ok("DELETE", &revoke, &admin, None).await;
    took.push(
        refused_within(&b, "/api/v2/users/me", &admin, Some(&key), 401)
            .await
            .expect("B hears of the key"),
    );

    // A sign-out.
    warm(&b, "/api/v2/users/me", &admin, None).await;
    a.ok("POST", "/auth-service/api/v2/users/logout", &admin, None).await;
    assert_eq!(status(&a, "/api/v2/users/me", &admin, None).await, 401);
    took.push(
        refused_within(&b, "/api/v2/users/me", &admin, None, 401)
            .await
            .expect("B hears of the sign-out"),
    );
    eprintln!("another replica refused after {took:?}");
}
