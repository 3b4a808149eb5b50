import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate as drizzleMigrate } from 'drizzle-orm/pglite/migrator'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createDb, rowsOf } from '../../src/db/client.js'
import { MIGRATION_LOCK, migrate, migrationsFolder, pendingMigrations } from '../../src/db/migrate.js'
import { backfillSanitizedHtml } from '../../src/db/backfill.js'
import { SANITIZER_VERSION } from '../../src/content/sanitize.js'
import { build, migratingElsewhere, nextSecondAfter, writeBehindApp } from '../helper.js'

/** A fresh embedded database with the migrations before the one tagged `first` applied (0003: 0000-0002). */
async function migratedBefore(t: Test, first: string) {
  const old = mkdtempSync(join(tmpdir(), 'quire-old-migrations-'))
  t.teardown(() => rmSync(old, { recursive: true, force: true }))
  cpSync(migrationsFolder, old, { recursive: true })
  const journal = JSON.parse(readFileSync(join(old, 'meta/_journal.json'), 'utf8'))
  journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < first)
  writeFileSync(join(old, 'meta/_journal.json'), JSON.stringify(journal))

  const database = await createDb({ databaseUrl: undefined, dataDir: 'memory://' })
  t.teardown(() => database.close())
  await drizzleMigrate(drizzle(database.kind === 'pglite' ? database.client : (undefined as never)), { migrationsFolder: old })
  t.ok((await pendingMigrations(database)) > 0, `${first} is pending`)
  return database
}

t.test('an archive created before search becomes searchable by migrating, with no manual step', async (t) => {
  // The migrations as they were before search (0000-0002).
  const database = await migratedBefore(t, '0003')

  // A post written by the old code: no body_text, no search vector.
  await database.db.execute(sql`
    with a as (insert into authors (slug, name) values ('old-author', 'Old Author') returning id),
         p as (insert into posts (slug, title, excerpt, html, status, published_at, word_count, reading_time_minutes)
               values ('legacy-post', 'Legacy post', 'From before search', '<p>The quartermaster &amp; the <em>lighthouse</em> keeper.</p>',
                       'published', now() - interval '1 day', 6, 1) returning id)
    insert into post_authors (post_id, author_id, position) select p.id, a.id, 0 from p, a`)
  // A name stored decomposed (an e and a combining accent), as text was taken before it was composed.
  await database.db.execute(sql`insert into tags (slug, name, description) values ('cafe', ${'Cafe\u0301'}, ${'Cafe\u0301 notes'})`)

  await migrate(database)
  t.equal(await pendingMigrations(database), 0)
  const [row] = rowsOf<{ body_text: string; searchable: boolean; ranked_by: string }>(await database.db.execute(sql`
    select body_text, search_vector @@ websearch_to_tsquery('english', 'lighthouse') as searchable, rank_vector::text as ranked_by from posts`))
  t.equal(row?.body_text, 'The quartermaster & the lighthouse keeper.', 'body text backfilled from the html')
  t.equal(row?.searchable, true, 'the search vector was computed')
  t.equal(row?.ranked_by, `'legaci':1A 'post':2A 'search':5B`, 'the rank vector was computed: title and excerpt, not the body')

  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database })
  t.teardown(() => app.close())
  const { data } = (await app.inject('/v1/posts?q=quartermaster')).json()
  t.same(data.map((p: { slug: string }) => p.slug), ['legacy-post'])
  t.match(data[0].snippet, /<mark>quartermaster<\/mark> &amp; the lighthouse keeper/)
  const [tag] = rowsOf<{ name: string; description: string }>(await database.db.execute(sql`select name, description from tags where slug = 'cafe'`))
  t.same(tag, { name: 'Caf\u00e9', description: 'Caf\u00e9 notes' }, 'text stored before is composed (NFC)')
  // Its site feed was named by its URL before there was a site id: it keeps that name (RFC 4287 4.2.6).
  const atom = (await app.inject('/feed.atom')).body
  t.equal(/<id>([^<]+)<\/id>/.exec(atom)?.[1], 'http://localhost:3000/feed.atom', 'the site feed keeps its id')
})

t.test('tags that only unpublished posts had stay hidden by migrating; the others stay shown', async (t) => {
  const database = await migratedBefore(t, '0017')
  // As 0016 left things: shown unless posts have the tag and none of them is public.
  await database.db.execute(sql`
    with a as (insert into authors (slug, name) values ('writer', 'Writer') returning id),
         p as (insert into posts (slug, title, excerpt, html, status, published_at, word_count, reading_time_minutes) values
           ('out', 'Out', 'x', '<p>x</p>', 'published', now() - interval '1 day', 1, 1),
           ('soon', 'Soon', 'x', '<p>x</p>', 'published', now() + interval '1 day', 1, 1),
           ('draft', 'Draft', 'x', '<p>x</p>', 'draft', null, 1, 1) returning id, slug),
         t as (insert into tags (slug, name) values ('public', 'Public'), ('scheduled', 'Scheduled'), ('drafted', 'Drafted'), ('alone', 'Alone') returning id, slug),
         pa as (insert into post_authors (post_id, author_id, position) select p.id, a.id, 0 from p, a)
    insert into post_tags (post_id, tag_id, position) select p.id, t.id, (row_number() over (partition by p.id))::int - 1 from p join t on (p.slug, t.slug) in (('out', 'public'), ('soon', 'scheduled'), ('draft', 'drafted'), ('draft', 'public'))`)
  await migrate(database)
  const rows = rowsOf<{ slug: string; hidden_until_published: boolean }>(await database.db.execute(sql`select slug, hidden_until_published from tags order by slug`))
  t.same(rows, [
    { slug: 'alone', hidden_until_published: false },
    { slug: 'drafted', hidden_until_published: true },
    { slug: 'public', hidden_until_published: false },
    { slug: 'scheduled', hidden_until_published: true },
  ])
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database })
  t.teardown(() => app.close())
  t.same((await app.inject('/v1/tags')).json().data.map((tag: { slug: string }) => tag.slug), ['alone', 'public'], 'the public sees what it saw before')
})

t.test('html stored before the sanitiser had versions is sanitised again by migrating: ids prefixed, Last-Modified moved, updated_at kept', async (t) => {
  const { app, database } = await build(t)
  // A database as 0013 leaves it: no pass of the sanitiser done, and posts as the code before ids were
  // prefixed stored them (no version): one whose html has ids and a link to one, and one without.
  const old = '<h2 id="setup">Setup</h2><p><a href="#setup">again</a> <a name="config">here</a> <a href="#">top</a></p>'
  await database.db.execute(sql`update content_state set sanitizer_version = null`)
  await writeBehindApp(app, () => database.db.execute(sql`
    with a as (select id from authors order by slug limit 1),
         p as (insert into posts (slug, title, excerpt, html, status, published_at, word_count, reading_time_minutes, created_at, updated_at)
               values ('with-ids', 'With ids', 'Setup', ${old}, 'published', '2024-01-02T03:04:05Z', 3, 1, '2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z'),
                      ('without-ids', 'Without ids', 'Plain', '<p>Plain text.</p>', 'published', '2024-01-02T03:04:05Z', 2, 1, '2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z')
               returning id)
    insert into post_authors (post_id, author_id, position) select p.id, a.id, 0 from p, a`))
  const before = await app.inject('/v1/posts/with-ids')
  t.equal(before.json().data.html, old, 'served as stored, before migrating')
  t.equal(before.headers['last-modified'], 'Tue, 02 Jan 2024 03:04:05 GMT')

  // As a replica's start would migrate the database another one serves.
  await writeBehindApp(app, () => migrate(database))
  type Row = { slug: string; html: string; sanitizer_version: number | null; updated_at: Date; links_changed_at: Date | null }
  const rows = async () => rowsOf<Row>(await database.db.execute(sql`
    select slug, html, sanitizer_version, updated_at, links_changed_at from posts where slug in ('with-ids', 'without-ids') order by slug`))
  const [withIds, plain] = await rows()
  t.equal(withIds?.html, '<h2 id="user-content-setup">Setup</h2><p><a href="#user-content-setup">again</a> <a name="user-content-config">here</a> <a href="#">top</a></p>',
    'ids and anchor names prefixed, and the link to one follows')
  t.equal(withIds?.sanitizer_version, SANITIZER_VERSION)
  t.equal(new Date(withIds!.updated_at).toISOString(), '2024-01-02T03:04:05.000Z', 'updated_at kept: the post was not edited')
  t.ok(withIds?.links_changed_at, 'its representation changed: links_changed_at is set')
  t.equal(plain?.html, '<p>Plain text.</p>', 'html the rules leave as it is stays')
  t.equal(plain?.sanitizer_version, null, 'and is not written')
  t.equal(plain?.links_changed_at, null, 'its representation did not change')
  const [state] = rowsOf<{ sanitizer_version: number }>(await database.db.execute(sql`select sanitizer_version from content_state`))
  t.equal(state?.sanitizer_version, SANITIZER_VERSION, 'the pass is noted as done')

  const after = await app.inject({ url: '/v1/posts/with-ids', headers: { 'if-modified-since': before.headers['last-modified'] as string, 'if-none-match': before.headers.etag as string } })
  t.equal(after.statusCode, 200, 'a client revalidating its copy gets the new html')
  t.equal(after.json().data.html, withIds?.html)
  const sanitizedAt = new Date(withIds!.links_changed_at!).toUTCString()
  await nextSecondAfter(sanitizedAt)
  t.equal((await app.inject('/v1/posts/with-ids')).headers['last-modified'], sanitizedAt, 'Last-Modified is when it was sanitised again')

  const contentVersion = async () => rowsOf<{ version: string }>(await database.db.execute(sql`select version::text as version from content_state`))[0]?.version
  const version = await contentVersion()
  t.equal(await backfillSanitizedHtml(database.db), 0, 'a second start changes nothing')
  t.same(await rows(), [withIds, plain], 'and writes nothing')
  t.equal(await contentVersion(), version, 'so no replica\'s cache is emptied')
})

t.test('a post written in Markdown is made again from it by the sanitiser\'s pass: what older rules took from its html comes back', async (t) => {
  const { app, database } = await build(t)
  // As version 1 stored them: a heading without its id (Markdown gave none), and html whose ids it took
  // away (those off links and headings), which nothing can bring back.
  const markdown = '## Setup\n\nSee [setup](#setup).\n'
  const v1 = '<h2>Setup</h2>\n<p>See <a href="#user-content-setup">setup</a>.</p>\n'
  const html = '<p>Note<sup><a href="#user-content-fn1">1</a></sup></p><ol><li>Source</li></ol>'
  // What version 2 let through: `java&#127;script:` lost its character after the scheme was checked.
  const unsafe = '<p><a href="javascript:alert(1)">As stored.</a></p>'
  await database.db.execute(sql`update content_state set sanitizer_version = 1`)
  await writeBehindApp(app, () => database.db.execute(sql`
    with a as (select id from authors order by slug limit 1),
         p as (insert into posts (slug, title, excerpt, html, markdown, sanitizer_version, status, published_at, word_count, reading_time_minutes, created_at, updated_at)
               values ('from-markdown', 'From Markdown', 'See setup.', ${v1}, ${markdown}, 1, 'published', '2024-01-02T03:04:05Z', 3, 1, '2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z'),
                      ('too-deep', 'Too deep', 'x', ${unsafe}, ${`${'>'.repeat(20_000)} x`}, 1, 'published', '2024-01-02T03:04:05Z', 1, 1, '2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z'),
                      ('from-html', 'From html', 'Note', ${html}, null, 1, 'published', '2024-01-02T03:04:05Z', 2, 1, '2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z')
               returning id)
    insert into post_authors (post_id, author_id, position) select p.id, a.id, 0 from p, a`))
  await writeBehindApp(app, () => migrate(database))
  const rows = rowsOf<{ slug: string; html: string; sanitizer_version: number; links_changed_at: Date | null }>(await database.db.execute(sql`
    select slug, html, sanitizer_version, links_changed_at from posts where slug in ('from-markdown', 'from-html', 'too-deep') order by slug`))
  t.same(rows.map((r) => [r.slug, r.html, r.sanitizer_version, r.links_changed_at !== null]), [
    ['from-html', html, 1, false],
    ['from-markdown', '<h2 id="user-content-setup">Setup</h2>\n<p>See <a href="#user-content-setup">setup</a>.</p>\n', SANITIZER_VERSION, true],
    ['too-deep', '<p><a>As stored.</a></p>', SANITIZER_VERSION, true],
  ], 'the heading has its id again; html the rules leave as it is is not written; a post whose Markdown the renderer now fails on has its html sanitised again (the start goes on)')
  t.equal((await app.inject('/v1/posts/from-markdown')).json().data.html, rows[1]!.html, 'and is served so')
})

t.test('the demo archive\'s posts store the sanitiser version they were sanitised under, as every write does', async (t) => {
  const { database } = await build(t)
  const [row] = rowsOf<{ posts: number; older: number }>(await database.db.execute(sql`
    select count(*)::int as posts, count(*) filter (where sanitizer_version is distinct from ${SANITIZER_VERSION})::int as older from posts`))
  t.ok(row!.posts > 0, 'the demo archive has posts')
  t.equal(row!.older, 0, 'every one of them written with the current version')
})

t.test('a start waits for another replica\'s migration however long it takes: no time limit stops it', {
  skip: !process.env.TEST_DATABASE_URL && 'replicas share a PostgreSQL database',
}, async (t) => {
  // Another replica migrating (or sanitising an archive again) for longer than Fastify's default plugin
  // time limit (10 s) allows a plugin to start.
  const { database, replica } = await migratingElsewhere(t)
  let started: unknown = 'waiting'
  const starting = buildApp(loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: database.url! }))
    .then(async (app) => {
      t.teardown(() => app.close())
      await app.ready()
      started = 'ready'
      return app
    })
    .catch((error: Error) => void (started = error.message))
  await sleep(11_000)
  t.equal(started, 'waiting', 'still waiting its turn after 11 s')
  await replica.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK])
  const app = await starting
  t.equal(started, 'ready', 'and starts once the other replica is done')
  if (app) t.equal((await app.inject('/readyz')).statusCode, 200)
})
