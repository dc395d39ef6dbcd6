//! Analytics in a real browser: on generated history, every tab draws its charts; a range
//! preset changes the URL and the numbers; a chart's CSV holds exactly the API's numbers; the
//! entity table sorts and filters by an entity, in the URL.

use ejento_e2e::{Browser, SERIAL, Server};
use serde_json::{Value, json};

const PASSWORD: &str = "correct-horse-battery";

async fn csv_of(browser: &Browser, button: &str) -> String {
    browser
        .eval(
            "window.__csv = null; URL.createObjectURL = (blob) => { blob.text().then(t => window.__csv = t); return 'blob:x'; }; \
             URL.revokeObjectURL = () => {}; return true;",
        )
        .await;
    browser.click(button).await;
    for _ in 0..50 {
        let csv = browser.eval("return window.__csv").await;
        if let Some(text) = csv.as_str() {
            return text.to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{button} produced no file");
}

/// (start, end, zone, bucket) the page says it shows.
async fn shown_range(browser: &Browser) -> (String, String, String, String) {
    let text = browser
        .eval("return document.querySelector('#analytics-range').textContent")
        .await;
    let text = text.as_str().unwrap();
    let (dates, rest) = text.split_once(" · ").unwrap();
    let (start, end) = dates.split_once(" to ").unwrap();
    let (zone, bucket) = rest.split_once(" · by ").unwrap();
    (start.into(), end.into(), zone.into(), bucket.into())
}

#[tokio::test]
async fn charts_ranges_exports_and_filters() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    for (team, agent) in [("Support", "Billing Helper"), ("Research", "Paper Scout")] {
        let team = server.post(&token, "/api/v2/teams", json!({"name": team})).await;
        let project = server
            .post(
                &token,
                "/api/v2/projects",
                json!({"name": format!("{agent} project"), "team_id": team["id"]}),
            )
            .await;
        server
            .post(
                &token,
                "/api/v2/agents",
                json!({"project_id": project["id"], "agent_name": agent}),
            )
            .await;
    }
    let me: Value = reqwest::Client::new()
        .get(server.url("/api/v2/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let org = me["data"]["organization"]["id"].as_i64().unwrap();
    ejento_server::seed::history::generate(&server.store, org, 3000, 11)
        .await
        .unwrap();

    let browser = Browser::launch().await;
    browser.sign_in(&server, "ada@example.com", PASSWORD).await;

    // The analytics code and ECharts are fetched when the page is first opened, not before.
    let fetched = "return performance.getEntriesByType('resource').map(e => e.name).join(' ')";
    let before = browser.eval(fetched).await.as_str().unwrap().to_string();
    assert!(before.contains("_bg.wasm"), "{before}");
    assert!(
        !before.contains("split_analytics") && !before.contains("echarts"),
        "{before}"
    );
    browser.click("a[href='/analytics']").await;
    browser.wait_for("#total-counts").await;
    browser.wait_for("#summary-cards").await;
    for chart in ["#chart-queries", "#chart-tokens", "#chart-cost", "#chart-votes"] {
        browser.wait_for(&format!("{chart} canvas")).await;
    }
    // Read only once the charts are drawn: ECharts is fetched after the page's own code, so
    // reading at the first card raced with its download (CI saw the page without it).
    let after = browser.eval(fetched).await.as_str().unwrap().to_string();
    assert!(
        after.contains("split_analytics") && after.contains("echarts"),
        "{after}"
    );
    assert!(!after.contains("split_chat"), "other sections stay unloaded: {after}");
    assert_eq!(browser.count(".chart-card .form-error").await, 0);
    browser.screenshot("analytics-overview").await;
    // Votes read at a glance: helpful green, not helpful red (not the palette's second colour,
    // a green).
    let votes = browser
        .eval(
            "const el = document.querySelector('#chart-votes'); \
             const div = el.matches('.chart') ? el : el.querySelector('.chart'); \
             return echarts.getInstanceByDom(div).getOption().series.map(s => [s.name, s.itemStyle && s.itemStyle.color]);",
        )
        .await;
    assert_eq!(votes, json!([["Helpful", "#16a34a"], ["Not helpful", "#dc2626"]]));

    // Charts are canvases, which CSS cannot restyle: switching the theme redraws them in it.
    let corner = "const c = document.querySelector('#chart-queries canvas'); \
                  return Array.from(c.getContext('2d').getImageData(2, 2, 1, 1).data);";
    let light = browser.eval(corner).await;
    assert_eq!(
        light[3], 0,
        "the light theme draws on a transparent background: {light}"
    );
    browser.click("#theme-toggle").await;
    // In the dark theme too the chart draws on nothing: the card's own dark surface shows
    // through (ECharts' dark theme would paint a navy of its own, unlike the cards).
    let card = "const bg = getComputedStyle(document.querySelector('#chart-queries').closest('.card')).backgroundColor; \
                return bg.match(/\\d+/g).slice(0, 3).map(Number);";
    let mut dark = Value::Null;
    for _ in 0..50 {
        dark = browser.eval(card).await;
        let brightness: i64 = (0..3).map(|i| dark[i].as_i64().unwrap_or(255)).sum();
        if brightness < 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let brightness: i64 = (0..3).map(|i| dark[i].as_i64().unwrap()).sum();
    assert!(brightness < 200, "the dark theme's card: {dark}");
    browser.wait_for("#chart-queries canvas").await;
    let corner_dark = browser.eval(corner).await;
    assert_eq!(
        corner_dark[3], 0,
        "the chart's background stays transparent: {corner_dark}"
    );
    browser.click("#theme-toggle").await;

    // A preset: the URL and the range change, and the charts follow.
    browser.click("#range-7d").await;
    browser
        .wait_for_url("range=7d", |u| u.query().is_some_and(|q| q.contains("range=7d")))
        .await;
    browser.wait_for_any_text("#analytics-range", "by day").await;
    browser.wait_for("#chart-queries canvas").await;

    // The queries chart's CSV is exactly the API's series for the same range.
    let (start, end, zone, bucket) = shown_range(&browser).await;
    let csv = csv_of(&browser, "#chart-queries-csv").await;
    let api: Value = reqwest::Client::new()
        .get(server.url(&format!(
            "/api/v2/query-counts/?start_date={start}&end_date={end}&timezone={zone}&bucket_type={bucket}"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let series = api["data"]["series"].as_array().unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "bucket,start,queries");
    assert_eq!(lines.len() - 1, series.len(), "{csv}");
    for (line, point) in lines[1..].iter().zip(series) {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols[0], point["bucket"].as_str().unwrap());
        assert_eq!(cols[2], point["query_count"].to_string());
    }
    let total: i64 = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(2).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, api["data"]["totals"]["query_count"].as_i64().unwrap());
    assert!(total > 0, "seven days of generated history have queries");

    // Speed and models: the same numbers as the API's latency report, in the table and its CSV.
    browser.wait_for("#latency-models tbody tr").await;
    let latency = server
        .send(
            reqwest::Method::GET,
            &token,
            &format!("/api/v2/analytics/latency?start_date={start}&end_date={end}&timezone={zone}"),
            Value::Null,
        )
        .await;
    let models = latency["models"].as_array().unwrap();
    assert!(models.len() >= 2, "{latency}");
    assert_eq!(browser.count("#latency-models tbody tr").await, models.len());
    let csv = csv_of(&browser, "#latency-csv").await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "model,answers,total_tokens,cost_usd,first_token_p50_ms,first_token_p95_ms,end_p50_ms,end_p95_ms"
    );
    for (line, m) in lines[1..].iter().zip(models) {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols[0], m["model"].as_str().unwrap());
        assert_eq!(cols[1], m["query_count"].to_string());
        assert_eq!(cols[4], m["first_token"]["p50_ms"].to_string());
        assert_eq!(cols[7], m["total"]["p95_ms"].to_string());
    }
    let p50 = latency["first_token"]["p50_ms"].as_i64().unwrap();
    let shown = browser
        .eval("return document.querySelector('#latency-first-token').textContent")
        .await;
    let shown = shown.as_str().unwrap();
    assert!(
        shown.starts_with(&ejento_dashboard_duration(p50)),
        "{shown} vs {p50} ms"
    );
    browser
        .eval("document.querySelector('#latency').scrollIntoView(); return true;")
        .await;
    browser.screenshot("analytics-latency").await;

    // Each entity tab draws its charts and a sortable table.
    browser
        .eval(
            "window.__errors = []; const error = console.error; \
             console.error = (...a) => { window.__errors.push(a.join(' ')); error(...a); }; return true;",
        )
        .await;
    for tab in ["agents", "projects", "teams", "users"] {
        browser.click(&format!("#tab-{tab}")).await;
        browser.wait_for("#chart-most-active canvas").await;
        browser.wait_for("#entity-table tbody tr").await;
    }
    assert_eq!(
        browser.eval("return window.__errors.length").await,
        0,
        "no errors in the console"
    );
    browser.click("#tab-agents").await;
    browser.wait_for("#entity-table tbody tr").await;
    browser.wait_for("#chart-entity-modes canvas").await;
    browser.screenshot("analytics-agents").await;
    // The indexing-modes donut has no zero slices (their labels piled up at one point).
    let slices = browser
        .eval(
            "const el = document.querySelector('#chart-entity-modes'); \
             const div = el.matches('.chart') ? el : el.querySelector('.chart'); \
             return echarts.getInstanceByDom(div).getOption().series[0].data.map(d => d.value);",
        )
        .await;
    let slices = slices.as_array().expect("the donut's slices");
    assert!(
        !slices.is_empty() && slices.iter().all(|v| v.as_f64().unwrap() > 0.0),
        "{slices:?}"
    );
    // Names sort A to Z on the first click, Z to A on the second.
    let first_row = "return document.querySelector('#entity-table tbody tr td').textContent";
    browser.click_text("#entity-table th button", "Name").await;
    browser.wait_for("#entity-table th[aria-sort=ascending] button").await;
    assert_eq!(browser.eval(first_row).await, "Billing Helper");
    browser.click_text("#entity-table th button", "Name").await;
    browser.wait_for("#entity-table th[aria-sort=descending] button").await;
    assert_eq!(browser.eval(first_row).await, "Paper Scout");
    // Filtering by an agent puts it in the URL and narrows the table to it.
    browser.click("#entity-table tbody tr button").await;
    browser
        .wait_for_url("agent_ids", |u| u.query().is_some_and(|q| q.contains("agent_ids=")))
        .await;
    browser.wait_for_count("#entity-table tbody tr", 1).await;
    browser.wait_for("#analytics-filters").await;
    browser.close().await;
}

/// The page's way of writing a duration: "340 ms", "1.2 s".
fn ejento_dashboard_duration(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}
