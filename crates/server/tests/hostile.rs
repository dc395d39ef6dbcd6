//! Hostile documents, made by this test: spreadsheets with one far cell, decompression and
//! text bombs, billion laughs, a PDF flate bomb, damaged and lying files, a zip of 100,000
//! parts, a 10 MB line. All are uploaded at once: each ends `failed` with its own reason or
//! `indexed` within the budgets, the server's memory stays near its baseline, and a probe
//! calling `GET /api/v2/users/me` throughout never waits a second.

mod common;

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::{Backend, TestApp, fixtures};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::json;

const MB: usize = 1024 * 1024;

/// What a document must end as.
enum Expect {
    /// `indexed`, and a retrieval for this word finds it.
    Indexed(&'static str),
    /// `failed`, with a reason containing this.
    Failed(&'static str),
    /// Either, but never for want of memory, time or a crash: the parser itself decided.
    Decided,
}

fn zip_of(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, content) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap();
    buf.into_inner()
}

fn deflated(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_of(entries, zip::CompressionMethod::Deflated)
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn docx_with_body(body: &str) -> Vec<u8> {
    let xml = format!(r#"<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>"#);
    deflated(&[("word/document.xml", xml.as_bytes())])
}

fn paragraph(text: &str) -> String {
    format!(r#"<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
}

/// Words from a made-up vocabulary: text that compresses like prose (3 to 4 to 1).
fn words(rng: &mut StdRng, bytes: usize, separator: &str) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ren", "sto", "vel", "dra", "qui", "bar", "ton", "shi", "pel", "gor", "nu", "fae", "lin",
    ];
    let mut s = String::with_capacity(bytes + 16);
    while s.len() < bytes {
        for _ in 0..rng.gen_range(1..4) {
            s.push_str(SYLLABLES[rng.gen_range(0..SYLLABLES.len())]);
        }
        s.push_str(separator);
    }
    s
}

const LAUGHS: &str = r#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>"#;

fn laughs_docx() -> Vec<u8> {
    let xml = format!(
        r#"<?xml version="1.0"?>{LAUGHS}<w:document xmlns:w="{W}"><w:body>{}</w:body></w:document>"#,
        paragraph("laughdocx &lol9; end")
    );
    deflated(&[("word/document.xml", xml.as_bytes())])
}

fn laughs_pptx() -> Vec<u8> {
    let xml = format!(
        r#"<?xml version="1.0"?>{LAUGHS}<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>laughpptx &lol9;</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
    );
    deflated(&[("ppt/slides/slide1.xml", xml.as_bytes())])
}

/// The parts of a minimal XLSX, with `sheet` as its one worksheet.
fn xlsx_with_sheet(sheet: &str) -> Vec<u8> {
    let types = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let workbook = r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let workbook_rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    deflated(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

fn far_cell_xlsx() -> Vec<u8> {
    xlsx_with_sheet(
        r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>header</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>farcellxlsx</t></is></c></row></sheetData></worksheet>"#,
    )
}

fn laughs_xlsx() -> Vec<u8> {
    xlsx_with_sheet(&format!(
        r#"<?xml version="1.0"?>{LAUGHS}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>laughxlsx &lol9;</t></is></c></row></sheetData></worksheet>"#
    ))
}

fn far_cell_ods() -> Vec<u8> {
    let content = r#"<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Far"><table:table-row><table:table-cell office:value-type="string"><text:p>header</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell office:value-type="string"><text:p>farcellods</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    zip_of(
        &[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", content.as_bytes()),
        ],
        zip::CompressionMethod::Stored,
    )
}

/// An XLS (BIFF8 in a compound file, both written here) with a number at A1 and one at row
/// 65,536, column 65,536: a rectangle of 4 billion cells to a reader that allocates one.
fn far_cell_xls() -> Vec<u8> {
    fn record(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
        out.extend(kind.to_le_bytes());
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
    }
    fn put<const N: usize>(into: &mut [u8], at: usize, bytes: [u8; N]) {
        into[at..at + N].copy_from_slice(&bytes);
    }
    let bof = |kind: u16| [&0x0600u16.to_le_bytes()[..], &kind.to_le_bytes(), &[0; 12]].concat();
    let number = |row: u16, col: u16, value: f64| {
        [
            &row.to_le_bytes()[..],
            &col.to_le_bytes(),
            &0u16.to_le_bytes(),
            &value.to_le_bytes(),
        ]
        .concat()
    };
    let mut stream = Vec::new();
    record(&mut stream, 0x0809, &bof(0x0005));
    let sheet_offset_at = stream.len() + 4;
    record(&mut stream, 0x0085, &[&[0u8; 6][..], &[3, 0], b"Far"].concat());
    record(&mut stream, 0x000A, &[]);
    let sheet = stream.len() as u32;
    put(&mut stream, sheet_offset_at, sheet.to_le_bytes());
    record(&mut stream, 0x0809, &bof(0x0010));
    record(&mut stream, 0x0203, &number(0, 0, 1.0));
    record(&mut stream, 0x0203, &number(u16::MAX, u16::MAX, 4242.0));
    record(&mut stream, 0x000A, &[]);
    // At least 4096 bytes, so the stream lives in ordinary sectors rather than the mini stream.
    stream.resize(stream.len().max(4096).next_multiple_of(512), 0);
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    // Sector 0: the FAT; 1: the directory; 2…: the Workbook stream.
    let mut header = vec![0xFFu8; 512];
    header[..76].fill(0);
    header[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    for (at, value) in [(24, 0x3Eu16), (26, 3), (28, 0xFFFE), (30, 9), (32, 6)] {
        put(&mut header, at, value.to_le_bytes());
    }
    for (at, value) in [
        (44, 1u32),
        (48, 1),
        (56, 4096),
        (60, END),
        (64, 0),
        (68, END),
        (72, 0),
        (76, 0),
    ] {
        put(&mut header, at, value.to_le_bytes());
    }
    let sectors = (stream.len() / 512) as u32;
    let mut fat: Vec<u32> = vec![0xFFFF_FFFD, END];
    fat.extend((0..sectors).map(|i| if i + 1 == sectors { END } else { 3 + i }));
    fat.resize(128, FREE);
    let entry = |name: &str, kind: u8, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let utf16: Vec<u8> = name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
        e[..utf16.len()].copy_from_slice(&utf16);
        put(&mut e, 64, (utf16.len() as u16).to_le_bytes());
        e[66] = kind;
        e[67] = 1;
        for (at, value) in [(68, FREE), (72, FREE), (76, child), (116, start), (120, size)] {
            put(&mut e, at, value.to_le_bytes());
        }
        e
    };
    let mut directory = [
        entry("Root Entry", 5, 1, END, 0),
        entry("Workbook", 2, FREE, 2, stream.len() as u32),
    ]
    .concat();
    directory.resize(512, 0);
    [
        header,
        fat.iter().flat_map(|v| v.to_le_bytes()).collect(),
        directory,
        stream,
    ]
    .concat()
}

/// A PDF whose one content stream unpacks to `zeros` bytes of zeros.
fn flate_bomb_pdf(zeros: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; MB];
    for _ in 0..zeros / MB {
        z.write_all(&block).unwrap();
    }
    let stream = z.finish().unwrap();
    let mut pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n".to_vec();
    pdf.extend_from_slice(format!("4 0 obj << /Length {} /Filter /FlateDecode >>\nstream\n", stream.len()).as_bytes());
    pdf.extend_from_slice(&stream);
    pdf.extend_from_slice(b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    pdf
}

/// The hostile corpus: (file name, bytes, what must happen). Limits of the server under test:
/// uploads up to 12 MB (so parts may unpack to 48 MB), 12 MB of text.
fn hostile_corpus() -> Vec<(&'static str, Vec<u8>, Expect)> {
    let mut rng = StdRng::seed_from_u64(16);
    let half = |mut v: Vec<u8>| {
        v.truncate(v.len() / 2);
        v
    };
    let slides: Vec<(String, Vec<u8>)> = (1..=7)
        .map(|i| {
            // Numbered lines: compressed about 30 to 1, well under the ratio a bomb has.
            let mut text = String::with_capacity(8 * MB + 64);
            let mut n = 0;
            while text.len() < 8 * MB {
                text.push_str(&format!("Slide {i} says line {n} of the deck. "));
                n += 1;
            }
            let xml = format!(
                r#"<?xml version="1.0"?><p:sld xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:sld>"#
            );
            (format!("ppt/slides/slide{i}.xml"), xml.into_bytes())
        })
        .collect();
    let slide_refs: Vec<(&str, &[u8])> = slides.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let many_parts: Vec<(String, Vec<u8>)> = (0..100_000).map(|i| (format!("p/{i}"), Vec::new())).collect();
    let many_refs: Vec<(&str, &[u8])> = many_parts.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    vec![
        ("far.xlsx", far_cell_xlsx(), Expect::Indexed("farcellxlsx")),
        ("far.ods", far_cell_ods(), Expect::Indexed("farcellods")),
        ("far.xls", far_cell_xls(), Expect::Failed("ran out of memory")),
        (
            "textbomb.docx",
            docx_with_body(&paragraph(&"lorem".repeat(4 * MB))),
            Expect::Failed("compressed more than 200 to 1"),
        ),
        (
            "whitespace.docx",
            docx_with_body(&paragraph(&" ".repeat(60 * MB))),
            Expect::Failed("compressed more than 200 to 1"),
        ),
        (
            "words.docx",
            docx_with_body(&paragraph(&words(&mut rng, 13 * MB, " "))),
            Expect::Failed("more than 12 MB of text"),
        ),
        ("laughs.docx", laughs_docx(), Expect::Indexed("laughdocx")),
        ("laughs.xlsx", laughs_xlsx(), Expect::Decided),
        ("laughs.pptx", laughs_pptx(), Expect::Indexed("laughpptx")),
        (
            "slides.pptx",
            deflated(&slide_refs),
            Expect::Failed("expands to more than 48 MB"),
        ),
        (
            "flatebomb.pdf",
            flate_bomb_pdf(100 * MB),
            Expect::Failed("expands to more than 48 MB"),
        ),
        (
            "malformed.pdf",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ngarbage".to_vec(),
            Expect::Failed("PDF could not be read"),
        ),
        (
            "truncated.pdf",
            half(fixtures::pdf(Some("halfpdf words"))),
            Expect::Decided,
        ),
        (
            "truncated.docx",
            half(fixtures::docx("Half", "halfdocx")),
            Expect::Failed("not a valid DOCX"),
        ),
        (
            "truncated.xlsx",
            half(fixtures::xlsx(&["a"], &["halfxlsx"])),
            Expect::Failed("not a valid spreadsheet"),
        ),
        (
            "parts.docx",
            zip_of(&many_refs, zip::CompressionMethod::Stored),
            Expect::Failed("holds 100000 parts"),
        ),
        (
            "lies.pdf",
            fixtures::docx("Not a PDF", "liespdf"),
            Expect::Failed("PDF could not be read"),
        ),
        (
            "line.txt",
            words(&mut rng, 10 * MB, " ").into_bytes(),
            Expect::Indexed("kalomi"),
        ),
    ]
}

/// Resident memory of this process (the server runs in it), in bytes.
fn resident() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

#[tokio::test]
async fn hostile_documents_end_with_reasons_while_the_server_stays_small_and_responsive() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.max_upload_mb = 12;
        c.max_document_text_mb = 12;
        c.parse_memory_mb = 512;
    })
    .await
    .expect("SQLite is always available");
    let (token, corpus) = uploader(&app, "hana@example.com").await;
    let files = tokio::task::spawn_blocking(hostile_corpus).await.unwrap();
    let baseline = resident();

    // The probe, and a sampler of the server's memory, run until every document settles.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(baseline));
    let probe = {
        let (client, url, token, done, latencies) = (
            app.client.clone(),
            app.url("/api/v2/users/me"),
            token.clone(),
            done.clone(),
            latencies.clone(),
        );
        tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let res = client.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(res.status(), 200);
                latencies.lock().unwrap().push(started.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(resident(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
    };

    let mut ids = Vec::new();
    for (name, bytes, _) in &files {
        ids.push(app.upload_file(corpus, &token, name, bytes.clone()).await);
    }
    let mut settled = Vec::new();
    for id in &ids {
        settled.push(app.settled(*id, &token).await);
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    probe.await.unwrap();
    sampler.await.unwrap();

    for ((name, _, expect), doc) in files.iter().zip(&settled) {
        let reason = doc["failure_reason"].as_str().unwrap_or("");
        match expect {
            Expect::Indexed(word) => {
                assert_eq!(doc["step"], "indexed", "{name}: {doc}");
                let found = app.retrieve(corpus, &token, word).await;
                assert!(
                    found.iter().any(|c| c["document_id"] == doc["id"]),
                    "{name}: '{word}' is found"
                );
            }
            Expect::Failed(words) => {
                assert_eq!(doc["step"], "failed", "{name}: {doc}");
                assert!(reason.contains(words), "{name}: the reason says '{words}': {reason}");
            }
            Expect::Decided => {
                for limit in ["memory", "longer than", "stopped"] {
                    assert!(!reason.contains(limit), "{name}: decided by the parser: {reason}");
                }
            }
        }
        println!("{name}: {} {reason}", doc["step"]);
    }

    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let p99 = latencies[(latencies.len() - 1) * 99 / 100];
    let slowest = *latencies.last().unwrap();
    let grown = peak.load(std::sync::atomic::Ordering::Relaxed).saturating_sub(baseline);
    println!(
        "probe: {} calls, p99 {p99:?}, slowest {slowest:?}; server memory grew by at most {} MB",
        latencies.len(),
        grown / MB
    );
    assert!(
        slowest < Duration::from_secs(1),
        "a call took {slowest:?} while indexing"
    );
    // The server holds an upload (≤ 12 MB) per request and an original plus its chunks per
    // worker; everything that expands lives in the parse children.
    assert!(grown < 256 * MB, "the server grew by {} MB", grown / MB);
}

/// A member of a new organization and a corpus of theirs to upload to.
async fn uploader(app: &TestApp, email: &str) -> (String, i64) {
    let (token, _, _) = app.member(email, "Uploader").await;
    let corpus = app
        .ok(
            "POST",
            "/api/v2/corpora",
            &token,
            Some(&json!({"name": "Uploads", "indexing_mode_id": 1})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    (token, corpus)
}

/// A shell script standing in for the parse child.
fn parser_script(dir: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[tokio::test]
async fn a_parser_killed_on_every_attempt_fails_the_document_after_the_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    // Dies by SIGKILL on every start, as a child killed by the kernel's OOM killer would.
    let parser = parser_script(dir.path(), "killed-parser", "kill -9 $$");
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.parse_program = Some(parser);
        c.index_max_attempts = 3;
    })
    .await
    .unwrap();
    let (token, corpus) = uploader(&app, "kai@example.com").await;
    let id = app
        .upload_file(corpus, &token, "note.txt", b"Just a note.".to_vec())
        .await;
    let doc = app.settled(id, &token).await;
    assert_eq!(doc["step"], "failed", "{doc}");
    assert_eq!(
        doc["failure_reason"],
        "Indexing failed 3 times; the last error was: The parser stopped while reading this file (it was killed)."
    );
    // It stays failed: nothing picks the job up again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again = app.ok("GET", &format!("/api/v2/documents/{id}"), &token, None).await;
    assert_eq!(again["step"], "failed");
    let history = app
        .ok("GET", &format!("/api/v2/documents/{id}/history"), &token, None)
        .await;
    let failures = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["step"] == "failed")
        .count();
    assert_eq!(failures, 1, "{history}");
}

#[tokio::test]
async fn a_parser_past_its_memory_or_time_limit_fails_the_document_with_that_reason() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.parse_memory_mb = 160;
        c.max_document_text_mb = 64;
    })
    .await
    .unwrap();
    let (token, corpus) = uploader(&app, "mo@example.com").await;
    // 45 MB of text is held several times over (the original, the text, the chunks).
    let text = words(&mut StdRng::seed_from_u64(1), 45 * MB, "\n");
    let id = app.upload_file(corpus, &token, "big.txt", text.into_bytes()).await;
    let doc = app.settled(id, &token).await;
    assert_eq!(doc["step"], "failed", "{doc}");
    assert!(
        doc["failure_reason"]
            .as_str()
            .unwrap()
            .starts_with("The parser ran out of memory reading this file (its limit is 160 MB)"),
        "{doc}"
    );

    // A parser that never finishes is killed at the time limit, tried again, and given up.
    let slow = parser_script(dir.path(), "slow-parser", "exec sleep 30");
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.parse_program = Some(slow);
        c.parse_timeout_secs = 1;
        c.index_max_attempts = 2;
    })
    .await
    .unwrap();
    let (token, corpus) = uploader(&app, "sol@example.com").await;
    let id = app
        .upload_file(corpus, &token, "slow.txt", b"Slow words.".to_vec())
        .await;
    let doc = app.settled(id, &token).await;
    assert_eq!(
        doc["failure_reason"],
        "Indexing failed 2 times; the last error was: Parsing took longer than 1 s, the time a document may \
         take; the file may be too complex to read.",
        "{doc}"
    );
}
