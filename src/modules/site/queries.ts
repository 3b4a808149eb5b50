import { count } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { authors, posts, tags } from '../../db/schema.js'
import { isPublic } from '../posts/visibility.js'

export async function siteCounts(db: Executor): Promise<{ posts: number; tags: number; authors: number }> {
  const [[p], [t], [a]] = await Promise.all([
    db.select({ n: count() }).from(posts).where(isPublic()),
    db.select({ n: count() }).from(tags),
    db.select({ n: count() }).from(authors),
  ])
  return { posts: p?.n ?? 0, tags: t?.n ?? 0, authors: a?.n ?? 0 }
}
