//! `make bench`: retrieval quality on a labelled set (`benches/retrieval/`, how it was made is in
//! its README): 214 questions over the manual pages this machine has installed (235 pages of
//! sections 1 and 8), each labelled with the pages that answer it. The pages are chunked as an
//! upload is (the default indexing mode), searched by keywords (the server's BM25 index), by
//! meaning (all-MiniLM-L6-v2 in the server's vector index) and by both fused (the server's
//! `search::hybrid`, beside the weights and the fusion it was chosen against), and ranked as
//! documents.
//!
//! Reports recall@5, MRR@10 and nDCG@10 for each (budget: hybrid beats keyword by >= 10% relative
//! on recall@5), embedding throughput (chunks/s), query latency p95 including embedding the
//! question (budget <= 50 ms), and vector search p95 at 1,000,000 chunks of one organization
//! (budget <= 30 ms). Needs the model (`scripts/setup.sh`) and `man`.

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use ejento_server::{
    embeddings::minilm::MiniLm,
    search::{
        Hit, IndexedChunk, Retriever, Scope,
        bm25::Bm25Index,
        hybrid::{self, CANDIDATES},
        vectors::{VectorIndex, dot as vector_dot},
    },
};

/// Reciprocal rank fusion's constant (Cormack et al.: 60).
const RRF_K: f64 = 60.0;
const BATCH: usize = 16;

struct Question {
    text: String,
    /// Document ids that answer it.
    relevant: HashSet<usize>,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/retrieval")
}

/// A page as `man` renders it for an 80-column terminal, without overstrikes.
fn render(page: &str) -> Option<String> {
    let (name, section) = page.split_once('.')?;
    let file = ["", ".gz"]
        .iter()
        .map(|ext| PathBuf::from(format!("/usr/share/man/man{}/{name}.{section}{ext}", &section[..1])))
        .find(|p| p.exists())?;
    let out = Command::new("sh")
        .arg("-c")
        .arg("MANWIDTH=80 man -l \"$1\" 2>/dev/null | col -bx")
        .arg("sh")
        .arg(&file)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (!text.trim().is_empty()).then_some(text)
}

/// The collection: one document per distinct page text (a page installed under two names is
/// one document); page name → document id.
fn collection() -> (Vec<String>, HashMap<String, usize>) {
    let mut texts: Vec<String> = Vec::new();
    let mut by_text: HashMap<String, usize> = HashMap::new();
    let mut ids = HashMap::new();
    let pages = std::fs::read_to_string(data_dir().join("pages.txt")).unwrap();
    for page in pages
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let Some(text) = render(page) else {
            println!("  (page {page} is not installed here; left out)");
            continue;
        };
        let id = *by_text.entry(text.clone()).or_insert_with(|| {
            texts.push(text);
            texts.len() - 1
        });
        ids.insert(page.to_string(), id);
    }
    (texts, ids)
}

fn questions(ids: &HashMap<String, usize>) -> Vec<Question> {
    let tsv = std::fs::read_to_string(data_dir().join("questions.tsv")).unwrap();
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let (text, pages) = line.split_once('\t')?;
            let relevant: HashSet<usize> = pages.split_whitespace().filter_map(|p| ids.get(p).copied()).collect();
            (!relevant.is_empty()).then(|| Question {
                text: text.to_string(),
                relevant,
            })
        })
        .collect()
}

/// Documents in the order their chunks are ranked, each once.
fn documents(chunks: &[usize], chunk_doc: &[usize]) -> Vec<usize> {
    let mut seen = HashSet::new();
    chunks
        .iter()
        .map(|&c| chunk_doc[c])
        .filter(|d| seen.insert(*d))
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Scores {
    recall5: f64,
    mrr10: f64,
    ndcg10: f64,
}

fn score(ranked: &[usize], relevant: &HashSet<usize>) -> Scores {
    let found5 = ranked.iter().take(5).filter(|d| relevant.contains(d)).count();
    let first = ranked.iter().take(10).position(|d| relevant.contains(d));
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .filter(|(_, d)| relevant.contains(d))
        .map(|(i, _)| 1.0 / (i as f64 + 2.0).log2())
        .sum();
    let ideal: f64 = (0..relevant.len().min(10)).map(|i| 1.0 / (i as f64 + 2.0).log2()).sum();
    Scores {
        recall5: found5 as f64 / relevant.len().min(5) as f64,
        mrr10: first.map_or(0.0, |p| 1.0 / (p as f64 + 1.0)),
        ndcg10: dcg / ideal,
    }
}

/// Reciprocal rank fusion of ranked chunk lists.
fn rrf(lists: &[&[usize]]) -> Vec<usize> {
    let mut fused: HashMap<usize, f64> = HashMap::new();
    for list in lists {
        for (rank, &c) in list.iter().enumerate() {
            *fused.entry(c).or_default() += 1.0 / (RRF_K + rank as f64 + 1.0);
        }
    }
    let mut ranked: Vec<(usize, f64)> = fused.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.into_iter().map(|(c, _)| c).collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let Some(model_dir) = ejento_server::embeddings::minilm::installed_dir() else {
        println!("retrieval quality: skipped (the embedding model is not installed; run scripts/setup.sh)");
        return;
    };
    let model = MiniLm::load(&model_dir).unwrap();
    let (texts, ids) = collection();
    let questions = questions(&ids);
    let mut chunks: Vec<String> = Vec::new();
    let mut chunk_doc: Vec<usize> = Vec::new();
    for (doc, text) in texts.iter().enumerate() {
        let limits = ejento_parse::Limits {
            max_inflated: 1 << 30,
            max_text: 1 << 30,
        };
        let segments = ejento_parse::extract("text", text.as_bytes(), limits).unwrap();
        let basic = ejento_api::ChunkSizing::of_indexing_mode(3);
        for chunk in ejento_parse::chunk::split(&segments, basic.size as usize, basic.overlap as usize) {
            chunks.push(chunk.text);
            chunk_doc.push(doc);
        }
    }
    println!(
        "retrieval quality: {} questions over {} manual pages ({} chunks of the default indexing mode)",
        questions.len(),
        texts.len(),
        chunks.len()
    );

    // Keywords: the server's own BM25 index, one corpus.
    let dir = tempfile::tempdir().unwrap();
    let index = Bm25Index::open(dir.path()).unwrap();
    let mut docs: Vec<(i64, Vec<IndexedChunk>)> = Vec::new();
    for (i, text) in chunks.iter().enumerate() {
        let document_id = chunk_doc[i] as i64;
        let chunk = IndexedChunk {
            chunk_id: i as i64,
            document_id,
            corpus_id: 1,
            organization_id: 1,
            text: text.clone(),
            embedding: None,
        };
        match docs.last_mut() {
            Some((d, list)) if *d == document_id => list.push(chunk),
            _ => docs.push((document_id, vec![chunk])),
        }
    }
    index.apply(&docs, 1).unwrap();
    let scope = Scope {
        organization_id: 1,
        corpus_ids: vec![1],
    };

    // Meaning: every chunk embedded, in batches, on this machine's cores. The vectors are kept
    // under target/ for the next run (keyed by the model and every chunk's text), which then
    // times a sample of 64 chunks for the throughput.
    let key = {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(ejento_server::embeddings::minilm::WEIGHTS_SHA256);
        for chunk in &chunks {
            hash.update((chunk.len() as u64).to_le_bytes());
            hash.update(chunk);
        }
        hex::encode(&hash.finalize()[..8])
    };
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/retrieval-quality/vectors-{key}.f32"));
    let embed_all = |chunks: &[String]| -> (Vec<Vec<f32>>, f64) {
        let started = Instant::now();
        let mut vectors = Vec::with_capacity(chunks.len());
        for batch in chunks.chunks(BATCH) {
            let batch: Vec<&str> = batch.iter().map(String::as_str).collect();
            vectors.extend(model.embed(&batch).unwrap());
        }
        (vectors, started.elapsed().as_secs_f64())
    };
    let dims = ejento_server::embeddings::minilm::DIMENSIONS;
    let (vectors, timed, seconds) = match std::fs::read(&cache) {
        Ok(bytes) if bytes.len() == chunks.len() * dims * 4 => {
            let floats: Vec<f32> = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            let vectors = floats.chunks(dims).map(<[f32]>::to_vec).collect();
            let sample = &chunks[..64.min(chunks.len())];
            (vectors, sample.len(), embed_all(sample).1)
        }
        _ => {
            let (vectors, seconds) = embed_all(&chunks);
            let bytes: Vec<u8> = vectors.iter().flatten().flat_map(|f| f.to_le_bytes()).collect();
            std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
            std::fs::write(&cache, bytes).unwrap();
            (vectors, chunks.len(), seconds)
        }
    };
    println!(
        "embedding: {timed} chunks in {seconds:.1} s = {:.1} chunks/s (up to 1,500 characters each, cut at 256 word \
         pieces; batches of {BATCH}, {} cores)",
        timed as f64 / seconds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // Meaning: the server's own vector index, one corpus.
    let vector_index = VectorIndex::new(dims);
    vector_index.apply(
        &[(
            0,
            vectors
                .iter()
                .enumerate()
                .map(|(i, v)| IndexedChunk {
                    chunk_id: i as i64,
                    document_id: 0,
                    corpus_id: 1,
                    organization_id: 1,
                    text: String::new(),
                    embedding: Some(v.clone()),
                })
                .collect(),
        )],
        1,
    );

    // The product ranks with hybrid::fuse at MEANING_WEIGHT (0.7); the other weights and
    // reciprocal rank fusion are what it was chosen against.
    let weights = [0.3, 0.5, hybrid::MEANING_WEIGHT];
    let mut totals: Vec<(String, Scores)> = ["keyword (BM25)", "semantic (MiniLM)", "hybrid: reciprocal rank fusion"]
        .iter()
        .map(|s| s.to_string())
        .chain(weights.iter().map(|a| format!("hybrid: weighted, {a} meaning")))
        .map(|name| (name, Scores::default()))
        .collect();
    let mut latencies = Vec::new();
    let mut question_vectors = Vec::new();
    for q in &questions {
        let started = Instant::now();
        let query = model.embed(&[q.text.as_str()]).unwrap().remove(0);
        let mut semantic = vector_index.search(&scope, &query, CANDIDATES);
        semantic.retain(|h| h.score >= hybrid::MIN_COSINE);
        let keyword = index.search(&scope, &q.text, CANDIDATES).unwrap();
        let product = hybrid::fuse(&keyword, &semantic, hybrid::MEANING_WEIGHT);
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let ids = |hits: &[Hit]| hits.iter().map(|h| h.chunk_id as usize).collect::<Vec<usize>>();
        let fused_ids = |fused: Vec<hybrid::Fused>| fused.iter().map(|f| f.chunk_id as usize).collect::<Vec<usize>>();
        let (keyword_ids, semantic_ids) = (ids(&keyword), ids(&semantic));
        let mut rankings = vec![
            keyword_ids.clone(),
            semantic_ids.clone(),
            rrf(&[&keyword_ids, &semantic_ids]),
        ];
        rankings.extend(
            weights[..2]
                .iter()
                .map(|&a| fused_ids(hybrid::fuse(&keyword, &semantic, a))),
        );
        rankings.push(fused_ids(product));
        for ((_, total), ranking) in totals.iter_mut().zip(rankings) {
            let s = score(&documents(&ranking, &chunk_doc), &q.relevant);
            total.recall5 += s.recall5;
            total.mrr10 += s.mrr10;
            total.ndcg10 += s.ndcg10;
        }
        question_vectors.push(query);
    }
    let n = questions.len() as f64;
    println!("{:<36}{:>10}{:>10}{:>10}", "", "recall@5", "MRR@10", "nDCG@10");
    for (name, t) in &totals {
        println!(
            "{name:<36}{:>10.3}{:>10.3}{:>10.3}",
            t.recall5 / n,
            t.mrr10 / n,
            t.ndcg10 / n
        );
    }
    let keyword = totals[0].1.recall5;
    let hybrid_recall = totals.last().unwrap().1.recall5;
    println!(
        "hybrid as the server ranks (weighted, {} meaning) against keyword on recall@5: {:+.1}% relative (budget >= +10%)",
        hybrid::MEANING_WEIGHT,
        (hybrid_recall / keyword - 1.0) * 100.0
    );
    latencies.sort_by(f64::total_cmp);
    println!(
        "query latency, embedding the question + both searches + fusion: p50 {:.1} ms, p95 {:.1} ms (budget p95 <= 50 ms)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95)
    );
    drop(vector_index);
    vector_search_at_scale(&vectors, &question_vectors);
}

/// Vector search p95 over 1,000,000 chunks of one organization (budget 30 ms): the exact scan
/// against the server's two-pass search, with the two-pass search's recall of the exact top 10.
/// The chunks are the collection's real vectors, each repeated with noise (about 0.7 cosine from
/// its original), so that neighbourhoods are as crowded as in a large real corpus.
fn vector_search_at_scale(real: &[Vec<f32>], questions: &[Vec<f32>]) {
    const CHUNKS: usize = 1_000_000;
    const CORPORA: i64 = 10;
    let dims = real[0].len();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut noise = move || {
        // The sum of four uniforms: near enough to normal for spreading vectors.
        (0..4)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 11) as f32 / (1u64 << 53) as f32 - 0.5
            })
            .sum::<f32>()
            * 0.087
    };
    let started = Instant::now();
    let index = VectorIndex::new(dims);
    for (batch, first) in (0..CHUNKS).step_by(100_000).enumerate() {
        let chunks: Vec<(i64, Vec<IndexedChunk>)> = (first..first + 100_000)
            .collect::<Vec<_>>()
            .chunks(10)
            .map(|ids| {
                let document = ids[0] as i64 / 10;
                let chunks = ids
                    .iter()
                    .map(|&i| {
                        let mut v: Vec<f32> = real[i % real.len()].iter().map(|x| x + noise()).collect();
                        let norm = vector_dot(&v, &v).sqrt();
                        v.iter_mut().for_each(|x| *x /= norm);
                        IndexedChunk {
                            chunk_id: i as i64,
                            document_id: document,
                            corpus_id: document % CORPORA,
                            organization_id: 1,
                            text: String::new(),
                            embedding: Some(v),
                        }
                    })
                    .collect();
                (document, chunks)
            })
            .collect();
        index.apply(&chunks, batch as i64 + 1);
    }
    println!(
        "vector index: {} chunks of one organization in {CORPORA} corpora, built in {:.1} s",
        index.len(),
        started.elapsed().as_secs_f64()
    );
    let scope = Scope {
        organization_id: 1,
        corpus_ids: (0..CORPORA).collect(),
    };
    let (mut exact_ms, mut two_pass_ms, mut found) = (Vec::new(), Vec::new(), 0usize);
    for q in questions {
        let t = Instant::now();
        let exact = index.search_exactly(&scope, q, 10);
        exact_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let two_pass = index.search(&scope, q, 10);
        two_pass_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        found += two_pass
            .iter()
            .filter(|h| exact.iter().any(|e| e.chunk_id == h.chunk_id))
            .count();
    }
    exact_ms.sort_by(f64::total_cmp);
    two_pass_ms.sort_by(f64::total_cmp);
    println!(
        "vector search at 1,000,000 chunks: exact p50 {:.1} ms / p95 {:.1} ms; two-pass (the server's, {} candidates \
         by one-bit codes, then exact cosines) p50 {:.1} ms / p95 {:.1} ms (budget p95 <= 30 ms), recall of the exact \
         top 10: {:.3}",
        percentile(&exact_ms, 0.5),
        percentile(&exact_ms, 0.95),
        ejento_server::search::vectors::candidates(10),
        percentile(&two_pass_ms, 0.5),
        percentile(&two_pass_ms, 0.95),
        found as f64 / (questions.len() * 10) as f64
    );
}
