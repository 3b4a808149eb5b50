-- A tag or author that posts have, none of them public, is hidden from the public; one that no post has is
-- shown (src/modules/posts/post-counts.ts). So a link of a draft (or a scheduled post) changes what the
-- public sees when the tag or author has no published post: the draft's first link hides it, its last one
-- (an edit, or the draft deleted) shows it again. The statement triggers of 0009 advance the content
-- version for a published post's links only.
--
-- Here each link written or removed is looked at again as its transaction commits (a deferred trigger), when
-- the links other transactions committed meanwhile are seen too: a published post's last link to the tag
-- removed meanwhile (the tag is then hidden by the draft's link, not shown) is not missed, as a check made
-- when the draft's link was written would miss it; only one committed in the instant between this check and
-- the commit could be. The version advances when the tag or author has no published post then. A draft's
-- link to one that published posts have changes nothing public and advances nothing; neither does a draft
-- saved without a change to its links (the write leaves them as they are).
-- (A scheduled post counts as published here: its tag is hidden until its time whatever drafts do, and the
-- version is read with that time.)
CREATE FUNCTION "quire_link_visibility_at_commit"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  -- TG_ARGV[0]: the link's column naming the tag or author (tag_id, author_id).
  linked uuid := (to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END) ->> TG_ARGV[0])::uuid;
  unpublished_only boolean;
BEGIN
  EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %I AS l JOIN "posts" AS p ON p."id" = l."post_id" WHERE l.%I = $1 AND p."status" = ''published'')',
    TG_TABLE_NAME, TG_ARGV[0]) INTO unpublished_only USING linked;
  IF unpublished_only THEN
    PERFORM "quire_content_advance"();
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "post_tags_visibility_at_commit" AFTER INSERT OR DELETE ON "post_tags"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "quire_link_visibility_at_commit"('tag_id');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "post_authors_visibility_at_commit" AFTER INSERT OR DELETE ON "post_authors"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "quire_link_visibility_at_commit"('author_id');
