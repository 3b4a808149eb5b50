import { randomBytes, randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Executor } from './client.js'
import { serviceSecrets } from './schema.js'

/**
 * The database's value of this name: made (by `make`) by the first process to ask, and read by every other,
 * so that replicas sharing the database and the same process after a restart agree on it. Read first: once
 * it exists, starting needs no right to write the table. The table holds the service's secrets, and values
 * made the same way that need not be secret.
 */
async function serviceValue(db: Executor, name: string, make: () => string): Promise<string> {
  const read = async () => (await db.select({ value: serviceSecrets.value }).from(serviceSecrets).where(eq(serviceSecrets.name, name)))[0]
  let row = await read()
  if (!row) {
    // Replicas starting together: the first insert wins, and every one reads the winner's.
    await db.insert(serviceSecrets).values({ name, value: make() }).onConflictDoNothing()
    row = await read()
  }
  if (!row) throw new Error(`the service value "${name}" could not be stored`)
  return row.value
}

/** The database's secret of this name: 32 random bytes (see serviceValue). */
export async function serviceSecret(db: Executor, name: string): Promise<Buffer> {
  return Buffer.from(await serviceValue(db, name, () => randomBytes(32).toString('base64url')), 'base64url')
}

/** A random UUID the database keeps under this name, the same for ever (see serviceValue): a permanent id. */
export async function serviceUuid(db: Executor, name: string): Promise<string> {
  return serviceValue(db, name, () => randomUUID())
}
