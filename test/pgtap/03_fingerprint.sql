-- migration.fingerprint(record): what local-diff and verify compare rows by.
BEGIN;
SELECT plan(19);

SELECT is(migration.fingerprint(ROW(1, 'a'::text)), migration.fingerprint(ROW(1, 'a'::text)),
	'equal rows, equal fingerprints');
SELECT isnt(migration.fingerprint(ROW(1, 'a'::text)), migration.fingerprint(ROW(1, 'b'::text)),
	'a changed value changes the fingerprint');
SELECT isnt(migration.fingerprint(ROW(NULL::text)), migration.fingerprint(ROW(''::text)),
	'NULL differs from the empty string');
SELECT isnt(migration.fingerprint(ROW('a'::text, NULL::text)), migration.fingerprint(ROW(NULL::text, 'a'::text)),
	'a value in another column is another row');
SELECT isnt(migration.fingerprint(ROW('ab'::text, 'c'::text)), migration.fingerprint(ROW('a'::text, 'bc'::text)),
	'column boundaries count: (ab, c) is not (a, bc)');
SELECT is(migration.fingerprint(ROW(1::int, 'x'::varchar(5))), migration.fingerprint(ROW(1::bigint, 'x'::text)),
	'values with the same text agree across types (int/bigint, varchar/text)');
SELECT isnt(migration.fingerprint(ROW(1.5::numeric)), migration.fingerprint(ROW(1.50::numeric(10,2))),
	'numeric scale is part of the value: the loader casts the source to the target''s type first');
SELECT is(migration.fingerprint(ROW(CAST(1.5 AS numeric(10,2)))), migration.fingerprint(ROW(1.50::numeric(10,2))),
	'after the cast they agree');
SELECT is(migration.fingerprint(ROW()), migration.fingerprint(ROW()), 'an empty row has a fingerprint');

-- Values, not their printed form: session settings do not change a fingerprint.
CREATE TEMP TABLE fp_utc AS SELECT migration.fingerprint(ROW('2024-01-01 12:00:00+00'::timestamptz, 1/3::float8)) AS fp;
SET LOCAL TimeZone = 'Asia/Tokyo';
SET LOCAL extra_float_digits = -3;
SELECT is(migration.fingerprint(ROW('2024-01-01 12:00:00+00'::timestamptz, 1/3::float8)), (SELECT fp FROM fp_utc),
	'a timestamptz and a float hash the same under another TimeZone and extra_float_digits');
SELECT isnt(migration.fingerprint(ROW('2024-01-01 12:00:00+00'::timestamptz)), migration.fingerprint(ROW('2024-01-01 12:00:00.000001+00'::timestamptz)),
	'a microsecond changes a timestamptz''s fingerprint');
SELECT isnt(migration.fingerprint(ROW('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid)), migration.fingerprint(ROW('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'::uuid)),
	'uuids that differ in their last byte differ');
SELECT is(migration.fingerprint(ROW('{"a": 1, "b": 2}'::jsonb)), migration.fingerprint(ROW('{"b": 2, "a": 1}'::jsonb)),
	'jsonb is hashed by its text form: the same object written two ways agrees');

CREATE TEMP TABLE fp (id int, t text, ts timestamptz, j jsonb, b bytea, deleted boolean);
INSERT INTO fp SELECT g, repeat('x', g % 50), '2024-01-01'::timestamptz + g * interval '1 minute',
	jsonb_build_object('g', g), decode(md5(g::text), 'hex'), g % 7 = 0 FROM generate_series(1, 20000) g;
SELECT is((SELECT count(DISTINCT migration.fingerprint(f)) FROM fp f), 20000::bigint,
	'20000 distinct rows, 20000 distinct fingerprints');
SELECT is((SELECT count(*) FROM fp f WHERE migration.fingerprint(f) = migration.fingerprint(ROW(f.id, f.t, f.ts, f.j, f.b, f.deleted))),
	20000::bigint, 'a table''s row and the same values in a ROW() agree');

-- fingerprint_values(a, b, …): the loader's form, the same hash without building a row.
SELECT is((SELECT count(*) FROM fp f WHERE migration.fingerprint(f) = migration.fingerprint_values(f.id, f.t, f.ts, f.j, f.b, f.deleted)),
	20000::bigint, 'fingerprint_values(columns…) equals fingerprint(row) for every row');
SELECT is(migration.fingerprint_values(NULL::text, 'a', 1.50::numeric(10,2), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'x'::char(3), 2::int2),
	migration.fingerprint(ROW(NULL::text, 'a'::text, 1.50::numeric(10,2), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'x'::char(3), 2::int2)),
	'fingerprint_values agrees with fingerprint(ROW()) for NULL, an untyped literal, numeric, uuid, char and int2');
SELECT isnt(migration.fingerprint_values('a'::text, NULL::text), migration.fingerprint_values(NULL::text, 'a'::text),
	'fingerprint_values: a value in another position is another row');
SELECT throws_ok($$SELECT migration.fingerprint_values(VARIADIC ARRAY[1, 2])$$, '0A000',
	'migration.fingerprint_values() takes the values themselves, not an array',
	'an array passed with VARIADIC is refused');

SELECT * FROM finish();
ROLLBACK;
