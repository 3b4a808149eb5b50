import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createDb, type Database } from '../../src/db/client.js'
import { readDemoArchive, seedDemoArchive } from '../../src/db/seed.js'
import { pgliteDataDir, testDatabase } from '../helper.js'
import { runCli } from '../support/cli.js'
import { fixture, fixturePath } from '../support/import.js'

const importCli = (env: Record<string, string>, ...args: string[]) => runCli('import', env, ...args)

t.test('npm run import -- FILE [--dry-run]', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'quire-import-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // PostgreSQL when the suite runs on it, else an embedded database in a temporary DATA_DIR.
  let env: Record<string, string>
  let open: () => Promise<Database>
  if (process.env.TEST_DATABASE_URL) {
    const database = await testDatabase(t, { seed: false })
    env = { DATABASE_URL: database.url! }
    open = async () => database
  } else {
    const dataDir = await pgliteDataDir(t)
    env = { DATA_DIR: dataDir }
    open = async () => {
      const database = await createDb({ databaseUrl: undefined, dataDir })
      t.teardown(() => database.close())
      return database
    }
  }
  // Each run below starts a process and opens the database: the sequence is kept short, and what a run
  // did not write shows in the next run's summary (a post written by mistake would be "unchanged").

  const dry = await importCli(env, fixturePath('rss'), '--dry-run')
  t.equal(dry.stdout, [
    'would create item 1 "Moving our job queue into PostgreSQL"',
    'would create item 2 "Pairing across time zones & what we learnt"',
    'would create item 3 "Our on-call handbook, version two"',
    'would create item 6 "Notes from the desk"',
    'dry run, nothing written: would have created 4, updated 0, skipped 0, errors 2',
    '',
  ].join('\n'), '--dry-run says what each item would become')

  const crowded = join(dir, 'crowded.xml')
  writeFileSync(crowded, `<rss version="2.0"><channel><title>Crowded</title><link>https://crowded.example.org/</link>
  <item><title>Tagged</title><guid>c-1</guid><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate><description>Hi.</description>
    ${Array.from({ length: 52 }, (_, i) => `<category>Topic ${i + 1}</category>`).join('')}</item></channel></rss>`)
  const clipped = await importCli(env, crowded, '--dry-run')
  t.equal(clipped.stderr.split('\n').filter((line) => line.startsWith('warning: item')).join('\n'),
    'warning: item 1 "Tagged": its last 2 tags (of 52) were dropped: a post takes 50', 'what is clipped to fit the write API is said')
  t.match(clipped.stdout, /^dry run, nothing written: would have created 1, updated 0, skipped 0, errors 0, clipped 1 \(see the warnings\)$/m)

  const truncated = join(dir, 'truncated.xml')
  const rss = fixture('rss')
  writeFileSync(truncated, rss.slice(0, rss.indexOf('</item>') + '</item>'.length))
  const malformed = await importCli(env, truncated)
  t.equal(malformed.code, 1, 'a malformed file exits 1')
  t.equal(malformed.stderr, `error: ${truncated} cannot be imported: it is not well-formed XML (it ends with <rss>, <channel> still open: is the file cut short?). Nothing was imported.\n`)
  t.equal(malformed.stdout, '')

  const first = await importCli(env, fixturePath('rss'))
  t.equal(first.code, 3, 'exit code 3: finished, but some items failed')
  t.equal(first.stdout, 'created 4, updated 0, skipped 0, errors 2\n', 'the dry run and the malformed file wrote nothing: all four are new')
  t.equal(first.stderr, [
    'Importing "Harbour Notes" (RSS 2.0, 6 items, source https://notes.example.org)',
    'error: item 4: it has neither a title nor a body',
    'error: item 5 "A post with a date nobody can read": its date "yesterday at noon" is not a valid RFC 822 or RFC 3339 date',
    '',
  ].join('\n'), 'each bad item is reported')

  const second = await importCli(env, fixturePath('rss'))
  t.equal(second.stdout, 'created 0, updated 0, skipped 4 (4 unchanged, 0 not posts), errors 2\n', 'a second run imports nothing twice')

  const edited = join(dir, 'edited.xml')
  writeFileSync(edited, rss.replace('We ran a separate broker', 'We ran a self-hosted broker'))
  t.equal((await importCli(env, edited)).stdout, 'created 0, updated 1, skipped 3 (3 unchanged, 0 not posts), errors 2\n', 'an edited item updates its post')

  const database = await open()
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database })
  t.teardown(() => app.close())
  const list = (await app.inject('/v1/posts?limit=100')).json()
  t.same(list.data.map((p: { slug: string }) => p.slug), ['notes-from-the-desk', 'handbook', 'pairing-across-time-zones', 'moving-our-job-queue-into-postgresql'],
    'GET /v1/posts serves the imported posts')
  const post = (await app.inject('/v1/posts/moving-our-job-queue-into-postgresql')).json().data
  t.match(post, { title: 'Moving our job queue into PostgreSQL', authors: [{ slug: 'priya-raman', name: 'Priya Raman' }] })
  t.match(post.html, /We ran a self-hosted broker/)
  t.notMatch(post.html, /<script|onerror|javascript:/)
})

t.test('an import into a database that holds the demo archive warns that the posts would mix', async (t) => {
  let env: Record<string, string>
  if (process.env.TEST_DATABASE_URL) {
    const database = await testDatabase(t)
    env = { DATABASE_URL: database.url! }
  } else {
    const dataDir = await pgliteDataDir(t)
    const database = await createDb({ databaseUrl: undefined, dataDir })
    await seedDemoArchive(database.db)
    await database.close()
    env = { DATA_DIR: dataDir }
  }
  const { code, stderr } = await importCli(env, fixturePath('rss'), '--dry-run')
  t.equal(code, 3)
  t.match(stderr, new RegExp(`^warning: this database holds the demo archive \\(${readDemoArchive().posts.length} of its posts\\).*SEED_DEMO=never`, 'm'))
})
