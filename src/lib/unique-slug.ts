import { eq, getTableName, like, or } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import { lockFor } from '../db/advisory-lock.js'
import type { Executor } from '../db/client.js'
import { firstFreeSlug, SLUG_MAX_LENGTH, slugFrom, SUFFIX_ROOM } from './slugs.js'

/**
 * A free slug derived from `text` in `table` (`base`, `base-2`, ...). Two writes deriving from the same base
 * take turns (until the first commits), so that the second finds the first's slug taken rather than taking
 * it too. A slug given by the client is not derived: the unique index refuses one that is taken.
 */
export async function uniqueSlugFor(tx: Executor, table: PgTable & { slug: PgColumn }, text: string, fallback: string): Promise<string> {
  const base = slugFrom(text, fallback)
  await lockFor(tx, 'slug', `${getTableName(table)}:${base}`)
  // A base near the longest a slug may be is cut to make room for its suffix (`…-failov-2`): the candidates
  // are then among the slugs that begin like the shortest cut.
  const stem = base.slice(0, Math.min(base.length, SLUG_MAX_LENGTH - SUFFIX_ROOM))
  const rows = await tx
    .select({ slug: table.slug })
    .from(table as PgTable)
    .where(stem === base ? or(eq(table.slug, base), like(table.slug, `${base}-%`)) : like(table.slug, `${stem}%`))
  return firstFreeSlug(base, new Set(rows.map((r) => r.slug as string)))
}
