//! The corpus views in a real browser against the real server: create a corpus, drop three
//! files, watch them reach Indexed, test retrieval, delete one, and see it gone from retrieval.

use ejento_e2e::{Browser, SERIAL, Server};

const PASSWORD: &str = "correct-horse-battery";

/// Drops files on the drop zone the way a browser does: a `drop` event carrying a DataTransfer.
const DROP_THREE_FILES: &str = r##"
const dt = new DataTransfer();
dt.items.add(new File(["# Refund policy\n\nRefunds reach the customer within thirty days, always by bank transfer.\n"], "refunds.md", {type: "text/markdown"}));
dt.items.add(new File(["city,warehouse\nRotterdam,North pier\nOslo,Harbour gate\n"], "warehouses.csv", {type: "text/csv"}));
dt.items.add(new File(["The onboarding checklist: laptop, badge, and a welcome lunch.\n"], "onboarding.txt", {type: "text/plain"}));
document.querySelector('#dropzone').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
return true;
"##;

#[tokio::test]
async fn a_corpus_is_filled_by_dropping_files_and_searched() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let team = server
        .post(&token, "/api/v2/teams", serde_json::json!({"name": "Support"}))
        .await;
    let project = server
        .post(
            &token,
            "/api/v2/projects",
            serde_json::json!({"name": "Help", "team_id": team["id"]}),
        )
        .await;
    server
        .post(
            &token,
            "/api/v2/agents",
            serde_json::json!({"project_id": project["id"], "agent_name": "Refund Bot"}),
        )
        .await;
    let browser = Browser::launch().await;
    browser.sign_in(&server, "ada@example.com", PASSWORD).await;

    browser.goto(&server.url("/corpora")).await;
    browser.click("#new-corpus").await;
    browser.fill("#corpus-name", "Handbook").await;
    browser.click("#corpus-save").await;
    browser.click_text("#corpus-table a", "Handbook").await;
    browser.wait_for_text("#corpus-title", "Handbook").await;
    browser.wait_for_any_text(".empty-title", "No documents").await;

    browser.eval(DROP_THREE_FILES).await;
    browser.wait_for_count("#upload-list li", 3).await;
    browser.wait_for_count("#document-table tbody tr", 3).await;
    // Each file ends Indexed; the table updates by itself.
    browser.wait_for_count("#document-table [data-step=indexed]", 3).await;
    // …and so does the upload list: no file says "indexing" once it is indexed.
    browser.wait_for_count("#upload-list [data-step=indexed]", 3).await;
    browser.screenshot("corpus-documents").await;

    // Dropping the same file again warns before uploading it twice.
    browser
        .eval(r#"const dt = new DataTransfer(); dt.items.add(new File(["The onboarding checklist: laptop, badge, and a welcome lunch.\n"], "copy.txt", {type: "text/plain"})); document.querySelector('#dropzone').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); return true;"#)
        .await;
    browser
        .wait_for_any_text("#upload-list .warning", "Already in this corpus as “onboarding.txt”")
        .await;
    browser.click_text("#upload-list button", "Skip").await;

    browser.click("#tab-retrieval").await;
    browser.fill("#retrieval-query", "how long do refunds take").await;
    browser.click("#run-retrieval").await;
    browser
        .wait_for_text("#retrieval-results li:first-child .retrieved-head a", "refunds.md")
        .await;
    browser.wait_for_any_text("#retrieval-results mark", "Refunds").await;
    browser.screenshot("retrieval-test").await;

    browser.click("#tab-documents").await;
    browser.wait_for_count("#document-table tbody tr", 3).await;
    browser
        .click("#document-table tr[data-document='refunds.md'] input[type=checkbox]")
        .await;
    browser.click("#delete-selected").await;
    browser.accept_dialog().await;
    browser.wait_for_count("#document-table tbody tr", 2).await;

    browser.click("#tab-retrieval").await;
    browser.fill("#retrieval-query", "how long do refunds take").await;
    browser.click("#run-retrieval").await;
    browser.wait_for("#retrieval-empty").await;

    // Connect an agent to the corpus, then switch the connection off.
    browser.click("#tab-access").await;
    browser.fill("#agent-search", "Refund").await;
    browser
        .eval("document.querySelector('#agent-search').dispatchEvent(new Event('change')); return true;")
        .await;
    browser.wait_for_any_text("#agent-choice option", "Refund Bot").await;
    browser
        .eval("const s = document.querySelector('#agent-choice'); s.value = s.options[1].value; s.dispatchEvent(new Event('change')); return true;")
        .await;
    browser.click("#connect-agent").await;
    browser.wait_for_any_text("#connected-agents li", "Refund Bot").await;
    browser.click_text("#connected-agents button", "Enabled").await;
    browser.wait_for_any_text("#connected-agents button", "Disabled").await;

    // A document's own page: chunks and status history.
    browser.click("#tab-documents").await;
    browser.click_text("#document-table a", "warehouses.csv").await;
    browser.wait_for_text("#document-title", "warehouses.csv").await;
    // The breadcrumb names the corpus it is in.
    browser.wait_for_text("#document-crumbs", "Corpora › Handbook").await;
    browser
        .wait_for_any_text("#chunk-list .chunk-text", "city: Rotterdam; warehouse: North pier")
        .await;
    browser.wait_for_any_text("#history li", "Indexed").await;
    browser.close().await;
}

/// Search by meaning in the browser: the retrieval test ranks the passage a paraphrase asks
/// about first, showing its BM25 and vector places and the fused score, and the agent's
/// configuration shows which model reads meaning and saves the agent's retrieval mode.
#[tokio::test]
async fn a_paraphrase_is_found_by_meaning_and_the_agent_chooses_how_it_searches() {
    let _serial = SERIAL.lock().await;
    let model = ejento_server::embeddings::minilm::installed_dir()
        .expect("the embedding model is not installed: run scripts/setup.sh");
    let server = Server::start_with(|c| c.embedding_model_dir = model.display().to_string()).await;
    let token = server.register("grace@example.com", PASSWORD, "Grace Hopper").await;
    let (agent, corpus) = server.agent(&token, "Billing Helper").await;
    server
        .add_document(
            &token,
            corpus,
            "refunds.md",
            "# Refund policy\n\nCustomers may ask for a refund within 30 days of an invoice date. Refunds go back \
             to the original payment method.\n\n## Partial refunds\n\nAnnual plans cancelled mid-term are refunded \
             pro rata for the unused full months.\n",
        )
        .await;
    let paraphrase = "Can I get my money back on a yearly subscription?";
    // Embedding follows indexing in the background: wait until meaning finds the passage.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let found = server
            .post(
                &token,
                &format!("/api/v2/corpora/{corpus}/retrieval-test"),
                serde_json::json!({"query": paraphrase, "mode": "semantic"}),
            )
            .await;
        if found["chunks"][0]["vector_rank"] == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not embedded within 120 s: {found}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }

    let browser = Browser::launch().await;
    browser.sign_in(&server, "grace@example.com", PASSWORD).await;
    browser.goto(&server.url(&format!("/corpora/{corpus}"))).await;
    browser
        .wait_for_text("#meaning-progress", "Meaning: all 2 passages")
        .await;
    browser.click("#tab-retrieval").await;
    assert_eq!(
        browser.value("#retrieval-mode").await,
        "hybrid",
        "hybrid is the default"
    );
    browser.fill("#retrieval-query", paraphrase).await;
    browser.click("#run-retrieval").await;
    browser
        .wait_for_any_text(
            "#retrieval-summary",
            "by keywords and meaning (all-MiniLM-L6-v2), fused",
        )
        .await;
    browser
        .wait_for_any_text("#retrieval-results li:first-child .chunk-text", "pro rata")
        .await;
    browser
        .wait_for_any_text("#retrieval-results li:first-child .ranks", "meaning #1 · fused")
        .await;
    browser.screenshot("retrieval-by-meaning").await;
    // By words alone the passage has no BM25 place.
    browser.choose("#retrieval-mode", "keyword").await;
    browser.click("#run-retrieval").await;
    browser
        .wait_for_any_text("#retrieval-summary", "by keywords (BM25)")
        .await;
    browser
        .wait_for_any_text("#retrieval-results li:first-child .ranks", "meaning — · BM25 score")
        .await;

    browser
        .goto(&server.url(&format!("/agents/{agent}?tab=configuration")))
        .await;
    browser
        .wait_for_any_text("#agent-retrieval-note", "Meaning is read by all-MiniLM-L6-v2.")
        .await;
    assert_eq!(browser.value("#agent-retrieval").await, "hybrid");
    browser.screenshot("agent-retrieval-settings").await;
    browser.choose("#agent-retrieval", "semantic").await;
    // A minimum relevance out of range is refused in the form, a good one saved.
    browser.fill("#agent-min-relevance", "1.5").await;
    browser.click("#save-config").await;
    browser.wait_for_any_text(".field-error", "from 0 to 1").await;
    browser.fill("#agent-min-relevance", "0.35").await;
    browser.click("#save-config").await;
    browser.wait_for(".toast-success").await;
    let saved = server
        .send(
            reqwest::Method::GET,
            &token,
            &format!("/api/v2/agents/{agent}"),
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(saved["retrieval_mode"], "semantic", "{saved}");
    assert_eq!(saved["min_relevance"], 0.35, "{saved}");

    // Knowledge: the agent's corpora with their documents, and how it searches them.
    let handbook = server
        .post(&token, "/api/v2/corpora", serde_json::json!({"name": "Staff handbook"}))
        .await["id"]
        .as_i64()
        .unwrap();
    server
        .add_document(
            &token,
            handbook,
            "leave.md",
            "# Leave\n\nEveryone has 25 days of paid leave a year.\n",
        )
        .await;
    browser.click("#tab-knowledge").await;
    browser
        .wait_for_any_text(
            "#knowledge-settings",
            "Searches by meaning for 8 passages scoring at least 0.35.",
        )
        .await;
    browser.wait_for_count("#knowledge-corpora > li", 1).await;
    browser.wait_for_any_text("#knowledge-corpora", "refunds.md").await;
    browser.choose("#knowledge-corpus", &handbook.to_string()).await;
    browser.click("#knowledge-connect-button").await;
    browser.wait_for_count("#knowledge-corpora > li", 2).await;
    browser.wait_for_any_text("#knowledge-corpora", "leave.md").await;
    browser.screenshot("agent-knowledge").await;
    let connections_path = format!("/api/v2/agents/{agent}/corpora");
    let connected = || server.send(reqwest::Method::GET, &token, &connections_path, serde_json::Value::Null);
    let list = connected().await;
    let handbook_link = |list: &serde_json::Value| {
        list["items"]["agent_corpus"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["corpus_id"] == handbook)
            .cloned()
    };
    assert_eq!(handbook_link(&list).unwrap()["is_enabled"], true, "{list}");
    // Paused: still connected, not searched.
    browser
        .click(&format!("li[data-corpus='{handbook}'] input[role='switch']"))
        .await;
    browser.wait_for(".toast-success").await;
    let mut paused = false;
    for _ in 0..50 {
        if handbook_link(&connected().await).is_some_and(|c| c["is_enabled"] == false) {
            paused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(paused, "the switch pauses the corpus");
    browser
        .click(&format!("li[data-corpus='{handbook}'] button.danger"))
        .await;
    browser.accept_dialog().await;
    browser.wait_for_count("#knowledge-corpora > li", 1).await;
    assert!(handbook_link(&connected().await).is_none());
    browser.close().await;
}

#[tokio::test]
async fn a_chunk_is_corrected_and_turned_off_on_the_document_page() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("grace@example.com", PASSWORD, "Grace Hopper").await;
    let (_, corpus) = server.agent(&token, "Zoo Guide").await;
    let document = server
        .add_document(&token, corpus, "zoo.md", "# Zebras\n\nZebras sleep standing up.\n")
        .await;
    let browser = Browser::launch().await;
    browser.sign_in(&server, "grace@example.com", PASSWORD).await;
    browser.goto(&server.url(&format!("/documents/{document}"))).await;
    browser
        .wait_for_any_text("#chunk-list .chunk-text", "Zebras sleep standing up.")
        .await;
    browser.click("#chunk-list .chunk-edit").await;
    browser
        .fill("#chunk-list textarea", "Zebras sleep standing up, in short naps.")
        .await;
    browser.click("#chunk-list .chunk-form button[type='submit']").await;
    browser
        .wait_for_any_text("#chunk-list .chunk-text", "in short naps")
        .await;
    browser.wait_for_any_text("#chunk-list .chunk-item", "edited").await;
    let search = |query: &'static str| {
        let (server, token) = (&server, token.clone());
        async move {
            server
                .post(
                    &token,
                    &format!("/api/v2/corpora/{corpus}/retrieval-test"),
                    serde_json::json!({"query": query, "mode": "keyword"}),
                )
                .await["chunks"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(search("naps").await, 1, "the corrected text is searched");
    browser.click("#chunk-list .chunk-toggle").await;
    browser.wait_for_count("#chunk-list .chunk-item.disabled", 1).await;
    browser.screenshot("document-chunk-edited-and-off").await;
    assert_eq!(search("naps").await, 0, "a chunk turned off is not searched");
    browser.close().await;

    // Someone who may only read the corpus sees the chunks, not the controls that change them,
    // and is told what they would need.
    let reader = server.register("rita@example.com", PASSWORD, "Rita Reader").await;
    let me = server
        .send(
            reqwest::Method::GET,
            &reader,
            "/api/v2/users/me",
            serde_json::Value::Null,
        )
        .await;
    server
        .post(
            &token,
            &format!("/api/v2/corpora/{corpus}/permissions"),
            serde_json::json!({"user_id": me["id"], "access": "Read"}),
        )
        .await;
    let browser = Browser::launch().await;
    browser.sign_in(&server, "rita@example.com", PASSWORD).await;
    browser.goto(&server.url(&format!("/documents/{document}"))).await;
    browser
        .wait_for_any_text("#chunk-list .chunk-text", "in short naps")
        .await;
    browser.wait_for_any_text("#chunks-note", "needs Write access").await;
    assert_eq!(
        browser
            .count("#chunk-list .chunk-edit, #chunk-list .chunk-toggle")
            .await,
        0
    );
    assert_eq!(browser.count("#document-reindex").await, 0);
    browser.screenshot("document-chunks-read-only").await;
    browser.close().await;
}

/// Sets a file on a file input the way a person picking one does.
fn pick_file(input: &str, name: &str, text: &str) -> String {
    format!(
        r#"const dt = new DataTransfer();
dt.items.add(new File([{text}], {name}, {{type: "text/plain"}}));
const input = document.querySelector({input});
input.files = dt.files;
input.dispatchEvent(new Event('change', {{bubbles: true}}));
return true;"#,
        text = serde_json::to_string(text).unwrap(),
        name = serde_json::to_string(name).unwrap(),
        input = serde_json::to_string(input).unwrap(),
    )
}

#[tokio::test]
async fn chunk_size_and_overlap_are_chosen_with_a_preview_before_uploading() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("sid@example.com", PASSWORD, "Sid Sizes").await;
    let (_, corpus) = server.agent(&token, "Harbour Guide").await;
    let text: String = (1..=70)
        .map(|n| {
            format!("Paragraph {n:02} tells of harbour number {n}. Its ships sail at dawn and return by dusk.\n\n")
        })
        .collect::<String>()
        + "A line that looks like markup: <img src=x onerror=alert(1)> stays text.\n";
    let browser = Browser::launch().await;
    browser.sign_in(&server, "sid@example.com", PASSWORD).await;
    browser.goto(&server.url(&format!("/corpora/{corpus}"))).await;
    browser.click("#chunking-summary").await;
    browser
        .wait_for_any_text("#chunking-summary", "this corpus' default")
        .await;

    // Sizes are checked as typed, with the server's rules; nothing can be previewed meanwhile.
    browser.fill("#chunk-size", "150").await;
    browser.wait_for_any_text("#chunking-error", "from 200 to 4000").await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#preview-text').disabled")
            .await,
        true
    );
    browser.fill("#chunk-size", "300").await;
    browser.fill("#chunk-overlap", "60").await;
    browser
        .wait_for_any_text("#chunking-summary", "300 characters, overlap 60")
        .await;
    browser.eval(&pick_file("#preview-file", "harbours.txt", &text)).await;
    browser
        .wait_for_any_text("#chunk-preview-summary", "harbours.txt:")
        .await;
    browser.wait_for_count(".preview-chunk", 20).await;

    // Other sizes make the preview stale until it is made again.
    browser.fill("#chunk-overlap", "40").await;
    browser.wait_for("#preview-again").await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#add-previewed').disabled")
            .await,
        true
    );
    browser.click("#preview-again").await;
    browser
        .wait_for_any_text("#chunk-preview-summary", "of at most 300 characters, overlap 40")
        .await;
    assert_eq!(browser.count("#preview-again").await, 0);
    browser.wait_for_count(".preview-chunk", 20).await;
    let previewed: Vec<String> = serde_json::from_value(
        browser
            .eval("return [...document.querySelectorAll('.preview-chunk .chunk-text')].map(e => e.textContent)")
            .await,
    )
    .unwrap();
    let summary = browser
        .eval("return document.querySelector('#chunk-preview-summary').textContent")
        .await;
    browser.screenshot("upload-chunk-preview").await;

    // Added with these settings: the stored chunks are the ones previewed.
    browser.click("#add-previewed").await;
    browser.wait_for_count("#upload-list [data-step=indexed]", 1).await;
    let documents: ejento_api::DocumentPage = server
        .get_as(&token, &format!("/api/v2/corpora/{corpus}/documents"))
        .await;
    let document = documents.documents[0].clone();
    assert_eq!(
        document.chunk_sizing,
        Some(ejento_api::ChunkSizing { size: 300, overlap: 40 })
    );
    assert!(
        summary
            .as_str()
            .unwrap()
            .contains(&format!("{} chunks", document.chunk_count)),
        "{summary}"
    );
    let chunks: ejento_api::ChunkPage = server
        .get_as(
            &token,
            &format!("/api/v2/documents/{}/chunks?items_per_page=20", document.id),
        )
        .await;
    let stored: Vec<String> = chunks.chunks.into_iter().map(|c| c.text).collect();
    assert_eq!(previewed, stored);

    // The markup-looking line is shown as text, in the preview as on the document page.
    browser
        .fill("#add-text", "Short note: <img src=x onerror=alert(1)> is text.")
        .await;
    browser.click("#preview-text").await;
    browser
        .wait_for_any_text("#chunk-preview-summary", "the text: 1 chunk")
        .await;
    browser
        .wait_for_any_text(".preview-chunk .chunk-text", "<img src=x onerror=alert(1)>")
        .await;
    assert_eq!(browser.count("#chunk-preview img").await, 0);

    browser.goto(&server.url(&format!("/documents/{}", document.id))).await;
    browser
        .wait_for_any_text("#document-chunking", "Chosen: 300 characters, overlap 40")
        .await;

    // Cut again with other sizes from the document page.
    browser.click("#chunking-change").await;
    browser.fill("#recut-size", "120").await;
    browser.wait_for_any_text("#recut-error", "from 200 to 4000").await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#recut-save').disabled")
            .await,
        true
    );
    browser.fill("#recut-size", "500").await;
    browser.fill("#recut-overlap", "50").await;
    browser.click("#recut-save").await;
    browser
        .wait_for_any_text("#document-chunking", "Chosen: 500 characters, overlap 50")
        .await;
    browser.wait_for_count(".page-header [data-step=indexed]", 1).await;
    let recut: ejento_api::Document = server
        .get_as(&token, &format!("/api/v2/documents/{}", document.id))
        .await;
    assert_eq!(
        recut.chunk_sizing,
        Some(ejento_api::ChunkSizing { size: 500, overlap: 50 })
    );
    assert!(recut.chunk_count < document.chunk_count, "{recut:?}");
    browser.screenshot("document-chunking-changed").await;
    browser.close().await;
}
