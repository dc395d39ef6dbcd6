//! Retrieval by meaning: passages embedded after they are searchable by words, hybrid ranking
//! per agent, the local answerer choosing its sentences by meaning, replicas following the
//! vectors, a remote embedding endpoint, and the fallback to keywords without a model.

mod common;

use std::time::Duration;

use axum::{Json, Router, routing::post};
use common::{Backend, TestApp};
use ejento_server::{Application, Config, embeddings::minilm, seed};
use serde_json::{Value, json};

/// The model `scripts/setup.sh` installs; these tests need it (`make test` runs the setup).
fn model_dir() -> String {
    minilm::installed_dir()
        .expect("the embedding model is not installed: run scripts/setup.sh")
        .display()
        .to_string()
}

/// Runs a retrieval test in `mode`.
async fn search(app: &TestApp, token: &str, corpus: i64, query: &str, mode: &str) -> Value {
    app.ok(
        "POST",
        &format!("/api/v2/corpora/{corpus}/retrieval-test"),
        token,
        Some(&json!({"query": query, "top_k": 5, "mode": mode})),
    )
    .await
}

/// Retries a semantic search until its first passage contains `expected` (embedding runs after
/// indexing, in the background), at most 120 s; returns the last result.
async fn until_found_by_meaning(app: &TestApp, token: &str, corpus: i64, query: &str, expected: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        last = search(app, token, corpus, query, "semantic").await;
        if last["chunks"][0]["text"].as_str().is_some_and(|t| t.contains(expected)) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{query:?} did not find {expected:?} by meaning within 120 s: {last}");
}

#[tokio::test]
async fn the_demo_finds_a_paraphrased_question_and_quotes_only_what_answers_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_database(format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display()));
    config.object_store = dir.path().join("objects").display().to_string();
    config.index_dir = dir.path().join("index");
    config.parse_program = Some(env!("CARGO_BIN_EXE_ejento-server").into());
    config.embedding_model_dir = model_dir();
    config.local_token_delay_ms = 0;
    let app = Application::build(config).await.unwrap();
    let (store, objects) = (app.state().store.clone(), app.state().objects.clone());
    seed::seed_demo(&store, &objects).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let app = TestApp::attach(base, store, dir);
    let (_, body) = app
        .post_json(
            "/auth-service/api/v2/login/access-token",
            &json!({"username": "admin@northwind.example", "password": seed::DEMO_PASSWORD}),
        )
        .await;
    let admin = body["data"]["ejento_access_token"].as_str().unwrap().to_string();
    let billing = app.ok("GET", "/api/v2/corpora?search=Billing", &admin, None).await["corpora"][0]["id"]
        .as_i64()
        .unwrap();

    // The paraphrase shares no word with the rule it asks about.
    let paraphrase = "Can I get my money back on a yearly subscription?";
    let found = until_found_by_meaning(&app, &admin, billing, paraphrase, "pro rata").await;
    assert_eq!(found["chunks"][0]["vector_rank"], 1, "{found}");
    assert_eq!(found["chunks"][0]["keyword_rank"], Value::Null, "{found}");
    assert_eq!(found["embedding_model"], "all-MiniLM-L6-v2");
    let corpus = app.ok("GET", &format!("/api/v2/corpora/{billing}"), &admin, None).await;
    let meaning = &corpus["indexing"]["meaning"];
    assert!(
        meaning["passages"].as_i64().unwrap() >= 4 && meaning["embedded"].as_i64().unwrap() >= 1,
        "how far embedding is: {corpus}"
    );
    // By words it is not first: "back" matches the 30-day rule instead.
    let by_words = search(&app, &admin, billing, paraphrase, "keyword").await;
    assert!(
        !by_words["chunks"][0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("pro rata"),
        "{by_words}"
    );
    // Hybrid (the default) puts it first and shows both places and the fused score.
    let hybrid = app
        .ok(
            "POST",
            &format!("/api/v2/corpora/{billing}/retrieval-test"),
            &admin,
            Some(&json!({"query": paraphrase})),
        )
        .await;
    assert_eq!(hybrid["mode"], "hybrid");
    let first = &hybrid["chunks"][0];
    assert!(first["text"].as_str().unwrap().contains("pro rata"), "{hybrid}");
    assert_eq!(first["vector_rank"], 1);
    let score = first["score"].as_f64().unwrap();
    assert!(
        (0.69..=1.0).contains(&score),
        "fused scores are 0–1, meaning weighs 0.7: {hybrid}"
    );
    let both = hybrid["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| !c["keyword_rank"].is_null());
    assert!(
        both.is_some(),
        "the passage found by words is listed with its BM25 rank: {hybrid}"
    );

    // The Billing Helper searches hybrid by default and quotes only refund rules.
    let agents = app.ok("GET", "/api/v2/agents?search=Billing", &admin, None).await;
    let agent = &agents["agents"][0];
    assert_eq!(agent["retrieval_mode"], "hybrid");
    assert_eq!(agent["embedding_model"], "all-MiniLM-L6-v2");
    let agent_id = agent["id"].as_i64().unwrap();
    let answer = app
        .ask(&admin, agent_id, "What is the refund policy for annual plans?")
        .await;
    let text = answer["answer"].as_str().unwrap_or_default();
    assert!(text.contains("pro rata"), "{answer}");
    assert!(
        !text.contains("failed card payment"),
        "the off-topic sentence is not chosen: {answer}"
    );
    let weather = app.ask(&admin, agent_id, "What's the weather in Paris tomorrow?").await;
    assert!(
        weather["answer"]
            .as_str()
            .unwrap_or_default()
            .contains("do not cover that"),
        "{weather}"
    );

    // The mode is the agent's to choose, kept in its history; nonsense is refused.
    let updated = app
        .ok(
            "PUT",
            &format!("/api/v2/agents/{agent_id}"),
            &admin,
            Some(&json!({"retrieval_mode": "keyword"})),
        )
        .await;
    assert_eq!(updated["retrieval_mode"], "keyword", "{updated}");
    let (status, refused) = app
        .call(
            "PUT",
            &format!("/api/v2/agents/{agent_id}"),
            &admin,
            Some(&json!({"retrieval_mode": "telepathy"})),
        )
        .await;
    assert!((400..500).contains(&status), "{status} {refused}");
    let history = app
        .ok("GET", &format!("/api/v2/agents/{agent_id}/history"), &admin, None)
        .await;
    assert_eq!(history["history_records"][0]["retrieval_mode"], "keyword", "{history}");

    // Minimum relevance: a retrieval test leaves out what scores below it…
    let retrieve = |mode: &'static str, min: f64| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.ok(
                "POST",
                &format!("/api/v2/corpora/{billing}/retrieval-test"),
                &admin,
                Some(&json!({"query": paraphrase, "top_k": 10, "mode": mode, "min_relevance": min})),
            )
            .await["chunks"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let scores = |chunks: &[Value]| chunks.iter().map(|c| c["score"].as_f64().unwrap()).collect::<Vec<_>>();
    let all = scores(&retrieve("hybrid", 0.0).await);
    let kept = scores(&retrieve("hybrid", 0.6).await);
    assert!(kept.len() < all.len() && !kept.is_empty(), "{all:?} vs {kept:?}");
    assert!(kept.iter().all(|s| *s >= 0.6), "{kept:?}");
    assert_eq!(kept, all.iter().copied().filter(|s| *s >= 0.6).collect::<Vec<_>>());
    // …by words, relative to the best passage (BM25 has no scale of its own).
    let words = scores(&retrieve("keyword", 0.0).await);
    let best_words = scores(&retrieve("keyword", 0.999).await);
    assert!(words.len() > 1, "{words:?}");
    assert_eq!(best_words, vec![words[0]]);
    let (status, refused) = app
        .call(
            "POST",
            &format!("/api/v2/corpora/{billing}/retrieval-test"),
            &admin,
            Some(&json!({"query": paraphrase, "min_relevance": 2})),
        )
        .await;
    common::assert_error(status, &refused, 422);
    // …and an agent with one answers from those passages only; it is kept in its history.
    let updated = app
        .ok(
            "PUT",
            &format!("/api/v2/agents/{agent_id}"),
            &admin,
            Some(&json!({"retrieval_mode": "hybrid", "min_relevance": 0.6, "chunk_count": 3})),
        )
        .await;
    assert_eq!(updated["min_relevance"], 0.6, "{updated}");
    assert_eq!(updated["chunk_count"], 3);
    let history = app
        .ok("GET", &format!("/api/v2/agents/{agent_id}/history"), &admin, None)
        .await;
    assert_eq!(history["history_records"][0]["min_relevance"], 0.6, "{history}");
    let (status, refused) = app
        .call(
            "PUT",
            &format!("/api/v2/agents/{agent_id}"),
            &admin,
            Some(&json!({"min_relevance": -0.1})),
        )
        .await;
    common::assert_error(status, &refused, 422);
    let asked = app.ask(&admin, agent_id, paraphrase).await;
    let id = asked["agent_response_id"].as_i64().unwrap();
    let log = app.ok("GET", &format!("/api/v2/chat-logs/{id}"), &admin, None).await;
    let used = scores(log["supporting_content"].as_array().unwrap());
    assert!(!used.is_empty() && used.len() <= 3, "{log}");
    assert!(used.iter().all(|s| *s >= 0.6), "{used:?}");
}

#[tokio::test]
async fn vectors_are_stored_with_the_chunks_and_another_replica_follows_them() {
    let Some(a) = TestApp::spawn_with(Backend::Postgres, |c| c.embedding_model_dir = model_dir()).await else {
        return;
    };
    let b = a.replica_with(|c| c.embedding_model_dir = model_dir()).await;
    let (token, _) = a.signed_up("replicas@example.com").await;
    let agent = a
        .agent_with_document(
            &token,
            "Billing",
            "billing.txt",
            "Annual plans cancelled mid-term are refunded pro rata for the unused full months.",
        )
        .await;
    let corpus = a.agent_corpus(&token, agent).await;
    // Embedded by whichever replica claimed the chunk, searched on the other.
    until_found_by_meaning(
        &b,
        &token,
        corpus,
        "Can I get my money back on a yearly subscription?",
        "pro rata",
    )
    .await;
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&a.database_url)
        .await
        .unwrap();
    let (embedded, length, model): (i64, i32, String) = sqlx::query_as(
        "SELECT COUNT(*), MIN(octet_length(embedding)), MIN(embedding_model) FROM chunks WHERE embedding IS NOT NULL",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!((embedded, length, model.as_str()), (1, 384 * 4, "all-MiniLM-L6-v2"));
    // Vectors arrive as a change of their own, which the BM25 index skips (same text).
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM search_changes ORDER BY seq")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(kinds, ["content", "vectors"]);
    // Deleted on A: gone from B's search by meaning at once.
    let documents = a
        .ok("GET", &format!("/api/v2/corpora/{corpus}/documents"), &token, None)
        .await;
    let document = documents["documents"][0]["id"].as_i64().expect("the document");
    a.ok("DELETE", &format!("/api/v2/documents/{document}"), &token, None)
        .await;
    let after = search(&b, &token, corpus, "money back on a yearly subscription", "semantic").await;
    assert_eq!(after["chunks"], json!([]), "{after}");
}

/// An OpenAI-compatible embeddings endpoint: each text becomes a bag of its words hashed into
/// 32 dimensions, so texts sharing words are near and others are not.
async fn embedding_stand_in() -> String {
    async fn embeddings(Json(body): Json<Value>) -> Json<Value> {
        let data: Vec<Value> = body["input"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let mut v = vec![0.0f32; 32];
                for word in text
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                {
                    if word.len() > 3 {
                        let h = word
                            .bytes()
                            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
                        v[(h % 32) as usize] += 1.0;
                    }
                }
                json!({"object": "embedding", "index": index, "embedding": v})
            })
            .collect();
        Json(json!({"object": "list", "data": data, "model": "bag-of-words"}))
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, Router::new().route("/v1/embeddings", post(embeddings)))
            .await
            .unwrap()
    });
    format!("http://{address}/v1")
}

#[tokio::test]
async fn a_remote_embedding_endpoint_serves_the_vectors() {
    let endpoint = embedding_stand_in().await;
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.embedding_deployment =
            json!({"name": "words", "base_url": endpoint, "model": "bag-of-words", "dimensions": 32}).to_string();
    })
    .await
    .unwrap();
    let (token, _) = app.signed_up("remote@example.com").await;
    let agent = app
        .agent_with_document(
            &token,
            "Gardener",
            "garden.txt",
            "Tomatoes need full sun and deep watering.\n\nRoses are pruned in late winter before new growth.",
        )
        .await;
    let corpus = app.agent_corpus(&token, agent).await;
    let found = until_found_by_meaning(&app, &token, corpus, "when are roses pruned", "Roses").await;
    assert_eq!(found["embedding_model"], "words");
    let agent = app.ok("GET", &format!("/api/v2/agents/{agent}"), &token, None).await;
    assert_eq!(agent["embedding_model"], "words");
}

#[tokio::test]
async fn without_a_model_every_mode_searches_by_words_and_says_so() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.embedding_model_dir = "/nonexistent/model".into())
        .await
        .unwrap();
    let (token, _) = app.signed_up("nomodel@example.com").await;
    let agent = app
        .agent_with_document(&token, "Plain", "plain.txt", "Refunds are paid within thirty days.")
        .await;
    let corpus = app.agent_corpus(&token, agent).await;
    let plain = app.ok("GET", &format!("/api/v2/corpora/{corpus}"), &token, None).await;
    assert!(
        plain["indexing"].get("meaning").is_none(),
        "no model, no embedding progress: {plain}"
    );
    for mode in ["hybrid", "semantic", "keyword"] {
        let result = search(&app, &token, corpus, "refunds", mode).await;
        assert_eq!(result["embedding_model"], Value::Null);
        assert_eq!(result["chunks"][0]["keyword_rank"], 1, "{mode}: {result}");
    }
    let agent = app.ok("GET", &format!("/api/v2/agents/{agent}"), &token, None).await;
    assert_eq!(
        (agent["retrieval_mode"].as_str(), &agent["embedding_model"]),
        (Some("hybrid"), &Value::Null)
    );
}
