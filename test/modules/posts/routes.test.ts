import t from 'tap'
import { eq } from 'drizzle-orm'
import { posts, slugHistory } from '../../../src/db/schema.js'
import { build, writeBehindApp } from '../../helper.js'
import { jsonGetter } from '../../support/http.js'
import { demo, publicDemoPosts } from '../../support/demo.js'
import { authHeaders } from '../../support/auth.js'

const visible = publicDemoPosts()

t.test('GET /v1/posts', async (t) => {
  const { app, database } = await build(t)
  const get = jsonGetter(app)
  const slugsOf = (body: { data: { slug: string }[] }) => body.data.map((p) => p.slug)

  t.test('answers published posts newest first as summaries in a list envelope', async (t) => {
    const { res, body } = await get('/v1/posts')
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    t.match(body.meta, { page: 1, limit: 15, total: visible.length, totalPages: Math.ceil(visible.length / 15), nextCursor: String })
    t.same(slugsOf(body), visible.slice(0, 15).map((p) => p.slug))
    for (const post of body.data) {
      t.notOk('html' in post, 'a summary carries no html')
      t.notOk('markdown' in post, 'a summary carries no markdown')
    }
    const first = body.data[0]
    t.equal(first.url, `https://blog.example.com/posts/${first.slug}`)
    t.equal(first.primaryTag.slug, first.tags[0].slug)
    t.ok(first.excerpt.length > 0 && first.excerpt.length <= 301, 'a derived excerpt is about 300 characters')
    t.ok(first.readingTimeMinutes >= 1)
  })

  t.test('lists authors in byline order with their job titles, and tags in order', async (t) => {
    const { body } = await get('/v1/posts?limit=100')
    for (const source of visible) {
      const post = body.data.find((p: { slug: string }) => p.slug === source.slug)
      t.same(post.authors.map((a: { slug: string }) => a.slug), source.authors, `${source.slug} authors`)
      t.same(post.tags.map((x: { slug: string }) => x.slug), source.tags, `${source.slug} tags`)
      for (const author of post.authors) {
        t.equal(author.title, demo.authors.find((a) => a.slug === author.slug)!.title)
      }
    }
  })

  t.test('never shows drafts or posts scheduled for the future', async (t) => {
    const { body } = await get('/v1/posts?limit=100')
    const slugs = slugsOf(body)
    t.notOk(slugs.includes('notes-on-multi-region-writes'), 'the draft is hidden')
    t.notOk(slugs.includes('retiring-our-last-cron-server'), 'the scheduled post is hidden')
    t.equal((await get('/v1/posts/notes-on-multi-region-writes')).res.statusCode, 404)
    t.equal((await get('/v1/posts/retiring-our-last-cron-server')).res.statusCode, 404)
  })

  t.test('a scheduled post appears once its time has come, with no job running', async (t) => {
    await writeBehindApp(app, () => database.db.update(posts).set({ publishedAt: new Date(Date.now() - 1000) }).where(eq(posts.slug, 'retiring-our-last-cron-server')))
    t.teardown(() => database.db.update(posts).set({ publishedAt: new Date('2027-03-02T09:00:00Z') }).where(eq(posts.slug, 'retiring-our-last-cron-server')))
    const { body } = await get('/v1/posts?limit=1')
    t.equal(body.data[0].slug, 'retiring-our-last-cron-server')
    t.equal(body.meta.total, visible.length + 1)
  })

  t.test('pages are disjoint and together cover every post, with a Link header', async (t) => {
    const seen: string[] = []
    for (let page = 1; page <= 5; page++) {
      const { res, body } = await get(`/v1/posts?limit=8&page=${page}`)
      seen.push(...slugsOf(body))
      const link = res.headers.link as string
      t.match(link, /<\/v1\/posts\?limit=8&page=1>; rel="first"/)
      t.match(link, /<\/v1\/posts\?limit=8&page=5>; rel="last"/)
      if (page > 1) t.match(link, new RegExp(`page=${page - 1}>; rel="prev"`))
      else t.notMatch(link, /rel="prev"/)
      if (page < 5) t.match(link, new RegExp(`page=${page + 1}>; rel="next"`))
      else t.notMatch(link, /rel="next"/)
    }
    t.equal(new Set(seen).size, seen.length, 'no post on two pages')
    t.same(seen, visible.map((p) => p.slug))
  })

  t.test('filters by tag (any), tagsAll, excludeTags, author, featured and dates', async (t) => {
    const expect = (pred: (p: (typeof visible)[number]) => boolean) => visible.filter(pred).map((p) => p.slug)
    const cases: [string, string[]][] = [
      ['tag=architecture', expect((p) => p.tags.includes('architecture'))],
      ['tag=security,testing', expect((p) => p.tags.includes('security') || p.tags.includes('testing'))],
      ['tagsAll=architecture,culture', expect((p) => p.tags.includes('architecture') && p.tags.includes('culture'))],
      ['excludeTags=architecture,reliability', expect((p) => !p.tags.includes('architecture') && !p.tags.includes('reliability'))],
      ['author=ada-okafor', expect((p) => p.authors.includes('ada-okafor'))],
      ['author=lin-zhang,jonas-berg', expect((p) => p.authors.includes('lin-zhang') || p.authors.includes('jonas-berg'))],
      ['featured=true', expect((p) => p.featured === true)],
      ['featured=false', expect((p) => !p.featured)],
      ['publishedAfter=2026-01-01&publishedBefore=2026-04-01', expect((p) => p.publishedAt! >= '2026-01-01' && p.publishedAt! < '2026-04-01')],
      ['publishedAfter=2025-09-17T07:55:00Z', expect((p) => Date.parse(p.publishedAt!) >= Date.parse('2025-09-17T07:55:00Z'))],
      ['tag=architecture&author=ada-okafor&excludeTags=culture', expect((p) => p.tags.includes('architecture') && p.authors.includes('ada-okafor') && !p.tags.includes('culture'))],
      ['tag=no-such-tag', []],
      // Slugs that name nothing: matched by nothing, excluded by nothing.
      ['tag=architecture,no-such-tag', expect((p) => p.tags.includes('architecture'))],
      ['tagsAll=architecture,no-such-tag', []],
      ['excludeTags=no-such-tag', expect(() => true)],
      ['author=nobody', []],
      ['tag=ada-okafor', []],
    ]
    for (const [query, slugs] of cases) {
      const { res, body } = await get(`/v1/posts?limit=100&${query}`)
      t.equal(res.statusCode, 200, query)
      t.same(slugsOf(body), slugs, query)
      t.equal(body.meta.total, slugs.length, `${query} total`)
      if (slugs.length === 0) {
        t.equal(body.meta.totalPages, 1, `${query}: one page, empty`)
        t.match(res.headers.link, /page=1>; rel="last"/, `${query}: as the last link says`)
      }
    }
  })

  t.test('a bound between two milliseconds compares as the time it names: before .0001 is at .000, at or after .0005 is not', async (t) => {
    const post = (await get('/v1/posts?limit=1')).body.data[0] as { slug: string; publishedAt: string }
    t.match(post.publishedAt, /\.000Z$/, 'published on a whole second')
    const listed = async (query: string) => slugsOf((await get(`/v1/posts?limit=100&${query}`)).body).includes(post.slug)
    const at = (fraction: string) => encodeURIComponent(post.publishedAt.replace(/\.000Z$/, `.${fraction}Z`))
    t.ok(await listed(`publishedBefore=${at('0001')}`), 'published before .0001')
    t.notOk(await listed(`publishedBefore=${at('0000')}`), 'but not before itself')
    t.notOk(await listed(`publishedAfter=${at('0005')}`), 'not at or after .0005')
    t.ok(await listed(`publishedAfter=${at('0000')}`), 'but at or after itself')
  })

  t.test('sorts by publishedAt either way, by title and by updatedAt', async (t) => {
    const oldest = await get('/v1/posts?sort=publishedAt&limit=100')
    t.same(slugsOf(oldest.body), [...visible].reverse().map((p) => p.slug))
    const byTitle = await get('/v1/posts?sort=title&limit=100')
    const titles = byTitle.body.data.map((p: { title: string }) => p.title)
    t.equal(titles.length, visible.length)
    t.same(new Set(titles), new Set(visible.map((p) => p.title)))
    const updated = await get('/v1/posts?sort=-updatedAt&limit=100')
    const times = updated.body.data.map((p: { updatedAt: string }) => Date.parse(p.updatedAt))
    t.same(times, [...times].sort((a, b) => b - a))
  })

  t.test('rejects bad input with 400 problem+json naming the field', async (t) => {
    const cases: [string, string][] = [
      ['limit=0', '/limit'],
      ['limit=101', '/limit'],
      ['limit=ten', '/limit'],
      ['page=0', '/page'],
      ['page=-1', '/page'],
      ['sort=random', '/sort'],
      ['featured=maybe', '/featured'],
      ['tag=Not%20A%20Slug', '/tag'],
      ['tag=a,,b', '/tag'],
      ['publishedAfter=yesterday', '/publishedAfter'],
      ['publishedBefore=2026-13-45', '/publishedBefore'],
      ['colour=blue', '/colour'],
    ]
    for (const [query, field] of cases) {
      const { res, body } = await get(`/v1/posts?${query}`)
      t.equal(res.statusCode, 400, query)
      t.match(res.headers['content-type'], /^application\/problem\+json/, query)
      t.match(body, { type: '/problems/validation-failed', status: 400, title: String, detail: String }, query)
      t.ok(body.errors.some((e: { name: string; in: string }) => e.name === field && e.in === 'query'), `${query} names ${field}`)
    }
  })

  t.test('answers 400 for a page past the last one', async (t) => {
    const { res, body } = await get('/v1/posts?limit=10&page=99')
    t.equal(res.statusCode, 400)
    t.equal(body.type, '/problems/page-out-of-range')
    t.match(body.detail, /page 99 is beyond the last page \(4\)/)
    t.same(body.errors, [{ in: 'query', name: '/page', message: '99 is beyond the last page (4)' }], 'and names the parameter')
    const empty = await get('/v1/posts?tag=no-such-tag&page=1')
    t.equal(empty.res.statusCode, 200, 'page 1 of an empty result is fine')
  })
})

t.test('GET /v1/posts/:slug', async (t) => {
  const { app, database } = await build(t)

  t.test('answers the full post with sanitised html and its Markdown source', async (t) => {
    const res = await app.inject('/v1/posts/backpressure-how-our-queue-learned-to-say-no')
    t.equal(res.statusCode, 200)
    const { data } = res.json()
    t.equal(data.title, 'Backpressure: how our queue learned to say no')
    t.equal(data.canonicalUrl, 'https://ada-okafor.example.net/writing/backpressure')
    t.match(data.html, /<h2[^>]*>/)
    t.match(data.html, /<pre><code class="language-/)
    t.notMatch(data.html, /<script/i)
    t.type(data.markdown, 'string')
    t.equal(res.headers['last-modified'], new Date(data.updatedAt).toUTCString())
  })

  t.test('keeps a custom excerpt and a feature image', async (t) => {
    const { data } = (await app.inject('/v1/posts/event-sourcing-paid-off-and-hurt')).json()
    t.equal(data.excerpt, demo.posts.find((p) => p.slug === 'event-sourcing-paid-off-and-hurt')!.excerpt)
    const cells = (await app.inject('/v1/posts/cell-based-architecture-routing-engine')).json().data
    t.same(cells.featureImage, { url: 'https://cdn.fernhill.example/images/cells.jpg', alt: 'Diagram of routing cells, each with its own database' })
    t.same(cells.authors.map((a: { slug: string }) => a.slug), ['ada-okafor', 'nadia-haddad'])
  })

  t.test('answers 404 problem+json for an unknown slug, and for a malformed one, saying what a slug is', async (t) => {
    const missing = await app.inject('/v1/posts/no-such-post')
    t.equal(missing.statusCode, 404)
    t.match(missing.headers['content-type'], /^application\/problem\+json/)
    t.match(missing.json(), { type: '/problems/not-found', status: 404, detail: /no-such-post/ })
    const bad = await app.inject('/v1/posts/Not_A_Slug')
    t.equal(bad.statusCode, 404)
    t.match(bad.json(), {
      type: '/problems/not-found',
      detail: 'Nothing answers to /v1/posts/Not_A_Slug: its idOrSlug must be an id (a UUID) or a slug (lowercase letters, digits and single hyphens)',
    })
  })

  t.test('answers 301 to the current slug for an old one', async (t) => {
    const [post] = await database.db.select().from(posts).where(eq(posts.slug, 'modular-monolith-two-years-on'))
    await database.db.insert(slugHistory).values({ kind: 'post', oldSlug: 'modular-monolith-year-two', targetId: post!.id })
    const res = await app.inject('/v1/posts/modular-monolith-year-two')
    t.equal(res.statusCode, 301)
    t.equal(res.headers.location, '/v1/posts/modular-monolith-two-years-on')
    // Browsers keep a 301 without Cache-Control for good, and the old slug may yet go to a new post.
    t.equal(res.headers['cache-control'], 'public, max-age=60', 'kept as briefly as any read')
    t.match(res.headers.vary, /Authorization/)
    const keyed = await app.inject({ url: '/v1/posts/modular-monolith-year-two', headers: await authHeaders(database.db) })
    t.equal(keyed.statusCode, 301)
    t.equal(keyed.headers['cache-control'], 'private, no-cache', 'with a key: no shared cache keeps it, and a browser revalidates it each time')
  })

  t.test('an old slug of a draft does not reveal it', async (t) => {
    const [draft] = await database.db.select().from(posts).where(eq(posts.slug, 'notes-on-multi-region-writes'))
    await database.db.insert(slugHistory).values({ kind: 'post', oldSlug: 'multi-region-notes', targetId: draft!.id })
    t.equal((await app.inject('/v1/posts/multi-region-notes')).statusCode, 404)
  })
})

t.test('a list page costs the same number of queries whatever its limit', async (t) => {
  const queries: string[] = []
  const { app } = await build(t, { onQuery: (q) => queries.push(q) })
  const countFor = async (url: string) => {
    queries.length = 0
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    return queries.length
  }
  const one = await countFor('/v1/posts?limit=1')
  const many = await countFor('/v1/posts?limit=35')
  t.equal(many, one, `limit=35 costs ${many} queries, limit=1 costs ${one}`)
  t.ok(one <= 4, `a page costs at most 4 queries (took ${one})`)
  t.equal(await countFor('/v1/posts?limit=35&tag=architecture&author=ada-okafor'), one + 1, 'filters add one query: the ids of the tags and authors they name')
  t.equal(await countFor('/v1/posts?limit=35&tag=architecture,data&excludeTags=no-such-tag&author=ada-okafor,lin-zhang'), one + 1, 'however many they name')
  t.equal(await countFor('/v1/tags?limit=100'), await countFor('/v1/tags?limit=1'))
  t.equal(await countFor('/v1/authors?limit=100'), await countFor('/v1/authors?limit=1'))
})
