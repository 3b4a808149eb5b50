-- The site's Atom feed is named by a UUID the database makes once (service_secrets 'site-feed-id', see
-- src/feeds/routes.ts), as a tag's is by the tag's id. A database that already has posts has been serving
-- its site feed named by its URL, and an Atom id must not change (RFC 4287 4.2.6): it keeps that name.
INSERT INTO "service_secrets" ("name", "value")
SELECT 'site-feed-id', 'feed-url' WHERE EXISTS (SELECT 1 FROM "posts")
ON CONFLICT ("name") DO NOTHING;
