//! `make bench`: many answers streaming at once. The real server runs as its own process (so its
//! memory is its own) with the local answerer at its default pace; the bench opens
//! `EJENTO_BENCH_STREAMS` (default 1,000) `POST …/responses/stream` at once and reports the time to
//! the first answer token (p50/p99) and the server's memory per open stream (peak RSS above the
//! idle RSS, divided by the streams open at that moment). Budget: <= 20 KB RSS per idle stream
//! (`reference/performance.md`); answering streams also hold their retrieval and answer state.

use std::{
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const DOCUMENT: &str = "# Travel policy\n\nTrain travel is booked in second class for trips under four hours. \
Flights need the approval of the team lead when they cost more than 400 EUR. Hotel nights are \
reimbursed up to 150 EUR in capital cities and 110 EUR elsewhere. Receipts are uploaded within \
thirty days of the trip, otherwise the expense is not reimbursed.\n\n## Meals\n\nMeals on travel \
days are covered up to 45 EUR per day. Alcohol is never reimbursed.\n";

const QUESTIONS: [&str; 4] = [
    "How are hotel nights reimbursed?",
    "When do flights need approval?",
    "Which class is train travel booked in?",
    "Are meals covered on travel days?",
];

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
}

fn start_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_ejento-server"))
        .arg("serve")
        .env(
            "EJENTO_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()),
        )
        .env("EJENTO_BIND", format!("127.0.0.1:{port}"))
        .env("EJENTO_JWT_SECRET", "bench-secret-bench-secret-bench-secret")
        .env("EJENTO_OBJECT_STORE", dir.path().join("objects"))
        .env("EJENTO_INDEX_DIR", dir.path().join("index"))
        .env("EJENTO_OUTBOX_DIR", dir.path().join("outbox"))
        .env("EJENTO_DIST", dir.path().join("no-dashboard"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

async fn data(res: reqwest::RequestBuilder) -> Value {
    let res = res.send().await.expect("request");
    let status = res.status();
    let body: Value = res.json().await.expect("JSON");
    assert!(status.is_success(), "{status}: {body}");
    body["data"].clone()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// One streamed answer: milliseconds to the first answer token, and whether it ended well.
async fn stream(
    client: reqwest::Client,
    url: String,
    token: String,
    question: &str,
    open: Arc<AtomicUsize>,
) -> (f64, bool) {
    let started = Instant::now();
    let mut res = client
        .post(url)
        .bearer_auth(token)
        .json(&json!({"user_query": question, "chat_thread_id": null}))
        .send()
        .await
        .expect("stream request");
    assert_eq!(res.status(), 200);
    open.fetch_add(1, Ordering::SeqCst);
    let mut first = None;
    let mut text = String::new();
    while let Ok(Some(chunk)) = res.chunk().await {
        text.push_str(&String::from_utf8_lossy(&chunk));
        if first.is_none() && text.contains("\"step\":\"assistant_stream\"") {
            first = Some(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    open.fetch_sub(1, Ordering::SeqCst);
    let ended = text.contains("event: end") && text.contains("\"success\":true");
    (first.unwrap_or(f64::NAN), ended)
}

async fn run(streams: usize) {
    let server = start_server();
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let base = server.base.clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let signup = data(
        client
            .post(format!("{base}/auth-service/api/v2/users/signup"))
            .json(&json!({"email": "bench@example.com", "password": "a-good-password", "full_name": "Bench"})),
    )
    .await;
    let token = signup["ejento_access_token"].as_str().unwrap().to_string();
    let team = data(
        client
            .post(format!("{base}/api/v2/teams"))
            .bearer_auth(&token)
            .json(&json!({"name": "Ops"})),
    )
    .await;
    let project = data(
        client
            .post(format!("{base}/api/v2/projects"))
            .bearer_auth(&token)
            .json(&json!({"name": "Travel", "team_id": team["id"]})),
    )
    .await;
    let agent = data(
        client
            .post(format!("{base}/api/v2/agents"))
            .bearer_auth(&token)
            .json(&json!({"project_id": project["id"], "agent_name": "Travel Desk"})),
    )
    .await;
    let agent_id = agent["id"].as_i64().unwrap();
    let corpora = data(
        client
            .get(format!("{base}/api/v2/agents/{agent_id}/corpora"))
            .bearer_auth(&token),
    )
    .await;
    let corpus = corpora["items"]["agent_corpus"][0]["corpus_id"].as_i64().unwrap();
    let form = reqwest::multipart::Form::new().text("content_type", "file").part(
        "source",
        reqwest::multipart::Part::bytes(DOCUMENT.as_bytes().to_vec()).file_name("travel.md"),
    );
    let queued = data(
        client
            .post(format!("{base}/indexing-service/api/v2/corpora/{corpus}/documents"))
            .bearer_auth(&token)
            .multipart(form),
    )
    .await;
    let document = queued["id"].as_i64().unwrap();
    while data(
        client
            .get(format!("{base}/api/v2/documents/{document}"))
            .bearer_auth(&token),
    )
    .await["step"]
        != "indexed"
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = format!("{base}/response-service/api/v2/agents/{agent_id}/responses/stream");
    // Warm up (connection handling, caches, the tokenizer), then read the idle footprint.
    let open = Arc::new(AtomicUsize::new(0));
    for q in QUESTIONS {
        stream(client.clone(), url.clone(), token.clone(), q, open.clone()).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_kb = server.rss_kb();

    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (open, sampling) = (open.clone(), sampling.clone());
        tokio::spawn(async move {
            // (extra KB, streams open then) when the most streams were open at once (freed memory
            // stays with the allocator, so the largest footprint alone would say little).
            let mut peak = (0u64, 0usize);
            while sampling.load(Ordering::SeqCst) {
                let rss = server.rss_kb().saturating_sub(idle_kb);
                let now_open = open.load(Ordering::SeqCst);
                if now_open > peak.1 || (now_open == peak.1 && rss > peak.0) {
                    peak = (rss, now_open);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (peak, server)
        })
    };
    let started = Instant::now();
    let tasks: Vec<_> = (0..streams)
        .map(|i| {
            tokio::spawn(stream(
                client.clone(),
                url.clone(),
                token.clone(),
                QUESTIONS[i % QUESTIONS.len()],
                open.clone(),
            ))
        })
        .collect();
    let mut ttft = Vec::new();
    let mut ended = 0;
    for t in tasks {
        let (first, ok) = t.await.unwrap();
        if first.is_finite() {
            ttft.push(first);
        }
        ended += usize::from(ok);
    }
    let wall = started.elapsed().as_secs_f64();
    sampling.store(false, Ordering::SeqCst);
    let ((extra_kb, open_at_peak), _server) = sampler.await.unwrap();
    ttft.sort_by(f64::total_cmp);
    println!(
        "{streams} concurrent streams (local answerer, SQLite): {ended} ended well in {wall:.1} s; \
         time to first answer token p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        percentile(&ttft, 0.5),
        percentile(&ttft, 0.99),
        ttft.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "server memory: idle {:.1} MB; +{:.1} MB with {open_at_peak} streams open at once = {:.1} KB per answering stream",
        idle_kb as f64 / 1024.0,
        extra_kb as f64 / 1024.0,
        extra_kb as f64 / open_at_peak.max(1) as f64
    );
}

fn main() {
    let streams = std::env::var("EJENTO_BENCH_STREAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(streams));
}
