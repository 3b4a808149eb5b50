import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import { WriteConflictError } from '../lib/errors.js'
import type { Db, Tx } from './client.js'

/**
 * SQLSTATEs after which PostgreSQL has rolled the transaction back and running it again as it was may
 * succeed: a deadlock (40P01: two writes locking the same rows in opposite orders, such as a tag renamed
 * while a post that has it is edited) and a serialization failure (40001).
 */
const RETRYABLE_STATES = new Set(['40P01', '40001'])

/** Whether a database error (or one it caused) is a deadlock or a serialization failure. */
function isTransientConflict(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && RETRYABLE_STATES.has(e.code)) return true
  }
  return false
}

/**
 * The moment a write stamps on what it changed (updated_at, links_changed_at): the clock's, not the
 * transaction's start (`now()`), which comes before any wait for a lock. A Last-Modified could otherwise name
 * a moment before a change that a client read during the wait, and revalidating with that client's date
 * (If-Modified-Since, If-Unmodified-Since) would pass for this one.
 */
export const writeMoment = () => sql<Date>`clock_timestamp()`

/** How many times a write transaction is run before its conflict is the client's answer (WriteConflictError, a 503). */
export const WRITE_ATTEMPTS = 3

/**
 * Runs `body` in a transaction, and again (up to WRITE_ATTEMPTS times in all) when the database rolled it back
 * for a deadlock or a serialization failure, as PostgreSQL's manual advises. `body` must depend only on what
 * it reads in the transaction and on its arguments, so that running it again is the same write (its checks,
 * If-Match included, are made again too). A short random pause before each new attempt keeps two colliding
 * writes from colliding again. The last attempt's conflict is thrown as a WriteConflictError.
 *
 * What the write answers with is read in the transaction too: once it has committed, answering must not
 * need another connection, which a busy pool may not give in time, and a write that committed must not be
 * answered with an error that invites the client to send it again.
 */
export async function writeTransaction<T>(db: Db, body: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(body)
    } catch (error) {
      if (!isTransientConflict(error)) throw error
      if (attempt >= WRITE_ATTEMPTS) throw new WriteConflictError({ cause: error })
      await sleep(5 + Math.random() * 20 * attempt)
    }
  }
}

/** Thrown through a write's transaction to roll it back (see writeUnlessUnchanged). */
class Unchanged extends Error {
  constructor(readonly representation: unknown) {
    super('the write changed nothing: rolled back')
  }
}

/** A representation as its client sees it, but for when it was last updated. */
function withoutUpdateTime(representation: unknown): string {
  const { updatedAt: _, ...rest } = representation as Record<string, unknown>
  return JSON.stringify(rest)
}

/**
 * A write to one resource (see writeTransaction) that is rolled back when it changed nothing: a PATCH
 * repeating what is there moves no `updatedAt` (which a feed shows as the item's update), advances no
 * content version and pings no hub. `body` hands back the resource's representation before the write (as
 * it was once locked and checked) and after it, and what it stores that the representation does not show
 * (`hidden`: a post's excerpt being its own rather than derived), before and after: all unchanged but for
 * the update time, the write is undone and `before` is the answer.
 */
export async function writeUnlessUnchanged<T>(
  db: Db, body: (tx: Tx) => Promise<{ before: T; after: T; hidden?: [before: unknown, after: unknown] }>,
): Promise<T> {
  try {
    return await writeTransaction(db, async (tx) => {
      const { before, after, hidden = [null, null] } = await body(tx)
      const same = withoutUpdateTime(before) === withoutUpdateTime(after) && JSON.stringify(hidden[0]) === JSON.stringify(hidden[1])
      if (same) throw new Unchanged(before)
      return after
    })
  } catch (error) {
    if (error instanceof Unchanged) return error.representation as T
    throw error
  }
}
