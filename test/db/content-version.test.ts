import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { rowsOf, type Database } from '../../src/db/client.js'
import { RETRY_FIRST_MS, watchContentVersion } from '../../src/db/content-version.js'
import { tags } from '../../src/db/schema.js'
import { testDatabase } from '../helper.js'
import { proxiedDatabase } from '../support/tcp-proxy.js'

t.test('a failed read of the content version is tried again, though no change comes to ask for it', async (t) => {
  const database = await testDatabase(t)
  // The database as the content version sees it: its statements fail while `failing` is above zero.
  let failing = 0
  const db = new Proxy(database.db, {
    get(target, property, receiver) {
      if (property === 'execute' && failing > 0) {
        return async () => {
          failing--
          throw new Error('the pool is busy')
        }
      }
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  const warnings: unknown[] = []
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) })
  const version = await watchContentVersion({ ...database, db } as Database, log)
  t.teardown(() => version.close())
  const before = version.current()
  t.ok(before, 'read at start')

  failing = 2
  await database.db.insert(tags).values({ slug: 'heard-of', name: 'Heard of' })
  const deadline = Date.now() + 10 * RETRY_FIRST_MS
  while (version.current() === undefined || version.current() === before) {
    if (Date.now() > deadline) break
    await sleep(20)
  }
  t.equal(failing, 0, 'both failing reads were made')
  t.ok(version.current(), 'the version is known again, without another change')
  t.not(version.current(), before, 'and it is the new one')
  t.equal(warnings.length, 2, 'each failure is logged')
  t.match(warnings[1], { msg: /not cached until it is read/, retryInMs: 2 * RETRY_FIRST_MS }, 'the wait doubles')
})

t.test('a read that succeeds before the retry is due cancels it: the version is not forgotten and read once more for nothing', async (t) => {
  const database = await testDatabase(t)
  let failing = 0
  let reads = 0
  const db = new Proxy(database.db, {
    get(target, property, receiver) {
      if (property === 'execute') {
        return async (...args: unknown[]) => {
          reads++
          if (failing > 0) {
            failing--
            throw new Error('the pool is busy')
          }
          return (target.execute as (...a: unknown[]) => unknown)(...args)
        }
      }
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  const version = await watchContentVersion({ ...database, db } as Database, pino({ level: 'silent' }))
  t.teardown(() => version.close())
  failing = 1
  await database.db.insert(tags).values({ slug: 'first-change', name: 'First change' })
  while (failing > 0) await sleep(5)
  // Another change is heard before the retry is due, and its read succeeds.
  await database.db.insert(tags).values({ slug: 'second-change', name: 'Second change' })
  while (version.current() === undefined) await sleep(5)
  const known = version.current()
  const readsThen = reads
  await sleep(3 * RETRY_FIRST_MS)
  t.equal(version.current(), known, 'the version read is kept')
  t.equal(reads, readsThen, 'and not read again when the retry would have been due')
})

t.test('after an outage the content listener logs, once, that it is listening again', { skip: process.env.TEST_DATABASE_URL ? false : 'needs a real PostgreSQL: set TEST_DATABASE_URL' }, async (t) => {
  // The listener reaches the database through a proxy the test takes down, as outage.test.ts does.
  const direct = await testDatabase(t)
  const { proxy, database, close } = await proxiedDatabase(direct.url!)
  const lines: { level: number; msg: string; [key: string]: unknown }[] = []
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  const version = await watchContentVersion(database, log)
  t.teardown(async () => {
    await version.close()
    await close()
  })
  const listener = () => lines.filter((line) => /^content listener/.test(line.msg))
  const until = async (done: () => boolean, what: string) => {
    for (let i = 0; i < 1000 && !done(); i++) await sleep(20)
    t.ok(done(), what)
  }
  await until(() => version.current() !== undefined, 'listening and read at start')
  t.same(listener(), [], 'nothing said at start')

  await proxy.refuse()
  await until(() => listener().filter((line) => line.level === 40).length >= 2, 'each failed attempt is a warning')
  t.equal(version.current(), undefined, 'nothing is trusted meanwhile')
  await proxy.resume()
  await until(() => listener().some((line) => line.level === 30), 'back')
  await until(() => version.current() !== undefined, 'the version is known again')
  await sleep(500)

  const back = listener().filter((line) => line.level === 30)
  t.equal(back.length, 1, 'one line')
  t.match(back[0], { msg: 'content listener is listening again', downMs: Number, failedAttempts: Number })
  t.ok((back[0]!.failedAttempts as number) >= 2, 'with the attempts that failed')
  t.equal(listener().at(-1), back[0], 'after the warnings')
})

t.test('a newer version read than the one heard is a change its listeners are told of (its own notification, when it comes, announces nothing new)', async (t) => {
  const database = await testDatabase(t)
  const version = await watchContentVersion(database, pino({ level: 'silent' }))
  t.teardown(() => version.close())
  let told = 0
  version.onChange(() => told++)
  const [row] = rowsOf<{ v: string }>(await database.db.execute(sql`select version::text as v from content_state`))
  const start = Number(row!.v)
  // Two changes, the second committed before the first is heard: the read that hearing the first makes
  // finds the second, whose notification then names a version already known.
  await database.db.execute(sql`update content_state set version = version + 2`)
  await database.db.execute(sql`select pg_notify('quire_content', ${String(start + 1)})`)
  const deadline = Date.now() + 5_000
  while (version.known() < start + 2 && Date.now() < deadline) await sleep(20)
  await database.db.execute(sql`select pg_notify('quire_content', ${String(start + 2)})`)
  await sleep(200)
  t.equal(version.known(), start + 2, 'the second change is read')
  t.equal(told, 2, 'and each change is told: the one heard, the one read')
})
