import { sql, type SQL } from 'drizzle-orm'
import pg from 'pg'
import t from 'tap'
import { rowsOf } from '../../src/db/client.js'
import { readContentState } from '../support/content-state.js'
import { testDatabase } from '../helper.js'

const onPostgres = { skip: process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' }

// The statements run against the demo archive, in order: each says whether it changes what a reader without
// a key sees, and so must advance the content version (and notify the replicas), or not.
const draft = sql`(select id from posts where slug = 'version-draft')`
const published = sql`(select id from posts where slug = 'slos-for-internal-platforms')`
const tag = (slug: string) => sql`(select id from tags where slug = ${slug})`
const author = (slug: string) => sql`(select id from authors where slug = ${slug})`

const STATEMENTS: [string, boolean, SQL][] = [
  ['a draft created', false, sql`insert into posts (slug, title, excerpt, html, word_count, reading_time_minutes)
    values ('version-draft', 'A draft', 'Soon.', '<p>Soon.</p>', 1, 1)`],
  ['a draft edited', false, sql`update posts set title = 'A draft, edited' where id = ${draft}`],
  ['a draft tagged', false, sql`insert into post_tags (post_id, tag_id, position) values (${draft}, ${tag('frontend')}, 0)`],
  ['a draft given an author', false, sql`insert into post_authors (post_id, author_id, position) values (${draft}, ${author('mateo-ruiz')}, 0)`],
  // A tag is shown unless a draft brought it in (hidden until published), an author once a post of theirs
  // is public: a draft's links show or hide neither.
  ['a tag no post has created', true, sql`insert into tags (slug, name) values ('no-posts', 'No posts')`],
  ['a draft tagged with it', false, sql`insert into post_tags (post_id, tag_id, position) values (${draft}, ${tag('no-posts')}, 1)`],
  ['that link removed', false, sql`delete from post_tags where post_id = ${draft} and tag_id = ${tag('no-posts')}`],
  ['a tag a draft brings in created', false, sql`insert into tags (slug, name, hidden_until_published) values ('only-drafts', 'Only drafts', true)`],
  ['a draft tagged with that one', false, sql`insert into post_tags (post_id, tag_id, position) values (${draft}, ${tag('only-drafts')}, 2)`],
  ['that hidden tag renamed', false, sql`update tags set name = 'Only drafts, renamed' where slug = 'only-drafts'`],
  ['an author no post has created', false, sql`insert into authors (slug, name) values ('draft-writer', 'Draft Writer')`],
  ['a draft given that author', false, sql`insert into post_authors (post_id, author_id, position) values (${draft}, ${author('draft-writer')}, 1)`],
  ['that author, with drafts only, edited', false, sql`update authors set title = 'Writer' where slug = 'draft-writer'`],
  ['that author link removed', false, sql`delete from post_authors where post_id = ${draft} and author_id = ${author('draft-writer')}`],
  ['a draft\'s old slug recorded', false, sql`insert into slug_history (kind, old_slug, target_id) values ('post', 'version-draft-old', ${draft})`],
  ['an existing tag "created" again', false, sql`insert into tags (slug, name) values ('frontend', 'Frontend') on conflict (slug) do nothing`],
  ['no row updated', false, sql`update posts set title = title where false`],
  ['a published post\'s old slug recorded', true, sql`insert into slug_history (kind, old_slug, target_id) values ('post', 'slos-old', ${published})`],
  ['a published post\'s old slug taken over by a draft', true, sql`insert into slug_history (kind, old_slug, target_id) values ('post', 'slos-old', ${draft})
    on conflict (kind, old_slug) do update set target_id = excluded.target_id`],
  ['a draft\'s old slugs forgotten', false, sql`delete from slug_history where target_id = ${draft}`],
  ['a draft scheduled', true, sql`update posts set status = 'published', published_at = now() + interval '1 day' where id = ${draft}`],
  ['the hidden tag of a scheduled post renamed', true, sql`update tags set name = 'Only drafts, scheduled' where slug = 'only-drafts'`],
  ['a scheduled post edited', true, sql`update posts set title = 'Scheduled' where id = ${draft}`],
  ['a scheduled post\'s tags reordered', true, sql`update post_tags set position = position + 10 where post_id = ${draft}`],
  ['a post unpublished', true, sql`update posts set status = 'draft', published_at = null where id = ${draft}`],
  ['a draft untagged', false, sql`delete from post_tags where post_id = ${draft}`],
  ['a draft deleted, its author link with it', false, sql`delete from posts where id = ${draft}`],
  ['a published post edited', true, sql`update posts set title = 'SLOs, edited' where id = ${published}`],
  ['a published post given another author', true, sql`insert into post_authors (post_id, author_id, position) values (${published}, ${author('lin-zhang')}, 5)`],
  ['a published post\'s authors reordered', true, sql`update post_authors set position = 6 where post_id = ${published} and author_id = ${author('lin-zhang')}`],
  ['a published post\'s author removed', true, sql`delete from post_authors where post_id = ${published} and author_id = ${author('lin-zhang')}`],
  // Tagging rebuilds the post's search vector too (an update of the post): reordering tests post_tags alone.
  ['a published post tagged', true, sql`insert into post_tags (post_id, tag_id, position) values (${published}, ${tag('frontend')}, 9)`],
  ['a published post\'s tags reordered', true, sql`update post_tags set position = 10 where post_id = ${published} and tag_id = ${tag('frontend')}`],
  ['a published post untagged', true, sql`delete from post_tags where post_id = ${published} and tag_id = ${tag('frontend')}`],
  ['a tag created', true, sql`insert into tags (slug, name) values ('version-tag', 'Version tag')`],
  ['a tag\'s old slug recorded', true, sql`insert into slug_history (kind, old_slug, target_id) values ('tag', 'version-tag-old', ${tag('version-tag')})`],
  ['a tag renamed', true, sql`update tags set name = 'Renamed' where slug = 'version-tag'`],
  ['a tag deleted', true, sql`delete from tags where slug = 'version-tag'`],
  ['an author edited', true, sql`update authors set title = 'Staff engineer' where id = ${author('mateo-ruiz')}`],
  ['every old slug truncated', true, sql`truncate slug_history`],
  ['a published post deleted', true, sql`delete from posts where id = ${published}`],
]

t.test('the content version moves with each change a reader without a key can see, and with no other', async (t) => {
  const { db } = await testDatabase(t)
  for (const [what, shown, statement] of STATEMENTS) {
    const before = await readContentState(db)
    await db.execute(statement)
    const after = await readContentState(db)
    if (shown) {
      t.ok(after.version > before.version, `${what}: advanced`)
      t.ok(after.changedAt > before.changedAt, `${what}: its time noted`)
    } else {
      t.same(after, before, `${what}: left as it was`)
    }
  }
})

t.test('a draft\'s link or old slug changed while another transaction publishes it: the publish waits, then advances the version', onPostgres, async (t) => {
  const { db, url } = await testDatabase(t)
  await db.execute(sql`insert into posts (slug, title, excerpt, html, word_count, reading_time_minutes) values ('race-draft', 'Racing', 'R.', '<p>R.</p>', 1, 1)`)
  await db.execute(sql`insert into slug_history (kind, old_slug, target_id) values ('post', 'race-old', (select id from posts where slug = 'race-draft'))`)
  const [changing, publishing] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })]
  await Promise.all([changing.connect(), publishing.connect()])
  t.teardown(() => Promise.all([changing.end(), publishing.end()]))
  const publisherPid = (await publishing.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid

  // The old slug's redirect goes, while the post is a draft: a change the public does not see, yet.
  await changing.query('begin')
  await changing.query(`delete from slug_history where old_slug = 'race-old'`)
  let publishDone = false
  const publish = publishing.query(`update posts set status = 'published', published_at = now() where slug = 'race-draft'`).then(() => { publishDone = true })
  const waitingOnLock = async () => {
    const [row] = rowsOf<{ wait: string | null }>(await db.execute(sql`select wait_event_type as wait from pg_stat_activity where pid = ${publisherPid}`))
    return row?.wait === 'Lock'
  }
  let waited = false
  for (let i = 0; i < 250 && !publishDone && !waited; i++) {
    waited = await waitingOnLock()
    if (!waited) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.ok(waited && !publishDone, 'publishing waits for the transaction that read the post as a draft')
  const beforeCommit = await readContentState(db)
  await changing.query('commit')
  await publish
  t.ok((await readContentState(db)).version > beforeCommit.version,
    'and advances the version after that transaction committed: nothing cached in between outlives it')
})
