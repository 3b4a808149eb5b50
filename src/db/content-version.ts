import { sql } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import pg from 'pg'
import type { Database } from './client.js'
import { rowsOf } from './client.js'

/** The channel the content triggers notify (see the content_notify migration) with the new version. */
export const CONTENT_CHANNEL = 'quire_content'
/** Where each replica's listener confirms the highest version it has heard or read: it trusts nothing older. */
export const CONFIRM_CHANNEL = 'quire_content_confirmed'
/** The application_name of the replicas' listener connections, by which a writer finds whom to wait for. */
export const LISTENER_NAME = 'quire content listener'
/** How long a write waits for every replica to confirm it before answering anyway (and logging who did not). */
export const SETTLE_TIMEOUT_MS = 2_000
/** After a failed read of the version, the wait before reading it again; doubled after each failure, up to the most. */
export const RETRY_FIRST_MS = 500
const RETRY_MAX_MS = 30_000
/** How many listeners' confirmations are remembered before starting over (replicas restart, listeners reconnect). */
const MAX_LISTENERS_KEPT = 1_000

export interface ContentVersion {
  /**
   * A key naming the content as it is now, or undefined while that is not known for sure (just after a
   * change, while the listener is down, or once a scheduled post's time has come): callers then read
   * the database instead of trusting anything cached.
   */
  current(): string | undefined
  /**
   * While current() is defined, a date no earlier than any change the content it names holds: when this
   * process read that version (after the changes committed; a scheduled post going live, a restart and a
   * deploy are read anew too). A response made under it was last modified no later, whatever it shows.
   */
  lastModified(): Date | undefined
  /** The newest version this process has heard of or read: a write notes it as it starts. */
  known(): number
  /**
   * Waits (at most SETTLE_TIMEOUT_MS) until every replica has confirmed that it no longer trusts a version
   * older than every change committed so far, unless nothing was committed past `since` (known() when the
   * write started). A write calls it before answering, so that its client's next read, on whichever
   * replica, cannot be served stale. Replicas are notified at the same commit, but each by its own server
   * process and into its own event loop: one can hear well after another.
   */
  settle(since: number): Promise<void>
  /**
   * Calls `listener` when the public content changes: a change is heard (this replica's, another's, a CLI's),
   * or a scheduled post's time comes. Not for changes made while the listener was down.
   */
  onChange(listener: () => void): void
  close(): Promise<void>
}

/**
 * Follows the database's content version: the triggers advance it on every write a reader without a key
 * can see (not a draft's: no public response shows one, and requests with a key are never cached) and
 * NOTIFY every listener, so each replica learns of a change (its own or another's) as it commits.
 * Scheduled posts go live without a write, so the time of the next one is read too and ends the version's
 * validity.
 */
export async function watchContentVersion(database: Database, log: FastifyBaseLogger): Promise<ContentVersion> {
  let version: number | undefined
  /** When `version` was read. */
  let readAt: Date | undefined
  let nextScheduledMs: number | null = null
  let epoch = 0
  let refreshing: Promise<void> | undefined
  let dirty = false
  let closed = false
  /** The highest version a notification has announced, or a read found. */
  let heard = 0
  /** Whether changes are being heard: while the listener is down, nothing cached is trusted. */
  let listening = database.kind === 'pglite'
  /** The highest version each listener (by server process id) has confirmed, this replica's own included. */
  const confirmed = new Map<number, number>()
  const waiters = new Set<() => void>()
  const wakeWaiters = () => { for (const wake of waiters) wake() }

  const changeListeners: (() => void)[] = []
  const changed = () => { for (const listener of changeListeners) listener() }
  /** When the next scheduled post goes live: the content changes then, without a write. */
  let scheduledTimer: NodeJS.Timeout | undefined
  /** After a failed read, the next one's; the wait doubles with each failure in a row. */
  let retryTimer: NodeJS.Timeout | undefined
  let retryInMs = 0

  function hear(payload: string | undefined): void {
    const announced = Number(payload)
    if (Number.isFinite(announced) && announced > heard) {
      heard = announced
      changed()
    }
    refresh()
    // Only now that the version is forgotten: nothing cached before this change will be served again.
    confirm(heard)
    wakeWaiters()
  }

  function hearConfirmation(pid: number, payload: string | undefined): void {
    const version = Number(payload)
    // Listeners come and go with replicas (and reconnects); a writer meeting one it forgot waits for it anew.
    if (confirmed.size >= MAX_LISTENERS_KEPT && !confirmed.has(pid)) confirmed.clear()
    if (Number.isFinite(version) && version > (confirmed.get(pid) ?? 0)) confirmed.set(pid, version)
    wakeWaiters()
  }

  async function read(): Promise<void> {
    const result = await database.db.execute(sql`
      select (select version from content_state where id = 1)::bigint as version,
             (select min(published_at) from posts where status = 'published' and published_at > now()) as next`)
    const [row] = rowsOf<{ version: string | number; next: string | Date | null }>(result)
    version = row ? Number(row.version) : undefined
    // Not content_state.changed_at: that is stamped inside the writing transaction, which may commit
    // seconds later, after another one stamped later still.
    readAt = new Date()
    nextScheduledMs = row?.next ? new Date(row.next).getTime() : null
    clearTimeout(scheduledTimer)
    // Within a timer's reach (about 24 days): a later one is met by a read before then.
    if (nextScheduledMs !== null && nextScheduledMs - Date.now() < 2 ** 31 - 1) {
      // As current() does when it finds that time passed: a new epoch, so nothing kept before it is served.
      scheduledTimer = setTimeout(() => { epoch++; refresh(); changed() }, Math.max(0, nextScheduledMs - Date.now())).unref()
    }
    if (version === undefined) return
    // A version read before its notification is heard is a change all the same (the notification, when it
    // comes, announces nothing new): its listeners are told now, or never.
    if (version > heard) {
      const before = heard
      heard = version
      if (before > 0) changed()
    }
    // A replica that has just started (or reconnected) has heard nothing yet, but trusts only what it read.
    confirm(version)
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
          // Read again later, though no change may come to ask for it: meanwhile nothing is served from memory.
          if (closed) return
          retryInMs = Math.min(retryInMs * 2 || RETRY_FIRST_MS, RETRY_MAX_MS)
          log.warn({ err: error, retryInMs }, 'could not read the content version; responses are not cached until it is read')
          clearTimeout(retryTimer)
          retryTimer = setTimeout(refresh, retryInMs).unref()
          return
        }
        // Read (a change heard may have asked first): a read again later would only forget it once more.
        clearTimeout(retryTimer)
        retryInMs = 0
        // A change that landed while reading leaves dirty set: read again before trusting the version.
        if (dirty) version = undefined
      }
    })().finally(() => { refreshing = undefined })
  }

  // PGlite is one process's own database: there are no other replicas to confirm to.
  let confirm: (version: number) => void = () => {}
  let settled = (committed: number, _listeners: number[]) => heard >= committed
  let stopListening: () => Promise<void>
  if (database.kind === 'pglite') {
    stopListening = await database.client.listen(CONTENT_CHANNEL, hear)
  } else {
    const listener = await listenPostgres(database.pool.options.connectionString!, {
      onNotify: hear,
      onConfirmation: hearConfirmation,
      onListening: (up) => {
        listening = up
        refresh()
      },
      log,
      isClosed: () => closed,
    })
    confirm = listener.confirm
    settled = (committed, listeners) => listeners.every((pid) => (confirmed.get(pid) ?? 0) >= committed)
    stopListening = listener.stop
  }

  refresh()
  await refreshing

  function current(): string | undefined {
    if (version === undefined || !listening) return undefined
    if (nextScheduledMs !== null && Date.now() >= nextScheduledMs) {
      epoch++
      refresh()
      return undefined
    }
    return `${version}.${epoch}`
  }

  return {
    current,
    lastModified: () => (current() === undefined ? undefined : readAt),
    known: () => heard,
    async settle(since) {
      // After a write has committed: a read that fails (the pool busy, the database gone) must not turn the
      // write's answer into an error inviting the client to send it again. The version is forgotten, so this
      // replica serves nothing stale; others hear the change as it comes.
      let result
      try {
        result = await database.db.execute(sql`
        select (select version from content_state where id = 1)::bigint as version,
               array(select pid from pg_stat_activity
                     where application_name = ${LISTENER_NAME} and datname = current_database()) as listeners`)
      } catch (error) {
        refresh()
        log.warn({ err: error }, 'could not read the content version after a write; replicas may serve it stale until they hear it')
        return
      }
      const [row] = rowsOf<{ version: string | number | null; listeners: number[] | null }>(result)
      const committed = Number(row?.version ?? 0)
      const listeners = row?.listeners ?? []
      // Nothing committed since the write started (it changed nothing the public sees, a draft's save): what
      // is cached still holds, and there is nothing to confirm.
      if (committed <= since) return
      // Forgotten before the write's response leaves, even if the notification has not arrived yet.
      refresh()
      const deadline = Date.now() + SETTLE_TIMEOUT_MS
      while (!settled(committed, listeners) && Date.now() < deadline && !closed) {
        await new Promise<void>((resolve) => {
          const wake = () => { waiters.delete(wake); clearTimeout(timer); resolve() }
          const timer = setTimeout(wake, Math.max(1, deadline - Date.now()))
          waiters.add(wake)
        })
      }
      if (!settled(committed, listeners) && !closed) {
        const silent = listeners.filter((pid) => (confirmed.get(pid) ?? 0) < committed)
        log.warn({ version: committed, listeners: silent }, 'replicas did not confirm a change in time; they may serve it stale until they hear it')
      }
    },
    onChange(listener) {
      changeListeners.push(listener)
    },
    async close() {
      closed = true
      clearTimeout(scheduledTimer)
      clearTimeout(retryTimer)
      await stopListening()
      await refreshing
    },
  }
}

interface ListenerHooks {
  onNotify: (payload: string | undefined) => void
  onConfirmation: (pid: number, payload: string | undefined) => void
  /** The connection came up (and listens) or went down: either way, what was heard meanwhile is unknown. */
  onListening: (up: boolean) => void
  log: FastifyBaseLogger
  isClosed: () => boolean
}

/**
 * A dedicated connection LISTENing to changes and to other replicas' confirmations, and sending this
 * replica's; reconnects with backoff, marking the version unknown meanwhile.
 */
async function listenPostgres(
  url: string,
  { onNotify, onConfirmation, onListening, log, isClosed }: ListenerHooks,
): Promise<{ confirm: (version: number) => void; stop: () => Promise<void> }> {
  let client: pg.Client | undefined
  let delay = 250
  let timer: NodeJS.Timeout | undefined
  /**
   * Since when the connection has been lost (or not made), and the attempts that failed since: each failure
   * is logged, and so, once, is the connection that ends the outage, or an operator reading the logs would
   * not know that caching is on again.
   */
  let downSince: number | undefined
  let failedAttempts = 0
  // Confirmations are sent one at a time, each the latest: a burst of changes (an import) costs a few.
  let sent = 0
  let pending = 0
  let inFlight = false

  const confirm = (version: number): void => {
    if (version > pending) pending = version
    const on = client
    if (inFlight || !on || pending <= sent) return
    const latest = pending
    inFlight = true
    let failed = false
    on.query('select pg_notify($1, $2)', [CONFIRM_CHANNEL, String(latest)]).then(
      // Sent on this connection: a new one (a new listener, by its process id) confirms afresh.
      () => { if (client === on) sent = Math.max(sent, latest) },
      // The connection is going down (its end event reconnects); the next change or read confirms again.
      () => { failed = true },
    ).finally(() => {
      inFlight = false
      if (!failed || client !== on) confirm(pending)
    })
  }

  const connect = async (): Promise<void> => {
    if (isClosed()) return
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
    next.on('notification', (message) => {
      if (message.channel === CONTENT_CHANNEL) onNotify(message.payload)
      else if (message.channel === CONFIRM_CHANNEL) onConfirmation(message.processId, message.payload)
    })
    next.on('error', () => reconnect())
    next.on('end', () => reconnect())
    try {
      await next.connect()
      await next.query(`LISTEN ${CONTENT_CHANNEL}`)
      await next.query(`LISTEN ${CONFIRM_CHANNEL}`)
      // Named only once listening, so a writer that counts this listener can count on its hearing.
      await next.query(`SET application_name = '${LISTENER_NAME}'`)
      if (isClosed()) {
        next.removeAllListeners('end')
        await next.end().catch(() => {})
        return
      }
      client = next
      sent = 0
      delay = 250
      if (downSince !== undefined) {
        log.info({ downMs: Date.now() - downSince, failedAttempts }, 'content listener is listening again')
        downSince = undefined
        failedAttempts = 0
      }
      onListening(true)
    } catch (error) {
      failedAttempts++
      log.warn({ err: error }, 'content listener could not connect; retrying')
      next.removeAllListeners('end')
      await next.end().catch(() => {})
      reconnect()
    }
  }

  const reconnect = () => {
    onListening(false)
    if (isClosed() || timer) return
    downSince ??= Date.now()
    client = undefined
    timer = setTimeout(() => {
      timer = undefined
      void connect()
    }, delay)
    delay = Math.min(delay * 2, 10_000)
  }

  await connect()
  return {
    confirm,
    async stop() {
      if (timer) clearTimeout(timer)
      const current = client
      client = undefined
      if (current) {
        current.removeAllListeners('end')
        await current.end().catch(() => {})
      }
    },
  }
}
