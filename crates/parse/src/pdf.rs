//! PDF: `pdf-extract`, after a pass that unpacks every Flate stream of the file into nothing,
//! counting, so a small file holding a gigabyte of compressed zeros fails with its size before
//! `pdf-extract` decodes any of it.

use std::io::Read;

use super::{Budget, ParseError, Segment};

pub(super) fn pages(bytes: &[u8], budget: &mut Budget) -> Result<Vec<Segment>, ParseError> {
    check_streams(bytes, budget)?;
    // pdf-extract can panic on malformed files; a bad upload must fail with a reason.
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
