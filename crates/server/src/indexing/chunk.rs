//! Splitting text into the chunks retrieval returns, by indexing mode, with `text-splitter`.

use text_splitter::{ChunkConfig, TextSplitter};

use super::parse::Segment;

/// Chunk size and overlap (characters) of an indexing mode: `exhaustive` cuts finer, with more
/// overlap, so precise questions find precise passages; `basic` keeps more context per chunk.
pub fn parameters(indexing_mode_id: i64) -> (usize, usize) {
    match indexing_mode_id {
        1 => (600, 150),
        2 => (1000, 150),
        _ => (1500, 100),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub ordinal: i64,
    pub page: Option<i64>,
    pub section: Option<String>,
    pub text: String,
}

/// Chunks never cross a segment (page, slide, sheet, section), so each records where it is from.
pub fn split(segments: &[Segment], indexing_mode_id: i64) -> Vec<Chunk> {
    let (size, overlap) = parameters(indexing_mode_id);
    let config = ChunkConfig::new(size)
        .with_overlap(overlap)
        .expect("overlap is smaller than the chunk size");
    let splitter = TextSplitter::new(config);
    let mut out = Vec::new();
    for segment in segments {
        for piece in splitter.chunks(&segment.text) {
            out.push(Chunk {
                ordinal: out.len() as i64,
                page: segment.page,
                section: segment.section.clone(),
                text: piece.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finer_modes_make_more_chunks_and_keep_pages() {
        let text = "Sentence number one is here. ".repeat(200);
        let seg = vec![Segment {
            page: Some(3),
            section: None,
            text,
        }];
        let fine = split(&seg, 1);
        let coarse = split(&seg, 3);
        assert!(fine.len() > coarse.len());
        assert!(fine.iter().all(|c| c.page == Some(3) && c.text.chars().count() <= 600));
        assert_eq!(
            fine.iter().map(|c| c.ordinal).collect::<Vec<_>>(),
            (0..fine.len() as i64).collect::<Vec<_>>()
        );
    }
}
