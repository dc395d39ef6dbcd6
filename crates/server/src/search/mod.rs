//! Retrieval over chunks, by words ([`bm25::Bm25Index`], tantivy, behind the [`Retriever`]
//! trait), by meaning ([`vectors::VectorIndex`] over sentence embeddings), or both fused
//! ([`hybrid`]); [`sync::SearchSync`] is what answerers and the retrieval test call.
//!
//! The database is the source of truth: chunks, their embeddings and the `search_changes` log
//! live there. Each server keeps its own indexes (BM25 on local disk, vectors in memory) and
//! applies the log ([`sync`]), so replicas converge, a restarted server catches up, and a lost
//! index is rebuilt from the database.

pub mod bm25;
pub mod hybrid;
pub mod sync;
pub mod vectors;

pub use sync::Retrieval;

/// What a search may see: one organization, and within it only these corpora.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub organization_id: i64,
    pub corpus_ids: Vec<i64>,
}

/// A chunk the retriever ranked, before the database confirms it is still live.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub chunk_id: i64,
    pub document_id: i64,
    pub score: f32,
}

/// A chunk as the index receives it.
#[derive(Debug, Clone)]
pub struct IndexedChunk {
    pub chunk_id: i64,
    pub document_id: i64,
    pub corpus_id: i64,
    pub organization_id: i64,
    pub text: String,
    /// Its sentence embedding, once the embedding worker has made it.
    pub embedding: Option<Vec<f32>>,
}

pub trait Retriever: Send + Sync {
    /// The best `limit` chunks for `query` within `scope`, best first.
    fn search(&self, scope: &Scope, query: &str, limit: usize) -> anyhow::Result<Vec<Hit>>;

    /// Replaces everything indexed for each listed document by its given chunks (none: the
    /// document is gone) and records `through_seq` as applied, in one atomic commit.
    fn apply(&self, documents: &[(i64, Vec<IndexedChunk>)], through_seq: i64) -> anyhow::Result<()>;

    /// The last change-log sequence number this index has applied.
    fn applied_seq(&self) -> i64;
}

/// Words that carry no topic: how questions are asked ("how long does it take", "what is the"),
/// not what they are about. A question of only these has no content terms.
const STOP_WORDS: &[&str] = &[
    "a", "about", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "doing", "done", "each", "for", "from", "get", "gets", "give", "go", "had", "has",
    "have", "how", "i", "if", "in", "into", "is", "it", "its", "just", "know", "let", "long", "make", "many", "may",
    "me", "more", "most", "much", "must", "my", "need", "no", "not", "of", "on", "one", "or", "our", "out", "over",
    "please", "say", "said", "says", "shall", "should", "so", "some", "take", "takes", "tell", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "those", "to", "up", "us", "use", "was", "we", "were",
    "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
];

/// The words of a query that say what it is about: [`query_terms`] without stop words.
pub fn content_terms(query: &str) -> Vec<String> {
    query_terms(query)
        .into_iter()
        .filter(|t| !STOP_WORDS.contains(&t.as_str()))
        .collect()
}

/// The words of a query, lower-cased, as a person would expect them highlighted.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect();
    terms.sort();
    terms.dedup();
    terms
}
