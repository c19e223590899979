-- tributary--0.1.sql: what CREATE EXTENSION tributary creates.
\echo Use "CREATE EXTENSION tributary" to load this file. \quit

-- The foreign data wrappers: one library, one handler and one validator per driver,
-- so each validator knows its driver's options.
CREATE FUNCTION tributary_mysql_handler() RETURNS fdw_handler
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION tributary_mysql_validator(text[], oid) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION tributary_mssql_handler() RETURNS fdw_handler
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION tributary_mssql_validator(text[], oid) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER tributary_mysql
	HANDLER tributary_mysql_handler VALIDATOR tributary_mysql_validator;
COMMENT ON FOREIGN DATA WRAPPER tributary_mysql IS 'MySQL and MariaDB sources (MariaDB Connector/C)';
CREATE FOREIGN DATA WRAPPER tributary_mssql
	HANDLER tributary_mssql_handler VALIDATOR tributary_mssql_validator;
COMMENT ON FOREIGN DATA WRAPPER tributary_mssql IS 'Microsoft SQL Server sources (FreeTDS)';

-- Self-test of the C/C++ error boundary: forces one kind of failure inside C++ code
-- ('ok', 'pg_error', 'exception', 'bad_alloc', 'remote_error', 'unknown_exception').
CREATE FUNCTION tributary_boundary_check(mode text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION tributary_boundary_destructor_runs() RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT VOLATILE;
REVOKE ALL ON FUNCTION tributary_boundary_check(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tributary_boundary_destructor_runs() FROM PUBLIC;

-- The state of every migration lives here (steps, id maps, runs, failures…).
CREATE SCHEMA migration;
COMMENT ON SCHEMA migration IS 'tributary: migration steps, id maps, runs, watermarks and failures';

-- ===================================================================================
-- The migration schema: steps, id maps, runs, batches, watermarks, failures, settings.
-- Everything the loader does is recorded here, in the same transaction as the data it
-- describes. State tables are dumped by pg_dump (pg_extension_config_dump).
-- ===================================================================================

-- A step: one source relation (a transform view or a foreign table) loaded into one
-- target table. The same step name may serve several sources of the same shape (one
-- row per source), sharing the step's id map.
CREATE TABLE migration.step (
	name text NOT NULL CHECK (name ~ '^[a-z_][a-z0-9_]{0,40}$'),
	source text NOT NULL DEFAULT 'default' CHECK (source ~ '^[A-Za-z0-9_.-]{1,63}$'),
	source_relation regclass NOT NULL,
	target_table regclass NOT NULL,
	source_key text[] NOT NULL CHECK (cardinality(source_key) BETWEEN 1 AND 4),
	target_key text NOT NULL,
	key_mode text NOT NULL CHECK (key_mode IN ('keep', 'map')),
	source_key_column text,
	updated_at_column text,
	depends_on text[] NOT NULL DEFAULT '{}',
	batch_size integer NOT NULL DEFAULT 10000 CHECK (batch_size > 0),
	options jsonb NOT NULL DEFAULT '{}',
	defined_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (name, source)
);
COMMENT ON TABLE migration.step IS 'what to migrate: source relation → target table, keys, dependencies';

-- Per step and source: where the last full load stands (resume point) and its state.
CREATE TABLE migration.step_state (
	step text NOT NULL,
	source text NOT NULL,
	state text NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'in_progress', 'completed', 'failed')),
	last_key jsonb,
	rows_done bigint NOT NULL DEFAULT 0,
	rows_failed bigint NOT NULL DEFAULT 0,
	last_run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (step, source),
	FOREIGN KEY (step, source) REFERENCES migration.step ON DELETE CASCADE
);

CREATE TABLE migration.run (
	id bigserial PRIMARY KEY,
	mode text NOT NULL,
	dry_run boolean NOT NULL DEFAULT false,
	status text NOT NULL DEFAULT 'running'
		CHECK (status IN ('running', 'succeeded', 'succeeded_with_failures', 'failed', 'interrupted')),
	steps text[] NOT NULL DEFAULT '{}',
	started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	finished_at timestamptz,
	host text,
	pid integer,
	rows_read bigint NOT NULL DEFAULT 0,
	rows_written bigint NOT NULL DEFAULT 0,
	rows_failed bigint NOT NULL DEFAULT 0,
	message text
);

CREATE TABLE migration.batch (
	id bigserial PRIMARY KEY,
	run_id bigint NOT NULL REFERENCES migration.run ON DELETE CASCADE,
	step text NOT NULL,
	source text NOT NULL,
	lower_key jsonb,
	upper_key jsonb,
	rows_read bigint NOT NULL DEFAULT 0,
	rows_inserted bigint NOT NULL DEFAULT 0,
	rows_updated bigint NOT NULL DEFAULT 0,
	rows_failed bigint NOT NULL DEFAULT 0,
	started_at timestamptz NOT NULL,
	finished_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ON migration.batch (run_id);
CREATE INDEX ON migration.batch (step, source, finished_at);

-- Diff loads: the updated_at value up to which a step's source is migrated.
CREATE TABLE migration.watermark (
	step text NOT NULL,
	source text NOT NULL,
	high_water text NOT NULL,
	run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (step, source),
	FOREIGN KEY (step, source) REFERENCES migration.step ON DELETE CASCADE
);

-- Records that did not migrate: why, and what the source row looked like.
CREATE TABLE migration.failure (
	id bigserial PRIMARY KEY,
	step text NOT NULL,
	source text NOT NULL,
	source_key jsonb NOT NULL,
	sqlstate text NOT NULL,
	message text NOT NULL,
	detail text,
	source_row jsonb,
	attempts integer NOT NULL DEFAULT 1,
	first_seen_at timestamptz NOT NULL DEFAULT now(),
	last_seen_at timestamptz NOT NULL DEFAULT now(),
	last_run_id bigint,
	resolved_at timestamptz,
	UNIQUE (step, source, source_key)
);
CREATE INDEX ON migration.failure (step, source) WHERE resolved_at IS NULL;

-- Settings a DBA may change while a run goes on; the loader re-reads them between
-- batches. A row with step '*' (if any) holds defaults; a step's own row overrides them;
-- NULL means "not set here".
CREATE TABLE migration.setting (
	step text PRIMARY KEY,
	batch_size integer CHECK (batch_size > 0),
	jobs integer CHECK (jobs > 0),
	rows_per_second integer CHECK (rows_per_second >= 0),
	paused boolean NOT NULL DEFAULT false,
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- Parallel ranges of a full load: a big step's key space cut into ranges that loader
-- workers (threads of one run, or several loader processes, also on other hosts) claim
-- with FOR UPDATE SKIP LOCKED, each on its own connection. A worker holds its claim
-- (the row lock) while it loads the range; its progress is range_state, committed with
-- every batch, so a range whose worker died is claimed again and resumed, never redone.
CREATE TABLE migration.range (
	step text NOT NULL,
	source text NOT NULL,
	no integer NOT NULL,
	lower_bound numeric,	-- first key column above this (NULL: unbounded)
	upper_bound numeric,	-- and at most this (NULL: unbounded)
	PRIMARY KEY (step, source, no),
	FOREIGN KEY (step, source) REFERENCES migration.step ON DELETE CASCADE
);
CREATE TABLE migration.range_state (
	step text NOT NULL,
	source text NOT NULL,
	no integer NOT NULL,
	state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'in_progress', 'completed')),
	last_key jsonb,
	rows_done bigint NOT NULL DEFAULT 0,
	rows_failed bigint NOT NULL DEFAULT 0,
	last_run_id bigint,
	claimed_by text,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (step, source, no),
	FOREIGN KEY (step, source, no) REFERENCES migration.range ON DELETE CASCADE
);
COMMENT ON TABLE migration.range IS 'key ranges of a step''s parallel full load, claimed by workers with SKIP LOCKED';

-- De-duplication (step option dedup): a source row that is the same entity as another
-- (equal dedup columns) is not migrated itself; its source key is mapped to the surviving
-- row's target row, so children of a duplicate attach to the survivor. One row per merge.
CREATE TABLE migration.merge (
	step text NOT NULL,
	source text NOT NULL,
	source_key jsonb NOT NULL,
	survivor_source text NOT NULL,
	survivor_key jsonb NOT NULL,
	dup_values jsonb NOT NULL,
	run_id bigint,
	merged_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (step, source, source_key),
	FOREIGN KEY (step, source) REFERENCES migration.step ON DELETE CASCADE
);
COMMENT ON TABLE migration.merge IS 'duplicates merged into a surviving row (step option dedup)';
-- The dedup values of each surviving row, so that a later source's duplicates of it merge
-- into it.
CREATE TABLE migration.dedup_key (
	step text NOT NULL,
	source text NOT NULL,
	source_key jsonb NOT NULL,
	dup_values jsonb NOT NULL,
	PRIMARY KEY (step, source, source_key),
	FOREIGN KEY (step, source) REFERENCES migration.step ON DELETE CASCADE
);
CREATE INDEX ON migration.dedup_key (step, dup_values);

-- Differences found by `tributary run --mode verify` (and find-missing's orphans):
-- one row per source key that did not match, with what was wrong.
CREATE TABLE migration.mismatch (
	id bigserial PRIMARY KEY,
	run_id bigint NOT NULL REFERENCES migration.run ON DELETE CASCADE,
	step text NOT NULL,
	source text NOT NULL,
	source_key jsonb NOT NULL,
	kind text NOT NULL CHECK (kind IN ('missing', 'different', 'extra')),
	known_failure boolean NOT NULL DEFAULT false,
	found_at timestamptz NOT NULL DEFAULT now(),
	repaired_at timestamptz
);
CREATE INDEX ON migration.mismatch (run_id);
CREATE INDEX ON migration.mismatch (step, source, found_at);
COMMENT ON TABLE migration.mismatch IS 'rows that differed between source and target when verified: missing in the target, different, or extra (source row gone)';

SELECT pg_catalog.pg_extension_config_dump('migration.step', '');
SELECT pg_catalog.pg_extension_config_dump('migration.step_state', '');
SELECT pg_catalog.pg_extension_config_dump('migration.run', '');
SELECT pg_catalog.pg_extension_config_dump('migration.run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migration.batch', '');
SELECT pg_catalog.pg_extension_config_dump('migration.batch_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migration.watermark', '');
SELECT pg_catalog.pg_extension_config_dump('migration.failure', '');
SELECT pg_catalog.pg_extension_config_dump('migration.failure_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migration.setting', '');
SELECT pg_catalog.pg_extension_config_dump('migration.mismatch', '');
SELECT pg_catalog.pg_extension_config_dump('migration.range', '');
SELECT pg_catalog.pg_extension_config_dump('migration.range_state', '');
SELECT pg_catalog.pg_extension_config_dump('migration.merge', '');
SELECT pg_catalog.pg_extension_config_dump('migration.dedup_key', '');
SELECT pg_catalog.pg_extension_config_dump('migration.mismatch_id_seq', '');

-- A 64-bit hash of a row's values (by value, not by this session's text form; NULL
-- distinct from every value): how local-diff and verify compare a source row with its
-- target row.
CREATE FUNCTION migration.fingerprint(record) RETURNS bigint
	AS 'MODULE_PATHNAME', 'tributary_fingerprint' LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION migration.fingerprint(record) IS 'hash of a row''s values; equal rows, equal fingerprints';
CREATE FUNCTION migration.fingerprint_values(VARIADIC "any") RETURNS bigint
	AS 'MODULE_PATHNAME', 'tributary_fingerprint_values' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION migration.fingerprint_values(VARIADIC "any") IS 'fingerprint(ROW(values…)), without building the row';

-- The type of a column of a relation, or NULL when it has no such column.
CREATE FUNCTION migration.column_type(rel regclass, col text) RETURNS regtype
LANGUAGE sql STABLE AS $$
	SELECT atttypid::regtype FROM pg_catalog.pg_attribute
	WHERE attrelid = rel AND attname = col AND attnum > 0 AND NOT attisdropped
$$;

-- The name of a step's id map table.
CREATE FUNCTION migration.map_table(step text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'migration.' || pg_catalog.quote_ident('map_' || step) $$;

-- Define (or redefine) a step, checking everything the loader will rely on.
CREATE FUNCTION migration.define_step(
	name text,
	source_relation regclass,
	target_table regclass,
	source_key text[],
	target_key text,
	key_mode text DEFAULT 'keep',
	source text DEFAULT 'default',
	source_key_column text DEFAULT NULL,
	updated_at_column text DEFAULT NULL,
	depends_on text[] DEFAULT '{}',
	batch_size integer DEFAULT 10000,
	options jsonb DEFAULT '{}'
) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning AS $fn$
DECLARE
	v_name text := define_step.name;
	v_source text := define_step.source;
	v_col text;
	v_type regtype;
	v_target_type regtype;
	v_key_types text := '';
	v_existing record;
	v_cycle text;
	v_missing text;
BEGIN
	IF v_name IS NULL OR v_name !~ '^[a-z_][a-z0-9_]{0,40}$' THEN
		RAISE EXCEPTION 'invalid step name "%"', v_name
			USING ERRCODE = 'invalid_parameter_value',
			      HINT = 'A step name is 1 to 41 lower-case letters, digits and underscores, starting with a letter or underscore.';
	END IF;
	IF v_source IS NULL OR v_source !~ '^[A-Za-z0-9_.-]{1,63}$' THEN
		RAISE EXCEPTION 'invalid source name "%"', v_source
			USING ERRCODE = 'invalid_parameter_value',
			      HINT = 'A source name is 1 to 63 letters, digits, dots, dashes and underscores.';
	END IF;
	IF key_mode IS NULL OR key_mode NOT IN ('keep', 'map') THEN
		RAISE EXCEPTION 'invalid key mode "%" for step "%"', key_mode, v_name
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''keep'' or ''map''.';
	END IF;
	IF (SELECT relkind FROM pg_catalog.pg_class WHERE oid = source_relation) NOT IN ('v', 'm', 'f', 'r', 'p') THEN
		RAISE EXCEPTION 'source relation % of step "%" is not a view, foreign table or table', source_relation, v_name
			USING ERRCODE = 'wrong_object_type';
	END IF;
	IF (SELECT relkind FROM pg_catalog.pg_class WHERE oid = target_table) NOT IN ('r', 'p') THEN
		RAISE EXCEPTION 'target % of step "%" is not a table', target_table, v_name
			USING ERRCODE = 'wrong_object_type';
	END IF;
	IF source_key IS NULL OR cardinality(source_key) NOT BETWEEN 1 AND 4 THEN
		RAISE EXCEPTION 'step "%" needs 1 to 4 source key columns', v_name
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOREACH v_col IN ARRAY source_key LOOP
		v_type := migration.column_type(source_relation, v_col);
		IF v_type IS NULL THEN
			RAISE EXCEPTION 'source relation % of step "%" has no column "%"', source_relation, v_name, v_col
				USING ERRCODE = 'undefined_column', HINT = 'source_key names columns of the source relation.';
		END IF;
		v_key_types := v_key_types || pg_catalog.quote_ident(v_col) || ' ' || v_type::text || ' NOT NULL, ';
	END LOOP;
	v_target_type := migration.column_type(target_table, target_key);
	IF v_target_type IS NULL THEN
		RAISE EXCEPTION 'target % of step "%" has no column "%"', target_table, v_name, target_key
			USING ERRCODE = 'undefined_column', HINT = 'target_key names the key column of the target table.';
	END IF;
	IF key_mode = 'keep' THEN
		IF cardinality(source_key) <> 1 THEN
			RAISE EXCEPTION 'step "%" keeps a composite source key, which cannot become the single target key "%"', v_name, target_key
				USING ERRCODE = 'invalid_parameter_value', HINT = 'Use key_mode ''map'' for composite source keys.';
		END IF;
		v_type := migration.column_type(source_relation, source_key[1]);
		IF v_type <> v_target_type AND NOT EXISTS (
			SELECT 1 FROM pg_catalog.pg_cast WHERE castsource = v_type AND casttarget = v_target_type AND castcontext IN ('i', 'a')) THEN
			RAISE EXCEPTION 'key type mismatch in step "%": source key "%" is %, target key "%" is %', v_name, source_key[1], v_type, target_key, v_target_type
				USING ERRCODE = 'datatype_mismatch', HINT = 'Cast the key in the transform view to the target key''s type.';
		END IF;
	ELSE
		IF pg_catalog.pg_get_serial_sequence(target_table::text, target_key) IS NULL THEN
			RAISE EXCEPTION 'target key "%" of % has no sequence or identity to allocate new keys from', target_key, target_table
				USING ERRCODE = 'invalid_parameter_value',
				      HINT = 'key_mode ''map'' allocates target keys: make the column an identity or serial column.';
		END IF;
		IF source_key_column IS NULL THEN
			RAISE EXCEPTION 'step "%" maps keys but names no target column to keep the source key in', v_name
				USING ERRCODE = 'invalid_parameter_value',
				      HINT = 'Pass source_key_column => ''legacy_id'' (a column of the target that keeps the source key forever).';
		END IF;
	END IF;
	IF source_key_column IS NOT NULL AND migration.column_type(target_table, source_key_column) IS NULL THEN
		RAISE EXCEPTION 'target % of step "%" has no column "%"', target_table, v_name, source_key_column
			USING ERRCODE = 'undefined_column', HINT = 'source_key_column names a column of the target table.';
	END IF;
	IF updated_at_column IS NOT NULL THEN
		v_type := migration.column_type(source_relation, updated_at_column);
		IF v_type IS NULL THEN
			RAISE EXCEPTION 'source relation % of step "%" has no column "%"', source_relation, v_name, updated_at_column
				USING ERRCODE = 'undefined_column';
		END IF;
		IF v_type NOT IN ('timestamp'::regtype, 'timestamptz'::regtype, 'date'::regtype, 'bigint'::regtype, 'integer'::regtype) THEN
			RAISE EXCEPTION 'updated_at column "%" of step "%" is %, not a timestamp, date or integer', updated_at_column, v_name, v_type
				USING ERRCODE = 'datatype_mismatch';
		END IF;
	END IF;
	SELECT string_agg(pg_catalog.quote_literal(d), ', ') INTO v_missing
	FROM unnest(depends_on) AS d
	WHERE d <> v_name AND NOT EXISTS (SELECT 1 FROM migration.step s WHERE s.name = d);
	IF v_missing IS NOT NULL THEN
		RAISE EXCEPTION 'step "%" depends on unknown step %', v_name, v_missing
			USING ERRCODE = 'undefined_object', HINT = 'Define the steps it depends on first.';
	END IF;
	IF v_name = ANY (depends_on) THEN
		RAISE EXCEPTION 'step "%" depends on itself', v_name USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT EXISTS (
		SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_attribute b ON b.attname = a.attname
		WHERE a.attrelid = source_relation AND b.attrelid = target_table AND a.attnum > 0 AND b.attnum > 0
		  AND NOT a.attisdropped AND NOT b.attisdropped
		  AND (key_mode = 'keep' OR a.attname NOT IN (target_key))) THEN
		RAISE EXCEPTION 'source relation % and target % of step "%" share no column name', source_relation, target_table, v_name
			USING ERRCODE = 'invalid_parameter_value',
			      HINT = 'The loader copies the columns the source relation and the target have in common: name them alike in the transform view.';
	END IF;
	-- Scopes: {"scopes": {"branch": "branch_id", …}} names columns of the source relation
	-- that `tributary run --scope branch=42` filters on.
	IF options ? 'scopes' THEN
		IF jsonb_typeof(options->'scopes') <> 'object' OR options->'scopes' = '{}'::jsonb THEN
			RAISE EXCEPTION 'option "scopes" of step "%" must map scope names to columns', v_name
				USING ERRCODE = 'invalid_parameter_value',
				      HINT = 'For example: options => ''{"scopes": {"branch": "branch_id"}}''.';
		END IF;
		FOR v_col, v_missing IN SELECT key, value FROM jsonb_each_text(options->'scopes') LOOP
			IF v_col !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
				RAISE EXCEPTION 'invalid scope name "%" in step "%"', v_col, v_name
					USING ERRCODE = 'invalid_parameter_value',
					      HINT = 'A scope name is lower-case letters, digits and underscores.';
			END IF;
			IF migration.column_type(source_relation, v_missing) IS NULL THEN
				RAISE EXCEPTION 'scope "%" of step "%": source relation % has no column "%"', v_col, v_name, source_relation, v_missing
					USING ERRCODE = 'undefined_column';
			END IF;
		END LOOP;
		v_missing := NULL;
	END IF;
	-- De-duplication: {"dedup": {"columns": ["email"], "order": "created_at"}}.
	IF options ? 'dedup' THEN
		IF key_mode <> 'map' THEN
			RAISE EXCEPTION 'step "%" de-duplicates but keeps its keys', v_name
				USING ERRCODE = 'invalid_parameter_value',
				      HINT = 'A duplicate is mapped to its survivor''s target key: use key_mode ''map''.';
		END IF;
		IF jsonb_typeof(options->'dedup'->'columns') IS DISTINCT FROM 'array'
		   OR jsonb_array_length(options->'dedup'->'columns') = 0 THEN
			RAISE EXCEPTION 'option "dedup" of step "%" needs "columns", the columns that identify a duplicate', v_name
				USING ERRCODE = 'invalid_parameter_value',
				      HINT = 'For example: options => ''{"dedup": {"columns": ["email"], "order": "created_at"}}''.';
		END IF;
		FOR v_col IN SELECT jsonb_array_elements_text(options->'dedup'->'columns') LOOP
			IF migration.column_type(source_relation, v_col) IS NULL THEN
				RAISE EXCEPTION 'dedup column "%" of step "%": source relation % has no such column', v_col, v_name, source_relation
					USING ERRCODE = 'undefined_column';
			END IF;
		END LOOP;
		-- The order that picks the survivor: columns of the source relation, each with an
		-- optional ASC/DESC and NULLS FIRST/LAST (no expressions: the loader builds the SQL).
		FOREACH v_col IN ARRAY string_to_array(coalesce(options->'dedup'->>'order', ''), ',') LOOP
			IF v_col !~* '^\s*[a-z_][a-z0-9_]*(\s+(asc|desc))?(\s+nulls\s+(first|last))?\s*$'
			   OR migration.column_type(source_relation, lower(substring(v_col FROM '^\s*([A-Za-z_][A-Za-z0-9_]*)'))) IS NULL THEN
				RAISE EXCEPTION 'dedup order of step "%": "%" is not a column of % with an optional ASC/DESC and NULLS FIRST/LAST', v_name, trim(v_col), source_relation
					USING ERRCODE = 'invalid_parameter_value',
					      HINT = 'The first row in this order survives, e.g. "created_at, id" or "updated_at DESC".';
			END IF;
		END LOOP;
	END IF;
	IF options ? 'fk_check' AND options->>'fk_check' NOT IN ('auto', 'row') THEN
		RAISE EXCEPTION 'option "fk_check" of step "%" must be ''auto'' or ''row''', v_name
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT string_agg(k, ', ') INTO v_missing FROM jsonb_object_keys(options) AS k
	WHERE k NOT IN ('scopes', 'fk_check', 'dedup');
	IF v_missing IS NOT NULL THEN
		RAISE EXCEPTION 'unknown option % of step "%"', v_missing, v_name
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Step options: scopes, fk_check, dedup.';
	END IF;
	v_missing := NULL;
	-- Same step name, other source: the id map is shared, so the keys must agree.
	SELECT * INTO v_existing FROM migration.step s WHERE s.name = v_name AND s.source <> v_source LIMIT 1;
	IF FOUND AND (v_existing.target_table <> target_table OR v_existing.key_mode <> key_mode
	              OR v_existing.source_key <> source_key OR v_existing.target_key <> target_key) THEN
		RAISE EXCEPTION 'step "%" of source "%" differs from its definition for source "%"', v_name, v_source, v_existing.source
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = 'All sources of one step share its target table, key mode and keys.';
	END IF;

	INSERT INTO migration.step AS s (name, source, source_relation, target_table, source_key, target_key,
		key_mode, source_key_column, updated_at_column, depends_on, batch_size, options)
	VALUES (v_name, v_source, source_relation, target_table, source_key, target_key, key_mode,
		source_key_column, updated_at_column, depends_on, batch_size, options)
	ON CONFLICT ON CONSTRAINT step_pkey DO UPDATE SET
		source_relation = EXCLUDED.source_relation, target_table = EXCLUDED.target_table,
		source_key = EXCLUDED.source_key, target_key = EXCLUDED.target_key,
		key_mode = EXCLUDED.key_mode, source_key_column = EXCLUDED.source_key_column,
		updated_at_column = EXCLUDED.updated_at_column, depends_on = EXCLUDED.depends_on,
		batch_size = EXCLUDED.batch_size, options = EXCLUDED.options, defined_at = now();

	WITH RECURSIVE walk(step, path) AS (
		SELECT v_name, ARRAY[v_name]
		UNION ALL
		SELECT d, w.path || d
		FROM walk w JOIN migration.step s ON s.name = w.step, unnest(s.depends_on) AS d
		WHERE NOT d = ANY (w.path[2:]) AND cardinality(w.path) < 100
	)
	SELECT array_to_string(path, ' → ') INTO v_cycle FROM walk WHERE step = v_name AND cardinality(path) > 1 LIMIT 1;
	IF v_cycle IS NOT NULL THEN
		RAISE EXCEPTION 'dependencies of step "%" form a cycle: %', v_name, v_cycle
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	INSERT INTO migration.step_state (step, source) VALUES (v_name, v_source) ON CONFLICT DO NOTHING;
	-- The primary key puts the source key first: a look-up then compares integers (a text
	-- first column makes every comparison of the next one take the slow path), and source
	-- is compared only between equal keys, in the C collation. target_key is included, so
	-- a transform view's look-up of a vacuumed map reads the index alone (the loader
	-- vacuums a map when its full load completes). There is no second index, on target_key:
	-- every row pays for an index at insert, and a migrated row leads back to its source
	-- through the source key column it carries. A full load of 1.5M rows ran 7-13% faster
	-- without it (two workers whose new keys all land on the index's last page).
	EXECUTE format('CREATE TABLE IF NOT EXISTS %s (source text COLLATE "C" NOT NULL, %s target_key %s NOT NULL, '
		'fingerprint bigint, scope jsonb, migrated_at timestamptz NOT NULL DEFAULT now(), '
		'PRIMARY KEY (%s, source) INCLUDE (target_key))',
		migration.map_table(v_name), v_key_types, v_target_type,
		(SELECT string_agg(pg_catalog.quote_ident(k), ', ') FROM unnest(source_key) AS k));
	-- Id maps are ordinary tables (not extension members), so pg_dump keeps them.
END
$fn$;
COMMENT ON FUNCTION migration.define_step IS 'define a step; every name, key, type and dependency is checked';

CREATE FUNCTION migration.drop_step(name text, source text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
	IF EXISTS (SELECT 1 FROM migration.step s WHERE drop_step.name = ANY (s.depends_on) AND s.name <> drop_step.name) THEN
		RAISE EXCEPTION 'step "%" is a dependency of other steps', name
			USING ERRCODE = 'dependent_objects_still_exist',
			      DETAIL = (SELECT 'Dependent steps: ' || string_agg(DISTINCT s.name, ', ') || '.'
			                FROM migration.step s WHERE drop_step.name = ANY (s.depends_on));
	END IF;
	DELETE FROM migration.step s WHERE s.name = drop_step.name AND (drop_step.source IS NULL OR s.source = drop_step.source);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'step "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
END
$fn$;

-- Views for humans.
CREATE VIEW migration.progress AS
SELECT s.name AS step, s.source, st.state, st.rows_done, st.rows_failed,
	(SELECT count(*) FROM migration.failure f WHERE f.step = s.name AND f.source = s.source AND f.resolved_at IS NULL) AS unresolved_failures,
	st.last_key, w.high_water, st.updated_at
FROM migration.step s
JOIN migration.step_state st ON st.step = s.name AND st.source = s.source
LEFT JOIN migration.watermark w ON w.step = s.name AND w.source = s.source;

CREATE VIEW migration.merges AS
SELECT step, source, source_key, survivor_source, survivor_key, dup_values, run_id, merged_at
FROM migration.merge ORDER BY step, source, merged_at;
COMMENT ON VIEW migration.merges IS 'every duplicate merged into a surviving row';

CREATE VIEW migration.unresolved_failures AS
SELECT id, step, source, source_key, sqlstate, message, detail, attempts, first_seen_at, last_seen_at, source_row
FROM migration.failure WHERE resolved_at IS NULL;

CREATE VIEW migration.last_runs AS
SELECT id, mode, dry_run, status, steps, started_at, finished_at, finished_at - started_at AS duration,
	rows_read, rows_written, rows_failed,
	CASE WHEN finished_at > started_at
	     THEN round(rows_written / extract(epoch FROM finished_at - started_at))::bigint END AS rows_per_second,
	message
FROM migration.run ORDER BY id DESC LIMIT 20;

-- ===================================================================================
-- pgTAP assertions about a migration, for a DBA's own pgTAP plan:
--     SELECT plan(5);
--     SELECT migration.step_completed('users');
--     SELECT migration.no_unresolved_failures();
--     SELECT migration.verify_clean('users');
--     SELECT migration.row_counts_match('users');
--     SELECT migration.target_rows_traceable('users');
--     SELECT * FROM finish();
-- Each returns one TAP test made by pgTAP's own ok() (so plan(), finish(), todo() and
-- check_test() count it like any pgTAP test), followed when it fails by diagnostics that
-- name what is wrong. pgTAP is not a dependency of this extension: its ok() and diag()
-- are looked up when an assertion runs. A step argument of NULL means every step; a
-- source argument of NULL every source of the step.
-- ===================================================================================

-- One TAP test through pgTAP's ok(), with diagnostics (pgTAP's diag()) when it fails.
-- pgTAP is found as the extension "pgtap", or else as the ok(boolean, text) on the
-- search path (pgTAP loaded from its script).
CREATE FUNCTION migration.tap_ok(ok boolean, description text, diagnostics text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
	v_schema name;
	v_out text;
	v_diag text;
BEGIN
	SELECT n.nspname INTO v_schema
	FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
	WHERE e.extname = 'pgtap';
	IF v_schema IS NULL THEN
		SELECT n.nspname INTO v_schema
		FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
		WHERE p.oid = pg_catalog.to_regprocedure('ok(boolean, text)');
	END IF;
	IF v_schema IS NULL THEN
		RAISE EXCEPTION 'pgTAP is not installed in this database'
			USING ERRCODE = 'undefined_function',
			      HINT = 'Run CREATE EXTENSION pgtap; then call the migration assertions inside a pgTAP plan (SELECT plan(n); … SELECT * FROM finish();).';
	END IF;
	EXECUTE format('SELECT %I.ok($1, $2)', v_schema) INTO v_out USING coalesce(ok, false), description;
	IF ok IS NOT TRUE AND diagnostics <> '' THEN
		EXECUTE format('SELECT %I.diag($1::text)', v_schema) INTO v_diag USING diagnostics;
		v_out := v_out || E'\n' || v_diag;
	END IF;
	RETURN v_out;
END
$fn$;
COMMENT ON FUNCTION migration.tap_ok IS 'one pgTAP test (pgTAP''s ok()), with diagnostics when it fails; needs pgTAP at call time only';

-- What an assertion is about, for its default description: "step users [shop_a]".
CREATE FUNCTION migration.tap_subject(step text, source text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN $1 IS NULL AND $2 IS NULL THEN 'every step'
		WHEN $1 IS NULL THEN format('every step of source %s', $2)
		WHEN $2 IS NULL THEN format('step %s', $1)
		ELSE format('step %s [%s]', $1, $2) END
$$;

-- "1 difference", "12 differences".
CREATE FUNCTION migration.tap_count(n bigint, noun text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT $1 || ' ' || $2 || CASE WHEN $1 = 1 THEN '' ELSE 's' END $$;

-- The steps an assertion is about (step NULL: every step; source NULL: every source).
CREATE FUNCTION migration.tap_steps(step text, source text) RETURNS SETOF migration.step
LANGUAGE sql STABLE AS $$
	SELECT * FROM migration.step s WHERE ($1 IS NULL OR s.name = $1) AND ($2 IS NULL OR s.source = $2)
	ORDER BY s.name, s.source
$$;

-- Why an assertion cannot look at the steps it was asked about (NULL when it can): no
-- step defined, an unknown step, or a source the step does not have (often a description
-- passed positionally where the source goes).
CREATE FUNCTION migration.tap_scope_problem(step text, source text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM migration.step) THEN
			'    no step is defined in this database (migration.define_step)'
		WHEN $1 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM migration.step s WHERE s.name = $1) THEN
			format('    step %s is not defined (defined steps: %s)', $1,
				(SELECT string_agg(DISTINCT s.name, ', ') FROM migration.step s))
		WHEN $2 IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM migration.step s WHERE ($1 IS NULL OR s.name = $1) AND s.source = $2) THEN
			format('    %s has no source "%s" (its sources: %s)%s',
				coalesce('step ' || $1, 'no step'), $2,
				(SELECT string_agg(DISTINCT s.source, ', ') FROM migration.step s WHERE $1 IS NULL OR s.name = $1),
				CASE WHEN $2 !~ '^[A-Za-z0-9_.-]{1,63}$'
				     THEN E'\n    to give a description, name it: description => ''…''' ELSE '' END)
	END
$$;

-- The full load of the step (every source, or the one given) has completed.
CREATE FUNCTION migration.step_completed(step text, source text DEFAULT NULL, description text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
	v_step text := $1;
	v_source text := $2;
	v_diag text := migration.tap_scope_problem($1, $2);
BEGIN
	IF v_diag IS NULL THEN
		SELECT string_agg(format(E'    %s [%s]\n        have: %s (%s rows done, %s failed%s)\n        want: completed',
				s.name, s.source, coalesce(st.state, 'pending'), coalesce(st.rows_done, 0), coalesce(st.rows_failed, 0),
				CASE WHEN r.status = 'running' THEN format('; run %s is running', r.id)
				     WHEN r.status IN ('failed', 'interrupted')
				     THEN format('; run %s %s%s', r.id, r.status, ': ' || r.message) ELSE '' END),
			E'\n' ORDER BY s.name, s.source)
		INTO v_diag
		FROM migration.tap_steps(v_step, v_source) s
		LEFT JOIN migration.step_state st ON st.step = s.name AND st.source = s.source
		LEFT JOIN migration.run r ON r.id = st.last_run_id
		WHERE st.state IS DISTINCT FROM 'completed';
	END IF;
	RETURN migration.tap_ok(v_diag IS NULL,
		coalesce(description, migration.tap_subject(v_step, v_source) || ' should be completed'), v_diag);
END
$fn$;
COMMENT ON FUNCTION migration.step_completed IS 'pgTAP test: the full load of the step (every source, or the one given) has completed';

-- No record of the step (or of any step) failed without being resolved since.
CREATE FUNCTION migration.no_unresolved_failures(step text DEFAULT NULL, source text DEFAULT NULL,
	description text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
	v_step text := $1;
	v_source text := $2;
	v_diag text := migration.tap_scope_problem($1, $2);
	v_count bigint;
	v_lines text;
BEGIN
	IF v_diag IS NULL THEN
		SELECT count(*), string_agg(x.line, E'\n' ORDER BY x.id) FILTER (WHERE x.no <= 10)
		INTO v_count, v_lines
		FROM (SELECT f.id, row_number() OVER (ORDER BY f.id) AS no,
				format('        %s [%s] %s: %s %s (%s)', f.step, f.source, f.source_key, f.sqlstate,
					f.message, migration.tap_count(f.attempts, 'attempt')) AS line
			FROM migration.failure f
			WHERE f.resolved_at IS NULL AND (v_step IS NULL OR f.step = v_step)
			  AND (v_source IS NULL OR f.source = v_source)) x;
		IF v_count > 0 THEN
			v_diag := format(E'    %s\n', migration.tap_count(v_count, 'unresolved failure'))
				|| v_lines
				|| CASE WHEN v_count > 10
				        THEN format(E'\n        and %s more: SELECT * FROM migration.unresolved_failures', v_count - 10)
				        ELSE '' END;
		END IF;
	END IF;
	RETURN migration.tap_ok(v_diag IS NULL,
		coalesce(description, migration.tap_subject(v_step, v_source) || ' should have no unresolved failures'), v_diag);
END
$fn$;
COMMENT ON FUNCTION migration.no_unresolved_failures IS 'pgTAP test: no failed record of the step (or of any step) is unresolved';

-- The last verify run of the step (every source, or the one given) found no difference
-- that is still there: no mismatch of that run left unrepaired. It fails when the step was
-- never verified, or its last verify run did not finish.
CREATE FUNCTION migration.verify_clean(step text DEFAULT NULL, source text DEFAULT NULL, description text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
	v_step text := $1;
	v_source text := $2;
	v_diag text := migration.tap_scope_problem($1, $2);
	v_s record;
	v_run record;
	v_m record;
	v_line text;
BEGIN
	FOR v_s IN SELECT * FROM migration.tap_steps(v_step, v_source) WHERE v_diag IS NULL LOOP
		v_line := NULL;
		-- The loader lists a run's steps as "step/source".
		SELECT r.id, r.status, r.message INTO v_run FROM migration.run r
		WHERE r.mode = 'verify' AND NOT r.dry_run AND r.steps && ARRAY[v_s.name || '/' || v_s.source, v_s.name]
		ORDER BY r.id DESC LIMIT 1;
		IF NOT FOUND THEN
			v_line := format('    %s [%s] was never verified (tributary run --mode verify --step %s)',
				v_s.name, v_s.source, v_s.name);
		ELSIF v_run.status = 'running' THEN
			v_line := format('    %s [%s]: verify run %s has not finished', v_s.name, v_s.source, v_run.id);
		ELSIF v_run.status NOT IN ('succeeded', 'succeeded_with_failures') THEN
			v_line := format('    %s [%s]: verify run %s ended %s%s', v_s.name, v_s.source, v_run.id, v_run.status,
				': ' || v_run.message);
		ELSE
			SELECT count(*) AS n, count(*) FILTER (WHERE x.kind = 'missing') AS missing,
				count(*) FILTER (WHERE x.kind = 'different') AS different,
				count(*) FILTER (WHERE x.kind = 'extra') AS extra,
				string_agg(format('        %s %s%s', x.source_key, x.kind,
					CASE WHEN x.known_failure THEN ' (known failure)' ELSE '' END), E'\n' ORDER BY x.id)
					FILTER (WHERE x.no <= 10) AS keys
			INTO v_m
			FROM (SELECT m.*, row_number() OVER (ORDER BY m.id) AS no FROM migration.mismatch m
				WHERE m.run_id = v_run.id AND m.step = v_s.name AND m.source = v_s.source
				  AND m.repaired_at IS NULL) x;
			IF v_m.n > 0 THEN
				v_line := format(E'    %s [%s]: verify run %s found %s (%s missing, %s different, %s extra)\n%s',
					v_s.name, v_s.source, v_run.id, migration.tap_count(v_m.n, 'difference'),
					v_m.missing, v_m.different, v_m.extra, v_m.keys)
					|| CASE WHEN v_m.n > 10
					        THEN format(E'\n        and %s more: SELECT * FROM migration.mismatch WHERE run_id = %s AND repaired_at IS NULL',
					                    v_m.n - 10, v_run.id)
					        ELSE '' END;
			END IF;
		END IF;
		IF v_line IS NOT NULL THEN
			v_diag := concat_ws(E'\n', v_diag, v_line);
		END IF;
	END LOOP;
	RETURN migration.tap_ok(v_diag IS NULL,
		coalesce(description, migration.tap_subject(v_step, v_source) || ' should verify clean'), v_diag);
END
$fn$;
COMMENT ON FUNCTION migration.verify_clean IS 'pgTAP test: the last verify run of the step found no difference that is still there';

-- As many target rows as source rows: the rows of the step's source relation, against
-- the target rows its id map reaches (entries of that source whose target row exists).
CREATE FUNCTION migration.row_counts_match(step text, source text DEFAULT NULL, description text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
	v_step text := $1;
	v_source text := $2;
	v_diag text := migration.tap_scope_problem($1, $2);
	v_s record;
	v_map text;
	v_source_rows bigint;
	v_target_rows bigint;
	v_failures bigint;
BEGIN
	FOR v_s IN SELECT * FROM migration.tap_steps(v_step, v_source) WHERE v_diag IS NULL LOOP
		v_map := migration.map_table(v_s.name);
		IF pg_catalog.to_regclass(v_map) IS NULL THEN
			v_diag := concat_ws(E'\n', v_diag, format('    %s [%s]: its id map %s is missing', v_s.name, v_s.source, v_map));
			CONTINUE;
		END IF;
		EXECUTE format('SELECT count(*) FROM %s', v_s.source_relation) INTO v_source_rows;
		EXECUTE format('SELECT count(*) FROM %s m JOIN %s t ON t.%I = m.target_key WHERE m.source = $1',
			v_map, v_s.target_table, v_s.target_key) INTO v_target_rows USING v_s.source;
		CONTINUE WHEN v_source_rows = v_target_rows;
		SELECT count(*) INTO v_failures FROM migration.failure f
		WHERE f.step = v_s.name AND f.source = v_s.source AND f.resolved_at IS NULL;
		v_diag := concat_ws(E'\n', v_diag,
			format(E'    %s [%s]\n        have: %s rows of %s reachable through %s\n        want: %s rows of %s',
				v_s.name, v_s.source, v_target_rows, v_s.target_table, v_map, v_source_rows, v_s.source_relation)
			|| CASE WHEN v_failures > 0
			        THEN format(E'\n        %s of this step and source (migration.unresolved_failures)',
			                    migration.tap_count(v_failures, 'unresolved failure'))
			        ELSE '' END);
	END LOOP;
	RETURN migration.tap_ok(v_diag IS NULL,
		coalesce(description, migration.tap_subject(v_step, v_source) || ' should have as many target rows as source rows'),
		v_diag);
END
$fn$;
COMMENT ON FUNCTION migration.row_counts_match IS 'pgTAP test: the source relation has as many rows as the id map reaches in the target';

-- Every row of the step's target table has an id map entry (key_mode map: the map's
-- target_key; keep: the kept source key, which the map records as its target_key too).
-- A table loaded by several steps: an entry in any of their id maps will do.
CREATE FUNCTION migration.target_rows_traceable(step text, description text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
	v_step text := $1;
	v_diag text := migration.tap_scope_problem($1, NULL);
	v_t record;
	v_entries text;
	v_maps text;
	v_untraced text;
	v_count bigint;
	v_total bigint;
	v_keys text;
BEGIN
	FOR v_t IN SELECT s.target_table, s.target_key FROM migration.tap_steps(v_step, NULL) s
		WHERE v_diag IS NULL GROUP BY 1, 2 ORDER BY s.target_table::text, s.target_key
	LOOP
		-- The entries of every id map that leads into this table (one anti-join over them all).
		SELECT string_agg(format('SELECT target_key FROM %s', x.map), ' UNION ALL ' ORDER BY x.map),
			string_agg(x.map, ', ' ORDER BY x.map)
		INTO v_entries, v_maps
		FROM (SELECT DISTINCT migration.map_table(s.name) AS map FROM migration.step s
			WHERE s.target_table = v_t.target_table AND s.target_key = v_t.target_key
			  AND pg_catalog.to_regclass(migration.map_table(s.name)) IS NOT NULL) x;
		IF v_entries IS NULL THEN
			v_diag := concat_ws(E'\n', v_diag, format('    %s: no id map of its steps exists', v_t.target_table));
			CONTINUE;
		END IF;
		v_untraced := format('FROM %s t WHERE NOT EXISTS (SELECT 1 FROM (%s) m WHERE m.target_key = t.%I)',
			v_t.target_table, v_entries, v_t.target_key);
		EXECUTE 'SELECT count(*) ' || v_untraced INTO v_count;
		CONTINUE WHEN v_count = 0;
		EXECUTE format('SELECT count(*) FROM %s', v_t.target_table) INTO v_total;
		EXECUTE format('SELECT string_agg(k, '', '') FROM (SELECT t.%I::text AS k %s ORDER BY t.%I LIMIT 10) x',
			v_t.target_key, v_untraced, v_t.target_key) INTO v_keys;
		v_diag := concat_ws(E'\n', v_diag,
			format(E'    %s: %s of %s rows have no entry in %s\n        untraceable %s: %s%s',
				v_t.target_table, v_count, v_total, v_maps, v_t.target_key, v_keys,
				CASE WHEN v_count > 10 THEN format(' and %s more', v_count - 10) ELSE '' END));
	END LOOP;
	RETURN migration.tap_ok(v_diag IS NULL,
		coalesce(description, CASE WHEN v_step IS NULL THEN 'every target row'
		                           ELSE 'every row of ' || coalesce((SELECT s.target_table::text FROM migration.step s
		                                                             WHERE s.name = v_step LIMIT 1), 'the target of step ' || v_step)
		                      END || ' should be traceable to its source key'),
		v_diag);
END
$fn$;
COMMENT ON FUNCTION migration.target_rows_traceable IS 'pgTAP test: every row of the step''s target table has an id map entry';
