-- Retrieval by meaning. Each live chunk gets a sentence embedding after its document is already
-- searchable by keywords: any server's embedding worker claims chunks without one
-- (`embedding_claim`: when its claim lapses), stores the vector (little-endian f32s) and the
-- model that made it, and logs a search change so every server's vector index follows.
ALTER TABLE chunks ADD COLUMN embedding BYTEA;
ALTER TABLE chunks ADD COLUMN embedding_model TEXT;
ALTER TABLE chunks ADD COLUMN embedding_claim TEXT;
CREATE INDEX chunks_to_embed ON chunks(id) WHERE embedding IS NULL;
-- 'content': a document's chunks changed (both indexes apply it); 'vectors': only their
-- embeddings did (the BM25 index skips it rather than rewriting the same text).
ALTER TABLE search_changes ADD COLUMN kind TEXT NOT NULL DEFAULT 'content';

-- 'keyword' | 'semantic' | 'hybrid'
ALTER TABLE agents ADD COLUMN retrieval_mode TEXT NOT NULL DEFAULT 'hybrid';
