-- A tag or author that posts have, none of them public, is hidden from the public; one that no post has is
-- shown (src/modules/posts/post-counts.ts). So a link of a draft (or a scheduled post) changes what the
-- public sees when the tag or author has no published post: the draft's first link hides it, its last one
-- (an edit, or the draft deleted) shows it again. Such a link now advances the content version, as a
-- published post's always did (0009); a draft's link to a tag some published post has still does not.
-- (A scheduled post counts as published here: its tag is hidden until its time whatever drafts do, and the
-- version is read with that time.)
DO $$
DECLARE
  -- As in 0009: the post's row is locked before its status is read.
  published_post constant text := '(SELECT p."status" FROM "posts" AS p WHERE p."id" = r."post_id" FOR SHARE) = ''published''';
  -- Whether the linked row (tag or author) has no published post now, the statement's change included.
  unpublished_only constant text := 'NOT EXISTS (SELECT 1 FROM %1$I AS l JOIN "posts" AS p ON p."id" = l."post_id" WHERE l.%2$I = r.%2$I AND p."status" = ''published'')';
  shown constant jsonb := jsonb_build_object(
    'post_tags', published_post || ' OR ' || format(unpublished_only, 'post_tags', 'tag_id'),
    'post_authors', published_post || ' OR ' || format(unpublished_only, 'post_authors', 'author_id'));
  t text;
BEGIN
  FOR t IN SELECT jsonb_object_keys(shown) LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_content_inserted', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_content_updated', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_content_deleted', t);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_rows_changed"(%L)',
      t || '_content_inserted', t, shown ->> t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_rows_changed"(%L)',
      t || '_content_updated', t, shown ->> t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_rows_changed"(%L)',
      t || '_content_deleted', t, shown ->> t);
  END LOOP;
END
$$;
