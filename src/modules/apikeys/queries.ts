import { and, desc, eq, isNull, lt, or } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { apiKeys } from '../../db/schema.js'
import { displayPrefix, generateApiKey, hashApiKey } from './keys.js'

export type ApiKeyRow = Omit<typeof apiKeys.$inferSelect, 'hash'>

const listed = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
}

/** Stores a new key's hash; the key itself is returned once and never stored. */
export async function createApiKey(db: Executor, name: string): Promise<{ key: string; row: ApiKeyRow }> {
  const key = generateApiKey()
  const [row] = await db.insert(apiKeys).values({ name, prefix: displayPrefix(key), hash: hashApiKey(key) }).returning(listed)
  return { key, row: row! }
}

export async function listApiKeys(db: Executor): Promise<ApiKeyRow[]> {
  return db.select(listed).from(apiKeys).orderBy(desc(apiKeys.createdAt))
}

export async function revokeApiKey(db: Executor, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning(listed)
  return row
}

export async function findActiveApiKey(db: Executor, key: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db.select(listed).from(apiKeys).where(and(eq(apiKeys.hash, hashApiKey(key)), isNull(apiKeys.revokedAt)))
  return row
}

/** Records use at most once a minute per key, so reads with a key do not write on every request. */
export async function touchApiKey(db: Executor, id: string, now = new Date()): Promise<void> {
  const minuteAgo = new Date(now.getTime() - 60_000)
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, minuteAgo))))
}
