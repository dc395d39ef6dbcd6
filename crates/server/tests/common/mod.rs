//! Test harness: the real server on port 0 with a fresh database per test — a temp SQLite file,
//! or a new PostgreSQL database when `EJENTO_TEST_POSTGRES_URL` is set — driven over HTTP.

#![allow(dead_code)]

pub mod conformance;
pub mod fixtures;
pub mod model;
pub mod smtp;

use ejento_server::{Application, Config};
use serde_json::{Value, json};
use sqlx::Connection;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    /// The server's database, for tests that act on it behind the server's back.
    pub database_url: String,
    pub client: reqwest::Client,
    pub outbox: std::path::PathBuf,
    /// The server's own store, for tests that write history or read raw rows directly.
    pub store: ejento_server::store::Store,
    _dir: tempfile::TempDir,
}

/// The PostgreSQL server to test against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("EJENTO_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

pub async fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("ejento_test_{}", uuid_like());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let (base, _) = admin_url.rsplit_once('/').expect("a PostgreSQL URL names a database");
    format!("{base}/{name}")
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}_{}_{}", std::process::id(), nanos, N.fetch_add(1, Ordering::Relaxed))
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts the server with settings adjusted by `tweak`; `None` when the backend is not
    /// available here (PostgreSQL without `EJENTO_TEST_POSTGRES_URL`).
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
            Backend::Postgres => fresh_postgres_database(&postgres_url()?).await,
        };
        Some(Self::spawn_on(url, dir, tweak).await)
    }

    /// A second server on this one's PostgreSQL database: another replica, with its own folders.
    pub async fn replica(&self) -> TestApp {
        self.replica_with(|_| {}).await
    }

    /// A replica with settings adjusted by `tweak`.
    pub async fn replica_with(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        assert!(
            self.database_url.starts_with("postgres"),
            "replicas share a PostgreSQL database"
        );
        Self::spawn_on(self.database_url.clone(), tempfile::tempdir().expect("temp dir"), tweak).await
    }

    async fn spawn_on(url: String, dir: tempfile::TempDir, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::for_database(url.clone());
        config.outbox_dir = dir.path().join("outbox");
        config.dist = dir.path().join("dist");
        config.object_store = dir.path().join("objects").display().to_string();
        config.index_dir = dir.path().join("index");
        config.parse_program = Some(env!("CARGO_BIN_EXE_ejento-server").into());
        tweak(&mut config);
        let outbox = config.outbox_dir.clone();
        let app = Application::build(config).await.expect("the server starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        let store = app.state().store.clone();
        tokio::spawn(app.run_until_stopped());
        Self {
            base,
            database_url: url,
            client: reqwest::Client::new(),
            outbox,
            store,
            _dir: dir,
        }
    }

    /// A harness around a server a test built and started itself (e.g. with the demo seeded).
    pub fn attach(base: String, store: ejento_server::store::Store, dir: tempfile::TempDir) -> Self {
        Self {
            base,
            database_url: String::new(),
            client: reqwest::Client::new(),
            outbox: dir.path().join("outbox"),
            store,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        read_as(
            Some("POST"),
            self.client
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn get_authed(&self, path: &str, token: &str) -> (u16, Value) {
        read_as(
            Some("GET"),
            self.client
                .get(self.url(path))
                .bearer_auth(token)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// Registers a user and returns the whole response body.
    pub async fn signup(&self, email: &str, password: &str) -> (u16, Value) {
        self.post_json(
            "/auth-service/api/v2/users/signup",
            &json!({"email": email, "password": password, "full_name": "Test Person"}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> (u16, Value) {
        self.post_json(
            "/auth-service/api/v2/login/access-token",
            &json!({"username": email, "password": password}),
        )
        .await
    }

    /// Registers and returns (ejento_access_token, access_token).
    pub async fn signed_up(&self, email: &str) -> (String, String) {
        let (status, body) = self.signup(email, "a-good-password").await;
        assert_eq!(status, 201, "{body}");
        tokens(&body)
    }
}

pub fn tokens(body: &Value) -> (String, String) {
    (
        body["data"]["ejento_access_token"]
            .as_str()
            .expect("ejento_access_token")
            .to_string(),
        body["data"]["access_token"].as_str().expect("access_token").to_string(),
    )
}

/// The status and JSON body of a response, checked against the OpenAPI document.
pub async fn read(res: reqwest::Response) -> (u16, Value) {
    read_as(None, res).await
}

/// [`read`], knowing the request's method (the check then picks its operation exactly).
pub async fn read_as(method: Option<&str>, res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let url = res.url().to_string();
    let text = res.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON (status {status}): {text}"));
    conformance::check(method, &url, status, &value);
    (status, value)
}

/// Asserts the error envelope: status, `success:false`, and a message a person can read.
pub fn assert_error(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["success"], false, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.len() > 8, "the message should explain the problem: {body}");
}

/// Declares one test per backend: `name::sqlite` always runs; `name::postgres` runs against
/// `EJENTO_TEST_POSTGRES_URL` and says it was skipped when that is unset.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, tweak = $tweak:expr, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let app = common::TestApp::spawn_with(common::Backend::Sqlite, $tweak)
                    .await
                    .expect("SQLite is always available");
                ($body)(app).await;
            }

            #[tokio::test]
            async fn postgres() {
                match common::TestApp::spawn_with(common::Backend::Postgres, $tweak).await {
                    Some(app) => ($body)(app).await,
                    None => eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set"),
                }
            }
        }
    };
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let app = common::TestApp::spawn(common::Backend::Sqlite)
                    .await
                    .expect("SQLite is always available");
                ($body)(app).await;
            }

            #[tokio::test]
            async fn postgres() {
                match common::TestApp::spawn(common::Backend::Postgres).await {
                    Some(app) => ($body)(app).await,
                    None => eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set"),
                }
            }
        }
    };
}

impl TestApp {
    /// Any request as a signed-in user; `body` is sent as JSON when given.
    pub async fn call(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> (u16, Value) {
        let verb = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut req = self.client.request(verb, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        read_as(Some(method), req.send().await.expect("request")).await
    }

    /// A call that must succeed; returns `data`.
    pub async fn ok(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> Value {
        let (status, value) = self.call(method, path, token, body).await;
        assert!((200..300).contains(&status), "{method} {path} → {status}: {value}");
        assert_eq!(value["success"], true, "{value}");
        value["data"].clone()
    }

    /// Signs up and returns (access token, user id, organization id).
    pub async fn member(&self, email: &str, name: &str) -> (String, i64, i64) {
        let (status, body) = self
            .post_json(
                "/auth-service/api/v2/users/signup",
                &json!({"email": email, "password": "a-good-password", "full_name": name}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (
            body["data"]["ejento_access_token"].as_str().unwrap().to_string(),
            body["data"]["user"]["id"].as_i64().unwrap(),
            body["data"]["user"]["organization"]["id"].as_i64().unwrap(),
        )
    }
}

/// A part of an upload form.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, Vec<u8>),
}

impl TestApp {
    /// `POST /indexing-service/api/v2/corpora/{id}/documents` with a multipart form.
    pub async fn upload(&self, corpus: i64, token: &str, parts: Vec<Part<'_>>) -> (u16, Value) {
        let path = format!("/indexing-service/api/v2/corpora/{corpus}/documents");
        self.post_form(&path, token, parts).await
    }

    /// `POST /api/v2/corpora/{id}/chunk-preview`: the same form as an upload.
    pub async fn chunk_preview(&self, corpus: i64, token: &str, parts: Vec<Part<'_>>) -> (u16, Value) {
        let path = format!("/api/v2/corpora/{corpus}/chunk-preview");
        self.post_form(&path, token, parts).await
    }

    async fn post_form(&self, path: &str, token: &str, parts: Vec<Part<'_>>) -> (u16, Value) {
        let mut form = reqwest::multipart::Form::new();
        for part in parts {
            form = match part {
                Part::Text(name, value) => form.text(name.to_string(), value.to_string()),
                Part::File(name, file_name, bytes) => form.part(
                    name.to_string(),
                    reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
                ),
            };
        }
        let res = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("multipart request");
        read_as(Some("POST"), res).await
    }

    /// Uploads a file and returns the new document's id.
    pub async fn upload_file(&self, corpus: i64, token: &str, file_name: &str, bytes: Vec<u8>) -> i64 {
        let (status, body) = self
            .upload(
                corpus,
                token,
                vec![
                    Part::Text("content_type", "file"),
                    Part::File("source", file_name, bytes),
                ],
            )
            .await;
        assert_eq!(status, 201, "upload {file_name}: {body}");
        assert_eq!(body["data"]["step"], "pending", "{body}");
        body["data"]["id"].as_i64().expect("a document id")
    }

    /// Polls a document until it is indexed or failed (at most 60 s) and returns it.
    pub async fn settled(&self, document: i64, token: &str) -> Value {
        for _ in 0..600 {
            let doc = self
                .ok("GET", &format!("/api/v2/documents/{document}"), token, None)
                .await;
            if doc["step"] == "indexed" || doc["step"] == "failed" {
                return doc;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("document {document} did not finish indexing within 60 s");
    }

    /// Titles of the chunks a retrieval test returns, best first.
    pub async fn retrieve(&self, corpus: i64, token: &str, query: &str) -> Vec<Value> {
        let data = self
            .ok(
                "POST",
                &format!("/api/v2/corpora/{corpus}/retrieval-test"),
                token,
                Some(&json!({"query": query, "top_k": 10})),
            )
            .await;
        data["chunks"].as_array().cloned().unwrap_or_default()
    }
}

impl TestApp {
    /// An agent in a new team and project, made by `token` (who may create teams); its id.
    pub async fn agent_in_new_project(&self, token: &str, agent_name: &str) -> i64 {
        let team = self
            .ok(
                "POST",
                "/api/v2/teams",
                token,
                Some(&json!({"name": format!("{agent_name} team")})),
            )
            .await;
        let project = self
            .ok(
                "POST",
                "/api/v2/projects",
                token,
                Some(&json!({"name": format!("{agent_name} project"), "team_id": team["id"]})),
            )
            .await;
        self.ok(
            "POST",
            "/api/v2/agents",
            token,
            Some(&json!({"project_id": project["id"], "agent_name": agent_name})),
        )
        .await["id"]
            .as_i64()
            .expect("an agent id")
    }

    /// The id of an agent's default corpus.
    pub async fn agent_corpus(&self, token: &str, agent: i64) -> i64 {
        self.ok("GET", &format!("/api/v2/agents/{agent}/corpora"), token, None)
            .await["items"]["agent_corpus"][0]["corpus_id"]
            .as_i64()
            .expect("the agent's default corpus")
    }

    /// An agent in a new team and project whose default corpus holds one document, indexed.
    pub async fn agent_with_document(&self, token: &str, agent_name: &str, file_name: &str, text: &str) -> i64 {
        let agent = self.agent_in_new_project(token, agent_name).await;
        self.give_document(token, agent, file_name, text).await;
        agent
    }

    /// Puts a document into an agent's default corpus and waits until it is indexed.
    pub async fn give_document(&self, token: &str, agent: i64, file_name: &str, text: &str) {
        let corpus = self.agent_corpus(token, agent).await;
        let document = self
            .upload_file(corpus, token, file_name, text.as_bytes().to_vec())
            .await;
        assert_eq!(self.settled(document, token).await["step"], "indexed", "{file_name}");
    }
}

impl TestApp {
    /// Asks an agent from the web and returns the blocking answer's data.
    pub async fn ask(&self, token: &str, agent: i64, question: &str) -> Value {
        self.ok(
            "POST",
            &format!("/response-service/api/v2/agents/{agent}/responses"),
            token,
            Some(&json!({"user_query": question, "query_source": "web"})),
        )
        .await
    }

    /// Asks an agent on the POST stream and returns the whole stream's events.
    pub async fn stream(&self, token: &str, agent: i64, question: &str) -> Vec<(Option<i64>, String, Value)> {
        let res = self
            .client
            .post(self.url(&format!("/response-service/api/v2/agents/{agent}/responses/stream")))
            .bearer_auth(token)
            .json(&json!({"user_query": question}))
            .send()
            .await
            .expect("stream request");
        assert_eq!(res.status(), 200);
        parse_sse(&res.text().await.expect("a stream body"))
    }
}

/// The data of a stream's `end` event.
pub fn end_of(events: &[(Option<i64>, String, Value)]) -> Value {
    events
        .iter()
        .find(|(_, e, _)| e == "end")
        .expect("an end event")
        .2
        .clone()
}

/// Parses an SSE body into (id, event, data) triples.
/// Follows an events URL from after `last_event_id`; the body, which must end within 5 s (a
/// stream resumed after its `end` closes at once).
impl TestApp {
    /// The events at an answer's events URL (resumed after `last_event_id` when given), read to
    /// the end of the stream.
    pub async fn events(&self, url: &str, last_event_id: Option<i64>) -> Vec<(Option<i64>, String, Value)> {
        let mut req = self.client.get(self.url(url));
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let body = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            req.send().await.unwrap().text().await.unwrap()
        })
        .await
        .expect("the stream ends");
        parse_sse(&body)
    }
}

pub async fn resume_and_wait_for_close(app: &TestApp, url: &str, last_event_id: i64) -> String {
    let response = app
        .client
        .get(app.url(url))
        .header("Last-Event-ID", last_event_id.to_string())
        .send()
        .await
        .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), response.text())
        .await
        .expect("a stream resumed after its end closes instead of waiting")
        .unwrap()
}

pub fn parse_sse(body: &str) -> Vec<(Option<i64>, String, Value)> {
    let mut out = Vec::new();
    for block in body.split("\n\n") {
        let (mut id, mut event, mut data) = (None, String::from("message"), String::new());
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
        if !data.is_empty() {
            out.push((id, event, serde_json::from_str(&data).unwrap()));
        }
    }
    out
}
