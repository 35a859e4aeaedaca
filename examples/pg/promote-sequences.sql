-- Run on a PostgreSQL mirror of a captured PostgreSQL primary when it is promoted (after
-- jpromote, before the application writes): every sequence the primary had, and that this
-- database has too (its schema seeded with pg_dump --schema-only of the primary), is set so
-- that nextval never returns a value the primary used: past the last value the capture
-- journaled (table captured_sequences) and past the highest value in the column the
-- sequence is owned by (a serial or identity column).
--
--   psql -v ON_ERROR_STOP=1 -d mirror -f promote-sequences.sql
DO $$
DECLARE
	r record;
	v bigint;
BEGIN
	FOR r IN
		SELECT s.name, s.value, c.oid AS seq, d.refobjid::regclass AS tbl, a.attname AS col
		FROM public.captured_sequences s
		JOIN pg_class c ON c.oid = to_regclass(s.name)
		LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
			AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
		LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
	LOOP
		v := r.value;
		IF r.col IS NOT NULL THEN
			EXECUTE format('SELECT greatest($1, max(%I)) FROM %s', r.col, r.tbl)
				INTO v USING r.value;
		END IF;
		PERFORM setval(r.seq, v);
		RAISE NOTICE 'sequence % set to %', r.name, v;
	END LOOP;
END $$;
