import t from 'tap'
import { eq, inArray, sql } from 'drizzle-orm'
import { buildApp } from '../../../src/app.js'
import { loadConfig } from '../../../src/config.js'
import { posts, serviceSecrets } from '../../../src/db/schema.js'
import { build, testDatabase } from '../../helper.js'
import { jsonGetter } from '../../support/http.js'
import { authHeaders } from '../../support/auth.js'
import { publicDemoPosts } from '../../support/demo.js'

const visible = publicDemoPosts()

t.test('keyset paging with cursor and meta.nextCursor', async (t) => {
  const { app, database } = await build(t)
  const get = jsonGetter(app)
  const slugsOf = (body: { data: { slug: string }[] }) => body.data.map((p) => p.slug)
  /**
   * Follows nextCursor from the first page to the end, as a client would, then prevCursor (and the Link
   * header's prev) back to the start, which must give the same pages.
   */
  const walk = async (query: string) => {
    const pages: string[][] = []
    let { body } = await get(`/v1/posts?${query}`)
    pages.push(slugsOf(body))
    let hops = 0
    while (body.meta.nextCursor) {
      const next = await get(`/v1/posts?${query}&cursor=${body.meta.nextCursor}`)
      t.equal(next.res.statusCode, 200)
      t.notOk('page' in next.body.meta, 'a cursor page has no page number')
      body = next.body
      pages.push(slugsOf(body))
      if (++hops > 50) break
    }
    t.equal(body.meta.nextCursor, null, 'the last page says there is no next')
    const back: string[][] = [slugsOf(body)]
    while (body.meta.prevCursor) {
      const previous = await get(`/v1/posts?${query}&cursor=${body.meta.prevCursor}`)
      t.equal(previous.res.statusCode, 200)
      t.match(previous.res.headers.link, /rel="next"/, 'a page before another links to it')
      body = previous.body
      back.unshift(slugsOf(body))
      if (++hops > 100) break
    }
    t.equal(body.meta.prevCursor, null, 'the first page, reached backwards, says there is no previous')
    t.same(back, pages, `${query}: backwards, the same pages`)
    return pages.flat()
  }

  t.test('following cursors visits every post once, in the same order as pages', async (t) => {
    t.same(await walk('limit=4'), visible.map((p) => p.slug))
    for (const [query, expected] of [
      ['limit=5&sort=publishedAt', [...visible].reverse().map((p) => p.slug)],
      ['limit=3&tag=architecture', visible.filter((p) => p.tags.includes('architecture')).map((p) => p.slug)],
    ] as const) {
      t.same(await walk(query), expected, query)
    }
    const byTitle = (await get('/v1/posts?limit=100&sort=title')).body.data.map((p: { slug: string }) => p.slug)
    t.same(await walk('limit=6&sort=title'), byTitle)
    const byUpdate = (await get('/v1/posts?limit=100&sort=-updatedAt')).body.data.map((p: { slug: string }) => p.slug)
    t.same(await walk('limit=6&sort=-updatedAt'), byUpdate)
    // A search with a sort pages by cursor too, both ways.
    for (const sort of ['title', '-publishedAt']) {
      const found = (await get(`/v1/posts?limit=100&q=platform&sort=${sort}`)).body.data.map((p: { slug: string }) => p.slug)
      t.ok(found.length > 4, `${found.length} found`)
      t.same(await walk(`limit=2&q=platform&sort=${sort}`), found, `a search by ${sort}`)
    }
  })

  t.test('rows stamped in the same microsecond are each visited once by cursor (a Date holds milliseconds)', async (t) => {
    // Stamped as a statement stamps many rows with now(): the same instant, with microseconds.
    const stamped = visible.slice(3, 9).map((p) => p.slug)
    const before = await database.db.select({ id: posts.id, updatedAt: posts.updatedAt }).from(posts).where(inArray(posts.slug, stamped))
    await database.db.execute(sql`update posts set updated_at = '2030-01-01T00:00:00.123456Z' where slug in ${stamped}`)
    t.teardown(async () => {
      for (const { id, updatedAt } of before) await database.db.update(posts).set({ updatedAt }).where(eq(posts.id, id))
    })
    const byUpdate = (await get('/v1/posts?limit=100&sort=-updatedAt')).body.data.map((p: { slug: string }) => p.slug)
    t.same([...byUpdate.slice(0, 6)].sort(), [...stamped].sort(), 'they come first')
    for (const limit of [2, 4]) t.same(await walk(`limit=${limit}&sort=-updatedAt`), byUpdate, `every post once, ${limit} a page`)
  })

  t.test('a page answers a nextCursor to switch to keyset paging, and a next link', async (t) => {
    const { res, body } = await get('/v1/posts?limit=10&page=2')
    t.type(body.meta.nextCursor, 'string')
    const next = await get(`/v1/posts?limit=10&cursor=${body.meta.nextCursor}`)
    const page3 = await get('/v1/posts?limit=10&page=3')
    t.same(next.body.data.map((p: { id: string }) => p.id), page3.body.data.map((p: { id: string }) => p.id))
    t.match(res.headers.link, /rel="next"/)
    t.match(next.res.headers.link, new RegExp(`<\\/v1\\/posts\\?limit=10>; rel="first"`))
  })

  t.test('a new post does not shift a keyset walk (no duplicates, unlike offsets)', async (t) => {
    const first = await get('/v1/posts?limit=5')
    const headers = await authHeaders(database.db)
    const created = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Breaking news', markdown: 'x', authors: ['ada-okafor'], status: 'published' } })
    t.equal(created.statusCode, 201)
    t.teardown(() => app.inject({ method: 'DELETE', url: `/v1/posts/${created.json().data.id}`, headers }))
    const second = await get(`/v1/posts?limit=5&cursor=${first.body.meta.nextCursor}`)
    t.same(second.body.data.map((p: { slug: string }) => p.slug), visible.slice(5, 10).map((p) => p.slug))
  })

  t.test('a page emptied by deletions still leads back to the rows beside it', async (t) => {
    const headers = await authHeaders(database.db)
    const slugs: string[] = []
    for (let i = 0; i < 6; i++) {
      const res = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: `Emptied ${i}`, markdown: 'Body.', authors: ['lin-zhang'], tags: ['emptied-pages'], status: 'published', publishedAt: `2020-01-0${i + 1}T00:00:00Z` } })
      t.equal(res.statusCode, 201)
      slugs.unshift(res.json().data.slug)
    }
    const list = (cursor?: string, count = true) => get(`/v1/posts?limit=2&tag=emptied-pages${count ? '' : '&count=false'}${cursor ? `&cursor=${cursor}` : ''}`)
    const first = await list()
    const second = await list(first.body.meta.nextCursor)
    const third = await list(second.body.meta.nextCursor)
    t.same([first, second, third].map(({ body }) => slugsOf(body)), [slugs.slice(0, 2), slugs.slice(2, 4), slugs.slice(4, 6)])
    const remove = (slug: string) => app.inject({ method: 'DELETE', url: `/v1/posts/${slug}`, headers })
    for (const slug of [...slugs.slice(0, 2), ...slugs.slice(4, 6)]) t.equal((await remove(slug)).statusCode, 204)

    for (const count of [true, false]) {
      // Backwards into the deleted first page: empty, with no page before it, and the way back to the second.
      const before = await list(second.body.meta.prevCursor, count)
      t.same(before.body.data, [], `count=${count}: the page before is empty now`)
      t.equal(before.body.meta.prevCursor, null)
      t.type(before.body.meta.nextCursor, 'string', 'it has a next page')
      t.match(before.res.headers.link, /rel="next"/)
      t.same(slugsOf((await list(before.body.meta.nextCursor, count)).body), slugs.slice(2, 4), 'its next is the second page')
      // Forwards into the deleted third page: the same, the other way.
      const after = await list(second.body.meta.nextCursor, count)
      t.same(after.body.data, [], `count=${count}: the page after is empty now`)
      t.equal(after.body.meta.nextCursor, null)
      t.type(after.body.meta.prevCursor, 'string', 'it has a previous page')
      t.same(slugsOf((await list(after.body.meta.prevCursor, count)).body), slugs.slice(2, 4), 'its previous is the second page')
    }
    for (const slug of slugs.slice(2, 4)) await remove(slug)
    const gone = await list(second.body.meta.nextCursor)
    t.same([gone.body.meta.total, gone.body.meta.prevCursor, gone.body.meta.nextCursor], [0, null, null], 'an empty list, counted: no way anywhere')
  })

  t.test('count=false skips the total', async (t) => {
    const { res, body } = await get('/v1/posts?limit=10&count=false')
    t.same(Object.keys(body.meta).sort(), ['limit', 'nextCursor', 'nextPage', 'page'])
    t.notMatch(res.headers.link, /rel="last"/)
    t.match(res.headers.link, /rel="next"/)
    const deep = await get(`/v1/posts?limit=10&count=false&cursor=${body.meta.nextCursor}`)
    t.same(Object.keys(deep.body.meta).sort(), ['limit', 'nextCursor', 'prevCursor'])
  })

  t.test('a forged, altered or misused cursor is a 400', async (t) => {
    const { body } = await get('/v1/posts?limit=5')
    const cursor: string = body.meta.nextCursor
    const [payload, signature] = cursor.split('.') as [string, string]
    const forgedPayload = Buffer.from(JSON.stringify({ s: 'x', v: ['2020-01-01T00:00:00Z', '00000000-0000-4000-8000-000000000000'] })).toString('base64url')
    const flipped = `${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`
    for (const [name, url] of [
      ['forged', `/v1/posts?limit=5&cursor=${forgedPayload}.${signature}`],
      ['altered signature', `/v1/posts?limit=5&cursor=${flipped}`],
      ['not a cursor', '/v1/posts?limit=5&cursor=hello'],
      ['other filters', `/v1/posts?limit=5&tag=data&cursor=${cursor}`],
      ['other sort', `/v1/posts?limit=5&sort=title&cursor=${cursor}`],
      ['with page', `/v1/posts?limit=5&page=2&cursor=${cursor}`],
      ['ranked search', `/v1/posts?limit=5&q=postgresql&cursor=${cursor}`],
    ] as const) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 400, name)
      t.match(res.headers['content-type'], /problem\+json/, name)
      t.match(res.json().errors, [{ in: 'query', name: '/cursor' }], `${name}: the problem names the parameter`)
    }
    const both = (await app.inject(`/v1/posts?limit=5&page=2&cursor=${cursor}`)).json()
    t.equal(both.detail, 'query cursor cannot be given with page: give one or the other', 'a cursor with a page says so in words')
    const ranked = (await app.inject(`/v1/posts?limit=5&q=postgresql&cursor=${cursor}`)).json()
    t.equal(ranked.detail, 'query cursor cannot be used with a search ranked by relevance: use page, or add sort')
    const drafts = (await app.inject({ url: `/v1/posts?limit=5&status=draft&cursor=${cursor}`, headers: await authHeaders(database.db) })).json()
    t.equal(drafts.detail, 'query cursor cannot be used with status draft or all: drafts are paged with page')
  })

  t.test('a deep cursor page costs the same queries as the first', async (t) => {
    const queries: string[] = []
    const { app: counted } = await build(t, { onQuery: (q) => queries.push(q) })
    queries.length = 0
    let body = (await counted.inject('/v1/posts?limit=2&count=false')).json()
    const firstCost = queries.length
    for (let i = 0; i < 10; i++) {
      queries.length = 0
      body = (await counted.inject(`/v1/posts?limit=2&count=false&cursor=${body.meta.nextCursor}`)).json()
      t.equal(queries.length, firstCost)
    }
    t.notMatch(queries.join('\n'), /offset/i, 'no OFFSET in a cursor page')
  })
})

t.test('without CURSOR_SECRET, every app on one database signs cursors alike: a restart or another replica takes them', async (t) => {
  const database = await testDatabase(t)
  const open = async (env: Record<string, string> = {}) => {
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', ...env }), { database })
    t.teardown(() => app.close())
    await app.ready()
    return app
  }
  // Two replicas starting at once on a database with no secret yet: they agree on one.
  const [first, twin] = await Promise.all([open(), open()])
  const page = await first.inject('/v1/posts?limit=4')
  t.equal((await twin.inject('/v1/posts?limit=4')).json().meta.nextCursor, page.json().meta.nextCursor, 'replicas started together sign alike')
  const cursor = page.json().meta.nextCursor as string
  await first.close()

  const restarted = await open()
  const again = await restarted.inject('/v1/posts?limit=4')
  t.equal(again.json().meta.nextCursor, cursor, 'the same cursor after a restart')
  t.equal(again.headers.etag, page.headers.etag, 'so the list keeps its ETag, and a client its 304')
  const replica = await open()
  const next = await replica.inject(`/v1/posts?limit=4&cursor=${cursor}`)
  t.equal(next.statusCode, 200, 'another replica follows it')
  t.same(next.json().data, (await restarted.inject('/v1/posts?limit=4&page=2')).json().data)

  const [secret, ...others] = await database.db.select().from(serviceSecrets).where(eq(serviceSecrets.name, 'cursor'))
  t.equal(others.length, 0, 'one secret, made by the first app')
  t.equal(Buffer.from(secret!.value, 'base64url').length, 32)

  const configured = await open({ CURSOR_SECRET: 'a configured secret of at least 32 characters' })
  const signed = await configured.inject('/v1/posts?limit=4')
  t.not(signed.json().meta.nextCursor, cursor, 'CURSOR_SECRET, when given, is the key')
  t.equal((await configured.inject(`/v1/posts?limit=4&cursor=${cursor}`)).statusCode, 400, 'and a cursor signed with another is refused')
})
