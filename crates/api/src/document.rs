//! Documents in a corpus, their indexing status, chunks, and retrieval.

use serde::{Deserialize, Serialize};

use crate::PageMeta;

/// Indexing steps in order; `failed` can follow any of the first four.
pub const DOCUMENT_STEPS: [&str; 6] = ["pending", "parsing", "chunking", "indexing", "indexed", "failed"];
pub const CONTENT_TYPES: [&str; 3] = ["file", "text", "weblink"];

/// Whether a document is still on its way (the dashboard keeps polling while any is).
pub fn step_in_progress(step: &str) -> bool {
    !matches!(step, "indexed" | "failed")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Document {
    pub id: i64,
    pub corpus_id: i64,
    /// `file`, `text` or `weblink`.
    pub content_type: String,
    /// The file name, the start of the text, or the URL.
    pub source: String,
    pub title: String,
    /// The detected format: pdf, docx, xlsx, pptx, html, markdown, text, csv, json.
    pub format: String,
    pub size_bytes: i64,
    pub content_hash: String,
    /// Where the stored original can be downloaded (signed-in callers).
    pub access_url: String,
    pub step: String,
    pub progress: i64,
    pub failure_reason: Option<String>,
    pub chunk_count: i64,
    pub tags: Vec<String>,
    pub upload_from: String,
    pub attachment: bool,
    pub uploaded_by: i64,
    pub indexed_on: Option<String>,
    /// The chunk size and overlap chosen for it (at upload, or since); none: its corpus' indexing
    /// mode's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_sizing: Option<ChunkSizing>,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DocumentPage {
    pub documents: Vec<Document>,
    pub meta: PageMeta,
}

/// What an upload answers at once, before indexing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueuedDocument {
    pub id: i64,
    pub source: String,
    pub access_url: String,
    pub step: String,
    /// Documents of the corpus with the same content, if any (the upload still goes ahead).
    #[serde(default)]
    pub duplicate_of: Vec<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DocumentInput {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DocumentIds {
    pub document_ids: Vec<i64>,
}

/// How many things a bulk action touched (documents, answers, evaluation runs…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Affected {
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DocumentEvent {
    pub step: String,
    pub message: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DocumentChunk {
    pub id: i64,
    pub document_id: i64,
    pub ordinal: i64,
    pub page: Option<i64>,
    pub section: Option<String>,
    pub text: String,
    /// Off: kept, but never searched or quoted.
    #[serde(default = "enabled")]
    pub is_enabled: bool,
    /// When its text was last corrected by hand (a reindex of the document replaces it).
    #[serde(default)]
    pub edited_on: Option<String>,
}

fn enabled() -> bool {
    true
}

/// `PUT /api/v2/documents/{document_id}/chunks/{chunk_id}`: correct a chunk's text, or turn it
/// off or on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChunkUpdate {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub is_enabled: Option<bool>,
}

/// The longest text a chunk may be given by hand.
pub const MAX_CHUNK_CHARS: usize = 4_000;

/// How a document is cut into chunks: pieces of at most `size` characters, each starting up to
/// `overlap` characters before the previous one ended (so a sentence cut in two is whole in one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChunkSizing {
    pub size: u32,
    pub overlap: u32,
}

impl ChunkSizing {
    /// Smaller chunks lose their context, and multiply the rows a document makes.
    pub const MIN_SIZE: u32 = 200;
    /// As long as a chunk's text may be made by hand.
    pub const MAX_SIZE: u32 = MAX_CHUNK_CHARS as u32;

    /// The sizing of an indexing mode: `exhaustive` (1) cuts finer, with more overlap, so
    /// precise questions find precise passages; `basic` (3) keeps more context per chunk.
    pub fn of_indexing_mode(indexing_mode_id: i64) -> Self {
        let (size, overlap) = match indexing_mode_id {
            1 => (600, 150),
            2 => (1000, 150),
            _ => (1500, 100),
        };
        Self { size, overlap }
    }

    /// The largest overlap a size allows: a chunk must move on by more than it looks back.
    pub fn max_overlap(size: u32) -> u32 {
        (size / 2).saturating_sub(1)
    }

    /// Checks a size and overlap a person typed (either may be left empty: `default` fills it,
    /// its overlap shortened to fit a smaller size). None when both are empty. Errors name the
    /// field, `chunk_size` or `chunk_overlap`.
    pub fn parse(
        size: Option<&str>,
        overlap: Option<&str>,
        default: ChunkSizing,
    ) -> Result<Option<Self>, Vec<(&'static str, String)>> {
        let given = |raw: Option<&str>| raw.map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
        let (size, overlap) = (given(size), given(overlap));
        if size.is_none() && overlap.is_none() {
            return Ok(None);
        }
        let size = match size {
            None => Ok(default.size),
            Some(raw) => {
                // Not a whole number reads as 0: out of range, with the same message.
                let size = raw.parse::<u32>().unwrap_or(0);
                Self { size, overlap: 0 }
                    .check()
                    .map(|()| size)
                    .map_err(|mut e| e.remove(0))
            }
        };
        let overlap = match overlap {
            None => Ok(None),
            Some(raw) => raw.parse::<u32>().map(Some).map_err(|_| {
                let message = "The overlap is a whole number of characters, 0 or more.".to_string();
                ("chunk_overlap", message)
            }),
        };
        match (size, overlap) {
            (Ok(size), Ok(None)) => Ok(Some(Self {
                size,
                overlap: default.overlap.min(Self::max_overlap(size)),
            })),
            (Ok(size), Ok(Some(overlap))) => {
                let sizing = Self { size, overlap };
                sizing.check().map(|()| Some(sizing))
            }
            (size, overlap) => Err(size.err().into_iter().chain(overlap.err()).collect()),
        }
    }

    /// Whether a size and overlap may be used; errors name the field.
    pub fn check(&self) -> Result<(), Vec<(&'static str, String)>> {
        let (min, max) = (Self::MIN_SIZE, Self::MAX_SIZE);
        if !(min..=max).contains(&self.size) {
            let message = format!("The chunk size is a whole number of characters from {min} to {max}.");
            return Err(vec![("chunk_size", message)]);
        }
        if self.overlap > Self::max_overlap(self.size) {
            let message = format!(
                "The overlap must be less than half the chunk size: at most {} for {}.",
                Self::max_overlap(self.size),
                self.size
            );
            return Err(vec![("chunk_overlap", message)]);
        }
        Ok(())
    }

    /// "1000 characters, overlap 150", for people.
    pub fn describe(&self) -> String {
        format!("{} characters, overlap {}", self.size, self.overlap)
    }
}

/// `PUT /api/v2/documents/{document_id}/chunking`: cut the document again with other sizes
/// (none: its corpus' default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChunkingUpdate {
    #[serde(default)]
    pub chunk_sizing: Option<ChunkSizing>,
}

/// How many chunks a preview shows (the count covers all of them).
pub const PREVIEW_CHUNKS: usize = 20;

/// `POST /api/v2/corpora/{corpus_id}/chunk-preview`: what an upload would be cut into, before
/// it is added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChunkPreview {
    /// The sizing used: the one given, or the corpus' default.
    pub sizing: ChunkSizing,
    /// Whether `sizing` is the corpus' default (nothing was chosen).
    pub is_default: bool,
    /// All the chunks the document makes.
    pub chunk_count: u64,
    /// The first [`PREVIEW_CHUNKS`] of them.
    pub chunks: Vec<PreviewChunk>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PreviewChunk {
    pub ordinal: i64,
    pub page: Option<i64>,
    pub section: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChunkPage {
    pub chunks: Vec<DocumentChunk>,
    pub meta: PageMeta,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DuplicateGroup {
    pub content_hash: String,
    pub documents: Vec<Document>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Duplicates {
    pub duplicates: Vec<DuplicateGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationStarters {
    pub conversation_starters: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RetrievalQuery {
    pub query: String,
    /// How many chunks to return (1–50, default 5).
    #[serde(default)]
    pub top_k: Option<i64>,
    /// By words, by meaning or both (default: hybrid, as agents search).
    #[serde(default)]
    pub mode: Option<RetrievalMode>,
    /// Leave out passages less relevant than this, 0–1 (see `Agent::min_relevance`).
    #[serde(default)]
    pub min_relevance: Option<f64>,
}

/// How an agent's passages are found: by the question's words (BM25), by its meaning (sentence
/// embeddings), or both fused. Without an embedding model on the server every mode searches by
/// words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum RetrievalMode {
    Keyword,
    Semantic,
    #[default]
    Hybrid,
}

impl RetrievalMode {
    pub const ALL: [RetrievalMode; 3] = [RetrievalMode::Hybrid, RetrievalMode::Semantic, RetrievalMode::Keyword];

    pub fn as_str(self) -> &'static str {
        match self {
            RetrievalMode::Keyword => "keyword",
            RetrievalMode::Semantic => "semantic",
            RetrievalMode::Hybrid => "hybrid",
        }
    }

    /// What a person reads in a menu.
    pub fn label(self) -> &'static str {
        match self {
            RetrievalMode::Keyword => "Keyword (BM25)",
            RetrievalMode::Semantic => "Semantic (meaning)",
            RetrievalMode::Hybrid => "Hybrid (keywords + meaning)",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Whether this mode ranks by meaning (needs embeddings).
    pub fn uses_meaning(self) -> bool {
        self != RetrievalMode::Keyword
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RetrievedChunk {
    pub chunk_id: i64,
    pub document_id: i64,
    pub document_title: String,
    pub corpus_id: i64,
    pub page: Option<i64>,
    pub section: Option<String>,
    pub text: String,
    /// The ranking score: BM25's for keyword search, the cosine for semantic search, the fused
    /// score (0–1) for hybrid search.
    pub score: f32,
    /// The page a web-link document was read from; null for files and text.
    #[serde(default)]
    pub web_address: Option<String>,
    /// Its place (1 = best) among BM25's candidates; null when the words did not find it.
    #[serde(default)]
    pub keyword_rank: Option<u32>,
    /// Its place among the candidates by meaning; null when not searched by meaning or not near.
    #[serde(default)]
    pub vector_rank: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RetrievalResult {
    pub query: String,
    /// The query's words, for highlighting.
    pub terms: Vec<String>,
    pub chunks: Vec<RetrievedChunk>,
    pub took_ms: f64,
    /// The mode asked for.
    #[serde(default)]
    pub mode: RetrievalMode,
    /// The model that embeds questions and passages here; null: this server searches by
    /// keywords only, whatever the mode.
    #[serde(default)]
    pub embedding_model: Option<String>,
}

/// Document counts of a corpus by where they are in indexing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IndexingSummary {
    pub indexed: i64,
    pub in_progress: i64,
    pub failed: i64,
    /// On one corpus (not in lists), when the server reads meaning: how far embedding is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meaning: Option<MeaningProgress>,
}

/// Passages (live chunks) of a corpus with their embedding: until a passage has one it is found
/// by words only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MeaningProgress {
    pub embedded: i64,
    pub passages: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASIC: ChunkSizing = ChunkSizing {
        size: 1500,
        overlap: 100,
    };

    #[test]
    fn chunk_sizing_is_checked_and_filled_from_the_default() {
        let parse = |size, overlap| ChunkSizing::parse(size, overlap, BASIC);
        assert_eq!(parse(None, None), Ok(None));
        assert_eq!(parse(Some(" "), Some("")), Ok(None));
        assert_eq!(
            parse(Some("800"), Some("120")),
            Ok(Some(ChunkSizing {
                size: 800,
                overlap: 120
            }))
        );
        assert_eq!(
            parse(Some("4000"), Some("0")),
            Ok(Some(ChunkSizing { size: 4000, overlap: 0 }))
        );
        // One left empty takes the default's; a default overlap too big for the size shrinks.
        assert_eq!(
            parse(None, Some("50")),
            Ok(Some(ChunkSizing {
                size: 1500,
                overlap: 50
            }))
        );
        assert_eq!(
            parse(Some("200"), None),
            Ok(Some(ChunkSizing { size: 200, overlap: 99 }))
        );
        assert_eq!(
            parse(Some("200"), Some("99")),
            Ok(Some(ChunkSizing { size: 200, overlap: 99 }))
        );
        let fields = |r: Result<Option<ChunkSizing>, Vec<(&'static str, String)>>| {
            r.unwrap_err().into_iter().map(|(f, _)| f).collect::<Vec<_>>()
        };
        assert_eq!(fields(parse(Some("200"), Some("100"))), ["chunk_overlap"]);
        assert_eq!(fields(parse(Some("199"), None)), ["chunk_size"]);
        assert_eq!(fields(parse(Some("4001"), Some("10"))), ["chunk_size"]);
        assert_eq!(fields(parse(Some("-5"), Some("x"))), ["chunk_size", "chunk_overlap"]);
        assert_eq!(fields(parse(Some("1e3"), None)), ["chunk_size"]);
        assert_eq!(fields(parse(Some("99999999999999999999"), None)), ["chunk_size"]);
        assert_eq!(fields(parse(None, Some("-1"))), ["chunk_overlap"]);
        assert_eq!(fields(parse(None, Some("750"))), ["chunk_overlap"]);
    }

    #[test]
    fn every_indexing_mode_sizing_is_valid() {
        for mode in 0..5 {
            let s = ChunkSizing::of_indexing_mode(mode);
            let again = ChunkSizing::parse(Some(&s.size.to_string()), Some(&s.overlap.to_string()), BASIC);
            assert_eq!(again, Ok(Some(s)));
        }
    }
}
