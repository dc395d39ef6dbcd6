//! The text formats: CSV and JSON (flattened to labelled lines), HTML and Markdown (split at
//! headings).

use super::{Budget, ParseError, Segment, labelled_row, utf8};

pub(super) fn csv_rows(bytes: &[u8], budget: &mut Budget) -> Result<String, ParseError> {
    let text = utf8(bytes)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("The CSV could not be read: {e}."))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut out = format!("{}\n", header.join(" | "));
    budget.text(out.len())?;
    for record in reader.records() {
        let record = record.map_err(|e| format!("The CSV could not be read: {e}."))?;
        let row = labelled_row(
            |i| header.get(i).map(String::as_str),
            record.iter().map(str::to_string).enumerate(),
        );
        budget.text(row.len())?;
        out.push_str(&row);
    }
    Ok(out)
}

pub(super) fn json(bytes: &[u8], budget: &mut Budget) -> Result<String, ParseError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("The JSON could not be read: {e}."))?;
    let mut out = String::new();
    flatten_json(&mut String::new(), &value, &mut out, budget)?;
    Ok(out)
}

/// `path.to.key: value` lines, so each value keeps the names that explain it. The path is one
/// buffer grown and cut back as the walk goes down and up.
fn flatten_json(
    path: &mut String,
    value: &serde_json::Value,
    out: &mut String,
    budget: &mut Budget,
) -> Result<(), ParseError> {
    use serde_json::Value;
    let at = path.len();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                flatten_json(path, v, out, budget)?;
                path.truncate(at);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                flatten_json(path, v, out, budget)?;
                path.truncate(at);
            }
        }
        Value::Null => {}
        other => {
            let line = match other {
                Value::String(s) => format!("{path}: {s}\n"),
                _ => format!("{path}: {other}\n"),
            };
            budget.text(line.len())?;
            out.push_str(&line);
        }
    }
    Ok(())
}

pub(super) fn html(bytes: &[u8]) -> Result<String, ParseError> {
    // Markdown-like output keeps headings as `#` lines, which then become sections.
    html2text::from_read(bytes, 10_000).map_err(|e| format!("The HTML could not be read: {e}."))
}

/// Markdown split at headings; each heading names its section.
pub(super) fn markdown(text: &str) -> Vec<Segment> {
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
