-- What judging each answer took (the judge's tokens and USD cost), apart from answering it.
ALTER TABLE evaluation_query_results ADD COLUMN judge_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE evaluation_query_results ADD COLUMN judge_cost TEXT NOT NULL DEFAULT '0';
