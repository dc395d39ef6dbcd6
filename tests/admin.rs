//! Admin → Feature flags in a real browser against the real server: turning "share-agent" off
//! hides sharing on an agent's Access tab (and the server refuses it); turning it on brings it back.

use ejento_e2e::{Browser, SERIAL, Server};
use serde_json::json;

const PASSWORD: &str = "correct-horse-battery";

#[tokio::test]
async fn a_feature_flag_switched_off_hides_its_feature() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("gia@example.com", PASSWORD, "Gia Global").await;
    let (agent, _) = server.agent(&token, "Runbook Helper").await;

    let browser = Browser::launch().await;
    browser.sign_in(&server, "gia@example.com", PASSWORD).await;
    browser.goto(&server.url(&format!("/agents/{agent}?tab=access"))).await;
    browser.wait_for("#member-email").await;
    assert_eq!(browser.count("#sharing-off").await, 0);

    browser.goto(&server.url("/admin")).await;
    browser.wait_for("#feature-flags #flag-share-agent").await;
    browser.wait_for_any_text("#feature-flags", "youtube-index").await;
    browser.click("#flag-share-agent").await;
    browser
        .wait_for_any_text(".toast-success", "share-agent is now off")
        .await;
    browser.screenshot("feature-flags").await;

    browser.goto(&server.url(&format!("/agents/{agent}?tab=access"))).await;
    browser.wait_for("#sharing-off").await;
    browser.wait_for_count("#member-email", 0).await;
    let refused = reqwest::Client::new()
        .post(server.url(&format!("/api/v2/agents/{agent}/users")))
        .bearer_auth(&token)
        .json(&json!({"emails": ["gia@example.com"], "role": "Member"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "the server refuses it too");

    server
        .send(
            reqwest::Method::PUT,
            &token,
            "/api/v2/feature-flags/share-agent",
            json!({"enabled": true}),
        )
        .await;
    browser.goto(&server.url(&format!("/agents/{agent}?tab=access"))).await;
    browser.wait_for("#member-email").await;
    assert_eq!(browser.count("#sharing-off").await, 0);
    browser.close().await;
}

/// Admin → Guardrails: a personal-data guardrail made in the dashboard, tried in the tester, then
/// a question with an e-mail address: the question shown, and the one stored, are redacted.
#[tokio::test]
async fn a_guardrail_redacts_the_question_people_ask() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("gia@example.com", PASSWORD, "Gia Global").await;
    let (agent, corpus) = server.agent(&token, "Billing Helper").await;
    server
        .add_document(
            &token,
            corpus,
            "refunds.md",
            "# Refunds\n\nRefunds are paid back within 10 business days.\n",
        )
        .await;

    let browser = Browser::launch().await;
    browser.sign_in(&server, "gia@example.com", PASSWORD).await;
    browser.goto(&server.url("/admin/guardrails")).await;
    browser.wait_for_any_text(".empty-state", "No guardrails yet").await;
    browser.fill("#guardrail-name", "Personal data").await;
    browser.click("#save-guardrail").await;
    browser
        .wait_for_any_text(".toast-success", "“Personal data” is saved")
        .await;
    browser.wait_for_any_text("#guardrail-table", "All personal data").await;

    // The tester shows what would happen, as text.
    browser
        .fill("#tester-text", "Mail <b>ana@example.com</b> or call +44 20 7946 0958")
        .await;
    browser.click("#run-tester").await;
    browser.wait_for_any_text("#tester-result", "Changed").await;
    let shown = browser
        .eval("return document.querySelector('#tester-result .tester-text').textContent")
        .await;
    assert_eq!(shown, "Mail <b>[EMAIL]</b> or call [PHONE]");
    browser.screenshot("admin-guardrails").await;

    // A question with an e-mail address: redacted before it is searched, shown and stored.
    browser.goto(&server.url(&format!("/agents/{agent}/chat"))).await;
    browser.wait_for("#composer-input").await;
    browser
        .fill("#composer-input", "I am ana@example.com, how long do refunds take?")
        .await;
    browser.click("#send").await;
    browser
        .wait_for_any_text(".turn .question", "I am [EMAIL], how long do refunds take?")
        .await;
    browser.wait_for_any_text(".turn .answer", "10 business days").await;
    browser
        .wait_for_any_text(
            ".guardrail-notice",
            "Personal data: an e-mail address redacted in the question.",
        )
        .await;
    browser.screenshot("chat-guardrail").await;
    let page = browser.eval("return document.body.innerText").await;
    assert!(!page.as_str().unwrap().contains("ana@example.com"), "{page}");
    let threads = server
        .send(
            reqwest::Method::GET,
            &token,
            &format!("/api/v2/agents/{agent}/chat-threads"),
            serde_json::Value::Null,
        )
        .await;
    let thread = threads["chat_threads"][0]["id"].as_i64().unwrap();
    let stored = server
        .send(
            reqwest::Method::GET,
            &token,
            &format!("/api/v2/chat-threads/{thread}/agent-responses"),
            serde_json::Value::Null,
        )
        .await;
    assert!(
        stored.to_string().contains("I am [EMAIL], how long do refunds take?")
            && !stored.to_string().contains("ana@example.com"),
        "{stored}"
    );

    // The agent's Guardrails tab shows the kind, with the organization's one counted.
    browser
        .goto(&server.url(&format!("/agents/{agent}?tab=guardrails")))
        .await;
    browser
        .wait_for_any_text("#agent-guardrail-types", "1 guardrail of the organization.")
        .await;
    browser.close().await;
}

/// Admin → API keys: a Read Only key is shown once, works for reads, is refused for writes, and
/// after Revoke it is refused altogether; the audit log has both changes.
#[tokio::test]
async fn an_api_key_works_once_copied_and_is_refused_after_revoke() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("gia@example.com", PASSWORD, "Gia Global").await;
    let browser = Browser::launch().await;
    browser.sign_in(&server, "gia@example.com", PASSWORD).await;
    browser.goto(&server.url("/admin/api-keys")).await;
    browser.wait_for_any_text(".empty-state", "No API keys").await;
    let current = browser
        .eval("return [...document.querySelectorAll('nav.tabs a[aria-current=\"page\"]')].map(a => a.textContent)")
        .await;
    assert_eq!(current, json!(["API keys"]), "only this section is marked current");
    browser.fill("#api-key-name", "Reporting").await;
    browser.choose("#api-key-scope", "Read Only").await;
    browser.click("#create-api-key").await;
    browser.wait_for("#created-key #new-api-key").await;
    let key = browser.value("#new-api-key").await;
    assert!(key.starts_with("ejk_"), "{key}");
    browser.wait_for_any_text("#api-key-table", "Read Only").await;
    browser.wait_for_any_text("#api-key-table", "Never").await;
    browser.screenshot("admin-api-keys").await;

    let client = reqwest::Client::new();
    let with_key = |method: reqwest::Method, path: &str| {
        client
            .request(method, server.url(path))
            .bearer_auth(&token)
            .header("Ocp-Apim-Subscription-Key", &key)
    };
    let read = with_key(reqwest::Method::GET, "/api/v2/teams").send().await.unwrap();
    assert_eq!(read.status(), 200);
    let write = with_key(reqwest::Method::POST, "/api/v2/teams")
        .json(&json!({"name": "Not allowed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403, "a Read Only key cannot write");

    // The list shows when it was last used.
    browser.goto(&server.url("/admin/api-keys")).await;
    // Last use in local time, to the minute (not "Never").
    let last_used = "return [...document.querySelectorAll('#api-key-table td')] \
                     .some(td => /^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}$/.test(td.textContent.trim()))";
    let mut shown = serde_json::Value::Bool(false);
    for _ in 0..100 {
        shown = browser.eval(last_used).await;
        if shown == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(shown, true, "the key's last use is shown as a local date and time");
    assert_eq!(browser.count("#created-key").await, 0, "the key is not shown again");
    browser
        .click("#api-key-table button[aria-label='Revoke Reporting']")
        .await;
    browser.accept_dialog().await;
    browser.wait_for_any_text(".toast-success", "API key revoked").await;
    browser.wait_for_any_text(".empty-state", "No API keys").await;
    let refused = with_key(reqwest::Method::GET, "/api/v2/teams").send().await.unwrap();
    assert_eq!(refused.status(), 401, "a revoked key is refused");

    browser.goto(&server.url("/admin/audit-log")).await;
    browser
        .wait_for_any_text("#audit-log", "Revoked the API key “Reporting”")
        .await;
    browser
        .wait_for_any_text("#audit-log", "Created the API key “Reporting” (Read Only)")
        .await;
    browser
        .goto(&server.url("/admin/audit-log?resource_type=feature_flag"))
        .await;
    browser.wait_for_any_text(".empty-state", "Nothing recorded").await;
    browser.screenshot("admin-audit-log").await;
    browser.close().await;
}
