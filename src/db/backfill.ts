import { and, eq, gt, isNull, lt, or } from 'drizzle-orm'
import { textOf } from '../content/derive.js'
import { prepareContent } from '../content/prepare.js'
import { SANITIZER_VERSION } from '../content/sanitize.js'
import type { Db } from './client.js'
import { contentState, posts } from './schema.js'
import { writeMoment, writeTransaction } from './transaction.js'

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
 * made again under the current ones (from their Markdown, if they were written in it), once for each version (content_state.sanitizer_version notes the
 * pass done); returns how many posts' html changed. Those are written as the write API would write that
 * html (prepareContent: text, excerpt, word count follow), but their representation changed without an
 * edit: links_changed_at (their Last-Modified) moves, updated_at stays. A post the new rules leave as it is
 * is not written at all: rewriting each row of a large archive would advance the content version (emptying
 * every replica's caches) for every batch, and leave the table and its indexes bloated.
 *
 * A post is written only if its html is still what was read: a replica running older code may store a
 * new body meanwhile, which is then left as it is, until a later version's pass. A batch that deadlocks
 * with a write (a tag renamed locks its posts in another order) is run again.
 */
export async function backfillSanitizedHtml(db: Db, batch = 200): Promise<number> {
  const [state] = await db.select({ version: contentState.sanitizerVersion }).from(contentState)
  if (state?.version != null && state.version >= SANITIZER_VERSION) return 0
  const older = or(isNull(posts.sanitizerVersion), lt(posts.sanitizerVersion, SANITIZER_VERSION))
  let changed = 0
  // In the order of ids, each batch after the last: a batch does not read again past the posts done before.
  let after: string | undefined
  for (;;) {
    const rows = await db.select({ id: posts.id, html: posts.html, markdown: posts.markdown, customExcerpt: posts.customExcerpt }).from(posts)
      .where(after === undefined ? older : and(older, gt(posts.id, after))).orderBy(posts.id).limit(batch)
    if (rows.length === 0) break
    after = rows.at(-1)!.id
    // A post written in Markdown is rendered from it again: what older rules took from its html, its source
    // still has. Only those whose html changes are written. One whose Markdown cannot be rendered again (a
    // body the renderer now fails on) has its html sanitised again instead: older rules may have let through
    // what these refuse. A start must not fail on a post: one whose html cannot be either keeps it.
    const rewritten = rows.flatMap((row) => {
      const prepare = (body: { markdown: string } | { html: string }) => {
        try {
          return prepareContent(body, row.customExcerpt)
        } catch {
          return undefined
        }
      }
      const prepared = (row.markdown !== null ? prepare({ markdown: row.markdown }) : undefined) ?? prepare({ html: row.html })
      if (!prepared) return []
      const { markdown: _source, ...content } = prepared
      return content.html === row.html ? [] : [{ row, content }]
    })
    if (rewritten.length === 0) continue
    changed += await writeTransaction(db, async (tx) => {
      let written = 0
      for (const { row, content } of rewritten) {
        const done = await tx.update(posts)
          .set({ ...content, linksChangedAt: writeMoment() })
          .where(and(eq(posts.id, row.id), eq(posts.html, row.html)))
          .returning({ id: posts.id })
        written += done.length
      }
      return written
    })
  }
  await db.update(contentState).set({ sanitizerVersion: SANITIZER_VERSION })
  return changed
}
