//! The dashboard in headless Chromium against the real server serving the release build.

use ejento_e2e::{Browser, SERIAL, Server};

const PASSWORD: &str = "a-good-password";

async fn log_in(browser: &Browser, email: &str, password: &str) {
    browser.fill("#login-email", email).await;
    browser.fill("#login-password", password).await;
    browser.click("#login-submit").await;
}

#[tokio::test]
async fn register_log_out_and_log_in_again() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let browser = Browser::launch().await;

    browser.goto(&server.url("/register")).await;
    browser.wait_for("#register-form").await;
    browser.screenshot("register").await;
    // The form checks its input before sending anything.
    browser.fill("#register-email", "not an address").await;
    browser.click("#register-submit").await;
    browser.wait_for("#register-email-error").await;
    browser.wait_for("#register-name-error").await;

    browser.fill("#register-name", "Ada Lovelace").await;
    browser.fill("#register-email", "ada@example.com").await;
    browser.fill("#register-password", PASSWORD).await;
    browser.fill("#register-organization", "Analytical Engines").await;
    browser.click("#register-submit").await;
    browser.wait_for_text("#user-name", "Ada Lovelace").await;
    browser.wait_for_text("#welcome", "Welcome, Ada").await;
    browser.screenshot("home").await;

    browser.click("#user-menu-button").await;
    browser.wait_for("#logout").await;
    browser.screenshot("user-menu").await;
    browser.click("#logout").await;
    browser.wait_for("#login-form").await;
    assert_eq!(browser.eval(NO_TOKEN_IN_REACH).await, serde_json::json!([]));
    browser.screenshot("login").await;

    log_in(&browser, "ada@example.com", PASSWORD).await;
    browser.wait_for_text("#user-name", "Ada Lovelace").await;
    browser.close().await;
}

#[tokio::test]
async fn a_wrong_password_shows_the_servers_message() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    server.register("grace@example.com", PASSWORD, "Grace Hopper").await;
    let browser = Browser::launch().await;
    browser.goto(&server.url("/login")).await;
    log_in(&browser, "grace@example.com", "not-the-password").await;
    browser
        .wait_for_text(".form-error", "Incorrect e-mail or password.")
        .await;
    // Said once: in the form, not again in a toast.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(browser.count(".toast-message").await, 0);
    browser.screenshot("login-error").await;
    browser.close().await;
}

#[tokio::test]
async fn a_deep_link_while_signed_out_returns_there_after_sign_in() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    server.register("kate@example.com", PASSWORD, "Katherine Johnson").await;
    let browser = Browser::launch().await;
    browser.goto(&server.url("/projects?search=kb")).await;
    let url = browser.wait_for_url("the login page", |u| u.path() == "/login").await;
    assert_eq!(
        url.query_pairs()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned())
            .as_deref(),
        Some("/projects?search=kb")
    );
    log_in(&browser, "kate@example.com", PASSWORD).await;
    let back = browser.wait_for_url("/projects", |u| u.path() == "/projects").await;
    assert_eq!(back.query(), Some("search=kb"), "the filter survives the sign-in");
    assert_eq!(browser.value("#search").await, "kb");
    browser.wait_for_text("#user-name", "Katherine Johnson").await;
    browser.screenshot("projects-filtered").await;

    // The Evaluations section says what it needs first.
    browser.click("#nav-evaluations").await;
    browser
        .wait_for_url("/evaluations", |u| u.path() == "/evaluations")
        .await;
    browser.wait_for_text("main h1", "Evaluations").await;
    browser
        .wait_for_any_text(".empty-state", "Create an agent, or ask")
        .await;

    browser.click("#user-menu-button").await;
    browser.click("#menu-change-password").await;
    browser.wait_for("#change-password-form").await;
    browser.screenshot("change-password").await;

    browser.goto(&server.url("/no/such/page")).await;
    browser.wait_for_text("main h1", "Page not found").await;
    browser.screenshot("not-found").await;
    browser.close().await;
}

#[tokio::test]
async fn changing_the_password_from_the_menu() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    server.register("alan@example.com", PASSWORD, "Alan Turing").await;
    let browser = Browser::launch().await;
    browser.goto(&server.url("/account/password")).await;
    log_in(&browser, "alan@example.com", PASSWORD).await;
    browser.wait_for("#change-password-form").await;
    browser.fill("#current-password", "wrong-current").await;
    browser.fill("#new-password", "a-better-password").await;
    browser.fill("#confirm-password", "a-better-password").await;
    browser.click("#change-password-submit").await;
    browser
        .wait_for_text("#current-password-error", "The current password is not correct.")
        .await;

    browser.fill("#current-password", PASSWORD).await;
    browser.click("#change-password-submit").await;
    browser
        .wait_for_text(
            ".toast-message",
            "Password updated. Other devices have been signed out.",
        )
        .await;

    browser.click("#user-menu-button").await;
    browser.click("#logout").await;
    log_in(&browser, "alan@example.com", "a-better-password").await;
    browser.wait_for_text("#user-name", "Alan Turing").await;
    browser.close().await;
}

#[tokio::test]
async fn the_theme_toggle_switches_and_remembers() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let browser = Browser::launch().await;
    browser.goto(&server.url("/passwordless")).await;
    browser.wait_for("#passwordless-form").await;
    browser.screenshot("passwordless").await;
    let theme = "return document.documentElement.getAttribute('data-theme')";
    let background = "return getComputedStyle(document.body).backgroundColor";
    assert_eq!(
        browser.eval(theme).await,
        serde_json::Value::Null,
        "follows the system until chosen"
    );
    let light_bg = browser.eval(background).await;
    browser.click("#theme-toggle").await;
    assert_eq!(browser.eval(theme).await, "dark");
    assert_ne!(browser.eval(background).await, light_bg, "the colours change");
    browser.screenshot("passwordless-dark").await;
    browser.client.refresh().await.expect("reload");
    browser.wait_for("#passwordless-form").await;
    assert_eq!(browser.eval(theme).await, "dark", "the choice survives a reload");
    browser.click("#theme-toggle").await;
    assert_eq!(browser.eval(theme).await, "light");
    browser.close().await;
}

/// What page scripts can reach of a sign-in: every `localStorage` entry long enough to be a
/// token (ours are 43 characters and more), and any cookie `document.cookie` shows.
const NO_TOKEN_IN_REACH: &str = "return Object.entries(localStorage).filter(([k, v]) => v.length > 20) \
     .map(([k]) => k).concat(document.cookie ? [document.cookie] : []);";

#[tokio::test]
async fn the_sign_in_survives_reloads_and_tabs_without_a_token_in_reach_of_scripts() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    server.register("mary@example.com", PASSWORD, "Mary Jackson").await;
    let browser = Browser::launch().await;
    browser.goto(&server.url("/login")).await;
    log_in(&browser, "mary@example.com", PASSWORD).await;
    browser.wait_for_text("#user-name", "Mary Jackson").await;
    assert_eq!(browser.eval(NO_TOKEN_IN_REACH).await, serde_json::json!([]));

    // A reload forgets the access token (it was in memory): the HttpOnly cookie gets a new one.
    browser.client.refresh().await.expect("reload");
    browser.wait_for_text("#user-name", "Mary Jackson").await;
    // So does a second tab, and both keep working.
    let first = browser.client.window().await.unwrap();
    let second = browser.client.new_window(true).await.unwrap();
    browser.client.switch_to_window(second.handle).await.unwrap();
    browser.goto(&server.url("/teams")).await;
    browser.wait_for_text("#user-name", "Mary Jackson").await;
    browser.client.switch_to_window(first).await.unwrap();
    browser.goto(&server.url("/projects")).await;
    browser.wait_for_text("#user-name", "Mary Jackson").await;
    assert_eq!(browser.eval(NO_TOKEN_IN_REACH).await, serde_json::json!([]));

    // Signing out ends the sign-in on the server and clears the cookie: a page that still
    // believes it is signed in cannot get a token and goes to the login page.
    browser.click("#user-menu-button").await;
    browser.click("#logout").await;
    browser.wait_for("#login-form").await;
    browser
        .eval("localStorage.setItem('ejento.signed_in', '1'); return null")
        .await;
    browser.goto(&server.url("/teams")).await;
    let url = browser.wait_for_url("the login page", |u| u.path() == "/login").await;
    assert!(url.query().unwrap_or_default().contains("expired=1"), "{url}");
    browser.wait_for("#login-form").await;
    browser.close().await;
}

#[tokio::test]
async fn the_help_menu_leads_to_an_api_reference_that_renders_this_servers_document() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    server.register("reader@example.com", PASSWORD, "Rea Der").await;
    let browser = Browser::launch().await;
    browser.sign_in(&server, "reader@example.com", PASSWORD).await;

    browser.click("#help-menu-button").await;
    let link = browser.wait_for("#menu-api-reference").await;
    assert_eq!(
        link.attr("href").await.expect("href").as_deref(),
        Some("/api-reference")
    );
    assert_eq!(link.attr("target").await.expect("target").as_deref(), Some("_blank"));
    browser.screenshot("help-menu").await;
    // A signed-up founder is a Global Admin, who manages API keys from here too.
    browser.wait_for("#menu-api-keys").await;

    // The page is the server's, not the dashboard's: Redoc from this server, under its own
    // policy, reading the served document. Its operations appear by their summaries.
    let _ = browser.console().await;
    browser.goto(&server.url("/api-reference")).await;
    browser.wait_for_any_text("h2", "OpenAPI document of this server").await;
    browser.wait_for_any_text("h2", "Stream Agent Response").await;
    assert_eq!(browser.count("#loading").await, 0, "the loading notice is gone");
    browser.screenshot("api-reference").await;
    let faults: Vec<_> = browser
        .console()
        .await
        .into_iter()
        .filter(|entry| entry.level == "SEVERE")
        .map(|entry| entry.message)
        .collect();
    assert!(
        faults.is_empty(),
        "the reference page runs under its policy: {faults:?}"
    );

    // It follows the dashboard's theme.
    browser
        .eval("localStorage.setItem('ejento.theme', 'dark'); return true;")
        .await;
    browser.client.refresh().await.expect("reload");
    browser.wait_for_any_text("h2", "OpenAPI document of this server").await;
    assert_eq!(
        browser
            .eval("return document.documentElement.getAttribute('data-theme')")
            .await,
        "dark"
    );
    assert_eq!(
        browser
            .eval("return getComputedStyle(document.body).backgroundColor")
            .await,
        "rgb(15, 17, 21)"
    );
    browser.screenshot("api-reference-dark").await;
    browser.close().await;
}
