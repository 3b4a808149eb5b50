import t from 'tap'
import { build } from '../helper.js'

t.test('security headers and CORS', async (t) => {
  const { app } = await build(t, { env: { CORS_ORIGINS: 'https://www.example.com, https://preview.example.com' } })

  t.test('JSON, feeds and problems carry the headers of a JSON API', async (t) => {
    for (const url of ['/v1/posts', '/feed.xml', '/v1/posts/nothing-here', '/nowhere']) {
      const res = await app.inject(url)
      t.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", `${url} runs nothing and cannot be framed`)
      t.equal(res.headers['x-content-type-options'], 'nosniff', url)
      t.equal(res.headers['x-frame-options'], 'DENY', url)
      t.equal(res.headers['referrer-policy'], 'no-referrer', url)
      t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', `${url}: public content, readable from other sites`)
      t.match(res.headers['strict-transport-security'], /max-age=\d+/, url)
      t.notOk(res.headers['x-powered-by'], url)
    }
  })

  t.test('/docs still renders: its own CSP lets swagger-ui load its scripts and styles', async (t) => {
    const page = await app.inject('/docs/')
    t.equal(page.statusCode, 200)
    t.match(page.headers['content-type'], /^text\/html/)
    const csp = page.headers['content-security-policy'] as string
    t.match(csp, /script-src 'self'/)
    t.match(csp, /style-src 'self'/)
    t.notMatch(csp, /default-src 'none'/)
    t.notMatch(csp, /upgrade-insecure-requests/, 'over plain HTTP, the browser would ask for its scripts over https')
    const assets = [...page.body.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!)
    t.ok(assets.length >= 2, `assets: ${assets.join(', ')}`)
    for (const asset of assets) {
      const res = await app.inject(`/docs/${asset}`)
      t.equal(res.statusCode, 200, asset)
    }
    const initializer = await app.inject('/docs/static/swagger-initializer.js')
    t.equal(initializer.statusCode, 200)
    t.match(initializer.body, /openapi|json/)
  })

  t.test('an allowed origin may read responses and the headers the API is about', async (t) => {
    const res = await app.inject({ url: '/v1/posts', headers: { origin: 'https://preview.example.com' } })
    t.equal(res.headers['access-control-allow-origin'], 'https://preview.example.com')
    t.notOk(res.headers['access-control-allow-credentials'], 'keys travel in a header: no credentials mode')
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/)
    for (const name of ['etag', 'link', 'location', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-request-id']) {
      t.ok(exposed.includes(name), `exposes ${name}`)
    }
    t.match(res.headers.vary, /Origin/, 'caches keep one copy per origin')
    t.match(res.headers.vary, /Accept-Encoding/, 'and per coding: the caching plugin adds to Vary rather than replacing it')
  })

  t.test('another origin gets no CORS headers', async (t) => {
    const res = await app.inject({ url: '/v1/posts', headers: { origin: 'https://evil.example.net' } })
    t.equal(res.statusCode, 200, 'the response itself is public; the browser keeps it from the script')
    t.notOk(res.headers['access-control-allow-origin'])
  })

  t.test('a preflight for a write answers 204 with the methods and headers a client needs', async (t) => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/v1/posts/some-id',
      headers: { origin: 'https://www.example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization, content-type, if-match' },
    })
    t.equal(res.statusCode, 204)
    t.equal(res.headers['access-control-allow-origin'], 'https://www.example.com')
    t.match(res.headers['access-control-allow-methods'], /PATCH/)
    t.match(res.headers['access-control-allow-methods'], /DELETE/)
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase()
    for (const name of ['authorization', 'content-type', 'if-match']) t.match(allowed, name)
    const traced = await app.inject({
      method: 'OPTIONS',
      url: '/v1/posts',
      headers: { origin: 'https://www.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'traceparent, sentry-trace, baggage' },
    })
    t.equal(traced.headers['access-control-allow-headers'], 'traceparent, sentry-trace, baggage', 'the headers monitoring SDKs add to every fetch')
    t.match(traced.headers.vary, /Access-Control-Request-Headers/i, 'which a cache keeps apart')
    t.equal(res.headers['access-control-max-age'], '600')
    t.equal(res.headers.allow, 'GET, HEAD, PATCH, DELETE, OPTIONS', 'and what the path takes (RFC 9110 9.3.7)')
    const plain = await app.inject({ method: 'OPTIONS', url: '/v1/posts' })
    t.equal(plain.statusCode, 204, 'an OPTIONS that is no preflight')
    t.equal(plain.headers.allow, 'GET, HEAD, POST, OPTIONS')
  })
})

t.test('without CORS_ORIGINS no origin is allowed; with * every one is', async (t) => {
  const closed = (await build(t, { seed: false })).app
  const res = await closed.inject({ url: '/v1/tags', headers: { origin: 'https://www.example.com' } })
  t.notOk(res.headers['access-control-allow-origin'])
  const preflight = await closed.inject({ method: 'OPTIONS', url: '/v1/tags', headers: { origin: 'https://www.example.com', 'access-control-request-method': 'POST' } })
  t.notOk(preflight.headers['access-control-allow-origin'])
  t.equal(preflight.statusCode, 204, 'an OPTIONS answered as any, without CORS headers: the browser refuses the request')
  t.equal(preflight.headers.allow, 'GET, HEAD, POST, OPTIONS')

  const open = (await build(t, { seed: false, env: { CORS_ORIGINS: '*' } })).app
  const any = await open.inject({ url: '/v1/tags', headers: { origin: 'https://anyone.example.org' } })
  t.equal(any.headers['access-control-allow-origin'], '*')
  const bare = await open.inject({ method: 'OPTIONS', url: '/v1/tags' })
  t.equal(bare.statusCode, 204, 'an OPTIONS without the preflight headers is answered like one, not with a text/plain 400')
})
