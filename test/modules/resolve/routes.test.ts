import t from 'tap'
import { build } from '../../helper.js'
import { authHeaders } from '../../support/auth.js'

t.test('GET /v1/resolve tells a frontend what a path is', async (t) => {
  const { app, database } = await build(t)
  const resolve = (path: string) => app.inject(`/v1/resolve?path=${encodeURIComponent(path)}`)

  t.test('a post, a tag and an author', async (t) => {
    const post = await resolve('/posts/slos-for-internal-platforms')
    t.equal(post.statusCode, 200)
    t.match(post.json().data, { type: 'post', resource: 'post', slug: 'slos-for-internal-platforms', path: '/posts/slos-for-internal-platforms', api: '/v1/posts/slos-for-internal-platforms' })
    t.notOk('location' in post.json().data)
    t.match((await resolve('/tags/architecture/')).json().data, { type: 'tag', slug: 'architecture' })
    t.match((await resolve('/authors/ada-okafor')).json().data, { type: 'author', slug: 'ada-okafor', path: '/authors/ada-okafor' })
  })

  t.test('a path still percent-encoded is the same path (RFC 3986 6.2.2.2), as the API routes read it', async (t) => {
    const encoded = '/posts/slos%2Dfor%2dinternal-pl%61tforms'
    t.equal((await app.inject(`/v1${encoded}`)).statusCode, 200, 'the post route decodes it')
    t.match((await resolve(encoded)).json().data, { type: 'post', slug: 'slos-for-internal-platforms', path: '/posts/slos-for-internal-platforms' })
    t.match((await resolve('/%74ags/architecture')).json().data, { type: 'tag', slug: 'architecture' })
    // Only unreserved characters are decoded: an encoded slash or space is no part of a slug.
    t.equal((await resolve('/posts%2Fslos-for-internal-platforms')).statusCode, 404)
    t.equal((await resolve('/posts/slos-for-internal-platforms%20')).statusCode, 404)
  })

  t.test('an old slug resolves to a redirect to the current path', async (t) => {
    const headers = await authHeaders(database.db)
    const { data } = (await app.inject('/v1/posts/design-tokens-as-a-shared-language')).json()
    await app.inject({ method: 'PATCH', url: `/v1/posts/${data.id}`, headers, payload: { slug: 'design-tokens' } })
    const res = await resolve('/posts/design-tokens-as-a-shared-language')
    t.match(res.json().data, { type: 'redirect', resource: 'post', slug: 'design-tokens', location: '/posts/design-tokens' })
    // A campaign's parameters and the reader's place go along, as a web server's redirect keeps them.
    const tagged = (await resolve(`/posts/design-tokens-as-a-shared-language?utm_source=newsletter&ref=a%20b#comments`)).json().data
    t.match(tagged, { type: 'redirect', path: '/posts/design-tokens', location: '/posts/design-tokens?utm_source=newsletter&ref=a%20b#comments' })
  })

  t.test('drafts, unknown paths and bad input', async (t) => {
    t.equal((await resolve('/posts/notes-on-multi-region-writes')).statusCode, 404, 'a draft is not revealed')
    t.equal((await resolve('/posts/nothing-here')).statusCode, 404)
    t.equal((await resolve('/about/team')).statusCode, 404)
    t.equal((await app.inject('/v1/resolve')).statusCode, 400, 'path is required')
    t.equal((await resolve('posts/no-leading-slash')).statusCode, 400)
  })
})

t.test('resolve follows a dated POST_URL_TEMPLATE', async (t) => {
  const { app } = await build(t, { env: { POST_URL_TEMPLATE: 'https://blog.example.com/{year}/{month}/{slug}/' } })
  const ok = (await app.inject('/v1/resolve?path=/2025/11/slos-for-internal-platforms/')).json().data
  t.match(ok, { type: 'post', path: '/2025/11/slos-for-internal-platforms/' })
  const wrongDate = (await app.inject('/v1/resolve?path=/2024/01/slos-for-internal-platforms')).json().data
  t.match(wrongDate, { type: 'redirect', location: '/2025/11/slos-for-internal-platforms/' }, 'a wrong date redirects to the canonical path')
})
