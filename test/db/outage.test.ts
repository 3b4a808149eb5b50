import t, { type Test } from 'tap'
import pg from 'pg'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createDb, POOL_OPTIONS } from '../../src/db/client.js'
import { READINESS_TIMEOUT_MS } from '../../src/lib/timeouts.js'
import { testDatabase } from '../helper.js'
import { authHeaders } from '../support/auth.js'
import { proxiedDatabase } from '../support/tcp-proxy.js'

const adminUrl = process.env.TEST_DATABASE_URL

/** What every answer during an outage must be: served, or a 503 problem saying when to retry. Never a 500. */
function servedOrUnavailable(t: Test, res: LightMyRequestResponse, what: string) {
  if (res.statusCode === 503) assertUnavailable(t, res, what)
  else t.ok(res.statusCode < 500, `${what} answered ${res.statusCode}`)
}

function assertUnavailable(t: Test, res: LightMyRequestResponse, what: string) {
  t.equal(res.statusCode, 503, what)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${what} is problem+json`)
  t.match(res.headers['retry-after'], /^\d+$/, `${what} says when to retry`)
  t.match(res.json(), { type: '/problems/database-unavailable', status: 503, requestId: String }, what)
}

/** Asks until the service answers 200 again; every answer on the way must be a 200 or a proper 503. */
async function recovers(t: Test, request: () => Promise<LightMyRequestResponse>, what: string) {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const res = await request()
    if (res.statusCode === 200) return t.pass(`${what} recovered (attempt ${attempt})`)
    servedOrUnavailable(t, res, what)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.fail(`${what} did not recover`)
}

t.test('PostgreSQL outages: 503 with Retry-After while it is gone, service again when it is back', { skip: adminUrl ? false : 'needs a real PostgreSQL: set TEST_DATABASE_URL' }, async (t) => {
  // The app reaches its database through a proxy the test can take down; the test's own connection does not.
  const direct = await testDatabase(t)
  const { proxy, database, close } = await proxiedDatabase(direct.url!)
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database })
  t.teardown(async () => {
    await app.close()
    await close()
  })
  await app.ready()
  const headers = await authHeaders(direct.db)

  const reads = ['/v1/posts', '/v1/posts/slos-for-internal-platforms', '/v1/tags', '/feed.xml', '/v1/site']
  const write = () => app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: `Outage ${Date.now()}` } })
  for (const url of reads) t.equal((await app.inject(url)).statusCode, 200, `${url} before`)

  t.test('backends terminated by the server (pg_terminate_backend): no 500, and the pool reconnects', async (t) => {
    const admin = new pg.Client({ connectionString: adminUrl })
    await admin.connect()
    const { rowCount } = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [new URL(direct.url!).pathname.slice(1)])
    await admin.end()
    t.ok(rowCount! >= 1, `terminated ${rowCount} backend(s)`)
    for (const url of reads) servedOrUnavailable(t, await app.inject(url), url)
    await recovers(t, () => app.inject('/v1/posts'), '/v1/posts')
    t.equal((await write()).statusCode, 201, 'writes work again')
  })

  t.test('the server refuses connections (stopped): 503 at once, readiness down, liveness up', async (t) => {
    await proxy.refuse()
    for (const url of reads) assertUnavailable(t, await app.inject(url), url)
    assertUnavailable(t, await write(), 'a write')
    const ready = await app.inject('/readyz')
    t.equal(ready.statusCode, 503)
    t.match(ready.json(), { status: 'unavailable', checks: { database: 'unreachable' } })
    t.equal((await app.inject('/healthz')).statusCode, 200, 'the process lives: an orchestrator should not restart it')

    await proxy.resume()
    await recovers(t, () => app.inject('/v1/posts'), '/v1/posts')
    t.equal((await app.inject('/readyz')).statusCode, 200)
    t.equal((await write()).statusCode, 201)
  })

  t.test('the server stops answering (packets dropped): 503 after the connect timeout, not the TCP one', async (t) => {
    await proxy.blackhole()
    // Without connectionTimeoutMillis these would wait for the operating system to give up: minutes.
    assertUnavailable(t, await app.inject('/v1/posts'), '/v1/posts')
    assertUnavailable(t, await write(), 'a write')
    t.equal((await app.inject('/readyz')).statusCode, 503)
    t.equal((await app.inject('/healthz')).statusCode, 200)

    await proxy.resume()
    await recovers(t, () => app.inject('/v1/posts'), '/v1/posts')
    t.equal((await app.inject('/readyz')).statusCode, 200)
  })

  t.test('the server hangs with connections open: readiness answers at once that it has no answer, not when the query times out', async (t) => {
    t.equal((await app.inject('/v1/tags?limit=1&count=false')).statusCode, 200, 'the pool holds open connections')
    proxy.freeze()
    const ready = await app.inject('/readyz')
    t.equal(ready.statusCode, 503)
    t.match(ready.json(), { status: 'unavailable', checks: { database: `no answer within ${READINESS_TIMEOUT_MS / 1000} s` } })
    t.equal(ready.headers['retry-after'], '5')
    await proxy.resume()
    let status = 0
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) status = (await app.inject('/readyz')).statusCode
    t.equal(status, 200, 'ready again once it answers')
  })
})

t.test('a database that refuses connections (ALLOW_CONNECTIONS false): 503, not 500, and service again once it takes them', { skip: adminUrl ? false : 'needs a real PostgreSQL: set TEST_DATABASE_URL' }, async (t) => {
  const direct = await testDatabase(t)
  const name = new URL(direct.url!).pathname.slice(1)
  const database = await createDb({ databaseUrl: direct.url!, dataDir: '' })
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database })
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  t.teardown(async () => {
    await app.close()
    await database.close()
    await admin.query(`alter database "${name}" allow_connections true`).catch(() => {})
    await admin.end()
  })
  await app.ready()
  t.equal((await app.inject('/v1/tags')).statusCode, 200, 'before')

  await admin.query(`alter database "${name}" allow_connections false`)
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name])
  for (const url of ['/v1/posts?q=refused', '/v1/tags?limit=3', '/v1/posts/slos-for-internal-platforms']) {
    // The pool's connections were ended: the first request may meet a dying one, the next a refusal.
    let res = await app.inject(url)
    if (res.statusCode !== 503) res = await app.inject(url)
    assertUnavailable(t, res, `${url} while connections are refused`)
  }
  await admin.query(`alter database "${name}" allow_connections true`)
  await recovers(t, () => app.inject('/v1/tags?limit=4'), 'once connections are allowed again')

})

/**
 * An app with a pool of its own on a database of its own, and another connection (`holder`) that holds a
 * published post's row lock in an open transaction: writes to that post wait for it.
 */
async function appWithPostLocked(t: Test, env: Record<string, string>) {
  const direct = await testDatabase(t)
  const database = await createDb({ databaseUrl: direct.url!, dataDir: '' })
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', ...env }), { database })
  const holder = new pg.Client({ connectionString: direct.url })
  await holder.connect()
  t.teardown(async () => {
    await holder.end().catch(() => {})
    await app.close()
    await database.close()
  })
  await app.ready()
  const slug = 'slos-for-internal-platforms'
  await holder.query('begin')
  await holder.query('select 1 from posts where slug = $1 for update', [slug])
  return { app, holder, slug, headers: await authHeaders(direct.db), name: new URL(direct.url!).pathname.slice(1) }
}

t.test('a backend terminated while it runs a write (a failover, a restart): that write is a 503 that stored nothing, and the process carries on', { skip: adminUrl ? false : 'needs a real PostgreSQL: set TEST_DATABASE_URL' }, async (t) => {
  const { app, holder, headers, name, slug } = await appWithPostLocked(t, {})

  // The write waits for the post's lock, checked out of the pool inside its transaction, when its backend goes.
  const edit = app.inject({ method: 'PATCH', url: `/v1/posts/${slug}`, headers, payload: { title: 'Edited during a failover' } })
  const waiting = `select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and wait_event_type = 'Lock'`
  let pids: number[] = []
  for (let i = 0; i < 500 && pids.length === 0; i++) {
    pids = (await holder.query<{ pid: number }>(waiting, [name])).rows.map((r) => r.pid)
    if (pids.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  }
  t.equal(pids.length, 1, 'the edit waits for the post')
  await holder.query('select pg_terminate_backend($1)', [pids[0]])
  await holder.query('rollback')

  assertUnavailable(t, await edit, 'the edit whose backend was terminated')
  const [row] = (await holder.query<{ title: string }>('select title from posts where slug = $1', [slug])).rows
  t.not(row!.title, 'Edited during a failover', 'nothing was stored')
  await recovers(t, () => app.inject(`/v1/posts/${slug}`), 'reads')
  const again = await app.inject({ method: 'PATCH', url: `/v1/posts/${slug}`, headers, payload: { title: 'Edited after the failover' } })
  t.equal(again.statusCode, 200, 'the same edit, sent again, is stored')
})

t.test('every connection busy (writes waiting for a lock): a read that cannot get one in time is a 503 saying so, and is served once they are free', { skip: adminUrl ? false : 'needs a real PostgreSQL: set TEST_DATABASE_URL' }, async (t) => {
  const { app, holder, headers, name, slug } = await appWithPostLocked(t, { RATE_LIMIT_WRITES_PER_MINUTE: '0' })
  // As many edits as the pool has connections, each holding one inside its transaction while it waits.
  const edits = Array.from({ length: POOL_OPTIONS.max }, (_, i) => app.inject({ method: 'PATCH', url: `/v1/posts/${slug}`, headers, payload: { title: `Edit ${i}` } }))
  const waiting = `select count(*)::int as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock' and pid <> pg_backend_pid()`
  for (let i = 0; i < 500 && (await holder.query<{ n: number }>(waiting, [name])).rows[0]!.n < POOL_OPTIONS.max; i++) await new Promise((resolve) => setTimeout(resolve, 10))

  const read = await app.inject('/v1/posts/first-year-of-on-call-in-numbers')
  assertUnavailable(t, read, 'a read while every connection waits')
  t.match(read.json().detail, /busy with other requests/, 'says the database may be busy, not only unreachable')
  await holder.query('rollback')
  t.same((await Promise.all(edits)).map((res) => res.statusCode), Array(POOL_OPTIONS.max).fill(200), 'the edits go through once the lock is free')
  t.equal((await app.inject('/v1/posts/first-year-of-on-call-in-numbers')).statusCode, 200, 'and the read is served')
})
