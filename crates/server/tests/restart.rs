//! The real server binary. Crash safety of the indexing queue: it is killed with SIGKILL in the
//! middle of indexing, started again on the same database and folders, and every document
//! still reaches `indexed` exactly once, with one complete set of chunks. And what it says:
//! its log never holds a secret, and it refuses an https start with keys kept in the database.
//! And configured as operators run it: originals on an S3-protocol server.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::{Value, json};

mod common;

type Events = Vec<(Option<i64>, String, Value)>;

struct Server {
    child: Child,
    base: String,
    /// Everything it has written to stdout (its log) so far.
    log: Arc<Mutex<String>>,
}

fn start(dir: &std::path::Path) -> Server {
    start_with(dir, &[])
}

fn start_with(dir: &std::path::Path, extra_env: &[(&str, &str)]) -> Server {
    let mut child = command(dir, extra_env)
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    let mut reader = BufReader::new(stdout);
    let log = Arc::new(Mutex::new(String::new()));
    while reader.read_line(&mut line).unwrap() > 0 {
        log.lock().unwrap().push_str(&line);
        if let Some(url) = line.trim().strip_prefix("Ejento is running at ") {
            let base = url.to_string();
            // Keep draining stdout so the server never blocks on a full pipe.
            let kept = log.clone();
            std::thread::spawn(move || {
                for line in reader.lines().map_while(Result::ok) {
                    let mut kept = kept.lock().unwrap();
                    kept.push_str(&line);
                    kept.push('\n');
                }
            });
            return Server { child, base, log };
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start: {}", log.lock().unwrap());
}

/// `ejento-server serve` on the folders under `dir`; `extra_env` comes last, so it wins.
fn command(dir: &std::path::Path, extra_env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ejento-server"));
    command
        .arg("serve")
        .env(
            "EJENTO_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display()),
        )
        .env("EJENTO_BIND", "127.0.0.1:0")
        .env("EJENTO_DIST", dir.join("dist"))
        .env("EJENTO_OUTBOX_DIR", dir.join("outbox"))
        .env("EJENTO_OBJECT_STORE", dir.join("objects"))
        .env("EJENTO_INDEX_DIR", dir.join("index"))
        // Crash and restart tests of the request path, not of embedding (tests/meaning.rs).
        .env("EJENTO_EMBEDDING_MODEL_DIR", "off")
        .env("EJENTO_INDEX_WORKERS", "1")
        .env("EJENTO_INDEX_LEASE", "2")
        // Slow enough that the kill lands mid-document.
        .env("EJENTO_INDEX_BATCH_PAUSE_MS", "150")
        .env("RUST_LOG", "warn")
        .envs(extra_env.iter().copied())
        .stdout(Stdio::piped());
    command
}

async fn call(client: &reqwest::Client, base: &str, token: &str, method: reqwest::Method, path: &str) -> Value {
    let res = client
        .request(method, format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    res.json().await.unwrap()
}

/// A new account (in its own organization); its access token.
async fn sign_up(client: &reqwest::Client, base: &str, email: &str) -> String {
    let signup: Value = client
        .post(format!("{base}/auth-service/api/v2/users/signup"))
        .json(&json!({"email": email, "password": "a-good-password", "full_name": "Rae Restart"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    signup["data"]["ejento_access_token"].as_str().unwrap().to_string()
}

async fn post(client: &reqwest::Client, base: &str, token: &str, path: &str, body: Value) -> Value {
    let res = client
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    res.json::<Value>().await.unwrap()["data"].clone()
}

/// An agent without documents (the local answerer still answers, slowly when told to).
async fn new_agent(client: &reqwest::Client, base: &str, token: &str) -> i64 {
    let team = post(client, base, token, "/api/v2/teams", json!({"name": "T"})).await;
    let project = post(
        client,
        base,
        token,
        "/api/v2/projects",
        json!({"name": "P", "team_id": team["id"]}),
    )
    .await;
    let agent = post(
        client,
        base,
        token,
        "/api/v2/agents",
        json!({"project_id": project["id"], "agent_name": "Slow"}),
    )
    .await;
    agent["id"].as_i64().unwrap()
}

async fn start_answer(client: &reqwest::Client, base: &str, token: &str, agent: i64) -> Value {
    post(
        client,
        base,
        token,
        &format!("/response-service/api/v2/agents/{agent}/responses/start"),
        json!({"user_query": "anything at all?"}),
    )
    .await
}

async fn new_corpus(client: &reqwest::Client, base: &str, token: &str, body: Value) -> i64 {
    let corpus: Value = client
        .post(format!("{base}/api/v2/corpora"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    corpus["data"]["id"].as_i64().unwrap()
}

/// Uploads a file into a corpus; the new document's id.
async fn upload(client: &reqwest::Client, base: &str, token: &str, corpus: i64, name: &str, bytes: Vec<u8>) -> i64 {
    let form = reqwest::multipart::Form::new().text("content_type", "file").part(
        "source",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let body: Value = client
        .post(format!("{base}/indexing-service/api/v2/corpora/{corpus}/documents"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_server_killed_mid_indexing_finishes_every_document_exactly_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let mut server = start(dir.path());
    let token = sign_up(&client, &server.base, "kim@example.com").await;
    let corpus = new_corpus(
        &client,
        &server.base,
        &token,
        json!({"name": "Big", "indexing_mode_id": 1}),
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..3 {
        // ~400 chunks each: several batches, so indexing takes a few seconds per document.
        let text =
            format!("Document number{n} marker{n}. ") + &"Filler sentence about harbours and ships. ".repeat(6000);
        ids.push(
            upload(
                &client,
                &server.base,
                &token,
                corpus,
                &format!("big{n}.txt"),
                text.into_bytes(),
            )
            .await,
        );
    }
    // Kill it while the first document is being written.
    let mut killed_mid_indexing = false;
    for _ in 0..200 {
        let doc = call(
            &client,
            &server.base,
            &token,
            reqwest::Method::GET,
            &format!("/api/v2/documents/{}", ids[0]),
        )
        .await;
        if doc["data"]["step"] == "indexing" && doc["data"]["progress"].as_i64().unwrap() > 50 {
            killed_mid_indexing = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    assert!(
        killed_mid_indexing,
        "the kill should land while a document is being indexed"
    );

    let mut server = start(dir.path());
    let mut settled = Vec::new();
    for id in &ids {
        let mut doc = Value::Null;
        for _ in 0..600 {
            doc = call(
                &client,
                &server.base,
                &token,
                reqwest::Method::GET,
                &format!("/api/v2/documents/{id}"),
            )
            .await;
            if doc["data"]["step"] == "indexed" || doc["data"]["step"] == "failed" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(doc["data"]["step"], "indexed", "{doc}");
        settled.push(doc["data"].clone());
    }
    for (n, (id, doc)) in ids.iter().zip(&settled).enumerate() {
        let history = call(
            &client,
            &server.base,
            &token,
            reqwest::Method::GET,
            &format!("/api/v2/documents/{id}/history"),
        )
        .await;
        let indexed = history["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["step"] == "indexed")
            .count();
        assert_eq!(indexed, 1, "document {id} indexed exactly once: {history}");
        let chunks = call(
            &client,
            &server.base,
            &token,
            reqwest::Method::GET,
            &format!("/api/v2/documents/{id}/chunks?items_per_page=1"),
        )
        .await;
        assert_eq!(
            chunks["data"]["meta"]["count"], doc["chunk_count"],
            "one complete set of chunks"
        );
        let found: Value = client
            .post(format!("{}/api/v2/corpora/{corpus}/retrieval-test", server.base))
            .bearer_auth(&token)
            .json(&json!({"query": format!("marker{n}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found["data"]["chunks"][0]["document_id"], *id, "{found}");
        assert_eq!(
            found["data"]["chunks"].as_array().unwrap().len(),
            1,
            "no stale chunks: {found}"
        );
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// An answer as stored: an agent answer by its id, a workflow answer from its thread's list.
async fn stored_answer(client: &reqwest::Client, base: &str, token: &str, started: &Value) -> Value {
    let get = reqwest::Method::GET;
    if let Some(id) = started["agent_response_id"].as_i64() {
        return call(client, base, token, get, &format!("/api/v2/agent-responses/{id}")).await["data"].clone();
    }
    let (id, thread) = (started["workflow_response_id"].clone(), &started["thread_id"]);
    let listed = call(
        client,
        base,
        token,
        get,
        &format!("/api/v2/workflow-chat-threads/{thread}/workflow-responses"),
    )
    .await;
    listed["data"]["workflow_responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn an_answer_cut_off_by_a_crash_ends_as_failed_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let env = [
        ("EJENTO_LOCAL_TOKEN_DELAY_MS", "400"),
        ("EJENTO_STREAM_STALE_SECS", "2"),
    ];
    let mut server = start_with(dir.path(), &env);
    let token = sign_up(&client, &server.base, "cut@example.com").await;
    let agent = new_agent(&client, &server.base, &token).await;
    let project = call(
        &client,
        &server.base,
        &token,
        reqwest::Method::GET,
        &format!("/api/v2/agents/{agent}"),
    )
    .await["data"]["project"]
        .clone();
    let workflow = post(
        &client,
        &server.base,
        &token,
        "/api/v2/workflows",
        json!({"name": "W", "project_id": project, "agent_ids": [agent], "supervisor_type": "Router"}),
    )
    .await["id"]
        .clone();
    // An agent answer and a workflow answer, both cut by the same crash.
    let answers = [
        (
            start_answer(&client, &server.base, &token, agent).await,
            "assistant_stream",
            "agent-responses",
            "agent_response_id",
        ),
        (
            post(
                &client,
                &server.base,
                &token,
                &format!("/response-service/api/v2/workflows/{workflow}/responses/start"),
                json!({"user_query": "anything at all?"}),
            )
            .await,
            "agent_stream",
            "workflow-responses",
            "workflow_response_id",
        ),
    ];
    // Let them say a few words, then kill the server that writes them.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    // Started again at once: the answers are not stale yet, so the start-up sweep leaves them;
    // the periodic sweep ends them with nobody following.
    let mut server = start_with(dir.path(), &env);
    for (started, step, path, id_field) in &answers {
        let mut stored = Value::Null;
        for _ in 0..100 {
            stored = stored_answer(&client, &server.base, &token, started).await;
            if stored["status"] != "streaming" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(stored["status"], "failed", "{path} ended without a follower: {stored}");
        let id = &started[*id_field];
        let fresh = call(
            &client,
            &server.base,
            &token,
            reqwest::Method::GET,
            &format!("/response-service/api/v2/{path}/{id}/events-url"),
        )
        .await;
        let url = format!("{}{}", server.base, fresh["data"]["events_url"].as_str().unwrap());
        let body = tokio::time::timeout(Duration::from_secs(20), async {
            client.get(url).send().await.unwrap().text().await.unwrap()
        })
        .await
        .expect("the stream ends instead of hanging");
        let events = common::parse_sse(&body);
        let names: Vec<&str> = events.iter().rev().take(2).map(|(_, n, _)| n.as_str()).collect();
        assert_eq!(names, ["end", "error"], "{path}: {body}");
        assert!(body.contains("stopped before it finished"), "{body}");
        // Every word a follower was sent is kept: in the stored answer and in the final `end`.
        let said: String = events
            .iter()
            .filter(|(_, _, data)| data["step"] == *step)
            .map(|(_, _, data)| data["delta"].as_str().unwrap().to_string())
            .collect();
        assert!(
            !said.is_empty(),
            "{path}: a few words were said before the kill: {body}"
        );
        assert_eq!(stored["answer"], said.as_str(), "{path}: {stored}");
        let end = &events.last().unwrap().2;
        assert_eq!(end["output"]["answer"], said.as_str(), "{path}: {end}");
        assert_eq!(end["output"][*id_field], *id, "{path}: {end}");
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[tokio::test]
async fn an_evaluation_run_killed_mid_way_finishes_each_question_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    // Slow words, so the kill lands while a question is being answered.
    let env = [("EJENTO_LOCAL_TOKEN_DELAY_MS", "40")];
    let mut server = start_with(dir.path(), &env);
    let token = sign_up(&client, &server.base, "eva@example.com").await;
    let agent = new_agent(&client, &server.base, &token).await;
    let dataset = post(
        &client,
        &server.base,
        &token,
        &format!("/api/v2/agents/{agent}/evaluation-datasets"),
        json!({"name": "Four questions"}),
    )
    .await;
    let jsonl = (1..=4)
        .map(|i| format!("{{\"question\": \"What is rule number {i}?\", \"expected_answer\": \"Rule {i}.\"}}"))
        .collect::<Vec<_>>()
        .join("\n");
    post(
        &client,
        &server.base,
        &token,
        &format!("/api/v2/evaluation-datasets/{}/evaluation-queries", dataset["id"]),
        json!({"import": jsonl}),
    )
    .await;
    let run = post(
        &client,
        &server.base,
        &token,
        "/api/v2/evaluations",
        json!({"dataset_id": dataset["id"]}),
    )
    .await;
    let id = run["id"].as_i64().unwrap();
    let path = format!("/api/v2/evaluations/{id}");
    // Kill the server once the first question has its result, while the next one is answered.
    let mut done = 0;
    for _ in 0..200 {
        done = call(&client, &server.base, &token, reqwest::Method::GET, &path).await["data"]["done"]
            .as_i64()
            .unwrap();
        if done >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!((1..4).contains(&done), "killed mid-way: {done}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    // The restarted server takes the run over once the dead runner's lease runs out (30 s).
    let mut server = start_with(dir.path(), &env);
    let mut run = Value::Null;
    for _ in 0..900 {
        run = call(&client, &server.base, &token, reqwest::Method::GET, &path).await["data"].clone();
        if run["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["done"], 4);
    let results = call(
        &client,
        &server.base,
        &token,
        reqwest::Method::GET,
        &format!("{path}/query-results"),
    )
    .await;
    let queries: Vec<i64> = results["data"]["query_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["query"].as_i64().unwrap())
        .collect();
    let mut unique = queries.clone();
    unique.dedup();
    assert_eq!((queries.len(), unique.len()), (4, 4), "each question once: {results}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// A document whose parsing takes the server down on every attempt (here: the server is
/// killed with SIGKILL while its parse child runs) is given up after
/// `EJENTO_INDEX_MAX_ATTEMPTS` claims, with a reason, and a restarted server leaves it so.
#[tokio::test]
async fn a_document_that_takes_the_server_down_every_time_is_given_up_after_the_ceiling() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A parse child that never finishes: each attempt is still parsing when the kill lands.
    let parser = dir.path().join("slow-parser");
    std::fs::write(&parser, "#!/bin/sh\nexec sleep 20\n").unwrap();
    std::fs::set_permissions(&parser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let parser = parser.display().to_string();
    let env = [
        ("EJENTO_PARSE_PROGRAM", parser.as_str()),
        ("EJENTO_INDEX_MAX_ATTEMPTS", "3"),
        ("EJENTO_INDEX_LEASE", "1"),
    ];
    let client = reqwest::Client::new();
    let mut server = start_with(dir.path(), &env);
    let token = sign_up(&client, &server.base, "lou@example.com").await;
    let corpus = new_corpus(&client, &server.base, &token, json!({"name": "Loop"})).await;
    let id = upload(
        &client,
        &server.base,
        &token,
        corpus,
        "deadly.txt",
        b"Deadly words.".to_vec(),
    )
    .await;
    let document = format!("/api/v2/documents/{id}");
    let history = format!("{document}/history");
    for attempt in 1..=3 {
        // Each claim writes one "Reading the text content" event as it hands the file over.
        let mut parsing = false;
        for _ in 0..300 {
            let events = call(&client, &server.base, &token, reqwest::Method::GET, &history).await;
            let reads = events["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["message"].as_str().is_some_and(|m| m.starts_with("Reading")))
                .count();
            if reads == attempt {
                parsing = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(parsing, "attempt {attempt} reaches parsing");
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        // The lease (1 s) runs out before the next server looks.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server = start_with(dir.path(), &env);
    }
    let mut doc = Value::Null;
    for _ in 0..100 {
        doc = call(&client, &server.base, &token, reqwest::Method::GET, &document).await;
        if doc["data"]["step"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(doc["data"]["step"], "failed", "{doc}");
    assert!(
        doc["data"]["failure_reason"]
            .as_str()
            .unwrap()
            .starts_with("The server stopped while indexing this document 3 times"),
        "{doc}"
    );
    // A server started again does not pick it up.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let mut server = start_with(dir.path(), &env);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let doc = call(&client, &server.base, &token, reqwest::Method::GET, &document).await;
    assert_eq!(doc["data"]["step"], "failed", "{doc}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// Runs the binary until it exits by itself (it should refuse to start); its status and output.
fn run_to_exit(dir: &std::path::Path, extra_env: &[(&str, &str)]) -> (std::process::ExitStatus, String) {
    let mut child = command(dir, extra_env).stderr(Stdio::piped()).spawn().unwrap();
    for _ in 0..300 {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
            return (out.status, text);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("the server started although it should have refused to");
}

/// Where `needle` occurs as a whole number (not inside a longer run of digits or a fraction).
fn occurs_as_number(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.') && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[tokio::test]
async fn the_log_holds_no_secret_and_https_needs_keys_from_outside_the_database() {
    let dir = tempfile::tempdir().unwrap();
    // Over https the keys cannot live in the database.
    let (status, output) = run_to_exit(dir.path(), &[("EJENTO_PUBLIC_URL", "https://ejento.example")]);
    assert!(!status.success());
    assert!(
        output.contains("EJENTO_JWT_SECRET and EJENTO_SECRETS_KEY must be set"),
        "{output}"
    );
    // Given as files (Docker and Kubernetes secrets), they are enough.
    let (jwt_secret, sealing_key) = (
        "jwt-secret-from-a-file-0123456789",
        "sealing-key-from-a-file-9876543210",
    );
    std::fs::write(dir.path().join("jwt"), format!("{jwt_secret}\n")).unwrap();
    std::fs::write(dir.path().join("sealing"), sealing_key).unwrap();
    let (jwt_file, sealing_file) = (dir.path().join("jwt"), dir.path().join("sealing"));
    let mut server = start_with(
        dir.path(),
        &[
            ("EJENTO_PUBLIC_URL", "https://ejento.example"),
            ("EJENTO_JWT_SECRET_FILE", jwt_file.to_str().unwrap()),
            ("EJENTO_SECRETS_KEY_FILE", sealing_file.to_str().unwrap()),
            ("RUST_LOG", "debug"),
        ],
    );
    let (client, base) = (reqwest::Client::new(), server.base.clone());
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut request = client.post(format!("{base}{path}"));
        if !body.is_null() {
            request = request.json(&body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };

    // Every kind of secret passes through: a password, both tokens of two sign-ins, a mailed
    // link and code, a tool's secret.
    let password = "Quiet-Lantern-Harbour-42";
    let signup = post(
        "/auth-service/api/v2/users/signup",
        None,
        json!({"email": "sam@example.com", "password": password, "full_name": "Sam Secret"}),
    )
    .await;
    let access = signup["data"]["ejento_access_token"].as_str().unwrap().to_string();
    let auth = signup["data"]["access_token"].as_str().unwrap().to_string();
    let refreshed = post(
        "/auth-service/api/v2/users/refresh-access-token",
        Some(&auth),
        Value::Null,
    )
    .await;
    let access2 = refreshed["data"]["ejento_access_token"].as_str().unwrap().to_string();
    post(
        "/auth-service/api/v2/users/passwordless-auth",
        None,
        json!({"email": "sam@example.com"}),
    )
    .await;
    let mail = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let mail = std::fs::read_to_string(mail.path()).unwrap();
    let link_token = mail
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let code = mail.split("code: ").nth(1).unwrap()[..6].to_string();
    let exchanged = post(
        "/auth-service/api/v2/users/validate-magic-link",
        None,
        json!({"token": link_token}),
    )
    .await;
    assert_eq!(exchanged["success"], true, "{exchanged}");
    let org = signup["data"]["user"]["organization"]["id"].as_i64().unwrap();
    let tool_secret = "tool-secret-value-5551234";
    let tool = post(
        &format!("/api/v2/organizations/{org}/tools/api"),
        Some(&access2),
        json!({"name": "Weather", "secret": tool_secret,
            "api": {"method": "GET", "url_template": "https://weather.invalid/today", "secret_header": "Authorization"}}),
    )
    .await;
    post(
        &format!("/api/v2/tools/{}/test", tool["data"]["id"]),
        Some(&access2),
        json!({}),
    )
    .await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let log = server.log.lock().unwrap().clone();
    assert!(
        log.contains("mail written to the outbox"),
        "the run was logged at debug: {log}"
    );
    assert!(!log.contains("IN THE DATABASE"), "keys came from files: {log}");
    for (what, secret) in [
        ("password", password),
        ("access token", access.as_str()),
        ("refreshed access token", access2.as_str()),
        ("auth-app token", auth.as_str()),
        ("sign-in link token", link_token.as_str()),
        ("tool secret", tool_secret),
        ("signing secret", jwt_secret),
        ("sealing key", sealing_key),
    ] {
        assert!(!log.contains(secret), "the {what} is in the log");
    }
    assert!(!occurs_as_number(&log, &code), "the code {code} is in the log");

    // Without keys over plain http it starts, and says loudly where the keys are.
    let plain = tempfile::tempdir().unwrap();
    let mut server = start(plain.path());
    for _ in 0..50 {
        if server.log.lock().unwrap().contains("IN THE DATABASE") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.contains("EJENTO_JWT_SECRET and EJENTO_SECRETS_KEY not set") && log.contains("IN THE DATABASE"),
        "{log}"
    );
}

/// Reads an open event stream until `enough` holds for what it has read (or the stream ends);
/// what was read. `pending` keeps a half-received event for the next call.
async fn read_until(res: &mut reqwest::Response, pending: &mut String, enough: impl Fn(&Events) -> bool) -> Events {
    let mut read = Vec::new();
    while !enough(&read) {
        let Some(chunk) = res.chunk().await.unwrap() else { break };
        pending.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(cut) = pending.rfind("\n\n") {
            let complete: String = pending.drain(..cut + 2).collect();
            read.extend(common::parse_sse(&complete));
        }
    }
    read
}

fn answer_tokens(events: &Events) -> String {
    events
        .iter()
        .filter(|(_, _, data)| data["step"] == "assistant_stream")
        .map(|(_, _, data)| data["delta"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn two_replicas_on_postgres_share_an_answer_and_outlive_the_one_writing_it() {
    let Some(admin) = common::postgres_url() else {
        eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = common::fresh_postgres_database(&admin).await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // The default liveness settings: a crash must be seen within 10 s of them.
    let env = [
        ("EJENTO_DATABASE_URL", database.as_str()),
        ("EJENTO_LOCAL_TOKEN_DELAY_MS", "300"),
    ];
    let mut a = start_with(dir_a.path(), &env);
    let mut b = start_with(dir_b.path(), &env);
    let client = reqwest::Client::new();
    let token = sign_up(&client, &a.base, "two@example.com").await;
    let agent = new_agent(&client, &a.base, &token).await;
    let started = start_answer(&client, &a.base, &token, agent).await;
    let id = started["agent_response_id"].as_i64().unwrap();
    let events_url = started["events_url"].as_str().unwrap();
    let on_b = format!("{}{events_url}", b.base);
    // Followed on B while A writes it: A's events reach B (pushed, nothing polls).
    let mut res = client.get(&on_b).send().await.unwrap();
    let mut pending = String::new();
    let first = tokio::time::timeout(
        Duration::from_secs(20),
        read_until(&mut res, &mut pending, |e| answer_tokens(e).split(' ').count() > 2),
    )
    .await
    .expect("A's words reach B's follower");
    drop(res);
    let last = first.last().unwrap().0.unwrap();
    // Resumed on B: exactly the next event onwards.
    let mut res = client
        .get(&on_b)
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .unwrap();
    let mut pending = String::new();
    let second = tokio::time::timeout(
        Duration::from_secs(20),
        read_until(&mut res, &mut pending, |e| !answer_tokens(e).is_empty()),
    )
    .await
    .expect("the resumed follower gets the next words");
    assert_eq!(second[0].0, Some(last + 1), "{second:?}");
    // A dies mid-answer. B's follower is told within 15 s, with what was said.
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let killed = std::time::Instant::now();
    let rest = tokio::time::timeout(
        Duration::from_secs(15),
        read_until(&mut res, &mut pending, |e| e.iter().any(|(_, n, _)| n == "end")),
    )
    .await
    .expect("B's follower learns of A's death within 15 s");
    eprintln!("B's follower got the end {:?} after A was killed", killed.elapsed());
    let all: Events = first.into_iter().chain(second).chain(rest).collect();
    let ids: Vec<i64> = all.iter().map(|(id, _, _)| id.unwrap()).collect();
    assert_eq!(
        ids,
        (1..=ids.len() as i64).collect::<Vec<_>>(),
        "in order, no gap, no repeat"
    );
    let names: Vec<&str> = all.iter().rev().take(2).map(|(_, n, _)| n.as_str()).collect();
    assert_eq!(names, ["end", "error"], "{all:?}");
    let said = answer_tokens(&all);
    let (end_id, _, end) = all.last().unwrap();
    assert_eq!(end["output"]["status"], "failed", "{end}");
    assert_eq!(end["output"]["answer"], said.as_str(), "{end}");
    let stored = call(
        &client,
        &b.base,
        &token,
        reqwest::Method::GET,
        &format!("/api/v2/agent-responses/{id}"),
    )
    .await;
    assert_eq!(stored["data"]["status"], "failed", "{stored}");
    assert_eq!(
        stored["data"]["answer"],
        said.as_str(),
        "the stored answer is what was sent"
    );
    // A reconnect after the end closes at once.
    let res = client
        .get(&on_b)
        .header("Last-Event-ID", end_id.unwrap().to_string())
        .send()
        .await
        .unwrap();
    let after_end = tokio::time::timeout(Duration::from_secs(5), res.text())
        .await
        .expect("closed at once")
        .unwrap();
    assert!(common::parse_sse(&after_end).is_empty(), "{after_end}");
    b.child.kill().unwrap();
    b.child.wait().unwrap();
}

/// 500 answers whose server was killed while writing them are all ended by the next server's
/// sweeps, in batches, with nobody following them.
async fn sweeps_end_500_orphaned_answers(database: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let database = database.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("db.sqlite").display()));
    let env = [
        ("EJENTO_DATABASE_URL", database.as_str()),
        ("EJENTO_LOCAL_TOKEN_DELAY_MS", "60000"),
    ];
    let mut server = start_with(dir.path(), &env);
    let client = reqwest::Client::new();
    let token = sign_up(&client, &server.base, "orphans@example.com").await;
    let agent = new_agent(&client, &server.base, &token).await;
    use futures_util::StreamExt;
    let started: Vec<Value> = futures_util::stream::iter(0..500)
        .map(|_| start_answer(&client, &server.base, &token, agent))
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(started.iter().all(|s| s["agent_response_id"].is_i64()));
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&database).await.unwrap();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_as::<_, (i64,)>(sql).fetch_one(&pool).await.unwrap().0 }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM agent_responses WHERE status = 'streaming'").await,
        500
    );
    let mut server = start_with(dir.path(), &[env[0], ("EJENTO_STREAM_STALE_SECS", "2")]);
    let mut streaming = 500;
    for _ in 0..300 {
        streaming = count("SELECT COUNT(*) FROM agent_responses WHERE status = 'streaming'").await;
        if streaming == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(streaming, 0, "every orphaned answer is ended");
    assert_eq!(
        count("SELECT COUNT(*) FROM agent_responses WHERE status = 'failed'").await,
        500
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM response_events WHERE event = 'end'").await,
        500
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM response_events WHERE event = 'error'").await,
        500
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    pool.close().await;
}

#[tokio::test]
async fn sweeps_end_500_orphaned_answers_without_any_follower_sqlite() {
    sweeps_end_500_orphaned_answers(None).await;
}

#[tokio::test]
async fn sweeps_end_500_orphaned_answers_without_any_follower_postgres() {
    match common::postgres_url() {
        Some(admin) => sweeps_end_500_orphaned_answers(Some(common::fresh_postgres_database(&admin).await)).await,
        None => eprintln!("skipped: EJENTO_TEST_POSTGRES_URL is not set"),
    }
}

async fn get(client: &reqwest::Client, base: &str, token: &str, path: &str) -> Value {
    call(client, base, token, reqwest::Method::GET, path).await
}

/// The bucket, read directly with the same credentials (not through the server under test).
fn bucket(endpoint: &str, bucket: &str) -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_region("eu-west-1")
        .with_access_key_id("ejento-test")
        .with_secret_access_key("ejento-test-secret")
        .with_bucket_name(bucket)
        .build()
        .unwrap()
}

async fn bucket_keys(bucket: &object_store::aws::AmazonS3) -> Vec<String> {
    use futures_util::TryStreamExt;
    use object_store::ObjectStore;
    let listed: Vec<_> = bucket.list(None).try_collect().await.unwrap();
    listed.into_iter().map(|o| o.location.to_string()).collect()
}

/// A document's settled state (`indexed` or `failed`) after at most 60 s.
async fn settled(client: &reqwest::Client, base: &str, token: &str, id: i64) -> Value {
    for _ in 0..600 {
        let doc = get(client, base, token, &format!("/api/v2/documents/{id}")).await;
        if doc["data"]["step"] == "indexed" || doc["data"]["step"] == "failed" {
            return doc["data"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("document {id} did not settle");
}

/// Uploaded originals on an S3-protocol server (moto on loopback, started by
/// `scripts/with-s3.sh`), configured as an operator would: `EJENTO_OBJECT_STORE=s3://bucket/prefix`
/// and the usual `AWS_*` variables. Upload, download, reindex and deletion all go through the
/// bucket; with the storage unreachable an upload is a 503 that says so and leaves nothing behind.
#[tokio::test]
async fn originals_live_in_an_s3_bucket_through_upload_download_reindex_and_deletion() {
    let Some(endpoint) = std::env::var("EJENTO_TEST_S3_ENDPOINT").ok().filter(|e| !e.is_empty()) else {
        eprintln!("skipped: EJENTO_TEST_S3_ENDPOINT is not set (run under scripts/with-s3.sh)");
        return;
    };
    let client = reqwest::Client::new();
    let bucket = format!("ejento-originals-{}", std::process::id());
    // moto lets anyone create a bucket; reading one needs signed requests.
    let created = client.put(format!("{endpoint}/{bucket}")).send().await.unwrap();
    assert!(created.status().is_success(), "create the bucket: {}", created.status());
    let direct = self::bucket(&endpoint, &bucket);
    let secret = "ejento-test-secret";
    let s3_env = |endpoint: &str| {
        vec![
            ("EJENTO_OBJECT_STORE".to_string(), format!("s3://{bucket}/originals")),
            ("AWS_ENDPOINT".to_string(), endpoint.to_string()),
            ("AWS_ALLOW_HTTP".to_string(), "true".to_string()),
            ("AWS_REGION".to_string(), "eu-west-1".to_string()),
            ("AWS_ACCESS_KEY_ID".to_string(), "ejento-test".to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), secret.to_string()),
            ("EJENTO_INDEX_BATCH_PAUSE_MS".to_string(), "0".to_string()),
        ]
    };
    let env = s3_env(&endpoint);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(dir.path(), &env);
    let base = server.base.clone();
    let token = sign_up(&client, &base, "sam@example.com").await;
    let corpus = new_corpus(&client, &base, &token, json!({"name": "Billing"})).await;
    let original =
        b"# Refunds\n\nAnnual plans cancelled mid-term are refunded pro rata within fourteen days.\n".to_vec();
    let id = upload(&client, &base, &token, corpus, "refunds.md", original.clone()).await;
    assert_eq!(settled(&client, &base, &token, id).await["step"], "indexed");

    // The original is in the bucket under the configured prefix, byte for byte, and nowhere on disk.
    let keys = bucket_keys(&direct).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with("originals/org-"), "{keys:?}");
    let in_bucket = {
        use object_store::ObjectStoreExt;
        let object = direct
            .get(&object_store::path::Path::from(keys[0].as_str()))
            .await
            .unwrap();
        object.bytes().await.unwrap()
    };
    assert_eq!(in_bucket.as_ref(), original.as_slice());
    assert!(
        !dir.path().join("objects").exists(),
        "nothing written to the local object folder"
    );

    // Downloading it reads the bucket.
    let download = client
        .get(format!("{base}/api/v2/documents/{id}/content"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), original.as_slice());

    // Reindexing reads the original back from the bucket and indexes it again.
    let refresh = client
        .post(format!("{base}/api/v2/documents/{id}/refresh"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(refresh.status().is_success(), "{}", refresh.status());
    let mut indexed = 0;
    for _ in 0..600 {
        let history = get(&client, &base, &token, &format!("/api/v2/documents/{id}/history")).await;
        indexed = history["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["step"] == "indexed")
            .count();
        if indexed == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(indexed, 2, "indexed again after the refresh");
    let found: Value = client
        .post(format!("{base}/api/v2/corpora/{corpus}/retrieval-test"))
        .bearer_auth(&token)
        .json(&json!({"query": "pro rata refund"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["data"]["chunks"][0]["document_id"], id, "{found}");

    // Deleting the document removes its original from the bucket.
    let deleted = client
        .delete(format!("{base}/api/v2/documents/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    assert_eq!(bucket_keys(&direct).await, Vec::<String>::new());
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert!(
        !server.log.lock().unwrap().contains(secret),
        "the S3 secret is never logged"
    );

    // The same configuration with the storage unreachable (a port nothing listens on).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let unreachable = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let env = s3_env(&unreachable);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut server = start_with(dir.path(), &env);
    let base = server.base.clone();
    let form = reqwest::multipart::Form::new().text("content_type", "file").part(
        "source",
        reqwest::multipart::Part::bytes(original.clone()).file_name("again.md"),
    );
    let refused = client
        .post(format!("{base}/indexing-service/api/v2/corpora/{corpus}/documents"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("file storage is unavailable"),
        "{body}"
    );
    let listed = get(&client, &base, &token, &format!("/api/v2/corpora/{corpus}/documents")).await;
    assert_eq!(
        listed["data"]["meta"]["count"], 0,
        "no document without its original: {listed}"
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert!(
        !server.log.lock().unwrap().contains(secret),
        "the S3 secret is never logged"
    );
}
