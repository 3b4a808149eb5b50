-- Content rows' moments to the millisecond, which is what a JavaScript Date holds (src/db/schema.ts): a
-- cursor on sort=-updatedAt carried the last row's time cut to the millisecond, and the next page skipped
-- the rows stamped between that millisecond and the row's own microseconds (clock_timestamp(), now()).
-- Stored values are rounded to the millisecond. One statement per table: each rewrites it once.
ALTER TABLE "posts"
  ALTER COLUMN "published_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "links_changed_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "tags"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "authors"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "slug_history" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "service_secrets" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;
