-- The reason a job's last attempt failed with, kept when it goes back to the queue: the
-- reason the document ends with when its attempts run out.
ALTER TABLE indexing_jobs ADD COLUMN last_error TEXT;
