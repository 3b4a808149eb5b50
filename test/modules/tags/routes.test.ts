import t from 'tap'
import { eq } from 'drizzle-orm'
import { slugHistory, tags } from '../../../src/db/schema.js'
import { cursorScope, CursorCodec } from '../../../src/lib/cursor.js'
import { serviceSecret } from '../../../src/db/secrets.js'
import { build } from '../../helper.js'
import { demo, publicDemoPosts } from '../../support/demo.js'

const visible = publicDemoPosts()
const expectedCount = (slug: string) => visible.filter((p) => p.tags.includes(slug)).length

t.test('GET /v1/tags', async (t) => {
  const { app, database } = await build(t)

  t.test('lists every tag by name with its published-post count', async (t) => {
    const res = await app.inject('/v1/tags?limit=100')
    t.equal(res.statusCode, 200)
    const { data, meta } = res.json()
    t.same(meta, { page: 1, limit: 100, total: demo.tags.length, totalPages: 1, nextPage: null, nextCursor: null })
    t.same(data.map((x: { name: string }) => x.name), demo.tags.map((x) => x.name).sort((a, b) => a.localeCompare(b)))
    for (const tag of data) t.equal(tag.postCount, expectedCount(tag.slug), `${tag.slug} postCount`)
    const architecture = data.find((x: { slug: string }) => x.slug === 'architecture')
    t.match(architecture, { name: 'Architecture', url: 'https://blog.example.com/tags/architecture', description: /boundaries/ })
  })

  t.test('each postCount equals the total of /v1/posts?tag=', async (t) => {
    const { data } = (await app.inject('/v1/tags?limit=100')).json()
    for (const tag of data) {
      const { meta } = (await app.inject(`/v1/posts?tag=${tag.slug}&limit=1`)).json()
      t.equal(meta.total, tag.postCount, tag.slug)
    }
  })

  t.test('sort=-postCount lists the busiest tags first', async (t) => {
    const { data } = (await app.inject('/v1/tags?sort=-postCount&limit=100')).json()
    const counts = data.map((x: { postCount: number }) => x.postCount)
    t.same(counts, [...counts].sort((a, b) => b - a))
    t.equal(data[0].slug, 'architecture')
  })

  t.test('rejects an unknown sort and a page past the end', async (t) => {
    t.equal((await app.inject('/v1/tags?sort=popularity')).statusCode, 400)
    t.equal((await app.inject('/v1/tags?page=3&limit=5')).statusCode, 400)
    t.equal((await app.inject('/v1/tags?page=2&limit=5')).statusCode, 200)
  })

  t.test('GET /v1/tags/:slug answers the tag, 404 for an unknown one, 301 for an old slug', async (t) => {
    const res = await app.inject('/v1/tags/postgresql')
    t.equal(res.statusCode, 200)
    t.match(res.json().data, { slug: 'postgresql', name: 'PostgreSQL', postCount: expectedCount('postgresql') })
    const missing = await app.inject('/v1/tags/cobol')
    t.equal(missing.statusCode, 404)
    t.match(missing.headers['content-type'], /^application\/problem\+json/)
    const [tag] = await database.db.select().from(tags).where(eq(tags.slug, 'postgresql'))
    await database.db.insert(slugHistory).values({ kind: 'tag', oldSlug: 'postgres', targetId: tag!.id })
    const moved = await app.inject('/v1/tags/postgres')
    t.equal(moved.statusCode, 301)
    t.equal(moved.headers.location, '/v1/tags/postgresql')
  })
})

t.test('tags and authors page by cursor, and count=false skips the count, as posts do', async (t) => {
  const { app } = await build(t)
  const get = async (url: string) => {
    const res = await app.inject(url)
    return { res, body: res.json() }
  }
  for (const plural of ['tags', 'authors']) {
    for (const sort of ['name', '-postCount']) {
      const everything = (await get(`/v1/${plural}?limit=100&sort=${sort}`)).body.data.map((x: { slug: string }) => x.slug)
      t.ok(everything.length > 5, `${plural}: enough to page through`)
      // Followed from the first page, three at a time, as a client would.
      const seen: string[] = []
      let { res, body } = await get(`/v1/${plural}?limit=3&sort=${sort}`)
      for (let hops = 0; ; hops++) {
        t.equal(res.statusCode, 200)
        seen.push(...body.data.map((x: { slug: string }) => x.slug))
        if (!body.meta.nextCursor || hops > 50) break
        t.match(res.headers.link, /rel="next"/)
        ;({ res, body } = await get(`/v1/${plural}?limit=3&sort=${sort}&cursor=${body.meta.nextCursor}`))
        t.same(Object.keys(body.meta).sort(), ['limit', 'nextCursor', 'prevCursor', 'total'], 'a cursor page: no page number')
      }
      t.same(seen, everything, `${plural} by ${sort}: every one once, in the order of pages`)
      t.equal(body.meta.nextCursor, null, 'the last page says there is no next')
      // And back by prevCursor: the same rows, from the last page to the first.
      const back: string[] = []
      for (let hops = 0; ; hops++) {
        back.unshift(...body.data.map((x: { slug: string }) => x.slug))
        if (!body.meta.prevCursor || hops > 50) break
        t.match(res.headers.link, /rel="prev"/)
        ;({ res, body } = await get(`/v1/${plural}?limit=3&sort=${sort}&cursor=${body.meta.prevCursor}`))
      }
      t.same(back, everything, `${plural} by ${sort}: backwards, every one once`)
      t.equal(body.meta.prevCursor, null, 'the first page, reached backwards, says there is no previous')
    }
    const uncounted = await get(`/v1/${plural}?limit=2&count=false`)
    t.equal(uncounted.res.statusCode, 200)
    t.notOk('total' in uncounted.body.meta, 'count=false: no total')
    t.notOk('totalPages' in uncounted.body.meta)
    t.match(uncounted.res.headers.link, /page=2>; rel="next"/, 'the next page is still linked')
    t.notMatch(uncounted.res.headers.link, /rel="last"/)
    for (const list of [plural, 'posts']) {
      const past = await get(`/v1/${list}?limit=2&count=false&page=500`)
      t.equal(past.res.statusCode, 400, `${list}: a page past the end is a 400, counted or not`)
      t.equal(past.body.type, '/problems/page-out-of-range')
    }

    const cursor = (await get(`/v1/${plural}?limit=2`)).body.meta.nextCursor as string
    for (const [url, what] of [
      [`/v1/${plural}?limit=2&page=2&cursor=${cursor}`, 'with a page'],
      [`/v1/${plural}?limit=2&sort=-postCount&cursor=${cursor}`, 'under another sort'],
      [`/v1/${plural === 'tags' ? 'authors' : 'tags'}?limit=2&cursor=${cursor}`, 'on the other list'],
      [`/v1/${plural}?limit=2&cursor=${cursor.slice(0, -2)}xx`, 'altered'],
    ] as const) {
      const refused = await get(url)
      t.equal(refused.res.statusCode, 400, `${plural}: a cursor ${what}`)
      t.match(refused.res.headers['content-type'], /^application\/problem\+json/)
    }
  }
})

t.test('a cursor walks past tags of equal name and equal count, each once', async (t) => {
  const { app, database } = await build(t)
  // Five tags named alike and on no post: equal names and equal counts, told apart by their ids only.
  await database.db.insert(tags).values(Array.from({ length: 5 }, (_, i) => ({ slug: `same-name-${i}`, name: 'Same name' })))
  for (const sort of ['name', '-postCount']) {
    const everything = (await app.inject(`/v1/tags?limit=100&sort=${sort}`)).json().data.map((x: { slug: string }) => x.slug)
    const seen: string[] = []
    let body = (await app.inject(`/v1/tags?limit=2&sort=${sort}`)).json()
    for (let hops = 0; hops < 50; hops++) {
      seen.push(...body.data.map((x: { slug: string }) => x.slug))
      if (!body.meta.nextCursor) break
      body = (await app.inject(`/v1/tags?limit=2&sort=${sort}&cursor=${body.meta.nextCursor}`)).json()
    }
    t.same(seen, everything, `by ${sort}`)
    t.equal(seen.filter((slug) => slug.startsWith('same-name-')).length, 5)
  }
  // Signed with this database's key, but shaped as another version's keysets were: a 400, not a failed cast.
  const codec = new CursorCodec(await serviceSecret(database.db, 'cursor'))
  for (const values of [['Same name'], [3, 'Same name', '00000000-0000-4000-8000-000000000000', 'extra'], [{ nested: true }, 'x']]) {
    const stale = await app.inject(`/v1/tags?limit=2&cursor=${codec.encode(cursorScope({ list: 'tags', sort: 'name' }), { values: values as never, before: false })}`)
    t.equal(stale.statusCode, 400, JSON.stringify(values))
    t.match(stale.json().detail, /older version/)
  }
})
