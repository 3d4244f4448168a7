-- Health-code system schema. Plain SQL, the same on PGlite and PostgreSQL.
CREATE TABLE hc_people (
  id text PRIMARY KEY,
  phone text NOT NULL UNIQUE,
  name text NOT NULL,
  id_number text NOT NULL UNIQUE,
  address text NOT NULL,
  declared_sojourn boolean NOT NULL,
  symptoms boolean NOT NULL,
  close_contact boolean NOT NULL,
  itinerary jsonb,
  itinerary_consent_id text,
  office_colour text CHECK (office_colour IN ('red', 'yellow')),
  office_reason text,
  colour text NOT NULL CHECK (colour IN ('green', 'yellow', 'red')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE hc_consents (
  id text PRIMARY KEY,
  phone text NOT NULL,
  purpose text NOT NULL,
  partner_consent_id text,
  granted_at timestamptz NOT NULL,
  expires_at timestamptz
);
CREATE INDEX hc_consents_phone ON hc_consents (phone);

CREATE TABLE hc_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX hc_audit_at ON hc_audit (at);

CREATE TABLE hc_epidemic_areas (
  id text PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('province', 'city', 'abroad')),
  code text NOT NULL,
  name text NOT NULL,
  effective_from date NOT NULL,
  effective_to date,
  created_at timestamptz NOT NULL
);

CREATE TABLE hc_venues (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('unit', 'community', 'vehicle', 'checkpoint')),
  name text NOT NULL,
  address text NOT NULL,
  owner_phone text NOT NULL,
  token text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX hc_venues_owner ON hc_venues (owner_phone);

-- Check-ins: append-only, kept 21 days (retention job deletes by `at`).
CREATE TABLE hc_checkins (
  id bigserial PRIMARY KEY,
  venue_id text NOT NULL,
  person_id text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX hc_checkins_at ON hc_checkins (at);
CREATE INDEX hc_checkins_person ON hc_checkins (person_id, at);

CREATE TABLE hc_signing_keys (
  kid text PRIMARY KEY,
  public_key text NOT NULL,
  private_sealed text NOT NULL,
  nbf timestamptz NOT NULL,
  sign_until timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL
);
