import type { Executor } from '../../src/db/client.js'
import { createApiKey } from '../../src/modules/apikeys/queries.js'

/** A fresh API key in the test database, as request headers. */
export async function authHeaders(db: Executor, name = 'test'): Promise<{ authorization: string }> {
  const { key } = await createApiKey(db, name)
  return { authorization: `Bearer ${key}` }
}
