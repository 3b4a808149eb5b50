import { eq, inArray, sql } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { authors, postAuthors, posts, postTags, tags } from '../../db/schema.js'
import { InvalidFieldsError } from '../../lib/errors.js'
import { refCondition } from '../../lib/ref.js'
import { idsBySlug } from '../slugs/queries.js'
import { postColumns, type PostRow } from './queries.js'

export type PostValues = Omit<typeof posts.$inferInsert, 'id'>

/** The post row, locked until the transaction ends, so concurrent writers of one post take turns. */
export async function lockPost(tx: Executor, idOrSlug: string): Promise<PostRow | undefined> {
  const [row] = await tx.select(postColumns).from(posts).where(refCondition(posts, idOrSlug)).for('update')
  return row
}

export async function insertPost(tx: Executor, values: PostValues): Promise<string> {
  const [row] = await tx.insert(posts).values(values).returning({ id: posts.id })
  return row!.id
}

/**
 * Stamped with the clock's time, not the transaction's start (`now()`), which comes before any wait for the
 * post's lock: the post's Last-Modified (see postChangedAt) could otherwise name a moment before a change
 * that a client read during the wait, and revalidating with that client's date would get a 304 for this one.
 */
export async function updatePostRow(tx: Executor, id: string, values: Partial<PostValues>): Promise<void> {
  await tx.update(posts).set({ ...values, updatedAt: sql`clock_timestamp()` }).where(eq(posts.id, id))
}

export async function deletePostRow(tx: Executor, id: string): Promise<void> {
  await tx.delete(posts).where(eq(posts.id, id))
}

/** The ids of rows of `table` by slug, current or old (see idsBySlug in the slugs module). */
async function idsOf(tx: Executor, table: typeof tags | typeof authors, slugs: string[]): Promise<Map<string, string>> {
  const kind = table === tags ? 'tag' : 'author'
  return (await idsBySlug(tx, { [kind]: slugs }))[kind]
}

/**
 * Ids for (slug, name) pairs, in the order given, creating the rows that do not exist yet (never renaming
 * one). An old slug names the row that has it now: a post given a tag's old slug gets that tag, rather than
 * a new one that would take the slug from its redirect.
 */
async function idsCreating(tx: Executor, table: typeof tags | typeof authors, rows: { slug: string; name: string }[]): Promise<string[]> {
  if (rows.length === 0) return []
  const known = await idsOf(tx, table, rows.map((r) => r.slug))
  const missing = rows.filter((r) => !known.has(r.slug))
  if (missing.length === 0) return rows.map((r) => known.get(r.slug)!)
  await tx.insert(table).values(missing).onConflictDoNothing({ target: table.slug })
  const ids = await idsOf(tx, table, rows.map((r) => r.slug))
  return rows.map((r) => ids.get(r.slug)!)
}

/** Author ids for slugs, in the order given; every unknown slug is a named field error. */
export async function authorIdsFor(tx: Executor, slugs: string[], field = '/authors'): Promise<string[]> {
  const ids = await idsOf(tx, authors, slugs)
  const unknown = slugs.flatMap((slug, i) => (ids.has(slug) ? [] : [{ in: 'body' as const, name: `${field}/${i}`, message: `is "${slug}", which is no author's slug` }]))
  if (unknown.length > 0) throw new InvalidFieldsError(unknown)
  return slugs.map((slug) => ids.get(slug)!)
}

/**
 * Tag ids for slugs, in the order given, creating the tags that do not exist yet: named by `names` when it
 * has the slug (an import knows the display names), else from the slug.
 */
export async function tagIdsFor(tx: Executor, slugs: string[], names?: ReadonlyMap<string, string>): Promise<string[]> {
  const nameOf = (slug: string) => names?.get(slug) ?? slug.split('-').map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w)).join(' ')
  return idsCreating(tx, tags, slugs.map((slug) => ({ slug, name: nameOf(slug) })))
}

/** Author ids for (slug, name) pairs, in the order given, creating the authors that do not exist yet. */
export async function authorIdsCreating(tx: Executor, people: { slug: string; name: string }[]): Promise<string[]> {
  return idsCreating(tx, authors, people)
}

export async function setPostAuthors(tx: Executor, postId: string, authorIds: string[]): Promise<void> {
  await tx.delete(postAuthors).where(eq(postAuthors.postId, postId))
  await tx.insert(postAuthors).values(authorIds.map((authorId, position) => ({ postId, authorId, position })))
}

export async function setPostTags(tx: Executor, postId: string, tagIds: string[]): Promise<void> {
  await tx.delete(postTags).where(eq(postTags.postId, postId))
  if (tagIds.length > 0) await tx.insert(postTags).values(tagIds.map((tagId, position) => ({ postId, tagId, position })))
}
