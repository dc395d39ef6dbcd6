//! The notification bell in a real browser against the real server: an upload that fails to
//! index shows up as an unread notification without a reload; opening it goes to the document
//! and clears the count; "Mark all read" clears the rest.

use ejento_e2e::{Browser, SERIAL, Server};
use serde_json::json;

const PASSWORD: &str = "correct-horse-battery";

#[tokio::test]
async fn a_failed_indexing_job_rings_the_bell() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("nia@example.com", PASSWORD, "Nia Notified").await;
    let (_, corpus) = server.agent(&token, "Runbook Helper").await;

    let browser = Browser::launch().await;
    browser.sign_in(&server, "nia@example.com", PASSWORD).await;
    browser.wait_for("#notification-bell").await;
    assert_eq!(browser.count("#unread-count").await, 0, "nothing unread yet");
    browser.click("#notification-bell").await;
    browser.wait_for_any_text("#notification-panel", "all caught up").await;
    browser.click("#notification-bell").await;

    // A document that cannot be indexed, uploaded while the page stays open.
    let form = reqwest::multipart::Form::new().text("content_type", "file").part(
        "source",
        reqwest::multipart::Part::bytes(b"not a zip at all".to_vec()).file_name("broken.docx"),
    );
    let uploaded: serde_json::Value = reqwest::Client::new()
        .post(server.url(&format!("/indexing-service/api/v2/corpora/{corpus}/documents")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let document = uploaded["data"]["id"].as_i64().unwrap();
    browser.wait_for_text("#unread-count", "1").await;
    let label = browser
        .eval("return document.querySelector('#notification-bell').getAttribute('aria-label')")
        .await;
    assert_eq!(label, "Notifications, 1 unread");
    browser.click("#notification-bell").await;
    browser
        .wait_for_any_text(
            "#notification-panel .notification.unread",
            "Indexing failed: broken.docx",
        )
        .await;
    browser.screenshot("notifications").await;
    browser.click("#notification-panel .notification-item").await;
    browser
        .wait_for_url("the document", |u| u.path() == format!("/documents/{document}"))
        .await;
    browser.wait_for_count("#unread-count", 0).await;

    // A reminder to oneself, then Mark all read.
    server
        .post(
            &token,
            "/api/v2/notifications",
            json!({"title": "Fix the runbook upload"}),
        )
        .await;
    browser.wait_for_text("#unread-count", "1").await;
    browser.click("#notification-bell").await;
    browser
        .wait_for_any_text("#notification-panel", "Fix the runbook upload")
        .await;
    browser.click("#mark-all-read").await;
    browser.wait_for_count("#unread-count", 0).await;
    browser
        .wait_for_count("#notification-panel .notification.unread", 0)
        .await;

    // Admin → Notifications: failed uploads turned off, as the server then keeps it.
    browser.goto(&server.url("/admin/notifications")).await;
    browser.click("#notify-indexing_failed").await;
    browser
        .wait_for_any_text(".toast-success", "You will not be told any more.")
        .await;
    let settings = server
        .send(
            reqwest::Method::GET,
            &token,
            "/api/v2/notifications/settings",
            serde_json::Value::Null,
        )
        .await;
    assert!(
        settings
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "indexing_failed" && s["enabled"] == false),
        "{settings}"
    );
    browser.screenshot("admin-notifications").await;
    browser.close().await;
}
