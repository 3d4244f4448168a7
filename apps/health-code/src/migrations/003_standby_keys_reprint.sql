-- A standby signing key is published ahead and promoted at once when the key in
-- force is revoked; venue posters signed by a revoked key are re-signed and
-- marked for reprinting; an office can withdraw one venue's code.
ALTER TABLE hc_signing_keys ADD COLUMN standby boolean NOT NULL DEFAULT false;
ALTER TABLE hc_venues ADD COLUMN reprint_since timestamptz;
ALTER TABLE hc_venues ADD COLUMN revoked_at timestamptz;
CREATE INDEX hc_venues_reprint ON hc_venues (reprint_since) WHERE reprint_since IS NOT NULL;
