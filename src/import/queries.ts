import { and, eq, sql } from 'drizzle-orm'
import type { Executor } from '../db/client.js'
import { importSources } from '../db/schema.js'

export interface ImportedItem { postId: string; contentHash: string }

/** What earlier runs imported from this source, by item id: one query, however long the file. */
export async function loadImported(db: Executor, source: string): Promise<Map<string, ImportedItem>> {
  const rows = await db
    .select({ sourceId: importSources.sourceId, postId: importSources.postId, contentHash: importSources.contentHash })
    .from(importSources)
    .where(eq(importSources.source, source))
  return new Map(rows.map((r) => [r.sourceId, { postId: r.postId, contentHash: r.contentHash }]))
}

/**
 * Records which post a new item became. A plain insert, so that of two imports of one file running at
 * once only one can create the item's post: the other's transaction fails and rolls its post back.
 */
export async function insertImported(tx: Executor, source: string, sourceId: string, item: ImportedItem): Promise<void> {
  await tx.insert(importSources).values({ source, sourceId, ...item })
}

/** Records that an item's post now holds the item's content as `contentHash`. */
export async function updateImported(tx: Executor, source: string, sourceId: string, contentHash: string): Promise<void> {
  await tx
    .update(importSources)
    .set({ contentHash, importedAt: sql`now()` })
    .where(and(eq(importSources.source, source), eq(importSources.sourceId, sourceId)))
}
