import { and, asc, count, desc, eq, exists, getTableColumns, gte, inArray, lt, max, notExists, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { authors, contentState, postAuthors, posts, postTags, tags } from '../../db/schema.js'
import { offsetOf, type PageRequest } from '../../lib/paging.js'
import type { PostSort } from './schemas.js'
import { isPublic } from './visibility.js'

export interface PostFilters {
  tag?: string[]
  tagsAll?: string[]
  excludeTags?: string[]
  author?: string[]
  featured?: boolean
  publishedAfter?: Date
  publishedBefore?: Date
}

const { html: _html, markdown: _markdown, ...summaryColumns } = getTableColumns(posts)
export type PostSummaryRow = Omit<typeof posts.$inferSelect, 'html' | 'markdown'>
export type PostRow = typeof posts.$inferSelect
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
  const where: SQL[] = [isPublic()]
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
  return where
}

const ORDER: Record<PostSort, SQL[]> = {
  '-publishedAt': [desc(posts.publishedAt), desc(posts.id)],
  publishedAt: [asc(posts.publishedAt), asc(posts.id)],
  '-updatedAt': [desc(posts.updatedAt), desc(posts.id)],
  title: [asc(posts.title), asc(posts.id)],
}

/**
 * One page of public posts matching the filters, and their total: two queries. Lists never read bodies;
 * feeds ask for the html with `{ html: true }` (the same query, one more column).
 */
export async function listPosts(db: Executor, filters: PostFilters, sort: PostSort, page: PageRequest): Promise<{ rows: PostSummaryRow[]; total: number }>
export async function listPosts(
  db: Executor,
  filters: PostFilters,
  sort: PostSort,
  page: PageRequest,
  options: { html: true },
): Promise<{ rows: PostWithHtmlRow[]; total: number }>
export async function listPosts(
  db: Executor,
  filters: PostFilters,
  sort: PostSort,
  page: PageRequest,
  options: { html?: boolean } = {},
): Promise<{ rows: PostSummaryRow[]; total: number }> {
  const where = and(...filterConditions(db, filters))
  const columns = options.html ? { ...summaryColumns, html: posts.html } : summaryColumns
  const [rows, [totalRow]] = await Promise.all([
    db.select(columns).from(posts).where(where).orderBy(...ORDER[sort]).limit(page.limit).offset(offsetOf(page)),
    db.select({ n: count() }).from(posts).where(where),
  ])
  return { rows, total: totalRow?.n ?? 0 }
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

export async function findPublicPostBySlug(db: Executor, slug: string): Promise<PostRow | undefined> {
  const [row] = await db.select().from(posts).where(and(eq(posts.slug, slug), isPublic()))
  return row
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
