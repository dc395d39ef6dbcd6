//! `make bench`: every analytics endpoint over 90 days with day buckets, after seeding
//! `EJENTO_BENCH_RESPONSES` (default 10,000,000) answered questions of history through the
//! real accounting, on SQLite and (when `EJENTO_TEST_POSTGRES_URL` is set, as
//! scripts/with-postgres.sh does) on PostgreSQL. Reports p50/p95 per endpoint over HTTP.
//! Budget: p95 <= 300 ms (`reference/performance.md`).

use std::time::{Duration, Instant};

use ejento_server::{Application, Config, seed};
use serde_json::Value;

const ROUNDS: usize = 20;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The Analytics rows of the contract (all GET).
fn paths() -> Vec<String> {
    let doc = ejento_server::routes::openapi_document();
    let mut paths: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops["get"]["tags"][0] == "Analytics")
        .map(|(p, _)| p.clone())
        .collect();
    paths.sort();
    paths
}

async fn run(label: &str, database_url: String, responses: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_database(database_url);
    config.outbox_dir = dir.path().join("outbox");
    config.object_store = dir.path().join("objects").display().to_string();
    config.index_dir = dir.path().join("index");
    config.parse_program = Some(env!("CARGO_BIN_EXE_ejento-server").into());
    let app = Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let store = app.state().store.clone();
    seed::seed_demo(&store, &app.state().objects).await.unwrap();
    tokio::spawn(app.run_until_stopped());
    let org = seed::demo_organization(&store).await.unwrap();
    let started = Instant::now();
    let written = seed::history::generate(&store, org, responses, 2026).await.unwrap();
    println!(
        "{label}: seeded {written} responses in {:.0} s ({:.0}/s)",
        started.elapsed().as_secs_f64(),
        written as f64 / started.elapsed().as_secs_f64()
    );
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/auth-service/api/v2/login/access-token"))
        .json(&serde_json::json!({"username": seed::DEMO_USERS[0].0, "password": seed::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["data"]["ejento_access_token"]
        .as_str()
        .or_else(|| login["ejento_access_token"].as_str())
        .expect("the demo admin signs in")
        .to_string();
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let start = today.checked_sub(jiff::Span::new().days(89)).unwrap();
    let query = format!("start_date={start}&end_date={today}&bucket_type=day&timezone=UTC");
    let mut worst = (0.0, String::new());
    for path in paths() {
        let url = format!("{base}{path}?{query}");
        let mut times = Vec::with_capacity(ROUNDS);
        for round in 0..=ROUNDS {
            let t = Instant::now();
            let res = client.get(&url).bearer_auth(&token).send().await.unwrap();
            assert!(res.status().is_success(), "{path}: {}", res.status());
            res.bytes().await.unwrap();
            // The first call warms caches and connections.
            if round > 0 {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        let (p50, p95) = (percentile(&times, 0.5), percentile(&times, 0.95));
        if p95 > worst.0 {
            worst = (p95, path.clone());
        }
        println!("{label}: {path:<52} p50 {p50:>8.1} ms   p95 {p95:>8.1} ms");
    }
    println!(
        "{label}: slowest p95 {:.1} ms ({}) over 90 days by day at {written} responses (budget 300 ms)",
        worst.0, worst.1
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
}

fn main() {
    let responses = std::env::var("EJENTO_BENCH_RESPONSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.path().join("analytics.db").display());
    runtime.block_on(run("SQLite", sqlite, responses));
    match std::env::var("EJENTO_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => runtime.block_on(run("PostgreSQL", url, responses)),
        _ => println!("PostgreSQL: skipped (run through scripts/with-postgres.sh)"),
    }
}
