import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { loadArchive } from '../../bench/lib/load.js'
import { nullsOrderMismatch, planHeadline, planRequests, QueryRecorder } from '../../bench/lib/plans.js'
import { archiveFeedPage, deepCursorUrl, mainReads, sampleArchive } from '../../bench/lib/reads.js'
import { syntheticArchive } from '../../bench/lib/synthetic.js'
import { build } from '../helper.js'

// PGlite plans too, but the indexes are there for the production database.
const skip = process.env.TEST_DATABASE_URL ? false : 'query plans are checked on PostgreSQL: set TEST_DATABASE_URL'

t.test('on a few thousand posts, every list, detail, count and feed read uses an index, never a scan of posts', { skip }, async (t) => {
  const recorder = new QueryRecorder()
  const { app, database } = await build(t, { seed: false, onQuery: recorder.onQuery })
  if (database.kind !== 'postgres') throw new Error('expected PostgreSQL')
  // Loaded as bench:seed loads 100,000: bulk, then VACUUM ANALYZE, so the planner sees real statistics.
  await loadArchive(database.pool, syntheticArchive({ posts: 4000, bodies: 40 }), { batchSize: 500 })
  // VACUUM marks pages all-visible (which an index-only count needs) only once no transaction anywhere on the
  // server is older than their rows: another test file holding a row lock meanwhile, say. Until then the
  // planner rightly scans the table. Vacuumed again until it could, as a database at rest would be.
  for (let attempt = 0; attempt < 60; attempt++) {
    const { rows: [visibility] } = await database.pool.query<{ pages: number; visible: number }>(
      "select relpages as pages, relallvisible as visible from pg_class where oid = 'posts'::regclass")
    if (visibility && visibility.visible >= visibility.pages) break
    await sleep(500)
    await database.pool.query('vacuum posts, post_tags, post_authors')
  }

  // As deep, in proportion, as the bench's page 2,000 of 100,000 posts (30%); past half way, reading the
  // whole table and sorting it is the better plan, and the planner rightly takes it.
  const sample = await sampleArchive(database.pool, 80)
  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url })
    return { status: response.statusCode, body: response.json() as unknown }
  }
  const cursorUrl = await deepCursorUrl(get, sample.deepPage)
  if (!cursorUrl) t.comment('cursor paging is not in this build: its plan is not checked')
  // And the page before it, by its prevCursor: read from the same index, backwards.
  const prevCursor = cursorUrl && ((await get(cursorUrl)).body as { meta: { prevCursor: string } }).meta.prevCursor
  const backwards = prevCursor ? [{ label: 'deep page (cursor, backwards)', url: `/v1/posts?limit=15&cursor=${encodeURIComponent(prevCursor)}` }] : []
  const plans = await planRequests(app, recorder, database.pool, [...mainReads(sample, cursorUrl), ...backwards])

  for (const read of plans) {
    t.equal(read.status, 200, `${read.label} answers 200`)
    t.ok(read.statements.length > 0, `${read.label} sends queries`)
    if (read.scanExpected) continue
    for (const statement of read.statements) {
      // Known and reported; the todo lifts by itself when the query's ORDER BY matches the index.
      const todo = nullsOrderMismatch(statement.sql)
      t.notOk(statement.seqScanOnPosts, `${read.label}: ${planHeadline(statement.plan)} reads posts through an index`, {
        ...(todo ? { todo } : {}),
        sql: statement.sql,
        plan: statement.plan.join('\n'),
      })
    }
  }
  const uses = (index: string) => plans.some((p) => p.statements.some((s) => s.indexes.some((i) => i.startsWith(index))))
  t.ok(uses('posts_published_idx'), 'counts and aggregates of public posts read the listing index')
  t.ok(uses('posts_search_idx'), 'search reads the GIN index')
  t.ok(uses('posts_slug_unique'), 'a post by slug reads the unique index')
  t.ok(uses('posts_title_key_idx'), 'posts by title read the index of their alphabetical keys')

  const before = plans.find((p) => p.label === 'deep page (cursor, backwards)')
  t.ok(before, 'a page reached backwards is planned')
  const backwardsPage = before?.statements.find((s) => /\blimit\b/i.test(s.sql) && !/count\(/i.test(s.sql))
  t.match(planHeadline(backwardsPage?.plan ?? []), /^Limit/, 'a page before a cursor stops at the page')
  t.ok(backwardsPage?.plan.some((line) => /Index Scan Backward using posts_published_idx/.test(line)), 'walking the listing index backwards', { plan: backwardsPage?.plan.join('\n') })
  t.notOk(backwardsPage?.plan.some((line) => /\bSort\b/.test(line)), 'with no sort', { plan: backwardsPage?.plan.join('\n') })

  // The tag is looked up first, so the planner knows how many posts have it: for the most used one it walks
  // the newest posts until the page is full, rather than reading every post of the tag and sorting them all.
  const popular = plans.find((p) => p.label === 'tag filter (popular tag)')!
  const page = popular.statements.find((s) => /\blimit\b/i.test(s.sql) && !/count\(/i.test(s.sql))
  t.ok(page, 'the popular tag\'s page statement')
  t.match(planHeadline(page!.plan), /^Limit/, 'it stops at the page')
  t.notOk(page!.plan.some((line) => /\bSort\b/.test(line)), 'in the listing index\'s order, with no sort of the tag\'s posts', { plan: page!.plan.join('\n') })

  // A page far in, by number, skips the posts before it along the listing index alone (which holds their
  // dates and ids), and reads the rows of its own posts only; so does an archive feed page's digest.
  for (const label of [`deep page ${sample.deepPage} (offset)`, `archive feed page ${archiveFeedPage(sample)}`]) {
    const read = plans.find((p) => p.label === label)
    t.ok(read, label)
    const skipping = read!.statements.filter((s) => /\boffset\b/i.test(s.sql))
    t.ok(skipping.length > 0, `${label} has statements with an offset`)
    for (const statement of skipping) {
      const plan = { plan: statement.plan.join('\n') }
      t.ok(statement.plan.some((line) => /Index Only Scan.* using posts_published_idx/.test(line)), `${label}: ${planHeadline(statement.plan)} skips its offset in the listing index`, plan)
      // (A count in the same statement reads the index alone too: no walk of it may go through the table.)
      t.notOk(statement.plan.some((line) => /(?<!Only )Index Scan( Backward)? using posts_published_idx/.test(line)), `${label}: ${planHeadline(statement.plan)} never walks the listing index through the table`, plan)
    }
  }
})
