CREATE TABLE "feed_departures" (
	"kind" text NOT NULL,
	"target_id" uuid NOT NULL,
	"departed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "websub_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"pinged_until" timestamp with time zone NOT NULL,
	CONSTRAINT "websub_state_single_row" CHECK ("websub_state"."id" = 1)
);
--> statement-breakpoint
CREATE INDEX "feed_departures_departed_at_idx" ON "feed_departures" USING btree ("departed_at");--> statement-breakpoint
-- WebSub (src/feeds/websub.ts) names the feeds that changed since its last round from what the posts are now:
-- the tags and authors of public posts written since. A post that left a tag's or an author's feed (it was
-- unpublished, put back to a later time or deleted, or the tag or author was taken off it) is no longer
-- among them, so the triggers below note each such departure in feed_departures, as it is made. Public means
-- as the API reads it (src/modules/posts/visibility.ts): published, and its time come.
--
-- The table is a log: rows are only added, so two writes leaving the same feeds never wait for one another
-- (a row per tag, updated, would make every write that unpublishes or retags posts of a popular tag queue
-- behind the others, and deadlock them when they note tags and authors in other orders). The rounds read
-- the departures since the last one, and a replica starting, those since the last round of any; the old
-- ones are pruned outside any write (pruneFeedDepartures in src/db/feed-departures.ts).
CREATE FUNCTION "quire_note_departures"(departed_kind text, target_ids uuid[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "feed_departures" ("kind", "target_id", "departed_at")
    SELECT DISTINCT departed_kind, t."id", clock_timestamp() FROM unnest(target_ids) AS t("id");
$$;
--> statement-breakpoint
-- The feeds of every tag and author of these posts, as their links are now.
CREATE FUNCTION "quire_posts_departed"(post_ids uuid[]) RETURNS void LANGUAGE sql AS $$
  SELECT "quire_note_departures"('tag', ARRAY(SELECT "tag_id" FROM "post_tags" WHERE "post_id" = ANY (post_ids)));
  SELECT "quire_note_departures"('author', ARRAY(SELECT "author_id" FROM "post_authors" WHERE "post_id" = ANY (post_ids)));
$$;
--> statement-breakpoint
-- A public post deleted: before its row goes, while its links (deleted with it, after it) are still there.
-- Row by row, as no statement-level trigger sees both the post and its links: deleting many posts in one
-- statement takes three to four times as long (5.9 s rather than 1.6 for 20,000 public posts of the
-- benchmark's archive).
CREATE FUNCTION "quire_post_deleted_departs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."status" = 'published' AND OLD."published_at" <= now() THEN
    PERFORM "quire_posts_departed"(ARRAY[OLD."id"]);
  END IF;
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "posts_deleted_depart" BEFORE DELETE ON "posts" FOR EACH ROW EXECUTE FUNCTION "quire_post_deleted_departs"();
--> statement-breakpoint
-- Public posts that an update made no longer public: the feeds of their links as they are after the
-- statement. A write sets a post's links before its row, so the links it took off were noted as they went.
CREATE FUNCTION "quire_posts_updated_depart"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  departed uuid[];
BEGIN
  SELECT array_agg(o."id") INTO departed FROM "old_rows" AS o JOIN "new_rows" AS n ON n."id" = o."id"
    WHERE o."status" = 'published' AND o."published_at" <= now()
      AND NOT coalesce(n."status" = 'published' AND n."published_at" <= now(), false);
  IF departed IS NOT NULL THEN
    PERFORM "quire_posts_departed"(departed);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "posts_updated_depart" AFTER UPDATE ON "posts" REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "quire_posts_updated_depart"();
--> statement-breakpoint
-- Links taken off a public post. TG_ARGV[0]: the kind of feed (tag, author); TG_ARGV[1]: the link's column
-- naming it. A post deleted takes its links with it after its row: that departure was noted before.
CREATE FUNCTION "quire_links_deleted_depart"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  departed uuid[];
BEGIN
  EXECUTE format('SELECT array_agg(r.%I) FROM "old_rows" AS r JOIN "posts" AS p ON p."id" = r."post_id"
    WHERE p."status" = ''published'' AND p."published_at" <= now()', TG_ARGV[1]) INTO departed;
  IF departed IS NOT NULL THEN
    PERFORM "quire_note_departures"(TG_ARGV[0], departed);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "post_tags_deleted_depart" AFTER DELETE ON "post_tags" REFERENCING OLD TABLE AS "old_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "quire_links_deleted_depart"('tag', 'tag_id');
--> statement-breakpoint
CREATE TRIGGER "post_authors_deleted_depart" AFTER DELETE ON "post_authors" REFERENCING OLD TABLE AS "old_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "quire_links_deleted_depart"('author', 'author_id');
