//! The guard over every route: on the demo organization with more than a page of everything
//! that is paged, each role signs in through the form and opens every route of the dashboard;
//! a route fails on a console error, an uncaught exception, a wasm panic, a 5xx, an error
//! banner, or text nobody should see (source code, `NaN`, `undefined`, impossible dates). It
//! runs today and on hard days (month ends, 29 February, a DST change, New Year), with the
//! server's clock and the dashboard's following it, in time zones where the browser's day is
//! not the server's.

use ejento_e2e::{Browser, BrowserOptions, SERIAL, Server};
use ejento_server::seed::{DEMO_PASSWORD, DEMO_USERS};
use serde_json::{Value, json};

/// Lists get this many extra rows, so every pager has a second page.
const EXTRA: usize = 21;

/// What the demo organization holds besides its own seed, for the routes that take an id.
struct Scene {
    team: i64,
    project: i64,
    corpus: i64,
    document: i64,
    agent: i64,
    thread: i64,
    workflow: i64,
    user: i64,
    dataset: i64,
    runs: (i64, i64),
}

/// Setup over the API (not under test); `data` of the answer.
async fn call(server: &Server, method: reqwest::Method, token: &str, path: &str, body: Value) -> Value {
    server.send(method, token, path, body).await
}

async fn scene(server: &Server) -> Scene {
    use reqwest::Method;
    server.seed_demo(600).await;
    let admin = server.sign_in(DEMO_USERS[0].0, DEMO_PASSWORD).await;
    let org = call(server, Method::GET, &admin, "/api/v2/users/me", Value::Null).await["organization"]["id"]
        .as_i64()
        .expect("the demo organization");
    let get = |path: String| {
        let admin = admin.clone();
        async move { call(server, Method::GET, &admin, &path, Value::Null).await }
    };

    let teams = get("/api/v2/teams?items_per_page=100".into()).await;
    let team = teams["teams"][0]["id"].as_i64().expect("a demo team");
    let projects = get("/api/v2/projects?items_per_page=100".into()).await;
    let project = projects["projects"][0]["id"].as_i64().expect("a demo project");
    let agents = get("/api/v2/agents?items_per_page=100".into()).await;
    let agent_ids: Vec<i64> = agents["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .filter_map(|a| a["id"].as_i64())
        .collect();
    let agent = agent_ids[0];
    let corpora = get(format!("/api/v2/agents/{agent}/corpora")).await;
    let corpus = corpora["items"]["agent_corpus"][0]["corpus_id"]
        .as_i64()
        .expect("the agent's corpus");

    // More than a page of each paged list.
    for i in 0..EXTRA {
        let t = call(
            server,
            Method::POST,
            &admin,
            "/api/v2/teams",
            json!({"name": format!("Team {i:02}")}),
        )
        .await;
        call(
            server,
            Method::POST,
            &admin,
            "/api/v2/projects",
            json!({"name": format!("Project {i:02}"), "team_id": t["id"]}),
        )
        .await;
        call(
            server,
            Method::POST,
            &admin,
            "/api/v2/agents",
            json!({"project_id": project, "agent_name": format!("Agent {i:02}")}),
        )
        .await;
        call(
            server,
            Method::POST,
            &admin,
            "/api/v2/workflows",
            json!({"name": format!("Workflow {i:02}"), "project_id": project, "agent_ids": [agent_ids[0], agent_ids[1]], "supervisor_type": "router"}),
        )
        .await;
        call(
            server,
            Method::POST,
            &admin,
            &format!("/api/v2/agents/{agent}/evaluation-datasets"),
            json!({"name": format!("Dataset {i:02}")}),
        )
        .await;
        // Guardrails that never fire (the longest question is far away), and tools.
        call(
            server,
            Method::POST,
            &admin,
            &format!("/api/v2/organizations/{org}/guardrails"),
            json!({"name": format!("Length {i:02}"), "guardrail_type": "max_input_length", "config": {"max_characters": 10000}}),
        )
        .await;
        call(
            server,
            Method::POST,
            &admin,
            &format!("/api/v2/organizations/{org}/tools/attachment"),
            json!({"name": format!("Attachments {i:02}")}),
        )
        .await;
    }
    let mut document = 0;
    for i in 0..EXTRA {
        let form = reqwest::multipart::Form::new().text("content_type", "file").part(
            "source",
            reqwest::multipart::Part::bytes(format!("Note {i}: parcels leave the depot at {i} o'clock.").into_bytes())
                .file_name(format!("note-{i:02}.txt")),
        );
        let res = reqwest::Client::new()
            .post(server.url(&format!("/indexing-service/api/v2/corpora/{corpus}/documents")))
            .bearer_auth(&admin)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.expect("JSON");
        document = body["data"]["id"].as_i64().expect("a document id");
    }

    let thread = call(
        server,
        Method::POST,
        &admin,
        &format!("/response-service/api/v2/agents/{agent}/responses"),
        json!({"user_query": "How long do refunds take?", "chat_thread_id": null, "query_source": "web"}),
    )
    .await["thread_id"]
        .as_i64()
        .expect("a chat thread");
    let workflows = get("/api/v2/workflows?items_per_page=1".into()).await;
    let workflow = workflows["workflows"][0]["id"].as_i64().expect("a workflow");
    let users = get("/api/v2/users?items_per_page=100".into()).await;
    let user = users["users"][1]["id"].as_i64().expect("a second user");
    let dataset = call(
        server,
        Method::POST,
        &admin,
        &format!("/api/v2/agents/{agent}/evaluation-datasets"),
        json!({"name": "Refunds"}),
    )
    .await["id"]
        .as_i64()
        .expect("a dataset");
    call(
        server,
        Method::POST,
        &admin,
        &format!("/api/v2/evaluation-datasets/{dataset}/evaluation-queries"),
        json!({"question": "How long do refunds take?", "expected_answer": "Refunds take 14 days."}),
    )
    .await;
    // Questions are listed 25 to a page.
    let more: String = (0..30)
        .map(|i| format!("Question {i:02} about parcels?,Parcels leave at {i}.,\n"))
        .collect();
    call(
        server,
        Method::POST,
        &admin,
        &format!("/api/v2/evaluation-datasets/{dataset}/evaluation-queries"),
        json!({"import": format!("question,expected_answer,expected_sources\n{more}")}),
    )
    .await;
    let run = || async {
        call(
            server,
            Method::POST,
            &admin,
            "/api/v2/evaluations",
            json!({"dataset_id": dataset}),
        )
        .await["id"]
            .as_i64()
            .expect("a run")
    };
    let runs = (run().await, run().await);
    Scene {
        team,
        project,
        corpus,
        document,
        agent,
        thread,
        workflow,
        user,
        dataset,
        runs,
    }
}

/// Every route of the dashboard, with real ids.
fn routes(s: &Scene) -> Vec<String> {
    let mut routes: Vec<String> = [
        "/",
        "/account/password",
        "/chats",
        "/chats?search=refund",
        "/teams",
        "/teams?page=2",
        "/projects",
        "/projects?page=2",
        "/corpora",
        "/corpora?page=2",
        "/agents",
        "/agents?page=2",
        "/agents/new",
        "/workflows",
        "/workflows?page=2",
        "/workflows/new",
        "/analytics",
        "/analytics?range=7d",
        "/analytics?range=90d",
        "/analytics?range=12m&tab=agents",
        "/analytics?range=24h&tab=users",
        "/admin",
        "/admin?page=2",
        "/admin/chat-logs",
        "/admin/chat-logs?page=2",
        "/admin/api-keys",
        "/admin/guardrails",
        "/admin/guardrails?page=2",
        "/admin/models",
        "/admin/audit-log",
        "/admin/audit-log?page=2",
        "/admin/tools",
        "/admin/tools?page=2",
        "/admin/notifications",
        "/evaluations",
        "/no/such/page",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    routes.extend([
        format!("/teams/{}", s.team),
        format!("/projects/{}", s.project),
        format!("/corpora/{}", s.corpus),
        format!("/corpora/{}?page=2", s.corpus),
        format!("/documents/{}", s.document),
        format!("/agents/{}", s.agent),
        format!("/agents/{}?tab=configuration", s.agent),
        format!("/agents/{}?tab=access", s.agent),
        format!("/agents/{}?tab=history", s.agent),
        format!("/agents/{}?tab=reviews", s.agent),
        format!("/agents/{}/chat", s.agent),
        format!("/agents/{}/chat/{}", s.agent, s.thread),
        format!("/workflows/{}", s.workflow),
        format!("/workflows/{}/edit", s.workflow),
        format!("/admin/users/{}", s.user),
        format!("/evaluations?agent={}", s.agent),
        format!("/evaluations?agent={}&page=2", s.agent),
        format!("/evaluations/datasets/{}?page=2", s.dataset),
        format!("/evaluations/datasets/{}", s.dataset),
        format!("/evaluations/runs/{}", s.runs.0),
        format!("/evaluations/compare?base={}&candidate={}", s.runs.0, s.runs.1),
    ]);
    routes
}

/// Text no person should ever read on a page.
fn bad_text(text: &str) -> Option<String> {
    for needle in [
        "NaN",
        "undefined",
        "move |",
        "on:click",
        "=>",
        "{}",
        "[object Object]",
        "0000-",
        "-00 ",
        "panicked",
    ] {
        if let Some(at) = text.find(needle) {
            let from = text[..at].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
            let to = text[at..].char_indices().nth(40).map_or(text.len(), |(i, _)| at + i);
            return Some(format!("{needle:?} in …{}…", &text[from..to]));
        }
    }
    // Raw ISO timestamps ("2026-12-04T17:59:37.255819Z") are for machines; people read local times.
    let bytes = text.as_bytes();
    if let Some(at) = bytes.windows(14).position(|w| {
        w[..4].iter().all(u8::is_ascii_digit) && w[4] == b'-' && w[7] == b'-' && w[10] == b'T' && w[13] == b':'
    }) {
        return Some(format!(
            "a raw timestamp: {}",
            String::from_utf8_lossy(&bytes[at..(at + 27).min(bytes.len())])
        ));
    }
    // A plural after one: "1 checkpoints" ("1 corpus", "1 analysis" are fine).
    let words: Vec<&str> = text.split_whitespace().collect();
    for pair in words.windows(2) {
        let next = pair[1].trim_end_matches([',', '.', ')', ':']);
        if pair[0] == "1"
            && next.len() > 3
            && next.chars().all(|c| c.is_ascii_lowercase())
            && next.ends_with('s')
            && !["ss", "us", "is"].iter().any(|end| next.ends_with(end))
        {
            return Some(format!("a plural after one: \"1 {next}\""));
        }
    }
    // Dates must be real ones of this century. Digits and dashes are ASCII, so a match found
    // in the bytes is also whole characters.
    for window in bytes.windows(10) {
        let looks_like_date = window.iter().enumerate().all(|(j, b)| match j {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
        if looks_like_date {
            let number =
                |r: std::ops::Range<usize>| -> u32 { window[r].iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')) };
            let (y, m, d) = (number(0..4), number(5..7), number(8..10));
            if !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
                return Some(format!("impossible date {}", String::from_utf8_lossy(window)));
            }
        }
    }
    None
}

/// What a route showed a role.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// The page itself.
    Shown,
    /// A notice saying what access is needed.
    Forbidden,
}

/// Opens `route` inside the running dashboard, as its own links do (a full load per route
/// would spend most of the test instantiating the same wasm), and checks it; what it showed,
/// or every problem found.
async fn visit(browser: &Browser, route: &str) -> Result<Outcome, Vec<String>> {
    // The page's calls in flight are counted (installed once per page load), so that "settled"
    // means no call pending as well as nothing in view saying "Loading…".
    let go = format!(
        "if (window.__inflight === undefined) {{ \
           window.__inflight = 0; const fetch = window.fetch.bind(window); \
           window.fetch = (...args) => {{ window.__inflight++; \
             return fetch(...args).finally(() => {{ window.__inflight--; }}); }}; \
         }} \
         history.pushState(null, '', {}); dispatchEvent(new PopStateEvent('popstate', {{state: null}})); return true;",
        Value::String(route.to_string())
    );
    browser.eval(&go).await;
    let mut problems = Vec::new();
    // Settled: the shell is there, no call is pending and nothing in view has said "Loading…"
    // for a moment (a call that starts from another's result starts within it). Waited for in
    // the page, in one round trip.
    let settled = browser
        .eval_async(
            "const done = arguments[arguments.length - 1]; \
             const started = performance.now(); let quietSince = null; \
             const tick = () => { \
               const main = document.querySelector('#main'); \
               const busy = !main || window.__inflight > 0 || main.innerText.trim() === '' || \
                 [...main.querySelectorAll('.loading, [aria-busy=true]')].some(e => e.checkVisibility()); \
               const now = performance.now(); \
               if (busy) { quietSince = null; } else { quietSince ??= now; if (now - quietSince >= 100) return done(true); } \
               if (now - started > 15000) return done(false); \
               setTimeout(tick, 10); \
             }; \
             tick();",
        )
        .await;
    if settled != Value::Bool(true) {
        problems.push("still loading after 15 s".to_string());
    }
    for entry in browser.console().await {
        let message = &entry.message;
        let failing = match entry.level.as_str() {
            "SEVERE" => {
                // A refused call the page handles (a 403 shown as a notice, a 404 shown as
                // not found) is the network's business, not a fault; a 5xx never is.
                let handled_4xx = entry.source == "network"
                    && ["status of 401", "status of 403", "status of 404"]
                        .iter()
                        .any(|s| message.contains(s));
                !handled_4xx
            }
            "WARNING" => entry.source != "deprecation",
            _ => message.contains("panicked"),
        };
        if failing {
            problems.push(format!("console {} ({}): {message}", entry.level, entry.source));
        }
    }
    let page = browser
        .eval(
            "const main = document.querySelector('#main'); \
             const alerts = [...document.querySelectorAll('.form-error, [role=alert]')] \
               .filter(e => e.checkVisibility() && e.innerText.trim() !== '') \
               .map(e => e.innerText.trim()); \
             return { text: document.body.innerText, alerts, \
                      forbidden: !!(main && main.querySelector('.forbidden')), \
                      forbiddenText: main && main.querySelector('.forbidden') ? main.querySelector('.forbidden').innerText : '', \
                      wide: document.documentElement.scrollWidth > window.innerWidth + 1 };",
        )
        .await;
    if let Some(bad) = bad_text(page["text"].as_str().unwrap_or_default()) {
        problems.push(format!("text: {bad}"));
    }
    for alert in page["alerts"].as_array().into_iter().flatten() {
        problems.push(format!("error shown: {}", alert.as_str().unwrap_or_default()));
    }
    if page["wide"] == Value::Bool(true) {
        problems.push("the page scrolls sideways".into());
    }
    let forbidden = page["forbidden"] == Value::Bool(true);
    if forbidden && !page["forbiddenText"].as_str().unwrap_or_default().contains("You need") {
        problems.push(format!(
            "a refusal that does not say what is needed: {}",
            page["forbiddenText"]
        ));
    }
    if problems.is_empty() {
        Ok(if forbidden { Outcome::Forbidden } else { Outcome::Shown })
    } else {
        Err(problems)
    }
}

/// What a role must meet on a route.
#[derive(Debug, PartialEq)]
enum Expect {
    Shown,
    /// The notice saying what is needed (pages the role cannot use).
    Refused,
    /// Either: a page about something the person may or may not have been given access to.
    Either,
}

fn expect(role: &str, route: &str) -> Expect {
    let path = route.split('?').next().unwrap_or_default();
    let refused = match role {
        "Global Admin" => false,
        "Application Admin" => ["/admin/api-keys", "/admin/audit-log"].contains(&path),
        // A User's own notification settings are the one Admin page for everyone.
        _ => path.starts_with("/admin") && path != "/admin/notifications",
    };
    let about_one_thing = path.chars().any(|c| c.is_ascii_digit()) || route.contains("base=");
    match (refused, about_one_thing) {
        (true, _) => Expect::Refused,
        (false, true) if role == "User" => Expect::Either,
        _ => Expect::Shown,
    }
}

/// Every role opens every route on the server's day; panics with everything that went wrong.
async fn every_route_on(clock: Option<&str>, zone: Option<&'static str>, expect_today: Option<&str>) {
    let _serial = SERIAL.lock().await;
    let server = Server::start_at(clock).await;
    let scene = scene(&server).await;
    let routes = routes(&scene);
    let browser = Browser::launch_with(BrowserOptions {
        zone,
        ..BrowserOptions::default()
    })
    .await;
    let mut failures = Vec::new();
    // One account of each role (the demo has two Users).
    let mut roles_done = Vec::new();
    for (email, _, _, role) in DEMO_USERS {
        let role = role.as_str();
        if roles_done.contains(&role) {
            continue;
        }
        roles_done.push(role);
        browser.goto(&server.url("/login")).await;
        browser.eval("localStorage.clear(); return true;").await;
        browser.sign_in(&server, email, DEMO_PASSWORD).await;
        let _ = browser.console().await;
        // Only administrators see Admin in the navigation; everyone has notification settings.
        let admin_in_nav = browser
            .eval("const a = document.querySelector('#nav-admin'); return !!a && a.offsetParent !== null;")
            .await;
        if admin_in_nav != Value::Bool(role != "User") {
            failures.push(format!("{role}: Admin in the navigation is {admin_in_nav}"));
        }
        // The dashboard's today is the server's clock in the browser's zone: the day given, or
        // for real time the UTC day (the browser runs in UTC then) read before and after, so a
        // midnight passing meanwhile cannot fail it.
        let utc_today = || ejento_server::clock::now().date().to_string();
        let before = utc_today();
        browser.goto(&server.url("/analytics?range=30d")).await;
        browser.wait_for("#analytics-range").await;
        let shown = browser
            .eval("return document.querySelector('#analytics-range').textContent")
            .await;
        let shown = shown.as_str().unwrap_or_default().to_string();
        let days = match expect_today {
            Some(day) => vec![day.to_string()],
            None => vec![before, utc_today()],
        };
        if !days.iter().any(|d| shown.contains(&format!(" to {d}"))) {
            failures.push(format!("{role}: analytics range {shown:?} does not end on {days:?}"));
        }
        for route in &routes {
            match visit(&browser, route).await {
                Ok(outcome) => match (expect(role, route), outcome) {
                    // Administrators see everything: each list's second page is a real one.
                    (Expect::Shown, Outcome::Shown)
                        if role != "User"
                            && route.contains("page=2")
                            && browser
                                .eval("return document.querySelector('#main').innerText.includes('Page 2 of')")
                                .await
                                != Value::Bool(true) =>
                    {
                        failures.push(format!("{role} {route}: no second page"))
                    }
                    (Expect::Refused, Outcome::Shown) => {
                        failures.push(format!("{role} {route}: shown, but this role cannot use it"))
                    }
                    (Expect::Shown, Outcome::Forbidden) => failures.push(format!("{role} {route}: refused")),
                    _ => {}
                },
                Err(problems) => {
                    let shot = format!(
                        "route-{}-{}",
                        role.replace(' ', "-"),
                        route.replace(['/', '?', '&', '='], "_")
                    );
                    browser.screenshot(&shot).await;
                    failures.push(format!("{role} {route}: {}", problems.join(" | ")));
                }
            }
        }
    }
    browser.close().await;
    assert!(
        failures.is_empty(),
        "{} problems on {}:\n{}",
        failures.len(),
        clock.unwrap_or("today"),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_route_today() {
    every_route_on(None, Some("UTC"), None).await;
}

#[tokio::test]
async fn every_route_on_29_february() {
    every_route_on(Some("2024-02-29T12:00:00Z"), None, Some("2024-02-29")).await;
}

#[tokio::test]
async fn every_route_on_the_first_of_a_month_in_a_zone_behind_utc() {
    // 02:00 UTC on 1 March is still 28 February in Los Angeles.
    every_route_on(
        Some("2026-03-01T02:00:00Z"),
        Some("America/Los_Angeles"),
        Some("2026-02-28"),
    )
    .await;
}

#[tokio::test]
async fn every_route_on_the_last_of_a_month() {
    every_route_on(Some("2026-04-30T12:00:00Z"), Some("Europe/Berlin"), Some("2026-04-30")).await;
}

#[tokio::test]
async fn every_route_on_a_dst_change() {
    // New York moves its clocks forward at 02:00 on 8 March 2026.
    every_route_on(
        Some("2026-03-08T15:00:00Z"),
        Some("America/New_York"),
        Some("2026-03-08"),
    )
    .await;
}

#[tokio::test]
async fn every_route_at_new_year() {
    // 23:30 UTC on New Year's Eve is already 1 January in Tokyo.
    every_route_on(Some("2026-12-31T23:30:00Z"), Some("Asia/Tokyo"), Some("2027-01-01")).await;
}
