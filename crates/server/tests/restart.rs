//! Crash safety of the indexing queue: the real server binary is killed with SIGKILL in the
//! middle of indexing, started again on the same database and folders, and every document
//! still reaches `indexed` exactly once, with one complete set of chunks.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
}

fn start(dir: &std::path::Path) -> Server {
    start_with(dir, &[])
}

fn start_with(dir: &std::path::Path, extra_env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ejento-server"));
    child.envs(extra_env.iter().copied());
    let mut child = child
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
        .env("EJENTO_INDEX_WORKERS", "1")
        .env("EJENTO_INDEX_LEASE", "2")
        // Slow enough that the kill lands mid-document.
        .env("EJENTO_INDEX_BATCH_PAUSE_MS", "150")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    let mut reader = BufReader::new(stdout);
    while reader.read_line(&mut line).unwrap() > 0 {
        if let Some(url) = line.trim().strip_prefix("Ejento is running at ") {
            let base = url.to_string();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in reader.lines() {});
            return Server { child, base };
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
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
    let post = |path: String, body: Value| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            let res = client.post(path).bearer_auth(token).json(&body).send().await.unwrap();
            res.json::<Value>().await.unwrap()["data"].clone()
        }
    };
    let team = post(format!("{}/api/v2/teams", server.base), json!({"name": "T"})).await;
    let project = post(
        format!("{}/api/v2/projects", server.base),
        json!({"name": "P", "team_id": team["id"]}),
    )
    .await;
    let agent = post(
        format!("{}/api/v2/agents", server.base),
        json!({"project_id": project["id"], "agent_name": "Slow"}),
    )
    .await;
    let started = post(
        format!(
            "{}/response-service/api/v2/agents/{}/responses/start",
            server.base, agent["id"]
        ),
        json!({"user_query": "anything at all?"}),
    )
    .await;
    let id = started["agent_response_id"].as_i64().unwrap();
    // Let it say a few words, then kill the server that writes it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut server = start_with(dir.path(), &env);
    let fresh = client
        .get(format!(
            "{}/response-service/api/v2/agent-responses/{id}/events-url",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let url = format!("{}{}", server.base, fresh["data"]["events_url"].as_str().unwrap());
    let body = tokio::time::timeout(Duration::from_secs(20), async {
        client.get(url).send().await.unwrap().text().await.unwrap()
    })
    .await
    .expect("the stream ends instead of hanging");
    assert!(body.contains("event: error"), "{body}");
    assert!(body.contains("stopped before it finished"), "{body}");
    assert!(body.trim_end().ends_with('}') && body.contains("event: end"), "{body}");
    let stored = call(
        &client,
        &server.base,
        &token,
        reqwest::Method::GET,
        &format!("/api/v2/agent-responses/{id}"),
    )
    .await;
    assert_eq!(stored["data"]["status"], "failed");
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
    let post = |base: String, path: &str, body: Value| {
        let (client, token, path) = (client.clone(), token.clone(), path.to_string());
        async move {
            let res = client
                .post(format!("{base}{path}"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            res.json::<Value>().await.unwrap()["data"].clone()
        }
    };
    let base = server.base.clone();
    let team = post(base.clone(), "/api/v2/teams", json!({"name": "T"})).await;
    let project = post(
        base.clone(),
        "/api/v2/projects",
        json!({"name": "P", "team_id": team["id"]}),
    )
    .await;
    let agent = post(
        base.clone(),
        "/api/v2/agents",
        json!({"project_id": project["id"], "agent_name": "Measured"}),
    )
    .await;
    let dataset = post(
        base.clone(),
        &format!("/api/v2/agents/{}/evaluation-datasets", agent["id"]),
        json!({"name": "Four questions"}),
    )
    .await;
    let jsonl = (1..=4)
        .map(|i| format!("{{\"question\": \"What is rule number {i}?\", \"expected_answer\": \"Rule {i}.\"}}"))
        .collect::<Vec<_>>()
        .join("\n");
    post(
        base.clone(),
        &format!("/api/v2/evaluation-datasets/{}/evaluation-queries", dataset["id"]),
        json!({"import": jsonl}),
    )
    .await;
    let run = post(
        base.clone(),
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
