import { and, eq } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { authors, posts, slugHistory, tags, type ResourceKind } from '../../db/schema.js'
import { isPublic } from '../posts/visibility.js'

/**
 * The current slug of whatever used to answer to `oldSlug`, or undefined. For posts only public ones
 * count, so a redirect never reveals a draft.
 */
export async function findCurrentSlug(db: Executor, kind: ResourceKind, oldSlug: string): Promise<string | undefined> {
  const history = and(eq(slugHistory.kind, kind), eq(slugHistory.oldSlug, oldSlug))
  if (kind === 'post') {
    const [row] = await db
      .select({ slug: posts.slug })
      .from(slugHistory)
      .innerJoin(posts, eq(posts.id, slugHistory.targetId))
      .where(and(history, isPublic()))
    return row?.slug
  }
  const table = kind === 'tag' ? tags : authors
  const [row] = await db.select({ slug: table.slug }).from(slugHistory).innerJoin(table, eq(table.id, slugHistory.targetId)).where(history)
  return row?.slug
}

/**
 * A slug taken by a resource stops redirecting elsewhere: current slugs win over history, so the
 * history row is dropped rather than left to shadow nothing.
 */
export async function claimSlug(tx: Executor, kind: ResourceKind, slug: string): Promise<void> {
  await tx.delete(slugHistory).where(and(eq(slugHistory.kind, kind), eq(slugHistory.oldSlug, slug)))
}

/** Records a rename so the old slug answers 301 to the resource's current one. */
export async function recordSlugChange(tx: Executor, kind: ResourceKind, targetId: string, oldSlug: string, newSlug: string): Promise<void> {
  if (oldSlug === newSlug) return
  await claimSlug(tx, kind, newSlug)
  await tx
    .insert(slugHistory)
    .values({ kind, oldSlug, targetId })
    .onConflictDoUpdate({ target: [slugHistory.kind, slugHistory.oldSlug], set: { targetId, createdAt: new Date() } })
}

export async function forgetSlugs(tx: Executor, kind: ResourceKind, targetId: string): Promise<void> {
  await tx.delete(slugHistory).where(and(eq(slugHistory.kind, kind), eq(slugHistory.targetId, targetId)))
}
