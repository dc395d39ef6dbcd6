//! Splitting text into the chunks retrieval returns, of a chosen size and overlap.
//!
//! Each chunk is cut at the best break near its end (a paragraph, else a line or sentence end,
//! else a space, else anywhere), looking only at the second half of the chunk, and the next one
//! starts a little before the cut (the overlap), at a word. Every step looks at one chunk's
//! worth of text, so chunking is linear in the size of the document whatever its text looks
//! like: text without any break is cut into plain windows.

use crate::Segment;

/// The longest section name a chunk carries (a "heading" can be a whole hostile paragraph).
const MAX_SECTION_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub ordinal: i64,
    pub page: Option<i64>,
    pub section: Option<String>,
    pub text: String,
}

/// Chunks of at most `size` characters, overlapping by up to `overlap` (less than half of
/// `size`). They never cross a segment (page, slide, sheet, section), so each records where it
/// is from.
pub fn split(segments: &[Segment], size: usize, overlap: usize) -> Vec<Chunk> {
    let mut out = Vec::new();
    for segment in segments {
        let section = segment.section.as_deref().map(short_section);
        for piece in pieces(&segment.text, size, overlap) {
            out.push(Chunk {
                ordinal: out.len() as i64,
                page: segment.page,
                section: section.clone(),
                text: piece.to_string(),
            });
        }
    }
    out
}

fn short_section(section: &str) -> String {
    match section.char_indices().nth(MAX_SECTION_CHARS) {
        Some((end, _)) => format!("{}…", &section[..end]),
        None => section.to_string(),
    }
}

/// Breaks to cut at, best first; a cut falls just after the break.
const BREAKS: [&[&str]; 3] = [&["\n\n"], &["\n", ". ", "? ", "! ", "; "], &[" ", "\t"]];

/// Where to cut in `tail`: just after its last break of the best kind it has.
fn last_break(tail: &str) -> Option<usize> {
    BREAKS
        .iter()
        .find_map(|breaks| breaks.iter().filter_map(|b| tail.rfind(b).map(|at| at + b.len())).max())
}

/// `text` as slices of at most `size` characters, trimmed, each starting up to `overlap`
/// characters before the previous one ended. No text is left out: between two chunks there is
/// only whitespace, or they overlap.
pub fn pieces(text: &str, size: usize, overlap: usize) -> Vec<&str> {
    assert!(overlap < size / 2, "a chunk must move on by more than its overlap");
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        start += text[start..].len() - text[start..].trim_start().len();
        let rest = &text[start..];
        if rest.is_empty() {
            break;
        }
        let Some((end, _)) = rest.char_indices().nth(size) else {
            out.push(rest.trim_end());
            break;
        };
        let window = &rest[..end];
        let (half, _) = window
            .char_indices()
            .nth(size / 2)
            .expect("the window holds `size` characters");
        let cut = last_break(&window[half..]).map_or(end, |at| half + at);
        out.push(window[..cut].trim_end());
        // The next chunk starts `overlap` characters before the cut, at the next word.
        let back = window[..cut]
            .char_indices()
            .rev()
            .nth(overlap.saturating_sub(1))
            .map_or(cut, |(at, _)| at);
        let next = if overlap == 0 {
            cut
        } else {
            window[back..cut].find(char::is_whitespace).map_or(cut, |at| back + at)
        };
        start += next.max(half);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use rand::{Rng, SeedableRng, rngs::StdRng};

    use super::*;

    fn segment(text: String) -> Vec<Segment> {
        vec![Segment {
            page: None,
            section: None,
            text,
        }]
    }

    #[test]
    fn smaller_chunks_are_more_and_keep_pages() {
        let text = "Sentence number one is here. ".repeat(200);
        let seg = vec![Segment {
            page: Some(3),
            section: None,
            text,
        }];
        let fine = split(&seg, 600, 150);
        let coarse = split(&seg, 1500, 100);
        assert!(fine.len() > coarse.len());
        assert!(fine.iter().all(|c| c.page == Some(3) && c.text.chars().count() <= 600));
        assert_eq!(
            fine.iter().map(|c| c.ordinal).collect::<Vec<_>>(),
            (0..fine.len() as i64).collect::<Vec<_>>()
        );
    }

    /// Random text of the shapes that matter: words with and without sentence and paragraph
    /// breaks, multi-byte characters, one endless word.
    fn random_text(rng: &mut StdRng, len: usize) -> String {
        let shape = rng.gen_range(0..4);
        let mut s = String::with_capacity(len + 8);
        while s.len() < len {
            match shape {
                0 => s.push_str(["lorem ", "ipsum. ", "dolor\n", "sit\n\n", "amet, "][rng.gen_range(0..5)]),
                1 => s.push_str(["word ", "wörd ", "字 ", "x"][rng.gen_range(0..4)]),
                2 => s.push(['a', 'é', '字', '🙂'][rng.gen_range(0..4)]),
                _ => s.push_str("token "),
            }
        }
        s
    }

    /// Where a slice of `text` starts in it.
    fn offset(text: &str, piece: &str) -> usize {
        piece.as_ptr() as usize - text.as_ptr() as usize
    }

    #[test]
    fn chunks_are_bounded_overlap_and_leave_out_nothing() {
        let mut rng = StdRng::seed_from_u64(16);
        for round in 0..200 {
            let len = rng.gen_range(0..20_000);
            let text = random_text(&mut rng, len);
            // Every size and overlap a person may choose (200 to 4,000; under half the size),
            // and smaller ones: the rule holds at any size.
            let size = if round % 4 == 0 {
                rng.gen_range(2..200)
            } else {
                rng.gen_range(200..=4000)
            };
            let overlap = rng.gen_range(0..size / 2);
            let pieces = pieces(&text, size, overlap);
            let mut covered = 0;
            for piece in &pieces {
                assert!(!piece.is_empty() && piece.trim() == *piece);
                assert!(piece.chars().count() <= size, "{} chars", piece.chars().count());
                let at = offset(&text, piece);
                // Nothing but whitespace between what was covered and this chunk.
                assert!(at <= covered || text[covered..at].trim().is_empty(), "text left out");
                covered = covered.max(at + piece.len());
            }
            assert!(text[covered..].trim().is_empty(), "the end was left out");
            // Starts move forward by at least half a chunk: the work is linear.
            for pair in pieces.windows(2) {
                let moved = text[offset(&text, pair[0])..offset(&text, pair[1])].chars().count();
                assert!(moved >= size / 2 || pair[1].len() < size, "moved {moved}");
            }
        }
    }

    #[test]
    fn cuts_fall_at_the_best_break() {
        let text = format!("{}\n\n{}", "word ".repeat(100), "more ".repeat(100));
        let pieces = pieces(&text, 600, 0);
        assert_eq!(pieces[0], "word ".repeat(100).trim_end());
        let sentences = "One sentence here. ".repeat(60);
        assert!(super::pieces(&sentences, 600, 150).iter().all(|p| p.ends_with('.')));
    }

    /// The property that keeps a hostile document from holding a worker: the time to chunk a
    /// megabyte does not grow with the size of the text, for text with no breaks at all too.
    #[test]
    fn chunking_time_per_megabyte_does_not_grow_with_size() {
        fn per_mb(text: &str) -> Duration {
            let mb = (text.len() as u32 / (1 << 20)).max(1);
            (0..3)
                .map(|_| {
                    let started = Instant::now();
                    let chunks = split(&segment(text.to_string()), 600, 150);
                    assert!(!chunks.is_empty());
                    started.elapsed() / mb
                })
                .min()
                .expect("three runs")
        }
        for unit in ["wordwithoutbreaks ", "x", "A sentence that ends. "] {
            let small = unit.repeat((1 << 20) / unit.len());
            let large = unit.repeat((8 << 20) / unit.len());
            let (a, b) = (per_mb(&small), per_mb(&large));
            // Linear work gives a ratio near 1; splitting that grew with the square would give 8.
            assert!(
                b < a * 2 + Duration::from_millis(50),
                "{unit:?}: {a:?}/MB at 1 MB, {b:?}/MB at 8 MB"
            );
        }
    }

    #[test]
    fn long_section_names_are_shortened() {
        let chunks = split(
            &[Segment {
                page: None,
                section: Some("h".repeat(10_000)),
                text: "Some text.".into(),
            }],
            1000,
            150,
        );
        assert_eq!(
            chunks[0].section.as_ref().map(|s| s.chars().count()),
            Some(MAX_SECTION_CHARS + 1)
        );
    }
}
