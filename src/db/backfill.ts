import { eq, isNull } from 'drizzle-orm'
import { textOf } from '../content/derive.js'
import type { Db } from './client.js'
import { posts } from './schema.js'

/**
 * Data the SQL migrations cannot compute (they have no html parser): the visible text of posts written
 * before `body_text` existed. Idempotent and batched; runs after every migration.
 */
export async function backfillBodyText(db: Db, batch = 200): Promise<number> {
  let filled = 0
  for (;;) {
    const rows = await db.select({ id: posts.id, html: posts.html }).from(posts).where(isNull(posts.bodyText)).limit(batch)
    if (rows.length === 0) return filled
    await db.transaction(async (tx) => {
      for (const row of rows) await tx.update(posts).set({ bodyText: textOf(row.html).all }).where(eq(posts.id, row.id))
    })
    filled += rows.length
  }
}
