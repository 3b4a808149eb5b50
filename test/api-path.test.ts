import t from 'tap'
import { build } from './helper.js'
import { authHeaders } from './support/auth.js'

// A proxy serving the API below a path (https://blog.example.com/api/...) takes it off before passing a
// request on: the API sees /v1/posts, and every path-absolute link it sends must put /api back.
t.test('with API_URL below a path, every link the API sends is below it too', async (t) => {
  const { app, database } = await build(t, { env: { API_URL: 'https://blog.example.com/api/' } })
  const headers = await authHeaders(database.db)

  t.test('Link headers of lists, by page and by cursor', async (t) => {
    const list = await app.inject('/v1/posts?limit=2')
    t.equal(list.statusCode, 200)
    t.match(list.headers.link, /^<\/api\/v1\/posts\?limit=2&page=1>; rel="first", <\/api\/v1\/posts\?limit=2&page=2>; rel="next"/)
    const next = list.json().meta.nextCursor as string
    const byCursor = await app.inject(`/v1/tags?limit=2&sort=name`)
    t.match(byCursor.headers.link, /<\/api\/v1\/tags\?limit=2&sort=name&page=2>; rel="next"/)
    const cursorPage = await app.inject(`/v1/posts?limit=2&cursor=${encodeURIComponent(next)}`)
    for (const link of String(cursorPage.headers.link).split(', ')) t.match(link, /^<\/api\/v1\/posts\?/, link)
  })

  t.test('Location of what a write creates, and of a redirect from an old slug', async (t) => {
    const created = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Proxied' } })
    t.equal(created.statusCode, 201)
    t.equal(created.headers.location, '/api/v1/tags/proxied')
    const renamed = await app.inject({ method: 'PATCH', url: '/v1/tags/proxied', headers, payload: { slug: 'behind-a-proxy' } })
    t.equal(renamed.statusCode, 200)
    const moved = await app.inject('/v1/tags/proxied')
    t.equal(moved.statusCode, 301)
    t.equal(moved.headers.location, '/api/v1/tags/behind-a-proxy')
    const feed = await app.inject('/tags/proxied/feed.atom')
    t.equal(feed.statusCode, 301)
    t.equal(feed.headers.location, '/api/tags/behind-a-proxy/feed.atom')

    const post = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Behind a proxy', markdown: 'Body.', authors: ['mateo-ruiz'] } })
    t.equal(post.statusCode, 201)
    t.equal(post.headers.location, `/api/v1/posts/${post.json().data.slug}`)
  })

  t.test("resolve's api field", async (t) => {
    const res = await app.inject('/v1/resolve?path=/posts/slos-for-internal-platforms')
    t.equal(res.statusCode, 200)
    t.equal(res.json().data.api, '/api/v1/posts/slos-for-internal-platforms')
  })

  t.test("a problem's type and instance; the type's page is served where the proxy sends it", async (t) => {
    const missing = await app.inject('/v1/posts/no-such-post')
    t.equal(missing.statusCode, 404)
    t.match(missing.json(), { type: '/api/problems/not-found', instance: '/api/v1/posts/no-such-post' })
    const unrouted = await app.inject('/v1/nothing-here?x=1')
    t.match(unrouted.json(), { type: '/api/problems/not-found', instance: '/api/v1/nothing-here', detail: 'No resource at /api/v1/nothing-here' })
    const wrongMethod = await app.inject({ method: 'PUT', url: '/v1/posts' })
    t.match(wrongMethod.json(), { status: 405, type: '/api/problems/method-not-allowed', detail: /^\/api\/v1\/posts takes GET/ })
    const invalid = await app.inject('/v1/posts?limit=0')
    t.match(invalid.json(), { type: '/api/problems/validation-failed', instance: '/api/v1/posts' })
    // A URL the router refuses (Fastify's own error, before any route) as well.
    const malformed = await app.inject('/v1/posts/%zz')
    t.equal(malformed.statusCode, 400)
    t.match(malformed.json(), { type: '/api/problems/bad-request', instance: '/api/v1/posts/%zz' })
    const page = await app.inject('/problems/not-found')
    t.equal(page.statusCode, 200)
    t.match(page.headers['content-type'], /^text\/html/)
  })

  t.test("the OpenAPI document's server, and the documentation page's scripts and styles", async (t) => {
    const doc = (await app.inject('/docs/json')).json()
    t.same(doc.servers.map((s: { url: string }) => s.url), ['/api'])
    const page = (await app.inject('/docs')).body
    const links = [...page.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!)
    t.ok(links.length >= 3, links.join(' '))
    for (const link of links) t.match(link, /^\/api\/docs\/static\//, link)
    t.equal((await app.inject(links[0]!.replace(/^\/api/, ''))).statusCode, 200, 'served where the proxy sends them')
    const redirect = await app.inject('/docs/static/index.html')
    t.equal(redirect.statusCode, 302)
    t.equal(redirect.headers.location, '/api/docs/', "the page's own redirect")
  })
})

t.test('with API_URL at the root (the default: SITE_URL), links are as they were', async (t) => {
  const { app } = await build(t)
  t.match((await app.inject('/v1/posts?limit=2')).headers.link, /^<\/v1\/posts\?limit=2&page=1>; rel="first"/)
  t.match((await app.inject('/v1/posts/no-such-post')).json(), { type: '/problems/not-found', instance: '/v1/posts/no-such-post' })
  t.same((await app.inject('/docs/json')).json().servers.map((s: { url: string }) => s.url), ['/'])
})
