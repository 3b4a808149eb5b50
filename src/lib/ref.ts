import { eq, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import { isUuid } from './schemas.js'

/** The row a path reference names: by id when it is a UUID, by current slug otherwise. */
export function refCondition(table: { id: PgColumn; slug: PgColumn }, idOrSlug: string): SQL {
  return isUuid(idOrSlug) ? eq(table.id, idOrSlug.toLowerCase()) : eq(table.slug, idOrSlug)
}
