import { sql, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'

/**
 * What a list sorted by title or name orders by: the text without case or accents ("Édition" orders as
 * "edition", "apple" before "SLOs"), so that an A–Z list reads alphabetically on every database. Ordered by
 * the text itself, PGlite and a PostgreSQL created with the C locale compare bytes: capitals before small
 * letters, accented letters after z. Indexed as an expression (see schema.ts), which a query ordering by
 * the same expression uses: normalize, regexp_replace and lower are immutable. The marks taken off are
 * Unicode's combining diacritical marks, which NFKD splits from their letters.
 */
export function alphabetical(column: PgColumn): SQL<string> {
  return sql<string>`lower(regexp_replace(normalize(${column}, NFKD), '[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f]', '', 'g'))`
}
