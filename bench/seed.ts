/**
 * npm run bench:seed -- --posts 100000 [--force] [--bodies 2000] [--seed 42]
 *
 * Fills DATABASE_URL (default postgres://postgres@127.0.0.1:5432/quire_bench, created when missing) with a
 * deterministic synthetic archive: 500 tags, 200 authors, bodies of about 5 KB, two years of dates. Refuses a
 * database that already holds content unless --force, which empties it first.
 */
import { parseArgs } from 'node:util'
import { hideCredentials } from '../src/config.js'
import { migrate } from '../src/db/migrate.js'
import { archiveSize, benchDatabaseUrl, ensureDatabase, openBenchDatabase } from './lib/database.js'
import { loadArchive, restoreAfterInterruptedLoad } from './lib/load.js'
import { syntheticArchive } from './lib/synthetic.js'

const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '100000' },
    bodies: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '42' },
    force: { type: 'boolean', default: false },
  },
})
const count = (name: string, value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got ${value})`)
  return n
}
const options = { posts: count('posts', values.posts), bodies: count('bodies', values.bodies), seed: count('seed', values.seed) }
const log = (message: string) => process.stdout.write(`${message}\n`)

const url = benchDatabaseUrl()
const redacted = hideCredentials(url)
if (await ensureDatabase(url)) log(`created the database ${redacted}`)
const database = await openBenchDatabase(url)
try {
  await migrate(database)
  await restoreAfterInterruptedLoad(database.pool)
  const before = await archiveSize(database)
  if (before && before.posts + before.tags + before.authors > 0) {
    if (!values.force) {
      process.stderr.write(`${redacted} already holds ${before.posts} posts, ${before.tags} tags and ${before.authors} authors: pass --force to empty it first\n`)
      process.exitCode = 1
    } else {
      log(`--force: emptying ${redacted} (${before.posts} posts)`)
      await database.pool.query('truncate posts, tags, authors, post_tags, post_authors, slug_history, import_sources')
    }
  }
  if (process.exitCode !== 1) {
    log(`seeding ${redacted}: ${options.posts} posts sharing ${options.bodies} distinct bodies, seed ${options.seed}`)
    const timings = await loadArchive(database.pool, syntheticArchive(options), { onProgress: log })
    const size = await archiveSize(database)
    const [{ bytes }] = (await database.pool.query<{ bytes: string }>('select pg_database_size(current_database()) as bytes')).rows as [{ bytes: string }]
    log(`done in ${(timings.totalMs / 1000).toFixed(1)} s (bodies ${(timings.bodiesMs / 1000).toFixed(1)} s, rows ${(timings.postsMs / 1000).toFixed(1)} s, ` +
      `vacuum analyze ${(timings.vacuumMs / 1000).toFixed(1)} s)`)
    log(`${size?.posts} posts (${size?.publicPosts} public), ${size?.tags} tags, ${size?.authors} authors, ${size?.postTags} tag links; database ${(Number(bytes) / 1_048_576).toFixed(0)} MB`)
  }
} finally {
  await database.close()
}
