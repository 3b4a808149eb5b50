import { and, asc, count, desc, eq, exists, getTableColumns, not, or, sql, type InferSelectModel } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Executor } from '../../db/client.js'
import { posts } from '../../db/schema.js'
import { alphabetical } from '../../db/sort-key.js'
import type { CursorValue, KeysetOptions } from '../../lib/cursor.js'
import { offsetOf, type PageRequest } from '../../lib/paging.js'
import { refCondition } from '../../lib/ref.js'
import { isPublic, publicPostCounts } from './visibility.js'

type LinkedTable = PgTable & { id: PgColumn; slug: PgColumn; name: PgColumn }
export type CountSort = 'name' | '-postCount'
/** Who reads a tag or author: the public, or a key holder, who sees every one. */
export type LinkedVisibility = 'public' | 'all'
/** How many values a row's keyset has under each sort. */
export const COUNT_SORT_ARITY: Record<CountSort, number> = { name: 2, '-postCount': 3 }

/**
 * Reads for a resource linked to posts (tags, authors): rows with their published-post count, listed by
 * name or by count, or found by slug. One query shape serves both resources. `hidden`: the column of rows
 * hidden until one of their posts is public (tags'); without it (authors), every row is, and the public sees
 * those a public post has.
 */
export function linkedResourceQueries<T extends LinkedTable>(table: T, link: { resourceId: PgColumn; postId: PgColumn }, hidden?: PgColumn) {
  type Row = InferSelectModel<T> & { postCount: number }
  /** A list's row: with the name as sort=name orders it (see alphabetical), for its cursor. */
  type ListedRow = Row & { nameKey: string }
  /** A page of rows, and whether rows follow it and precede it (by cursor). */
  type ListedPage = { rows: ListedRow[]; total: number | undefined; hasMore: boolean; hasPrevious: boolean }
  const nameKey = alphabetical(table.name)

  /**
   * Whether the public sees a row: when a public post has it, or when it is not hidden (see `hidden`). A tag
   * brought in by a draft, a scheduled post or an import of one is hidden until one of its posts is out: it
   * would otherwise tell what the post is about before then (listed, with its feed, and pinged to the WebSub
   * hub). Any other tag is shown, whatever drafts use it; an author, once a post of theirs is out (as Ghost's
   * Content API shows authors). A draft's links change nothing the public sees.
   */
  function shownToPublic(db: Executor) {
    const hasPublicPost = exists(db.select({ one: sql`1` }).from(link.resourceId.table).innerJoin(posts, eq(posts.id, link.postId))
      .where(and(eq(link.resourceId, table.id), isPublic())))
    return hidden ? or(not(hidden), hasPublicPost)! : hasPublicPost
  }
  const shownTo = (db: Executor, visibility: LinkedVisibility) => (visibility === 'public' ? shownToPublic(db) : undefined)

  function selectWithCounts(db: Executor) {
    const counts = publicPostCounts(db, link.resourceId, link.postId, 'post_counts')
    const postCount = sql<number>`coalesce(${counts.postCount}, 0)::int`
    const query = db
      .select({ ...getTableColumns(table as LinkedTable), postCount, nameKey })
      .from(table as LinkedTable)
      .leftJoin(counts, eq(counts.id, table.id))
      .$dynamic()
    return { query, postCount }
  }

  /** The cursor values of a row under a sort (COUNT_SORT_ARITY of them): what a keyset compares with. */
  function keysetOf(row: ListedRow, sort: CountSort): CursorValue[] {
    const byName = [row.nameKey, row.id as string]
    return sort === '-postCount' ? [row.postCount, ...byName] : byName
  }

  return {
    keysetOf,
    shownToPublic,

    /**
     * One page of rows with their counts, and, unless asked not to, how many there are. One more row than the
     * limit is read, to know whether another page follows (or, read backwards before a cursor, precedes).
     */
    async list(db: Executor, sort: CountSort, page: PageRequest, options: KeysetOptions & { visibility?: LinkedVisibility } = {}): Promise<ListedPage> {
      const shown = shownTo(db, options.visibility ?? 'public')
      const { query, postCount } = selectWithCounts(db)
      const { keyset } = options
      // The list's order: (name, id) ascending, after the count descending; read backwards before a cursor.
      const backwards = keyset?.before === true
      const [up, down] = backwards ? [desc, asc] : [asc, desc]
      const byName = [up(nameKey), up(table.id)]
      // Rows strictly after the cursor's (or before it; inclusive, from it on), in the list's order.
      const beyondName = ([key, id]: CursorValue[]) =>
        sql`(${nameKey}, ${table.id}) ${sql.raw((backwards ? '<' : '>') + (keyset?.inclusive ? '=' : ''))} (${key}::text, ${id}::uuid)`
      const fewer = sql.raw(backwards ? '>' : '<')
      const beyond = keyset && (sort === '-postCount'
        ? sql`(${postCount} ${fewer} ${keyset.values[0]}::int or (${postCount} = ${keyset.values[0]}::int and ${beyondName(keyset.values.slice(1))}))`
        : beyondName(keyset.values))
      const ordered = query.where(and(beyond, shown)).orderBy(...(sort === '-postCount' ? [down(postCount), ...byName] : byName)).limit(page.limit + 1)
      const [rows, counted] = await Promise.all([
        keyset ? ordered : ordered.offset(offsetOf(page)),
        options.count === false ? undefined : db.select({ n: count() }).from(table as LinkedTable).where(shown),
      ])
      const shownRows = rows.slice(0, page.limit) as ListedRow[]
      const total = counted && (counted[0]?.n ?? 0)
      const beyondLimit = rows.length > page.limit
      // Read backwards: shown in the list's order; the rows after them are the page the cursor came from.
      if (backwards) return { rows: shownRows.reverse(), total, hasMore: shownRows.length > 0, hasPrevious: beyondLimit }
      return { rows: shownRows, total, hasMore: beyondLimit, hasPrevious: keyset !== undefined }
    },

    /** One row the public sees, without its count, for a reader that shows none (a feed's channel). */
    async findRow(db: Executor, idOrSlug: string): Promise<InferSelectModel<T> | undefined> {
      const [row] = await db.select().from(table as LinkedTable).where(and(refCondition(table, idOrSlug), shownToPublic(db)))
      return row as InferSelectModel<T> | undefined
    },

    /** One row with its count, counted for it alone (a list counts every row's posts at once: a join over all of them). */
    async find(db: Executor, idOrSlug: string, visibility: LinkedVisibility = 'public'): Promise<Row | undefined> {
      const counted = db.select({ n: count() }).from(link.resourceId.table).innerJoin(posts, eq(posts.id, link.postId))
        .where(and(eq(link.resourceId, table.id), isPublic()))
      const [row] = await db
        .select({ ...getTableColumns(table as LinkedTable), postCount: sql<number>`(${counted})::int` })
        .from(table as LinkedTable)
        .where(and(refCondition(table, idOrSlug), shownTo(db, visibility)))
      return row as Row | undefined
    },
  }
}
