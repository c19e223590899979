-- The C/C++ boundary (fdw/pg/guard.hpp): errors cross it in both directions, the C++
-- destructors run, the client gets the original SQLSTATE, and the session stays healthy.
CREATE FUNCTION boundary_outcome(mode text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM tributary_boundary_check(mode);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

SELECT tributary_boundary_destructor_runs() AS runs_before \gset
SELECT tributary_boundary_check('ok');                                  -- 2 destructors
SELECT tributary_boundary_destructor_runs() - :runs_before AS destructors_ran;

-- A PostgreSQL ereport inside C++ code that owns destructors, at top level (no subtransaction).
SELECT tributary_boundary_destructor_runs() AS runs_before \gset
SELECT tributary_boundary_check('pg_error');
SELECT tributary_boundary_destructor_runs() - :runs_before AS destructors_ran;
SELECT 1 + 1 AS next_query_works;

-- A C++ exception thrown inside the callback, at top level.
SELECT tributary_boundary_destructor_runs() AS runs_before \gset
SELECT tributary_boundary_check('exception');
SELECT tributary_boundary_destructor_runs() - :runs_before AS destructors_ran;
SELECT 2 + 2 AS next_query_works;

-- Each kind of failure, with its SQLSTATE, through a PL/pgSQL exception block.
SELECT mode, boundary_outcome(mode)
FROM unnest(ARRAY['ok', 'pg_error', 'exception', 'bad_alloc', 'remote_error',
                  'unknown_exception', 'no such mode']) AS mode;

-- The remote error keeps its detail and its remote SQL as context.
\set SHOW_CONTEXT always
SELECT tributary_boundary_check('remote_error');
\set SHOW_CONTEXT errors

-- Inside an explicit transaction: the error aborts it, ROLLBACK recovers it.
BEGIN;
SELECT tributary_boundary_check('pg_error');
SELECT 1;
ROLLBACK;
SELECT 'after rollback' AS state;

-- No leaked memory: a thousand errors later, no boundary-check context remains and the
-- backend's memory has not grown (a warm-up run first fills the caches PL/pgSQL needs).
CREATE FUNCTION boundary_errors(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	i int;
BEGIN
	FOR i IN 1..n LOOP
		BEGIN
			PERFORM tributary_boundary_check(CASE i % 3 WHEN 0 THEN 'pg_error'
			                                            WHEN 1 THEN 'exception'
			                                            ELSE 'remote_error' END);
		EXCEPTION WHEN OTHERS THEN
			NULL;
		END;
	END LOOP;
END $$;
SELECT boundary_errors(1000);
SELECT sum(total_bytes) AS bytes_before FROM pg_backend_memory_contexts \gset
SELECT boundary_errors(1000);
SELECT count(*) AS leftover_contexts FROM pg_backend_memory_contexts
WHERE name = 'tributary boundary check';
SELECT sum(total_bytes) AS bytes_after FROM pg_backend_memory_contexts \gset
SELECT :bytes_after - :bytes_before < 65536 AS memory_did_not_grow_with_errors;

DROP FUNCTION boundary_errors(int);
DROP FUNCTION boundary_outcome(text);
