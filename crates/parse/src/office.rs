//! The zip packages (DOCX, PPTX, and the XLSX and ODS that `sheets` reads): every part is
//! unpacked once, counted and thrown away before any parser sees the package, so a package
//! that expands past the budget, holds too many parts, or is compressed as only a bomb is,
//! fails before a parser holds any of it.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesRef, Event};

use super::{Budget, MAX_SLIDES, MAX_ZIP_ENTRIES, ParseError, Segment};

/// A part may unpack to at most this many times its compressed size (once it is past
/// [`RATIO_FLOOR`]): XML compresses 10 to 1 at most, deflate's ceiling is about 1,000 to 1.
const MAX_RATIO: u64 = 200;
const RATIO_FLOOR: u64 = 1024 * 1024;

pub(super) type Package<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Opens a zip package and checks every part against the budget.
pub(super) fn open_package<'a>(bytes: &'a [u8], what: &str, budget: &mut Budget) -> Result<Package<'a>, ParseError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| format!("The file is not a valid {what} document."))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "The file holds {} parts, more than the 10,000 any {what} document needs.",
            archive.len()
        ));
    }
    let mut buffer = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut part = archive
            .by_index(i)
            .map_err(|e| format!("The {what} file is damaged: one of its parts could not be opened ({e})."))?;
        let name: String = part.name().map(|n| n.chars().take(100).collect()).unwrap_or_default();
        let compressed = part.compressed_size().max(1);
        let mut unpacked = 0u64;
        loop {
            let n = part
                .read(&mut buffer)
                .map_err(|_| format!("The {what} file is damaged: its part {name} could not be unpacked."))?;
            if n == 0 {
                break;
            }
            unpacked += n as u64;
            budget.inflate(n as u64)?;
            if unpacked > RATIO_FLOOR && unpacked > compressed.saturating_mul(MAX_RATIO) {
                return Err(format!(
                    "The part {name} of the file is compressed more than {MAX_RATIO} to 1, as only a \
                     decompression bomb is; the file was not read."
                ));
            }
        }
    }
    Ok(archive)
}

/// The text of one part, or `None` when the package has no such part. The package was checked
/// by [`open_package`], so the part's size is known to be within the budget.
pub(super) fn part(archive: &mut Package<'_>, name: &str) -> Result<Option<String>, ParseError> {
    let Ok(file) = archive.by_name(name) else {
        return Ok(None);
    };
    let mut xml = String::new();
    file.take(u32::MAX as u64)
        .read_to_string(&mut xml)
        .map_err(|_| format!("{name} inside the document could not be read."))?;
    Ok(Some(xml))
}

/// A character or entity reference as text: character references and the five predefined
/// entities only; a document's own entities are never expanded (no billion laughs).
pub(super) fn push_reference(text: &mut String, reference: &BytesRef<'_>) {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => text.push(c),
        _ => text.push_str(match &**reference {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            _ => "",
        }),
    }
}

/// Paragraphs of an Office XML part: text runs joined, one line per paragraph, and the
/// paragraph style (for DOCX headings).
fn office_paragraphs(
    xml: &str,
    paragraph: &str,
    text: &str,
    budget: &mut Budget,
) -> Result<Vec<(Option<String>, String)>, ParseError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let (mut line, mut style, mut in_text) = (String::new(), None::<String>, false);
    loop {
        let before = line.len();
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
            Ok(Event::GeneralRef(r)) if in_text => push_reference(&mut line, &r),
            Ok(Event::End(e)) if e.local_name().as_ref() == paragraph => {
                out.push((style.take(), std::mem::take(&mut line)));
            }
            Ok(Event::Eof) => break,
            Err(_) => return Err("The document's XML is malformed.".into()),
            _ => {}
        }
        budget.text(line.len().saturating_sub(before))?;
    }
    if !line.trim().is_empty() {
        out.push((style, line));
    }
    Ok(out)
}

pub(super) fn docx(bytes: &[u8], budget: &mut Budget) -> Result<Vec<Segment>, ParseError> {
    let mut archive = open_package(bytes, "DOCX", budget)?;
    let xml = part(&mut archive, "word/document.xml")?
        .ok_or_else(|| "The file is not a valid DOCX document (no word/document.xml).".to_string())?;
    // Headings (paragraph styles Heading1…, Title) start a new section.
    let mut segments = vec![Segment::plain(String::new())];
    for (style, text) in office_paragraphs(&xml, "p", "t", budget)? {
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

pub(super) fn pptx(bytes: &[u8], budget: &mut Budget) -> Result<Vec<Segment>, ParseError> {
    let mut archive = open_package(bytes, "PPTX", budget)?;
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
    if slides.len() > MAX_SLIDES {
        return Err(format!(
            "The presentation has {} slides, more than the 5,000 a presentation may have.",
            slides.len()
        ));
    }
    slides.sort();
    let mut segments = Vec::new();
    for (num, name) in slides {
        let xml = part(&mut archive, &name)?.unwrap_or_default();
        let lines: Vec<String> = office_paragraphs(&xml, "p", "t", budget)?
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
