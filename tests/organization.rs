//! The organization lifecycle in the browser: team → project → agent → versions → restore,
//! stars, and a colleague without access.

use ejento_e2e::{Browser, SERIAL, Server};

const PASSWORD: &str = "a-good-password";

async fn log_in(browser: &Browser, server: &Server, email: &str) {
    browser.sign_in(server, email, PASSWORD).await;
}

#[tokio::test]
async fn team_project_agent_history_restore_star_and_privacy() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    server.register("eve@example.com", PASSWORD, "Eve Outsider").await;
    let browser = Browser::launch().await;
    log_in(&browser, &server, "ada@example.com").await;

    // A team…
    browser.goto(&server.url("/teams")).await;
    browser.wait_for_any_text(".empty-title", "No teams").await;
    browser.click("#new-team").await;
    browser.click("#team-save").await;
    browser.wait_for("#team-name-error").await;
    browser.fill("#team-name", "Research").await;
    browser.fill("#team-description", "Papers and experiments").await;
    browser.click("#team-save").await;
    browser.click_text(".table a", "Research").await;
    browser.wait_for_text("#team-title", "Research").await;
    browser.screenshot("team").await;

    // …a project in it…
    browser.click_text("a.button", "New project in this team").await;
    browser.wait_for("#project-form").await;
    assert_ne!(browser.value("#project-team").await, "", "the team is preselected");
    browser.fill("#project-name", "Knowledge base").await;
    browser.click("#project-save").await;
    browser.click_text(".table a", "Knowledge base").await;
    browser.wait_for_text("#project-title", "Knowledge base").await;
    browser.screenshot("project").await;

    // …an agent in the project.
    browser.click("#new-agent-in-project").await;
    browser.wait_for("#agent-form").await;
    browser.fill("#agent-name", "Librarian").await;
    browser
        .fill("#agent-domain", "Finds papers in the knowledge base")
        .await;
    browser.fill("#agent-new-prompt", "Prompt version one.").await;
    browser.fill("#agent-q1", "Which papers cover retrieval?").await;
    browser.fill("#agent-tags", "research, papers").await;
    browser.click("#agent-create").await;
    browser.wait_for_text("#agent-title", "Librarian").await;
    let url = browser
        .wait_for_url("the agent page", |u| {
            u.path().starts_with("/agents/") && u.path() != "/agents/new"
        })
        .await;
    let agent_path = url.path().to_string();
    browser.screenshot("agent-overview").await;

    // Two edits of the prompt.
    browser.click("#tab-configuration").await;
    for prompt in ["Prompt version two.", "Prompt version three."] {
        browser.fill("#agent-prompt", prompt).await;
        browser.click("#save-config").await;
        browser
            .wait_for_any_text(".toast-message", "Agent updated successfully.")
            .await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while browser.value("#agent-prompt").await != prompt {
            assert!(std::time::Instant::now() < deadline, "the saved prompt is shown");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    assert_ne!(browser.value("#agent-model").await, "", "the agent's model is selected");
    assert_ne!(
        browser.value("#agent-type-select").await,
        "",
        "the agent's type is selected"
    );
    browser.screenshot("agent-configuration").await;

    // History: three checkpoints; compare the first, then restore it.
    browser.click("#tab-history").await;
    browser.wait_for_count(".history-row", 3).await;
    let first = ".history-row:last-child";
    browser.click(&format!("{first} .compare")).await;
    browser.wait_for("#diff-table tr.changed").await;
    browser.screenshot("agent-history-diff").await;
    browser.click(&format!("{first} .restore")).await;
    browser.accept_dialog().await;
    browser.wait_for_count(".history-row", 4).await;
    browser.click("#tab-configuration").await;
    assert_eq!(browser.value("#agent-prompt").await, "Prompt version one.");

    // Star it and find it under Starred.
    browser.click("#star-toggle").await;
    browser.wait_for_text("#star-toggle", "★ Starred").await;
    browser.goto(&server.url("/agents")).await;
    browser
        .wait_for_any_text("#starred-agents .agent-card-name", "Librarian")
        .await;
    browser.wait_for_any_text("#recent-agents a", "Librarian").await;
    browser.screenshot("agents-catalogue").await;

    // Filters live in the URL.
    browser.goto(&server.url("/agents?tag=papers")).await;
    browser
        .wait_for_any_text("#agent-list .agent-card-name", "Librarian")
        .await;
    browser.goto(&server.url("/agents?tag=nothing-like-this")).await;
    browser.wait_for_any_text(".empty-title", "No agents").await;

    // Someone without access cannot open it.
    browser.click("#user-menu-button").await;
    browser.click("#logout").await;
    browser.wait_for("#login-form").await;
    log_in(&browser, &server, "eve@example.com").await;
    browser.goto(&server.url(&agent_path)).await;
    browser.wait_for("#agent-unavailable").await;
    browser
        .wait_for_any_text("#agent-unavailable .empty-title", "No access")
        .await;
    browser.screenshot("agent-no-access").await;
    browser.close().await;
}

#[tokio::test]
async fn admins_create_users_and_change_roles() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let browser = Browser::launch().await;
    log_in(&browser, &server, "ada@example.com").await;
    browser.goto(&server.url("/admin")).await;
    browser.wait_for("#user-table").await;
    browser.click("#new-user").await;
    browser.fill("#user-email", "grace@example.com").await;
    browser.fill("#user-first", "Grace").await;
    browser.fill("#user-password", "graces-password").await;
    browser.click("#user-save").await;
    browser.wait_for_any_text("#user-table td", "grace@example.com").await;
    browser.goto(&server.url("/admin?search=grace")).await;
    browser.wait_for_count("#user-table tbody tr", 1).await;
    browser.screenshot("admin-users").await;
    browser.click("#user-table tbody input[type=checkbox]").await;
    browser.click("#delete-users").await;
    browser.accept_dialog().await;
    browser.wait_for_any_text(".empty-title", "No one found").await;
    browser.close().await;
}

#[tokio::test]
async fn corpora_are_created_shared_and_listed() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    server.register("rita@example.com", PASSWORD, "Rita Reader").await;
    let browser = Browser::launch().await;
    log_in(&browser, &server, "ada@example.com").await;
    browser.goto(&server.url("/corpora")).await;
    browser.wait_for_any_text(".empty-title", "No corpora").await;
    browser.click("#new-corpus").await;
    browser.fill("#corpus-name", "HR policies").await;
    browser.fill("#corpus-tags", "hr, policies").await;
    browser.click("#corpus-save").await;
    browser.click_text("#corpus-table a", "HR policies").await;
    browser.wait_for_text("#corpus-title", "HR policies").await;
    browser.wait_for_any_text(".empty-title", "No documents").await;
    browser.click("#tab-access").await;
    browser.fill("#permission-email", "rita@example.com").await;
    browser.click_text("button", "Grant").await;
    browser
        .wait_for_any_text(".link-list li", "rita@example.com · Read")
        .await;
    browser.screenshot("corpus").await;
    browser.close().await;
}
