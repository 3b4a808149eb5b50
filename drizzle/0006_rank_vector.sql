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
-- Existing posts get theirs now (their search vectors are unchanged, so the trigger above does not run).
UPDATE "posts" SET "rank_vector" = quire_post_rank_vector("id", "title", "excerpt");
