-- What a run asked with: the model configuration its answers came from (the agent's own when
-- not chosen), the model configuration that judged them (LLM-as-judge; none: local metrics
-- only), and a snapshot of the agent's prompt and instructions, so two runs can be compared by
-- what changed between them.
ALTER TABLE evaluations ADD COLUMN llm_config_id INTEGER;
ALTER TABLE evaluations ADD COLUMN judge_llm_config_id INTEGER;
ALTER TABLE evaluations ADD COLUMN configuration TEXT NOT NULL DEFAULT '{}';

INSERT INTO evaluation_metrics (organization_id, name, category, description, kind, created_by, created_on) VALUES
    (NULL, 'Answer Similarity (LLM judge)', 'LLM judge',
     'A model''s 0-1 judgement of how closely the answer says what the expected answer says.',
     'computed', 'system', '2026-01-01T00:00:00.000000Z'),
    (NULL, 'Answer Relevance (LLM judge)', 'LLM judge',
     'A model''s 0-1 judgement of how directly and completely the answer addresses the question.',
     'computed', 'system', '2026-01-01T00:00:00.000000Z'),
    (NULL, 'Faithfulness (LLM judge)', 'LLM judge',
     'A model''s 0-1 judgement of the share of the answer''s claims supported by the retrieved passages.',
     'computed', 'system', '2026-01-01T00:00:00.000000Z'),
    (NULL, 'Context Recall (LLM judge)', 'LLM judge',
     'A model''s 0-1 judgement of how much of the expected answer the retrieved passages contain.',
     'computed', 'system', '2026-01-01T00:00:00.000000Z');
