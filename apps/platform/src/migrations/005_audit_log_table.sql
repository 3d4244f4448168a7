-- The audit log as a plain table again (issue 24 item 9), partitioned by
-- Beijing day so old days can be dropped whole: one row per entry, written a
-- group commit at a time (one INSERT over unnest() arrays, as check-ins are),
-- which is what replaced the segments' per-row cost (migration 003). A batch
-- delivered from the local spool carries a key, kept in audit_batch, so a batch
-- delivered twice (a crash between writing and deleting its file) is stored
-- once. Day partitions are made by the application before it writes a day
-- (AuditLog.ensureDay); the default partition takes anything else.
CREATE SEQUENCE audit_log_id_seq;

CREATE TABLE audit_log_entries (
  id bigint NOT NULL DEFAULT nextval('audit_log_id_seq'),
  at timestamptz NOT NULL,
  actor_type text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  msisdn text,
  outcome text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb
) PARTITION BY RANGE (at);

CREATE TABLE audit_log_default PARTITION OF audit_log_entries DEFAULT;

-- A partition for each Beijing day the segments hold.
DO $$
DECLARE d date;
BEGIN
  FOR d IN SELECT DISTINCT (at AT TIME ZONE 'UTC' + interval '8 hours')::date FROM audit_log LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF audit_log_entries FOR VALUES FROM (%L) TO (%L)',
      'audit_log_' || to_char(d, 'YYYYMMDD'), d::text || ' 00:00:00+08', (d + 1)::text || ' 00:00:00+08');
  END LOOP;
END $$;

INSERT INTO audit_log_entries (id, at, actor_type, actor, action, msisdn, outcome, detail)
SELECT id, at, actor_type, actor, action, msisdn, outcome, detail FROM audit_log ORDER BY id;
SELECT setval('audit_log_id_seq', coalesce((SELECT max(id) FROM audit_log_entries), 0) + 1, false);

CREATE TABLE audit_batch (
  key text PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now()
);
-- Keys of the last two days' segments: a segment still in a spool is not written again.
INSERT INTO audit_batch (key, at)
SELECT spool_key, last_at FROM audit_segment
WHERE spool_key IS NOT NULL AND last_at > now() - interval '2 days';

DROP VIEW audit_log;
DROP TABLE audit_segment;
ALTER TABLE audit_log_entries RENAME TO audit_log;
ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;

-- Listings: newest first, by number or actor (admin-routes), or all.
CREATE INDEX audit_log_id ON audit_log (id);
CREATE INDEX audit_log_msisdn ON audit_log (msisdn, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
