import { eq, getTableColumns, inArray, sql } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { authors, postAuthors, posts, postTags, tags } from '../../db/schema.js'
import { InvalidFieldsError } from '../../lib/errors.js'
import { refCondition } from '../../lib/ref.js'
import type { PostRow } from './queries.js'

export type PostValues = Omit<typeof posts.$inferInsert, 'id'>

/** The post row, locked until the transaction ends, so concurrent writers of one post take turns. */
export async function lockPost(tx: Executor, idOrSlug: string): Promise<PostRow | undefined> {
  const { searchVector: _, ...columns } = getTableColumns(posts)
  const [row] = await tx.select(columns).from(posts).where(refCondition(posts, idOrSlug)).for('update')
  return row
}

export async function insertPost(tx: Executor, values: PostValues): Promise<string> {
  const [row] = await tx.insert(posts).values(values).returning({ id: posts.id })
  return row!.id
}

export async function updatePostRow(tx: Executor, id: string, values: Partial<PostValues>): Promise<void> {
  await tx.update(posts).set({ ...values, updatedAt: sql`now()` }).where(eq(posts.id, id))
}

export async function deletePostRow(tx: Executor, id: string): Promise<void> {
  await tx.delete(posts).where(eq(posts.id, id))
}

/** Author ids for slugs, in the order given; every unknown slug is a named field error. */
export async function authorIdsFor(tx: Executor, slugs: string[], field = '/authors'): Promise<string[]> {
  const rows = await tx.select({ id: authors.id, slug: authors.slug }).from(authors).where(inArray(authors.slug, slugs))
  const ids = new Map(rows.map((r) => [r.slug, r.id]))
  const unknown = slugs.flatMap((slug, i) => (ids.has(slug) ? [] : [{ in: 'body' as const, name: `${field}/${i}`, message: `no author has the slug "${slug}"` }]))
  if (unknown.length > 0) throw new InvalidFieldsError(unknown)
  return slugs.map((slug) => ids.get(slug)!)
}

/**
 * Tag ids for slugs, in the order given, creating the tags that do not exist yet: named by `names` when it
 * has the slug (an import knows the display names), else from the slug.
 */
export async function tagIdsFor(tx: Executor, slugs: string[], names?: ReadonlyMap<string, string>): Promise<string[]> {
  if (slugs.length === 0) return []
  const nameOf = (slug: string) => names?.get(slug) ?? slug.split('-').map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w)).join(' ')
  await tx
    .insert(tags)
    .values(slugs.map((slug) => ({ slug, name: nameOf(slug) })))
    .onConflictDoNothing({ target: tags.slug })
  const rows = await tx.select({ id: tags.id, slug: tags.slug }).from(tags).where(inArray(tags.slug, slugs))
  const ids = new Map(rows.map((r) => [r.slug, r.id]))
  return slugs.map((slug) => ids.get(slug)!)
}

/** Author ids for (slug, name) pairs, in the order given, creating the authors that do not exist yet. */
export async function authorIdsCreating(tx: Executor, people: { slug: string; name: string }[]): Promise<string[]> {
  if (people.length === 0) return []
  await tx.insert(authors).values(people).onConflictDoNothing({ target: authors.slug })
  const slugs = people.map((p) => p.slug)
  const rows = await tx.select({ id: authors.id, slug: authors.slug }).from(authors).where(inArray(authors.slug, slugs))
  const ids = new Map(rows.map((r) => [r.slug, r.id]))
  return slugs.map((slug) => ids.get(slug)!)
}

export async function setPostAuthors(tx: Executor, postId: string, authorIds: string[]): Promise<void> {
  await tx.delete(postAuthors).where(eq(postAuthors.postId, postId))
  await tx.insert(postAuthors).values(authorIds.map((authorId, position) => ({ postId, authorId, position })))
}

export async function setPostTags(tx: Executor, postId: string, tagIds: string[]): Promise<void> {
  await tx.delete(postTags).where(eq(postTags.postId, postId))
  if (tagIds.length > 0) await tx.insert(postTags).values(tagIds.map((tagId, position) => ({ postId, tagId, position })))
}
