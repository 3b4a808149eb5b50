/**
 * Readers arriving together right after a change. A write makes every cached response out of date at once;
 * here `readers` requests for each of a few popular URLs then arrive at the same moment, as they do on a busy
 * site after publishing. Measured: how long until every one is answered, and with what status.
 */
import type pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'

export interface Burst {
  readers: number
  urls: string[]
  /** Per round: from the burst's first request to its last answer. */
  roundsMs: number[]
  statuses: Record<string, number>
}

/**
 * A change that alters nothing a reader sees, but that the database's triggers count as one: the content
 * version moves on, as after any write.
 */
async function touchContent(pool: pg.Pool): Promise<void> {
  await pool.query('update tags set description = description where id = (select id from tags order by id limit 1)')
}

export async function measureBurst(origin: string, pool: pg.Pool, urls: string[], readers: number, rounds: number): Promise<Burst> {
  const get = async (path: string) => {
    const response = await fetch(`${origin}${path}`).catch(() => undefined)
    await response?.arrayBuffer()
    return response ? String(response.status) : 'error'
  }
  // Each URL read twice first, so that all of them are in the response cache before the change.
  for (const path of urls) for (let i = 0; i < 2; i++) await get(path)
  const roundsMs: number[] = []
  const statuses: Record<string, number> = {}
  // /feed.xml's Last-Modified is the last write's time: once it moves, the server has heard of the change. (Its
  // ETag names what the feed shows, and need not move.) HTTP dates count whole seconds, so each change is
  // made in a later second than the last.
  const lastModified = async () => (await fetch(`${origin}/feed.xml`, { method: 'HEAD' })).headers.get('last-modified')
  for (let round = 0; round < rounds; round++) {
    const before = await lastModified()
    while (before && Math.floor(Date.now() / 1000) <= Date.parse(before) / 1000) await sleep(20)
    await touchContent(pool)
    const deadline = Date.now() + 10_000
    while ((await lastModified()) === before) {
      if (Date.now() > deadline) throw new Error('the server did not hear of the change within 10 s')
      await sleep(10)
    }
    const started = performance.now()
    const answered = await Promise.all(urls.flatMap((path) => Array.from({ length: readers }, () => get(path))))
    roundsMs.push(performance.now() - started)
    for (const status of answered) statuses[status] = (statuses[status] ?? 0) + 1
  }
  return { readers, urls, roundsMs, statuses }
}
