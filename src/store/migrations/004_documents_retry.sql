-- dakiya schema v4: a failed documents request is asked for again, boundedly (docs_attempts,
-- not before docs_retry_at), with Amazon's error code (codes only, never Amazon's text).
ALTER TABLE packages ADD COLUMN docs_attempts INTEGER DEFAULT 0;
ALTER TABLE packages ADD COLUMN docs_retry_at TIMESTAMP;
ALTER TABLE packages ADD COLUMN docs_error VARCHAR;
