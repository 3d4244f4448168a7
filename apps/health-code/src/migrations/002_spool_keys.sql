-- Audit entries and check-ins carry a key made before their first write: one
-- kept in the local spool while the database was down (or whose first write
-- lost its reply) is written again with the same key and stored once.
ALTER TABLE hc_audit ADD COLUMN spool_key text;
CREATE UNIQUE INDEX hc_audit_spool_key ON hc_audit (spool_key);
ALTER TABLE hc_checkins ADD COLUMN spool_key text;
CREATE UNIQUE INDEX hc_checkins_spool_key ON hc_checkins (spool_key);
