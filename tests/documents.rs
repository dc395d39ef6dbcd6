//! The corpus views in a real browser against the real server: create a corpus, drop three
//! files, watch them reach Indexed, test retrieval, delete one, and see it gone from retrieval.

use ejento_e2e::{Browser, SERIAL, Server};

const PASSWORD: &str = "correct-horse-battery";

/// Drops files on the drop zone the way a browser does: a `drop` event carrying a DataTransfer.
const DROP_THREE_FILES: &str = r##"
const dt = new DataTransfer();
dt.items.add(new File(["# Refund policy\n\nRefunds reach the customer within thirty days, always by bank transfer.\n"], "refunds.md", {type: "text/markdown"}));
dt.items.add(new File(["city,warehouse\nRotterdam,North pier\nOslo,Harbour gate\n"], "warehouses.csv", {type: "text/csv"}));
dt.items.add(new File(["The onboarding checklist: laptop, badge, and a welcome lunch.\n"], "onboarding.txt", {type: "text/plain"}));
document.querySelector('#dropzone').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
return true;
"##;

#[tokio::test]
async fn a_corpus_is_filled_by_dropping_files_and_searched() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let team = server
        .post(&token, "/api/v2/teams", serde_json::json!({"name": "Support"}))
        .await;
    let project = server
        .post(
            &token,
            "/api/v2/projects",
            serde_json::json!({"name": "Help", "team_id": team["id"]}),
        )
        .await;
    server
        .post(
            &token,
            "/api/v2/agents",
            serde_json::json!({"project_id": project["id"], "agent_name": "Refund Bot"}),
        )
        .await;
    let browser = Browser::launch().await;
    browser.sign_in(&server, "ada@example.com", PASSWORD).await;

    browser.goto(&server.url("/corpora")).await;
    browser.click("#new-corpus").await;
    browser.fill("#corpus-name", "Handbook").await;
    browser.click("#corpus-save").await;
    browser.click_text("#corpus-table a", "Handbook").await;
    browser.wait_for_text("#corpus-title", "Handbook").await;
    browser.wait_for_any_text(".empty-title", "No documents").await;

    browser.eval(DROP_THREE_FILES).await;
    browser.wait_for_count("#upload-list li", 3).await;
    browser.wait_for_count("#document-table tbody tr", 3).await;
    // Each file ends Indexed; the table updates by itself.
    browser.wait_for_count("#document-table [data-step=indexed]", 3).await;
    // …and so does the upload list: no file says "indexing" once it is indexed.
    browser.wait_for_count("#upload-list [data-step=indexed]", 3).await;
    browser.screenshot("corpus-documents").await;

    // Dropping the same file again warns before uploading it twice.
    browser
        .eval(r#"const dt = new DataTransfer(); dt.items.add(new File(["The onboarding checklist: laptop, badge, and a welcome lunch.\n"], "copy.txt", {type: "text/plain"})); document.querySelector('#dropzone').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); return true;"#)
        .await;
    browser
        .wait_for_any_text("#upload-list .warning", "Already in this corpus as “onboarding.txt”")
        .await;
    browser.click_text("#upload-list button", "Skip").await;

    browser.click("#tab-retrieval").await;
    browser.fill("#retrieval-query", "how long do refunds take").await;
    browser.click("#run-retrieval").await;
    browser
        .wait_for_text("#retrieval-results li:first-child .retrieved-head a", "refunds.md")
        .await;
    browser.wait_for_any_text("#retrieval-results mark", "Refunds").await;
    browser.screenshot("retrieval-test").await;

    browser.click("#tab-documents").await;
    browser.wait_for_count("#document-table tbody tr", 3).await;
    browser
        .click("#document-table tr[data-document='refunds.md'] input[type=checkbox]")
        .await;
    browser.click("#delete-selected").await;
    browser.accept_dialog().await;
    browser.wait_for_count("#document-table tbody tr", 2).await;

    browser.click("#tab-retrieval").await;
    browser.fill("#retrieval-query", "how long do refunds take").await;
    browser.click("#run-retrieval").await;
    browser.wait_for("#retrieval-empty").await;

    // Connect an agent to the corpus, then switch the connection off.
    browser.click("#tab-access").await;
    browser.fill("#agent-search", "Refund").await;
    browser
        .eval("document.querySelector('#agent-search').dispatchEvent(new Event('change')); return true;")
        .await;
    browser.wait_for_any_text("#agent-choice option", "Refund Bot").await;
    browser
        .eval("const s = document.querySelector('#agent-choice'); s.value = s.options[1].value; s.dispatchEvent(new Event('change')); return true;")
        .await;
    browser.click("#connect-agent").await;
    browser.wait_for_any_text("#connected-agents li", "Refund Bot").await;
    browser.click_text("#connected-agents button", "Enabled").await;
    browser.wait_for_any_text("#connected-agents button", "Disabled").await;

    // A document's own page: chunks and status history.
    browser.click("#tab-documents").await;
    browser.click_text("#document-table a", "warehouses.csv").await;
    browser.wait_for_text("#document-title", "warehouses.csv").await;
    // The breadcrumb names the corpus it is in.
    browser.wait_for_text("#document-crumbs", "Corpora › Handbook").await;
    browser
        .wait_for_any_text("#chunk-list .chunk-text", "city: Rotterdam; warehouse: North pier")
        .await;
    browser.wait_for_any_text("#history li", "Indexed").await;
    browser.close().await;
}
