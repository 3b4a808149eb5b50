-- The version of the sanitiser's rules a post's html was last sanitised under (src/content/sanitize.ts,
-- SANITIZER_VERSION). Null for the html stored before: it is sanitised again after migrations
-- (src/db/backfill.ts), which gives its ids and anchor names the prefix that later rules add.
ALTER TABLE "posts" ADD COLUMN "sanitizer_version" smallint;
