-- Every content change also tells listening API replicas the new version, so their response caches
-- are never stale (src/db/content-version.ts). NOTIFY is delivered when the writing transaction commits.
CREATE OR REPLACE FUNCTION "quire_content_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  new_version bigint;
BEGIN
  UPDATE "content_state" SET "version" = "version" + 1, "changed_at" = clock_timestamp() WHERE "id" = 1
    RETURNING "version" INTO new_version;
  PERFORM pg_notify('quire_content', new_version::text);
  RETURN NULL;
END
$$;
