-- Chunk size and overlap (characters) chosen when the document was added; null: the corpus'
-- indexing mode decides. A reindex cuts the document the same way again.
ALTER TABLE documents ADD COLUMN chunk_size INTEGER;
ALTER TABLE documents ADD COLUMN chunk_overlap INTEGER;
