import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm'
import { textOf } from '../content/derive.js'
import { SANITIZER_VERSION, sanitizeHtml } from '../content/sanitize.js'
import type { Db } from './client.js'
import { posts } from './schema.js'
import { writeMoment } from './transaction.js'

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

/**
 * The html of posts sanitised under older rules than SANITIZER_VERSION (or before the rules had versions),
 * sanitised again under the current ones; returns how many posts' html changed. Their representation
 * changed without an edit: links_changed_at (their Last-Modified) moves, updated_at stays. The others only
 * have their version noted. Idempotent and batched; runs after every migration.
 *
 * A post is written only if its html is still what was read: a replica running the code before this one
 * may store a new body meanwhile (unversioned), which the next start reads again.
 */
export async function backfillSanitizedHtml(db: Db, batch = 200): Promise<number> {
  const older = or(isNull(posts.sanitizerVersion), lt(posts.sanitizerVersion, SANITIZER_VERSION))
  let changed = 0
  // In the order of ids, each batch after the last: a batch does not read again past the posts done before.
  let after: string | undefined
  for (;;) {
    const rows = await db.select({ id: posts.id, html: posts.html }).from(posts)
      .where(after === undefined ? older : and(older, gt(posts.id, after))).orderBy(posts.id).limit(batch)
    if (rows.length === 0) return changed
    after = rows.at(-1)!.id
    await db.transaction(async (tx) => {
      const same: typeof rows = []
      for (const row of rows) {
        const html = sanitizeHtml(row.html)
        if (html === row.html) {
          same.push(row)
          continue
        }
        const written = await tx.update(posts)
          .set({ html, sanitizerVersion: SANITIZER_VERSION, linksChangedAt: writeMoment() })
          .where(and(eq(posts.id, row.id), eq(posts.html, row.html)))
          .returning({ id: posts.id })
        changed += written.length
      }
      if (same.length === 0) return
      const ids = sql.param(same.map((row) => row.id))
      const htmls = sql.param(same.map((row) => row.html))
      await tx.execute(sql`update ${posts} set ${sql.identifier(posts.sanitizerVersion.name)} = ${SANITIZER_VERSION}
        from unnest(${ids}::uuid[], ${htmls}::text[]) as read (id, html)
        where ${posts.id} = read.id and ${posts.html} = read.html`)
    })
  }
}
