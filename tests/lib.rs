//! End-to-end harness: the real server (fresh SQLite per test) serving the release build in
//! `dist/`, driven by headless Chromium through chromedriver.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use ejento_server::{Application, Config};
use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// The server binary, run by the server as its parse child. `cargo test --workspace` builds
/// it beside this test binary (target/<profile>/deps/…).
fn server_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let binary = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps")
        .join("ejento-server");
    assert!(
        binary.exists(),
        "{} is missing: build it first (`cargo build -p ejento-server`; `cargo test --workspace` does)",
        binary.display()
    );
    binary
}

async fn wait_until_serving(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/")).await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start at {base}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The workspace root (this crate lives in `tests/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// One browser test at a time: two cores do not run several Chromiums and a build well.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Server {
    pub base: String,
    /// The server's store, for writing generated history directly.
    pub store: ejento_server::store::Store,
    /// The server's object store, for seeding documents directly.
    pub objects: ejento_server::objects::Objects,
    /// Set when the server runs as its own process ([`Server::start_process`]).
    process: Option<ServerProcess>,
    _dir: tempfile::TempDir,
}

/// The server binary run as its own process, so that a test can kill it (-9, as a crash does)
/// and start it again on the same database, folders and port.
struct ServerProcess {
    child: std::process::Child,
    env: Vec<(String, String)>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    fn spawn(env: &[(String, String)]) -> Self {
        let child = std::process::Command::new(server_binary())
            .arg("serve")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        Self {
            child,
            env: env.to_vec(),
        }
    }
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts the server with some settings changed.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dist = workspace_root().join("dist");
        assert!(
            dist.join("index.html").exists(),
            "dist/index.html is missing: build the dashboard first (`trunk build --release`, done by `make test`)"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_database(format!("sqlite://{}?mode=rwc", dir.path().join("e2e.db").display()));
        config.dist = dist;
        config.parse_program = Some(server_binary());
        config.outbox_dir = dir.path().join("outbox");
        config.object_store = dir.path().join("objects").display().to_string();
        config.index_dir = dir.path().join("index");
        tweak(&mut config);
        let app = Application::build(config).await.expect("server starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        let store = app.state().store.clone();
        let objects = app.state().objects.clone();
        tokio::spawn(app.run_until_stopped());
        Self {
            base,
            store,
            objects,
            process: None,
            _dir: dir,
        }
    }

    /// Starts the server binary as its own process on a fresh SQLite database, `env` last.
    pub async fn start_process(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!("sqlite://{}?mode=rwc", dir.path().join("e2e.db").display());
        let port = free_port();
        let mut all: Vec<(String, String)> = [
            ("EJENTO_DATABASE_URL", database.clone()),
            ("EJENTO_BIND", format!("127.0.0.1:{port}")),
            ("EJENTO_DIST", workspace_root().join("dist").display().to_string()),
            ("EJENTO_OUTBOX_DIR", dir.path().join("outbox").display().to_string()),
            ("EJENTO_OBJECT_STORE", dir.path().join("objects").display().to_string()),
            ("EJENTO_INDEX_DIR", dir.path().join("index").display().to_string()),
            ("RUST_LOG", "warn".to_string()),
            // As `Config::for_database` for in-process servers: keyword search unless a test asks.
            ("EJENTO_EMBEDDING_MODEL_DIR", "off".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let process = ServerProcess::spawn(&all);
        let base = format!("http://127.0.0.1:{port}");
        wait_until_serving(&base).await;
        let db = ejento_server::db::Db::connect(&database).await.expect("the database");
        let objects = ejento_server::objects::Objects::open(&dir.path().join("objects").display().to_string())
            .expect("the object store");
        Self {
            base,
            store: ejento_server::store::Store::new(db),
            objects,
            process: Some(process),
            _dir: dir,
        }
    }

    /// Kills the server process (-9: nothing it holds in memory survives, as in a crash) and
    /// starts it again on the same database, folders and port.
    pub async fn crash_and_restart(&mut self) {
        let process = self.process.take().expect("a server started with start_process");
        let env = process.env.clone();
        drop(process);
        self.process = Some(ServerProcess::spawn(&env));
        wait_until_serving(&self.base).await;
    }

    /// Starts the server with its clock running from `instant` (RFC 3339; `None`: real time).
    /// The dashboard it serves follows that clock.
    pub async fn start_at(instant: Option<&str>) -> Self {
        let clock = instant.map(str::to_string);
        Self::start_with(move |c| c.clock_start = clock).await
    }

    /// The demo organization (`make run`'s) with `responses` answered questions of history,
    /// which also brings its people to more than a page.
    pub async fn seed_demo(&self, responses: u64) {
        ejento_server::seed::seed_demo(&self.store, &self.objects)
            .await
            .expect("demo seed");
        ejento_server::seed::ensure_demo_history(&self.store, responses)
            .await
            .expect("demo history");
    }

    /// Signs in over the API (setup that is not under test); the access token.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let res = reqwest::Client::new()
            .post(self.url("/auth-service/api/v2/login/access-token"))
            .json(&json!({"username": email, "password": password}))
            .send()
            .await
            .expect("sign-in request");
        assert!(res.status().is_success(), "{email} signs in: {}", res.status());
        let body: Value = res.json().await.expect("a JSON answer");
        body["data"]["ejento_access_token"]
            .as_str()
            .expect("an access token")
            .to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Registers an account over the API (setup that is not under test); returns its access token.
    pub async fn register(&self, email: &str, password: &str, full_name: &str) -> String {
        let res = reqwest::Client::new()
            .post(self.url("/auth-service/api/v2/users/signup"))
            .json(&json!({"email": email, "password": password, "full_name": full_name}))
            .send()
            .await
            .expect("signup request");
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.expect("a JSON answer");
        body["data"]["ejento_access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Uploads a text file into a corpus (setup) and waits until it is indexed; its id.
    pub async fn add_document(&self, token: &str, corpus: i64, name: &str, text: &str) -> i64 {
        let form = reqwest::multipart::Form::new().text("content_type", "file").part(
            "source",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string()),
        );
        let res = reqwest::Client::new()
            .post(self.url(&format!("/indexing-service/api/v2/corpora/{corpus}/documents")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.expect("a JSON answer");
        let id = body["data"]["id"].as_i64().expect("a document id");
        for _ in 0..300 {
            let doc: serde_json::Value = reqwest::Client::new()
                .get(self.url(&format!("/api/v2/documents/{id}")))
                .bearer_auth(token)
                .send()
                .await
                .expect("poll")
                .json()
                .await
                .expect("a JSON answer");
            if doc["data"]["step"] == "indexed" {
                return id;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{name} was not indexed");
    }

    /// An agent in a new team and project (setup); its id and the id of its default corpus.
    pub async fn agent(&self, token: &str, agent_name: &str) -> (i64, i64) {
        let team = self
            .post(token, "/api/v2/teams", json!({"name": format!("{agent_name} team")}))
            .await;
        let project = self
            .post(
                token,
                "/api/v2/projects",
                json!({"name": format!("{agent_name} project"), "team_id": team["id"]}),
            )
            .await;
        let agent = self
            .post(
                token,
                "/api/v2/agents",
                json!({"project_id": project["id"], "agent_name": agent_name}),
            )
            .await["id"]
            .as_i64()
            .expect("an agent id");
        let corpora = self
            .send(
                reqwest::Method::GET,
                token,
                &format!("/api/v2/agents/{agent}/corpora"),
                serde_json::Value::Null,
            )
            .await;
        let corpus = corpora["items"]["agent_corpus"][0]["corpus_id"]
            .as_i64()
            .expect("the agent's corpus");
        (agent, corpus)
    }

    /// A setup call over the API as `token`; returns `data`.
    pub async fn post(&self, token: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        self.send(reqwest::Method::POST, token, path, body).await
    }

    /// A read as `token`, as the API's own type (so a test reads what the dashboard reads).
    pub async fn get_as<T: serde::de::DeserializeOwned>(&self, token: &str, path: &str) -> T {
        let data = self
            .send(reqwest::Method::GET, token, path, serde_json::Value::Null)
            .await;
        serde_json::from_value(data).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A setup call with any method; returns `data`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let res = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("setup request");
        assert!(res.status().is_success(), "setup {path} failed: {}", res.status());
        let body: serde_json::Value = res.json().await.expect("a JSON answer");
        body["data"].clone()
    }
}

pub struct Browser {
    pub client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// How a browser is started: its time zone and window size.
#[derive(Debug, Clone, Copy)]
pub struct BrowserOptions {
    /// IANA zone the browser lives in (`TZ`); the machine's when `None`.
    pub zone: Option<&'static str>,
    pub width: u32,
    pub height: u32,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self {
            zone: None,
            width: 1280,
            height: 860,
        }
    }
}

/// One line of the browser's console (or of its network log), as chromedriver reports it.
#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    /// `SEVERE`, `WARNING`, `INFO`…
    pub level: String,
    /// `console-api`, `javascript` (uncaught), `network`…
    pub source: String,
    pub message: String,
}

/// chromedriver's log endpoint, which W3C WebDriver lacks (`goog:loggingPrefs` turns it on).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

impl Browser {
    pub async fn launch() -> Self {
        Self::launch_with(BrowserOptions::default()).await
    }

    /// Everything logged since the last call (chromedriver hands each entry out once).
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        let log = self.client.issue_cmd(BrowserLog).await.expect("the browser's log");
        log.as_array()
            .into_iter()
            .flatten()
            .map(|e| ConsoleEntry {
                level: e["level"].as_str().unwrap_or_default().to_string(),
                source: e["source"].as_str().unwrap_or_default().to_string(),
                message: e["message"].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }

    pub async fn launch_with(options: BrowserOptions) -> Self {
        let port = free_port();
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let mut command = Command::new(&driver_bin);
        if let Some(zone) = options.zone {
            // chromedriver passes its environment on to Chromium, whose clock then lives there.
            command.env("TZ", zone);
        }
        let driver = command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_bin} ({e}): run scripts/setup.sh"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start listening");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", format!("--window-size={},{}", options.width, options.height),
                    "--force-prefers-color-scheme=light",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        if options.width < 600 {
            // A desktop window is never narrower than 500 px: phones are emulated, with a
            // viewport of exactly their width and touch.
            caps["goog:chromeOptions"]["mobileEmulation"] = json!({
                "deviceMetrics": {"width": options.width, "height": options.height, "pixelRatio": 3.0, "touch": true}
            });
        }
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("connect to chromedriver");
        Self {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Signs in through the login page and waits for the signed-in shell.
    pub async fn sign_in(&self, server: &Server, email: &str, password: &str) {
        self.goto(&server.url("/login")).await;
        self.fill("#login-email", email).await;
        self.fill("#login-password", password).await;
        self.click("#login-submit").await;
        self.wait_for("#user-name").await;
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Waits up to 15 s for an element (the wasm app renders after it loads).
    pub async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => {
                self.screenshot("failure").await;
                let console: Vec<String> = self
                    .console()
                    .await
                    .into_iter()
                    .map(|c| format!("{} ({}): {}", c.level, c.source, c.message))
                    .collect();
                panic!("{css} did not appear: {e} (see target/screenshots/failure.png); console: {console:#?}")
            }
        }
    }

    /// Waits until the element's text equals `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = el.text().await
            {
                if text.trim() == expected {
                    return;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot("failure").await;
        panic!("{css} should read {expected:?}, last read {last:?} (see target/screenshots/failure.png)");
    }

    /// Waits until the current path (and query) satisfies `pred`.
    pub async fn wait_for_url(&self, what: &str, pred: impl Fn(&url::Url) -> bool) -> url::Url {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let url = self.client.current_url().await.expect("current url");
            if pred(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "URL never became {what}; it is {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    /// Chooses `value` in the `<select>` matching `css`, as a person picking it does (a `change` event).
    pub async fn choose(&self, css: &str, value: &str) {
        self.wait_for(css).await;
        let script = format!(
            "const s = document.querySelector({}); s.value = {}; s.dispatchEvent(new Event('change')); return s.value;",
            serde_json::Value::from(css),
            serde_json::Value::from(value)
        );
        assert_eq!(self.eval(&script).await, value, "{css} offers {value:?}");
    }

    pub async fn click(&self, css: &str) {
        let el = self.wait_for(css).await;
        // Centre it first: the sticky top bar must not cover what a person would click.
        let arg = serde_json::to_value(&el).expect("element reference");
        let _ = self
            .client
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
            .await;
        el.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.expect("script")
    }

    /// Runs `script` as an asynchronous script: it ends by calling
    /// `arguments[arguments.length - 1]` with its result (one round trip for a wait in the page).
    pub async fn eval_async(&self, script: &str) -> Value {
        self.client.execute_async(script, vec![]).await.expect("script")
    }

    /// Saves a PNG of the page to `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = workspace_root().join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

impl Browser {
    /// How many elements match now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Waits until exactly `n` elements match.
    pub async fn wait_for_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = 0;
        while Instant::now() < deadline {
            last = self.count(css).await;
            if last == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css}: expected {n} elements, saw {last}");
    }

    /// Waits until some element matching `css` contains `text`.
    pub async fn wait_for_any_text(&self, css: &str, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for el in elements {
                    if el.text().await.is_ok_and(|t| t.contains(text)) {
                        return;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot("failure").await;
        panic!("no {css} contains {text:?} (see target/screenshots/failure.png)");
    }

    /// Clicks the element matching `css` whose text contains `text`.
    pub async fn click_text(&self, css: &str, text: &str) {
        self.wait_for_any_text(css, text).await;
        for el in self.client.find_all(Locator::Css(css)).await.expect("elements") {
            if el.text().await.is_ok_and(|t| t.contains(text)) {
                el.click().await.expect("click");
                return;
            }
        }
    }

    /// The `value` property of a form control.
    pub async fn value(&self, css: &str) -> String {
        self.wait_for(css)
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    /// Accepts the confirmation dialog that the last action opened.
    /// Answers a `prompt()` with `text`.
    pub async fn answer_prompt(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.client.send_alert_text(text).await {
                Ok(()) => break,
                Err(e) => {
                    assert!(Instant::now() < deadline, "no prompt to answer: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        self.accept_dialog().await;
    }

    pub async fn accept_dialog(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.client.accept_alert().await {
                Ok(()) => return,
                Err(e) => {
                    assert!(Instant::now() < deadline, "no dialog to accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}
