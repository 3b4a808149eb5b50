import t from 'tap'
import { eq } from 'drizzle-orm'
import { authors, slugHistory } from '../../../src/db/schema.js'
import { build } from '../../helper.js'
import { demo, publicDemoPosts } from '../../support/demo.js'

const visible = publicDemoPosts()
const expectedCount = (slug: string) => visible.filter((p) => p.authors.includes(slug)).length

t.test('GET /v1/authors', async (t) => {
  const { app, database } = await build(t)

  t.test('lists authors by name with job titles and published-post counts', async (t) => {
    const { data, meta } = (await app.inject('/v1/authors?limit=100')).json()
    t.equal(meta.total, demo.authors.length)
    t.same(data.map((a: { name: string }) => a.name), demo.authors.map((a) => a.name).sort((a, b) => a.localeCompare(b)))
    for (const author of data) {
      t.equal(author.postCount, expectedCount(author.slug), `${author.slug} postCount`)
      t.equal(author.title, demo.authors.find((a) => a.slug === author.slug)!.title)
      t.equal(author.url, `https://blog.example.com/authors/${author.slug}`)
    }
  })

  t.test('postCount agrees with /v1/posts?author= and ignores drafts and scheduled posts', async (t) => {
    const { data } = (await app.inject('/v1/authors?limit=100')).json()
    for (const author of data) {
      const { meta } = (await app.inject(`/v1/posts?author=${author.slug}&limit=1`)).json()
      t.equal(meta.total, author.postCount, author.slug)
    }
    const ada = data.find((a: { slug: string }) => a.slug === 'ada-okafor')
    const adaAll = demo.posts.filter((p) => p.authors.includes('ada-okafor')).length
    t.ok(ada.postCount < adaAll, 'the draft by Ada is not counted')
  })

  t.test('sort=-postCount, paging and errors', async (t) => {
    const sorted = (await app.inject('/v1/authors?sort=-postCount&limit=3')).json()
    const counts = sorted.data.map((a: { postCount: number }) => a.postCount)
    t.same(counts, [...counts].sort((a, b) => b - a))
    t.equal(sorted.meta.totalPages, Math.ceil(demo.authors.length / 3))
    t.equal((await app.inject('/v1/authors?limit=500')).statusCode, 400)
    t.equal((await app.inject('/v1/authors/nobody')).statusCode, 404)
  })

  t.test('GET /v1/authors/:slug answers the author and 301 for an old slug', async (t) => {
    const { data } = (await app.inject('/v1/authors/lin-zhang')).json()
    t.match(data, { name: 'Lin Zhang', title: 'Senior Frontend Engineer', websiteUrl: 'https://lin.example.org', postCount: expectedCount('lin-zhang') })
    const [lin] = await database.db.select().from(authors).where(eq(authors.slug, 'lin-zhang'))
    await database.db.insert(slugHistory).values({ kind: 'author', oldSlug: 'lin-z', targetId: lin!.id })
    const moved = await app.inject('/v1/authors/lin-z')
    t.equal(moved.statusCode, 301)
    t.equal(moved.headers.location, '/v1/authors/lin-zhang')
  })
})
