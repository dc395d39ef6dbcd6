//! Tools: an API tool made from a template is offered to the model through function calling,
//! called against an in-test HTTP service with its secret (stored sealed, never returned), and
//! its answer is cited; the call shows as thought steps. RAG tools widen an agent's search;
//! organization on/off, agent link/unlink, the api-tools flag, test calls, bad input.

mod common;

use std::sync::{Arc, Mutex};

use axum::{
    Json, Router,
    extract::Query,
    http::{HeaderMap, StatusCode},
    routing::get,
};
use common::{Part, TestApp, assert_error, end_of};
use serde_json::{Value, json};

/// A weather API and a SearXNG-style search: the third-party services tools call. Records the
/// `Authorization` header of each weather request.
async fn services() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let router = Router::new()
        .route(
            "/weather",
            get(
                move |headers: HeaderMap, Query(q): Query<std::collections::HashMap<String, String>>| {
                    let record = record.clone();
                    async move {
                        let auth = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        record.lock().unwrap().push(auth.clone());
                        if auth != "Bearer s3cret-weather-key" {
                            return (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"})));
                        }
                        let city = q.get("city").cloned().unwrap_or_default();
                        (
                            StatusCode::OK,
                            Json(json!({"data": {"forecast": format!("Sunny and 21 degrees in {city}")}})),
                        )
                    }
                },
            ),
        )
        .route("/huge", get(|| async { "x".repeat(100 * 1024) }))
        .route(
            "/search",
            get(
                |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    Json(
                        json!({"results": [{"title": "Ferry times", "url": "https://ferry.example/times",
                    "content": format!("Ferries for {} leave hourly", q.get("q").cloned().unwrap_or_default())}]}),
                    )
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, seen)
}

fn thoughts_of(events: &[(Option<i64>, String, Value)]) -> String {
    events
        .iter()
        .filter(|(_, _, d)| d["step"] == "tools_stream")
        .map(|(_, _, d)| d["delta"].as_str().unwrap().to_string())
        .collect()
}

async fn api_tools_are_called_and_cited(backend: common::Backend) {
    let (model_url, model) = common::model::start().await;
    let Some(app) = TestApp::spawn_with(backend, move |c| {
        c.model_deployments = common::model::deployments(&model_url);
        // The stand-in services run on loopback; the operator allows it here.
        c.outbound_allow = "127.0.0.1".into();
    })
    .await
    else {
        return eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set");
    };
    let (api, seen) = services().await;
    let (admin, _, org) = app.member("ada@example.com", "Ada Admin").await;
    let (member, _, _) = app.member("bob@example.com", "Bob Member").await;
    let agent = app.agent_in_new_project(&admin, "Travel Helper").await;
    let llms = app.ok("GET", "/api/v2/llm-configurations", &admin, None).await;
    let reader = llms
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["provider"] == "openai-compatible")
        .unwrap()["id"]
        .clone();
    app.ok(
        "PUT",
        &format!("/api/v2/agents/{agent}/llm-configuration"),
        &admin,
        Some(&json!({"llm_config_id": reader})),
    )
    .await;

    // A template, and a tool made from it with a secret.
    let spec = json!({"method": "get", "url_template": format!("{api}/weather?city={{city}}"),
        "response_path": "data.forecast", "secret_header": "Authorization", "secret_prefix": "Bearer ",
        "parameters": [{"name": "city", "description": "The city", "type": "string", "required": true}]});
    let templates = format!("/api/v2/organizations/{org}/api-tool-templates");
    let (status, body) = app
        .call(
            "POST",
            &templates,
            &member,
            Some(&json!({"name": "Weather", "spec": spec})),
        )
        .await;
    assert_error(status, &body, 403);
    let template = app
        .ok(
            "POST",
            &templates,
            &admin,
            Some(&json!({"name": "Weather", "spec": spec})),
        )
        .await;
    assert_eq!(template["spec"]["method"], "GET");
    let tool = app
        .ok(
            "POST",
            &format!("/api/v2/organizations/{org}/tools/api"),
            &admin,
            Some(&json!({"name": "Weather", "description": "Today's weather in a city",
                "template_id": template["id"], "secret": "s3cret-weather-key"})),
        )
        .await;
    let tool_id = tool["id"].as_i64().unwrap();
    assert_eq!(tool["has_secret"], true);
    assert_eq!(
        tool["config"]["api"]["url_template"],
        format!("{api}/weather?city={{city}}")
    );
    for data in [
        tool.clone(),
        app.ok("GET", &format!("/api/v2/tools/{tool_id}"), &member, None).await,
        app.ok("GET", &format!("/api/v2/organizations/{org}/tools"), &member, None)
            .await,
        app.ok("GET", &format!("/api/v2/organizations/{org}/audit-log"), &admin, None)
            .await,
    ] {
        assert!(
            !data.to_string().contains("s3cret"),
            "the secret is never returned: {data}"
        );
    }

    // A test call, as an administrator.
    let tried = app
        .ok(
            "POST",
            &format!("/api/v2/tools/{tool_id}/test"),
            &admin,
            Some(&json!({"arguments": {"city": "Leiden"}})),
        )
        .await;
    assert_eq!(tried["ok"], true, "{tried}");
    assert_eq!(tried["output"], "Sunny and 21 degrees in Leiden");
    let tried = app
        .ok(
            "POST",
            &format!("/api/v2/tools/{tool_id}/test"),
            &admin,
            Some(&json!({})),
        )
        .await;
    assert_eq!(tried["ok"], false);
    assert_eq!(tried["output"], "The argument “city” is missing.");

    // Linked to the agent, the model calls it; the answer cites the tool's answer.
    let (status, body) = app
        .call(
            "POST",
            &format!("/api/v2/agents/{agent}/tools/{tool_id}"),
            &member,
            None,
        )
        .await;
    assert_error(status, &body, 403);
    let linked = app
        .ok("POST", &format!("/api/v2/agents/{agent}/tools/{tool_id}"), &admin, None)
        .await;
    assert_eq!(linked[0]["name"], "Weather");
    let events = app
        .stream(&admin, agent, "What is the weather like in Rotterdam?")
        .await;
    let thoughts = thoughts_of(&events);
    assert!(thoughts.contains("Tools at hand: Weather."), "{thoughts}");
    assert!(
        thoughts.contains(r#"Calling Weather with {"city":"Rotterdam"}."#),
        "{thoughts}"
    );
    assert!(
        thoughts.contains("Weather answered (33 characters): source [1]."),
        "{thoughts}"
    );
    let end = end_of(&events);
    let out = &end["output"];
    assert_eq!(
        out["answer"], "The tool says: Sunny and 21 degrees in Rotterdam [1].",
        "{end}"
    );
    assert_eq!(out["references"][0]["title"], "Weather (tool)");
    assert_eq!(out["references"][0]["url"], "");
    assert_eq!(seen.lock().unwrap().last().unwrap(), "Bearer s3cret-weather-key");
    let offered = model
        .requests
        .lock()
        .unwrap()
        .iter()
        .find(|r| r["tools"].is_array())
        .cloned()
        .unwrap();
    assert_eq!(offered["tools"][0]["function"]["name"], format!("weather_{tool_id}"));
    assert!(
        !offered.to_string().contains("s3cret"),
        "the model never sees the secret"
    );
    let id = out["agent_response_id"].as_i64().unwrap();
    let supporting = app
        .ok(
            "GET",
            &format!("/api/v2/agent-responses/{id}/supporting-content"),
            &admin,
            None,
        )
        .await;
    assert!(
        supporting.to_string().contains("Sunny and 21 degrees in Rotterdam"),
        "{supporting}"
    );
    // The trace: retrieval, the tool call inside the model's step, then the model, in order.
    let trace = app
        .ok("GET", &format!("/api/v2/agent-responses/{id}/trace"), &admin, None)
        .await;
    let steps = trace["steps"].as_array().unwrap();
    let kinds: Vec<&str> = steps.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["retrieval", "tool", "model"], "{trace}");
    assert_eq!(steps[1]["title"], "Tool Weather");
    assert_eq!(steps[1]["status"], "ok");
    assert_eq!(steps[1]["summary"], "Answered 33 characters.");
    let model_step = &steps[2];
    assert!(model_step["title"].as_str().unwrap().starts_with("Model "), "{trace}");
    assert_eq!(model_step["prompt_tokens"], trace["prompt_tokens"]);
    assert_eq!(model_step["completion_tokens"], trace["completion_tokens"]);
    assert_eq!(model_step["cost"], trace["cost"]);
    // The tool ran while the model step was open: inside its span.
    let (tool_start, model_start) = (
        steps[1]["started_ms"].as_i64().unwrap(),
        model_step["started_ms"].as_i64().unwrap(),
    );
    assert!(tool_start >= model_start, "{trace}");
    assert!(
        tool_start + steps[1]["duration_ms"].as_i64().unwrap()
            <= model_start + model_step["duration_ms"].as_i64().unwrap(),
        "{trace}"
    );

    // A wrong secret: the call fails, the model is told, the thought says why.
    app.ok(
        "PUT",
        &format!("/api/v2/tools/{tool_id}"),
        &admin,
        Some(&json!({"name": "Weather", "template_id": template["id"], "secret": "wrong"})),
    )
    .await;
    let thoughts = thoughts_of(&app.stream(&admin, agent, "Weather in Delft?").await);
    assert!(
        thoughts.contains("Weather failed: The API answered 401 Unauthorized"),
        "{thoughts}"
    );

    // Turned off for the organization (or the api-tools flag off): not offered.
    app.ok(
        "POST",
        &format!("/api/v2/organizations/{org}/tools/{tool_id}/disable"),
        &admin,
        None,
    )
    .await;
    let listed = app
        .ok("GET", &format!("/api/v2/agents/{agent}/tools"), &admin, None)
        .await;
    assert_eq!(listed["tools"][0]["is_connected"], true);
    assert_eq!(listed["tools"][0]["is_enabled"], false);
    assert_eq!(listed["meta"]["count"], 1);
    let thoughts = thoughts_of(&app.stream(&admin, agent, "Weather in Delft?").await);
    assert!(!thoughts.contains("Calling"), "{thoughts}");
    app.ok(
        "POST",
        &format!("/api/v2/organizations/{org}/tools/{tool_id}/enable"),
        &admin,
        None,
    )
    .await;
    app.ok(
        "PUT",
        "/api/v2/feature-flags/api-tools",
        &admin,
        Some(&json!({"enabled": false})),
    )
    .await;
    let thoughts = thoughts_of(&app.stream(&admin, agent, "Weather in Delft?").await);
    assert!(!thoughts.contains("Calling"), "{thoughts}");
    let (status, body) = app
        .call(
            "POST",
            &format!("/api/v2/organizations/{org}/tools/api"),
            &admin,
            Some(&json!({"name": "Another", "template_id": template["id"]})),
        )
        .await;
    assert_error(status, &body, 403);
    app.ok(
        "PUT",
        "/api/v2/feature-flags/api-tools",
        &admin,
        Some(&json!({"enabled": true})),
    )
    .await;

    // A web search tool, called the same way.
    let search = app
        .ok(
            "POST",
            &format!("/api/v2/organizations/{org}/tools/web-search"),
            &admin,
            Some(&json!({"name": "Web", "search_url": format!("{api}/search"), "max_results": 3})),
        )
        .await;
    app.ok(
        "DELETE",
        &format!("/api/v2/agents/{agent}/tools/{tool_id}"),
        &admin,
        None,
    )
    .await;
    app.ok(
        "POST",
        &format!("/api/v2/agents/{agent}/tools/{}", search["id"]),
        &admin,
        None,
    )
    .await;
    let end = end_of(&app.stream(&admin, agent, "When do ferries leave Texel?").await);
    assert_eq!(
        end["output"]["answer"],
        "The tool says: Ferry times (https://ferry.example/times): Ferries for Texel leave hourly [1].",
        "{end}"
    );

    // Answers over the size limit are refused, not read.
    let huge = app
        .ok(
            "POST",
            &format!("/api/v2/organizations/{org}/tools/api"),
            &admin,
            Some(&json!({"name": "Huge", "api": {"method": "GET", "url_template": format!("{api}/huge")}})),
        )
        .await;
    let tried = app
        .ok(
            "POST",
            &format!("/api/v2/tools/{}/test", huge["id"]),
            &admin,
            Some(&json!({})),
        )
        .await;
    assert_eq!(tried["output"], "The API answered more than 64 KB; the limit is 64 KB.");

    // Deleting a tool unlinks it.
    app.ok("DELETE", &format!("/api/v2/tools/{}", search["id"]), &admin, None)
        .await;
    let connected = app
        .ok("GET", &format!("/api/v2/agents/{agent}/tools/connected"), &admin, None)
        .await;
    assert_eq!(connected, json!([]));
    let (status, body) = app
        .call("GET", &format!("/api/v2/tools/{}", search["id"]), &admin, None)
        .await;
    assert_error(status, &body, 404);
}

#[tokio::test]
async fn api_tools_are_called_and_cited_sqlite() {
    api_tools_are_called_and_cited(common::Backend::Sqlite).await;
}

#[tokio::test]
async fn api_tools_are_called_and_cited_postgres() {
    api_tools_are_called_and_cited(common::Backend::Postgres).await;
}

both_backends!(
    rag_tools_widen_the_search_and_bad_input_is_refused,
    |app: TestApp| async move {
        let (admin, _, org) = app.member("ada@example.com", "Ada Admin").await;
        let agent = app.agent_in_new_project(&admin, "Travel Helper").await;
        let library = app
            .ok(
                "POST",
                "/api/v2/corpora",
                &admin,
                Some(&json!({"name": "Ferry library"})),
            )
            .await;
        let corpus = library["id"].as_i64().unwrap();
        let (status, body) = app
            .upload(
                corpus,
                &admin,
                vec![Part::File(
                    "source",
                    "ferries.md",
                    b"# Ferries\n\nFerries to Texel leave Den Helder every hour.\n".to_vec(),
                )],
            )
            .await;
        assert_eq!(status, 201, "{body}");
        app.settled(body["data"]["id"].as_i64().unwrap(), &admin).await;
        let ask = |q: &'static str| {
            let (app, admin) = (&app, admin.clone());
            async move {
                app.ok(
                    "POST",
                    &format!("/response-service/api/v2/agents/{agent}/responses"),
                    &admin,
                    Some(&json!({"user_query": q})),
                )
                .await
            }
        };
        let before = ask("When do ferries to Texel leave?").await;
        assert!(!before["answer"].as_str().unwrap().contains("every hour"), "{before}");
        let rag = app
            .ok(
                "POST",
                &format!("/api/v2/organizations/{org}/tools/rag"),
                &admin,
                Some(&json!({"name": "Ferry library", "corpus_ids": [corpus, corpus]})),
            )
            .await;
        assert_eq!(rag["config"]["corpus_ids"], json!([corpus]));
        app.ok(
            "POST",
            &format!("/api/v2/agents/{agent}/tools/{}", rag["id"]),
            &admin,
            None,
        )
        .await;
        let after = ask("When do ferries to Texel leave?").await;
        assert!(
            after["answer"]
                .as_str()
                .unwrap()
                .contains("Ferries to Texel leave Den Helder every hour."),
            "{after}"
        );
        let attachment = app
            .ok(
                "POST",
                &format!("/api/v2/organizations/{org}/tools/attachment"),
                &admin,
                Some(&json!({"name": "Attachments"})),
            )
            .await;
        assert_eq!(attachment["tool_type"], "attachment");
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/tools/{}/test", rag["id"]),
                &admin,
                Some(&json!({})),
            )
            .await;
        assert_error(status, &body, 422);

        let bad = [
            ("api", json!({"name": "x"}), "template_id"),
            ("api", json!({"name": "x", "template_id": 999999}), "template_id"),
            (
                "api",
                json!({"name": "x", "api": {"method": "FETCH", "url_template": "https://a.example"}}),
                "api.method",
            ),
            (
                "api",
                json!({"name": "x", "api": {"method": "GET", "url_template": "ftp://a.example"}}),
                "api.url_template",
            ),
            (
                "api",
                json!({"name": "x", "api": {"method": "GET", "url_template": "https://a.example/{city}"}}),
                "api.parameters",
            ),
            (
                "api",
                json!({"name": "x", "api": {"method": "GET", "url_template": "https://a.example",
                "parameters": [{"name": "1st", "type": "string"}]}}),
                "api.parameters",
            ),
            (
                "api",
                json!({"name": "x", "api": {"method": "POST", "url_template": "https://a.example",
                "body_template": "{not json"}}),
                "api.body_template",
            ),
            (
                "api",
                json!({"name": "x", "api": {"method": "GET", "url_template": "https://a.example"}, "secret": "k"}),
                "secret",
            ),
            (
                "api",
                json!({"name": "x", "api": {"method": "GET", "url_template": "https://a.example",
                "headers": {"bad header": "v"}}}),
                "api.headers",
            ),
            ("rag", json!({"name": "x", "corpus_ids": []}), "corpus_ids"),
            ("rag", json!({"name": "x", "corpus_ids": [999999]}), "corpus_ids"),
            (
                "web-search",
                json!({"name": "x", "search_url": "not a url"}),
                "search_url",
            ),
            (
                "web-search",
                json!({"name": "x", "search_url": "https://s.example/search", "max_results": 50}),
                "max_results",
            ),
            ("attachment", json!({"name": ""}), "name"),
        ];
        for (kind, body, field) in bad {
            let (status, res) = app
                .call(
                    "POST",
                    &format!("/api/v2/organizations/{org}/tools/{kind}"),
                    &admin,
                    Some(&body),
                )
                .await;
            assert_error(status, &res, 422);
            assert!(res["errors"][field].is_array(), "{kind} {field}: {res}");
        }
        let listed = app
            .ok("GET", &format!("/api/v2/organizations/{org}/tools"), &admin, None)
            .await;
        assert_eq!(
            listed["meta"]["count"], 2,
            "nothing written by refused requests: {listed}"
        );
        let rags = app
            .ok(
                "GET",
                &format!("/api/v2/organizations/{org}/tools?tool_type=rag"),
                &admin,
                None,
            )
            .await;
        assert_eq!(rags["tools"].as_array().unwrap().len(), 1);
        let (status, res) = app
            .call(
                "GET",
                &format!("/api/v2/organizations/{org}/tools?tool_type=magic"),
                &admin,
                None,
            )
            .await;
        assert_error(status, &res, 422);
        let (status, res) = app
            .call(
                "DELETE",
                &format!("/api/v2/agents/{agent}/tools/{}", attachment["id"]),
                &admin,
                None,
            )
            .await;
        assert_error(status, &res, 404);
    }
);

/// What a server's own network holds: an internal service that must never be read through a
/// tool, and two services the operator opened (by network) — one redirects to the internal
/// one, one echoes the secret header it receives.
async fn internal_network() -> (u16, Arc<Mutex<u32>>, String, String) {
    let hits = Arc::new(Mutex::new(0));
    let counted = hits.clone();
    let internal = Router::new().route(
        "/secret",
        get(move || {
            *counted.lock().unwrap() += 1;
            async { "root-password" }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let internal_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, internal).await.unwrap() });

    let echo = Router::new().route(
        "/echo",
        get(|headers: HeaderMap| async move {
            format!(
                "authorization: {}",
                headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.3:0").await.unwrap();
    let echo_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, echo).await.unwrap() });

    let to_internal = format!("http://127.0.0.1:{internal_port}/secret");
    let to_echo = format!("{echo_url}/echo");
    let redirector = Router::new()
        .route("/hello", get(|| async { "hello from an allowed host" }))
        .route(
            "/to-internal",
            get(move || async move { axum::response::Redirect::temporary(&to_internal) }),
        )
        .route(
            "/to-mapped",
            get(move || async move {
                axum::response::Redirect::to(&format!("http://[::ffff:127.0.0.1]:{internal_port}/secret"))
            }),
        )
        .route(
            "/to-echo",
            get(move || async move { axum::response::Redirect::temporary(&to_echo) }),
        )
        .route("/loop", get(|| async { axum::response::Redirect::temporary("/loop") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let allowed = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, redirector).await.unwrap() });
    (internal_port, hits, allowed, echo_url)
}

/// Anyone who can save a tool (under open sign-up, anyone) picks its URL: the server must not
/// fetch its own network for them, by any spelling or through any redirect.
async fn tools_never_reach_the_servers_own_network(backend: common::Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.outbound_allow = "127.0.0.2, 127.0.0.3/32".into()).await else {
        return eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set");
    };
    let (internal, hits, allowed, _) = internal_network().await;
    let (admin, _, org) = app.member("ada@example.com", "Ada Admin").await;
    let try_url = |url: String| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let tool = app
                .ok(
                    "POST",
                    &format!("/api/v2/organizations/{org}/tools/api"),
                    &admin,
                    Some(&json!({"name": format!("Probe {}", url.len()), "secret": "s3cret-key",
                        "api": {"method": "GET", "url_template": url, "secret_header": "Authorization",
                        "secret_prefix": "Bearer "}})),
                )
                .await;
            let tried = app
                .ok(
                    "POST",
                    &format!("/api/v2/tools/{}/test", tool["id"]),
                    &admin,
                    Some(&json!({})),
                )
                .await;
            app.ok("DELETE", &format!("/api/v2/tools/{}", tool["id"]), &admin, None)
                .await;
            tried
        }
    };
    for (url, why) in [
        (format!("http://127.0.0.1:{internal}/secret"), "loopback"),
        (format!("http://localhost:{internal}/secret"), "loopback"),
        (format!("http://2130706433:{internal}/secret"), "loopback"),
        (format!("http://[::1]:{internal}/secret"), "loopback"),
        (format!("http://[::ffff:127.0.0.1]:{internal}/secret"), "loopback"),
        (format!("http://[64:ff9b::7f00:1]:{internal}/secret"), "loopback"),
        ("http://169.254.169.254/latest/meta-data/".to_string(), "cloud metadata"),
        ("http://[fd00:ec2::254]/latest/meta-data/".to_string(), "unique-local"),
        ("http://10.0.0.1/admin".to_string(), "private network"),
        // An allowed host redirecting inward is refused at the hop.
        (format!("{allowed}/to-internal"), "loopback"),
        (format!("{allowed}/to-mapped"), "loopback"),
        (format!("{allowed}/loop"), "redirected more than 5 times"),
    ] {
        let tried = try_url(url.clone()).await;
        assert_eq!(tried["ok"], false, "{url}: {tried}");
        let output = tried["output"].as_str().unwrap();
        assert!(output.contains(why), "{url}: {output}");
        assert!(!output.contains("root-password"), "{url}: {output}");
    }
    // The allowed host itself answers, so the refusals above are the checks, not the network.
    let hello = try_url(format!("{allowed}/hello")).await;
    assert_eq!(hello["output"], "hello from an allowed host", "{hello}");
    // A secret header goes to the host it was configured for, never to where that host redirects.
    let echoed = try_url(format!("{allowed}/to-echo")).await;
    assert_eq!(echoed["output"], "authorization: none", "{echoed}");

    // Web search takes the same road.
    let search = app
        .ok(
            "POST",
            &format!("/api/v2/organizations/{org}/tools/web-search"),
            &admin,
            Some(&json!({"name": "Web", "search_url": format!("http://127.0.0.1:{internal}/secret")})),
        )
        .await;
    let tried = app
        .ok(
            "POST",
            &format!("/api/v2/tools/{}/test", search["id"]),
            &admin,
            Some(&json!({"arguments": {"query": "passwords"}})),
        )
        .await;
    assert_eq!(tried["ok"], false, "{tried}");
    assert!(
        tried["output"].as_str().unwrap().contains("EJENTO_OUTBOUND_ALLOW"),
        "{tried}"
    );
    assert_eq!(*hits.lock().unwrap(), 0, "the internal service was never reached");
}

#[tokio::test]
async fn tools_never_reach_the_servers_own_network_sqlite() {
    tools_never_reach_the_servers_own_network(common::Backend::Sqlite).await;
}

#[tokio::test]
async fn tools_never_reach_the_servers_own_network_postgres() {
    tools_never_reach_the_servers_own_network(common::Backend::Postgres).await;
}
