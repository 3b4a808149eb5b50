import { count, desc, sql } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { posts } from '../../db/schema.js'
import { isPublic } from '../posts/visibility.js'

export interface ArchiveMonth { year: number; month: number; count: number }

/** Public posts per calendar month (UTC), newest month first. */
export async function listArchiveMonths(db: Executor): Promise<ArchiveMonth[]> {
  const year = sql<number>`extract(year from ${posts.publishedAt} at time zone 'UTC')::int`
  const month = sql<number>`extract(month from ${posts.publishedAt} at time zone 'UTC')::int`
  return db
    .select({ year, month, count: count() })
    .from(posts)
    .where(isPublic())
    .groupBy(year, month)
    .orderBy(desc(year), desc(month))
}
