import { and, count, eq, lte, sql, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { Executor } from '../../db/client.js'
import { posts } from '../../db/schema.js'

/**
 * What the public sees: published posts whose publication time has come. Scheduling needs no job: a post
 * dated in the future turns visible when the clock passes it.
 */
export function isPublic(): SQL {
  return and(eq(posts.status, 'published'), lte(posts.publishedAt, sql`now()`))!
}

/** The same rule for a post row in hand (by this process's clock). */
export function isPublicRow(row: { status: string; publishedAt: Date | null }): boolean {
  return row.status === 'published' && row.publishedAt !== null && row.publishedAt <= new Date()
}

/**
 * Which posts a read may see: the public (`public`), or, for a request with an API key, drafts,
 * published posts including scheduled ones, or all.
 */
export type Visibility = 'public' | 'draft' | 'published' | 'all'

export function visibleAs(visibility: Visibility): SQL | undefined {
  switch (visibility) {
    case 'public': return isPublic()
    case 'draft': return eq(posts.status, 'draft')
    case 'published': return eq(posts.status, 'published')
    case 'all': return undefined
  }
}

/**
 * Published-post counts per linked resource (tag or author), as a subquery to left-join:
 * `{ id, postCount }` over the link table's `(resource id, post id)` columns.
 */
export function publicPostCounts(db: Executor, resourceId: PgColumn, postId: PgColumn, alias: string) {
  return db
    .select({ id: sql<string>`${resourceId}`.as('counted_id'), postCount: count().as('post_count') })
    .from(resourceId.table)
    .innerJoin(posts, eq(posts.id, postId))
    .where(isPublic())
    .groupBy(resourceId)
    .as(alias)
}
