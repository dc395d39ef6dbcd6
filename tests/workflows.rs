//! Workflows in a real browser against the real server: a Consolidator workflow is created from
//! two agents in the form, asked a question, and its streamed answer combines both agents,
//! attributed, citing each one's document; it is reviewed; the conversation is still there after
//! a reload; the workflow's usage shows the answer, the review and both agents' share.

use ejento_e2e::{Browser, SERIAL, Server};
use serde_json::json;

const PASSWORD: &str = "correct-horse-battery";

#[tokio::test]
async fn a_consolidator_workflow_is_built_asked_and_cites_both_agents() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let team = server.post(&token, "/api/v2/teams", json!({"name": "Support"})).await;
    let project = server
        .post(
            &token,
            "/api/v2/projects",
            json!({"name": "Help desk", "team_id": team["id"]}),
        )
        .await;
    for (agent, file, text) in [
        (
            "Billing Helper",
            "refunds.md",
            "# Refunds\n\nRefunds are paid back within 14 days.\n",
        ),
        (
            "Shipping Helper",
            "parcels.md",
            "# Parcels\n\nParcels leave the warehouse at 16:00 on weekdays.\n",
        ),
    ] {
        let created = server
            .post(
                &token,
                "/api/v2/agents",
                json!({"project_id": project["id"], "agent_name": agent}),
            )
            .await;
        let corpora: serde_json::Value = reqwest::Client::new()
            .get(server.url(&format!("/api/v2/agents/{}/corpora", created["id"])))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let corpus = corpora["data"]["items"]["agent_corpus"][0]["corpus_id"]
            .as_i64()
            .unwrap();
        server.add_document(&token, corpus, file, text).await;
    }

    let browser = Browser::launch().await;
    browser.sign_in(&server, "ada@example.com", PASSWORD).await;
    browser.click("#nav-workflows").await;
    browser.wait_for_text("main h1", "Workflows").await;
    browser.wait_for_any_text(".empty-state", "No workflows").await;

    browser.click("#new-workflow").await;
    browser.wait_for("#workflow-form").await;
    // Saving without agents says what is missing.
    browser.fill("#workflow-name", "Customer desk").await;
    browser.wait_for("#workflow-project option:nth-child(2)").await;
    browser
        .eval("const s = document.querySelector('#workflow-project'); s.selectedIndex = 1; s.dispatchEvent(new Event('change')); return true;")
        .await;
    browser.click("#workflow-save").await;
    browser
        .wait_for_any_text("#workflow-agents .field-error", "at least one agent")
        .await;
    browser.click_text("#workflow-agents label", "Billing Helper").await;
    browser.click_text("#workflow-agents label", "Shipping Helper").await;
    browser.click("#supervisor-consolidator").await;
    browser.screenshot("workflow-form").await;
    browser.click("#workflow-save").await;

    browser.wait_for_text("#workflow-title", "Customer desk").await;
    // Enter sends (the keyboard path; a toast may cover the Send button for a moment).
    browser
        .fill("#workflow-composer", "What about refunds and parcels?\u{E007}")
        .await;
    browser.wait_for_count(".workflow-sources li", 2).await;
    let answer = browser
        .eval("return document.querySelector('.workflow-turn .answer').textContent")
        .await;
    let answer = answer.as_str().unwrap();
    assert!(
        answer.contains("Billing Helper") && answer.contains("Shipping Helper"),
        "{answer}"
    );
    assert!(answer.contains("14 days") && answer.contains("16:00"), "{answer}");
    browser.wait_for_any_text(".workflow-sources", "refunds.md").await;
    browser.wait_for_any_text(".workflow-sources", "parcels.md").await;
    browser
        .wait_for_any_text(".workflow-steps", "Asking Shipping Helper")
        .await;
    browser.screenshot("workflow-answer").await;
    // A review of the answer.
    browser.click(".workflow-turn .review summary").await;
    browser.click(".workflow-turn .stars label:nth-of-type(4)").await;
    browser
        .fill(".workflow-turn .review-form textarea", "Both policies, clearly.")
        .await;
    browser.click(".workflow-turn .review-form button[type=submit]").await;
    browser.wait_for_any_text(".workflow-turn .review-sent", "★★★★").await;

    // The conversation is in the URL and comes back after a reload.
    let url = browser
        .wait_for_url("thread", |u| u.query().is_some_and(|q| q.contains("thread=")))
        .await;
    browser.goto(url.as_str()).await;
    browser.wait_for_count(".workflow-sources li", 2).await;
    browser
        .wait_for_any_text("#workflow-thread-list", "What about refunds")
        .await;

    // The workflow's usage: one answer, its review, both agents' share.
    browser.click("#workflow-settings").await;
    browser.wait_for_count("#workflow-usage .stat", 4).await;
    browser.wait_for_count("#workflow-agent-usage tbody tr", 2).await;
    browser.wait_for_any_text("#workflow-usage", "4.0 ★").await;
    browser.screenshot("workflow-usage").await;
    browser.close().await;
}
