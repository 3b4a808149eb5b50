-- The version of the sanitiser's rules a post's html was last sanitised under (src/content/sanitize.ts,
-- SANITIZER_VERSION): null for the html stored before. And the version every post has been checked against
-- (content_state): after migrations, a start whose rules are newer sanitises again the posts stored under
-- older ones (src/db/backfill.ts), which gives the ids and anchor names written before the prefix it.
ALTER TABLE "content_state" ADD COLUMN "sanitizer_version" smallint;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "sanitizer_version" smallint;
