//! Evaluations in a real browser against the real server, the agent answering with a stand-in
//! for an OpenAI-compatible model (a third-party service; it speaks the real protocol and, like
//! a model, follows its system prompt): a dataset is built from three answered questions of the
//! chat logs, edited inline, run with an LLM judge, the agent's prompt is changed in its
//! settings, the dataset runs again, and the comparison shows per question what got worse; an
//! answer is scored by hand with the organization's own metric.

#[path = "../crates/server/tests/common/model.rs"]
mod model;

use ejento_e2e::{Browser, SERIAL, Server};
use serde_json::json;

const PASSWORD: &str = "correct-horse-battery";

/// Runs the dataset from the Runs tab with the stand-in as judge, and waits for `completed`
/// rows to number `finished`.
async fn run_dataset(browser: &Browser, name: &str, finished: usize) {
    browser.fill("#run-name", name).await;
    browser.wait_for("#run-judge option:nth-child(2)").await;
    browser
        .eval("const s = document.querySelector('#run-judge'); s.selectedIndex = 1; s.dispatchEvent(new Event('change')); return true;")
        .await;
    browser.click("#start-run-button").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while browser.count(".run-row[data-status='completed']").await < finished {
        assert!(std::time::Instant::now() < deadline, "run {name} did not complete");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_dataset_from_chat_logs_is_run_changed_and_compared() {
    let _serial = SERIAL.lock().await;
    let (model_url, _model) = model::start().await;
    let server = Server::start_with(move |c| c.model_deployments = model::deployments(&model_url)).await;
    let token = server.register("eve@example.com", PASSWORD, "Eve Evaluator").await;
    let team = server.post(&token, "/api/v2/teams", json!({"name": "Support"})).await;
    let project = server
        .post(
            &token,
            "/api/v2/projects",
            json!({"name": "Help desk", "team_id": team["id"]}),
        )
        .await;
    let agent = server
        .post(
            &token,
            "/api/v2/agents",
            json!({"project_id": project["id"], "agent_name": "Billing Helper"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let get = |path: String| {
        let (url, token) = (server.url(&path), token.clone());
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()["data"]
                .clone()
        }
    };
    let corpus = get(format!("/api/v2/agents/{agent}/corpora")).await["items"]["agent_corpus"][0]["corpus_id"]
        .as_i64()
        .unwrap();
    server
        .add_document(
            &token,
            corpus,
            "policies.md",
            "# Refunds\n\nRefunds are paid back within 14 days to the original card.\n\n\
             # Payments\n\nWe accept cards and bank transfers for every order.\n\n\
             # Parcels\n\nParcels leave the warehouse at 16:00 on weekdays.\n",
        )
        .await;
    let reader = get("/api/v2/llm-configurations".into())
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["provider"] == "openai-compatible")
        .unwrap()["id"]
        .clone();
    server
        .send(
            reqwest::Method::PUT,
            &token,
            &format!("/api/v2/agents/{agent}/llm-configuration"),
            json!({"llm_config_id": reader}),
        )
        .await;
    // Three questions asked in the chat: the chat logs to build the dataset from.
    for question in [
        "How long do refunds take?",
        "Which payments do you accept?",
        "When do parcels leave?",
    ] {
        server
            .post(
                &token,
                &format!("/response-service/api/v2/agents/{agent}/responses"),
                json!({"user_query": question}),
            )
            .await;
    }

    let browser = Browser::launch().await;
    browser.sign_in(&server, "eve@example.com", PASSWORD).await;
    browser.click("#nav-evaluations").await;
    browser.wait_for_text("main h1", "Evaluations").await;
    browser.wait_for_any_text(".empty-state", "No datasets").await;
    // A metric of our own, scored by people.
    browser.click("#metrics-card summary").await;
    browser
        .wait_for_any_text("#metric-list", "Faithfulness (LLM judge)")
        .await;
    browser.fill("#metric-name", "Tone").await;
    browser.fill("#metric-description", "Polite and plain").await;
    browser.click("#metric-form button[type=submit]").await;
    browser.wait_for_any_text("#metric-list", "Tone").await;
    browser.click("#new-dataset summary").await;
    browser.fill("#dataset-name", "Support questions").await;
    browser.click("#dataset-form button[type=submit]").await;
    browser.wait_for_text("#dataset-title", "Support questions").await;
    let dataset_url = browser
        .wait_for_url("a dataset page", |u| u.path().starts_with("/evaluations/datasets/"))
        .await;

    // Pick the three answered questions from the chat logs.
    browser.click("#pick-from-logs summary").await;
    browser.wait_for_count(".pick-log", 3).await;
    for n in 1..=3 {
        browser
            .click(&format!("#chat-log-picks li:nth-child({n}) .pick-log"))
            .await;
    }
    browser.wait_for_text("#add-picked", "Add 3 selected").await;
    browser.click("#add-picked").await;
    browser.wait_for_count(".question-row", 3).await;
    browser
        .wait_for_any_text("#question-list", "Refunds are paid back within 14 days")
        .await;
    // Edit one inline: Enter saves.
    browser.click(".question-row:nth-child(1) .edit-question").await;
    browser
        .fill(
            ".question-row:nth-child(1) input[aria-label='Expected sources']",
            "policies.md\u{E007}",
        )
        .await;
    browser
        .wait_for_any_text(".question-row:nth-child(1)", "policies.md")
        .await;
    browser.wait_for_count(".question-row .inline-input", 0).await;
    browser.screenshot("evaluation-dataset").await;
    // "Add a question" stays open from one question to the next.
    browser.click("#add-question summary").await;
    for (n, question) in ["Do refunds cover shipping?", "Can I pay by invoice?"]
        .into_iter()
        .enumerate()
    {
        browser.fill("#question-text", question).await;
        browser.click("#add-question button[type=submit]").await;
        browser.wait_for_count(".question-row", 4 + n).await;
        assert_eq!(
            browser
                .eval("return document.querySelector('#add-question').open")
                .await,
            true
        );
        assert_eq!(
            browser.value("#question-text").await,
            "",
            "the form is ready for the next one"
        );
    }
    for (n, question) in ["Do refunds cover shipping?", "Can I pay by invoice?"]
        .into_iter()
        .enumerate()
    {
        let delete = format!(
            "//*[contains(@class, 'question-row')][contains(., '{question}')]//button[@aria-label='Delete question']"
        );
        let button = browser
            .client
            .find(fantoccini::Locator::XPath(&delete))
            .await
            .expect("the question's Delete");
        // The "Question added." toasts sit over it: close them, as a person would.
        while browser.count(".toast .icon-button").await > 0 {
            browser.click(".toast .icon-button").await;
        }
        button.click().await.expect("click Delete");
        browser.accept_dialog().await;
        browser.wait_for_count(".question-row", 4 - n).await;
    }

    // First run: the agent quotes its documents.
    browser.click("#tab-runs").await;
    browser.wait_for_any_text(".empty-state", "No runs yet").await;
    run_dataset(&browser, "Quoting", 1).await;
    browser
        .wait_for_any_text("#run-list thead", "Faithfulness (LLM judge)")
        .await;

    // Change the agent's prompt in its settings.
    browser
        .goto(&server.url(&format!("/agents/{agent}?tab=configuration")))
        .await;
    // This server has no embedding model: the retrieval setting says what that means.
    browser.wait_for_any_text("#agent-retrieval-note", "Keyword only").await;
    browser.fill("#agent-prompt", "Say only that it depends.").await;
    let chunks_before = browser.value("#agent-chunks").await;
    browser.fill("#agent-chunks", "2").await;
    browser.click("#save-config").await;
    browser.wait_for(".toast-success").await;

    // Second run, then the chart across runs and the comparison.
    browser
        .goto(&format!("{}?tab=runs", dataset_url.as_str().split('?').next().unwrap()))
        .await;
    run_dataset(&browser, "Hedging", 2).await;
    browser.wait_for("#runs-chart canvas").await;
    browser.screenshot("evaluation-runs").await;
    // Wide tables scroll inside their frame; the page itself never scrolls sideways.
    let overflow = browser
        .eval("return document.documentElement.scrollWidth - window.innerWidth")
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "the page scrolls sideways by {overflow} px"
    );
    browser.click(".run-row:nth-child(1) .pick-run").await;
    browser.click(".run-row:nth-child(2) .pick-run").await;
    browser.click("#compare-runs").await;
    browser
        .wait_for_url("the comparison", |u| u.path() == "/evaluations/compare")
        .await;
    // What changed: the prompt as a word diff (the new words marked, not the old text struck
    // out whole) and the retrieved chunks.
    browser
        .wait_for_any_text(
            "#configuration-changes [data-field=prompt] .diff ins",
            "Say only that it depends.",
        )
        .await;
    browser
        .wait_for_text(
            "#configuration-changes [data-field='retrieved chunks'] .change-pair",
            &format!("{chunks_before} → 2"),
        )
        .await;
    browser.wait_for_any_text("#change-regressed", "(3)").await;
    browser.wait_for_count(".compare-item", 3).await;
    browser
        .wait_for_any_text(
            ".compare-item:nth-child(1) .diff del",
            "Refunds are paid back within 14 days",
        )
        .await;
    browser
        .wait_for_any_text(".compare-item:nth-child(1) .diff ins", "It depends")
        .await;
    browser.wait_for_any_text("#metric-deltas", "▼ -0.80").await;
    browser.screenshot("evaluation-compare").await;
    browser.click("#change-improved").await;
    browser
        .wait_for_url("filtered", |u| u.query().is_some_and(|q| q.contains("change=improved")))
        .await;
    browser.wait_for_any_text(".empty-state", "No questions here").await;
    browser.click("#change-regressed").await;
    browser.wait_for_count(".compare-item", 3).await;

    // The candidate's results, sorted by a metric, one opened.
    browser.click(".compare-head .card:nth-child(3) a").await;
    browser.wait_for_text("#run-title", "Hedging").await;
    browser.wait_for_count(".result-row", 3).await;
    browser.click(".sort-by").await;
    browser
        .wait_for_url("sorted", |u| u.query().is_some_and(|q| q.contains("sort=")))
        .await;
    browser.click(".result-row:nth-child(1) .open-result").await;
    browser.wait_for_any_text(".result-detail", "The answer hedges.").await;
    browser
        .wait_for_any_text(".result-detail .sources", "policies.md")
        .await;
    // Scoring the answer by hand: out of range first, then a real score (typed as a person would).
    browser.fill(".result-detail .score-input", "2").await;
    browser.click(".score-form button[type=submit]").await;
    browser
        .wait_for_any_text(".score-form .field-error", "from 0 to 1")
        .await;
    browser.fill(".result-detail .score-input", "0.25").await;
    browser.click(".score-form button[type=submit]").await;
    browser.wait_for_any_text("#result-list thead", "Tone").await;
    // The summary's labels are upper-cased by CSS: read the text itself.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while browser
        .eval("return document.querySelector('#run-summary').textContent.includes('Tone')")
        .await
        != true
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the run's summary has no Tone average"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // What judging took, apart from the answers: three judgements of 240 tokens.
    let summary = browser
        .eval("return document.querySelector('#run-summary').textContent")
        .await;
    let summary = summary.as_str().unwrap();
    assert!(
        summary.contains("Judging") && summary.contains("720") && summary.contains("$0.00084"),
        "{summary}"
    );
    browser.screenshot("evaluation-run").await;
    browser.close().await;
}
