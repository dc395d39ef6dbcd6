//! Cross-cutting behaviour: unknown routes and methods, OpenAPI, API keys, the SPA fallback.

mod common;

use common::{TestApp, assert_error, read};
use serde_json::{Value, json};

both_backends!(
    unknown_api_routes_and_methods_answer_in_the_envelope,
    |app: TestApp| async move {
        let (status, body) = read(app.client.get(app.url("/api/v2/no-such-thing")).send().await.unwrap()).await;
        assert_error(status, &body, 404);
        let (status, body) = read(app.client.delete(app.url("/api/v2/users/me")).send().await.unwrap()).await;
        assert_error(status, &body, 405);
    }
);

#[tokio::test]
async fn openapi_lists_every_auth_row_of_the_contract() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    let (status, doc) = read(app.client.get(app.url("/api/v2/openapi.json")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let tsv = include_str!("contract/endpoints.tsv");
    let mut checked = 0;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (group, method, path) = (cols[0], cols[2], cols[3]);
        if group != "Authentication" && path != "/api/v2/users/me" {
            continue;
        }
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(op.is_object(), "{method} {path} is missing from the OpenAPI document");
        checked += 1;
    }
    assert_eq!(checked, 7, "six Authentication rows and GET users/me");
}

#[tokio::test]
async fn the_api_reference_page_is_served_with_its_files_and_its_own_policy() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    let res = app.client.get(app.url("/api-reference")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let header = |res: &reqwest::Response, name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8");
    let policy = header(&res, "content-security-policy");
    // Redoc's search runs in a worker made from a blob: URL; no inline or foreign script runs.
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("worker-src 'self' blob:"), "{policy}");
    assert!(
        policy.contains("frame-ancestors 'none'") && policy.contains("connect-src 'self'"),
        "{policy}"
    );
    let html = res.text().await.unwrap();
    let scripts: Vec<&str> = html
        .split("<script src=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(scripts.len(), 2, "{html}");
    assert!(html.contains("data-spec-url=\"/api/v2/openapi.json\""));
    for script in scripts {
        let res = app.client.get(app.url(script)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{script}");
        assert_eq!(
            header(&res, "content-type"),
            "text/javascript; charset=utf-8",
            "{script}"
        );
        let cache = header(&res, "cache-control");
        if script.contains("redoc-") {
            assert_eq!(cache, "public, max-age=31536000, immutable", "named by its version");
            assert!(res.bytes().await.unwrap().len() > 500_000, "the whole of Redoc");
        } else {
            assert_eq!(cache, "no-cache");
            assert!(res.text().await.unwrap().contains("Redoc.init("));
        }
    }
    let res = app
        .client
        .get(app.url("/api-reference/no-such-file.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

both_backends!(
    api_keys_are_validated_with_their_scope_once_the_org_has_some,
    |app: TestApp| async move {
        let (admin, _) = app.signed_up("admin@example.com").await;
        let (_, me) = app.get_authed("/api/v2/users/me", &admin).await;
        let org = me["data"]["organization"]["id"].as_i64().unwrap();
        let keys = format!("/api/v2/organizations/{org}/api-keys");
        let with_key = |method: reqwest::Method, path: &str, key: &str| {
            app.client
                .request(method, app.url(path))
                .bearer_auth(&admin)
                .header("Ocp-Apim-Subscription-Key", key)
        };

        // Without keys in the org, any header value is accepted (clients always send one).
        let (status, _) = read(
            with_key(reqwest::Method::GET, "/api/v2/users/me", "anything")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);

        let create = |body: serde_json::Value| {
            let req = app.client.post(app.url(&keys)).bearer_auth(&admin).json(&body);
            async move { read(req.send().await.unwrap()).await }
        };
        let (status, body) = create(json!({"name": "", "scope": "Everything"})).await;
        assert_error(status, &body, 422);
        assert!(
            body["errors"]["name"].is_array() && body["errors"]["scope"].is_array(),
            "{body}"
        );

        let (status, body) = create(json!({"name": "reporting", "scope": "Read Only"})).await;
        assert_eq!(status, 201, "{body}");
        let read_only = body["data"]["key"].as_str().unwrap().to_string();
        let (_, body) =
            create(json!({"name": "users-only", "scope": "Restricted", "restrictions": {"users": "Read"}})).await;
        let restricted = body["data"]["key"].as_str().unwrap().to_string();
        let restricted_id = body["data"]["id"].as_i64().unwrap();

        let (status, body) = read(
            with_key(reqwest::Method::GET, "/api/v2/users/me", "made-up")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 401);
        let (status, _) = read(
            with_key(reqwest::Method::GET, "/api/v2/users/me", &read_only)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let (status, body) = read(
            with_key(reqwest::Method::POST, &keys, &read_only)
                .json(&json!({"name": "x", "scope": "All"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 403);
        let (status, _) = read(
            with_key(reqwest::Method::GET, "/api/v2/users/me", &restricted)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "users: Read allows reading users");
        let (status, body) = read(with_key(reqwest::Method::GET, &keys, &restricted).send().await.unwrap()).await;
        assert_error(status, &body, 403);

        // The list never shows secrets; a revoked key stops working.
        let (status, list) = app.get_authed(&keys, &admin).await;
        assert_eq!(status, 200);
        assert_eq!(list["data"].as_array().unwrap().len(), 2);
        assert!(list["data"][0].get("key").is_none(), "{list}");
        let res = app
            .client
            .delete(app.url(&format!("{keys}/{restricted_id}")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(read(res).await.0, 200);
        let (status, body) = read(
            with_key(reqwest::Method::GET, "/api/v2/users/me", &restricted)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 401);

        // The list says when a key was last used. Revoking the last key: the organization has
        // none, so any header passes again, but the revoked key itself stays refused.
        let (_, list) = app.get_authed(&keys, &admin).await;
        assert_eq!(list["data"].as_array().unwrap().len(), 1);
        assert!(list["data"][0]["last_used_on"].is_string(), "{list}");
        let last = list["data"][0]["id"].as_i64().unwrap();
        let res = app
            .client
            .delete(app.url(&format!("{keys}/{last}")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(read(res).await.0, 200);
        let (status, body) = read(
            with_key(reqwest::Method::GET, "/api/v2/users/me", &read_only)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 401);
        let (status, _) = read(
            with_key(reqwest::Method::GET, "/api/v2/users/me", "any-client-value")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);

        // Only Global Admins manage keys; other organizations see a 404.
        let (user, _) = app.signed_up("user@example.com").await;
        let (status, body) = app.get_authed(&keys, &user).await;
        assert_error(status, &body, 403);
        let (status, body) = app
            .get_authed(&format!("/api/v2/organizations/{}/api-keys", org + 1000), &admin)
            .await;
        assert_error(status, &body, 404);
    }
);

#[tokio::test]
async fn deep_links_fall_back_to_the_dashboard_shell() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| {
        let dist = std::env::temp_dir().join(format!("ejento-dist-{}", std::process::id()));
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), "<!doctype html><title>Ejento</title>").unwrap();
        c.dist = dist;
    })
    .await
    .unwrap();
    let res = app.client.get(app.url("/agents/42/history")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("<title>Ejento</title>"));
}

both_backends!(
    bodies_over_the_limit_are_413_in_our_envelope,
    |app: TestApp| async move {
        let (token, _, _) = app.member("big@example.com", "Bea Big").await;
        let huge = json!({"name": "x".repeat(3 * 1024 * 1024)});
        let (status, body) = app.call("POST", "/api/v2/teams", &token, Some(&huge)).await;
        assert_error(status, &body, 413);
        assert!(body["message"].as_str().unwrap().contains("2 MB"), "{body}");
        let res = app
            .client
            .post(app.url("/auth-service/api/v2/login/access-token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("username=a&password={}", "p".repeat(3 * 1024 * 1024)))
            .send()
            .await
            .unwrap();
        let (status, body) = read(res).await;
        assert_error(status, &body, 413);
    }
);

/// Every response confines what the browser does with it: the dashboard's shell allows its own
/// scripts (the inline loader by hash, nothing else inline), API answers run nothing at all.
#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dist = tempfile::tempdir().unwrap();
    let loader = "\nimport init from '/app.js';\nawait init();\n";
    std::fs::write(
        dist.path().join("index.html"),
        format!("<!doctype html><html><head><script type=\"module\">{loader}</script></head><body></body></html>"),
    )
    .unwrap();
    let dist_path = dist.path().to_path_buf();
    let app = TestApp::spawn_with(common::Backend::Sqlite, move |c| c.dist = dist_path)
        .await
        .unwrap();
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader.as_bytes()));
    for path in [
        "/",
        "/agents/12/chat",
        "/no-such-file.js",
        "/api/v2/users/me",
        "/api/v2/nothing-here",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let get = |name: &str| h.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(get("x-frame-options"), "DENY", "{path}");
        assert_eq!(get("strict-transport-security"), "", "{path}: not over plain http");
        let policy = get("content-security-policy");
        assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
        if path.starts_with("/api/") {
            assert!(
                policy.starts_with("default-src 'none'") && policy.contains("sandbox"),
                "{path}: {policy}"
            );
        } else {
            assert!(
                policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}';")),
                "{path}: {policy}"
            );
            for directive in [
                "default-src 'self'",
                "object-src 'none'",
                "base-uri 'none'",
                "connect-src 'self'",
            ] {
                assert!(policy.contains(directive), "{path}: {directive} in {policy}");
            }
            assert!(!policy.contains(" 'unsafe-eval'"), "{policy}");
        }
    }
    let secure = TestApp::spawn_with(common::Backend::Sqlite, |c| {
        c.public_url = "https://ejento.example".into();
        // Over https the server refuses to start without its keys from outside the database.
        c.jwt_secret = Some("a-signing-secret-from-the-environment".into());
        c.secrets_key = Some("a-sealing-key-from-the-environment".into());
    })
    .await
    .unwrap();
    let res = secure.client.get(secure.url("/api/v2/nothing")).send().await.unwrap();
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

#[test]
fn every_response_is_checked_against_the_openapi_document() {
    // What the harness does with every body a test receives: one that differs from the
    // document (a wrong type, a missing field, an undocumented status) fails the test.
    let check = |method: &'static str, path: &'static str, status: u16, body: Value| {
        std::panic::catch_unwind(move || common::conformance::check(Some(method), path, status, &body)).is_ok()
    };
    let me = |user: Value| json!({"success": true, "message": "User fetched.", "data": user});
    let user = json!({
        "id": 1, "user_id": 1, "email": "a@example.com", "first_name": "A", "last_name": "B",
        "full_name": "A B", "name": "A B", "role": "User", "is_superuser": false,
        "organization": {"id": 1, "org_name": "Org"}, "created_on": "2026-12-05T06:00:00.000000Z"
    });
    assert!(check("GET", "/api/v2/users/me", 200, me(user.clone())));
    let mut wrong = user.clone();
    wrong["id"] = json!("one");
    assert!(
        !check("GET", "/api/v2/users/me", 200, me(wrong)),
        "a string where an integer is"
    );
    let mut missing = user;
    missing.as_object_mut().unwrap().remove("email");
    assert!(
        !check("GET", "/api/v2/users/me", 200, me(missing)),
        "a required field missing"
    );
    let refused = json!({"success": false, "message": "Sign in to continue."});
    assert!(check("GET", "/api/v2/users/me", 401, refused.clone()));
    assert!(
        !check("GET", "/api/v2/users/me", 401, json!({"detail": "no"})),
        "errors are our envelope"
    );
    assert!(
        check("PATCH", "/api/v2/users/me", 405, refused),
        "another method is a 405 envelope"
    );
}

// Found by `make fuzz-api` on PostgreSQL, which cannot store NUL in text: a NUL character
// anywhere a client sends text is refused up front, alike on both databases, never a 500.
both_backends!(
    text_with_a_nul_character_is_refused_not_a_500,
    |app: TestApp| async move {
        let (token, _) = app.signed_up("nul@example.com").await;
        let agent = app.agent_in_new_project(&token, "Nul").await;
        for (path, body) in [
            (
                format!("/api/v2/agents/{agent}/instructions"),
                json!({"instructions": ["be kind\u{0}"]}),
            ),
            (
                format!("/api/v2/agents/{agent}/reviews"),
                json!({"review": "\u{0}", "rating": 4}),
            ),
            (
                "/api/v2/teams".to_string(),
                json!({"name": "Team\u{0}", "description": "x"}),
            ),
        ] {
            let (status, reply) = app.call("POST", &path, &token, Some(&body)).await;
            assert_eq!(status, 422, "{path}: {reply}");
            assert!(reply["message"].as_str().unwrap().contains("NUL"), "{reply}");
        }
        let (status, reply) = app.call("GET", "/api/v2/agents?search=a%00b", &token, None).await;
        assert_eq!(status, 400, "{reply}");
        let (status, _) = app
            .call("GET", "/api/v2/users/by-email/a%00b@example.com", &token, None)
            .await;
        assert_eq!(status, 404);
        // The text `\u0000` itself (a backslash and five characters) is ordinary text.
        let (status, reply) = app
            .call(
                "POST",
                "/api/v2/teams",
                &token,
                Some(&json!({"name": "Literally \\u0000", "description": "x"})),
            )
            .await;
        assert!(status == 200 || status == 201, "{reply}");
        assert_eq!(reply["data"]["name"], "Literally \\u0000");
    }
);

/// Bodies are compressed for clients that ask, as before the compression was decided per
/// response; event streams never are (each event must reach the reader as it is written).
#[tokio::test]
async fn responses_are_compressed_when_asked_and_event_streams_never() {
    use std::io::Read;
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    let (token, _) = app.signed_up("gzip@example.com").await;
    let me = || app.client.get(app.url("/api/v2/users/me")).bearer_auth(&token);

    let plain = me().send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: Value = plain.json().await.unwrap();

    let zipped = me().header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert!(
        zipped
            .headers()
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().eq_ignore_ascii_case("accept-encoding")),
        "{:?}",
        zipped.headers()
    );
    let bytes = zipped.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), plain);

    // Brotli when only it is accepted, gzip when both are (smaller and cheaper for JSON at the
    // levels used), nothing when neither is allowed.
    let brotli = me().header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(brotli.headers()["content-encoding"], "br");
    let bytes = brotli.bytes().await.unwrap();
    let mut text = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut text).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&text).unwrap(), plain);
    let both = me()
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(both.headers()["content-encoding"], "gzip");
    let refused = me().header("accept-encoding", "gzip;q=0, br;q=0").send().await.unwrap();
    assert!(refused.headers().get("content-encoding").is_none());
    assert_eq!(refused.json::<Value>().await.unwrap(), plain);

    // A body too large to compress in one call (the API description) streams through the
    // encoder, and comes back whole.
    let described = |encoding: &'static str| {
        app.client
            .get(app.url("/api/v2/openapi.json"))
            .header("accept-encoding", encoding)
    };
    let description = described("identity").send().await.unwrap().bytes().await.unwrap();
    assert!(description.len() > 64 * 1024, "{} bytes", description.len());
    let zipped = described("gzip").send().await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(&zipped.bytes().await.unwrap()[..])
        .read_to_end(&mut text)
        .unwrap();
    assert_eq!(text, description);

    let agent = app.agent_in_new_project(&token, "Plain Stream").await;
    let stream = app
        .client
        .post(app.url(&format!("/response-service/api/v2/agents/{agent}/responses/stream")))
        .bearer_auth(&token)
        .header("accept-encoding", "gzip, br")
        .json(&json!({"user_query": "Anything?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    assert!(
        stream.headers().get("content-encoding").is_none(),
        "{:?}",
        stream.headers()
    );
    let events = common::parse_sse(&stream.text().await.unwrap());
    assert_eq!(common::end_of(&events)["success"], true, "{events:?}");
}

/// A client that opens a connection and never finishes its request head is disconnected after
/// `EJENTO_HEADER_READ_TIMEOUT_SECS` (without the timeout hyper waits forever, and a few
/// thousand such clients hold the server's sockets), while a prompt client on the same server
/// is answered.
#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.header_read_timeout_secs = 1)
        .await
        .unwrap();
    let address = app
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /api/v2/users/me HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (status, _) = read(app.client.get(app.url("/api/v2/openapi.json")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection is still open after 10 s");
}
