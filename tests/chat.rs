//! Chatting in a real browser against the real server: an answer from the agent's documents
//! streams in, survives a reload mid-answer (completing once), cites its source, takes a vote,
//! and hostile document text stays inert. A server crash mid-answer ends, after the restart, with
//! what was said on screen and the reason. The conversation list fits its column, searches as
//! you type and takes the keyboard; New chat leaves an open conversation without a panic.

#[path = "../crates/server/tests/common/model.rs"]
mod model;

use ejento_e2e::{Browser, SERIAL, Server};
use serde_json::json;

const PASSWORD: &str = "correct-horse-battery";

const POLICY: &str = "# Refund policy\n\nRefunds are paid back within 10 business days of the request. \
Refunds above 500 EUR need the billing lead's approval.\n";

/// Plain text keeps markup verbatim (Markdown and HTML files lose it when parsed), so this is
/// what reaches the chat as-is.
const HOSTILE: &str = "The zebra crossing rules apply <img src=x onerror=\"window.__pwned=2\"> near every office \
<script>window.__pwned=1</script> entrance. Read <a href=\"javascript:window.__pwned=3\">the guide</a> before \
crossing zebra lanes.\n";

#[tokio::test]
async fn an_answer_streams_survives_a_reload_and_cites_its_source() {
    let _serial = SERIAL.lock().await;
    // Slow words, so the reload lands mid-answer.
    let server = Server::start_with(|c| c.local_token_delay_ms = 120).await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (agent_id, corpus) = billing_helper(&server, &token).await;
    server.add_document(&token, corpus, "policy.md", POLICY).await;
    server.add_document(&token, corpus, "zebra.txt", HOSTILE).await;

    let browser = signed_in(&server).await;
    browser.goto(&server.url(&format!("/agents/{agent_id}"))).await;
    browser.click("#chat-with-agent").await;
    browser.wait_for_text("#chat-agent", "Billing Helper").await;

    // A conversation starter asks the question; words arrive one by one.
    browser.click_text(".starter", "How long do refunds take?").await;
    browser.wait_for(".turn .cursor").await;
    browser.wait_for_any_text(".turn .answer", "Here is").await;
    let partial = browser
        .eval("return document.querySelector('.turn .answer').textContent")
        .await;
    assert!(
        !partial.as_str().unwrap().contains("10 business days"),
        "still streaming: {partial}"
    );
    browser.screenshot("chat-streaming").await;

    // Reload mid-answer: the thread is in the URL, the answer resumes and completes once.
    let url = browser.eval("return location.pathname").await;
    assert!(
        url.as_str().unwrap().starts_with(&format!("/agents/{agent_id}/chat/")),
        "{url}"
    );
    browser.goto(&server.url(url.as_str().unwrap())).await;
    browser.wait_for_any_text(".turn .answer", "10 business days").await;
    browser.wait_for_count(".turn .cursor", 0).await;
    let text = browser
        .eval("return document.querySelector('.turn .answer').textContent")
        .await;
    assert_eq!(
        text.as_str().unwrap().matches("Here is what the documents say").count(),
        1,
        "{text}"
    );
    assert_eq!(browser.count(".turn").await, 1);

    // The citation opens its passage.
    browser.click(".turn .cite").await;
    browser
        .wait_for_any_text("#citation-text", "Refunds are paid back")
        .await;
    browser.screenshot("chat-citation").await;
    browser.click("#citation-panel .icon-button").await;

    // Thoughts survive the reload: the answer's search and findings are still there.
    assert_eq!(browser.count(".turn details.thoughts").await, 1);
    let thoughts = browser
        .eval("return document.querySelector('.turn details.thoughts').textContent")
        .await;
    assert!(thoughts.as_str().unwrap().contains("Searching"), "{thoughts}");

    // The trace: retrieval with its passages and scores, then the model with its tokens and
    // first token, on one time line.
    browser.click(".turn .trace-button").await;
    browser.wait_for_count("#trace-steps > li", 2).await;
    let kinds = browser
        .eval("return [...document.querySelectorAll('#trace-steps > li')].map(li => li.dataset.kind)")
        .await;
    assert_eq!(kinds, serde_json::json!(["retrieval", "model"]));
    browser.wait_for_any_text("#trace-steps .trace-passages", "score").await;
    browser
        .wait_for_any_text("#trace-steps .trace-model", "first token at")
        .await;
    browser.wait_for_any_text("#trace-summary", "in all").await;
    browser.screenshot("chat-trace").await;
    browser.click("#trace-panel .icon-button").await;
    browser.wait_for_count("#trace-panel", 0).await;

    // A vote sticks.
    browser.click(".turn-actions [aria-label=Helpful]").await;
    browser
        .wait_for(".turn-actions [aria-label=Helpful][aria-pressed=true]")
        .await;

    // Pin it; rename the conversation, then find it by its new name.
    browser.click(".turn-actions [aria-label=Pin]").await;
    browser
        .wait_for(".turn-actions [aria-label=Pin][aria-pressed=true]")
        .await;
    // Rename in place (no browser prompt), then find it by its new name as you type.
    browser.click("#thread-list li button[aria-label^=Rename]").await;
    browser
        .fill("#thread-list .thread-rename", "Refund timing\u{E007}")
        .await;
    browser.wait_for_any_text("#thread-list li a", "Refund timing").await;
    browser.fill("#thread-search", "timing").await;
    browser.wait_for_count("#thread-list li", 1).await;

    // The vote shows in the chat logs, and the CSV export of that filter holds the answer.
    browser.goto(&server.url("/admin/chat-logs?feedback=upvote")).await;
    browser.wait_for_count("#chat-log-table tbody tr", 1).await;
    browser
        .wait_for_any_text("#chat-log-table td", "How long do refunds take?")
        .await;
    // The question reads as a link, not a grey browser button.
    let chrome = browser
        .eval("const b = getComputedStyle(document.querySelector('#chat-log-table .link-button')); return [b.borderTopWidth, b.backgroundColor];")
        .await;
    assert_eq!(chrome, serde_json::json!(["0px", "rgba(0, 0, 0, 0)"]));
    browser.click("#chat-log-table tbody tr").await;
    browser
        .wait_for_any_text("#chat-log-detail .chunk-text", "Refunds are paid back")
        .await;
    browser
        .eval(
            "window.__csv = null; URL.createObjectURL = (blob) => { blob.text().then(t => window.__csv = t); return 'blob:x'; }; \
             URL.revokeObjectURL = () => {}; return true;",
        )
        .await;
    browser.screenshot("chat-logs").await;
    browser.click("#chat-log-detail .icon-button").await;
    browser.wait_for_count("#chat-log-detail", 0).await;
    browser.click("#export-csv").await;
    let mut csv = serde_json::Value::Null;
    for _ in 0..50 {
        csv = browser.eval("return window.__csv").await;
        if csv.is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let csv = csv.as_str().expect("the export produced a file").to_string();
    assert!(csv.starts_with("id,created_on,agent,user,question"), "{csv}");
    assert!(csv.contains("How long do refunds take?"), "{csv}");
    browser.goto(&server.url(url.as_str().unwrap())).await;
    browser.wait_for_count(".turn", 1).await;

    // Hostile text in a document is quoted as text: nothing runs, no element is made.
    browser
        .fill("#composer-input", "zebra crossing rules near the office")
        .await;
    browser.click("#send").await;
    browser.wait_for_count(".turn", 2).await;
    browser.wait_for_any_text(".turn:nth-of-type(2) .answer", "zebra").await;
    browser.wait_for_count(".turn .cursor", 0).await;
    let pwned = browser.eval("return String(window.__pwned)").await;
    assert_eq!(pwned, "undefined", "no script from a document ran");
    assert_eq!(
        browser
            .count(".answer img, .answer script, .answer a[href^='javascript']")
            .await,
        0
    );
    let quoted = browser
        .eval("return document.querySelectorAll('.turn')[1].querySelector('.answer').textContent")
        .await;
    assert!(
        quoted.as_str().unwrap().contains("<img src=x"),
        "the markup shows as text: {quoted}"
    );
    browser.close().await;
}

/// An agent "Billing Helper" in a new team's project, and its corpus.
#[tokio::test]
async fn a_server_crash_mid_answer_ends_with_what_was_said_on_screen() {
    let _serial = SERIAL.lock().await;
    // The server as its own process, slow words, and a short stale time so the test is quick.
    let mut server = Server::start_process(&[
        ("EJENTO_LOCAL_TOKEN_DELAY_MS", "150"),
        ("EJENTO_STREAM_STALE_SECS", "2"),
    ])
    .await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (agent_id, corpus) = billing_helper(&server, &token).await;
    server.add_document(&token, corpus, "policy.md", POLICY).await;
    let browser = signed_in(&server).await;
    browser.goto(&server.url(&format!("/agents/{agent_id}"))).await;
    browser.click("#chat-with-agent").await;
    browser.wait_for_text("#chat-agent", "Billing Helper").await;
    browser.click_text(".starter", "How long do refunds take?").await;
    browser.wait_for_any_text(".turn .answer", "Here is").await;

    // Killed mid-answer and started again: the page's EventSource reconnects to the new process,
    // which ends the orphaned answer with what was said.
    server.crash_and_restart().await;
    browser
        .wait_for_any_text(".turn [role=alert]", "stopped before it finished")
        .await;
    browser.wait_for_count(".turn .cursor", 0).await;
    let shown = browser
        .eval("return document.querySelector('.turn .answer').textContent")
        .await;
    let shown: String = shown.as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    let response = browser
        .eval("return document.querySelector('.turn').dataset.response")
        .await;
    let id: i64 = response.as_str().unwrap().parse().unwrap();
    let stored = server
        .send(
            reqwest::Method::GET,
            &token,
            &format!("/api/v2/agent-responses/{id}"),
            json!(null),
        )
        .await;
    assert_eq!(stored["status"], "failed", "{stored}");
    let said: String = stored["answer"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(said.starts_with("Here is"), "{stored}");
    assert_eq!(shown, said, "what was said is on screen, once");
    assert!(!shown.contains("10 business days"), "it was cut off: {shown}");
    browser.screenshot("chat-after-a-crash").await;
    browser.close().await;
}

async fn billing_helper(server: &Server, token: &str) -> (i64, i64) {
    let team = server.post(token, "/api/v2/teams", json!({"name": "Support"})).await;
    let project = server
        .post(
            token,
            "/api/v2/projects",
            json!({"name": "Help", "team_id": team["id"]}),
        )
        .await;
    let agent = server
        .post(
            token,
            "/api/v2/agents",
            json!({"project_id": project["id"], "agent_name": "Billing Helper", "sample_q1": "How long do refunds take?"}),
        )
        .await;
    let agent_id = agent["id"].as_i64().unwrap();
    let corpus = reqwest::Client::new()
        .get(server.url(&format!("/api/v2/agents/{agent_id}/corpora")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["data"]["items"]["agent_corpus"][0]["corpus_id"]
        .as_i64()
        .unwrap();
    (agent_id, corpus)
}

async fn signed_in(server: &Server) -> Browser {
    let browser = Browser::launch().await;
    browser.sign_in(server, "ada@example.com", PASSWORD).await;
    browser
}

#[tokio::test]
async fn a_long_thread_renders_only_what_is_near_the_viewport() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (agent_id, corpus) = billing_helper(&server, &token).await;
    server.add_document(&token, corpus, "policy.md", POLICY).await;
    let path = format!("/response-service/api/v2/agents/{agent_id}/responses");
    let ask = |n: usize, thread: serde_json::Value| {
        server.post(
            &token,
            &path,
            json!({"user_query": format!("Question number {n} about refunds"), "chat_thread_id": thread}),
        )
    };
    let thread = ask(1, serde_json::Value::Null).await["thread_id"].clone();
    const TURNS: usize = 150;
    for n in 2..=TURNS {
        ask(n, thread.clone()).await;
    }

    let browser = signed_in(&server).await;
    browser
        .goto(&server.url(&format!("/agents/{agent_id}/chat/{thread}")))
        .await;
    // The conversation opens at its latest answer (past the first page of 100)…
    browser
        .wait_for_any_text(".turn .question", &format!("Question number {TURNS} about"))
        .await;
    let rendered = browser.count(".turn").await;
    assert!(
        (1..40).contains(&rendered),
        "only turns near the viewport are in the page, not all {TURNS}: {rendered}"
    );
    // …and the scrollbar still spans the whole thread: scrolling to the top brings the first.
    let tall = browser
        .eval("const m = document.querySelector('#messages'); return m.scrollHeight > 20 * m.clientHeight;")
        .await;
    assert_eq!(tall, true, "the spacers stand in for the turns not rendered");
    for _ in 0..10 {
        browser
            .eval("document.querySelector('#messages').scrollTop = 0; return true;")
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser
        .wait_for_any_text(".turn .question", "Question number 1 about")
        .await;
    assert!(browser.count(".turn").await < 40);
    browser.close().await;
}

#[tokio::test]
async fn a_file_attached_to_a_conversation_is_indexed_and_quoted() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (agent_id, _) = billing_helper(&server, &token).await;
    let browser = signed_in(&server).await;
    browser.goto(&server.url(&format!("/agents/{agent_id}/chat"))).await;
    browser.wait_for_text("#chat-agent", "Billing Helper").await;

    // Attaching to a new conversation starts its thread.
    browser
        .eval(
            r#"const dt = new DataTransfer();
               dt.items.add(new File(["The office aquarium holds seven axolotls, fed every Tuesday.\n"], "aquarium.txt", {type: "text/plain"}));
               const input = document.querySelector('#attach-input');
               input.files = dt.files;
               input.dispatchEvent(new Event('change', {bubbles: true}));
               return true;"#,
        )
        .await;
    browser
        .wait_for_any_text("#attachments .attachment", "aquarium.txt")
        .await;
    browser.wait_for("#attachments .attachment [data-step=indexed]").await;
    let url = browser.eval("return location.pathname").await;
    assert!(
        url.as_str().unwrap().starts_with(&format!("/agents/{agent_id}/chat/")),
        "{url}"
    );
    browser.screenshot("chat-attachment").await;

    // The agent quotes the attachment, which none of its own corpora hold.
    browser
        .fill("#composer-input", "How many axolotls live in the aquarium?")
        .await;
    browser.click("#send").await;
    browser.wait_for_any_text(".turn .answer", "seven axolotls").await;
    browser.wait_for_count(".turn .cursor", 0).await;
    // A reload keeps the attachment with the conversation.
    browser.goto(&server.url(url.as_str().unwrap())).await;
    browser
        .wait_for_any_text("#attachments .attachment", "aquarium.txt")
        .await;
    browser.close().await;
}

const APPROVALS: &str = "approved by the team lead.\n• • Large refunds need a signed approval form from the billing lead.\n\
• • The package is returned first. Packages are tracked, and each package has a label for the customer who \n";

/// A conversation with a title far wider than the list.
const LONG_QUESTION: &str = "How long do refunds take when the order was paid by bank transfer from abroad and \
the parcel was already on its way back to the warehouse?";

#[tokio::test]
async fn the_conversation_list_fits_searches_as_you_type_and_takes_the_keyboard() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (agent_id, corpus) = billing_helper(&server, &token).await;
    server.add_document(&token, corpus, "policy.md", POLICY).await;
    // Text as PDFs give it: doubled bullets, and a passage cut off mid-sentence.
    server.add_document(&token, corpus, "approvals.txt", APPROVALS).await;
    let path = format!("/response-service/api/v2/agents/{agent_id}/responses");
    let mut threads = Vec::new();
    for question in [LONG_QUESTION, "Who approves large refunds?", "Where is the parcel?"] {
        let answer = server
            .post(&token, &path, json!({"user_query": question, "chat_thread_id": null}))
            .await;
        threads.push(answer["thread_id"].as_i64().expect("a thread"));
    }
    let browser = signed_in(&server).await;
    // What signing in logged is not this test's business.
    let _ = browser.console().await;
    browser
        .goto(&server.url(&format!("/agents/{agent_id}/chat/{}", threads[0])))
        .await;
    browser.wait_for_count("#thread-list li", 3).await;
    browser.wait_for(".turn .answer").await;

    // Opening a chat puts the caret in the composer.
    let focused = browser
        .eval("return document.activeElement && document.activeElement.id")
        .await;
    assert_eq!(focused, "composer-input");

    // Every row fits the list; the long title is cut with an ellipsis and its buttons are in view.
    let fits = browser
        .eval(
            "const list = document.querySelector('#thread-list').getBoundingClientRect(); \
             return [...document.querySelectorAll('#thread-list li, #thread-list li button')] \
               .every(e => { const r = e.getBoundingClientRect(); return r.right <= list.right + 1 && r.width > 0; });",
        )
        .await;
    assert_eq!(fits, true, "rows and their buttons stay inside the list");
    let cut = browser
        .eval("const a = document.querySelector('#thread-list li a[title^=\"How long\"]'); return a.scrollWidth > a.clientWidth && getComputedStyle(a).textOverflow;")
        .await;
    assert_eq!(cut, "ellipsis");

    // One tab stop for the whole list; the arrow keys move between conversations.
    let stops = browser
        .eval("return [...document.querySelectorAll('#thread-list a, #thread-list button')].filter(e => e.tabIndex >= 0).length")
        .await;
    assert_eq!(stops, 1);
    browser
        .eval("document.querySelector('#thread-list a[tabindex=\"0\"]').focus(); return true;")
        .await;
    let first = browser.eval("return document.activeElement.textContent").await;
    browser
        .client
        .active_element()
        .await
        .expect("focus")
        .send_keys("\u{E011}")
        .await
        .expect("Home");
    let second = browser.eval("return document.activeElement.textContent").await;
    assert_ne!(first, second, "Home moves to the newest conversation");
    assert_eq!(second, "Where is the parcel?");

    // Search as you type, in answers too; nothing found says so.
    browser.fill("#thread-search", "business days").await;
    browser.wait_for_count("#thread-list li", 1).await;
    browser
        .wait_for_any_text("#thread-list li a", "How long do refunds")
        .await;
    browser.fill("#thread-search", "approves").await;
    browser.wait_for_count("#thread-list li", 1).await;
    browser.fill("#thread-search", "zeppelin").await;
    browser.wait_for_count("#thread-list li", 0).await;
    browser
        .wait_for_any_text("#thread-empty", "No conversation mentions “zeppelin”")
        .await;
    // Emptied as a person does it (select all, delete): the whole list again.
    browser
        .wait_for("#thread-search")
        .await
        .send_keys("\u{E009}a\u{E000}\u{E003}")
        .await
        .expect("empty the search");
    browser.wait_for_count("#thread-list li", 3).await;

    // New chat from an open conversation: an empty chat, focused, and no panic.
    browser.click("#new-chat").await;
    browser.wait_for_count(".turn", 0).await;
    browser
        .wait_for_url("a new chat", |u| u.path() == format!("/agents/{agent_id}/chat"))
        .await;
    let focused = browser
        .eval("return document.activeElement && document.activeElement.id")
        .await;
    assert_eq!(focused, "composer-input");
    // Conversation starters never ask about the same word twice ("package" / "packages").
    browser.wait_for(".starter").await;
    let starters = browser
        .eval("return [...document.querySelectorAll('.starter')].map(s => s.textContent.toLowerCase().replace(/s?\\?$/, ''))")
        .await;
    let starters: Vec<String> = serde_json::from_value(starters).unwrap();
    let mut distinct = starters.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(starters.len(), distinct.len(), "near-duplicate starters: {starters:?}");
    // A question the documents do not cover is answered as such, citing nothing.
    browser
        .fill("#composer-input", "What is the capital of France?\u{E007}")
        .await;
    browser.wait_for_any_text(".turn .answer", "do not cover that").await;
    browser.wait_for_count(".turn .cursor", 0).await;
    assert_eq!(browser.count(".turn .references .chip").await, 0);
    // And again after the new thread took its place in the URL: New chat, then back to it.
    browser
        .wait_for_url("the new thread", |u| {
            u.path().starts_with(&format!("/agents/{agent_id}/chat/"))
        })
        .await;
    browser.click("#new-chat").await;
    browser.wait_for_count(".turn", 0).await;
    // An answer quotes whole sentences, without the bullets of the text it came from.
    browser
        .click_text("#thread-list li a", "Who approves large refunds?")
        .await;
    browser.wait_for_any_text(".turn .answer", "signed approval form").await;
    let quoted = browser
        .eval("return document.querySelector('.turn .answer').textContent")
        .await;
    let quoted = quoted.as_str().unwrap();
    assert!(
        !quoted.contains('•') && !quoted.contains("approved by the team lead") && !quoted.contains("customer who"),
        "{quoted}"
    );
    browser.click_text("#thread-list li a", "How long do refunds").await;
    browser.wait_for_count(".turn", 1).await;
    // The thoughts of a stored answer show after a reload too.
    browser.wait_for(".turn details.thoughts").await;
    // A comment is written in place, under the answer.
    browser.click(".turn-actions [aria-label=Comment]").await;
    browser.fill(".comment-form textarea", "Clear enough.").await;
    browser.click(".comment-form button[type=submit]").await;
    browser.wait_for_count(".comment-form", 0).await;
    let problems: Vec<String> = browser
        .console()
        .await
        .into_iter()
        .filter(|e| e.level == "SEVERE" || e.message.contains("panicked"))
        .map(|e| e.message)
        .collect();
    assert!(problems.is_empty(), "console errors: {problems:#?}");
    browser.close().await;
}

/// Where a person works: signing in shows their latest chats and agents; Chats holds every
/// conversation with every agent under date headings, searchable; an agent card's Chat button
/// opens a chat with the caret in the composer.
#[tokio::test]
async fn the_history_gathers_every_conversation_and_signing_in_lands_on_it() {
    let _serial = SERIAL.lock().await;
    // A fixed clock (a leap day, at noon), so "Today" does not depend on when the test runs.
    let server = Server::start_at(Some("2024-02-29T12:00:00Z")).await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (billing, corpus) = billing_helper(&server, &token).await;
    server.add_document(&token, corpus, "policy.md", POLICY).await;
    let (travel, travel_corpus) = server.agent(&token, "Travel Desk").await;
    server
        .add_document(
            &token,
            travel_corpus,
            "trains.txt",
            "Trains to Oslo leave at nine every morning.\n",
        )
        .await;
    let ask = |agent: i64, question: &'static str| {
        let (server, token) = (&server, token.clone());
        async move {
            let path = format!("/response-service/api/v2/agents/{agent}/responses");
            server
                .post(&token, &path, json!({"user_query": question, "chat_thread_id": null}))
                .await["thread_id"]
                .as_i64()
                .expect("a thread")
        }
    };
    let refunds = ask(billing, "How long do refunds take?").await;
    ask(travel, "When do trains to Oslo leave?").await;

    let browser = signed_in(&server).await;
    browser.goto(&server.url("/")).await;
    browser.wait_for_count("#latest-chats .conversation", 2).await;
    browser.wait_for_text("#latest-chats .group-heading", "Today").await;
    browser
        .wait_for_text(
            "#latest-chats li:first-child .conversation-title",
            "When do trains to Oslo leave?",
        )
        .await;

    browser.click("#all-chats").await;
    browser.wait_for_count("#chat-history .conversation", 2).await;
    browser.fill("#search", "refunds").await;
    browser.wait_for_count("#chat-history .conversation", 1).await;
    browser
        .wait_for_url("the search in the URL", |u| {
            u.query().is_some_and(|q| q.contains("search=refunds"))
        })
        .await;
    browser.screenshot("chat-history").await;
    browser.click("#chat-history .conversation").await;
    browser
        .wait_for_url("the conversation", |u| {
            u.path() == format!("/agents/{billing}/chat/{refunds}")
        })
        .await;
    browser.wait_for_any_text(".turn .answer", "Refunds").await;
    // Chatting with an agent makes it one of the person's agents on the home page.
    browser.goto(&server.url("/")).await;
    browser.wait_for_any_text("#recent-agents li", "Billing Helper").await;
    browser.wait_for_count("#latest-chats .conversation", 2).await;
    browser.screenshot("home-latest-chats").await;

    // Every agent card has a Chat button; the chat opens ready to type.
    browser.goto(&server.url("/agents")).await;
    browser.click("a[aria-label='Chat with Travel Desk']").await;
    browser
        .wait_for_url("a new chat", |u| u.path() == format!("/agents/{travel}/chat"))
        .await;
    browser.wait_for("#composer-input").await;
    let focused = browser
        .eval("return document.activeElement && document.activeElement.id")
        .await;
    assert_eq!(focused, "composer-input");
    browser.close().await;
}

#[tokio::test]
async fn a_sent_question_is_edited_and_asked_again_keeping_each_version() {
    let _serial = SERIAL.lock().await;
    let server = Server::start().await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (agent_id, corpus) = billing_helper(&server, &token).await;
    server.add_document(&token, corpus, "policy.md", POLICY).await;
    let browser = signed_in(&server).await;
    browser.goto(&server.url(&format!("/agents/{agent_id}/chat"))).await;
    browser.fill("#composer-input", "How long do refunds take?").await;
    browser.click("#send").await;
    browser.wait_for_any_text(".turn .answer", "10 business days").await;
    browser.wait_for(".turn .turn-actions").await;
    assert_eq!(browser.count(".turn .versions").await, 0, "one version: no switcher");

    // Edit the question: the turn is asked again in place, and both versions are kept.
    browser.click(".turn .edit-button").await;
    browser
        .fill(".edit-question textarea", "Who approves refunds above 500 EUR?")
        .await;
    browser.click(".edit-question button[type='submit']").await;
    browser
        .wait_for_any_text(".turn .question", "Who approves refunds above 500 EUR?")
        .await;
    browser.wait_for_any_text(".turn .answer", "approval").await;
    browser.wait_for_text(".turn .version-label", "2/2").await;
    assert_eq!(
        browser.count(".turn").await,
        1,
        "the new version takes the turn's place"
    );
    browser.screenshot("chat-versions").await;

    // ‹ shows the first version, › the second again.
    browser
        .click(".turn .versions button[aria-label='Previous version']")
        .await;
    browser.wait_for_text(".turn .version-label", "1/2").await;
    browser
        .wait_for_text(".turn .question", "How long do refunds take?")
        .await;
    browser.wait_for_any_text(".turn .answer", "10 business days").await;
    browser.click(".turn .versions button[aria-label='Next version']").await;
    browser.wait_for_text(".turn .version-label", "2/2").await;

    // Regenerate adds a third; after a reload the thread shows the newest, 3/3.
    browser.click(".turn .regenerate-button").await;
    browser.wait_for_text(".turn .version-label", "3/3").await;
    browser.wait_for(".turn .turn-actions").await;
    let url = browser.eval("return location.pathname").await;
    browser.goto(&server.url(url.as_str().unwrap())).await;
    browser.wait_for_text(".turn .version-label", "3/3").await;
    browser
        .wait_for_text(".turn .question", "Who approves refunds above 500 EUR?")
        .await;
    assert_eq!(browser.count(".turn").await, 1);
    browser.close().await;
}

#[tokio::test]
async fn the_model_is_chosen_from_the_composer_where_the_agent_allows_it() {
    let _serial = SERIAL.lock().await;
    let (model_url, _model) = model::start().await;
    let server = Server::start_with(move |c| c.model_deployments = model::deployments(&model_url)).await;
    let token = server.register("ada@example.com", PASSWORD, "Ada Lovelace").await;
    let (agent_id, corpus) = billing_helper(&server, &token).await;
    server.add_document(&token, corpus, "policy.md", POLICY).await;
    let get = |path: String| {
        let (server, token) = (&server, token.clone());
        async move { server.send(reqwest::Method::GET, &token, &path, json!(null)).await }
    };
    let reader = get("/api/v2/llm-configurations".into())
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["provider"] == "openai-compatible")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let browser = signed_in(&server).await;
    // Not offered until the agent's Admin allows it.
    browser.goto(&server.url(&format!("/agents/{agent_id}/chat"))).await;
    browser.wait_for("#composer-input").await;
    assert_eq!(browser.count("#composer-model").await, 0);
    browser
        .goto(&server.url(&format!("/agents/{agent_id}?tab=configuration")))
        .await;
    browser.click("#agent-model-choice").await;
    browser.click("#save-config").await;
    browser.wait_for(".toast-success").await;
    browser.goto(&server.url(&format!("/agents/{agent_id}/chat"))).await;
    browser.choose("#composer-model", &reader.to_string()).await;
    browser.fill("#composer-input", "How long do refunds take?").await;
    browser.click("#send").await;
    browser.wait_for(".turn .turn-actions").await;
    browser.screenshot("chat-model-choice").await;
    let id = browser
        .eval("return document.querySelector('.turn').dataset.response")
        .await;
    let answer = get(format!("/api/v2/agent-responses/{}", id.as_str().unwrap())).await;
    assert_eq!(answer["llm_config"], reader, "{answer}");
    assert_eq!(answer["response"]["agent_mode"], "openai-compatible:reader", "{answer}");
    browser.close().await;
}
