//! Black-box tests of every auth endpoint over HTTP, on SQLite and (when configured) PostgreSQL.

mod common;

use common::{TestApp, assert_error, read, tokens};
use serde_json::json;

const SIGNUP: &str = "/auth-service/api/v2/users/signup";
const LOGIN: &str = "/auth-service/api/v2/login/access-token";
const REFRESH: &str = "/auth-service/api/v2/users/refresh-access-token";
const PASSWORD: &str = "/auth-service/api/v2/users/me/password";
const ME: &str = "/api/v2/users/me";

both_backends!(
    first_user_founds_the_organization_and_later_ones_join_it,
    |app: TestApp| async move {
        let (status, body) = app.signup("Founder@Example.com", "a-good-password").await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["success"], true);
        assert_eq!(
            body["data"]["user"]["email"], "founder@example.com",
            "addresses are normalized"
        );
        assert_eq!(body["data"]["user"]["role"], "Global Admin");
        assert_eq!(body["data"]["user"]["is_superuser"], true);
        let org = body["data"]["user"]["organization"].clone();

        let (status, body) = app.signup("second@example.com", "another-password").await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["data"]["user"]["role"], "User");
        assert_eq!(body["data"]["user"]["organization"], org, "joins the same organization");

        let (token, _) = tokens(&body);
        let (status, me) = app.get_authed(ME, &token).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["data"]["email"], "second@example.com");
        assert_eq!(me["data"]["full_name"], "Test Person");
        assert_eq!(me["data"]["first_name"], "Test");
        assert_eq!(me["data"]["id"], me["data"]["user_id"]);
    }
);

both_backends!(
    signup_rejects_bad_input_with_field_messages,
    |app: TestApp| async move {
        let (status, body) = app.signup("not-an-email", "short").await;
        assert_error(status, &body, 422);
        assert!(body["errors"]["email"].is_array(), "{body}");
        assert!(body["errors"]["password"].is_array(), "{body}");

        let (status, body) = app.post_json(SIGNUP, &json!({"email": "a@example.com"})).await;
        assert_error(status, &body, 422);
        assert!(body["errors"]["password"].is_array(), "missing field is named: {body}");

        let (status, body) = app
            .post_json(SIGNUP, &json!({"email": 5, "password": "a-good-password"}))
            .await;
        assert_error(status, &body, 422);
        assert!(body["errors"]["email"].is_array(), "wrong type is named: {body}");

        app.signed_up("dup@example.com").await;
        let (status, body) = app.signup("DUP@example.com", "a-good-password").await;
        assert_error(status, &body, 409);
        assert!(body["message"].as_str().unwrap().contains("already exists"), "{body}");
    }
);

both_backends!(malformed_json_is_a_400_not_a_500, |app: TestApp| async move {
    let res = app
        .client
        .post(app.url(SIGNUP))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = read(res).await;
    assert_error(status, &body, 400);

    let res = app
        .client
        .post(app.url(SIGNUP))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    let (status, body) = read(res).await;
    assert_error(status, &body, 400);
});

both_backends!(
    login_accepts_json_and_form_and_rejects_wrong_credentials,
    |app: TestApp| async move {
        app.signed_up("ada@example.com").await;
        let (status, body) = app.login("ada@example.com", "a-good-password").await;
        assert_eq!(status, 200, "{body}");
        assert!(body["data"]["ejento_access_token"].as_str().unwrap().len() > 20);
        assert!(body["data"]["access_token"].as_str().unwrap().len() > 20);
        assert_eq!(body["data"]["token_type"], "bearer");

        let res = app
            .client
            .post(app.url(LOGIN))
            .form(&[("username", "ada@example.com"), ("password", "a-good-password")])
            .send()
            .await
            .unwrap();
        let (status, body) = read(res).await;
        assert_eq!(status, 200, "form login: {body}");

        let (status, body) = app.login("ada@example.com", "wrong-password").await;
        assert_error(status, &body, 401);
        assert_eq!(body["message"], "Incorrect e-mail or password.");

        let (status, unknown) = app.login("nobody@example.com", "a-good-password").await;
        assert_error(status, &unknown, 401);
        assert_eq!(
            unknown["message"], body["message"],
            "unknown users look exactly like wrong passwords"
        );

        let (status, body) = app.post_json(LOGIN, &json!({"username": "ada@example.com"})).await;
        assert_error(status, &body, 422);
    }
);

both_backends!(protected_routes_need_a_valid_token, |app: TestApp| async move {
    let (status, body) = read(app.client.get(app.url(ME)).send().await.unwrap()).await;
    assert_error(status, &body, 401);
    let (status, body) = app.get_authed(ME, "not-a-token").await;
    assert_error(status, &body, 401);
    let (_, auth_token) = app.signed_up("ada@example.com").await;
    let (status, body) = app.get_authed(ME, &auth_token).await;
    assert_error(status, &body, 401);
});

both_backends!(
    refresh_rotates_and_reuse_revokes_the_sign_in,
    |app: TestApp| async move {
        let (_, first) = app.signed_up("ada@example.com").await;
        let res = app
            .client
            .post(app.url(REFRESH))
            .bearer_auth(&first)
            .send()
            .await
            .unwrap();
        let (status, body) = read(res).await;
        assert_eq!(status, 200, "{body}");
        let (access, second) = tokens(&body);
        assert_ne!(second, first, "the auth-app token rotates");
        assert_eq!(app.get_authed(ME, &access).await.0, 200);

        // Presenting the already-used token again ends the whole sign-in...
        let (status, body) = read(
            app.client
                .post(app.url(REFRESH))
                .bearer_auth(&first)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 401);
        assert!(body["message"].as_str().unwrap().contains("already used"), "{body}");
        // ...so the newest token of that family is dead too, and so are its access tokens.
        let (status, body) = read(
            app.client
                .post(app.url(REFRESH))
                .bearer_auth(&second)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 401);
        let (status, body) = app.get_authed(ME, &access).await;
        assert_error(status, &body, 401);

        // Another sign-in is unaffected, and the body form of refresh works.
        let (_, body) = app.login("ada@example.com", "a-good-password").await;
        let (_, other) = tokens(&body);
        let (status, body) = app.post_json(REFRESH, &json!({"refresh_token": other})).await;
        assert_eq!(status, 200, "{body}");

        let (status, body) = read(app.client.post(app.url(REFRESH)).send().await.unwrap()).await;
        assert_error(status, &body, 401);
    }
);

#[tokio::test]
async fn expired_access_tokens_are_refused() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.access_token_ttl_secs = 1)
        .await
        .unwrap();
    let (access, auth) = app.signed_up("ada@example.com").await;
    assert_eq!(app.get_authed(ME, &access).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, body) = app.get_authed(ME, &access).await;
    assert_error(status, &body, 401);
    assert!(body["message"].as_str().unwrap().contains("expired"), "{body}");
    let (status, body) = read(
        app.client
            .post(app.url(REFRESH))
            .bearer_auth(&auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "the auth-app token still refreshes: {body}");
}

both_backends!(
    changing_the_password_needs_the_old_one_and_signs_out_other_devices,
    |app: TestApp| async move {
        let (access, auth) = app.signed_up("ada@example.com").await;
        let (_, body) = app.login("ada@example.com", "a-good-password").await;
        let (other_access, other_auth) = tokens(&body);

        let put = |token: String, body: serde_json::Value| {
            let req = app.client.put(app.url(PASSWORD)).bearer_auth(token).json(&body);
            async move { read(req.send().await.unwrap()).await }
        };
        let (status, body) = put(
            access.clone(),
            json!({"old_password": "wrong-one!", "new_password": "brand-new-pass"}),
        )
        .await;
        assert_error(status, &body, 422);
        assert!(body["errors"]["old_password"].is_array(), "{body}");
        let (status, body) = put(
            access.clone(),
            json!({"old_password": "a-good-password", "new_password": "short"}),
        )
        .await;
        assert_error(status, &body, 422);
        assert!(body["errors"]["new_password"].is_array(), "{body}");

        let (status, body) = put(
            access.clone(),
            json!({"old_password": "a-good-password", "new_password": "brand-new-pass"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(app.login("ada@example.com", "a-good-password").await.0, 401);
        assert_eq!(app.login("ada@example.com", "brand-new-pass").await.0, 200);

        // This device stays signed in; the other one is signed out.
        assert_eq!(app.get_authed(ME, &access).await.0, 200);
        assert_eq!(
            read(
                app.client
                    .post(app.url(REFRESH))
                    .bearer_auth(&auth)
                    .send()
                    .await
                    .unwrap()
            )
            .await
            .0,
            200
        );
        assert_eq!(app.get_authed(ME, &other_access).await.0, 401);
        assert_eq!(
            read(
                app.client
                    .post(app.url(REFRESH))
                    .bearer_auth(&other_auth)
                    .send()
                    .await
                    .unwrap()
            )
            .await
            .0,
            401
        );
    }
);

both_backends!(passwordless_link_and_code_sign_in_once, |app: TestApp| async move {
    app.signed_up("ada@example.com").await;
    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/users/passwordless-exchange-token",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let session = body["data"]["otp_session_id"].as_str().unwrap().to_string();

    // Unknown addresses get the same answer and no mail.
    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/users/passwordless-exchange-token",
            &json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let mails: Vec<_> = std::fs::read_dir(&app.outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(mails.len(), 1, "one mail, to the existing account");
    let mail = std::fs::read_to_string(&mails[0]).unwrap();
    assert!(mail.starts_with("To: ada@example.com"), "{mail}");
    let token = mail
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let code = mail.split("code: ").nth(1).unwrap().trim()[..6].to_string();

    let exchange = "/auth-service/api/v2/users/exchange-passwordless-token";
    let (status, body) = app.post_json(exchange, &json!({"token": token})).await;
    assert_eq!(status, 200, "{body}");
    let (access, _) = tokens(&body);
    assert_eq!(app.get_authed(ME, &access).await.0, 200);
    let (status, body) = app.post_json(exchange, &json!({"token": token})).await;
    assert_error(status, &body, 401);
    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/users/validate-magic-link",
            &json!({"token": "made-up"}),
        )
        .await;
    assert_error(status, &body, 401);

    // The code of the same request was consumed with the link.
    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/users/verify-otp",
            &json!({"otp_session_id": session, "code": code}),
        )
        .await;
    assert_error(status, &body, 401);

    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/users/passwordless-auth",
            &json!({"email": "not an email"}),
        )
        .await;
    assert_error(status, &body, 422);
});

both_backends!(one_time_codes_lock_after_five_wrong_tries, |app: TestApp| async move {
    app.signed_up("ada@example.com").await;
    let (_, body) = app
        .post_json(
            "/auth-service/api/v2/users/passwordless-auth",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    let session = body["data"]["otp_session_id"].as_str().unwrap().to_string();
    let mail_path = std::fs::read_dir(&app.outbox).unwrap().next().unwrap().unwrap().path();
    let mail = std::fs::read_to_string(mail_path).unwrap();
    let code = mail.split("code: ").nth(1).unwrap().trim()[..6].to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let (status, body) = app
            .post_json(
                "/auth-service/api/v2/users/verify-otp",
                &json!({"otp_session_id": session, "code": wrong}),
            )
            .await;
        assert_error(status, &body, 401);
    }
    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/users/verify-otp",
            &json!({"otp_session_id": session, "code": code}),
        )
        .await;
    assert_error(status, &body, 429);
});

both_backends!(failed_logins_are_rate_limited_per_account, |app: TestApp| async move {
    app.signed_up("ada@example.com").await;
    for _ in 0..5 {
        assert_eq!(app.login("ada@example.com", "wrong-password").await.0, 401);
    }
    let (status, body) = app.login("ada@example.com", "a-good-password").await;
    assert_error(status, &body, 429);
    assert!(body["message"].as_str().unwrap().contains("Too many"), "{body}");
    // Another account from the same address is not locked by ada's failures.
    app.signed_up("grace@example.com").await;
    assert_eq!(app.login("grace@example.com", "a-good-password").await.0, 200);
});

#[tokio::test]
async fn failed_logins_are_rate_limited_per_address() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.login_max_failures_per_address = 3)
        .await
        .unwrap();
    app.signed_up("ada@example.com").await;
    for i in 0..3 {
        assert_eq!(
            app.login(&format!("guess{i}@example.com"), "whatever-pass").await.0,
            401
        );
    }
    let (status, body) = app.login("ada@example.com", "a-good-password").await;
    assert_error(status, &body, 429);
}

#[tokio::test]
async fn closed_signup_admits_only_the_founder() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| {
        c.signup = ejento_server::config::SignupPolicy::Closed
    })
    .await
    .unwrap();
    app.signed_up("founder@example.com").await;
    let (status, body) = app.signup("late@example.com", "a-good-password").await;
    assert_error(status, &body, 403);
    let (status, body) = read(
        app.client
            .get(app.url("/auth-service/api/v2/feature-flags/logins"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["signup"], false);
}

both_backends!(sign_out_ends_the_session, |app: TestApp| async move {
    let (access, auth) = app.signed_up("ada@example.com").await;
    let res = app
        .client
        .post(app.url("/auth-service/api/v2/users/logout"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(read(res).await.0, 200);
    assert_eq!(app.get_authed(ME, &access).await.0, 401);
    assert_eq!(
        read(
            app.client
                .post(app.url(REFRESH))
                .bearer_auth(&auth)
                .send()
                .await
                .unwrap()
        )
        .await
        .0,
        401
    );
});

both_backends!(
    sign_in_links_never_point_off_the_public_url,
    |app: TestApp| async move {
        app.signed_up("ada@example.com").await;
        for next in [
            "http://127.0.0.1:8080.attacker.example/x",
            "//attacker.example/x",
            "http://127.0.0.1:8080@attacker.example/",
        ] {
            let (status, _) = app
                .post_json(
                    "/auth-service/api/v2/users/passwordless-auth",
                    &json!({"email": "ada@example.com", "next": next}),
                )
                .await;
            assert_eq!(status, 200);
        }
        let (status, _) = app
            .post_json(
                "/auth-service/api/v2/users/passwordless-auth",
                &json!({"email": "ada@example.com", "next": "/auth/confirmation?next=/agents"}),
            )
            .await;
        assert_eq!(status, 200);
        let links: Vec<String> = std::fs::read_dir(&app.outbox)
            .unwrap()
            .map(|mail| std::fs::read_to_string(mail.unwrap().path()).unwrap())
            .map(|mail| mail.lines().find(|l| l.starts_with("http")).unwrap().to_string())
            .collect();
        let (kept, defaults): (Vec<_>, Vec<_>) = links.iter().partition(|l| l.contains("next="));
        assert_eq!((kept.len(), defaults.len()), (1, 3), "{links:?}");
        for link in defaults {
            assert!(
                link.starts_with("http://127.0.0.1:8080/auth/confirmation?token="),
                "{link}"
            );
        }
        assert!(
            kept[0].starts_with("http://127.0.0.1:8080/auth/confirmation?next=/agents&token="),
            "{kept:?}"
        );
    }
);

/// The refresh token a response set as a cookie, after checking the cookie cannot be read by
/// scripts or sent anywhere but the refresh endpoint.
fn refresh_cookie(res: &reqwest::Response) -> String {
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    for attribute in [
        "Path=/auth-service/api/v2/users/refresh-access-token",
        "HttpOnly",
        "SameSite=Strict",
    ] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    assert!(!set.contains("Secure"), "not over plain http: {set}");
    let value = set.split(';').next().unwrap().strip_prefix("ejento_refresh=").unwrap();
    assert!(value.len() > 20, "{set}");
    value.to_string()
}

both_backends!(
    the_dashboard_gets_its_refresh_token_only_as_an_http_only_cookie,
    |app: TestApp| async move {
        app.signed_up("ada@example.com").await;
        let cookie_login = || {
            app.client
                .post(app.url(LOGIN))
                .header("x-ejento-session", "cookie")
                .json(&json!({"username": "ada@example.com", "password": "a-good-password"}))
                .send()
        };
        let res = cookie_login().await.unwrap();
        let first = refresh_cookie(&res);
        let (status, body) = read(res).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["access_token"], "", "no refresh token for page scripts");
        let access = body["data"]["ejento_access_token"].as_str().unwrap().to_string();
        assert_eq!(app.get_authed(ME, &access).await.0, 200);

        let refresh_with = |cookie: String, mode: bool| {
            let mut request = app
                .client
                .post(app.url(REFRESH))
                .header("cookie", format!("theme=dark; ejento_refresh={cookie}"));
            if mode {
                request = request.header("x-ejento-session", "cookie");
            }
            request.send()
        };
        // The cookie alone is not enough: a request must also say it is the dashboard's.
        let (status, body) = read(refresh_with(first.clone(), false).await.unwrap()).await;
        assert_error(status, &body, 401);
        let res = refresh_with(first.clone(), true).await.unwrap();
        let second = refresh_cookie(&res);
        assert_ne!(second, first, "the cookie rotates");
        let (status, body) = read(res).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["access_token"], "");
        let access = body["data"]["ejento_access_token"].as_str().unwrap().to_string();
        assert_eq!(app.get_authed(ME, &access).await.0, 200);
        // A second tab refreshing with the same cookie at the same moment is not theft.
        let res = refresh_with(first.clone(), true).await.unwrap();
        assert_eq!(res.status(), 200);
        let third = refresh_cookie(&res);
        assert_eq!(refresh_with(second.clone(), true).await.unwrap().status(), 200);

        // Sign-out revokes the sign-in and clears the cookie.
        let res = app
            .client
            .post(app.url("/auth-service/api/v2/users/logout"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap();
        let cleared = res.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cleared.starts_with("ejento_refresh=;") && cleared.contains("Max-Age=0"),
            "{cleared}"
        );
        let (status, body) = read(refresh_with(third, true).await.unwrap()).await;
        assert_error(status, &body, 401);

        // API clients keep Ejento's JSON flow: both tokens in the body, no cookie.
        let res = app
            .client
            .post(app.url(LOGIN))
            .json(&json!({"username": "ada@example.com", "password": "a-good-password"}))
            .send()
            .await
            .unwrap();
        assert!(res.headers().get("set-cookie").is_none());
        let (_, body) = read(res).await;
        assert!(body["data"]["access_token"].as_str().unwrap().len() > 20, "{body}");
    }
);

/// Behind a trusted proxy (here the test's own loopback), throttling counts the address the
/// proxy saw — the rightmost hop — so rotating the hops a client writes itself changes nothing,
/// and an attacker guessing one account does not lock its owner out elsewhere.
async fn throttling_holds_the_guesser_not_the_owner(backend: common::Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.trusted_proxies = "127.0.0.1".into();
        c.login_max_failures_per_address = 10;
    })
    .await
    else {
        return eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set");
    };
    app.signed_up("ada@example.com").await;
    let attempt = |forwarded: String, email: &'static str, password: &'static str| {
        let request = app
            .client
            .post(app.url(LOGIN))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"username": email, "password": password}));
        async move { read(request.send().await.unwrap()).await }
    };
    // The guesser forges a new leftmost hop each time; the proxy's hop stays the same.
    for i in 0..5 {
        let (status, _) = attempt(format!("10.9.8.{i}, 203.0.113.9"), "ada@example.com", "wrong-password").await;
        assert_eq!(status, 401);
    }
    let (status, body) = attempt("10.9.9.9, 203.0.113.9".into(), "ada@example.com", "a-good-password").await;
    assert_error(status, &body, 429);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("Try again in") && message.contains("e-mail link"),
        "{message}"
    );
    // The owner, somewhere else, signs in at once.
    let (status, body) = attempt("198.51.100.7".into(), "ada@example.com", "a-good-password").await;
    assert_eq!(status, 200, "{body}");
    // Spraying other accounts from the guesser's address ends at the per-address limit.
    for _ in 0..5 {
        let (status, _) = attempt("203.0.113.9".into(), "nobody@example.com", "wrong-password").await;
        assert_eq!(status, 401);
    }
    let (status, body) = attempt("203.0.113.9".into(), "grace@example.com", "whatever-pass").await;
    assert_error(status, &body, 429);

    // Sign-in links: at most five per account per window, whether or not the account exists,
    // and they count against the address too.
    let link = |forwarded: &'static str, email: &'static str| {
        let request = app
            .client
            .post(app.url("/auth-service/api/v2/users/passwordless-auth"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"email": email}));
        async move { read(request.send().await.unwrap()).await }
    };
    for email in ["ada@example.com", "ghost@example.com"] {
        for _ in 0..5 {
            assert_eq!(link("192.0.2.1", email).await.0, 200);
        }
        let (status, body) = link("192.0.2.2", email).await;
        assert_error(status, &body, 429);
        assert!(body["message"].as_str().unwrap().contains("5 sign-in links"), "{body}");
    }
    let mails = std::fs::read_dir(&app.outbox).unwrap().count();
    assert_eq!(mails, 5, "only the account that exists was mailed, five times");
    let (status, _) = link("192.0.2.1", "third@example.com").await;
    assert_eq!(status, 429, "ten requests: the address is at its limit");
}

#[tokio::test]
async fn throttling_holds_the_guesser_not_the_owner_sqlite() {
    throttling_holds_the_guesser_not_the_owner(common::Backend::Sqlite).await;
}

#[tokio::test]
async fn throttling_holds_the_guesser_not_the_owner_postgres() {
    throttling_holds_the_guesser_not_the_owner(common::Backend::Postgres).await;
}

/// With `EJENTO_SMTP_URL` the sign-in mail goes to the mail server (and not to the folder);
/// a server that refuses it is a 503 that says what to do, not a 500.
async fn sign_in_mail_goes_through_the_mail_server(backend: common::Backend) {
    let (smtp, inbox) = common::smtp::start(false).await;
    let Some(app) = TestApp::spawn_with(backend, move |c| {
        c.smtp_url = Some(smtp);
        c.mail_from = Some("Ejento <no-reply@ejento.example>".into());
    })
    .await
    else {
        return eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set");
    };
    app.signed_up("ada@example.com").await;
    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/users/passwordless-auth",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mail = inbox
        .lock()
        .unwrap()
        .pop()
        .expect("the mail server received the message");
    assert!(mail.recipients[0].contains("<ada@example.com>"), "{mail:?}");
    assert!(
        mail.data.contains("From: Ejento <no-reply@ejento.example>"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("Subject: Your Ejento sign-in link"), "{}", mail.data);
    // The body is quoted-printable: soft line breaks and `=3D` for `=`.
    let text = mail.data.replace("=\n", "").replace("=3D", "=");
    let token = text.split("token=").nth(1).unwrap().split_whitespace().next().unwrap();
    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/users/validate-magic-link",
            &json!({"token": token}),
        )
        .await;
    assert_eq!(status, 200, "the mailed link signs in: {body}");
    assert!(!app.outbox.exists() || std::fs::read_dir(&app.outbox).unwrap().next().is_none());

    let (refusing, _) = common::smtp::start(true).await;
    let Some(app) = TestApp::spawn_with(backend, move |c| c.smtp_url = Some(refusing)).await else {
        return;
    };
    app.signed_up("bob@example.com").await;
    let (status, body) = app
        .post_json(
            "/auth-service/api/v2/users/passwordless-auth",
            &json!({"email": "bob@example.com"}),
        )
        .await;
    assert_error(status, &body, 503);
    assert!(
        body["message"].as_str().unwrap().contains("could not be sent"),
        "{body}"
    );
}

#[tokio::test]
async fn sign_in_mail_goes_through_the_mail_server_sqlite() {
    sign_in_mail_goes_through_the_mail_server(common::Backend::Sqlite).await;
}

#[tokio::test]
async fn sign_in_mail_goes_through_the_mail_server_postgres() {
    sign_in_mail_goes_through_the_mail_server(common::Backend::Postgres).await;
}
