-- Each audit segment carries a key made before its first write: a segment kept
-- in the local spool while the database was down (or whose first write lost its
-- reply) is written again with the same key and stored once.
ALTER TABLE audit_segment ADD COLUMN spool_key text;
CREATE UNIQUE INDEX audit_segment_spool_key ON audit_segment (spool_key);
