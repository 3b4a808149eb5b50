-- The content version now moves only with what a reader without a key can see (src/db/content-version.ts):
-- a draft saved, created or deleted changes no public response, so it no longer empties every replica's
-- response cache, moves the feeds' Last-Modified or makes its writer wait for the replicas to confirm.
-- Reads with a key (the only ones that see drafts) are never cached.
--
-- Each content table's statement-level triggers look at the rows the statement changed (its transition
-- tables) and advance the version when one of them is public, or was: a published post (a scheduled one
-- too: its time is read with the version), the links and old slugs of one, any tag or author (lists show
-- them all). A statement that changed no row (a tag created "on conflict do nothing") advances nothing.
CREATE FUNCTION "quire_content_advance"() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  new_version bigint;
BEGIN
  UPDATE "content_state" SET "version" = "version" + 1, "changed_at" = clock_timestamp() WHERE "id" = 1
    RETURNING "version" INTO new_version;
  PERFORM pg_notify('quire_content', new_version::text);
END
$$;
--> statement-breakpoint
-- TRUNCATE has no transition table: it always advances.
CREATE OR REPLACE FUNCTION "quire_content_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "quire_content_advance"();
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- TG_ARGV[0]: what makes a changed row `r` public, as SQL.
CREATE FUNCTION "quire_content_rows_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  shown boolean := false;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM "new_rows" AS r WHERE %s)', TG_ARGV[0]) INTO shown;
  END IF;
  IF NOT shown AND TG_OP IN ('UPDATE', 'DELETE') THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM "old_rows" AS r WHERE %s)', TG_ARGV[0]) INTO shown;
  END IF;
  IF shown THEN
    PERFORM "quire_content_advance"();
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
DO $$
DECLARE
  -- The post's row is locked (FOR SHARE) before its status is read: a transaction publishing it meanwhile
  -- then waits for this one to commit, and advances the version after it, rather than both committing with
  -- the version advanced only before this change (a read in between would keep it stale).
  -- (A scalar subquery: a filter on its status beside the lock would be pushed into it, and lock no draft.)
  published_post constant text := '(SELECT p."status" FROM "posts" AS p WHERE p."id" = %s FOR SHARE) = ''published''';
  shown constant jsonb := jsonb_build_object(
    'posts', 'r."status" = ''published''',
    'post_tags', format(published_post, 'r."post_id"'),
    'post_authors', format(published_post, 'r."post_id"'),
    'slug_history', 'r."kind" <> ''post'' OR ' || format(published_post, 'r."target_id"'),
    'tags', 'true',
    'authors', 'true');
  t text;
BEGIN
  FOR t IN SELECT jsonb_object_keys(shown) LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_content_changed', t);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_rows_changed"(%L)',
      t || '_content_inserted', t, shown ->> t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_rows_changed"(%L)',
      t || '_content_updated', t, shown ->> t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_rows_changed"(%L)',
      t || '_content_deleted', t, shown ->> t);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_changed"()',
      t || '_content_truncated', t);
  END LOOP;
END
$$;
