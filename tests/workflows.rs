//! Workflows in a real browser against the real server: a Consolidator workflow is created from
//! two agents in the form, asked a question, and its streamed answer combines both agents,
//! attributed, citing each one's document; it is reviewed; the conversation is still there after
//! a reload; the workflow's usage shows the answer, the review and both agents' share. A reload
//! in the middle of an answer picks it up again and completes it once.

use ejento_e2e::{Browser, SERIAL, Server};
use serde_json::json;

const PASSWORD: &str = "correct-horse-battery";

#[tokio::test]
async fn a_consolidator_workflow_is_built_asked_and_cites_both_agents() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (project, _) = help_desk(&server, &token).await;

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

    // Dynamic, with an agent whose documents are about something else: only the matching
    // agents answer, and the supervisor's step says who was left out and why.
    let paper_scout = agent_with_document(
        &server,
        &token,
        &project["id"],
        "Paper Scout",
        "attention.md",
        "# Attention\n\nThe transformer relies on self-attention over the whole input sequence.\n",
    )
    .await;
    let workflow = url.path().trim_start_matches("/workflows/").to_string();
    let current = server
        .send(
            reqwest::Method::GET,
            &token,
            &format!("/api/v2/workflows/{workflow}"),
            json!(null),
        )
        .await;
    let mut agents: Vec<serde_json::Value> = current["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    agents.push(json!(paper_scout));
    server
        .send(
            reqwest::Method::PUT,
            &token,
            &format!("/api/v2/workflows/{workflow}"),
            json!({"name": "Customer desk", "project_id": project["id"], "agent_ids": agents, "supervisor_type": "Dynamic"}),
        )
        .await;
    browser.goto(&server.url(&format!("/workflows/{workflow}"))).await;
    browser
        .fill("#workflow-composer", "What about refunds and parcels?\u{E007}")
        .await;
    browser
        .wait_for_any_text(".workflow-steps", "Paper Scout not asked: their documents do not match")
        .await;
    browser.wait_for_count(".workflow-turn", 1).await;
    let answer = browser
        .eval("return document.querySelector('.workflow-turn .answer').textContent")
        .await;
    assert!(!answer.as_str().unwrap().contains("self-attention"), "{answer}");
    browser.close().await;
}

#[tokio::test]
async fn a_workflow_answer_survives_a_reload_mid_answer_and_completes_once() {
    let _serial = SERIAL.lock().await;
    // Slow words, so the reload lands while the first agent is still answering.
    let server = Server::start_with(|c| c.local_token_delay_ms = 100).await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (project, agents) = help_desk(&server, &token).await;
    let workflow = server
        .post(
            &token,
            "/api/v2/workflows",
            json!({"name": "Desk", "project_id": project["id"], "agent_ids": agents, "supervisor_type": "Consolidator"}),
        )
        .await;
    let browser = Browser::launch().await;
    browser.sign_in(&server, "ada@example.com", PASSWORD).await;
    browser
        .goto(&server.url(&format!("/workflows/{}", workflow["id"])))
        .await;
    browser
        .fill("#workflow-composer", "What about refunds and parcels?\u{E007}")
        .await;
    browser.wait_for_any_text(".workflow-turn .agent-part", "Here is").await;
    assert_eq!(browser.count(".workflow-sources li").await, 0, "still answering");
    let url = browser
        .wait_for_url("thread", |u| u.query().is_some_and(|q| q.contains("thread=")))
        .await;
    browser.goto(url.as_str()).await;
    browser.wait_for_count(".workflow-sources li", 2).await;
    browser.wait_for_count(".workflow-turn .cursor", 0).await;
    let answer = browser
        .eval("return document.querySelector('.workflow-turn .answer').textContent")
        .await;
    let answer = answer.as_str().unwrap();
    assert!(answer.contains("14 days") && answer.contains("16:00"), "{answer}");
    assert_eq!(answer.matches("14 days").count(), 1, "completed once: {answer}");
    assert_eq!(browser.count(".workflow-turn").await, 1);
    browser.close().await;
}

/// The project "Help desk" with two agents whose documents differ (refunds, parcels), indexed:
/// (project, [Billing Helper, Shipping Helper]).
async fn help_desk(server: &Server, token: &str) -> (serde_json::Value, Vec<i64>) {
    let team = server.post(token, "/api/v2/teams", json!({"name": "Support"})).await;
    let project = server
        .post(
            token,
            "/api/v2/projects",
            json!({"name": "Help desk", "team_id": team["id"]}),
        )
        .await;
    let mut agents = Vec::new();
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
        agents.push(agent_with_document(server, token, &project["id"], agent, file, text).await);
    }
    (project, agents)
}

/// An agent in the project whose default corpus holds one indexed document; its id.
async fn agent_with_document(
    server: &Server,
    token: &str,
    project: &serde_json::Value,
    agent: &str,
    file: &str,
    text: &str,
) -> i64 {
    let created = server
        .post(
            token,
            "/api/v2/agents",
            json!({"project_id": project, "agent_name": agent}),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let corpora = server
        .send(
            reqwest::Method::GET,
            token,
            &format!("/api/v2/agents/{id}/corpora"),
            json!(null),
        )
        .await;
    let corpus = corpora["items"]["agent_corpus"][0]["corpus_id"].as_i64().unwrap();
    server.add_document(token, corpus, file, text).await;
    id
}
