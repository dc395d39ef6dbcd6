//! Turning an uploaded file into text, with the page or section each piece came from, and
//! that text into chunks ([`chunk`]).
//!
//! Every format is read by a maintained crate: `pdf-extract` (PDF), `calamine` (XLSX, XLSB,
//! XLS), `zip` + `quick-xml` (the XML inside DOCX, PPTX and ODS), `html2text`, `pulldown-cmark`,
//! `csv` and `serde_json`. We only walk what they give us, within a [`Budget`]: a file that
//! would expand past it fails early with a reason a person understands. This code runs in the
//! parse child process (see `sandbox`), whose memory and time limits catch whatever the budgets
//! cannot see. It is its own crate so that it can be fuzzed alone (`make fuzz`).

pub mod chunk;
mod office;
mod pdf;
mod sheets;
mod text;

/// The formats we index, by the name the API reports and the file extensions that map to it.
pub const FORMATS: [(&str, &[&str]); 9] = [
    ("pdf", &["pdf"]),
    ("docx", &["docx"]),
    ("xlsx", &["xlsx", "xlsm", "xlsb", "xls", "ods"]),
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

/// How far one document may expand while it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes unpacked from the file's compressed parts (zip entries, PDF streams), all together.
    pub max_inflated: u64,
    /// Bytes of extracted text, all together.
    pub max_text: u64,
}

/// Structural ceilings no real document comes near.
const MAX_ZIP_ENTRIES: usize = 10_000;
const MAX_SHEETS: usize = 1_000;
const MAX_SLIDES: usize = 5_000;
/// Said in words in [`Budget::cell`].
const MAX_CELLS: u64 = 10_000_000;

/// What a document has used of its [`Limits`] so far.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    inflated: u64,
    text: u64,
    cells: u64,
}

/// "200 MB" (or "4 KB"), for reasons.
fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes.div_ceil(1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            inflated: 0,
            text: 0,
            cells: 0,
        }
    }

    /// Records `bytes` more unpacked from a compressed part.
    fn inflate(&mut self, bytes: u64) -> Result<(), ParseError> {
        self.inflated = self.inflated.saturating_add(bytes);
        if self.inflated > self.limits.max_inflated {
            return Err(self.too_expanded());
        }
        Ok(())
    }

    fn too_expanded(&self) -> ParseError {
        format!(
            "The file expands to more than {} when unpacked, which is more than a document may hold.",
            size(self.limits.max_inflated)
        )
    }

    /// Records `bytes` more of extracted text.
    fn text(&mut self, bytes: usize) -> Result<(), ParseError> {
        self.text = self.text.saturating_add(bytes as u64);
        self.check_text(self.text)
    }

    fn check_text(&self, total: u64) -> Result<(), ParseError> {
        if total > self.limits.max_text {
            return Err(format!(
                "The document has more than {} of text; split it into smaller documents.",
                size(self.limits.max_text)
            ));
        }
        Ok(())
    }

    /// Records one more spreadsheet cell read.
    fn cell(&mut self) -> Result<(), ParseError> {
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err("The spreadsheet has more than 10,000,000 cells; split it into smaller files.".into());
        }
        Ok(())
    }
}

/// Extracts the text of `bytes` in `format`. Never returns an empty list without an error:
/// a file with nothing to index fails with the reason.
pub fn extract(format: &str, bytes: &[u8], limits: Limits) -> Result<Vec<Segment>, ParseError> {
    let budget = &mut Budget::new(limits);
    let segments = match format {
        "pdf" => pdf::pages(bytes, budget)?,
        "docx" => office::docx(bytes, budget)?,
        "xlsx" => sheets::spreadsheet(bytes, budget)?,
        "pptx" => office::pptx(bytes, budget)?,
        "html" => text::markdown(&text::html(bytes)?),
        "markdown" => text::markdown(&utf8(bytes)?),
        "text" => vec![Segment::plain(utf8(bytes)?)],
        "csv" => vec![Segment::plain(text::csv_rows(bytes, budget)?)],
        "json" => vec![Segment::plain(text::json(bytes, budget)?)],
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
    budget.check_text(segments.iter().map(|s| s.text.len() as u64).sum())?;
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

/// One table row as "header: value; …", so a chunk of rows still says what each value is.
/// `cells` are (column, value); `header` is found by column.
fn labelled_row<'h>(header: impl Fn(usize) -> Option<&'h str>, cells: impl Iterator<Item = (usize, String)>) -> String {
    let parts: Vec<String> = cells
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(i, v)| match header(i).filter(|h| !h.trim().is_empty()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_inflated: 200 * 1024 * 1024,
        max_text: 20 * 1024 * 1024,
    };

    fn extract(format: &str, bytes: &[u8]) -> Result<Vec<Segment>, ParseError> {
        super::extract(format, bytes, LIMITS)
    }

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

    #[test]
    fn text_past_the_budget_fails_with_its_size() {
        let small = Limits {
            max_inflated: 1 << 20,
            max_text: 1000,
        };
        let e = super::extract("text", "word ".repeat(300).as_bytes(), small).unwrap_err();
        assert!(e.contains("more than 1 KB of text"), "{e}");
        // Header names repeated on every row cannot multiply a small CSV past the budget.
        let csv = format!("{}\n{}", "h".repeat(500), "v\n".repeat(100));
        let e = super::extract("csv", csv.as_bytes(), small).unwrap_err();
        assert!(e.contains("of text"), "{e}");
        // Nor can long paths repeated on every JSON value.
        let json = format!(r#"{{"{}": [{}]}}"#, "k".repeat(500), vec!["1"; 100].join(","));
        let e = super::extract("json", json.as_bytes(), small).unwrap_err();
        assert!(e.contains("of text"), "{e}");
    }
}
