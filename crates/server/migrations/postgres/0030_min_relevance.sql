-- An agent's minimum relevance for a passage to be used, in hundredths (0 = keep every passage).
ALTER TABLE agents ADD COLUMN min_relevance_pct INTEGER NOT NULL DEFAULT 0;
