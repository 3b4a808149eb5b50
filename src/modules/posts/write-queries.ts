import { eq, inArray } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { authors, postAuthors, posts, postTags, tags } from '../../db/schema.js'
import { writeMoment } from '../../db/transaction.js'
import { clip } from '../../content/derive.js'
import { InvalidFieldsError, WriteConflictError } from '../../lib/errors.js'
import { nameTaken, rowNamed } from '../../lib/linked-resource-commands.js'
import { refCondition } from '../../lib/ref.js'
import { slugFrom } from '../../lib/slugs.js'
import { uniqueSlugFor } from '../../lib/unique-slug.js'
import { idsBySlug } from '../slugs/queries.js'
import { TAG_NAME_MAX_LENGTH } from '../tags/schemas.js'
import { postColumns, type PostRow } from './queries.js'
import { isPublicRow } from './visibility.js'

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

/** Stamped with the write's moment (see writeMoment): the post's Last-Modified (see postChangedAt). */
export async function updatePostRow(tx: Executor, id: string, values: Partial<PostValues>): Promise<void> {
  await tx.update(posts).set({ ...values, updatedAt: writeMoment() }).where(eq(posts.id, id))
}

export async function deletePostRow(tx: Executor, id: string): Promise<void> {
  await tx.delete(posts).where(eq(posts.id, id))
}

/** The ids of rows of `table` by slug, current or old (see idsBySlug in the slugs module). */
async function idsOf(tx: Executor, table: typeof tags | typeof authors, slugs: string[]): Promise<Map<string, string>> {
  const kind = table === tags ? 'tag' : 'author'
  return (await idsBySlug(tx, { [kind]: slugs }))[kind]
}

const tableOf = (kind: 'tag' | 'author') => (kind === 'tag' ? tags : authors)

/** Entries of named rows in the order of their names, compared as rowNamed compares (and locks) them. */
function byName([, a]: [number, { name: string }], [, b]: [number, { name: string }]): number {
  const [x, y] = [a.name.trim().toLowerCase(), b.name.trim().toLowerCase()]
  return x < y ? -1 : x > y ? 1 : 0
}

/** The post a write links tags to, as it is once written. */
export type LinkedPost = { status: string; publishedAt: Date | null }

/**
 * Whether the tags a write brings in for `post` are hidden until one of their posts is public (see
 * shownToPublic in post-counts.ts): when the post itself is not public yet (a draft, a scheduled post).
 */
const hiddenFor = (post: LinkedPost) => !isPublicRow(post)

/**
 * Those of `ids` still stored, locked (FOR KEY SHARE) until the write commits: a tag or author deleted by
 * another write after it was looked up is then not linked (a foreign key violation, which would answer
 * "in use"), and one deleted from now on waits for this write. Read committed: a row whose delete committed
 * meanwhile is not returned.
 */
async function lockedIds(tx: Executor, table: typeof tags | typeof authors, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await tx.select({ id: table.id }).from(table).where(inArray(table.id, ids)).orderBy(table.id).for('key share')
  return new Set(rows.map((row) => row.id))
}

/** How many times a tag deleted meanwhile is made again before the write is answered as a conflict (a 503 to retry). */
const TAG_LOOKUPS = 3

/**
 * Tag ids for (slug, name) pairs, in the order given, creating the tags that do not exist yet (never renaming
 * one), hidden as `post` asks (see hiddenFor), and locked (see lockedIds): one deleted by another write
 * meanwhile is made again, as any unknown tag is. An old slug names the tag that has it now: a post given a
 * tag's old slug gets that tag, rather than a new one that would take the slug from its redirect.
 * `existing` may name the tag a missing pair stands for after all (or refuse it); the others are created.
 */
async function tagIdsCreating(
  tx: Executor, rows: { slug: string; name: string }[], post: LinkedPost,
  existing?: (row: { slug: string; name: string }, index: number) => Promise<string | undefined>,
): Promise<string[]> {
  for (let lookup = 1; lookup <= TAG_LOOKUPS; lookup++) {
    const ids = await tagIdsFound(tx, rows, post, existing)
    const kept = await lockedIds(tx, tags, ids)
    if (ids.every((id) => kept.has(id))) return ids
  }
  throw new WriteConflictError({ cause: new Error('a tag was deleted by another write each time it was looked up') })
}

async function tagIdsFound(
  tx: Executor, rows: { slug: string; name: string }[], post: LinkedPost,
  existing?: (row: { slug: string; name: string }, index: number) => Promise<string | undefined>,
): Promise<string[]> {
  if (rows.length === 0) return []
  const known = await idsOf(tx, tags, rows.map((r) => r.slug))
  const missing: { slug: string; name: string }[] = []
  // In the order of their names: `existing` may lock a name (see rowNamed), and two writes locking two names
  // in opposite orders would wait for each other.
  const unknown = [...rows.entries()].filter(([, row]) => !known.has(row.slug)).sort(byName)
  for (const [index, row] of unknown) {
    const id = await existing?.(row, index)
    if (id) known.set(row.slug, id)
    else missing.push(row)
  }
  if (missing.length === 0) return rows.map((r) => known.get(r.slug)!)
  const hiddenUntilPublished = hiddenFor(post)
  await tx.insert(tags).values(missing.map((row) => ({ ...row, hiddenUntilPublished }))).onConflictDoNothing({ target: tags.slug })
  const ids = await idsOf(tx, tags, missing.map((r) => r.slug))
  return rows.map((r) => known.get(r.slug) ?? ids.get(r.slug)!)
}

/**
 * Refuses two references to one tag or author: a slug and an old slug of the same one. Each repeat is a field
 * error naming the item it repeats.
 */
function assertDistinct(kind: 'tag' | 'author', ids: string[], slugs: string[], field: string): string[] {
  const first = new Map<string, number>()
  const repeats = ids.flatMap((id, i) => {
    const j = first.get(id)
    if (j === undefined) return (first.set(id, i), [])
    return [{ in: 'body' as const, name: `${field}/${i}`, message: `is "${slugs[i]}", the same ${kind} as item ${j} ("${slugs[j]}", a slug it had or has): give each ${kind} once` }]
  })
  if (repeats.length > 0) throw new InvalidFieldsError(repeats)
  return ids
}

/** Author ids for slugs, in the order given; every unknown slug, and every author given twice, is a named field error. */
export async function authorIdsFor(tx: Executor, slugs: string[], field = '/authors'): Promise<string[]> {
  const found = await idsOf(tx, authors, slugs)
  // Locked (see lockedIds): one deleted by another write meanwhile is no author's slug.
  const kept = await lockedIds(tx, authors, [...found.values()])
  const ids = new Map([...found].filter(([, id]) => kept.has(id)))
  const unknown = slugs.flatMap((slug, i) => (ids.has(slug) ? [] : [{ in: 'body' as const, name: `${field}/${i}`, message: `is "${slug}", which is no author's slug` }]))
  if (unknown.length > 0) throw new InvalidFieldsError(unknown)
  return assertDistinct('author', slugs.map((slug) => ids.get(slug)!), slugs, field)
}

/**
 * Tag ids for slugs, in the order given, creating the tags that do not exist yet, named from the slug
 * (`event-sourcing`: "Event sourcing"), hidden until published when `post` is not public (see hiddenFor). A
 * tag given twice is a field error, and so is a new tag whose name another tag has (a 409, as POST /v1/tags
 * answers): that tag is the one to give.
 */
export async function tagIdsFor(tx: Executor, slugs: string[], post: LinkedPost, field = '/tags'): Promise<string[]> {
  // Within the longest name a tag takes: one read and sent back as it is must not be refused.
  const nameOf = (slug: string) => clip(slug.split('-').map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w)).join(' '), TAG_NAME_MAX_LENGTH)
  const ids = await tagIdsCreating(tx, slugs.map((slug) => ({ slug, name: nameOf(slug) })), post, async ({ slug, name }, index) => {
    const holder = await rowNamed(tx, 'tag', tags, name)
    // The tag itself, made by a write that committed while this one waited for its name.
    if (holder?.slug === slug) return holder.id
    if (holder) throw nameTaken('tag', holder.slug, { in: 'body', name: `${field}/${index}`, message: `is "${slug}", a new tag named "${name}", which is the name of the tag ${holder.slug}` })
    return undefined
  })
  return assertDistinct('tag', ids, slugs, field)
}

/**
 * The tag or author with the slug `name` makes (current or old), unless it is another name making the same
 * slug: "C++" and "C#" both make `c`, and are two tags. One given that slug for a name that would make
 * another ("Dr Priya Raman" at `priya-raman`) is the one meant.
 */
async function rowBySlugOfName(tx: Executor, kind: 'tag' | 'author', name: string): Promise<string | undefined> {
  const table = tableOf(kind)
  const made = slugFrom(name, kind)
  const id = (await idsOf(tx, table, [made])).get(made)
  if (!id) return undefined
  const [row] = await tx.select({ name: table.name }).from(table).where(eq(table.id, id))
  const anotherName = row !== undefined && slugFrom(row.name, kind) === made && row.name.trim().toLowerCase() !== name.trim().toLowerCase()
  return anotherName ? undefined : id
}

/**
 * Ids for tags or authors as an import names them, in the order given: the one of that name (compared
 * without case: the first by slug, when people share a name); else the one with the slug the source gives
 * (current or old: WordPress's); else, when it gives none, the one with the slug the name makes (see
 * rowBySlugOfName); else a new one, with the source's slug or one made from its name (`c-2` for "C#" when
 * "C++" has `c`); a new tag hidden until published when `post` is not public (see hiddenFor).
 */
export async function idsNamedCreating(tx: Executor, kind: 'tag' | 'author', named: { name: string; slug?: string }[], post: LinkedPost): Promise<string[]> {
  const table = tableOf(kind)
  const ids: string[] = []
  // In the order of their names: rowNamed locks each name, and two imports locking two names in opposite
  // orders would wait for each other.
  for (const [index, { name, slug }] of [...named.entries()].sort(byName)) {
    const id = (await rowNamed(tx, kind, table, name))?.id
      ?? (slug === undefined ? await rowBySlugOfName(tx, kind, name) : (await idsOf(tx, table, [slug])).get(slug))
    if (id) ids[index] = id
  }
  // Made in the order given: of two names making one slug, the first named has it.
  for (const [index, { name, slug }] of named.entries()) {
    if (ids[index]) continue
    const values = { name, slug: slug ?? (await uniqueSlugFor(tx, table, name, kind)) }
    const [row] = kind === 'tag'
      ? await tx.insert(tags).values({ ...values, hiddenUntilPublished: hiddenFor(post) }).returning({ id: tags.id })
      : await tx.insert(authors).values(values).returning({ id: authors.id })
    ids[index] = row!.id
  }
  return ids
}

/** Each once, at its first position: an import may name one tag or author by two slugs (a current and an old one). */
const once = (ids: string[]) => [...new Set(ids)]

/**
 * A post's authors or tags, in this order, unless they are those it has: a draft saved with the same ones
 * rewrites no link (a published post's written link is a change the content version announces).
 */
async function setLinks(tx: Executor, links: typeof postAuthors | typeof postTags, postId: string, ids: string[]): Promise<void> {
  const linkedId = links === postTags ? postTags.tagId : postAuthors.authorId
  const wanted = once(ids)
  const current = (await tx.select({ id: linkedId }).from(links).where(eq(links.postId, postId)).orderBy(links.position)).map((r) => r.id)
  if (current.length === wanted.length && current.every((id, i) => id === wanted[i])) return
  await tx.delete(links).where(eq(links.postId, postId))
  if (wanted.length === 0) return
  if (links === postTags) await tx.insert(postTags).values(wanted.map((tagId, position) => ({ postId, tagId, position })))
  else await tx.insert(postAuthors).values(wanted.map((authorId, position) => ({ postId, authorId, position })))
}

export async function setPostAuthors(tx: Executor, postId: string, authorIds: string[]): Promise<void> {
  await setLinks(tx, postAuthors, postId, authorIds)
}

export async function setPostTags(tx: Executor, postId: string, tagIds: string[]): Promise<void> {
  await setLinks(tx, postTags, postId, tagIds)
}
