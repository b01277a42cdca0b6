-- Moves a database whose users and profiles the service numbered itself to the platform's ids: once,
-- with every instance of the service stopped, before JWT_JWKS_URL or INTEGRATION_TOKEN is set
-- (docs/integrating.md, "Moving an existing database to your ids"). Back the database up first.
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/move-to-platform-ids.sql
--
-- Before it runs, fill two maps, one row for EVERY user and EVERY profile (the script refuses otherwise):
--   CREATE TABLE id_map_users    (old_id bigint PRIMARY KEY, new_id bigint NOT NULL UNIQUE CHECK (new_id > 0));
--   CREATE TABLE id_map_profiles (old_id bigint PRIMARY KEY, new_id bigint NOT NULL UNIQUE CHECK (new_id > 0));
--
-- One transaction: any error rolls all of it back. What names a user or a profile is rewritten:
-- - every column with a foreign key to users(id) or profiles(id), found in the catalogue (so tables
--   added by later migrations are covered); the keys are dropped and created again as they were;
-- - the ledger's `moderator:<user id>` accounts (the append-only trigger is off for this transaction
--   only: the rows keep their points, kind and order, only the account's name follows the user);
-- - the ids inside stored notifications (clientId, moderatorId, profileId);
-- - the moderators' saved earnings checkpoints are deleted (always safe: they are made again).
-- Ids go through their negatives first, so that no unique key meets an id another row still holds.
-- Then `npm run ledger:verify` must pass before the service starts again.

BEGIN;

DO $$
DECLARE
  fk record;
  keys jsonb := '[]'::jsonb;
  target text;
  map text;
  stray bigint;
BEGIN
  IF to_regclass('id_map_users') IS NULL OR to_regclass('id_map_profiles') IS NULL THEN
    RAISE EXCEPTION 'create and fill id_map_users and id_map_profiles first (see the top of this script)';
  END IF;
  IF EXISTS (SELECT 1 FROM users u WHERE NOT EXISTS (SELECT 1 FROM id_map_users m WHERE m.old_id = u.id)) THEN
    RAISE EXCEPTION 'id_map_users must map every user: % are missing',
      (SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM id_map_users m WHERE m.old_id = u.id));
  END IF;
  IF EXISTS (SELECT 1 FROM profiles p WHERE NOT EXISTS (SELECT 1 FROM id_map_profiles m WHERE m.old_id = p.id)) THEN
    RAISE EXCEPTION 'id_map_profiles must map every profile: % are missing',
      (SELECT count(*) FROM profiles p WHERE NOT EXISTS (SELECT 1 FROM id_map_profiles m WHERE m.old_id = p.id));
  END IF;
  IF EXISTS (SELECT 1 FROM id_map_users WHERE new_id <= 0 OR new_id > 999999999999999999)
     OR EXISTS (SELECT 1 FROM id_map_profiles WHERE new_id <= 0 OR new_id > 999999999999999999) THEN
    RAISE EXCEPTION 'new ids must be positive integers of at most 18 digits';
  END IF;
  IF EXISTS (SELECT 1 FROM outbox_events WHERE published_at IS NULL) THEN
    RAISE EXCEPTION 'the outbox still holds events to publish, which name the old ids: start the service once, let it publish them, stop it, run this again';
  END IF;

  -- Every foreign key to users or profiles, kept to be made again after the move.
  FOR fk IN
    SELECT c.conname, c.conrelid::regclass::text AS tbl, a.attname AS col, c.confrelid::regclass::text AS ref,
           pg_get_constraintdef(c.oid) AS definition
      FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.contype = 'f' AND c.confrelid IN ('users'::regclass, 'profiles'::regclass)
  LOOP
    IF array_length((SELECT conkey FROM pg_constraint WHERE conname = fk.conname AND conrelid = fk.tbl::regclass), 1) <> 1 THEN
      RAISE EXCEPTION 'foreign key % has several columns: not handled', fk.conname;
    END IF;
    keys := keys || jsonb_build_object('name', fk.conname, 'tbl', fk.tbl, 'col', fk.col, 'ref', fk.ref, 'definition', fk.definition);
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
  END LOOP;

  -- The referencing columns, then the keys themselves: to the negative of the new id, then its sign turned.
  FOR fk IN SELECT * FROM jsonb_to_recordset(keys) AS k(name text, tbl text, col text, ref text, definition text) LOOP
    map := CASE WHEN fk.ref = 'users' THEN 'id_map_users' ELSE 'id_map_profiles' END;
    EXECUTE format('UPDATE %s t SET %I = -m.new_id FROM %I m WHERE t.%I = m.old_id', fk.tbl, fk.col, map, fk.col);
  END LOOP;
  UPDATE users u SET id = -m.new_id FROM id_map_users m WHERE u.id = m.old_id;
  UPDATE profiles p SET id = -m.new_id FROM id_map_profiles m WHERE p.id = m.old_id;
  FOR fk IN SELECT * FROM jsonb_to_recordset(keys) AS k(name text, tbl text, col text, ref text, definition text) LOOP
    EXECUTE format('UPDATE %s SET %I = -%I WHERE %I < 0', fk.tbl, fk.col, fk.col, fk.col);
  END LOOP;
  UPDATE users SET id = -id WHERE id < 0;
  UPDATE profiles SET id = -id WHERE id < 0;

  FOR fk IN SELECT * FROM jsonb_to_recordset(keys) AS k(name text, tbl text, col text, ref text, definition text) LOOP
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tbl, fk.name, fk.definition);
  END LOOP;

  -- The ledger names a moderator's account by user id. Each row is matched by its name before this statement.
  ALTER TABLE ledger_transfers DISABLE TRIGGER tr_ledger_transfers_append_only;
  UPDATE ledger_transfers t SET debit_account = 'moderator:' || m.new_id FROM id_map_users m WHERE t.debit_account = 'moderator:' || m.old_id;
  UPDATE ledger_transfers t SET credit_account = 'moderator:' || m.new_id FROM id_map_users m WHERE t.credit_account = 'moderator:' || m.old_id;
  ALTER TABLE ledger_transfers ENABLE TRIGGER tr_ledger_transfers_append_only;
  DELETE FROM earnings_checkpoints;

  UPDATE notifications n SET payload = jsonb_set(n.payload, '{clientId}', to_jsonb(m.new_id::text)) FROM id_map_users m WHERE n.payload->>'clientId' = m.old_id::text;
  UPDATE notifications n SET payload = jsonb_set(n.payload, '{moderatorId}', to_jsonb(m.new_id::text)) FROM id_map_users m WHERE n.payload->>'moderatorId' = m.old_id::text;
  UPDATE notifications n SET payload = jsonb_set(n.payload, '{profileId}', to_jsonb(m.new_id::text)) FROM id_map_profiles m WHERE n.payload->>'profileId' = m.old_id::text;

  -- Nothing may name an id that is not a new one.
  FOR fk IN SELECT * FROM jsonb_to_recordset(keys) AS k(name text, tbl text, col text, ref text, definition text) LOOP
    target := CASE WHEN fk.ref = 'users' THEN 'id_map_users' ELSE 'id_map_profiles' END;
    EXECUTE format('SELECT t.%I FROM %s t WHERE t.%I IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %I m WHERE m.new_id = t.%I) LIMIT 1', fk.col, fk.tbl, fk.col, target, fk.col)
      INTO stray;
    IF stray IS NOT NULL THEN
      RAISE EXCEPTION '%.% still names % outside the map', fk.tbl, fk.col, stray;
    END IF;
  END LOOP;
  RAISE NOTICE 'moved % users and % profiles; % foreign keys made again', (SELECT count(*) FROM users), (SELECT count(*) FROM profiles), jsonb_array_length(keys);
END $$;

COMMIT;
