CREATE TABLE "content_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "content_state_single_row" CHECK ("content_state"."id" = 1)
);
--> statement-breakpoint
INSERT INTO "content_state" ("id") VALUES (1) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE FUNCTION "quire_content_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "content_state" SET "version" = "version" + 1, "changed_at" = clock_timestamp() WHERE "id" = 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "posts_content_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "posts" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_changed"();
--> statement-breakpoint
CREATE TRIGGER "tags_content_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "tags" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_changed"();
--> statement-breakpoint
CREATE TRIGGER "authors_content_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "authors" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_changed"();
--> statement-breakpoint
CREATE TRIGGER "post_tags_content_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "post_tags" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_changed"();
--> statement-breakpoint
CREATE TRIGGER "post_authors_content_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "post_authors" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_changed"();
--> statement-breakpoint
CREATE TRIGGER "slug_history_content_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "slug_history" FOR EACH STATEMENT EXECUTE FUNCTION "quire_content_changed"();
