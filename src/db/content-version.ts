import { sql } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import pg from 'pg'
import type { Database } from './client.js'
import { rowsOf } from './client.js'

/** The channel the content triggers notify (see the content_notify migration) with the new version. */
export const CONTENT_CHANNEL = 'quire_content'

export interface ContentVersion {
  /**
   * A key naming the content as it is now, or undefined while that is not known for sure (just after a
   * change, while the listener is down, or once a scheduled post's time has come): callers then read
   * the database instead of trusting anything cached.
   */
  current(): string | undefined
  /** Something changed here (a write this process made): stop trusting the version until re-read. */
  changed(): void
  /**
   * Waits (briefly) until this process has heard the notification of every change committed so far. A
   * write calls it before answering: every replica is notified at the same commit, so once the writer
   * has heard, the others have too, and the writer's client cannot reach a replica that has not.
   */
  settle(): Promise<void>
  close(): Promise<void>
}

/**
 * Follows the database's content version: the triggers advance it on every write and NOTIFY every
 * listener, so each replica learns of a change (its own or another's) as it commits. Scheduled posts go
 * live without a write, so the time of the next one is read too and ends the version's validity.
 */
export async function watchContentVersion(database: Database, log: FastifyBaseLogger): Promise<ContentVersion> {
  let version: number | undefined
  let nextScheduledMs: number | null = null
  let epoch = 0
  let refreshing: Promise<void> | undefined
  let dirty = false
  let closed = false
  /** The highest version a notification has announced. */
  let heard = 0
  const waiters = new Set<() => void>()

  function hear(payload: string | undefined): void {
    const announced = Number(payload)
    if (Number.isFinite(announced) && announced > heard) heard = announced
    for (const wake of waiters) wake()
    refresh()
  }

  async function read(): Promise<void> {
    const result = await database.db.execute(sql`
      select (select version from content_state where id = 1)::bigint as version,
             (select min(published_at) from posts where status = 'published' and published_at > now()) as next`)
    const [row] = rowsOf<{ version: string | number; next: string | Date | null }>(result)
    version = row ? Number(row.version) : undefined
    nextScheduledMs = row?.next ? new Date(row.next).getTime() : null
  }

  function refresh(): void {
    version = undefined
    dirty = true
    if (refreshing || closed) return
    refreshing = (async () => {
      while (dirty && !closed) {
        dirty = false
        try {
          await read()
        } catch (error) {
          version = undefined
          log.warn({ err: error }, 'could not read the content version; responses are not cached meanwhile')
          return
        }
        // A change that landed while reading leaves dirty set: read again before trusting the version.
        if (dirty) version = undefined
      }
    })().finally(() => { refreshing = undefined })
  }

  const stopListening = database.kind === 'pglite'
    ? await database.client.listen(CONTENT_CHANNEL, hear)
    : await listenPostgres(database.pool.options.connectionString!, hear, refresh, log, () => closed)

  refresh()
  await refreshing

  return {
    current() {
      if (version === undefined) return undefined
      if (nextScheduledMs !== null && Date.now() >= nextScheduledMs) {
        epoch++
        refresh()
        return undefined
      }
      return `${version}.${epoch}`
    },
    changed: refresh,
    async settle() {
      refresh()
      const result = await database.db.execute(sql`select version from content_state where id = 1`)
      const committed = Number(rowsOf<{ version: string | number }>(result)[0]?.version ?? 0)
      const deadline = Date.now() + 250
      while (heard < committed && Date.now() < deadline && !closed) {
        await new Promise<void>((resolve) => {
          const wake = () => { waiters.delete(wake); clearTimeout(timer); resolve() }
          const timer = setTimeout(wake, Math.max(1, deadline - Date.now()))
          waiters.add(wake)
        })
      }
    },
    async close() {
      closed = true
      await stopListening()
      await refreshing
    },
  }
}

/** A dedicated connection LISTENing on the channel; reconnects with backoff, marking the version unknown meanwhile. */
async function listenPostgres(
  url: string,
  onNotify: (payload: string | undefined) => void,
  onChange: () => void,
  log: FastifyBaseLogger,
  isClosed: () => boolean,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined
  let delay = 250
  let timer: NodeJS.Timeout | undefined

  const connect = async (): Promise<void> => {
    if (isClosed()) return
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
    next.on('notification', (message) => onNotify(message.payload))
    next.on('error', () => reconnect())
    next.on('end', () => reconnect())
    try {
      await next.connect()
      await next.query(`LISTEN ${CONTENT_CHANNEL}`)
      client = next
      delay = 250
      onChange()
    } catch (error) {
      log.warn({ err: error }, 'content listener could not connect; retrying')
      next.removeAllListeners('end')
      await next.end().catch(() => {})
      reconnect()
    }
  }

  const reconnect = () => {
    onChange()
    if (isClosed() || timer) return
    client = undefined
    timer = setTimeout(() => {
      timer = undefined
      void connect()
    }, delay)
    delay = Math.min(delay * 2, 10_000)
  }

  await connect()
  return async () => {
    if (timer) clearTimeout(timer)
    const current = client
    client = undefined
    if (current) {
      current.removeAllListeners('end')
      await current.end().catch(() => {})
    }
  }
}
