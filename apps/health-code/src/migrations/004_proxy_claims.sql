-- Proxy registrations (代申领) and claims: a registration made by one phone for
-- someone else's ID number moves to the ID's owner when the owner claims it from
-- their own phone; every move is kept for the office.
ALTER TABLE hc_people ADD COLUMN proxy boolean NOT NULL DEFAULT false;
CREATE TABLE hc_claims (
  id bigserial PRIMARY KEY,
  person_id text NOT NULL,
  from_phone text NOT NULL,
  to_phone text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX hc_claims_person ON hc_claims (person_id, at);
