ALTER TABLE "posts" ADD COLUMN "body_text" text;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "search_vector" "tsvector";--> statement-breakpoint
CREATE INDEX "posts_search_idx" ON "posts" USING gin ("search_vector");--> statement-breakpoint
-- The search document of a post: title (A), excerpt and tag names (B), body (D). The default parser
-- skips html tags and entities, so the stored html can be indexed as it is.
CREATE FUNCTION "quire_post_search_vector"("p_id" uuid, "p_title" text, "p_excerpt" text, "p_html" text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector('english', coalesce(p_title, '')), 'A')
      || setweight(to_tsvector('english', coalesce(p_excerpt, '') || ' ' || coalesce(
           (SELECT string_agg(t.name, ' ') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p_id), '')), 'B')
      || setweight(to_tsvector('english', coalesce(p_html, '')), 'D')
$$;
--> statement-breakpoint
CREATE FUNCTION "quire_posts_search_trigger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := quire_post_search_vector(NEW.id, NEW.title, NEW.excerpt, NEW.html);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "posts_search_vector" BEFORE INSERT OR UPDATE OF "title", "excerpt", "html", "search_vector" ON "posts"
  FOR EACH ROW EXECUTE FUNCTION "quire_posts_search_trigger"();
--> statement-breakpoint
-- Tag links and tag names feed the document too: touching search_vector makes the trigger above recompute it.
CREATE FUNCTION "quire_post_tags_search_trigger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE posts SET search_vector = NULL WHERE id IN (SELECT DISTINCT post_id FROM new_links);
  ELSE
    UPDATE posts SET search_vector = NULL WHERE id IN (SELECT DISTINCT post_id FROM old_links);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "post_tags_search_insert" AFTER INSERT ON "post_tags" REFERENCING NEW TABLE AS "new_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "quire_post_tags_search_trigger"();
--> statement-breakpoint
CREATE TRIGGER "post_tags_search_delete" AFTER DELETE ON "post_tags" REFERENCING OLD TABLE AS "old_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "quire_post_tags_search_trigger"();
--> statement-breakpoint
CREATE FUNCTION "quire_tags_search_trigger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE posts SET search_vector = NULL WHERE id IN (SELECT post_id FROM post_tags WHERE tag_id = NEW.id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "tags_search_rename" AFTER UPDATE OF "name" ON "tags"
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION "quire_tags_search_trigger"();
--> statement-breakpoint
-- Existing posts become searchable now, with no manual step.
UPDATE "posts" SET "search_vector" = NULL;
