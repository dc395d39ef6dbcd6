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
    let team = server.post(&token, "/api/v2/teams", json!({"name": "Ops"})).await;
    let project = server
        .post(
            &token,
            "/api/v2/projects",
            json!({"name": "Runbooks", "team_id": team["id"]}),
        )
        .await;
    let agent = server
        .post(
            &token,
            "/api/v2/agents",
            json!({"project_id": project["id"], "agent_name": "Runbook Helper"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();

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
