import { count } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { authors, posts, tags } from '../../db/schema.js'
import { authorShownToPublic } from '../authors/queries.js'
import { isPublic } from '../posts/visibility.js'
import { tagShownToPublic } from '../tags/queries.js'

/** What the blog holds that the public sees. */
export interface SiteCounts { posts: number; tags: number; authors: number }

export async function siteCounts(db: Executor): Promise<SiteCounts> {
  const [[p], [t], [a]] = await Promise.all([
    db.select({ n: count() }).from(posts).where(isPublic()),
    // Those the public sees (see shownToPublic), as /v1/tags and /v1/authors list them.
    db.select({ n: count() }).from(tags).where(tagShownToPublic(db)),
    db.select({ n: count() }).from(authors).where(authorShownToPublic(db)),
  ])
  return { posts: p?.n ?? 0, tags: t?.n ?? 0, authors: a?.n ?? 0 }
}
