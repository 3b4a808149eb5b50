import t from 'tap'
import { eq, sql } from 'drizzle-orm'
import { authors, postAuthors, posts } from '../../../src/db/schema.js'
import { listPosts } from '../../../src/modules/posts/queries.js'
import { SEARCH_LIMIT, type SearchPlan } from '../../../src/modules/posts/search-queries.js'
import { build } from '../../helper.js'
import { jsonGetter } from '../../support/http.js'

// More matches than a search ranks: SEARCH_LIMIT + 3 posts that mention "quokka", one a day back from
// 2026-06-01, written straight to the database (the trigger still makes their search vectors).
const EXTRA = 3
const DAY = 86_400_000
const newest = Date.parse('2026-06-01T12:00:00Z')
const slugAt = (i: number) => `quokka-${String(i).padStart(4, '0')}`
// Index 0 is the newest. The title mentions weigh most: one inside the bound, one past it.
const titled = { inside: 500, outside: SEARCH_LIMIT + 1 }

t.test('a search that matches more than SEARCH_LIMIT posts', async (t) => {
  const queries: string[] = []
  const { app, database } = await build(t, { onQuery: (q) => queries.push(q) })
  const [ada] = await database.db.select({ id: authors.id }).from(authors).where(eq(authors.slug, 'ada-okafor'))
  const rows = Array.from({ length: SEARCH_LIMIT + EXTRA }, (_, i) => ({
    slug: slugAt(i),
    title: i === titled.inside || i === titled.outside ? `All about the quokka, part ${i}` : `Field notes ${i}`,
    excerpt: `Notes from day ${i}.`,
    html: `<p>On day ${i} we saw a quokka near the depot.</p>`,
    status: 'published' as const,
    publishedAt: new Date(newest - i * DAY),
    wordCount: 9,
    readingTimeMinutes: 1,
  }))
  const inserted = await database.db.insert(posts).values(rows).returning({ id: posts.id })
  await database.db.insert(postAuthors).values(inserted.map(({ id }) => ({ postId: id, authorId: ada!.id, position: 0 })))

  const get = jsonGetter(app)

  t.test('ranks, counts and pages the first SEARCH_LIMIT matches, newest first, and says so', async (t) => {
    const { status, body } = await get('/v1/posts?q=quokka')
    t.equal(status, 200)
    t.equal(body.meta.total, SEARCH_LIMIT)
    t.equal(body.meta.totalPages, Math.ceil(SEARCH_LIMIT / 15))
    t.equal(body.meta.truncated, true)
    t.equal(body.data[0].slug, slugAt(titled.inside), 'a title match inside the bound ranks first')
    t.notOk(body.data.some((p: { slug: string }) => p.slug === slugAt(titled.outside)), 'the title match past the bound is not ranked')
    t.equal(body.data[1].slug, slugAt(0), 'then the newest')

    const last = await get(`/v1/posts?q=quokka&page=${Math.ceil(SEARCH_LIMIT / 15)}`)
    t.equal(last.status, 200)
    t.equal(last.body.data.length, SEARCH_LIMIT % 15 || 15, 'the last page stops at the bound')
    const past = await get(`/v1/posts?q=quokka&page=${Math.ceil(SEARCH_LIMIT / 15) + 1}`)
    t.equal(past.status, 400, 'a page past the bound is past the last page')
    t.match(past.body.detail, /last page/i)
  })

  t.test('every page holds different posts, and together the pages hold the SEARCH_LIMIT newest', async (t) => {
    const seen: string[] = []
    for (let page = 1; page <= SEARCH_LIMIT / 100; page++) {
      const { status, body } = await get(`/v1/posts?q=quokka&limit=100&page=${page}`)
      t.equal(status, 200)
      seen.push(...body.data.map((p: { slug: string }) => p.slug))
    }
    t.equal(new Set(seen).size, SEARCH_LIMIT)
    t.same([...seen].sort(), Array.from({ length: SEARCH_LIMIT }, (_, i) => slugAt(i)))
  })

  t.test('count=false leaves the total out but still says the search was bounded, and links the next page', async (t) => {
    const res = await app.inject('/v1/posts?q=quokka&count=false')
    const body = res.json()
    t.equal(body.meta.total, undefined)
    t.equal(body.meta.truncated, true)
    t.equal(body.data.length, 15)
    t.match(res.headers.link, /[?&]page=2>; rel="next"/, 'a ranked search has no cursor, so the Link header says a next page exists')
    const last = await app.inject(`/v1/posts?q=quokka&count=false&limit=100&page=${SEARCH_LIMIT / 100}`)
    t.notMatch(last.headers.link, /rel="next"/, 'and not on the last page it reaches')
  })

  t.test('every way of collecting matches (walking, collecting, a window of the newest posts) gives the same pages', async (t) => {
    // The window is read off the planner's statistics: without them it collects; with them, a window
    // holding too few matches (a tenth of the posts) collects too, and one holding them all is used.
    const plans: SearchPlan[] = ['collect', { window: 0.1 }, { window: 1 }]
    const usesWindow = async () => {
      queries.length = 0
      await listPosts(database.db, { visibility: 'public', q: 'quokka' }, undefined, { page: 1, limit: 15 }, { searchPlan: { window: 1 } })
      return queries.some((q) => /published_at" >= \$/.test(q))
    }
    t.notOk(await usesWindow(), 'no window before the table is analysed')
    for (const analysed of [false, true]) {
      if (analysed) await database.db.execute(sql`analyze posts`)
      for (const sort of [undefined, 'title', 'publishedAt'] as const) {
        for (const page of [1, 7, Math.ceil(SEARCH_LIMIT / 15)]) {
          const read = (searchPlan: SearchPlan) =>
            listPosts(database.db, { visibility: 'public', q: 'quokka' }, sort, { page, limit: 15 }, { searchPlan })
          const walked = await read('walk')
          t.equal(walked.total, SEARCH_LIMIT)
          for (const plan of plans) {
            t.same(await read(plan), walked, `${JSON.stringify(plan)}, sort ${sort ?? 'relevance'}, page ${page}${analysed ? ', analysed' : ''}`)
          }
        }
      }
    }
    t.ok(await usesWindow(), 'a window once it is')
    t.ok(await usesWindow(), 'and again')
    t.notOk(queries.some((q) => q.includes('pg_stats')), 'from the histogram read before, kept')
  })

  t.test('with a sort, the bound follows that order, and a cursor goes on past it', async (t) => {
    const oldest = await get('/v1/posts?q=quokka&sort=publishedAt&limit=3')
    t.same(oldest.body.data.map((p: { slug: string }) => p.slug), [slugAt(SEARCH_LIMIT + 2), slugAt(SEARCH_LIMIT + 1), slugAt(SEARCH_LIMIT)])
    t.equal(oldest.body.meta.truncated, true)

    const slugs: string[] = []
    let url: string | undefined = '/v1/posts?q=quokka&sort=-publishedAt&limit=100'
    while (url) {
      const { status, body }: { status: number; body: { data: { slug: string }[]; meta: { nextCursor: string | null; total: number } } } = await get(url)
      t.equal(status, 200)
      t.equal(body.meta.total, SEARCH_LIMIT)
      slugs.push(...body.data.map((p) => p.slug))
      url = body.meta.nextCursor ? `/v1/posts?q=quokka&sort=-publishedAt&limit=100&cursor=${body.meta.nextCursor}` : undefined
    }
    t.same(slugs, Array.from({ length: SEARCH_LIMIT + EXTRA }, (_, i) => slugAt(i)), 'every match, newest first, by cursor')
  })

  t.test('a search with fewer matches is exact and not marked', async (t) => {
    const { body } = await get(`/v1/posts?q=${encodeURIComponent('"part 500"')}`)
    t.equal(body.meta.total, 1)
    t.equal(body.meta.truncated, undefined)
    t.same(body.data.map((p: { slug: string }) => p.slug), [slugAt(titled.inside)])
  })
})
