import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate as drizzleMigrate } from 'drizzle-orm/pglite/migrator'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createDb, rowsOf } from '../../src/db/client.js'
import { migrate, migrationsFolder, pendingMigrations } from '../../src/db/migrate.js'

t.test('an archive created before search becomes searchable by migrating, with no manual step', async (t) => {
  // The migrations as they were before search (0000-0002), applied to a fresh embedded database.
  const old = mkdtempSync(join(tmpdir(), 'quire-old-migrations-'))
  t.teardown(() => rmSync(old, { recursive: true, force: true }))
  cpSync(migrationsFolder, old, { recursive: true })
  const journal = JSON.parse(readFileSync(join(old, 'meta/_journal.json'), 'utf8'))
  journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < '0003')
  writeFileSync(join(old, 'meta/_journal.json'), JSON.stringify(journal))

  const database = await createDb({ databaseUrl: undefined, dataDir: 'memory://' })
  t.teardown(() => database.close())
  await drizzleMigrate(drizzle(database.kind === 'pglite' ? database.client : (undefined as never)), { migrationsFolder: old })
  t.ok((await pendingMigrations(database)) > 0, 'the search migration is pending')

  // A post written by the old code: no body_text, no search vector.
  await database.db.execute(sql`
    with a as (insert into authors (slug, name) values ('old-author', 'Old Author') returning id),
         p as (insert into posts (slug, title, excerpt, html, status, published_at, word_count, reading_time_minutes)
               values ('legacy-post', 'Legacy post', 'From before search', '<p>The quartermaster &amp; the <em>lighthouse</em> keeper.</p>',
                       'published', now() - interval '1 day', 6, 1) returning id)
    insert into post_authors (post_id, author_id, position) select p.id, a.id, 0 from p, a`)

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
})
