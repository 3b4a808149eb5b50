import { and, eq, inArray, sql } from 'drizzle-orm'
import { rowsOf, type Executor } from '../../db/client.js'
import { writeMoment } from '../../db/transaction.js'
import { authors, posts, slugHistory, tags, type ResourceKind } from '../../db/schema.js'
import { NotFoundError } from '../../lib/errors.js'
import { isUuid } from '../../lib/schemas.js'
import { authorShownToPublic } from '../authors/queries.js'
import { isPublic } from '../posts/visibility.js'
import { tagShownToPublic } from '../tags/queries.js'

/**
 * The current slug of whatever used to answer to `oldSlug`, or undefined. Only what the public sees counts
 * (a public post, a tag or author shown to the public), so a redirect never reveals a draft or what a
 * draft brought in, unless the reader holds a key (`drafts too`). A path reference that is an id (a UUID)
 * is no old slug.
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
  const shown = drafts === 'public' ? (kind === 'tag' ? tagShownToPublic(db) : authorShownToPublic(db)) : undefined
  const [row] = await db.select({ slug: table.slug }).from(slugHistory).innerJoin(table, eq(table.id, slugHistory.targetId)).where(and(history, shown))
  return row?.slug
}

/**
 * The ids of the tags or authors that the given slugs name, current or old: a renamed slug keeps working
 * wherever a slug is given (filters, a post's tags and authors), as it does in a path. A slug another one
 * took is no longer old (see claimSlug). One statement for both kinds.
 */
export async function idsBySlug(db: Executor, slugs: { tag?: string[]; author?: string[] }): Promise<{ tag: Map<string, string>; author: Map<string, string> }> {
  const found = { tag: new Map<string, string>(), author: new Map<string, string>() }
  const parts = (['tag', 'author'] as const).flatMap((kind) => {
    const wanted = [...new Set(slugs[kind] ?? [])]
    if (wanted.length === 0) return []
    const table = kind === 'tag' ? tags : authors
    return [
      sql`select ${kind}::text as kind, ${table.slug} as slug, ${table.id}::text as id, true as current from ${table} where ${inArray(table.slug, wanted)}`,
      sql`select ${kind}::text, ${slugHistory.oldSlug}, ${slugHistory.targetId}::text, false from ${slugHistory}
        where ${and(eq(slugHistory.kind, kind), inArray(slugHistory.oldSlug, wanted))}`,
    ]
  })
  if (parts.length === 0) return found
  const rows = rowsOf<{ kind: 'tag' | 'author'; slug: string; id: string; current: boolean }>(await db.execute(sql.join(parts, sql` union all `)))
  // A current slug wins over an old one (claimSlug keeps them apart; a row written meanwhile might not).
  for (const row of rows) if (row.current || !found[row.kind].has(row.slug)) found[row.kind].set(row.slug, row.id)
  return found
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
  // Stamped by the database's clock as the write makes it, as every change a WebSub round reads (websub.ts).
  const insert = tx.insert(slugHistory).values({ kind, oldSlug, targetId, createdAt: writeMoment() })
  const target = [slugHistory.kind, slugHistory.oldSlug]
  await (wasPublic ? insert.onConflictDoUpdate({ target, set: { targetId, createdAt: writeMoment() } }) : insert.onConflictDoNothing({ target }))
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
