import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Executor } from './client.js'
import { serviceSecrets } from './schema.js'

/**
 * The database's secret of this name: made (32 random bytes) by the first process to ask, and read by every
 * other, so that replicas sharing the database and the same process after a restart agree on it. Read
 * first: once it exists, starting needs no right to write the table.
 */
export async function serviceSecret(db: Executor, name: string): Promise<Buffer> {
  const read = async () => (await db.select({ value: serviceSecrets.value }).from(serviceSecrets).where(eq(serviceSecrets.name, name)))[0]
  let row = await read()
  if (!row) {
    // Replicas starting together: the first insert wins, and every one reads the winner's.
    await db.insert(serviceSecrets).values({ name, value: randomBytes(32).toString('base64url') }).onConflictDoNothing()
    row = await read()
  }
  if (!row) throw new Error(`the service secret "${name}" could not be stored`)
  return Buffer.from(row.value, 'base64url')
}
