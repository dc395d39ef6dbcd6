//! BM25 over chunks with tantivy. English stemming and ASCII folding, so "refunds" finds
//! "refund" and "café" finds "cafe". Queries are tokenized by the same analyzer and combined
//! as plain terms, so nothing a user types is read as query syntax.

use std::{path::Path, sync::Mutex};

use anyhow::Context;
use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term,
    collector::TopDocs,
    directory::MmapDirectory,
    query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery},
    schema::{FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value},
    tokenizer::{AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer},
};

use super::{Hit, IndexedChunk, Retriever, Scope};

const ANALYZER: &str = "ejento_en";
/// Bumped when the schema or analyzer changes: an index of another version is rebuilt.
const SCHEMA_VERSION: &str = "1";

#[derive(Clone, Copy)]
struct Fields {
    chunk_id: Field,
    document_id: Field,
    corpus_id: Field,
    organization_id: Field,
    text: Field,
}

pub struct Bm25Index {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    applied: std::sync::atomic::AtomicI64,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        chunk_id: b.add_i64_field("chunk_id", STORED | FAST),
        document_id: b.add_i64_field("document_id", INDEXED | STORED),
        corpus_id: b.add_i64_field("corpus_id", INDEXED),
        organization_id: b.add_i64_field("organization_id", INDEXED),
        text: b.add_text_field("text", text_options),
    };
    (b.build(), fields)
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The commit payload: "<schema version>:<applied seq>".
fn parse_payload(payload: Option<&str>) -> Option<i64> {
    let (version, seq) = payload?.split_once(':')?;
    (version == SCHEMA_VERSION).then(|| seq.parse().ok()).flatten()
}

impl Bm25Index {
    /// Opens the index in `dir`, or starts an empty one (applied seq 0, so the whole change log
    /// is replayed) when there is none or it was written by another schema version.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir).with_context(|| format!("create the search index folder {}", dir.display()))?;
        let existing = Index::open_in_dir(dir)
            .ok()
            .and_then(|i| Some((parse_payload(i.load_metas().ok()?.payload.as_deref())?, i)));
        let (index, applied) = match existing {
            Some((seq, index)) => (index, seq),
            None => {
                // Unknown or outdated: start over from the database's change log.
                for entry in std::fs::read_dir(dir)? {
                    let path = entry?.path();
                    if path.is_dir() {
                        std::fs::remove_dir_all(&path)?;
                    } else {
                        std::fs::remove_file(&path)?;
                    }
                }
                let directory = MmapDirectory::open(dir)?;
                (Index::create(directory, schema, Default::default())?, 0)
            }
        };
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index
            .writer_with_num_threads(1, 64_000_000)
            .context("another server process is using this search index folder")?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            fields,
            applied: applied.into(),
        })
    }

    fn terms(&self, query: &str) -> Vec<Term> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(query);
        let mut terms = Vec::new();
        while let Some(token) = stream.next() {
            terms.push(Term::from_field_text(self.fields.text, &token.text));
        }
        terms.sort();
        terms.dedup();
        terms
    }
}

/// Up to this many corpora are matched term by term; more through one set of terms.
const CORPORA_BY_TERM: usize = 16;

/// Matches the documents of `corpora`, scoring 1 as a set of terms does. A term set builds a
/// finite-state transducer whose builder allocates and clears a large table on every query (5%
/// of an answer's CPU with an agent's one or two corpora), so a few corpora are matched as
/// alternative terms instead.
fn corpus_clause(field: Field, corpora: &[i64]) -> Box<dyn Query> {
    let terms = corpora.iter().map(|c| Term::from_field_i64(field, *c));
    if corpora.len() > CORPORA_BY_TERM {
        return Box::new(TermSetQuery::new(terms));
    }
    let alternatives: Vec<(Occur, Box<dyn Query>)> = terms
        .map(|t| {
            (
                Occur::Should,
                Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>,
            )
        })
        .collect();
    Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(alternatives)), 1.0))
}

impl Retriever for Bm25Index {
    fn search(&self, scope: &Scope, query: &str, limit: usize) -> anyhow::Result<Vec<Hit>> {
        let terms = self.terms(query);
        if terms.is_empty() || scope.corpus_ids.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let f = self.fields;
        let words: Vec<(Occur, Box<dyn Query>)> = terms
            .into_iter()
            .map(|t| {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                )
            })
            .collect();
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(BooleanQuery::new(words)) as Box<dyn Query>),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_i64(f.organization_id, scope.organization_id),
                    IndexRecordOption::Basic,
                )),
            ),
            (Occur::Must, corpus_clause(f.corpus_id, &scope.corpus_ids)),
        ]);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let get = |field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or_default();
            hits.push(Hit {
                chunk_id: get(f.chunk_id),
                document_id: get(f.document_id),
                score,
            });
        }
        Ok(hits)
    }

    fn apply(&self, documents: &[(i64, Vec<IndexedChunk>)], through_seq: i64) -> anyhow::Result<()> {
        let f = self.fields;
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for (document_id, chunks) in documents {
            writer.delete_term(Term::from_field_i64(f.document_id, *document_id));
            for c in chunks {
                let mut doc = TantivyDocument::default();
                doc.add_i64(f.chunk_id, c.chunk_id);
                doc.add_i64(f.document_id, c.document_id);
                doc.add_i64(f.corpus_id, c.corpus_id);
                doc.add_i64(f.organization_id, c.organization_id);
                doc.add_text(f.text, &c.text);
                writer.add_document(doc)?;
            }
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&format!("{SCHEMA_VERSION}:{through_seq}"));
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        self.applied.store(through_seq, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    fn applied_seq(&self) -> i64 {
        self.applied.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(chunk_id: i64, document_id: i64, corpus_id: i64, text: &str) -> IndexedChunk {
        IndexedChunk {
            chunk_id,
            document_id,
            corpus_id,
            organization_id: 1,
            text: text.into(),
            embedding: None,
        }
    }

    #[test]
    fn ranks_scopes_replaces_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let index = Bm25Index::open(dir.path()).unwrap();
        index
            .apply(
                &[
                    (
                        1,
                        vec![
                            chunk(10, 1, 7, "Refunds are paid within thirty days"),
                            chunk(11, 1, 7, "Shipping is free"),
                        ],
                    ),
                    (2, vec![chunk(20, 2, 8, "Our refund policy: refund refund")]),
                ],
                5,
            )
            .unwrap();
        let scope = Scope {
            organization_id: 1,
            corpus_ids: vec![7],
        };
        let hits = index.search(&scope, "refund?", 5).unwrap();
        assert_eq!(hits.iter().map(|h| h.chunk_id).collect::<Vec<_>>(), vec![10]);
        let other_org = Scope {
            organization_id: 2,
            corpus_ids: vec![7, 8],
        };
        assert!(index.search(&other_org, "refund", 5).unwrap().is_empty());
        index.apply(&[(1, vec![])], 6).unwrap();
        assert!(index.search(&scope, "refund", 5).unwrap().is_empty());
        drop(index);
        let reopened = Bm25Index::open(dir.path()).unwrap();
        assert_eq!(reopened.applied_seq(), 6);
        let both = Scope {
            organization_id: 1,
            corpus_ids: vec![7, 8],
        };
        assert_eq!(reopened.search(&both, "REFUND OR \"", 5).unwrap()[0].chunk_id, 20);
    }

    #[test]
    fn a_few_corpora_rank_and_score_as_a_set_of_many_does() {
        let dir = tempfile::tempdir().unwrap();
        let index = Bm25Index::open(dir.path()).unwrap();
        index
            .apply(
                &[
                    (1, vec![chunk(10, 1, 7, "Refunds are paid within thirty days")]),
                    (2, vec![chunk(20, 2, 8, "Our refund policy: refund refund")]),
                    (3, vec![chunk(30, 3, 9, "A refund elsewhere")]),
                ],
                3,
            )
            .unwrap();
        let few = Scope {
            organization_id: 1,
            corpus_ids: vec![7, 8],
        };
        // More corpora than are matched term by term: 7, 8 and ids that hold nothing.
        let many = Scope {
            organization_id: 1,
            corpus_ids: [7, 8].into_iter().chain(100..100 + CORPORA_BY_TERM as i64).collect(),
        };
        let by_term = index.search(&few, "refund policy", 5).unwrap();
        let by_set = index.search(&many, "refund policy", 5).unwrap();
        let ranked = |hits: &[Hit]| hits.iter().map(|h| (h.chunk_id, h.score)).collect::<Vec<_>>();
        assert_eq!(by_term.iter().map(|h| h.chunk_id).collect::<Vec<_>>(), vec![20, 10]);
        assert_eq!(ranked(&by_term), ranked(&by_set));
    }
}
