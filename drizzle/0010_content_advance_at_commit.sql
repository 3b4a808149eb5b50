-- The content version is advanced as a transaction that changed what the public sees commits, no longer
-- at its first such change. A transaction that advanced it held content_state's one row until it ended,
-- and every other public write waited for that row: two writes each waiting for a row the other held (a
-- tag renamed while a post with it is edited: the rename has recorded the old slug, the edit has the post)
-- were a deadlock, broken after a second by rolling one back. Now each such transaction notes itself in
-- content_pending (its own row: no two wait for each other there), and a deferred trigger advances the
-- version, and notifies the replicas, at its commit.
CREATE TABLE "content_pending" (
	"txid" bigint PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "quire_content_advance"() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "content_pending" ("txid") VALUES (txid_current()) ON CONFLICT DO NOTHING;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "quire_content_commit"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  new_version bigint;
BEGIN
  DELETE FROM "content_pending" WHERE "txid" = NEW."txid";
  UPDATE "content_state" SET "version" = "version" + 1, "changed_at" = clock_timestamp() WHERE "id" = 1
    RETURNING "version" INTO new_version;
  PERFORM pg_notify('quire_content', new_version::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "content_pending_commit" AFTER INSERT ON "content_pending"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "quire_content_commit"();
