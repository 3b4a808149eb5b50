-- Text people write is stored composed (NFC) from now on (src/lib/schemas.ts, COMPOSED_TEXT); what was stored
-- before is composed here, once, so that a search or a name sent composed finds it. Only rows holding text
-- that is not NFC are written. A post so written has its links_changed_at (its Last-Modified) moved, so a
-- client revalidating by date gets the new bytes; its updated_at, what it shows as its update, stays.
UPDATE "posts" SET
  "title" = normalize("title", NFC),
  "excerpt" = normalize("excerpt", NFC),
  "custom_excerpt" = normalize("custom_excerpt", NFC),
  "markdown" = normalize("markdown", NFC),
  "html" = normalize("html", NFC),
  "body_text" = normalize("body_text", NFC),
  "feature_image_alt" = normalize("feature_image_alt", NFC),
  "links_changed_at" = clock_timestamp()
WHERE "title" IS NOT NFC NORMALIZED OR "excerpt" IS NOT NFC NORMALIZED OR "custom_excerpt" IS NOT NFC NORMALIZED
  OR "markdown" IS NOT NFC NORMALIZED OR "html" IS NOT NFC NORMALIZED OR "body_text" IS NOT NFC NORMALIZED
  OR "feature_image_alt" IS NOT NFC NORMALIZED;--> statement-breakpoint
UPDATE "tags" SET "name" = normalize("name", NFC), "description" = normalize("description", NFC)
WHERE "name" IS NOT NFC NORMALIZED OR "description" IS NOT NFC NORMALIZED;--> statement-breakpoint
UPDATE "authors" SET "name" = normalize("name", NFC), "title" = normalize("title", NFC), "bio" = normalize("bio", NFC)
WHERE "name" IS NOT NFC NORMALIZED OR "title" IS NOT NFC NORMALIZED OR "bio" IS NOT NFC NORMALIZED;
