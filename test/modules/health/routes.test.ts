import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../../helper.js'
import { responseValidator } from '../../support/openapi.js'

t.test('health probes', async (t) => {
  const { app, database } = await build(t, { seed: false })

  t.test('/healthz answers 200 while the process lives', async (t) => {
    const res = await app.inject('/healthz')
    t.equal(res.statusCode, 200)
    t.same(res.json(), { status: 'ok' })
    t.equal(res.headers['cache-control'], 'no-store')
  })

  t.test('/readyz answers 200 when the database answers and migrations are applied', async (t) => {
    const res = await app.inject('/readyz')
    t.equal(res.statusCode, 200)
    t.same(res.json(), { status: 'ok', checks: { database: 'ok', migrations: 'ok' } })
  })

  t.test('/readyz: probes that arrive together share one check, and a later one checks again', async (t) => {
    const queries: string[] = []
    const { app: counted } = await build(t, { seed: false, onQuery: (q) => queries.push(q) })
    await counted.ready()
    queries.length = 0
    const answers = await Promise.all(Array.from({ length: 20 }, () => counted.inject('/readyz')))
    t.ok(answers.every((res) => res.statusCode === 200), 'all ready')
    const checks = queries.filter((q) => /select 1/.test(q)).length
    t.ok(checks >= 1 && checks < 20, `20 probes at once: ${checks} database check(s), not 20`)
    queries.length = 0
    await counted.inject('/readyz')
    t.equal(queries.filter((q) => /select 1/.test(q)).length, 1, 'the next probe asks the database itself')
  })

  t.test('/readyz answers 503 while a migration is pending', async (t) => {
    await database.db.execute(sql`delete from drizzle.__drizzle_migrations`)
    const res = await app.inject('/readyz')
    t.equal(res.statusCode, 503)
    t.match(res.json(), { status: 'unavailable', checks: { database: 'ok', migrations: /pending/ } })
    t.equal(res.headers['retry-after'], '5', 'when to look again')
    t.same(responseValidator()('GET', '/readyz', 503, res.headers['content-type'] as string, res.body, res.headers), [], 'as the OpenAPI document declares')
  })
})
