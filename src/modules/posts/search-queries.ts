import { and, asc, count, desc, eq, gte, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { rowsOf, type Executor } from '../../db/client.js'
import { posts } from '../../db/schema.js'
import { offsetOf, type PageRequest } from '../../lib/paging.js'
import type { PostPage, PostSummaryRow, SummaryColumns } from './queries.js'
import type { PostSort } from './schemas.js'
import { rank, searchQuery } from './search.js'

// A search's page by number: its matches collected (SearchPlan), ranked and counted within SEARCH_LIMIT.
// listPosts (queries.ts) hands it the list's conditions, order and columns.

/** The list a search pages through: its filters' conditions (the search's own included), its order and the columns of its rows. */
interface SearchedList {
  conditions: SQL[]
  order: SQL[]
  columns: SummaryColumns
}

/**
 * How many matches a search ranks, counts and pages by number: the first ones in the list's order (newest
 * first when ranked by relevance). Ranking or counting every match of a word found in nearly every post
 * reads every post's search vector (about a second at 100,000 posts); this bounds a search to a few
 * milliseconds, whatever it matches. GitHub's search API has the same bound; a cursor goes on past it.
 */
export const SEARCH_LIMIT = 1000

/** How many posts a search matches, up to SEARCH_LIMIT: the rows past it are never read. */
export async function countMatches(db: Executor, conditions: SQL[]): Promise<{ total: number; truncated: boolean }> {
  const matched = db.select({ one: sql`1` }).from(posts).where(and(...conditions)).limit(SEARCH_LIMIT + 1).as('matched')
  const [row] = await db.select({ n: count() }).from(matched)
  const n = row?.n ?? 0
  return { total: Math.min(n, SEARCH_LIMIT), truncated: n > SEARCH_LIMIT }
}

/**
 * How a search collects its first SEARCH_LIMIT + 1 matches in the list's order, before ranking them:
 * - `walk`: along the listing index, testing each post's search vector, until enough match. Testing a
 *   post reads its whole vector (kilobytes, out of line), so this pays only when most posts match.
 * - `collect`: every match, from the GIN index, then sorted. This reads every matching row, so it pays
 *   when the matches are few.
 * - `window`: the matches among the newest `fraction` of posts, sized to hold enough of them: the GIN
 *   index and the date index together name the rows to read. Newest-first orders only. If the window holds
 *   too few, the search collects instead.
 *
 * The planner prices a vector test like any other filter, so left to itself it walks for a word in one
 * post in twenty and reads twenty times the posts it returns; the choice is made here from its estimate.
 */
export type SearchPlan = 'walk' | 'collect' | { window: number }

/** Above this many estimated matches a search walks (at 100,000 posts: a word in every other post). */
const DENSE_MATCHES = 50_000
/** Below this many estimated matches collecting them all costs a few milliseconds, and a window saves nothing. */
const WINDOW_MATCHES = 5_000
/** A window is sized for this many times the matches it needs: estimates are rough, and dates uneven. */
const WINDOW_MARGIN = 2.5

/** PostgreSQL's estimate of how many rows a query returns, from its plan alone (nothing is read). */
async function estimatedRows(db: Executor, query: SQLWrapper): Promise<number> {
  const [row] = rowsOf<{ 'QUERY PLAN': unknown }>(await db.execute(sql`explain (format json) ${query}`))
  const plan = row?.['QUERY PLAN']
  const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as [{ Plan: { 'Plan Rows': number } }]
  return parsed[0].Plan['Plan Rows']
}

async function chooseSearchPlan(db: Executor, conditions: SQL[]): Promise<SearchPlan> {
  const estimate = await estimatedRows(db, db.select({ one: sql`1` }).from(posts).where(and(...conditions)))
  if (estimate >= DENSE_MATCHES) return 'walk'
  if (estimate < WINDOW_MATCHES) return 'collect'
  return { window: (WINDOW_MARGIN * (SEARCH_LIMIT + 1)) / estimate }
}

/** How long published_at's histogram is kept: it changes only when the table is analysed, and a stale one only misplaces a window. */
const HISTOGRAM_TTL_MS = 60_000
const histograms = new WeakMap<Executor, { readAt: number; bounds: Date[] }>()

/**
 * The bounds of the planner's histogram of published_at (no post is read), kept HISTOGRAM_TTL_MS per database:
 * reading pg_stats costs more than a millisecond. Empty before the table is analysed.
 */
async function publishedAtBounds(db: Executor): Promise<Date[]> {
  const kept = histograms.get(db)
  if (kept && Date.now() - kept.readAt < HISTOGRAM_TTL_MS) return kept.bounds
  // As JSON: ISO strings, whichever driver reads them.
  const [row] = rowsOf<{ bounds: string[] | null }>(await db.execute(sql`
    select to_json(histogram_bounds::text::timestamptz[]) as bounds from pg_stats
    where schemaname = current_schema() and tablename = 'posts' and attname = 'published_at'`))
  const bounds = (row?.bounds ?? []).map((bound) => new Date(bound))
  // None yet is not kept: the first ANALYZE (autovacuum's, soon after posts arrive) is used at once.
  if (bounds.length > 0) histograms.set(db, { readAt: Date.now(), bounds })
  return bounds
}

/** The publication date from which the newest `fraction` of dated posts run, by the histogram; undefined without one. */
async function newestFractionStart(db: Executor, fraction: number): Promise<Date | undefined> {
  const bounds = await publishedAtBounds(db)
  if (bounds.length === 0) return undefined
  return bounds[Math.max(0, bounds.length - 1 - Math.ceil(fraction * (bounds.length - 1)))]
}

/**
 * The first SEARCH_LIMIT + 1 matches in the given order, each with its position and its row's address (ctid):
 * by walking, or from the matches published from `windowStart` on (all of them without it); too few if a
 * window was short.
 */
function searchCandidates(db: Executor, conditions: SQL[], order: SQL[], walk: boolean, windowStart?: Date) {
  let source: typeof posts | SQLWrapper = posts
  if (!walk) {
    // Only what the order needs, so that sorting thousands of matches stays in memory. Named like the table,
    // so the order (which names posts' columns) applies to it as it is; OFFSET 0 (as SQL: drizzle leaves a
    // numeric 0 out) keeps the planner from walking the listing index instead.
    source = db.select({ id: posts.id, rowAddress: sql`${posts}.ctid`.as('row_address'), publishedAt: posts.publishedAt, updatedAt: posts.updatedAt, title: posts.title })
      .from(posts).where(and(...conditions, windowStart ? gte(posts.publishedAt, windowStart) : undefined))
      .offset(sql`0` as never).as('posts')
  }
  return db
    .select({
      id: posts.id,
      rowAddress: (walk ? sql`${posts}.ctid` : sql`${posts}.row_address`).as('row_address'),
      position: sql<number>`row_number() over (order by ${sql.join(order, sql`, `)})`.as('position'),
    })
    .from(source as typeof posts)
    .where(walk ? and(...conditions) : undefined)
    .orderBy(...order)
    .limit(SEARCH_LIMIT + 1)
    .as('candidates')
}

/**
 * A search's page by number: the first SEARCH_LIMIT + 1 matches in the list's order (newest first unless a
 * sort is given; the extra one only tells that there are more; see SearchPlan), then ordered by relevance
 * when no sort is given, and counted by a window function over those few; only the page's posts are then
 * read in full. One statement.
 */
export async function searchPage(
  db: Executor, list: SearchedList, q: string, sort: PostSort | undefined, page: PageRequest, counted: boolean, given?: SearchPlan,
): Promise<PostPage<PostSummaryRow>> {
  const { conditions, order, columns } = list
  const offset = offsetOf(page)
  if (offset < SEARCH_LIMIT) {
    const plan = given ?? await chooseSearchPlan(db, conditions)
    // A window holds the newest posts (the first matches in another order may lie anywhere), and needs the
    // planner's statistics to be placed (none before the table is analysed): otherwise, collect.
    let windowStart = typeof plan === 'object' && (sort ?? '-publishedAt') === '-publishedAt'
      ? await newestFractionStart(db, plan.window)
      : undefined
    for (;;) {
      const candidates = searchCandidates(db, conditions, order, plan === 'walk', windowStart)
      // Ranked by relevance only without a sort; ties (and sorted searches) keep the list's order. The extra
      // candidate last, and never reached: the limit stops at SEARCH_LIMIT. A candidate's rank vector is read
      // by the row's address (a TID scan: no index, and the page was just read), for the candidates only.
      const rankVector = sql`(select ${posts.rankVector} from ${posts} where ${posts}.ctid = ${candidates.rowAddress})`
      const ranked = db
        .select({
          id: candidates.id,
          position: candidates.position,
          relevance: (sort ? sql<number>`null::real` : rank(rankVector, searchQuery(q))).as('relevance'),
          matched: sql<number>`count(*) over ()`.mapWith(Number).as('matched'),
        })
        .from(candidates)
        // By the output column's name: the expression repeated would be computed twice.
        .orderBy(sql`${candidates.position} > ${SEARCH_LIMIT}`, ...(sort ? [] : [desc(sql.identifier('relevance'))]), asc(candidates.position))
        .limit(Math.min(page.limit, SEARCH_LIMIT - offset))
        .offset(offset)
        .as('ranked')
      // Each of the page's posts by its id, in a lateral subquery that the planner keeps apart (OFFSET 0), so
      // it is fetched through the primary key rather than by scanning posts to join them; named like the table.
      const post = db.select(columns).from(posts).where(eq(posts.id, ranked.id)).offset(sql`0` as never).as('posts')
      const read = (executor: Executor) => executor
        .select({ row: columns, matched: ranked.matched })
        .from(ranked)
        .crossJoinLateral(post)
        .orderBy(sql`${ranked.position} > ${SEARCH_LIMIT}`, desc(ranked.relevance), asc(ranked.position))
      // A window is read through the bitmaps (see SearchPlan): walking the date index over the window instead,
      // which the planner prices the same, tests every post in it (52 ms rather than 20 for one word at 100,000 posts).
      const rows = windowStart
        ? await db.transaction(async (tx) => {
          await tx.execute(sql`set local enable_indexscan = off`)
          return read(tx)
        })
        : await read(db)
      const matched = rows[0]?.matched
      // A window short of SEARCH_LIMIT + 1 may have left matches out (before it): collect them all instead.
      if (windowStart && (matched ?? 0) <= SEARCH_LIMIT) {
        windowStart = undefined
        continue
      }
      if (matched === undefined) break
      const total = Math.min(matched, SEARCH_LIMIT)
      return {
        rows: rows.map(({ row }) => row),
        total: counted ? total : undefined,
        // Past SEARCH_LIMIT, a cursor (with a sort) goes on; page numbers do not.
        hasMore: offset + rows.length < total || matched > SEARCH_LIMIT,
        nextPage: offset + rows.length < total,
        ...(matched > SEARCH_LIMIT ? { truncated: true } : {}),
      }
    }
  }
  // Past the matches (or past SEARCH_LIMIT): no rows, and the count says where the last page is.
  const { total, truncated } = await countMatches(db, conditions)
  return { rows: [], total: counted ? total : undefined, hasMore: false, nextPage: false, ...(truncated ? { truncated } : {}) }
}
