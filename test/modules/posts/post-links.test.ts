import t from 'tap'
import { count, eq, sql } from 'drizzle-orm'
import { postTags, posts, tags } from '../../../src/db/schema.js'
import { build } from '../../helper.js'
import { authHeaders } from '../../support/auth.js'

// A post's tags and authors are given by slug, current or old: each names one tag or author, given once;
// a tag the write creates is named from its slug, and that name is unique as POST /v1/tags keeps it.
t.test('a post\'s tags and authors', async (t) => {
  const { app, database } = await build(t, { env: { RATE_LIMIT_WRITES_PER_MINUTE: '0' } })
  const headers = await authHeaders(database.db)
  const write = (method: 'POST' | 'PATCH', url: string, payload: object) => app.inject({ method, url, headers, payload })
  const stored = async () => ({
    posts: (await database.db.select({ n: count() }).from(posts))[0]!.n,
    tags: (await database.db.select({ n: count() }).from(tags))[0]!.n,
    links: (await database.db.select({ n: count() }).from(postTags))[0]!.n,
  })
  const post = { title: 'Links', html: '<p>x</p>', authors: ['ada-okafor'] }

  t.test('a tag or author given by its slug and by an old slug of it is a 400 naming the repeat, and stores nothing', async (t) => {
    t.equal((await write('PATCH', '/v1/tags/testing', { slug: 'tests' })).statusCode, 200)
    t.equal((await write('PATCH', '/v1/authors/ada-okafor', { slug: 'ada-o' })).statusCode, 200)
    const before = await stored()
    const twice = await write('POST', '/v1/posts', { ...post, authors: ['ada-o'], tags: ['architecture', 'testing', 'tests'] })
    t.equal(twice.statusCode, 400)
    t.match(twice.headers['content-type'], /^application\/problem\+json/)
    t.match(twice.json(), { errors: [{ in: 'body', name: '/tags/2', message: 'is "tests", the same tag as item 1 ("testing", a slug it had or has): give each tag once' }] })
    t.notMatch(twice.body, /post_tags|_pk/, 'no name of the database\'s')
    const authors = await write('POST', '/v1/posts', { ...post, authors: ['ada-okafor', 'ada-o'] })
    t.equal(authors.statusCode, 400)
    t.match(authors.json(), { errors: [{ name: '/authors/1', message: /the same author as item 0/ }] })
    const created = await write('POST', '/v1/posts', { ...post, tags: ['architecture'] })
    const edit = await write('PATCH', `/v1/posts/${created.json().data.id}`, { tags: ['tests', 'testing'] })
    t.equal(edit.statusCode, 400, 'in an edit too')
    t.same((await app.inject({ url: `/v1/posts/${created.json().data.id}`, headers })).json().data.tags.map((x: { slug: string }) => x.slug), ['architecture'])
    t.same(await stored(), { ...before, posts: before.posts + 1, links: before.links + 1 })
  })

  t.test('writes bringing in the same new tag at once all get it, whatever order they name their new tags in', async (t) => {
    const results = await Promise.all([0, 1, 2, 3].map((i) => write('POST', '/v1/posts', { ...post, title: `At once ${i}`, tags: i % 2 ? ['fresh-one', 'fresh-two'] : ['fresh-two', 'fresh-one'] })))
    t.same(results.map((res) => res.statusCode), [201, 201, 201, 201], results.map((res) => res.body.slice(0, 200)).join('\n'))
    const made = await database.db.select({ n: count() }).from(tags).where(sql`${tags.slug} in ('fresh-one', 'fresh-two')`)
    t.equal(made[0]!.n, 2, 'each made once')
  })

  t.test('a new tag whose name another tag has is a 409 naming the tag to give, and stores nothing', async (t) => {
    t.equal((await write('POST', '/v1/tags', { name: 'Event sourcing', slug: 'es' })).statusCode, 201)
    const before = await stored()
    const res = await write('POST', '/v1/posts', { ...post, tags: ['architecture', 'event-sourcing'] })
    t.equal(res.statusCode, 409)
    t.match(res.json(), {
      type: '/problems/conflict',
      detail: 'The tag es already has this name: use it, or give this one another name',
      errors: [{ in: 'body', name: '/tags/1', message: 'is "event-sourcing", a new tag named "Event sourcing", which is the name of the tag es' }],
    })
    t.same(await stored(), before)
    const fine = await write('POST', '/v1/posts', { ...post, tags: ['es', 'event-sourced'] })
    t.equal(fine.statusCode, 201, 'the tag itself, and a new tag of another name')
    const [made] = await database.db.select().from(tags).where(eq(tags.slug, 'event-sourced'))
    t.equal(made?.name, 'Event sourced')
    const names = await database.db.select({ n: count() }).from(tags).where(sql`lower(${tags.name}) = 'event sourcing'`)
    t.equal(names[0]!.n, 1)
  })
})
