-- Every read is audited, so each row must be cheap to write: the index on `at`
-- alone cost about twice the rest of the row; listings go by id (insertion order).
DROP INDEX IF EXISTS audit_log_at;
