import { sql, type SQL } from 'drizzle-orm'
import t from 'tap'
import { readContentState } from '../../src/db/content-state.js'
import { testDatabase } from '../helper.js'

// The statements run against the demo archive, in order: each says whether it changes what a reader without
// a key sees, and so must advance the content version (and notify the replicas), or not.
const draft = sql`(select id from posts where slug = 'version-draft')`
const published = sql`(select id from posts where slug = 'slos-for-internal-platforms')`
const tag = (slug: string) => sql`(select id from tags where slug = ${slug})`
const author = sql`(select id from authors where slug = 'mateo-ruiz')`

const STATEMENTS: [string, boolean, SQL][] = [
  ['a draft created', false, sql`insert into posts (slug, title, excerpt, html, word_count, reading_time_minutes)
    values ('version-draft', 'A draft', 'Soon.', '<p>Soon.</p>', 1, 1)`],
  ['a draft edited', false, sql`update posts set title = 'A draft, edited' where id = ${draft}`],
  ['a draft tagged', false, sql`insert into post_tags (post_id, tag_id, position) values (${draft}, ${tag('frontend')}, 0)`],
  ['a draft given an author', false, sql`insert into post_authors (post_id, author_id, position) values (${draft}, ${author}, 0)`],
  ['a draft\'s old slug recorded', false, sql`insert into slug_history (kind, old_slug, target_id) values ('post', 'version-draft-old', ${draft})`],
  ['an existing tag "created" again', false, sql`insert into tags (slug, name) values ('frontend', 'Frontend') on conflict (slug) do nothing`],
  ['no row updated', false, sql`update posts set title = title where false`],
  ['a draft scheduled', true, sql`update posts set status = 'published', published_at = now() + interval '1 day' where id = ${draft}`],
  ['a scheduled post edited', true, sql`update posts set title = 'Scheduled' where id = ${draft}`],
  ['a scheduled post\'s tags changed', true, sql`update post_tags set position = 1 where post_id = ${draft}`],
  ['a post unpublished', true, sql`update posts set status = 'draft', published_at = null where id = ${draft}`],
  ['a draft untagged', false, sql`delete from post_tags where post_id = ${draft}`],
  ['a draft\'s old slug forgotten', false, sql`delete from slug_history where target_id = ${draft}`],
  ['a draft deleted', false, sql`delete from posts where id = ${draft}`],
  ['a published post edited', true, sql`update posts set title = 'SLOs, edited' where id = ${published}`],
  ['a published post tagged', true, sql`insert into post_tags (post_id, tag_id, position) values (${published}, ${tag('frontend')}, 9)`],
  ['a published post untagged', true, sql`delete from post_tags where post_id = ${published} and tag_id = ${tag('frontend')}`],
  ['a published post\'s old slug recorded', true, sql`insert into slug_history (kind, old_slug, target_id) values ('post', 'slos-old', ${published})`],
  ['a tag created', true, sql`insert into tags (slug, name) values ('version-tag', 'Version tag')`],
  ['a tag\'s old slug recorded', true, sql`insert into slug_history (kind, old_slug, target_id) values ('tag', 'version-tag-old', ${tag('version-tag')})`],
  ['a tag renamed', true, sql`update tags set name = 'Renamed' where slug = 'version-tag'`],
  ['a tag deleted', true, sql`delete from tags where slug = 'version-tag'`],
  ['an author edited', true, sql`update authors set title = 'Staff engineer' where id = ${author}`],
  ['a published post deleted', true, sql`delete from posts where id = ${published}`],
]

t.test('the content version moves with each change a reader without a key can see, and with no other', async (t) => {
  const { db } = await testDatabase(t)
  for (const [what, shown, statement] of STATEMENTS) {
    const before = await readContentState(db)
    await db.execute(statement)
    const after = await readContentState(db)
    if (shown) {
      // By one or more: a link's change also rebuilds its post's search vector, an update of the post.
      t.ok(after.version > before.version, `${what}: advanced`)
      t.ok(after.changedAt > before.changedAt, `${what}: its time noted`)
    } else {
      t.same(after, before, `${what}: left as it was`)
    }
  }
})
