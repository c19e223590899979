-- demo/target.sql — the platform's own schema (the migration target), as it exists
-- before the migration: keys, a unique email, foreign keys, checks.
CREATE SCHEMA platform;
CREATE TABLE platform.users (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	marketplace text NOT NULL,
	legacy_id bigint NOT NULL,
	email text NOT NULL UNIQUE,
	display_name text NOT NULL,
	newsletter boolean NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE TABLE platform.listings (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	marketplace text NOT NULL,
	legacy_id bigint NOT NULL,
	seller_id bigint NOT NULL REFERENCES platform.users,
	title text NOT NULL,
	description text,
	price numeric(10,2) NOT NULL CHECK (price >= 0),
	status text NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);
CREATE INDEX ON platform.listings (seller_id);
CREATE TABLE platform.photos (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	marketplace text NOT NULL,
	legacy_id bigint NOT NULL,
	listing_id bigint NOT NULL REFERENCES platform.listings,
	url text NOT NULL,
	position smallint NOT NULL
);
