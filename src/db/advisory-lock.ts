import { sql } from 'drizzle-orm'
import type { Executor } from './client.js'

/**
 * What a transaction-scoped advisory lock guards, as the first of its two keys: each purpose has its own
 * range of locks. (Any constants would do; these spell the purpose.)
 */
const PURPOSES = {
  /** Deriving a free slug from a base: two writes deriving from one base take turns. */
  slug: 0x534c_5547,
  /** Claiming a name that must be unique (a tag's). */
  name: 0x4e41_4d45,
  /** Loading the demo archive into an empty database: replicas starting together take turns. */
  seed: 0x5345_4544,
} as const

/**
 * Waits until no other transaction holds the lock for `purpose` and `key` (text, hashed), then holds it until
 * this one ends. Two writes checking the same thing before writing it take turns: under READ COMMITTED, the
 * second then sees what the first committed.
 */
export async function lockFor(tx: Executor, purpose: keyof typeof PURPOSES, key: ReturnType<typeof sql> | string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${PURPOSES[purpose]}, hashtext(${key}))`)
}
