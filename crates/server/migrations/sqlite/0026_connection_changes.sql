-- Who last changed an agent's connection to a corpus, and when (Ejento's connection objects
-- carry `modified_by` and `modified_on`).
ALTER TABLE agent_corpora ADD COLUMN modified_by TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_corpora ADD COLUMN modified_on TEXT NOT NULL DEFAULT '';
UPDATE agent_corpora SET modified_by = connected_by, modified_on = created_on;
