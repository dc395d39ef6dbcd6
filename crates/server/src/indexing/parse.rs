//! Turning an uploaded file into text, with the page or section each piece came from.
//!
//! Every format is read by a maintained crate: `pdf-extract` (PDF), `calamine` (spreadsheets),
//! `zip` + `quick-xml` (the XML inside DOCX and PPTX), `html2text`, `pulldown-cmark`, `csv`
//! and `serde_json`. We only walk what they give us.

use std::io::{Cursor, Read};

use quick_xml::events::Event;

/// The formats we index, by the name the API reports and the file extensions that map to it.
pub const FORMATS: [(&str, &[&str]); 9] = [
    ("pdf", &["pdf"]),
    ("docx", &["docx"]),
    ("xlsx", &["xlsx", "xlsm", "xls", "ods"]),
    ("pptx", &["pptx"]),
    ("html", &["html", "htm"]),
    ("markdown", &["md", "markdown"]),
    ("text", &["txt", "text", "log"]),
    ("csv", &["csv"]),
    ("json", &["json"]),
];

/// "pdf, docx, …" for error messages.
pub fn supported_list() -> String {
    FORMATS
        .iter()
        .flat_map(|(_, exts)| exts.iter().map(|e| format!(".{e}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The format of a file, from its name first and its declared media type second.
pub fn detect(file_name: &str, media_type: Option<&str>) -> Option<&'static str> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if let Some(ext) = ext
        && let Some((name, _)) = FORMATS.iter().find(|(_, exts)| exts.contains(&ext.as_str()))
    {
        return Some(name);
    }
    media_type.and_then(format_of_media_type)
}

/// The format of a web response's `Content-Type`.
pub fn format_of_media_type(media_type: &str) -> Option<&'static str> {
    let essence = media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    Some(match essence.as_str() {
        "application/pdf" => "pdf",
        "text/html" | "application/xhtml+xml" => "html",
        "text/markdown" | "text/x-markdown" => "markdown",
        "text/plain" => "text",
        "text/csv" => "csv",
        "application/json" => "json",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        _ => return None,
    })
}

/// A piece of a document that chunks never cross: a page, a slide, a sheet or a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub page: Option<i64>,
    pub section: Option<String>,
    pub text: String,
}

impl Segment {
    fn plain(text: String) -> Self {
        Self {
            page: None,
            section: None,
            text,
        }
    }
}

/// Why a file could not be read, in words for the person who uploaded it.
pub type ParseError = String;

/// Extracts the text of `bytes` in `format`. Never returns an empty list without an error:
/// a file with nothing to index fails with the reason.
pub fn extract(format: &str, bytes: &[u8]) -> Result<Vec<Segment>, ParseError> {
    let segments = match format {
        "pdf" => pdf(bytes)?,
        "docx" => docx(bytes)?,
        "xlsx" => spreadsheet(bytes)?,
        "pptx" => pptx(bytes)?,
        "html" => markdown(&html(bytes)?),
        "markdown" => markdown(&utf8(bytes)?),
        "text" => vec![Segment::plain(utf8(bytes)?)],
        "csv" => vec![Segment::plain(csv_rows(bytes)?)],
        "json" => vec![Segment::plain(json(bytes)?)],
        other => return Err(format!("The format {other} is not supported.")),
    };
    let segments: Vec<Segment> = segments
        .into_iter()
        .map(|s| Segment {
            text: s.text.trim().to_string(),
            ..s
        })
        .filter(|s| !s.text.is_empty())
        .collect();
    if segments.is_empty() {
        return Err(if format == "pdf" {
            "This PDF has no extractable text (it may be a scan); run OCR on it and upload it again.".into()
        } else {
            "The document has no text to index.".into()
        });
    }
    Ok(segments)
}

fn utf8(bytes: &[u8]) -> Result<String, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).map_err(|_| "The file is not valid UTF-8 text.".to_string())
}

fn pdf(bytes: &[u8]) -> Result<Vec<Segment>, ParseError> {
    // pdf-extract can panic on malformed files; a bad upload must fail, not take a worker down.
    let pages = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
        .map_err(|_| "The PDF could not be read (it may be damaged).".to_string())?
        .map_err(|e| format!("The PDF could not be read: {e}."))?;
    Ok(pages
        .into_iter()
        .enumerate()
        .map(|(i, text)| Segment {
            page: Some(i as i64 + 1),
            section: None,
            text,
        })
        .collect())
}

fn open_zip<'a>(bytes: &'a [u8], what: &str) -> Result<zip::ZipArchive<Cursor<&'a [u8]>>, ParseError> {
    zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| format!("The file is not a valid {what} document."))
}

fn zip_entry(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Option<String>, ParseError> {
    let Ok(file) = archive.by_name(name) else {
        return Ok(None);
    };
    let mut xml = String::new();
    file.take(200 * 1024 * 1024)
        .read_to_string(&mut xml)
        .map_err(|_| format!("{name} inside the document could not be read."))?;
    Ok(Some(xml))
}

/// Paragraphs of an Office XML part: text runs joined, one line per paragraph, and the
/// paragraph style (for DOCX headings).
fn office_paragraphs(xml: &str, paragraph: &str, text: &str) -> Result<Vec<(Option<String>, String)>, ParseError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let (mut line, mut style, mut in_text) = (String::new(), None::<String>, false);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == text => in_text = true,
            Ok(Event::End(e)) if e.local_name().as_ref() == text => in_text = false,
            Ok(Event::Empty(e)) if e.local_name().as_ref() == "pStyle" => {
                style = e
                    .try_get_attribute("w:val")
                    .ok()
                    .flatten()
                    .map(|a| a.value.into_owned());
            }
            Ok(Event::Empty(e)) if matches!(e.local_name().as_ref(), "tab" | "br") => line.push(' '),
            Ok(Event::Text(t)) if in_text => line.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    line.push(c);
                } else {
                    line.push_str(match &*r {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == paragraph => {
                out.push((style.take(), std::mem::take(&mut line)));
            }
            Ok(Event::Eof) => break,
            Err(_) => return Err("The document's XML is malformed.".into()),
            _ => {}
        }
    }
    if !line.trim().is_empty() {
        out.push((style, line));
    }
    Ok(out)
}

fn docx(bytes: &[u8]) -> Result<Vec<Segment>, ParseError> {
    let mut archive = open_zip(bytes, "DOCX")?;
    let xml = zip_entry(&mut archive, "word/document.xml")?
        .ok_or_else(|| "The file is not a valid DOCX document (no word/document.xml).".to_string())?;
    // Headings (paragraph styles Heading1…, Title) start a new section.
    let mut segments = vec![Segment::plain(String::new())];
    for (style, text) in office_paragraphs(&xml, "p", "t")? {
        let heading = style
            .as_deref()
            .is_some_and(|s| s.starts_with("Heading") || s == "Title");
        if heading && !text.trim().is_empty() {
            segments.push(Segment {
                page: None,
                section: Some(text.trim().to_string()),
                text: format!("{}\n", text.trim()),
            });
        } else if let Some(last) = segments.last_mut() {
            last.text.push_str(&text);
            last.text.push('\n');
        }
    }
    Ok(segments)
}

fn pptx(bytes: &[u8]) -> Result<Vec<Segment>, ParseError> {
    let mut archive = open_zip(bytes, "PPTX")?;
    let mut slides: Vec<(i64, String)> = archive
        .file_names()
        .filter_map(|n| {
            let n = n.ok()?;
            let num = n.strip_prefix("ppt/slides/slide")?.strip_suffix(".xml")?;
            Some((num.parse().ok()?, n.to_string()))
        })
        .collect();
    if slides.is_empty() {
        return Err("The file is not a valid PPTX presentation (no slides).".into());
    }
    slides.sort();
    let mut segments = Vec::new();
    for (num, name) in slides {
        let xml = zip_entry(&mut archive, &name)?.unwrap_or_default();
        let lines: Vec<String> = office_paragraphs(&xml, "p", "t")?
            .into_iter()
            .map(|(_, t)| t)
            .filter(|t| !t.trim().is_empty())
            .collect();
        segments.push(Segment {
            page: Some(num),
            section: lines.first().map(|t| t.trim().to_string()),
            text: lines.join("\n"),
        });
    }
    Ok(segments)
}

fn spreadsheet(bytes: &[u8]) -> Result<Vec<Segment>, ParseError> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("The spreadsheet could not be read: {e}."))?;
    let mut segments = Vec::new();
    for name in book.sheet_names() {
        let Ok(range) = book.worksheet_range(&name) else {
            continue;
        };
        let mut rows = range.rows();
        let header: Vec<String> = rows
            .next()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default();
        let mut text = format!("{}\n", header.join(" | "));
        for row in rows {
            text.push_str(&labelled_row(&header, row.iter().map(|c| c.to_string())));
        }
        segments.push(Segment {
            page: None,
            section: Some(name.clone()),
            text,
        });
    }
    Ok(segments)
}

/// One table row as "header: value; …", so a chunk of rows still says what each value is.
fn labelled_row(header: &[String], cells: impl Iterator<Item = String>) -> String {
    let parts: Vec<String> = cells
        .enumerate()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(i, v)| match header.get(i).filter(|h| !h.trim().is_empty()) {
            Some(h) => format!("{h}: {v}"),
            None => v,
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}\n", parts.join("; "))
    }
}

fn csv_rows(bytes: &[u8]) -> Result<String, ParseError> {
    let text = utf8(bytes)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("The CSV could not be read: {e}."))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut out = format!("{}\n", header.join(" | "));
    for record in reader.records() {
        let record = record.map_err(|e| format!("The CSV could not be read: {e}."))?;
        out.push_str(&labelled_row(&header, record.iter().map(str::to_string)));
    }
    Ok(out)
}

fn json(bytes: &[u8]) -> Result<String, ParseError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("The JSON could not be read: {e}."))?;
    let mut out = String::new();
    flatten_json("", &value, &mut out);
    Ok(out)
}

/// `path.to.key: value` lines, so each value keeps the names that explain it.
fn flatten_json(path: &str, value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten_json(&p, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten_json(&format!("{path}[{i}]"), v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => out.push_str(&format!("{path}: {s}\n")),
        other => out.push_str(&format!("{path}: {other}\n")),
    }
}

fn html(bytes: &[u8]) -> Result<String, ParseError> {
    // Markdown-like output keeps headings as `#` lines, which then become sections.
    html2text::from_read(bytes, 10_000).map_err(|e| format!("The HTML could not be read: {e}."))
}

/// Markdown split at headings; each heading names its section.
fn markdown(text: &str) -> Vec<Segment> {
    use pulldown_cmark::{Event as Md, Parser, Tag, TagEnd};
    let mut segments = vec![Segment::plain(String::new())];
    let mut heading: Option<String> = None;
    for event in Parser::new(text) {
        match event {
            Md::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Md::End(TagEnd::Heading(_)) => {
                let h = heading.take().unwrap_or_default().trim().to_string();
                segments.push(Segment {
                    page: None,
                    section: (!h.is_empty()).then(|| h.clone()),
                    text: format!("{h}\n"),
                });
            }
            Md::Text(t) | Md::Code(t) => match heading.as_mut() {
                Some(h) => h.push_str(&t),
                None => segments.last_mut().expect("never empty").text.push_str(&t),
            },
            Md::SoftBreak | Md::HardBreak => {
                if let Some(h) = heading.as_mut() {
                    h.push(' ');
                } else {
                    segments.last_mut().expect("never empty").text.push(' ');
                }
            }
            Md::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableRow) => {
                segments.last_mut().expect("never empty").text.push('\n');
            }
            Md::End(TagEnd::TableCell) => segments.last_mut().expect("never empty").text.push_str(" | "),
            _ => {}
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_headings_become_sections() {
        let s = extract("markdown", b"# Intro\nHello there.\n\n## Details\nMore *text* here.\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].section.as_deref(), Some("Intro"));
        assert!(s[0].text.contains("Hello there."));
        assert_eq!(s[1].section.as_deref(), Some("Details"));
        assert!(s[1].text.contains("More text here."));
    }

    #[test]
    fn csv_rows_keep_their_headers() {
        let s = extract("csv", b"city,population\nOslo,700000\n").unwrap();
        assert!(s[0].text.contains("city: Oslo; population: 700000"), "{}", s[0].text);
    }

    #[test]
    fn json_values_keep_their_paths() {
        let s = extract("json", br#"{"a":{"b":[1,"x"]}}"#).unwrap();
        assert!(s[0].text.contains("a.b[1]: x"));
    }

    #[test]
    fn empty_and_invalid_inputs_say_why() {
        assert_eq!(
            extract("text", b"   \n").unwrap_err(),
            "The document has no text to index."
        );
        assert!(extract("text", &[0xff, 0xfe, 0x00]).unwrap_err().contains("UTF-8"));
        assert!(extract("docx", b"not a zip").unwrap_err().contains("not a valid DOCX"));
    }

    #[test]
    fn formats_come_from_extension_then_media_type() {
        assert_eq!(detect("Report.PDF", None), Some("pdf"));
        assert_eq!(detect("notes", Some("text/markdown; charset=utf-8")), Some("markdown"));
        assert_eq!(detect("movie.mp4", Some("video/mp4")), None);
    }
}
