//! PDF: `pdf-extract`, after a pass that unpacks every Flate stream of the file into nothing,
//! counting, so a small file holding a gigabyte of compressed zeros fails with its size before
//! `pdf-extract` decodes any of it.

use std::io::Read;

use super::{Budget, ParseError, Segment};

pub(super) fn pages(bytes: &[u8], budget: &mut Budget) -> Result<Vec<Segment>, ParseError> {
    check_streams(bytes, budget)?;
    // pdf-extract can panic on malformed files; a bad upload must fail with a reason.
    let pages = std::panic::catch_unwind(|| page_texts(bytes))
        .map_err(|_| "The PDF could not be read (it may be damaged).".to_string())??;
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

/// The text of each page, as `pdf_extract::extract_text_from_mem_by_pages` gives it, once the
/// page tree is known to be a tree: pdf-extract follows `/Parent` links without end, so a page
/// that is its own ancestor would hold the parser forever (found by `make fuzz`).
fn page_texts(bytes: &[u8]) -> Result<Vec<String>, ParseError> {
    use pdf_extract::{Document, PlainTextOutput, output_doc_page};
    let mut doc = Document::load_mem(bytes).map_err(|e| format!("The PDF could not be read: {e}."))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err("The PDF is protected by a password; upload it without one.".into());
    }
    for page in doc.get_pages().into_values() {
        let mut at = page;
        for depth in 0.. {
            let Ok(parent) = doc
                .get_dictionary(at)
                .and_then(|d| d.get(b"Parent"))
                .and_then(|p| p.as_reference())
            else {
                break;
            };
            if parent == page || depth > 64 {
                return Err("The PDF's page tree loops back on itself; the file is damaged.".into());
            }
            at = parent;
        }
    }
    let mut pages = Vec::new();
    for number in 1.. {
        let mut text = String::new();
        if output_doc_page(&doc, &mut PlainTextOutput::new(&mut text), number).is_err() {
            break;
        }
        pages.push(text);
    }
    Ok(pages)
}

/// Counts what every `stream … endstream` that holds zlib data unpacks to, against the budget.
/// Linear in the file plus what it unpacks (bounded by the budget); nothing is kept.
fn check_streams(bytes: &[u8], budget: &mut Budget) -> Result<(), ParseError> {
    let mut sink = vec![0u8; 64 * 1024];
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&bytes[from..], b"stream") {
        let keyword = from + found;
        from = keyword + b"stream".len();
        if bytes[..keyword].ends_with(b"end") {
            continue;
        }
        let data = match &bytes[from..] {
            [b'\r', b'\n', rest @ ..] | [b'\n', rest @ ..] | [b'\r', rest @ ..] => rest,
            _ => continue,
        };
        let mut decoder = flate2::bufread::ZlibDecoder::new(data);
        while let Ok(n) = decoder.read(&mut sink) {
            if n == 0 {
                break;
            }
            budget.inflate(n as u64)?;
        }
        from = (bytes.len() - data.len()) + decoder.total_in() as usize;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    /// `make fuzz` found it: page 3's /Parent is page 3 itself.
    #[test]
    fn a_page_that_is_its_own_parent_fails_instead_of_looping() {
        let pdf = include_bytes!("../fuzz/regressions/pdf-page-is-its-own-parent.pdf");
        let limits = Limits {
            max_inflated: 1 << 20,
            max_text: 1 << 20,
        };
        let e = pages(pdf, &mut Budget::new(limits)).unwrap_err();
        assert_eq!(e, "The PDF's page tree loops back on itself; the file is damaged.");
    }

    use super::*;
    use crate::Limits;

    #[test]
    fn a_flate_bomb_fails_with_its_size_before_it_is_decoded() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..8 {
            z.write_all(&zeros).unwrap();
        }
        let stream = z.finish().unwrap();
        let mut pdf = b"%PDF-1.4\n1 0 obj << /Length 1 /Filter /FlateDecode >>\nstream\r\n".to_vec();
        pdf.extend_from_slice(&stream);
        pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        let limits = Limits {
            max_inflated: 4 << 20,
            max_text: 1 << 20,
        };
        let e = pages(&pdf, &mut Budget::new(limits)).unwrap_err();
        assert!(e.contains("expands to more than 4 MB"), "{e}");
    }
}
