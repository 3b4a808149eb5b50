import { and, eq } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { authors, posts, slugHistory, tags, type ResourceKind } from '../../db/schema.js'
import { NotFoundError } from '../../lib/errors.js'
import { isUuid } from '../../lib/schemas.js'
import { isPublic } from '../posts/visibility.js'

/**
 * The current slug of whatever used to answer to `oldSlug`, or undefined. For posts only public ones
 * count, so a redirect never reveals a draft, unless the reader holds a key (`drafts too`). A path
 * reference that is an id (a UUID) is no old slug.
 */
export async function findCurrentSlug(db: Executor, kind: ResourceKind, oldSlug: string, drafts: 'public' | 'drafts too' = 'public'): Promise<string | undefined> {
  if (isUuid(oldSlug)) return undefined
  const history = and(eq(slugHistory.kind, kind), eq(slugHistory.oldSlug, oldSlug))
  if (kind === 'post') {
    const [row] = await db
      .select({ slug: posts.slug })
      .from(slugHistory)
      .innerJoin(posts, eq(posts.id, slugHistory.targetId))
      .where(and(history, drafts === 'public' ? isPublic() : undefined))
    return row?.slug
  }
  const table = kind === 'tag' ? tags : authors
  const [row] = await db.select({ slug: table.slug }).from(slugHistory).innerJoin(table, eq(table.id, slugHistory.targetId)).where(history)
  return row?.slug
}

/**
 * A slug a tag or an author takes stops redirecting elsewhere: it is public at once, and current slugs win
 * over history, so the history row is dropped rather than left to shadow nothing.
 *
 * A post taking an old slug of another leaves it: the post may be a draft or scheduled, and until the
 * public can see it the old slug keeps redirecting (findCurrentSlug is asked only when no public post has
 * the slug). Once it is public it answers for the slug itself.
 */
export async function claimSlug(tx: Executor, kind: 'tag' | 'author', slug: string): Promise<void> {
  await tx.delete(slugHistory).where(and(eq(slugHistory.kind, kind), eq(slugHistory.oldSlug, slug)))
}

/**
 * Records a rename so the old slug answers 301 to the resource's current one (see claimSlug for the new one).
 * `wasPublic`: whether the public could reach the resource at its old slug. One it could not (a draft, a
 * post not yet live) leaves a redirect already there as it is: the slug may be another post's old one,
 * which the draft took (see claimSlug).
 */
export async function recordSlugChange(
  tx: Executor, kind: ResourceKind, targetId: string, oldSlug: string, newSlug: string, wasPublic = true,
): Promise<void> {
  if (oldSlug === newSlug) return
  if (kind !== 'post') await claimSlug(tx, kind, newSlug)
  const insert = tx.insert(slugHistory).values({ kind, oldSlug, targetId })
  const target = [slugHistory.kind, slugHistory.oldSlug]
  await (wasPublic ? insert.onConflictDoUpdate({ target, set: { targetId, createdAt: new Date() } }) : insert.onConflictDoNothing({ target }))
}

export async function forgetSlugs(tx: Executor, kind: ResourceKind, targetId: string): Promise<void> {
  await tx.delete(slugHistory).where(and(eq(slugHistory.kind, kind), eq(slugHistory.targetId, targetId)))
}

/**
 * The 404 of a write to a reference nothing answers to. A write is not redirected (a client might repeat
 * it elsewhere without meaning to): when the reference is an old slug, the problem names the current one.
 */
export async function noSuchResource(db: Executor, kind: ResourceKind, idOrSlug: string): Promise<InstanceType<typeof NotFoundError>> {
  const current = await findCurrentSlug(db, kind, idOrSlug, 'drafts too')
  return new NotFoundError(`No ${kind} has the id or slug ${idOrSlug}${current ? `: it was renamed, and its slug is now ${current}` : ''}`)
}
