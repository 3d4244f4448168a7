-- Query platform state: porting registry, risk areas, partners, consents, audit log.
CREATE TABLE porting_registry (
  msisdn text PRIMARY KEY,
  operator text NOT NULL CHECK (operator IN ('cmcc', 'cucc', 'ctcc')),
  ported_at date,
  kind text NOT NULL DEFAULT 'normal' CHECK (kind IN ('normal', 'mvno', 'secondary')),
  primary_msisdn text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE risk_areas (
  id bigserial PRIMARY KEY,
  city_code text NOT NULL,
  area text NOT NULL,
  level text NOT NULL CHECK (level IN ('medium', 'high')),
  effective_from timestamptz NOT NULL,
  effective_to timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (effective_to IS NULL OR effective_to > effective_from)
);
CREATE INDEX risk_areas_city ON risk_areas (city_code);

CREATE TABLE partners (
  client_id text PRIMARY KEY,
  name text NOT NULL,
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE consents (
  id text PRIMARY KEY,
  client_id text NOT NULL REFERENCES partners (client_id),
  msisdn text NOT NULL,
  purpose text NOT NULL,
  granted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX consents_msisdn ON consents (msisdn);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_type text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  msisdn text,
  outcome text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_msisdn ON audit_log (msisdn, at);
CREATE INDEX audit_log_at ON audit_log (at);
