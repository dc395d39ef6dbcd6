-- Every server sweeps answers being written every few seconds (to end those whose writer died);
-- these keep that sweep to the few rows that are streaming, however many answers there are.
CREATE INDEX agent_responses_streaming ON agent_responses(modified_on) WHERE status = 'streaming';
CREATE INDEX workflow_responses_streaming ON workflow_responses(modified_on) WHERE status = 'streaming';
