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
        .wait_for_any_text("#agent-unavailable .empty-title", "You need more access to see this.")
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

/// The demo organization (more than a page of people), signed in as its Global Admin.
async fn demo(options: ejento_e2e::BrowserOptions) -> (Server, Browser) {
    use ejento_server::seed;
    let server = Server::start().await;
    server.seed_demo(60).await;
    let browser = Browser::launch_with(options).await;
    browser
        .sign_in(&server, seed::DEMO_USERS[0].0, seed::DEMO_PASSWORD)
        .await;
    (server, browser)
}

#[tokio::test]
async fn next_goes_to_the_second_page_and_members_stay_in_their_card() {
    let _serial = SERIAL.lock().await;
    let (server, browser) = demo(ejento_e2e::BrowserOptions::default()).await;
    browser.goto(&server.url("/admin")).await;
    browser.wait_for(".pager").await;
    // The pager's label is its words, and Next works (it was disabled, its label source code).
    let next = browser
        .eval("const b = [...document.querySelectorAll('.pager button')].pop(); return [b.textContent, b.disabled];")
        .await;
    assert_eq!(next, serde_json::json!(["Next →", false]));
    browser.click_text(".pager button", "Next →").await;
    browser
        .wait_for_url("page 2", |u| u.query().is_some_and(|q| q.contains("page=2")))
        .await;
    browser.wait_for_any_text(".pager", "Page 2 of").await;
    browser.click_text(".pager button", "← Previous").await;
    browser.wait_for_any_text(".pager", "Page 1 of").await;

    // A member with a long address: the members table stays inside its card.
    let admin = server
        .sign_in(ejento_server::seed::DEMO_USERS[0].0, ejento_server::seed::DEMO_PASSWORD)
        .await;
    let team = server
        .send(reqwest::Method::GET, &admin, "/api/v2/teams", serde_json::Value::Null)
        .await["teams"][0]["id"]
        .as_i64()
        .unwrap();
    let long = "maximiliana.vandersteenhoven-oppenheimer.research@laboratories.northwind.example";
    let org = server
        .send(
            reqwest::Method::GET,
            &admin,
            "/api/v2/users/me",
            serde_json::Value::Null,
        )
        .await["organization"]["id"]
        .as_i64()
        .unwrap();
    server
        .post(
            &admin,
            &format!("/api/v2/organizations/{org}/users"),
            serde_json::json!({"email": long, "first_name": "Maximiliana", "last_name": "Vandersteenhoven"}),
        )
        .await;
    server
        .post(
            &admin,
            &format!("/api/v2/teams/{team}/users"),
            serde_json::json!({"emails": [long]}),
        )
        .await;
    for width in [1280, 900] {
        browser.client.set_window_size(width, 860).await.expect("resize");
        browser.goto(&server.url(&format!("/teams/{team}"))).await;
        browser.wait_for_any_text(".members-table", "laboratories").await;
        let inside = browser
            .eval(
                "const card = document.querySelector('.members-table').closest('.card').getBoundingClientRect(); \
                 const frame = document.querySelector('.members-table').parentElement.getBoundingClientRect(); \
                 return frame.right <= card.right + 1 && document.documentElement.scrollWidth <= window.innerWidth;",
            )
            .await;
        assert_eq!(inside, true, "at {width} px the members table spills out of its card");
    }
    browser.close().await;
}

#[tokio::test]
async fn on_a_phone_nothing_scrolls_sideways_and_the_menu_closes() {
    let _serial = SERIAL.lock().await;
    let (server, browser) = demo(ejento_e2e::BrowserOptions {
        width: 390,
        height: 844,
        ..Default::default()
    })
    .await;
    browser.goto(&server.url("/agents")).await;
    browser.wait_for(".agent-card a").await;
    let agent = browser
        .eval("const a = [...document.querySelectorAll('a[href^=\"/agents/\"]')].map(a => a.getAttribute('href')).find(h => /^\\/agents\\/\\d+$/.test(h)); return a;")
        .await;
    let agent = agent.as_str().expect("an agent link").to_string();
    browser.goto(&server.url(&format!("{agent}/chat"))).await;
    browser.wait_for("#composer-input").await;
    browser
        .fill("#composer-input", "How long do refunds take?\u{E007}")
        .await;
    browser.wait_for(".turn .turn-actions").await;
    let overflow = browser
        .eval("return document.documentElement.scrollWidth - window.innerWidth")
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "the chat scrolls sideways by {overflow} px"
    );
    // The menu opens as a drawer over a dimmed page, and closes by its × or a tap beside it.
    browser.click("#nav-toggle").await;
    browser.wait_for(".app.nav-open").await;
    let covered = browser
        .eval("const b = document.querySelector('.nav-backdrop').getBoundingClientRect(); return b.width > 0 && getComputedStyle(document.querySelector('.nav-backdrop')).display !== 'none';")
        .await;
    assert_eq!(covered, true, "a backdrop behind the drawer");
    // The drawer slides in (0.2 s) before a person taps its ×.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    browser.screenshot("phone-menu-open").await;
    browser.click("#nav-close").await;
    browser.wait_for_count(".app.nav-open", 0).await;
    browser.click("#nav-toggle").await;
    browser.wait_for(".app.nav-open").await;
    let beside = browser
        .eval("const e = document.elementFromPoint(window.innerWidth - 10, window.innerHeight / 2); return [window.innerWidth, window.innerHeight, e ? e.className : null];")
        .await;
    assert_eq!(
        beside[2], "nav-backdrop",
        "a tap beside the drawer lands on the backdrop: {beside}"
    );
    browser
        .eval("document.elementFromPoint(window.innerWidth - 10, window.innerHeight / 2).click(); return true;")
        .await;
    browser.wait_for_count(".app.nav-open", 0).await;
    browser.close().await;
}
