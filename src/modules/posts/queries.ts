import { and, asc, count, desc, eq, exists, getTableColumns, gte, inArray, lt, max, ne, notExists, notInArray, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { Executor } from '../../db/client.js'
import { authors, contentState, postAuthors, posts, postTags, tags } from '../../db/schema.js'
import type { CursorValue } from '../../lib/cursor.js'
import { offsetOf, type PageRequest } from '../../lib/paging.js'
import { refCondition } from '../../lib/ref.js'
import type { PostSort } from './schemas.js'
import { headline, matches, rank, searchQuery } from './search.js'
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

// Lists never read bodies (nor the search columns): excerpt, word count and reading time are on the row.
const { html: _html, markdown: _markdown, bodyText: _bodyText, searchVector: _searchVector, ...summaryColumns } = getTableColumns(posts)
export type PostSummaryRow = Omit<typeof posts.$inferSelect, 'html' | 'markdown' | 'bodyText' | 'searchVector'>
const { searchVector: _vector, ...postColumns } = getTableColumns(posts)
export type PostRow = Omit<typeof posts.$inferSelect, 'searchVector'>
/** A summary with the sanitised html body, as feeds carry it (the Markdown source stays behind). */
export type PostWithHtmlRow = PostSummaryRow & Pick<PostRow, 'html'>

function taggedWith(db: Executor, slugs: string[]) {
  return db
    .select({ one: postTags.postId })
    .from(postTags)
    .innerJoin(tags, eq(tags.id, postTags.tagId))
    .where(and(eq(postTags.postId, posts.id), slugs.length === 1 ? eq(tags.slug, slugs[0]!) : inArray(tags.slug, slugs)))
}

function filterConditions(db: Executor, f: PostFilters): SQL[] {
  const where: SQL[] = []
  const visible = visibleAs(f.visibility)
  if (visible) where.push(visible)
  if (f.tag?.length) where.push(exists(taggedWith(db, f.tag)))
  // One semi-join per required tag: each uses the (post_id, tag_id) primary key.
  for (const slug of f.tagsAll ?? []) where.push(exists(taggedWith(db, [slug])))
  if (f.excludeTags?.length) where.push(notExists(taggedWith(db, f.excludeTags)))
  if (f.author?.length) {
    where.push(
      exists(
        db
          .select({ one: postAuthors.postId })
          .from(postAuthors)
          .innerJoin(authors, eq(authors.id, postAuthors.authorId))
          .where(and(eq(postAuthors.postId, posts.id), inArray(authors.slug, f.author))),
      ),
    )
  }
  if (f.featured !== undefined) where.push(eq(posts.featured, f.featured))
  if (f.publishedAfter) where.push(gte(posts.publishedAt, f.publishedAfter))
  if (f.publishedBefore) where.push(lt(posts.publishedAt, f.publishedBefore))
  if (f.q) where.push(matches(searchQuery(f.q)))
  return where
}

// The NULLS placement matches the indexes' (drizzle-kit makes descending index columns NULLS LAST), or
// PostgreSQL cannot walk the index in order and sorts the whole table instead.
const ORDER: Record<PostSort, SQL[]> = {
  '-publishedAt': [sql`${posts.publishedAt} desc nulls last`, sql`${posts.id} desc nulls last`],
  publishedAt: [sql`${posts.publishedAt} asc nulls first`, sql`${posts.id} asc nulls first`],
  '-updatedAt': [sql`${posts.updatedAt} desc nulls last`, sql`${posts.id} desc nulls last`],
  title: [asc(posts.title), asc(posts.id)],
}

// Keyset conditions matching ORDER: rows strictly after the cursor's (sort value, id), so the index
// serves any depth at the cost of the first page.
const AFTER: Record<PostSort, (v: CursorValue[]) => SQL> = {
  '-publishedAt': ([at, id]) => sql`(${posts.publishedAt}, ${posts.id}) < (${at}::timestamptz, ${id}::uuid)`,
  publishedAt: ([at, id]) => sql`(${posts.publishedAt}, ${posts.id}) > (${at}::timestamptz, ${id}::uuid)`,
  '-updatedAt': ([at, id]) => sql`(${posts.updatedAt}, ${posts.id}) < (${at}::timestamptz, ${id}::uuid)`,
  title: ([title, id]) => sql`(${posts.title}, ${posts.id}) > (${title}::text, ${id}::uuid)`,
}

/** The cursor values of a row under a sort: what AFTER compares with. */
export function keysetOf(row: PostSummaryRow, sort: PostSort): CursorValue[] {
  switch (sort) {
    case '-publishedAt':
    case 'publishedAt': return [row.publishedAt?.toISOString() ?? null, row.id]
    case '-updatedAt': return [row.updatedAt.toISOString(), row.id]
    case 'title': return [row.title, row.id]
  }
}

export interface ListOptions {
  /** Also select the sanitised html (feeds). */
  html?: boolean
  /** Keyset paging: start after these sort values (from keysetOf) instead of at the page's offset. */
  after?: CursorValue[]
  /** Count the matches too (a second query); false skips it. */
  count?: boolean
}

/**
 * One page of posts matching the filters (summaries: lists never read bodies) and, unless asked not to,
 * their total: two queries. A search is ranked by relevance (ties newest first) unless a sort is given.
 * One more row than the limit is read, to know whether another page follows.
 */
export async function listPosts(
  db: Executor, filters: PostFilters, sort: PostSort | undefined, page: PageRequest, options: ListOptions & { html: true },
): Promise<{ rows: PostWithHtmlRow[]; total: number | undefined; hasMore: boolean }>
export async function listPosts(
  db: Executor, filters: PostFilters, sort: PostSort | undefined, page: PageRequest, options?: ListOptions,
): Promise<{ rows: PostSummaryRow[]; total: number | undefined; hasMore: boolean }>
export async function listPosts(
  db: Executor, filters: PostFilters, sort: PostSort | undefined, page: PageRequest, options: ListOptions = {},
): Promise<{ rows: PostSummaryRow[]; total: number | undefined; hasMore: boolean }> {
  const conditions = filterConditions(db, filters)
  const where = and(...conditions)
  const order = sort ? ORDER[sort] : filters.q ? [desc(rank(searchQuery(filters.q))), ...ORDER['-publishedAt']] : ORDER['-publishedAt']
  const columns = options.html ? { ...summaryColumns, html: posts.html } : summaryColumns
  const pageQuery = options.after && sort
    ? db.select(columns).from(posts).where(and(...conditions, AFTER[sort](options.after))).orderBy(...order).limit(page.limit + 1)
    : db.select(columns).from(posts).where(where).orderBy(...order).limit(page.limit + 1).offset(offsetOf(page))
  const [rows, totalRows] = await Promise.all([
    pageQuery,
    options.count === false ? undefined : db.select({ n: count() }).from(posts).where(where),
  ])
  return { rows: rows.slice(0, page.limit), total: totalRows ? (totalRows[0]?.n ?? 0) : undefined, hasMore: rows.length > page.limit }
}

export interface PostStats {
  total: number
  newestPublishedAt: Date | null
  /** The content state (src/db/content-state.ts) in the same snapshot as the counts. */
  contentVersion: number
  contentChangedAt: Date
}

/**
 * How many public posts match the filters, when the newest was published, and the content state, in one
 * statement: one snapshot and one round trip. Feeds derive their validators from it without reading a post.
 */
export async function publicPostStats(db: Executor, filters: PostFilters): Promise<PostStats> {
  const state = (column: typeof contentState.version | typeof contentState.changedAt) =>
    sql`(select ${column} from ${contentState} where ${contentState.id} = 1)`
  const [row] = await db
    .select({
      total: count(),
      newestPublishedAt: max(posts.publishedAt),
      contentVersion: state(contentState.version).mapWith(Number),
      contentChangedAt: state(contentState.changedAt).mapWith(contentState.changedAt),
    })
    .from(posts)
    .where(and(...filterConditions(db, filters)))
  return {
    total: row?.total ?? 0,
    newestPublishedAt: row?.newestPublishedAt ?? null,
    contentVersion: row?.contentVersion ?? 0,
    contentChangedAt: row?.contentChangedAt ?? new Date(0),
  }
}

/** A post by id or slug (see RefParamsSchema), if the visibility lets the reader see it. */
export async function findPost(db: Executor, idOrSlug: string, visibility: Visibility): Promise<PostRow | undefined> {
  const [row] = await db.select(postColumns).from(posts).where(and(refCondition(posts, idOrSlug), visibleAs(visibility)))
  return row
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

export interface PostLinks {
  authors: Map<string, (typeof authors.$inferSelect)[]>
  tags: Map<string, (typeof tags.$inferSelect)[]>
}

/** The ordered authors and tags of many posts at once: two queries whatever the number of posts. */
export async function loadPostLinks(db: Executor, postIds: string[]): Promise<PostLinks> {
  const links: PostLinks = { authors: new Map(), tags: new Map() }
  if (postIds.length === 0) return links
  const [authorRows, tagRows] = await Promise.all([
    db
      .select({ postId: postAuthors.postId, author: authors })
      .from(postAuthors)
      .innerJoin(authors, eq(authors.id, postAuthors.authorId))
      .where(inArray(postAuthors.postId, postIds))
      .orderBy(postAuthors.postId, postAuthors.position),
    db
      .select({ postId: postTags.postId, tag: tags })
      .from(postTags)
      .innerJoin(tags, eq(tags.id, postTags.tagId))
      .where(inArray(postTags.postId, postIds))
      .orderBy(postTags.postId, postTags.position),
  ])
  for (const { postId, author } of authorRows) push(links.authors, postId, author)
  for (const { postId, tag } of tagRows) push(links.tags, postId, tag)
  return links
}

function push<T>(map: Map<string, T[]>, key: string, value: T) {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
