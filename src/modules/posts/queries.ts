import { and, count, desc, eq, exists, getTableColumns, gte, inArray, lt, max, ne, notExists, notInArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { Executor } from '../../db/client.js'
import { alphabetical } from '../../db/sort-key.js'
import { authors, contentState, postAuthors, posts, postTags, tags } from '../../db/schema.js'
import type { CursorValue, Keyset, KeysetOptions } from '../../lib/cursor.js'
import { offsetOf, type PageRequest } from '../../lib/paging.js'
import { refCondition, refLookup } from '../../lib/ref.js'
import type { PostSort } from './schemas.js'
import { idsBySlug } from '../slugs/queries.js'
import { headline, matches, searchQuery } from './search.js'
import { countMatches, searchPage, type SearchPlan } from './search-queries.js'
import { isPublic, visibleAs, type Visibility } from './visibility.js'

export interface PostFilters {
  visibility: Visibility
  tag?: string[]
  tagsAll?: string[]
  excludeTags?: string[]
  author?: string[]
  featured?: boolean
  publishedAfter?: Date
  publishedBefore?: Date
  /** Full-text search (see search.ts). */
  q?: string
}

// Lists never read bodies (nor the search columns): excerpt, word count and reading time are on the row. Nor
// when the post's links changed: only a post read alone sends Last-Modified. No read needs the sanitiser's
// version of the html (the backfill's own).
const {
  html: _html, markdown: _markdown, bodyText: _bodyText, searchVector: _searchVector, rankVector: _rankVector, linksChangedAt: _links,
  sanitizerVersion: _sanitizer, ...summaryColumns
} = getTableColumns(posts)
export type PostSummaryRow = Omit<typeof posts.$inferSelect, 'html' | 'markdown' | 'bodyText' | 'searchVector' | 'rankVector' | 'linksChangedAt' | 'sanitizerVersion'> & {
  /** The title as sort=title orders it (see alphabetical): read for that sort only, for its cursor. */
  titleKey?: string
  /** updated_at to the microsecond, as sort=-updatedAt orders it: read for that sort only, for its cursor. */
  updatedAtKey?: string
}
// A post without its search columns (the plain text is there for snippets and the search vector).
const { searchVector: _vector, rankVector: _rank, bodyText: _text, sanitizerVersion: _version, ...columnsOfPost } = getTableColumns(posts)
/** The columns of a PostRow. */
export const postColumns = columnsOfPost
export type PostRow = Omit<typeof posts.$inferSelect, 'searchVector' | 'rankVector' | 'bodyText' | 'sanitizerVersion'>
/** A summary with the sanitised html body, as feeds carry it (the Markdown source stays behind). */
export type PostWithHtmlRow = PostSummaryRow & Pick<PostRow, 'html'>

// What a post shows of each of its authors and tags (their refs), read by loadPostLinks and findPostWithLinks.
const authorRefColumns = { id: authors.id, slug: authors.slug, name: authors.name, title: authors.title, avatarUrl: authors.avatarUrl }
const tagRefColumns = { id: tags.id, slug: tags.slug, name: tags.name }
/** The fields of an author and of a tag that a post shows: a change to one changes the post's representation. */
export const SHOWN_AUTHOR_FIELDS = Object.keys(authorRefColumns)
export const SHOWN_TAG_FIELDS = Object.keys(tagRefColumns)

/** The links (post_tags or post_authors) of the post at hand to any of these tags or authors. */
function linksTo(db: Executor, links: typeof postTags | typeof postAuthors, ids: string[]) {
  const linkedId = links === postTags ? postTags.tagId : postAuthors.authorId
  return db.select({ one: sql`1` }).from(links).where(and(eq(links.postId, posts.id), inArray(linkedId, ids)))
}

/**
 * The WHERE conditions of the filters. Tags and authors are matched by id, looked up first by slug (current
 * or old: a renamed tag's old slug still filters by it): PostgreSQL then knows which tag it is, and so about
 * how many posts have it. Joined by slug, it would guess a few hundred for any tag, and for one on a quarter
 * of the posts it would read all of them to sort them (half a second at 100,000 posts) rather than walk the
 * newest posts until a page is full (a millisecond). A tag renamed between the lookup and the query may make
 * that one answer empty; the response cache keeps it, if at all, under the content version the rename
 * replaces, so no later read gets it.
 */
async function filterConditions(db: Executor, f: PostFilters): Promise<SQL[]> {
  const where: SQL[] = []
  const visible = visibleAs(f.visibility)
  if (visible) where.push(visible)
  const ids = await idsBySlug(db, { tag: [...(f.tag ?? []), ...(f.tagsAll ?? []), ...(f.excludeTags ?? [])], author: f.author })
  const known = (slugs: string[], of: Map<string, string>) => slugs.flatMap((slug) => of.get(slug) ?? [])
  // Linked to any of them; to none when none exists.
  const linkedToAny = (links: typeof postTags | typeof postAuthors, found: string[]) => (found.length ? exists(linksTo(db, links, found)) : sql`false`)
  if (f.tag?.length) where.push(linkedToAny(postTags, known(f.tag, ids.tag)))
  // One semi-join per required tag: each uses the (post_id, tag_id) primary key.
  for (const slug of f.tagsAll ?? []) where.push(linkedToAny(postTags, known([slug], ids.tag)))
  const excluded = known(f.excludeTags ?? [], ids.tag)
  if (excluded.length) where.push(notExists(linksTo(db, postTags, excluded)))
  if (f.author?.length) where.push(linkedToAny(postAuthors, known(f.author, ids.author)))
  if (f.featured !== undefined) where.push(eq(posts.featured, f.featured))
  if (f.publishedAfter) where.push(gte(posts.publishedAt, f.publishedAfter))
  if (f.publishedBefore) where.push(lt(posts.publishedAt, f.publishedBefore))
  if (f.q) where.push(matches(searchQuery(f.q)))
  return where
}

/**
 * Each sort's key (with the type a cursor's value of it is cast to) and its order, ties broken by id. The
 * NULLS placement matches the indexes' (drizzle-kit makes descending index columns NULLS LAST), or
 * PostgreSQL cannot walk the index in order and sorts the whole table instead.
 */
const SORTS: Record<PostSort, { key: SQL; cast: SQL; descending: boolean; nullsFirst: boolean }> = {
  '-publishedAt': { key: sql`${posts.publishedAt}`, cast: sql`timestamptz`, descending: true, nullsFirst: false },
  publishedAt: { key: sql`${posts.publishedAt}`, cast: sql`timestamptz`, descending: false, nullsFirst: true },
  '-updatedAt': { key: sql`${posts.updatedAt}`, cast: sql`timestamptz`, descending: true, nullsFirst: false },
  title: { key: alphabetical(posts.title), cast: sql`text`, descending: false, nullsFirst: false },
}

/**
 * A sort's order, or the same order backwards (a page before a cursor is read from it towards the start):
 * every direction and NULLS placement flipped, which is the same index walked the other way.
 */
function orderOf(sort: PostSort, backwards = false): SQL[] {
  const { key, descending, nullsFirst } = SORTS[sort]
  const direction = sql.raw(`${descending !== backwards ? 'desc' : 'asc'} nulls ${nullsFirst !== backwards ? 'first' : 'last'}`)
  return [sql`${key} ${direction}`, sql`${posts.id} ${direction}`]
}

const ORDER = Object.fromEntries(Object.keys(SORTS).map((sort) => [sort, orderOf(sort as PostSort)])) as Record<PostSort, SQL[]>

/**
 * A moment as the database holds it, to the microsecond, in UTC: a Date keeps milliseconds, and a cursor made
 * from one would skip the rows stamped between its millisecond and the row's own (an edit is stamped by the
 * clock, and the rows one statement writes share its microsecond).
 */
const exactMoment = (column: typeof posts.updatedAt) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/** A summary's columns under a sort: a cursor needs the key the list is ordered by, exactly. */
function summaryColumnsFor(sort: PostSort | undefined) {
  if (sort === 'title') return { ...summaryColumns, titleKey: alphabetical(posts.title) }
  if (sort === '-updatedAt') return { ...summaryColumns, updatedAtKey: exactMoment(posts.updatedAt) }
  return summaryColumns
}
export type SummaryColumns = ReturnType<typeof summaryColumnsFor>

/**
 * A list's order. Drafts have no publication date: in a list that holds them (status=draft or all, which
 * pages by number, never by cursor), posts that tie on the sort's value, drafts among them, come most
 * recently updated first, not in the order of their random ids.
 */
function listOrder(sort: PostSort, visibility: Visibility): SQL[] {
  const order = ORDER[sort]
  if ((visibility !== 'draft' && visibility !== 'all') || sort === '-updatedAt') return order
  return [...order.slice(0, -1), sql`${posts.updatedAt} desc`, ...order.slice(-1)]
}

// Keyset conditions matching ORDER: rows strictly after the cursor's (sort value, id), or strictly before
// it (or, inclusive, from it on), so the index serves any depth at the cost of the first page.
function beyond(sort: PostSort, { values: [value, id], before, inclusive }: Keyset): SQL {
  const { key, cast, descending } = SORTS[sort]
  const operator = (descending === before ? '>' : '<') + (inclusive ? '=' : '')
  return sql`(${key}, ${posts.id}) ${sql.raw(operator)} (${value}::${cast}, ${id}::uuid)`
}

/**
 * The ids of the posts at an offset in a list, for a page to read only its own rows (a deferred join). In
 * publication order, the rows before the offset are then skipped along the listing index alone, which holds
 * each public post's date and id (an index-only scan), rather than read from the table one by one. At
 * 100,000 posts, page 2,000 of 20 posts takes about 10 ms rather than 43, and an archive feed page's
 * validators (its count and digest) 31 rather than 121. The other orders' indexes cannot tell a public
 * post: they read the table as before, and the join costs them a fraction of a millisecond.
 */
function idsAt(db: Executor, conditions: SQL[], order: SQL[], limit: number, offset: number) {
  return db.select({ id: posts.id }).from(posts).where(and(...conditions)).orderBy(...order).limit(limit).offset(offset)
}

/** How many values a row's keyset has, under every sort. */
export const KEYSET_ARITY = 2

/** The cursor values of a row under a sort (KEYSET_ARITY of them): what a keyset (see beyond) compares with. */
export function keysetOf(row: PostSummaryRow, sort: PostSort): CursorValue[] {
  switch (sort) {
    case '-publishedAt':
    case 'publishedAt': return [row.publishedAt?.toISOString() ?? null, row.id]
    case '-updatedAt':
      if (row.updatedAtKey === undefined) throw new Error('keysetOf: a row of a list sorted by -updatedAt carries its updatedAtKey')
      return [row.updatedAtKey, row.id]
    case 'title':
      if (row.titleKey === undefined) throw new Error('keysetOf: a row of a list sorted by title carries its titleKey')
      return [row.titleKey, row.id]
  }
}

/** Keyset paging (`keyset`: values from keysetOf) and counting, and what only posts take. */
export interface ListOptions extends KeysetOptions {
  /** Also select the sanitised html (feeds). */
  html?: boolean
  /** How a search collects its matches (see SearchPlan); by default, from the planner's estimate. Tests set it. */
  searchPlan?: SearchPlan
}

export interface PostPage<Row> {
  rows: Row[]
  /** Undefined with `count: false`. For a search, at most SEARCH_LIMIT. */
  total: number | undefined
  /** More rows follow, by cursor (a search's go on past SEARCH_LIMIT). */
  hasMore: boolean
  /** Rows come before this page (one reached by cursor). */
  hasPrevious?: boolean
  /** The next page by number has rows (a search's stop at SEARCH_LIMIT). */
  nextPage: boolean
  /** A search that matched more than SEARCH_LIMIT posts: only the first SEARCH_LIMIT are ranked, counted and paged by number. */
  truncated?: boolean
}

/**
 * One page of posts matching the filters (summaries: lists never read bodies) and, unless asked not to,
 * their total. A search is ranked by relevance (ties newest first) unless a sort is given, within its first
 * SEARCH_LIMIT matches (see searchPage). One more row than the limit is read, to know whether another page
 * follows.
 */
export async function listPosts(
  db: Executor, filters: PostFilters, sort: PostSort | undefined, page: PageRequest, options: ListOptions & { html: true },
): Promise<PostPage<PostWithHtmlRow>>
export async function listPosts(
  db: Executor, filters: PostFilters, sort: PostSort | undefined, page: PageRequest, options?: ListOptions,
): Promise<PostPage<PostSummaryRow>>
export async function listPosts(
  db: Executor, filters: PostFilters, sort: PostSort | undefined, page: PageRequest, options: ListOptions = {},
): Promise<PostPage<PostSummaryRow>> {
  const conditions = await filterConditions(db, filters)
  const columns = options.html ? { ...summaryColumnsFor(sort), html: posts.html } : summaryColumnsFor(sort)
  const order = listOrder(sort ?? '-publishedAt', filters.visibility)
  // Feeds read html and never search; searchPage reads summaries only.
  if (filters.q && options.html) throw new Error('listPosts: a search does not read html')
  if (filters.q && !options.keyset) {
    return searchPage(db, { conditions, order, columns: summaryColumnsFor(sort) }, filters.q, sort, page, options.count !== false, options.searchPlan)
  }

  const offset = offsetOf(page)
  const { keyset } = options
  const pageQuery = keyset && sort
    ? db.select(columns).from(posts).where(and(...conditions, beyond(sort, keyset))).orderBy(...(keyset.before ? orderOf(sort, true) : order)).limit(page.limit + 1)
    : offset === 0
      ? db.select(columns).from(posts).where(and(...conditions)).orderBy(...order).limit(page.limit + 1)
      : db.select(columns).from(posts).where(inArray(posts.id, idsAt(db, conditions, order, page.limit + 1, offset))).orderBy(...order)
  const countQuery = async (): Promise<{ total: number; truncated?: boolean }> => {
    if (filters.q) return countMatches(db, conditions)
    const [row] = await db.select({ n: count() }).from(posts).where(and(...conditions))
    return { total: row?.n ?? 0 }
  }
  const [rows, counted] = await Promise.all([pageQuery, options.count === false ? undefined : countQuery()])
  const beyondLimit = rows.length > page.limit
  const shown = rows.slice(0, page.limit)
  const total = counted?.total
  const truncated = counted?.truncated ? { truncated: true } : {}
  // Read backwards from the cursor: shown in the list's order. The rows after them are the page the cursor
  // came from; what was read past the limit precedes them.
  if (keyset?.before) return { rows: shown.reverse(), hasMore: shown.length > 0, nextPage: false, hasPrevious: beyondLimit, total, ...truncated }
  return { rows: shown, hasMore: beyondLimit, nextPage: beyondLimit, ...(keyset ? { hasPrevious: true } : {}), total, ...truncated }
}

export interface PostStats {
  total: number
  newestPublishedAt: Date | null
  /** When the last public content write was made (content_state.changed_at), in the same snapshot as the counts. */
  contentChangedAt: Date
  /** A digest of the rows the page asked for is made from (see pageDigest). */
  pageDigest: string
}

/** One page of a list: its order and where it is. */
export interface PageOf { sort: PostSort; page: PageRequest }

/**
 * A digest of the rows a page of posts is rendered from, read without a body: each post's id and row version
 * (`xmin`, which every UPDATE of the row changes: an edit, its search vector rebuilt when its tags change,
 * `links_changed_at` when an author or tag it shows changes), and those of its authors and tags, in their
 * order. Any write that changes what the page shows changes the digest; a write elsewhere does not.
 */
function pageDigest(db: Executor, conditions: SQL[], { sort, page }: PageOf): SQL<string> {
  const order = ORDER[sort]
  const rows = db
    .select({
      id: posts.id,
      // And the times it shows, should a restored database's transaction ids start again.
      version: sql<string>`${posts}.xmin::text || '@' || ${posts.updatedAt}::text || '@' || coalesce(${posts.linksChangedAt}::text, '')`.as('version'),
      position: sql<number>`row_number() over (order by ${sql.join(order, sql`, `)})`.as('position'),
    })
    .from(posts).where(inArray(posts.id, idsAt(db, conditions, order, page.limit, offsetOf(page))))
    .as('page_rows')
  const linked = (table: typeof authors | typeof tags, links: typeof postAuthors | typeof postTags, linkedId: SQLWrapper) => sql`coalesce((
    select string_agg(${table.id}::text || '.' || ${table}.xmin::text, ',' order by ${links.position})
    from ${links} join ${table} on ${table.id} = ${linkedId} where ${links.postId} = ${rows.id}), '')`
  const entry = sql`${rows.id}::text || ':' || ${rows.version} || ':' || ${linked(authors, postAuthors, postAuthors.authorId)} || ':' || ${linked(tags, postTags, postTags.tagId)}`
  return sql<string>`(select md5(coalesce(string_agg(${entry}, ';' order by ${rows.position}), '')) from ${rows})`
}

/**
 * How many public posts match the filters, when the newest was published, when the last write was made, and
 * the digest of one page's rows, in one statement: one snapshot (after the filters' tags and authors are
 * looked up; see filterConditions). Feeds derive their validators from it without reading a post's body.
 */
export async function publicPostStats(db: Executor, filters: PostFilters, page: PageOf): Promise<PostStats> {
  const conditions = await filterConditions(db, filters)
  const [row] = await db
    .select({
      total: count(),
      newestPublishedAt: max(posts.publishedAt),
      contentChangedAt: sql`(select ${contentState.changedAt} from ${contentState} where ${contentState.id} = 1)`.mapWith(contentState.changedAt),
      pageDigest: pageDigest(db, conditions, page),
    })
    .from(posts)
    .where(and(...conditions))
  return {
    total: row?.total ?? 0,
    newestPublishedAt: row?.newestPublishedAt ?? null,
    contentChangedAt: row?.contentChangedAt ?? new Date(0),
    pageDigest: row?.pageDigest ?? '',
  }
}

/** A post by id or slug (see RefParamsSchema), if the visibility lets the reader see it. */
export async function findPost(db: Executor, idOrSlug: string, visibility: Visibility): Promise<PostRow | undefined> {
  const [row] = await db.select(postColumns).from(posts).where(and(refCondition(posts, idOrSlug), visibleAs(visibility)))
  return row
}

/** `json_build_object` of the columns, keyed by their names here: a ref row as JSON. */
function jsonObject(columns: Record<string, SQLWrapper>): SQL {
  return sql`json_build_object(${sql.join(Object.entries(columns).map(([key, column]) => sql`${key}::text, ${column}`), sql`, `)})`
}

// A post's authors and tags as JSON arrays of refs, in their order: what loadPostLinks reads, for one post.
// Query builders rather than text, so that every column is named with its table.
function linkRefsJson<T>(db: Executor, kind: 'authors' | 'tags'): SQL<T[]> {
  const refs = kind === 'authors'
    ? db
      .select({ refs: sql`coalesce(json_agg(${jsonObject(authorRefColumns)} order by ${postAuthors.position}), '[]'::json)` })
      .from(postAuthors).innerJoin(authors, eq(authors.id, postAuthors.authorId)).where(eq(postAuthors.postId, posts.id))
    : db
      .select({ refs: sql`coalesce(json_agg(${jsonObject(tagRefColumns)} order by ${postTags.position}), '[]'::json)` })
      .from(postTags).innerJoin(tags, eq(tags.id, postTags.tagId)).where(eq(postTags.postId, posts.id))
  return sql<T[]>`(${refs})`
}

/** What `make` makes for a database (or transaction), made on its first use there: prepared statements belong to one. */
function perDatabase<T>(make: (db: Executor) => T): (db: Executor) => T {
  const made = new WeakMap<Executor, T>()
  return (db) => {
    let value = made.get(db)
    if (value === undefined) made.set(db, (value = make(db)))
    return value
  }
}

function postWithLinksQuery(db: Executor, by: 'id' | 'slug', visibility: Visibility) {
  return db
    .select({
      row: postColumns,
      authors: linkRefsJson<AuthorRefRow>(db, 'authors'),
      tags: linkRefsJson<TagRefRow>(db, 'tags'),
    })
    .from(posts)
    .where(and(eq(posts[by], sql.placeholder('ref')), visibleAs(visibility)))
    .prepare(`post_with_links_by_${by}_${visibility}`)
}
const preparedPostReads = perDatabase(() => new Map<string, ReturnType<typeof postWithLinksQuery>>())

/**
 * findPost with the post's authors and tags, in one prepared statement: a post read by slug is rarely in
 * the response cache (there are as many URLs as posts), so building, planning and waiting for its queries
 * is what a reader waits for. Each database (and transaction) keeps its statements, one per kind of
 * reference and visibility.
 */
export async function findPostWithLinks(db: Executor, idOrSlug: string, visibility: Visibility): Promise<{ row: PostRow; links: PostLinks; changedAt: Date } | undefined> {
  const { by, value } = refLookup(idOrSlug)
  const statements = preparedPostReads(db)
  const key = `${by} ${visibility}`
  let statement = statements.get(key)
  if (!statement) statements.set(key, (statement = postWithLinksQuery(db, by, visibility)))
  const [found] = await statement.execute({ ref: value })
  if (!found) return undefined
  const { row } = found
  return { row, links: { authors: new Map([[row.id, found.authors]]), tags: new Map([[row.id, found.tags]]) }, changedAt: postChangedAt(row) }
}

/** A post's Last-Modified: what its representation shows changed last, the post or one of its authors or tags. */
export function postChangedAt(row: Pick<PostRow, 'updatedAt' | 'linksChangedAt'>): Date {
  return row.linksChangedAt && row.linksChangedAt > row.updatedAt ? row.linksChangedAt : row.updatedAt
}

/**
 * Public posts related to one: those sharing the most tags first (ties newest first), topped up with the
 * newest other posts when too few share a tag. Never the post itself, never a draft or scheduled post.
 */
export async function relatedPosts(db: Executor, postId: string, limit: number): Promise<PostSummaryRow[]> {
  const theirs = alias(postTags, 'theirs')
  const shared = count(theirs.tagId)
  const sharing = await db
    .select({ ...summaryColumns, shared })
    .from(postTags)
    .innerJoin(theirs, and(eq(theirs.tagId, postTags.tagId), ne(theirs.postId, postTags.postId)))
    .innerJoin(posts, eq(posts.id, theirs.postId))
    .where(and(eq(postTags.postId, postId), isPublic()))
    .groupBy(posts.id)
    .orderBy(desc(shared), ...ORDER['-publishedAt'])
    .limit(limit)
  const rows: PostSummaryRow[] = sharing.map(({ shared: _, ...row }) => row)
  if (rows.length < limit) {
    const exclude = [postId, ...rows.map((r) => r.id)]
    rows.push(...(await db.select(summaryColumns).from(posts).where(and(isPublic(), notInArray(posts.id, exclude))).orderBy(...ORDER['-publishedAt']).limit(limit - rows.length)))
  }
  return rows
}

/** Highlighted fragments of the given posts' bodies for a search, by post id. */
export async function searchSnippets(db: Executor, postIds: string[], q: string): Promise<Map<string, string>> {
  if (postIds.length === 0) return new Map()
  const rows = await db.select({ id: posts.id, snippet: headline(searchQuery(q)) }).from(posts).where(inArray(posts.id, postIds))
  return new Map(rows.map((r) => [r.id, r.snippet]))
}

/** What a post's summary shows of each author and tag. */
export type AuthorRefRow = Pick<typeof authors.$inferSelect, 'id' | 'slug' | 'name' | 'title' | 'avatarUrl'>
export type TagRefRow = Pick<typeof tags.$inferSelect, 'id' | 'slug' | 'name'>
export interface PostLinks {
  authors: Map<string, AuthorRefRow[]>
  tags: Map<string, TagRefRow[]>
}

/** The links of many posts by their ids, as prepared statements (built once, and parsed once per connection). */
function postLinksQueries(db: Executor) {
  const ids = sql`any(${sql.placeholder('ids')}::uuid[])`
  return {
    authors: db
      .select({ postId: postAuthors.postId, author: authorRefColumns })
      .from(postAuthors)
      .innerJoin(authors, eq(authors.id, postAuthors.authorId))
      .where(eq(postAuthors.postId, ids))
      .orderBy(postAuthors.postId, postAuthors.position)
      .prepare('post_authors_of_posts'),
    tags: db
      .select({ postId: postTags.postId, tag: tagRefColumns })
      .from(postTags)
      .innerJoin(tags, eq(tags.id, postTags.tagId))
      .where(eq(postTags.postId, ids))
      .orderBy(postTags.postId, postTags.position)
      .prepare('post_tags_of_posts'),
  }
}
const preparedLinkReads = perDatabase(postLinksQueries)

/** The ordered authors and tags of many posts at once: two queries whatever the number of posts. */
export async function loadPostLinks(db: Executor, postIds: string[]): Promise<PostLinks> {
  const links: PostLinks = { authors: new Map(), tags: new Map() }
  if (postIds.length === 0) return links
  const statements = preparedLinkReads(db)
  const [authorRows, tagRows] = await Promise.all([statements.authors.execute({ ids: postIds }), statements.tags.execute({ ids: postIds })])
  for (const { postId, author } of authorRows) push(links.authors, postId, author)
  for (const { postId, tag } of tagRows) push(links.tags, postId, tag)
  return links
}

function push<T>(map: Map<string, T[]>, key: string, value: T) {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
