-- Which tags and authors the public sees (src/modules/posts/post-counts.ts, shownToPublic). Until now: one
-- that no post has, or that a public post has; so a draft's links decided it, both ways. A tag first written
-- with a draft became public when the draft was deleted or retagged, though no post of it was ever out; and
-- a tag or author made through /v1/tags or /v1/authors disappeared, feed and all, while a draft used it.
--
-- Now:
-- - a tag brought in by a post the public cannot see yet (a draft, a scheduled post, or an import of one) is
--   hidden until one of its posts is public; every other tag is shown, whatever drafts use it. Those hidden
--   now stay hidden: the ones posts have, none of them public.
-- - an author is shown once one of their posts is public, as Ghost's Content API shows authors: an author
--   with none is a page without posts, and one made for an embargoed post stays unsaid until it is out.
-- A draft's links change nothing the public sees.
ALTER TABLE "tags" ADD COLUMN "hidden_until_published" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "tags" AS t SET "hidden_until_published" = true
  WHERE EXISTS (SELECT 1 FROM "post_tags" AS l WHERE l."tag_id" = t."id")
    AND NOT EXISTS (SELECT 1 FROM "post_tags" AS l JOIN "posts" AS p ON p."id" = l."post_id"
      WHERE l."tag_id" = t."id" AND p."status" = 'published' AND p."published_at" <= now());--> statement-breakpoint
-- The deferred checks of 0012, which advanced the content version when a draft's link showed or hid one, go.
DROP TRIGGER "post_tags_visibility_at_commit" ON "post_tags";--> statement-breakpoint
DROP TRIGGER "post_authors_visibility_at_commit" ON "post_authors";--> statement-breakpoint
DROP FUNCTION "quire_link_visibility_at_commit"();--> statement-breakpoint
-- A tag or author written advances the content version (0009) when the public sees it: a tag not hidden, or
-- one a published post has (a scheduled one too, as in 0009: its time is read with the version). A tag a
-- draft brings in, or an author before their first post, advances nothing.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
    ('tags', 'NOT r."hidden_until_published" OR ', 'post_tags', 'tag_id'),
    ('authors', '', 'post_authors', 'author_id')) AS v(tab, alone, link, col)
  LOOP
    DECLARE
      shown constant text := t.alone || format('EXISTS (SELECT 1 FROM %I AS l JOIN "posts" AS p ON p."id" = l."post_id" WHERE l.%I = r."id" AND p."status" = ''published'')', t.link, t.col);
    BEGIN
      EXECUTE format('DROP TRIGGER %I ON %I', t.tab || '_content_inserted', t.tab);
      EXECUTE format('DROP TRIGGER %I ON %I', t.tab || '_content_updated', t.tab);
      EXECUTE format('DROP TRIGGER %I ON %I', t.tab || '_content_deleted', t.tab);
      EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_rows_changed"(%L)',
        t.tab || '_content_inserted', t.tab, shown);
      EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_rows_changed"(%L)',
        t.tab || '_content_updated', t.tab, shown);
      EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_rows_changed"(%L)',
        t.tab || '_content_deleted', t.tab, shown);
    END;
  END LOOP;
END
$$;
