-- Chunk size and overlap (characters) chosen for the document, at upload or since; null: the
-- corpus' indexing mode decides. A reindex cuts the document the same way again.
ALTER TABLE documents ADD COLUMN chunk_size BIGINT;
ALTER TABLE documents ADD COLUMN chunk_overlap BIGINT;
