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

-- A 64-bit hash of a row's values (each column in its text form, NULL distinct from
-- every value): how local-diff and verify compare a source row with its target row.
CREATE FUNCTION migration.fingerprint(record) RETURNS bigint
	AS 'MODULE_PATHNAME', 'tributary_fingerprint' LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION migration.fingerprint(record) IS 'hash of a row''s values in their text form; equal rows, equal fingerprints';

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
	EXECUTE format('CREATE TABLE IF NOT EXISTS %s (source text NOT NULL, %s target_key %s NOT NULL, '
		'fingerprint bigint, scope jsonb, migrated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (source, %s))',
		migration.map_table(v_name), v_key_types, v_target_type,
		(SELECT string_agg(pg_catalog.quote_ident(k), ', ') FROM unnest(source_key) AS k));
	EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (target_key)', 'map_' || v_name || '_target', migration.map_table(v_name));
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
