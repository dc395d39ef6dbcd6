//! Documents over HTTP: every format indexed and found, bad input refused clearly, duplicates,
//! deletion leaving search, reindexing, chunks, starters, web links and thread attachments.

mod common;

use common::{Part, TestApp, assert_error, fixtures};
use serde_json::{Value, json};

async fn corpus(app: &TestApp, token: &str, name: &str) -> i64 {
    app.ok(
        "POST",
        "/api/v2/corpora",
        token,
        Some(&json!({"name": name, "indexing_mode_id": 1})),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

fn first_document(chunks: &[Value]) -> Option<i64> {
    chunks.first().and_then(|c| c["document_id"].as_i64())
}

both_backends!(
    every_format_is_indexed_and_found_by_its_own_words,
    |app: TestApp| async move {
        let (token, _, _) = app.member("ida@example.com", "Ida Indexer").await;
        let corpus = corpus(&app, &token, "Formats").await;
        let files: Vec<(&str, Vec<u8>, &str)> = vec![
        ("report.pdf", fixtures::pdf(Some("Quarterly pelicanpdf figures rose")), "pelicanpdf"),
        ("memo.docx", fixtures::docx("Travel policy", "Book flights through walrusdocx only"), "walrusdocx"),
        ("budget.xlsx", fixtures::xlsx(&["item", "owner"], &["ferretxlsx", "finance"]), "ferretxlsx"),
        ("deck.pptx", fixtures::pptx(&["Roadmap", "Launch of otterpptx in spring"]), "otterpptx"),
        (
            "page.html",
            b"<html><body><h1>Help</h1><p>Reset with the badgerhtml button.</p><script>alert(1)</script></body></html>".to_vec(),
            "badgerhtml",
        ),
        ("notes.md", b"# Notes\n\nThe **lemurmd** project ships soon.\n".to_vec(), "lemurmd"),
        ("readme.txt", b"Plain words about a gecko named geckotxt.\n".to_vec(), "geckotxt"),
        ("cities.csv", b"city,animal\nOslo,moosecsv\n".to_vec(), "moosecsv"),
        ("data.json", br#"{"zoo":{"resident":"llamajson"}}"#.to_vec(), "llamajson"),
    ];
        let mut ids = Vec::new();
        for (name, bytes, _) in &files {
            ids.push(app.upload_file(corpus, &token, name, bytes.clone()).await);
        }
        let (status, body) = app
            .upload(
                corpus,
                &token,
                vec![
                    Part::Text("content_type", "text"),
                    Part::Text("source", "Pasted text mentions the yakpasted herd.\nSecond line."),
                    Part::Text("tags", "pasted, notes"),
                ],
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["message"], "Document has been queued for indexing");
        let text_id = body["data"]["id"].as_i64().unwrap();

        for (id, (name, _, _)) in ids.iter().zip(&files) {
            let doc = app.settled(*id, &token).await;
            assert_eq!(doc["step"], "indexed", "{name}: {doc}");
            assert_eq!(doc["progress"], 100);
            assert!(doc["chunk_count"].as_i64().unwrap() >= 1, "{name}: {doc}");
            assert_eq!(doc["title"], *name);
        }
        let text = app.settled(text_id, &token).await;
        assert_eq!(text["step"], "indexed", "{text}");
        assert_eq!(text["title"], "Pasted text mentions the yakpasted herd.");
        assert_eq!(text["tags"], json!(["notes", "pasted"]));

        for (id, (name, _, word)) in ids.iter().zip(&files) {
            let chunks = app.retrieve(corpus, &token, word).await;
            assert_eq!(
                first_document(&chunks),
                Some(*id),
                "{name}: searching {word} gave {chunks:?}"
            );
            assert_eq!(chunks.len(), 1, "only {name} contains {word}");
        }
        assert_eq!(
            first_document(&app.retrieve(corpus, &token, "yakpasted").await),
            Some(text_id)
        );
        // Stemming: the singular finds the plural.
        let pdf = app.retrieve(corpus, &token, "figure").await;
        assert_eq!(first_document(&pdf), Some(ids[0]));
        // The script of the HTML page is not content.
        assert!(app.retrieve(corpus, &token, "alert").await.is_empty());

        // Where chunks come from: the PDF's page, the DOCX heading, the sheet.
        let pdf_chunks = app
            .ok("GET", &format!("/api/v2/documents/{}/chunks", ids[0]), &token, None)
            .await;
        assert_eq!(pdf_chunks["chunks"][0]["page"], 1, "{pdf_chunks}");
        let docx_chunks = app
            .ok("GET", &format!("/api/v2/documents/{}/chunks", ids[1]), &token, None)
            .await;
        assert!(
            docx_chunks["chunks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["section"] == "Travel policy"),
            "{docx_chunks}"
        );
        assert!(
            docx_chunks["chunks"].to_string().contains("& more."),
            "entities decoded: {docx_chunks}"
        );
        let xlsx_chunks = app
            .ok("GET", &format!("/api/v2/documents/{}/chunks", ids[2]), &token, None)
            .await;
        assert_eq!(xlsx_chunks["chunks"][0]["section"], "Figures");
        assert!(
            xlsx_chunks["chunks"][0]["text"]
                .as_str()
                .unwrap()
                .contains("item: ferretxlsx")
        );

        let list = app
            .ok(
                "GET",
                &format!("/api/v2/corpora/{corpus}/documents?items_per_page=5"),
                &token,
                None,
            )
            .await;
        assert_eq!(list["meta"]["count"], 10);
        assert_eq!(list["documents"].as_array().unwrap().len(), 5);
        let c = app.ok("GET", &format!("/api/v2/corpora/{corpus}"), &token, None).await;
        assert_eq!(c["document_count"], 10);
        assert_eq!(c["indexing"], json!({"indexed": 10, "in_progress": 0, "failed": 0}));
    }
);

both_backends!(bad_uploads_are_refused_with_reasons, |app: TestApp| async move {
    let (token, _, _) = app.member("bo@example.com", "Bo Bad").await;
    let corpus = corpus(&app, &token, "Strict").await;
    let (status, body) = app
        .upload(corpus, &token, vec![Part::File("source", "movie.mp4", vec![1, 2, 3])])
        .await;
    assert_error(status, &body, 415);
    assert!(
        body["message"].as_str().unwrap().contains(".pdf"),
        "lists what is supported: {body}"
    );
    let (status, body) = app
        .upload(corpus, &token, vec![Part::File("source", "empty.txt", vec![])])
        .await;
    assert_error(status, &body, 422);
    assert!(body["message"].as_str().unwrap().contains("empty"), "{body}");
    // Names are bounded: a 5,008-character file name is refused, a long one gives a short title.
    let huge_name = format!("{}.txt", "n".repeat(5004));
    let (status, body) = app
        .upload(corpus, &token, vec![Part::File("source", &huge_name, b"text".to_vec())])
        .await;
    assert_error(status, &body, 422);
    assert!(
        body["message"].as_str().unwrap().contains("at most 255 characters"),
        "{body}"
    );
    let long_name = format!("{}.txt", "l".repeat(150));
    let (status, body) = app
        .upload(
            corpus,
            &token,
            vec![Part::File("source", &long_name, b"Long names.".to_vec())],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let document = app
        .ok(
            "GET",
            &format!("/api/v2/documents/{}", body["data"]["id"]),
            &token,
            None,
        )
        .await;
    let title = document["title"].as_str().unwrap();
    assert_eq!(title.chars().count(), 100, "{title}");
    assert!(title.ends_with('…'), "{title}");
    let long_link = format!("https://example.com/{}", "p".repeat(2100));
    let (status, body) = app
        .upload(
            corpus,
            &token,
            vec![Part::Text("content_type", "weblink"), Part::Text("source", &long_link)],
        )
        .await;
    assert_error(status, &body, 422);
    let (status, body) = app
        .upload(
            corpus,
            &token,
            vec![Part::Text("content_type", "video"), Part::Text("source", "x")],
        )
        .await;
    assert_error(status, &body, 422);
    let (status, body) = app
        .upload(corpus, &token, vec![Part::Text("content_type", "file")])
        .await;
    assert_error(status, &body, 422);
    let (status, body) = app
        .upload(
            corpus,
            &token,
            vec![Part::Text("content_type", "text"), Part::Text("source", "   ")],
        )
        .await;
    assert_error(status, &body, 422);
    let (status, body) = app
        .upload(
            corpus,
            &token,
            vec![
                Part::Text("content_type", "weblink"),
                Part::Text("source", "ftp://example.com/a.txt"),
            ],
        )
        .await;
    assert_error(status, &body, 422);
    let (status, body) = app
        .call(
            "POST",
            &format!("/indexing-service/api/v2/corpora/{corpus}/documents"),
            &token,
            Some(&json!({})),
        )
        .await;
    assert_error(status, &body, 400);
    let (status, body) = app
        .upload(
            corpus + 1000,
            &token,
            vec![Part::File("source", "a.txt", b"hi".to_vec())],
        )
        .await;
    assert_error(status, &body, 404);
    // Nothing half-made was left behind: the one document is the long-named file.
    let list = app
        .ok("GET", &format!("/api/v2/corpora/{corpus}/documents"), &token, None)
        .await;
    assert_eq!(list["meta"]["count"], 1, "only the long-named file: {list}");

    // Readable but unindexable files fail with a reason a person can act on.
    let scan = app.upload_file(corpus, &token, "scan.pdf", fixtures::pdf(None)).await;
    let broken = app
        .upload_file(corpus, &token, "broken.docx", b"not a zip at all".to_vec())
        .await;
    let scan = app.settled(scan, &token).await;
    assert_eq!(scan["step"], "failed");
    assert!(
        scan["failure_reason"].as_str().unwrap().contains("no extractable text"),
        "{scan}"
    );
    let broken = app.settled(broken, &token).await;
    assert_eq!(broken["step"], "failed");
    assert!(broken["failure_reason"].as_str().unwrap().contains("DOCX"), "{broken}");
    let failed = app
        .ok(
            "GET",
            &format!("/api/v2/corpora/{corpus}/documents?step=failed"),
            &token,
            None,
        )
        .await;
    assert_eq!(failed["meta"]["count"], 2);
    // The other steps and the search, alone and together (the list holds only the filters set).
    let long_named = app.settled(document["id"].as_i64().unwrap(), &token).await;
    assert_eq!(long_named["step"], "indexed", "{long_named}");
    for (query, count) in [
        ("step=indexed", 1),
        ("step=in_progress", 0),
        ("step=failed&search=SCAN", 1),
        ("search=broken", 1),
        ("search=%25", 0),
        ("step=indexed&search=scan", 0),
    ] {
        let page = app
            .ok(
                "GET",
                &format!("/api/v2/corpora/{corpus}/documents?{query}"),
                &token,
                None,
            )
            .await;
        assert_eq!(page["meta"]["count"], count, "{query}: {page}");
        assert_eq!(page["documents"].as_array().unwrap().len(), count, "{query}");
    }
    let (status, body) = app
        .call(
            "GET",
            &format!("/api/v2/corpora/{corpus}/documents?step=dancing"),
            &token,
            None,
        )
        .await;
    assert_error(status, &body, 422);
    let retried = app
        .ok(
            "POST",
            &format!("/api/v2/corpora/{corpus}/documents/retry-failed"),
            &token,
            None,
        )
        .await;
    assert_eq!(retried["count"], 2);
    assert_eq!(
        app.settled(scan["id"].as_i64().unwrap(), &token).await["step"],
        "failed"
    );

    // Someone without access to the corpus can neither upload nor read.
    let (other, _, _) = app.member("oz@example.com", "Oz Other").await;
    let (status, body) = app
        .upload(corpus, &other, vec![Part::File("source", "a.txt", b"hi".to_vec())])
        .await;
    assert!(status == 403 || status == 404, "{status} {body}");
    let (status, _) = app
        .call("GET", &format!("/api/v2/documents/{}", broken["id"]), &other, None)
        .await;
    assert!(status == 403 || status == 404);
});

#[tokio::test]
async fn files_over_the_size_limit_get_413() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.max_upload_mb = 1)
        .await
        .unwrap();
    let (token, _, _) = app.member("big@example.com", "Big File").await;
    let corpus = corpus(&app, &token, "Small").await;
    let (status, body) = app
        .upload(
            corpus,
            &token,
            vec![Part::File("source", "big.txt", vec![b'a'; 1024 * 1024 + 1])],
        )
        .await;
    assert_error(status, &body, 413);
    assert!(body["message"].as_str().unwrap().contains("1 MB"), "{body}");
    app.upload_file(corpus, &token, "fits.txt", vec![b'a'; 1024 * 1024])
        .await;
}

both_backends!(duplicates_deletes_reindex_and_starters, |app: TestApp| async move {
    let (token, _, _) = app.member("dee@example.com", "Dee Dup").await;
    let corpus = corpus(&app, &token, "Handbook").await;
    let handbook = b"# Refund policy\n\nRefunds are paid within thirty days of purchase.\n\n# Shipping\n\nParcels ship from Rotterdam.\n";
    let first = app.upload_file(corpus, &token, "handbook.md", handbook.to_vec()).await;
    let (status, body) = app
        .upload(corpus, &token, vec![Part::File("source", "copy.md", handbook.to_vec())])
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        body["data"]["duplicate_of"],
        json!([first]),
        "the upload says it is a duplicate"
    );
    let second = body["data"]["id"].as_i64().unwrap();
    let other = app
        .upload_file(corpus, &token, "other.txt", b"Rotterdam harbour facts.".to_vec())
        .await;
    for id in [first, second, other] {
        assert_eq!(app.settled(id, &token).await["step"], "indexed");
    }
    let dups = app
        .ok(
            "GET",
            &format!("/api/v2/corpora/{corpus}/documents/duplicates"),
            &token,
            None,
        )
        .await;
    assert_eq!(dups["duplicates"].as_array().unwrap().len(), 1, "{dups}");
    assert_eq!(dups["duplicates"][0]["documents"].as_array().unwrap().len(), 2);
    let hash = dups["duplicates"][0]["content_hash"].as_str().unwrap().to_string();
    let by_hash = app
        .ok(
            "GET",
            &format!("/api/v2/corpora/{corpus}/documents/duplicates?content_hash={hash}"),
            &token,
            None,
        )
        .await;
    assert_eq!(by_hash["duplicates"][0]["documents"][0]["id"], first);
    let (status, body) = app
        .call(
            "GET",
            &format!("/api/v2/corpora/{corpus}/documents/duplicates?content_hash=xyz"),
            &token,
            None,
        )
        .await;
    assert_error(status, &body, 422);

    // Starters come from the content, the same every time.
    let starters = app
        .ok(
            "GET",
            &format!("/api/v2/documents/{first}/conversation-starters"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        starters["conversation_starters"][0],
        "What does the section “Refund policy” cover?"
    );
    assert_eq!(
        starters,
        app.ok(
            "GET",
            &format!("/api/v2/documents/{first}/conversation-starters"),
            &token,
            None
        )
        .await
    );
    let corpus_starters = app
        .ok(
            "GET",
            &format!("/api/v2/corpora/{corpus}/conversation-starters"),
            &token,
            None,
        )
        .await;
    assert!(corpus_starters["conversation_starters"].as_array().unwrap().len() >= 3);

    // Deleting takes a document out of search at once.
    let hits = app.retrieve(corpus, &token, "refunds thirty days").await;
    assert_eq!(hits.len(), 2, "{hits:?}");
    app.ok("DELETE", &format!("/api/v2/documents/{second}"), &token, None)
        .await;
    let hits = app.retrieve(corpus, &token, "refunds thirty days").await;
    assert_eq!(
        hits.iter()
            .map(|h| h["document_id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![first]
    );
    let (status, _) = app
        .call("GET", &format!("/api/v2/documents/{second}"), &token, None)
        .await;
    assert_eq!(status, 404);

    // Reindexing keeps the document searchable throughout and ends with one set of chunks.
    let before = app
        .ok("GET", &format!("/api/v2/documents/{first}/chunks"), &token, None)
        .await;
    let (status, body) = app
        .call("POST", &format!("/api/v2/documents/{first}/refresh"), &token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    // The step may already be past `pending`: a worker can pick the job up at once.
    assert_eq!(body["message"], "Document has been queued for indexing");
    assert_eq!(app.settled(first, &token).await["step"], "indexed");
    let after = app
        .ok("GET", &format!("/api/v2/documents/{first}/chunks"), &token, None)
        .await;
    assert_eq!(before["meta"]["count"], after["meta"]["count"]);
    let history = app
        .ok("GET", &format!("/api/v2/documents/{first}/history"), &token, None)
        .await;
    let steps: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps.iter().filter(|s| **s == "indexed").count(), 2, "{steps:?}");
    assert_eq!(steps[0], "pending");
    let refreshed = app
        .ok("POST", &format!("/api/v2/corpora/{corpus}/refresh"), &token, None)
        .await;
    assert_eq!(refreshed["count"], 2);
    for id in [first, other] {
        assert_eq!(app.settled(id, &token).await["step"], "indexed");
    }
    assert_eq!(
        first_document(&app.retrieve(corpus, &token, "refund").await),
        Some(first)
    );

    // Tags, title, batch and the original file.
    let doc = app
        .ok(
            "PUT",
            &format!("/api/v2/documents/{first}"),
            &token,
            Some(&json!({"title": "Handbook 2026"})),
        )
        .await;
    assert_eq!(doc["title"], "Handbook 2026");
    let doc = app
        .ok(
            "PUT",
            &format!("/api/v2/documents/{first}/tags"),
            &token,
            Some(&json!({"tags": ["policy", "hr"]})),
        )
        .await;
    assert_eq!(doc["tags"], json!(["hr", "policy"]));
    let batch = app
        .ok(
            "GET",
            &format!("/api/v2/documents/batch?ids={first},{other},{second}"),
            &token,
            None,
        )
        .await;
    assert_eq!(batch.as_array().unwrap().len(), 2, "the deleted one is gone: {batch}");
    let (status, body) = app.call("GET", "/api/v2/documents/batch?ids=a,b", &token, None).await;
    assert_error(status, &body, 422);
    let original = app
        .client
        .get(app.url(&format!("/api/v2/documents/{first}/content")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(original.status(), 200);
    assert_eq!(original.bytes().await.unwrap().as_ref(), handbook);

    // Bulk delete, then the corpus itself.
    let (status, body) = app
        .call(
            "DELETE",
            &format!("/api/v2/corpora/{corpus}/documents"),
            &token,
            Some(&json!({"document_ids": []})),
        )
        .await;
    assert_error(status, &body, 422);
    let deleted = app
        .ok(
            "DELETE",
            &format!("/api/v2/corpora/{corpus}/documents"),
            &token,
            Some(&json!({"document_ids": [other, 999999]})),
        )
        .await;
    assert_eq!(deleted["count"], 1);
    assert!(app.retrieve(corpus, &token, "harbour").await.is_empty());
    app.ok("DELETE", &format!("/api/v2/corpora/{corpus}"), &token, None)
        .await;
    let (status, _) = app
        .call("GET", &format!("/api/v2/documents/{first}"), &token, None)
        .await;
    assert_eq!(status, 404);
});

/// A tiny web server standing in for a site: one page with an ETag.
async fn website(body: &'static str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::{http::HeaderMap, routing::get};
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = axum::Router::new()
        .route(
            "/guide",
            get(move |headers: HeaderMap| {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    if headers.get("if-none-match").is_some_and(|v| v == "\"v1\"") {
                        return (
                            axum::http::StatusCode::NOT_MODIFIED,
                            [("etag", "\"v1\""), ("content-type", "text/html")],
                            "",
                        );
                    }
                    (
                        axum::http::StatusCode::OK,
                        [("etag", "\"v1\""), ("content-type", "text/html")],
                        body,
                    )
                }
            }),
        )
        .route("/video", get(|| async { ([("content-type", "video/mp4")], "binary") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, hits)
}

#[tokio::test]
async fn web_links_are_fetched_refreshed_with_etags_and_checked() {
    // The test site is on loopback, which the operator allows here by network.
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.outbound_allow = "127.0.0.1, ::1".into())
        .await
        .unwrap();
    let (token, _, _) = app.member("web@example.com", "Wes Web").await;
    let corpus = corpus(&app, &token, "Web").await;
    let (site, hits) = website("<html><h1>Guide</h1><p>The capybaraweb trail opens at dawn.</p></html>").await;
    let add = |url: String| {
        let (app, token) = (&app, token.clone());
        async move {
            app.upload(
                corpus,
                &token,
                vec![Part::Text("content_type", "weblink"), Part::Text("source", &url)],
            )
            .await
        }
    };
    let (status, body) = add(format!("{site}/guide")).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_i64().unwrap();
    let doc = app.settled(id, &token).await;
    assert_eq!(doc["step"], "indexed", "{doc}");
    assert_eq!(doc["format"], "html");
    assert_eq!(
        first_document(&app.retrieve(corpus, &token, "capybaraweb").await),
        Some(id)
    );
    app.ok("POST", &format!("/api/v2/documents/{id}/refresh"), &token, None)
        .await;
    app.settled(id, &token).await;
    let history = app
        .ok("GET", &format!("/api/v2/documents/{id}/history"), &token, None)
        .await;
    assert!(
        history.to_string().contains("has not changed"),
        "a 304 skips reindexing: {history}"
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);

    // An IPv6 literal is fetched as written (it used to be "could not be found").
    let v6 = tokio::net::TcpListener::bind("[::1]:0").await.unwrap();
    let v6_site = format!("http://{}", v6.local_addr().unwrap());
    let page = axum::Router::new().route(
        "/notes.txt",
        axum::routing::get(|| async { "The okapiv6 trail closes at dusk." }),
    );
    tokio::spawn(async move { axum::serve(v6, page).await.unwrap() });
    let (status, body) = add(format!("{v6_site}/notes.txt")).await;
    assert_eq!(status, 201, "{body}");
    let v6_doc = app.settled(body["data"]["id"].as_i64().unwrap(), &token).await;
    assert_eq!(v6_doc["step"], "indexed", "{v6_doc}");

    let (_, body) = add(format!("{site}/video")).await;
    let video = app.settled(body["data"]["id"].as_i64().unwrap(), &token).await;
    assert_eq!(video["step"], "failed");
    assert!(
        video["failure_reason"].as_str().unwrap().contains("video/mp4"),
        "{video}"
    );
}

#[tokio::test]
async fn corpora_with_refresh_enabled_check_their_web_links_on_schedule() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| {
        // The older spelling of `EJENTO_OUTBOUND_ALLOW=*` still works.
        c.weblink_allow_private = true;
        c.refresh_interval_secs = 1;
    })
    .await
    .unwrap();
    let (token, _, _) = app.member("sam@example.com", "Sam Schedule").await;
    let corpus = app
        .ok(
            "POST",
            "/api/v2/corpora",
            &token,
            Some(&json!({"name": "Watched", "refresh_enabled": true})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let (site, hits) = website("<p>The wombatsched schedule.</p>").await;
    let (_, body) = app
        .upload(
            corpus,
            &token,
            vec![
                Part::Text("content_type", "weblink"),
                Part::Text("source", &format!("{site}/guide")),
            ],
        )
        .await;
    let id = body["data"]["id"].as_i64().unwrap();
    assert_eq!(app.settled(id, &token).await["step"], "indexed");
    for _ in 0..100 {
        if hits.load(std::sync::atomic::Ordering::SeqCst) >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let n = hits.load(std::sync::atomic::Ordering::SeqCst);
    assert!(n >= 3, "the link was checked again on schedule ({n} fetches)");
    // Checks are spaced by the interval, not repeated in a loop.
    assert!(n <= 8, "{n} fetches in about 3 s");
    let history = app
        .ok("GET", &format!("/api/v2/documents/{id}/history"), &token, None)
        .await;
    assert!(history.to_string().contains("Scheduled refresh"), "{history}");
    assert_eq!(
        first_document(&app.retrieve(corpus, &token, "wombatsched").await),
        Some(id)
    );
}

#[tokio::test]
async fn private_addresses_are_not_fetched_by_default() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    let (token, _, _) = app.member("priv@example.com", "Pri Vate").await;
    let corpus = corpus(&app, &token, "Web").await;
    let (site, hits) = website("secret").await;
    let (_, body) = app
        .upload(
            corpus,
            &token,
            vec![
                Part::Text("content_type", "weblink"),
                Part::Text("source", &format!("{site}/guide")),
            ],
        )
        .await;
    let doc = app.settled(body["data"]["id"].as_i64().unwrap(), &token).await;
    assert_eq!(doc["step"], "failed");
    assert!(
        doc["failure_reason"].as_str().unwrap().contains("loopback address"),
        "{doc}"
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
}

both_backends!(threads_take_attachment_corpora, |app: TestApp| async move {
    let (token, _, _) = app.member("tia@example.com", "Tia Thread").await;
    let agent = app.agent_in_new_project(&token, "Helper").await;
    let thread = app
        .ok("POST", &format!("/api/v2/agents/{agent}/chat-threads"), &token, None)
        .await;
    assert_eq!(thread["title"], "New Chat");
    let thread = thread["id"].as_i64().unwrap();
    let (status, body) = app
        .call("GET", &format!("/api/v2/chat-threads/{thread}/corpora"), &token, None)
        .await;
    assert_error(status, &body, 404);
    let attachment = app
        .ok(
            "POST",
            "/api/v2/corpora",
            &token,
            Some(&json!({"name": format!("AttachmentCorpus-{thread}"), "indexing_mode_id": 3, "corpus_type": "attachment"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        "POST",
        &format!("/api/v2/chat-threads/{thread}/corpora/{attachment}"),
        &token,
        None,
    )
    .await;
    let (status, body) = app
        .call(
            "POST",
            &format!("/api/v2/chat-threads/{thread}/corpora/{attachment}"),
            &token,
            None,
        )
        .await;
    assert_error(status, &body, 409);
    let (status, body) = app
        .upload(
            attachment,
            &token,
            vec![
                Part::Text("attachment", "true"),
                Part::File("source", "att.txt", b"attached words".to_vec()),
            ],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let listed = app
        .ok("GET", &format!("/api/v2/chat-threads/{thread}/corpora"), &token, None)
        .await;
    assert_eq!(listed[0]["corpus_id"], attachment);
    let docs = app
        .ok("GET", &format!("/api/v2/chat-threads/{thread}/documents"), &token, None)
        .await;
    assert_eq!(docs["documents"][0]["attachment"], true);
    let t = app
        .ok("GET", &format!("/api/v2/chat-threads/{thread}"), &token, None)
        .await;
    assert_eq!(t["corpus_id"], attachment);
    let threads = app
        .ok("GET", &format!("/api/v2/agents/{agent}/chat-threads"), &token, None)
        .await;
    assert_eq!(threads["meta"]["count"], 1);
    // A question in the thread searches the agent's default corpus first, then the attachment.
    let asked = app
        .ok(
            "POST",
            &format!("/response-service/api/v2/agents/{agent}/responses"),
            &token,
            Some(&json!({"user_query": "What words are attached?", "chat_thread_id": thread})),
        )
        .await;
    let searched = asked["corpus_ids"].as_array().unwrap();
    assert_eq!(searched.len(), 2, "{asked}");
    assert_eq!(searched[1], attachment, "{asked}");
    let default = app
        .ok("GET", &format!("/api/v2/agents/{agent}/corpora/default"), &token, None)
        .await;
    assert_eq!(searched[0], default["corpus_id"], "{asked}");
    // Someone else in the organization cannot see or use the thread.
    let (other, _, _) = app.member("uma@example.com", "Uma User").await;
    let (status, _) = app
        .call("GET", &format!("/api/v2/chat-threads/{thread}/corpora"), &other, None)
        .await;
    assert_eq!(status, 404);
    app.ok(
        "DELETE",
        &format!("/api/v2/chat-threads/{thread}/corpora/{attachment}"),
        &token,
        None,
    )
    .await;
    let (status, _) = app
        .call(
            "GET",
            &format!("/api/v2/chat-threads/{thread}/corpora/{attachment}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404);
    app.ok(
        "POST",
        &format!("/api/v2/chat-threads/{thread}/corpora/{attachment}"),
        &token,
        None,
    )
    .await;
    let cleared = app
        .ok(
            "DELETE",
            &format!("/api/v2/chat-threads/{thread}/corpora"),
            &token,
            None,
        )
        .await;
    assert_eq!(cleared["count"], 1);
});

both_backends!(
    only_readable_corpora_can_be_connected_to_an_agent,
    |app: TestApp| async move {
        let (admin, _, _) = app.member("ada@example.com", "Ada Admin").await;
        let (owner, _, _) = app.member("pia@example.com", "Pia Private").await;
        let (builder, bob_id, _) = app.member("bob@example.com", "Bob Builder").await;
        let private = corpus(&app, &owner, "Salaries").await;
        let agent = app.agent_in_new_project(&admin, "Nosy").await;
        app.ok(
            "POST",
            &format!("/api/v2/agents/{agent}/users"),
            &admin,
            Some(&json!({"user_ids": [bob_id], "role": "Admin"})),
        )
        .await;
        // Bob administers the agent but cannot read Pia's private corpus: no connecting it.
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/v2/agents/{agent}/corpora/{private}"),
                &builder,
                None,
            )
            .await;
        assert!(status == 403 || status == 404, "{status} {body}");
        assert_eq!(body["success"], false);
        let connections = app
            .ok("GET", &format!("/api/v2/agents/{agent}/corpora"), &builder, None)
            .await;
        assert_eq!(
            connections["items"]["agent_corpus"].as_array().unwrap().len(),
            1,
            "only its default corpus"
        );
        // Once Pia shares it, he can.
        app.ok(
            "POST",
            &format!("/api/v2/corpora/{private}/permissions"),
            &owner,
            Some(&json!({"user_id": bob_id, "access": "Read"})),
        )
        .await;
        app.ok(
            "POST",
            &format!("/api/v2/agents/{agent}/corpora/{private}"),
            &builder,
            None,
        )
        .await;
    }
);

// Found by `make fuzz-api`: reindexing reads each document and then queues it in one
// transaction; on SQLite a deferred transaction that another writer overtakes between its read
// and its write fails with "database is locked" (a 500). Writes now take the lock first.
both_backends!(
    reindexing_requests_racing_each_other_all_succeed,
    |app: TestApp| async move {
        let (token, _) = app.signed_up("racer@example.com").await;
        let corpus = corpus(&app, &token, "Racing").await;
        let mut documents = Vec::new();
        for n in 0..6 {
            let text = format!("Note {n} about racing writers.").into_bytes();
            documents.push(app.upload_file(corpus, &token, &format!("note-{n}.txt"), text).await);
        }
        for id in documents {
            app.settled(id, &token).await;
        }
        let path = format!("/api/v2/corpora/{corpus}/refresh");
        let racers = (0..24).map(|_| app.call("POST", &path, &token, None));
        for (status, body) in futures_util::future::join_all(racers).await {
            assert_eq!(status, 200, "{body}");
        }
    }
);

both_backends!(
    a_chunk_is_corrected_or_turned_off_and_search_follows,
    |app: TestApp| async move {
        let (token, _) = app.signed_up("chunks@example.com").await;
        let paragraph = |word: &str| format!("{word} {}\n\n", "filler words about nothing in particular. ".repeat(30));
        let text = format!("{}{}{}", paragraph("zebra"), paragraph("giraffe"), paragraph("okapi"));
        let agent = app.agent_with_document(&token, "Zoo", "zoo.txt", &text).await;
        let corpus = app.agent_corpus(&token, agent).await;
        let document = app.retrieve(corpus, &token, "zebra").await[0]["document_id"]
            .as_i64()
            .unwrap();
        let chunks = app
            .ok("GET", &format!("/api/v2/documents/{document}/chunks"), &token, None)
            .await;
        let list = chunks["chunks"].as_array().unwrap();
        assert!(list.len() >= 3, "{chunks}");
        assert!(list.iter().all(|c| c["is_enabled"] == true && c["edited_on"].is_null()));
        let zebra = list
            .iter()
            .find(|c| c["text"].as_str().unwrap().contains("zebra"))
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let path = format!("/api/v2/documents/{document}/chunks/{zebra}");
        let found = |hits: &[Value]| hits.iter().any(|h| h["chunk_id"] == zebra);

        // Off: never found, at once; on again: found.
        let off = app.ok("PUT", &path, &token, Some(&json!({"is_enabled": false}))).await;
        assert_eq!(off["is_enabled"], false, "{off}");
        assert!(!found(&app.retrieve(corpus, &token, "zebra").await));
        app.ok("PUT", &path, &token, Some(&json!({"is_enabled": true}))).await;
        assert!(found(&app.retrieve(corpus, &token, "zebra").await));

        // Corrected: the new words are searched, the old ones no longer.
        let edited = app
            .ok(
                "PUT",
                &path,
                &token,
                Some(&json!({"text": "  The quokka is the happiest animal.  "})),
            )
            .await;
        assert_eq!(edited["text"], "The quokka is the happiest animal.");
        assert!(edited["edited_on"].is_string());
        let hits = app.retrieve(corpus, &token, "quokka").await;
        assert!(found(&hits), "{hits:?}");
        assert_eq!(hits[0]["text"], "The quokka is the happiest animal.");
        assert!(!found(&app.retrieve(corpus, &token, "zebra").await));

        // Refused: no text, too much text, nothing to change, someone else's chunk.
        for body in [
            json!({"text": "   "}),
            json!({"text": "x".repeat(ejento_api::MAX_CHUNK_CHARS + 1)}),
            json!({}),
        ] {
            let (status, error) = app.call("PUT", &path, &token, Some(&body)).await;
            assert_error(status, &error, 422);
        }
        let (status, error) = app
            .call(
                "PUT",
                &format!("/api/v2/documents/{document}/chunks/987654"),
                &token,
                Some(&json!({"is_enabled": false})),
            )
            .await;
        assert_error(status, &error, 404);
        let (stranger, _) = app.signed_up("stranger@example.com").await;
        let (status, error) = app
            .call("PUT", &path, &stranger, Some(&json!({"is_enabled": false})))
            .await;
        assert!(matches!(status, 403 | 404), "{status} {error}");
        // Someone who may read the corpus is told what changing it needs.
        let (reader, reader_id, _) = app.member("reader@example.com", "Rita Reader").await;
        app.ok(
            "POST",
            &format!("/api/v2/corpora/{corpus}/permissions"),
            &token,
            Some(&json!({"user_id": reader_id, "access": "Read"})),
        )
        .await;
        app.ok("GET", &format!("/api/v2/documents/{document}/chunks"), &reader, None)
            .await;
        let (status, error) = app
            .call("PUT", &path, &reader, Some(&json!({"is_enabled": false})))
            .await;
        assert_error(status, &error, 403);
        assert!(
            error["message"].as_str().unwrap().contains("needs Write access"),
            "{error}"
        );
        assert!(found(&app.retrieve(corpus, &token, "quokka").await));
    }
);

/// Every chunk of a document, in order (all pages).
async fn all_chunks(app: &TestApp, token: &str, document: i64) -> Vec<String> {
    let page = app
        .ok(
            "GET",
            &format!("/api/v2/documents/{document}/chunks?items_per_page=100"),
            token,
            None,
        )
        .await;
    assert!(page["meta"]["num_pages"].as_i64().unwrap() <= 1, "{page}");
    page["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect()
}

fn preview_of(body: &Value) -> ejento_api::ChunkPreview {
    serde_json::from_value(body["data"].clone()).expect("a chunk preview")
}

both_backends!(
    chunk_size_and_overlap_are_previewed_chosen_at_upload_and_kept_on_reindex,
    tweak = |c: &mut ejento_server::config::Config| c.outbound_allow = "127.0.0.1, ::1".into(),
    |app: TestApp| async move {
        use ejento_api::ChunkSizing;
        let (token, _, _) = app.member("sizes@example.com", "Sid Sizes").await;
        // Indexing mode 1: 600 characters, overlap 150, unless the upload says otherwise.
        let corpus = corpus(&app, &token, "Sizes").await;
        let text: String = (1..=70)
            .map(|n| format!("Paragraph {n:02} tells of harbour number {n}. Its ships sail at dawn and return by dusk; the crews rest on Sundays.\n\n"))
            .collect();
        let form = |size: &'static str, overlap: &'static str| {
            let mut parts = vec![
                Part::Text("content_type", "file"),
                Part::File("source", "harbours.txt", text.clone().into_bytes()),
            ];
            if !size.is_empty() {
                parts.push(Part::Text("chunk_size", size));
            }
            if !overlap.is_empty() {
                parts.push(Part::Text("chunk_overlap", overlap));
            }
            parts
        };

        // The preview: the sizing used, every chunk counted, the first 20 shown, nothing stored.
        let (status, body) = app.chunk_preview(corpus, &token, form("300", "40")).await;
        assert_eq!(status, 200, "{body}");
        let small = preview_of(&body);
        assert_eq!(small.sizing, ChunkSizing { size: 300, overlap: 40 });
        assert!(!small.is_default);
        assert!(small.chunk_count > ejento_api::PREVIEW_CHUNKS as u64, "{body}");
        assert_eq!(small.chunks.len(), ejento_api::PREVIEW_CHUNKS);
        assert!(small.chunks.iter().all(|c| c.text.chars().count() <= 300));
        assert!(small.chunks.iter().enumerate().all(|(i, c)| c.ordinal == i as i64));
        let (status, body) = app.chunk_preview(corpus, &token, form("", "")).await;
        assert_eq!(status, 200, "{body}");
        let default = preview_of(&body);
        assert_eq!(default.sizing, ChunkSizing::of_indexing_mode(1));
        assert!(default.is_default);
        assert!(default.chunk_count < small.chunk_count, "{default:?}");
        let documents = app
            .ok("GET", &format!("/api/v2/corpora/{corpus}/documents"), &token, None)
            .await;
        assert_eq!(documents["meta"]["count"], 0, "a preview stores nothing: {documents}");

        // Uploaded with the same sizing: the chunks are the preview's, and the document says how
        // it was cut. Without a sizing, the corpus' mode cuts it (as previewed too).
        let (status, body) = app.upload(corpus, &token, form("300", "40")).await;
        assert_eq!(status, 201, "{body}");
        let chosen = body["data"]["id"].as_i64().unwrap();
        let doc = app.settled(chosen, &token).await;
        assert_eq!(doc["step"], "indexed", "{doc}");
        assert_eq!(doc["chunk_sizing"], json!({"size": 300, "overlap": 40}));
        assert_eq!(doc["chunk_count"].as_u64(), Some(small.chunk_count));
        let chunks = all_chunks(&app, &token, chosen).await;
        let previewed: Vec<String> = small.chunks.iter().map(|c| c.text.clone()).collect();
        assert_eq!(chunks[..previewed.len()], previewed[..]);
        // Consecutive chunks share at most the overlap.
        for pair in chunks.windows(2) {
            let shared = (1..=pair[0].len().min(pair[1].len()))
                .filter(|n| pair[0].is_char_boundary(pair[0].len() - n) && pair[1].is_char_boundary(*n))
                .filter(|n| pair[0][pair[0].len() - n..] == pair[1][..*n])
                .max()
                .unwrap_or(0);
            assert!(shared <= 40, "{shared} characters shared: {pair:?}");
        }
        let plain = app
            .upload_file(corpus, &token, "harbours-default.txt", text.clone().into_bytes())
            .await;
        let plain_doc = app.settled(plain, &token).await;
        assert!(plain_doc["chunk_sizing"].is_null(), "{plain_doc}");
        assert_eq!(plain_doc["chunk_count"].as_u64(), Some(default.chunk_count));
        let default_texts: Vec<String> = default.chunks.iter().map(|c| c.text.clone()).collect();
        assert_eq!(
            all_chunks(&app, &token, plain).await[..default_texts.len()],
            default_texts[..]
        );

        // A reindex cuts the document the same way again.
        app.ok("POST", &format!("/api/v2/documents/{chosen}/refresh"), &token, None)
            .await;
        let again = app.settled(chosen, &token).await;
        assert_eq!(again["step"], "indexed", "{again}");
        assert_eq!(all_chunks(&app, &token, chosen).await, chunks);

        // Cut again with other sizes: stored, kept, and the chunks follow; back to the default.
        let chunking = format!("/api/v2/documents/{chosen}/chunking");
        let recut = app
            .ok(
                "PUT",
                &chunking,
                &token,
                Some(&json!({"chunk_sizing": {"size": 500, "overlap": 50}})),
            )
            .await;
        assert_eq!(recut["chunk_sizing"], json!({"size": 500, "overlap": 50}), "{recut}");
        let recut = app.settled(chosen, &token).await;
        assert_eq!(recut["step"], "indexed", "{recut}");
        let (_, body) = app.chunk_preview(corpus, &token, form("500", "50")).await;
        assert_eq!(recut["chunk_count"].as_u64(), Some(preview_of(&body).chunk_count));
        assert!(
            all_chunks(&app, &token, chosen)
                .await
                .iter()
                .all(|c| c.chars().count() <= 500)
        );
        app.ok("PUT", &chunking, &token, Some(&json!({"chunk_sizing": null})))
            .await;
        let back = app.settled(chosen, &token).await;
        assert!(back["chunk_sizing"].is_null(), "{back}");
        assert_eq!(back["chunk_count"].as_u64(), Some(default.chunk_count));
        for (sizing, field) in [
            (json!({"size": 300, "overlap": 150}), "chunk_overlap"),
            (json!({"size": 100, "overlap": 10}), "chunk_size"),
        ] {
            let (status, body) = app
                .call("PUT", &chunking, &token, Some(&json!({"chunk_sizing": sizing})))
                .await;
            assert_error(status, &body, 422);
            assert!(body["errors"][field].is_array(), "{body}");
        }
        let (status, body) = app
            .call(
                "PUT",
                &chunking,
                &token,
                Some(&json!({"chunk_sizing": {"size": -1, "overlap": 0}})),
            )
            .await;
        assert_error(status, &body, 422);
        // Put back as uploaded, for what follows.
        app.ok(
            "PUT",
            &chunking,
            &token,
            Some(&json!({"chunk_sizing": {"size": 300, "overlap": 40}})),
        )
        .await;
        app.settled(chosen, &token).await;

        // One of the two left empty: the other comes from the corpus (its overlap shortened to
        // fit a small size).
        let (_, body) = app.chunk_preview(corpus, &token, form("200", "")).await;
        assert_eq!(preview_of(&body).sizing, ChunkSizing { size: 200, overlap: 99 });
        let (_, body) = app.chunk_preview(corpus, &token, form("", "0")).await;
        assert_eq!(preview_of(&body).sizing, ChunkSizing { size: 600, overlap: 0 });

        // A web page is fetched and cut as it reads now.
        let (site, _) = website("<html><h1>Tides</h1><p>The narwhalweb tide turns at noon.</p></html>").await;
        let url = format!("{site}/guide");
        let (status, body) = app
            .chunk_preview(
                corpus,
                &token,
                vec![
                    Part::Text("content_type", "weblink"),
                    Part::Text("source", &url),
                    Part::Text("chunk_size", "500"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(preview_of(&body).chunks[0].text.contains("narwhalweb"), "{body}");

        // Refused, with the field named, by the preview and the upload alike; nothing is stored.
        for (size, overlap, field) in [
            ("199", "", "chunk_size"),
            ("4001", "", "chunk_size"),
            ("big", "", "chunk_size"),
            ("300", "150", "chunk_overlap"),
            ("300", "-1", "chunk_overlap"),
            ("", "300", "chunk_overlap"),
        ] {
            for (status, body) in [
                app.chunk_preview(corpus, &token, form(size, overlap)).await,
                app.upload(corpus, &token, form(size, overlap)).await,
            ] {
                assert_error(status, &body, 422);
                assert!(body["errors"][field].is_array(), "{size}/{overlap}: {body}");
            }
        }
        let broken = vec![
            Part::Text("content_type", "file"),
            Part::File("source", "broken.pdf", b"%PDF-1.4 not really a pdf".to_vec()),
        ];
        let (status, body) = app.chunk_preview(corpus, &token, broken).await;
        assert_error(status, &body, 422);
        assert!(body["errors"]["source"].is_array(), "the parser's reason: {body}");
        let (status, body) = app
            .chunk_preview(corpus, &token, vec![Part::File("source", "movie.mp4", vec![1, 2, 3])])
            .await;
        assert_error(status, &body, 415);
        let (status, body) = app
            .chunk_preview(
                corpus,
                &token,
                vec![Part::Text("content_type", "text"), Part::Text("source", "   ")],
            )
            .await;
        assert_error(status, &body, 422);
        // Someone not on the corpus may not add to it, so may not preview either.
        let (outsider, _) = app.signed_up("outsider@example.com").await;
        let (status, body) = app.chunk_preview(corpus, &outsider, form("", "")).await;
        assert_error(status, &body, 403);
        let (status, body) = app
            .call("PUT", &chunking, &outsider, Some(&json!({"chunk_sizing": null})))
            .await;
        assert!(matches!(status, 403 | 404), "{status} {body}");
        let documents = app
            .ok("GET", &format!("/api/v2/corpora/{corpus}/documents"), &token, None)
            .await;
        assert_eq!(documents["meta"]["count"], 2, "{documents}");
    }
);
