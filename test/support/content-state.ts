import { eq } from 'drizzle-orm'
import type { Executor } from '../../src/db/client.js'
import { contentState } from '../../src/db/schema.js'

export interface ContentState {
  /**
   * Advanced by every statement that changes what a reader without a key can see (database triggers),
   * whoever ran it.
   */
  version: number
  changedAt: Date
}

/** The content version's row, as the database triggers leave it: what tests watch writes advance. */
export async function readContentState(db: Executor): Promise<ContentState> {
  const [row] = await db.select({ version: contentState.version, changedAt: contentState.changedAt }).from(contentState).where(eq(contentState.id, 1))
  return row ?? { version: 0, changedAt: new Date(0) }
}
