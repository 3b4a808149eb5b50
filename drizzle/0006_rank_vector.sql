ALTER TABLE "posts" ADD COLUMN "rank_vector" "tsvector";--> statement-breakpoint
-- What a search ranks by: the title (A), excerpt and tag names (B) of the search document, without the
-- body. Ranking reads it for every candidate; the whole search vector is kilobytes, out of line.
CREATE FUNCTION "quire_post_rank_vector"("p_id" uuid, "p_title" text, "p_excerpt" text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector('english', coalesce(p_title, '')), 'A')
      || setweight(to_tsvector('english', coalesce(p_excerpt, '') || ' ' || coalesce(
           (SELECT string_agg(t.name, ' ') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p_id), '')), 'B')
$$;
--> statement-breakpoint
-- The search document is the rank vector and the body (D): the same as quire_post_search_vector.
CREATE OR REPLACE FUNCTION "quire_posts_search_trigger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.rank_vector := quire_post_rank_vector(NEW.id, NEW.title, NEW.excerpt);
  NEW.search_vector := NEW.rank_vector || setweight(to_tsvector('english', coalesce(NEW.html, '')), 'D');
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Existing posts get theirs now (before the trigger below watches the column: their search vectors stand).
UPDATE "posts" SET "rank_vector" = quire_post_rank_vector("id", "title", "excerpt");
--> statement-breakpoint
-- Writing either vector directly makes the trigger compute both again, so they cannot drift apart.
DROP TRIGGER "posts_search_vector" ON "posts";
--> statement-breakpoint
CREATE TRIGGER "posts_search_vector" BEFORE INSERT OR UPDATE OF "title", "excerpt", "html", "search_vector", "rank_vector" ON "posts"
  FOR EACH ROW EXECUTE FUNCTION "quire_posts_search_trigger"();
