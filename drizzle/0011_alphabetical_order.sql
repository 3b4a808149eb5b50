-- Lists sorted by title (posts) or name (tags, authors) order by the text without case or accents (see
-- src/db/sort-key.ts): PGlite and a C-locale PostgreSQL compare bytes, capitals before small letters and
-- accented letters after z. The indexes are on that expression, which the queries order by.
DROP INDEX "posts_title_idx";--> statement-breakpoint
DROP INDEX "tags_name_idx";--> statement-breakpoint
CREATE INDEX "authors_name_key_idx" ON "authors" USING btree (lower(regexp_replace(normalize("name", NFKD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')),"id");--> statement-breakpoint
CREATE INDEX "posts_title_key_idx" ON "posts" USING btree (lower(regexp_replace(normalize("title", NFKD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')),"id");--> statement-breakpoint
CREATE INDEX "tags_name_key_idx" ON "tags" USING btree (lower(regexp_replace(normalize("name", NFKD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')),"id");