import { and, count, eq, inArray, ne, sql } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import { lockFor } from '../db/advisory-lock.js'
import type { Db, Executor } from '../db/client.js'
import { posts, type ResourceKind } from '../db/schema.js'
import { writeMoment, writeTransaction, writeUnlessUnchanged } from '../db/transaction.js'
import { claimSlug, forgetSlugs, noSuchResource, recordSlugChange } from '../modules/slugs/queries.js'
import { assertPreconditions, type Preconditions } from './conditional.js'
import { ConflictError, type FieldError } from './errors.js'
import { refCondition } from './ref.js'
import { uniqueSlugFor } from './unique-slug.js'

type Table = PgTable & { id: PgColumn; slug: PgColumn; name: PgColumn; updatedAt: PgColumn }

export interface LinkedResourceStore<Out> {
  kind: Exclude<ResourceKind, 'post'>
  table: Table
  /** The representation served for a row id (with its post count), or undefined. */
  represent: (db: Executor, id: string) => Promise<Out | undefined>
  /**
   * The table linking it to posts and its columns; the fields of it that posts show (a patch of any of them
   * changes those posts' representation); and whether deleting it removes it from posts (a tag) rather than
   * being refused while posts have it (an author).
   */
  links: { table: PgTable; postId: PgColumn; linkedId: PgColumn; shown: readonly string[]; removedOnDelete: boolean }
  /**
   * Whether a name may be given to one row only (compared without case): a second tag called "Observability"
   * would be a near-duplicate (`observability-2`) splitting posts between the two. Two people may share a
   * name. Checked on writes: names an older database already repeats stay as they are.
   */
  uniqueName: boolean
}

/**
 * The row of `table` (but `exceptId`) that has this name, compared without case, if any (the first by slug,
 * when several have it). The name is locked until the transaction ends: two writes of one name at once take
 * turns, and the second finds the first's row.
 */
export async function rowNamed(tx: Executor, kind: Exclude<ResourceKind, 'post'>, table: Table, name: string, exceptId?: string): Promise<{ id: string; slug: string } | undefined> {
  const key = sql`lower(${name.trim()})`
  await lockFor(tx, 'name', sql`${kind} || ':' || ${key}`)
  const [row] = await tx
    .select({ id: table.id, slug: table.slug })
    .from(table as PgTable)
    .where(and(sql`lower(${table.name}) = ${key}`, exceptId ? ne(table.id, exceptId) : undefined))
    .orderBy(table.slug)
    .limit(1)
  return row as { id: string; slug: string } | undefined
}

/** The 409 for a name the `kind` `holder` has: `field` is where the name came from, with why it is refused. */
export function nameTaken(kind: string, holder: string, field: FieldError): Error {
  return Object.assign(new ConflictError(`The ${kind} ${holder} already has this name: use it, or give this one another name`), { code: 'QUIRE_NAME_TAKEN', fields: [field] })
}

/** Refuses a name another row of the store has (but `exceptId`), when its names are unique: a 409 naming it. */
async function assertNameFree<Out>(store: LinkedResourceStore<Out>, tx: Executor, name: string, exceptId?: string): Promise<void> {
  if (!store.uniqueName) return
  const other = await rowNamed(tx, store.kind, store.table, name, exceptId)
  if (other) throw nameTaken(store.kind, other.slug, { in: 'body', name: '/name', message: `is the name of the ${store.kind} ${other.slug}` })
}

/**
 * Notes on the posts that show it that their representation changed (posts.links_changed_at), at the write's
 * moment (see writeMoment), for their Last-Modified.
 */
async function touchLinkedPosts<Out>(store: LinkedResourceStore<Out>, tx: Executor, id: string): Promise<void> {
  const { table, postId, linkedId } = store.links
  await tx.update(posts).set({ linksChangedAt: writeMoment() }).where(inArray(posts.id, tx.select({ id: postId }).from(table).where(eq(linkedId, id))))
}

// Tags and authors are written the same way: a slug (given, or derived from the name and made unique),
// slug history on rename, If-Match against the current representation, each use case one transaction.

async function lockForWrite<Out>(store: LinkedResourceStore<Out>, tx: Executor, idOrSlug: string, preconditions: Preconditions<Out>) {
  const [row] = await tx
    .select({ id: store.table.id, slug: store.table.slug, updatedAt: store.table.updatedAt })
    .from(store.table as PgTable)
    .where(refCondition(store.table, idOrSlug))
    // Not FOR UPDATE, which a post's write linking it would wait for (the foreign key's KEY SHARE) while this
    // write waits for that post (touchLinkedPosts): a deadlock. A slug's change takes the stronger lock later.
    .for('no key update')
  if (!row) throw await noSuchResource(tx, store.kind, idOrSlug)
  const current = row as { id: string; slug: string; updatedAt: Date }
  // Read once, if a precondition or the write needs it.
  let before: Out | undefined
  const represented = async () => (before ??= (await store.represent(tx, current.id))!)
  await assertPreconditions(preconditions, represented, current.updatedAt)
  return { current, represented }
}

export async function createLinked<Out>(
  store: LinkedResourceStore<Out>, db: Db, body: { name: string; slug?: string },
): Promise<Out> {
  const { slug: given, ...values } = body
  return writeTransaction(db, async (tx) => {
    await assertNameFree(store, tx, body.name)
    const slug = given ?? (await uniqueSlugFor(tx, store.table, body.name, store.kind))
    await claimSlug(tx, store.kind, slug)
    const [row] = await tx.insert(store.table).values({ ...values, name: body.name.trim(), slug }).returning({ id: store.table.id })
    return (await store.represent(tx, (row as { id: string }).id))!
  })
}

export async function updateLinked<Out>(
  store: LinkedResourceStore<Out>, db: Db, idOrSlug: string, patch: { slug?: string; name?: string }, preconditions: Preconditions<Out>,
): Promise<Out> {
  return writeUnlessUnchanged(db, async (tx) => {
    const { current, represented } = await lockForWrite(store, tx, idOrSlug, preconditions)
    const before = await represented()
    if (patch.name !== undefined) await assertNameFree(store, tx, patch.name, current.id)
    if (patch.slug !== undefined) await recordSlugChange(tx, store.kind, current.id, current.slug, patch.slug)
    const values = { ...patch, ...(patch.name !== undefined ? { name: patch.name.trim() } : {}), updatedAt: writeMoment() }
    // Its posts first: a new slug locks the row as FOR UPDATE does, and a post's write waiting for that while
    // holding its post would deadlock with this one waiting for the post.
    if (store.links.shown.some((field) => field in patch)) await touchLinkedPosts(store, tx, current.id)
    await tx.update(store.table).set(values).where(eq(store.table.id, current.id))
    return { before, after: (await store.represent(tx, current.id))! }
  })
}

export async function deleteLinked<Out>(store: LinkedResourceStore<Out>, db: Db, idOrSlug: string, preconditions: Preconditions<Out>): Promise<void> {
  await writeTransaction(db, async (tx) => {
    const { id, slug } = (await lockForWrite(store, tx, idOrSlug, preconditions)).current
    // One that posts keep (an author) is refused while they have it, saying how many: the database refuses
    // it too (a post taking it meanwhile), but says neither which nor how many. Drafts count.
    if (!store.links.removedOnDelete) {
      const [row] = await tx.select({ n: count() }).from(store.links.table).where(eq(store.links.linkedId, id))
      if (row && row.n > 0) throw Object.assign(new ConflictError(`The ${store.kind} ${slug} still has ${row.n} ${row.n === 1 ? 'post' : 'posts'} (drafts included): give them another ${store.kind}, or delete them, first`), { code: 'QUIRE_IN_USE' })
    }
    await forgetSlugs(tx, store.kind, id)
    // The posts that had it lose it.
    if (store.links.removedOnDelete) await touchLinkedPosts(store, tx, id)
    await tx.delete(store.table).where(eq(store.table.id, id))
  })
}
