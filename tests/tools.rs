//! Admin → Tools in a real browser against the real server: an API tool described in the
//! dashboard (kept as a template, with a secret), tried with arguments, linked on the agent's
//! Tools tab; asked in the chat, the stand-in model calls it through function calling, the
//! call shows in the thoughts and its answer is cited.

use axum::{Json, Router, extract::Query, http::HeaderMap, routing::get};
use ejento_e2e::{Browser, SERIAL, Server};
use serde_json::json;

#[path = "../crates/server/tests/common/model.rs"]
mod model;

const PASSWORD: &str = "correct-horse-battery";

/// The weather API the tool calls (a third-party service), which wants its key.
async fn weather_api() -> String {
    let router = Router::new().route(
        "/weather",
        get(
            |headers: HeaderMap, Query(q): Query<std::collections::HashMap<String, String>>| async move {
                let authorized = headers.get("authorization").is_some_and(|v| v == "Bearer w3ather-key");
                let city = q.get("city").cloned().unwrap_or_default();
                Json(if authorized {
                    json!({"data": {"forecast": format!("Sunny and 21 degrees in {city}")}})
                } else {
                    json!({"data": {"forecast": "no key"}})
                })
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

#[tokio::test]
async fn an_api_tool_made_in_the_dashboard_is_called_and_cited_in_the_chat() {
    let _serial = SERIAL.lock().await;
    let (model_url, _model) = model::start().await;
    let server = Server::start_with(move |c| {
        c.model_deployments = model::deployments(&model_url);
        // The weather API runs on loopback; the operator allows it here.
        c.outbound_allow = "127.0.0.1".into();
    })
    .await;
    let api = weather_api().await;
    let token = server.register("gia@example.com", PASSWORD, "Gia Global").await;
    let (agent, _) = server.agent(&token, "Travel Helper").await;
    let llms = server
        .send(
            reqwest::Method::GET,
            &token,
            "/api/v2/llm-configurations",
            serde_json::Value::Null,
        )
        .await;
    let reader = llms
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["provider"] == "openai-compatible")
        .unwrap()["id"]
        .clone();
    server
        .send(
            reqwest::Method::PUT,
            &token,
            &format!("/api/v2/agents/{agent}/llm-configuration"),
            json!({"llm_config_id": reader}),
        )
        .await;

    let browser = Browser::launch().await;
    browser.sign_in(&server, "gia@example.com", PASSWORD).await;
    // Admin → Models lists the configured endpoint (read-only).
    browser.goto(&server.url("/admin/models")).await;
    browser.wait_for_any_text("#model-table", "reader").await;
    browser.wait_for_any_text("#model-table", "openai-compatible").await;
    browser.goto(&server.url("/admin/tools")).await;
    browser.wait_for_any_text(".empty-state", "No tools yet").await;
    browser.fill("#tool-name", "Weather").await;
    browser.fill("#tool-description", "Today's weather in a city").await;
    browser.fill("#tool-url", &format!("{api}/weather?city={{city}}")).await;
    browser.fill("#tool-parameters", "city: The city").await;
    browser.fill("#tool-response-path", "data.forecast").await;
    browser.fill("#tool-secret-header", "Authorization").await;
    browser.fill("#tool-secret", "w3ather-key").await;
    browser.click("#tool-save-template").await;
    browser.click("#save-tool").await;
    browser.wait_for_any_text(".toast-success", "“Weather” is ready").await;
    browser.wait_for_any_text("#tool-table", "secret set").await;
    browser.wait_for_any_text("#tool-template", "Weather (GET").await;

    // Tried with an argument: the API's answer, read at its path, as text.
    // (The toast sits over the table's last row: the button is pressed by script.)
    browser
        .eval("document.querySelector(\"#tool-table button[aria-label='Test Weather']\").click(); return true")
        .await;
    browser.fill("#tool-test-arguments", r#"{"city": "Leiden"}"#).await;
    browser.click("#run-tool-test").await;
    browser
        .wait_for_any_text("#tool-test-result", "Sunny and 21 degrees in Leiden")
        .await;
    browser.screenshot("admin-tools").await;
    let page = browser.eval("return document.body.innerText").await;
    assert!(
        !page.as_str().unwrap().contains("w3ather-key"),
        "the secret is never shown"
    );

    // Linked on the agent's Tools tab.
    browser.goto(&server.url(&format!("/agents/{agent}?tab=tools"))).await;
    browser.click("#agent-tools input[aria-label='Link Weather']").await;
    browser.wait_for_any_text(".toast-success", "“Weather” is linked").await;

    // Asked in the chat: the model calls it; the thoughts say so and the answer cites it.
    browser.goto(&server.url(&format!("/agents/{agent}/chat"))).await;
    browser.wait_for("#composer-input").await;
    browser
        .fill("#composer-input", "What is the weather like in Rotterdam?")
        .await;
    browser.click("#send").await;
    browser
        .wait_for_any_text(".turn .answer", "The tool says: Sunny and 21 degrees in Rotterdam")
        .await;
    browser
        .wait_for_any_text(".turn .references", "[1] Weather (tool)")
        .await;
    let thoughts = browser
        .eval("return document.querySelector('.turn .thoughts').textContent")
        .await;
    assert!(
        thoughts
            .as_str()
            .unwrap()
            .contains(r#"Calling Weather with {"city":"Rotterdam"}."#),
        "{thoughts}"
    );
    browser.screenshot("chat-tool-call").await;
    browser.close().await;
}
