import t from 'tap'
import { count } from 'drizzle-orm'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { posts } from '../../src/db/schema.js'
import { readDemoArchive } from '../../src/db/seed.js'
import { testDatabase } from '../helper.js'

t.test('replicas starting together on an empty database load the demo archive once, and all start', { skip: process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' }, async (t) => {
  const database = await testDatabase(t, { seed: false })
  const config = loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: database.url!, SEED_DEMO: 'if-empty' })
  const started = await Promise.allSettled([0, 1, 2].map(async () => {
    const app = await buildApp(config)
    t.teardown(() => app.close())
    await app.ready()
    return app
  }))
  t.same(started.map((s) => s.status), ['fulfilled', 'fulfilled', 'fulfilled'], 'every replica started')
  const [row] = await database.db.select({ n: count() }).from(posts)
  t.equal(row!.n, readDemoArchive().posts.length, 'the archive, once')
})
