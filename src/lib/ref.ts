import { eq, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import { isUuid } from './schemas.js'

/** How a path reference is looked up: by id when it is a UUID (any case), by current slug otherwise. */
export function refLookup(idOrSlug: string): { by: 'id' | 'slug'; value: string } {
  return isUuid(idOrSlug) ? { by: 'id', value: idOrSlug.toLowerCase() } : { by: 'slug', value: idOrSlug }
}

/** The row a path reference names (see refLookup). */
export function refCondition(table: { id: PgColumn; slug: PgColumn }, idOrSlug: string): SQL {
  const { by, value } = refLookup(idOrSlug)
  return eq(table[by], value)
}
