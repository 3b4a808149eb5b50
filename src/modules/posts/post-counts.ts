import { asc, count, desc, eq, getTableColumns, sql, type InferSelectModel } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Executor } from '../../db/client.js'
import { offsetOf, type PageRequest } from '../../lib/paging.js'
import { refCondition } from '../../lib/ref.js'
import { publicPostCounts } from './visibility.js'

type LinkedTable = PgTable & { id: PgColumn; slug: PgColumn; name: PgColumn }
export type CountSort = 'name' | '-postCount'

/**
 * Reads for a resource linked to posts (tags, authors): rows with their published-post count, listed by
 * name or by count, or found by slug. One query shape serves both resources.
 */
export function linkedResourceQueries<T extends LinkedTable>(table: T, link: { resourceId: PgColumn; postId: PgColumn }) {
  type Row = InferSelectModel<T> & { postCount: number }

  function selectWithCounts(db: Executor) {
    const counts = publicPostCounts(db, link.resourceId, link.postId, 'post_counts')
    const postCount = sql<number>`coalesce(${counts.postCount}, 0)::int`
    const query = db
      .select({ ...getTableColumns(table as LinkedTable), postCount })
      .from(table as LinkedTable)
      .leftJoin(counts, eq(counts.id, table.id))
      .$dynamic()
    return { query, postCount }
  }

  return {
    async list(db: Executor, sort: CountSort, page: PageRequest): Promise<{ rows: Row[]; total: number }> {
      const { query, postCount } = selectWithCounts(db)
      const byName = [asc(table.name), asc(table.id)]
      const [rows, [totalRow]] = await Promise.all([
        query.orderBy(...(sort === '-postCount' ? [desc(postCount), ...byName] : byName)).limit(page.limit).offset(offsetOf(page)),
        db.select({ n: count() }).from(table as LinkedTable),
      ])
      return { rows: rows as Row[], total: totalRow?.n ?? 0 }
    },

    async find(db: Executor, idOrSlug: string): Promise<Row | undefined> {
      const [row] = await selectWithCounts(db).query.where(refCondition(table, idOrSlug))
      return row as Row | undefined
    },
  }
}
