//! Analytics: every number the usage endpoints give equals a direct computation over the raw
//! responses and votes in this test, for generated history and random filters, ranges, buckets
//! and time zones (a DST change and a +05:30 zone included); rebuilding yields the same rollups;
//! every route answers with and without a trailing slash, names bad parameters, and shows each
//! caller only what they may see.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::{TestApp, assert_error};
use jiff::{Timestamp, civil::Weekday, tz::TimeZone};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

/// One raw response as stored, with its votes.
#[derive(Debug, Clone)]
struct Raw {
    seconds: i64,
    agent: i64,
    project: i64,
    user: i64,
    prompt: i64,
    completion: i64,
    total: i64,
    cost_nanos: i128,
    up: i64,
    down: i64,
}

/// A decimal string as billionths, computed independently of the server's own parser.
fn nanos(decimal: &str) -> i128 {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    let mut fraction = fraction.to_string();
    assert!(fraction.len() <= 9, "costs here have at most 9 decimals: {decimal}");
    while fraction.len() < 9 {
        fraction.push('0');
    }
    whole.parse::<i128>().unwrap() * 1_000_000_000 + fraction.parse::<i128>().unwrap()
}

async fn raw_rows(app: &TestApp) -> Vec<Raw> {
    // (id, created_on, agent, project, user, prompt, completion, total tokens, cost)
    type Row = (i64, String, i64, i64, i64, i64, i64, i64, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, created_on, agent_id, project_id, user_id, prompt_tokens, completion_tokens, total_tokens, cost \
         FROM agent_responses WHERE status <> 'streaming'",
    )
    .fetch_all(&app.store.db().pool)
    .await
    .unwrap();
    let votes: Vec<(i64, String)> = sqlx::query_as("SELECT response_id, vote FROM response_feedback")
        .fetch_all(&app.store.db().pool)
        .await
        .unwrap();
    let mut by_response: HashMap<i64, (i64, i64)> = HashMap::new();
    for (id, vote) in votes {
        let e = by_response.entry(id).or_default();
        if vote == "upvote" {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    rows.into_iter()
        .map(
            |(id, created_on, agent, project, user, prompt, completion, total, cost)| {
                let (up, down) = by_response.get(&id).copied().unwrap_or_default();
                Raw {
                    seconds: created_on.parse::<Timestamp>().unwrap().as_second(),
                    agent,
                    project,
                    user,
                    prompt,
                    completion,
                    total,
                    cost_nanos: nanos(&cost),
                    up,
                    down,
                }
            },
        )
        .collect()
}

/// The label of the bucket an instant falls in, computed from its local date and time.
fn label(seconds: i64, tz: &TimeZone, bucket: &str) -> String {
    let local = Timestamp::from_second(seconds).unwrap().to_zoned(tz.clone());
    let date = local.date();
    match bucket {
        "hour" => local.strftime("%Y-%m-%dT%H:00").to_string(),
        "day" => date.to_string(),
        "week" => {
            let back = Weekday::Monday.until(date.weekday());
            date.checked_sub(jiff::Span::new().days(i64::from(back)))
                .unwrap()
                .to_string()
        }
        _ => date.strftime("%Y-%m").to_string(),
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Sums {
    queries: i64,
    prompt: i64,
    completion: i64,
    total: i64,
    cost: i128,
    up: i64,
    down: i64,
}

impl Sums {
    fn add(&mut self, r: &Raw) {
        self.queries += 1;
        self.prompt += r.prompt;
        self.completion += r.completion;
        self.total += r.total;
        self.cost += r.cost_nanos;
        self.up += r.up;
        self.down += r.down;
    }

    /// Whether the API's metrics (of whichever metric a report is about) match.
    fn matches(&self, v: &Value) -> bool {
        let int = |k: &str, want: i64| v.get(k).is_none_or(|x| x.as_i64() == Some(want));
        int("query_count", self.queries)
            && int("prompt_tokens", self.prompt)
            && int("completion_tokens", self.completion)
            && int("total_tokens", self.total)
            && int("upvotes", self.up)
            && int("downvotes", self.down)
            && v.get("cost").is_none_or(|c| nanos(c.as_str().unwrap()) == self.cost)
    }
}

fn ids_param(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// An organization with three teams, projects and agents, a few members, generated history and
/// some live answers and votes. Returns (admin token, organization).
async fn organization_with_history(app: &TestApp) -> (String, i64) {
    let (token, _, org) = app.member("ada@example.com", "Ada Admin").await;
    for t in ["Support", "Research", "Finance"] {
        let team = app.ok("POST", "/api/v2/teams", &token, Some(&json!({"name": t}))).await;
        for p in 0..2 {
            let project = app
                .ok(
                    "POST",
                    "/api/v2/projects",
                    &token,
                    Some(&json!({"name": format!("{t} {p}"), "team_id": team["id"]})),
                )
                .await;
            app.ok(
                "POST",
                "/api/v2/agents",
                &token,
                Some(&json!({"project_id": project["id"], "agent_name": format!("{t} agent {p}")})),
            )
            .await;
        }
    }
    // A project without a team: in agent and project numbers, not in any team's.
    let loose = app
        .ok("POST", "/api/v2/projects", &token, Some(&json!({"name": "Loose"})))
        .await;
    let agent = app
        .ok(
            "POST",
            "/api/v2/agents",
            &token,
            Some(&json!({"project_id": loose["id"], "agent_name": "Loose agent"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let written = ejento_server::seed::history::generate(&app.store, org, 1500, 7)
        .await
        .unwrap();
    assert_eq!(written, 1500);
    // Live answers and votes go through the same accounting.
    for q in ["How long do refunds take?", "Who approves refunds?"] {
        let out = app
            .ok(
                "POST",
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                &token,
                Some(&json!({"user_query": q})),
            )
            .await;
        let id = out["agent_response_id"].as_i64().unwrap();
        app.ok(
            "POST",
            &format!("/api/v2/agent-responses/{id}/feedbacks"),
            &token,
            Some(&json!({"vote_type": "downvote"})),
        )
        .await;
        // Changing one's mind moves the vote, it does not add one.
        app.ok(
            "POST",
            &format!("/api/v2/agent-responses/{id}/feedbacks"),
            &token,
            Some(&json!({"vote_type": "upvote"})),
        )
        .await;
    }
    (token, org)
}

both_backends!(usage_numbers_equal_the_raw_rows, |app: TestApp| async move {
    let (token, org) = organization_with_history(&app).await;
    let raw = raw_rows(&app).await;
    assert!(raw.iter().any(|r| r.up > 0) && raw.iter().any(|r| r.down > 0));
    let teams_of: HashMap<i64, i64> = app.store.project_teams(org).await.unwrap().into_iter().collect();
    let agents: Vec<i64> = raw
        .iter()
        .map(|r| r.agent)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let users: Vec<i64> = raw
        .iter()
        .map(|r| r.user)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let teams: Vec<i64> = teams_of
        .values()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let today = Timestamp::now().to_zoned(TimeZone::UTC).date();

    let mut rng = StdRng::seed_from_u64(42);
    // (start, end, zone, bucket): the European DST change of 2026-10-25 by the hour, a
    // half-hour zone, whole history by week and month, and random ones.
    let mut cases: Vec<(String, String, &str, &str)> = vec![
        ("2026-10-24".into(), "2026-10-26".into(), "Europe/Berlin", "hour"),
        ("2026-10-31".into(), "2026-11-02".into(), "America/New_York", "hour"),
        (
            today.checked_sub(jiff::Span::new().days(95)).unwrap().to_string(),
            today.to_string(),
            "Asia/Kolkata",
            "day",
        ),
        (
            today.checked_sub(jiff::Span::new().days(95)).unwrap().to_string(),
            today.to_string(),
            "UTC",
            "week",
        ),
        (
            today.checked_sub(jiff::Span::new().days(95)).unwrap().to_string(),
            today.to_string(),
            "Australia/Adelaide",
            "month",
        ),
    ];
    let zones = [
        "UTC",
        "Europe/Berlin",
        "Asia/Kolkata",
        "America/New_York",
        "Asia/Kathmandu",
    ];
    for _ in 0..6 {
        let back = rng.gen_range(0..90);
        let len = rng.gen_range(0..30);
        let end = today.checked_sub(jiff::Span::new().days(back)).unwrap();
        let start = end.checked_sub(jiff::Span::new().days(len)).unwrap();
        let bucket = ["day", "week", "month"][rng.gen_range(0..3)];
        cases.push((
            start.to_string(),
            end.to_string(),
            zones[rng.gen_range(0..zones.len())],
            bucket,
        ));
    }
    let endpoints = [
        ("/api/v2/query-counts/", None),
        ("/api/v2/token-counts/", None),
        ("/api/v2/analytics/costs/", None),
        ("/api/v2/analytics/vote-counts/", None),
        ("/api/v2/analytics/agents/costs", Some("agent")),
        ("/api/v2/analytics/projects/token-counts", Some("project")),
        ("/api/v2/analytics/teams/query-counts", Some("team")),
        ("/api/v2/analytics/users/vote-counts", Some("user")),
    ];
    let mut compared = 0;
    for (i, (start, end, zone, bucket)) in cases.iter().enumerate() {
        let tz = TimeZone::get(zone).unwrap();
        // Random filters on some cases.
        let mut filter = String::new();
        let mut agent_filter: Option<Vec<i64>> = None;
        let mut user_filter: Option<Vec<i64>> = None;
        let mut team_filter: Option<Vec<i64>> = None;
        if i % 3 == 1 {
            let pick: Vec<i64> = agents.iter().copied().filter(|_| rng.gen_bool(0.5)).collect();
            filter.push_str(&format!("&agent_ids={}", ids_param(&pick)));
            agent_filter = Some(pick);
        }
        if i % 3 == 2 {
            let pick: Vec<i64> = users.iter().copied().filter(|_| rng.gen_bool(0.4)).collect();
            filter.push_str(&format!("&user_ids={}", ids_param(&pick)));
            user_filter = Some(pick);
            let t = vec![teams[rng.gen_range(0..teams.len())]];
            filter.push_str(&format!("&team_ids={}", ids_param(&t)));
            team_filter = Some(t);
        }
        let first = start.parse::<jiff::civil::Date>().unwrap();
        let last = end.parse::<jiff::civil::Date>().unwrap();
        let chosen: Vec<&Raw> = raw
            .iter()
            .filter(|r| {
                let date = Timestamp::from_second(r.seconds).unwrap().to_zoned(tz.clone()).date();
                date >= first
                    && date <= last
                    && agent_filter.as_ref().is_none_or(|a| a.contains(&r.agent))
                    && user_filter.as_ref().is_none_or(|u| u.contains(&r.user))
                    && team_filter
                        .as_ref()
                        .is_none_or(|t| teams_of.get(&r.project).is_some_and(|team| t.contains(team)))
            })
            .collect();
        let mut total = Sums::default();
        let mut series: BTreeMap<String, Sums> = BTreeMap::new();
        for r in &chosen {
            total.add(r);
            series.entry(label(r.seconds, &tz, bucket)).or_default().add(r);
        }
        for (path, by) in endpoints {
            let url = format!("{path}?start_date={start}&end_date={end}&timezone={zone}&bucket_type={bucket}{filter}");
            let data = app.ok("GET", &url, &token, None).await;
            assert!(
                total.matches(&data["totals"]),
                "{url}: totals {:?} vs {}",
                total,
                data["totals"]
            );
            let points = data["series"].as_array().unwrap();
            let labels: BTreeSet<&str> = points.iter().map(|p| p["bucket"].as_str().unwrap()).collect();
            for l in series.keys() {
                assert!(labels.contains(l.as_str()), "{url}: bucket {l} is missing");
            }
            for p in points {
                let want = series.get(p["bucket"].as_str().unwrap()).copied().unwrap_or_default();
                // A local hour that happens twice (DST ends) is two buckets of one label.
                let same_label = points.iter().filter(|q| q["bucket"] == p["bucket"]).count();
                if same_label == 1 {
                    assert!(want.matches(p), "{url}: bucket {} {:?} vs {p}", p["bucket"], want);
                }
            }
            if let Some(by) = by {
                let mut expected: BTreeMap<i64, Sums> = BTreeMap::new();
                for r in &chosen {
                    let key = match by {
                        "agent" => Some(r.agent),
                        "project" => Some(r.project),
                        "team" => teams_of.get(&r.project).copied(),
                        _ => Some(r.user),
                    };
                    if let Some(k) = key {
                        expected.entry(k).or_default().add(r);
                    }
                }
                let items = data["items"].as_array().unwrap();
                let got: BTreeSet<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
                assert_eq!(
                    got,
                    expected.keys().copied().collect::<BTreeSet<_>>(),
                    "{url}: entities"
                );
                for item in items {
                    let want = expected[&item["id"].as_i64().unwrap()];
                    assert!(want.matches(item), "{url}: {item} vs {want:?}");
                    assert!(!item["name"].as_str().unwrap().is_empty());
                }
            }
            compared += 1;
        }
    }
    assert_eq!(compared, cases.len() * endpoints.len());

    // Most active agents: by queries, with distinct askers, over the raw rows.
    let start = today.checked_sub(jiff::Span::new().days(29)).unwrap();
    let data = app
        .ok("GET", "/api/v2/analytics/agents/most-active?limit=3", &token, None)
        .await;
    let mut per_agent: BTreeMap<i64, (i64, BTreeSet<i64>)> = BTreeMap::new();
    for r in &raw {
        let date = Timestamp::from_second(r.seconds)
            .unwrap()
            .to_zoned(TimeZone::UTC)
            .date();
        if date >= start && date <= today {
            let e = per_agent.entry(r.agent).or_default();
            e.0 += 1;
            e.1.insert(r.user);
        }
    }
    let mut ranked: Vec<(i64, i64, i64)> = per_agent.iter().map(|(a, (q, u))| (*a, *q, u.len() as i64)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let items = data["items"].as_array().unwrap();
    assert_eq!(items.len(), 3.min(ranked.len()));
    for (item, (agent, queries, askers)) in items.iter().zip(&ranked) {
        assert_eq!(item["id"], *agent);
        assert_eq!(item["query_count"], *queries);
        assert_eq!(item["user_count"], *askers);
    }

    // Summary: this period against the one before, per user and per thread.
    let s = app.ok("GET", "/api/v2/analytics/summary", &token, None).await;
    let current: i64 = per_agent.values().map(|(q, _)| q).sum();
    assert_eq!(s["current"]["query_count"], current);
    assert!(s["previous"]["query_count"].as_i64().unwrap() > 0);
    assert!(s["current"]["thread_count"].as_i64().unwrap() > 0);
    assert!(s["change"]["query_count"].is_number());

    // Rebuilding from raw data finds nothing to correct.
    let report = app.store.rebuild_usage_rollups().await.unwrap();
    assert!(report.differences.is_empty(), "{:#?}", report.differences);
    assert_eq!(report.responses as usize, raw.len());

    // Latency: an evaluation run's answer is not a person's and is left out.
    let agent = agents[0];
    app.ok(
        "POST",
        &format!("/response-service/api/v2/agents/{agent}/responses"),
        &token,
        Some(&json!({"user_query": "How long do refunds take?", "query_source": "evaluation"})),
    )
    .await;
    let timed = timed_rows(&app).await;
    assert!(timed.iter().any(|t| t.source == "evaluation"));
    assert!(timed.iter().map(|t| &t.model).collect::<BTreeSet<_>>().len() >= 3);
    for (i, (start, end, zone, _)) in cases.iter().enumerate() {
        let tz = TimeZone::get(zone).unwrap();
        let (first, last) = (
            start.parse::<jiff::civil::Date>().unwrap(),
            end.parse::<jiff::civil::Date>().unwrap(),
        );
        let pick: Option<Vec<i64>> =
            (i % 2 == 1).then(|| agents.iter().copied().filter(|_| rng.gen_bool(0.5)).collect());
        let filter = pick
            .as_ref()
            .map(|p| format!("&agent_ids={}", ids_param(p)))
            .unwrap_or_default();
        let chosen: Vec<&Timed> = timed
            .iter()
            .filter(|t| {
                let date = Timestamp::from_second(t.seconds).unwrap().to_zoned(tz.clone()).date();
                t.status == "completed"
                    && t.source != "evaluation"
                    && date >= first
                    && date <= last
                    && pick.as_ref().is_none_or(|p| p.contains(&t.agent))
            })
            .collect();
        let url = format!("/api/v2/analytics/latency?start_date={start}&end_date={end}&timezone={zone}{filter}");
        let data = app.ok("GET", &url, &token, None).await;
        assert_eq!(data["query_count"], chosen.len() as i64, "{url}");
        let check = |got: &Value, rows: &[&Timed], what: &str| {
            let mut first: Vec<i64> = rows.iter().filter_map(|t| t.first_token_ms).collect();
            let mut total: Vec<i64> = rows.iter().map(|t| t.latency_ms).collect();
            for (values, key) in [(&mut first, "first_token"), (&mut total, "total")] {
                values.sort();
                let rank = |p: usize| (values.len() * p).div_ceil(100).max(1) - 1;
                let want = |p: usize| {
                    if values.is_empty() {
                        Value::Null
                    } else {
                        json!(values[rank(p)])
                    }
                };
                assert_eq!(got[key]["count"], values.len() as i64, "{url} {what} {key}");
                assert_eq!(got[key]["p50_ms"], want(50), "{url} {what} {key} p50");
                assert_eq!(got[key]["p95_ms"], want(95), "{url} {what} {key} p95");
            }
        };
        check(&data, &chosen, "overall");
        let mut by_model: BTreeMap<&str, Vec<&Timed>> = BTreeMap::new();
        for t in &chosen {
            by_model.entry(t.model.as_str()).or_default().push(t);
        }
        let models = data["models"].as_array().unwrap();
        assert_eq!(models.len(), by_model.len(), "{url}");
        let counts: Vec<i64> = models.iter().map(|m| m["query_count"].as_i64().unwrap()).collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{url}: most used first");
        for m in models {
            let rows = &by_model[m["model"].as_str().unwrap()];
            assert_eq!(m["query_count"], rows.len() as i64);
            assert_eq!(m["total_tokens"], rows.iter().map(|t| t.total).sum::<i64>());
            assert_eq!(
                nanos(m["cost"].as_str().unwrap()),
                rows.iter().map(|t| t.cost_nanos).sum::<i128>()
            );
            check(m, rows, m["model"].as_str().unwrap());
        }
    }
});

/// One response's timing, as stored.
#[derive(Debug)]
struct Timed {
    seconds: i64,
    agent: i64,
    model: String,
    source: String,
    status: String,
    first_token_ms: Option<i64>,
    latency_ms: i64,
    total: i64,
    cost_nanos: i128,
}

async fn timed_rows(app: &TestApp) -> Vec<Timed> {
    type Row = (String, i64, String, String, String, Option<i64>, i64, i64, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT created_on, agent_id, model, query_source, status, first_token_ms, latency_ms, total_tokens, cost \
         FROM agent_responses",
    )
    .fetch_all(&app.store.db().pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(
            |(created_on, agent, model, source, status, first_token_ms, latency_ms, total, cost)| Timed {
                seconds: created_on.parse::<Timestamp>().unwrap().as_second(),
                agent,
                model,
                source,
                status,
                first_token_ms,
                latency_ms,
                total,
                cost_nanos: nanos(&cost),
            },
        )
        .collect()
}

/// The Analytics rows of the contract (the copy kept with the tests).
fn analytics_paths() -> Vec<String> {
    include_str!("contract/endpoints.tsv")
        .lines()
        .filter(|l| l.starts_with("Analytics\t"))
        .map(|l| l.split('\t').nth(3).unwrap().to_string())
        .collect()
}

both_backends!(
    every_route_answers_and_names_bad_parameters,
    |app: TestApp| async move {
        let (token, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let paths = analytics_paths();
        assert_eq!(paths.len(), 46);
        for path in &paths {
            let other = match path.strip_suffix('/') {
                Some(p) => p.to_string(),
                None => format!("{path}/"),
            };
            for p in [path.as_str(), other.as_str()] {
                let (status, body) = app.call("GET", p, &token, None).await;
                assert_eq!(status, 200, "{p}: {body}");
            }
            let (status, body) = app
                .call("GET", &format!("{path}?timezone=Mars/Olympus"), &token, None)
                .await;
            if path.ends_with("total-counts") {
                assert_eq!(status, 200, "total counts take no dates");
                continue;
            }
            assert_error(status, &body, 422);
            assert!(body["errors"]["timezone"].is_array(), "{path}: {body}");
            let (status, body) = app
                .call("GET", &format!("{path}?start_date=2025-02-30"), &token, None)
                .await;
            assert_error(status, &body, 422);
            assert!(body["errors"]["start_date"].is_array(), "{path}: {body}");
        }
        for (path, field) in [
            ("/api/v2/query-counts/?bucket_type=year", "bucket_type"),
            (
                "/api/v2/query-counts/?start_date=2025-01-01&end_date=2025-03-01&bucket_type=hour",
                "bucket_type",
            ),
            (
                "/api/v2/query-counts/?start_date=2025-03-01&end_date=2025-01-01",
                "start_date",
            ),
            ("/api/v2/analytics/agents/costs?agent_ids=1,two", "agent_ids"),
            ("/api/v2/analytics/users/most-active?limit=0", "limit"),
            ("/api/v2/analytics/agents/recent?days=-3", "days"),
        ] {
            let (status, body) = app.call("GET", path, &token, None).await;
            assert_error(status, &body, 422);
            assert!(body["errors"][field].is_array(), "{path}: {body}");
        }
        let (status, _) = app.call("GET", "/api/v2/query-counts/", "not-a-token", None).await;
        assert_eq!(status, 401);
    }
);

#[tokio::test]
async fn each_caller_sees_what_they_administer() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    let (admin, _) = organization_with_history(&app).await;
    let all = app.ok("GET", "/api/v2/query-counts/", &admin, None).await["totals"]["query_count"]
        .as_i64()
        .unwrap();
    assert!(all > 0);

    // A member who administers nothing sees nothing.
    let (member, member_id, _) = app.member("max@example.com", "Max Member").await;
    let data = app.ok("GET", "/api/v2/query-counts/", &member, None).await;
    assert_eq!(data["totals"]["query_count"], 0);
    let counts = app.ok("GET", "/api/v2/analytics/total-counts", &member, None).await;
    assert_eq!(counts["projects"], 0);

    // Made Admin of one project, they see exactly that project's numbers.
    let projects = app
        .ok("GET", "/api/v2/analytics/projects/query-counts", &admin, None)
        .await;
    let busiest = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|p| p["query_count"].as_i64().unwrap())
        .unwrap()
        .clone();
    let project = busiest["id"].as_i64().unwrap();
    app.ok(
        "POST",
        &format!("/api/v2/projects/{project}/users"),
        &admin,
        Some(&json!({"user_ids": [member_id], "role": "Admin"})),
    )
    .await;
    let data = app
        .ok("GET", "/api/v2/analytics/projects/query-counts", &member, None)
        .await;
    assert_eq!(data["totals"]["query_count"], busiest["query_count"]);
    let items = data["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], project);
    // Asking for more than that changes nothing.
    let data = app
        .ok(
            "GET",
            "/api/v2/analytics/agents/query-counts?project_ids=1,2,3,4,5,6,7",
            &member,
            None,
        )
        .await;
    assert_eq!(data["totals"]["query_count"], busiest["query_count"]);
}

#[tokio::test]
async fn another_organization_sees_none_of_it() {
    // Each sign-up founds its own organization.
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| {
        c.signup = ejento_server::config::SignupPolicy::Organizations
    })
    .await
    .unwrap();
    let (admin, org) = organization_with_history(&app).await;
    let mine = app
        .ok("GET", "/api/v2/analytics/agents/query-counts", &admin, None)
        .await;
    assert!(mine["totals"]["query_count"].as_i64().unwrap() > 0);
    let (stranger, _, other_org) = app.member("sam@elsewhere.example", "Sam Stranger").await;
    assert_ne!(other_org, org);
    let data = app
        .ok("GET", "/api/v2/analytics/agents/query-counts", &stranger, None)
        .await;
    assert_eq!(data["totals"]["query_count"], 0);
    assert!(data["items"].as_array().unwrap().is_empty());
    let counts = app.ok("GET", "/api/v2/analytics/total-counts", &stranger, None).await;
    assert_eq!(counts["agents"], 0);
    assert_eq!(counts["queries"], 0);
    // Latency too: another organization's answers are not in its percentiles.
    let mine = app.ok("GET", "/api/v2/analytics/latency", &admin, None).await;
    assert!(mine["query_count"].as_i64().unwrap() > 0, "{mine}");
    let theirs = app.ok("GET", "/api/v2/analytics/latency", &stranger, None).await;
    assert_eq!(theirs["query_count"], 0);
    assert_eq!(theirs["first_token"]["p50_ms"], serde_json::Value::Null);
    assert!(theirs["models"].as_array().unwrap().is_empty());
}
