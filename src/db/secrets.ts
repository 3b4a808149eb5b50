import { randomBytes, randomUUID } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import type { Executor } from './client.js'
import { serviceSecrets } from './schema.js'

/**
 * The database's value of this name: made (by `make`) by the first process to ask, and read by every other,
 * so that replicas sharing the database and the same process after a restart agree on it. Read first: once
 * it exists, starting needs no right to write the table. The table holds the service's secrets, and values
 * made the same way that need not be secret.
 */
async function serviceValue(db: Executor, name: string, make: () => string): Promise<string> {
  let value = await storedValue(db, name)
  if (value === undefined) {
    // Replicas starting together: the first insert wins, and every one reads the winner's.
    await db.insert(serviceSecrets).values({ name, value: make() }).onConflictDoNothing()
    value = await storedValue(db, name)
  }
  if (value === undefined) throw new Error(`the service value "${name}" could not be stored`)
  return value
}

/** The value kept under `name`, if any. */
async function storedValue(db: Executor, name: string): Promise<string | undefined> {
  return (await db.select({ value: serviceSecrets.value }).from(serviceSecrets).where(eq(serviceSecrets.name, name)))[0]?.value
}

/** The database's secret of this name: 32 random bytes (see serviceValue). */
export async function serviceSecret(db: Executor, name: string): Promise<Buffer> {
  return Buffer.from(await serviceValue(db, name, () => randomBytes(32).toString('base64url')), 'base64url')
}

/** A random UUID the database keeps under this name, the same for ever (see serviceValue): a permanent id. */
export async function serviceUuid(db: Executor, name: string): Promise<string> {
  return serviceValue(db, name, () => randomUUID())
}

/**
 * When the service began running with the settings `key` names (a digest of them), as the database keeps it
 * under `name`: every replica and every restart with those settings agrees on the date, and the first process
 * to start with other settings (a deploy, or a rollback to earlier ones) moves it to its own start.
 */
export async function settingsSince(db: Executor, name: string, key: string): Promise<Date> {
  const read = async () => {
    const [kept, at] = (await storedValue(db, name))?.split(' ') ?? []
    return kept === key && at ? new Date(at) : undefined
  }
  const since = await read()
  if (since) return since
  // Replicas starting together with the same new settings: the first write wins, and every one reads it.
  await db.insert(serviceSecrets).values({ name, value: `${key} ${new Date().toISOString()}` }).onConflictDoUpdate({
    target: serviceSecrets.name,
    set: { value: sql`excluded.value` },
    where: sql`split_part(${serviceSecrets.value}, ' ', 1) <> ${key}`,
  })
  // Undefined only if a process with other settings wrote meanwhile (a rolling deploy's old replica
  // restarting): this one's start is then its own date, later than any it could have been given.
  return (await read()) ?? new Date()
}
