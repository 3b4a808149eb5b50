import { eq, like, or } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Executor } from '../db/client.js'
import { firstFreeSlug, slugFrom } from './slugs.js'

/** A free slug derived from `text` in `table` (`base`, `base-2`, ...). A unique index still guards races. */
export async function uniqueSlugFor(tx: Executor, table: PgTable & { slug: PgColumn }, text: string, fallback: string): Promise<string> {
  const base = slugFrom(text, fallback)
  const rows = await tx
    .select({ slug: table.slug })
    .from(table as PgTable)
    .where(or(eq(table.slug, base), like(table.slug, `${base}-%`)))
  return firstFreeSlug(base, new Set(rows.map((r) => r.slug as string)))
}
