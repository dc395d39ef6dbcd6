-- An agent's minimum relevance for a passage to be used, in hundredths (0 = keep every passage).
ALTER TABLE agents ADD COLUMN min_relevance_pct INTEGER NOT NULL DEFAULT 0;
-- How an answer was made, step by step (JSON: ejento_api::TraceStep[]); null before traces.
ALTER TABLE agent_responses ADD COLUMN trace TEXT;
-- An answer asked again (or with its question edited) is a new version of the first one: the
-- thread shows the newest, and the others can be flipped through.
ALTER TABLE agent_responses ADD COLUMN version_of INTEGER;
CREATE INDEX agent_responses_versions ON agent_responses(version_of) WHERE version_of IS NOT NULL;
-- Whether people may pick another enabled model configuration from the chat composer.
ALTER TABLE agents ADD COLUMN model_choice INTEGER NOT NULL DEFAULT 0;
-- A chunk can be turned off (not searched) or its text corrected by hand; a reindex of the
-- document makes fresh chunks.
ALTER TABLE chunks ADD COLUMN is_enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE chunks ADD COLUMN edited_on TEXT;
