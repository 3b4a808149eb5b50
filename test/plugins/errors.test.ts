import t, { type Test } from 'tap'
import type { Response as LightMyRequestResponse } from 'light-my-request'
import { readFileSync } from 'node:fs'
import { STATUS_CODES } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { PROBLEM_TYPES } from '../../src/lib/errors.js'
import { HTTP_TIMEOUT_MS } from '../../src/lib/timeouts.js'
import { build } from '../helper.js'
import { authHeaders } from '../support/auth.js'
import { responseValidator } from '../support/openapi.js'

t.test('errors are RFC 9457 problem+json', async (t) => {
  const { app, database } = await build(t, { seed: false })

  t.test('an unknown route answers 404 problem+json', async (t) => {
    const res = await app.inject('/v2/nothing?x=1')
    t.equal(res.statusCode, 404)
    t.match(res.headers['content-type'], /^application\/problem\+json; charset=utf-8/)
    t.match(res.json(), { type: '/problems/not-found', title: 'Resource not found', status: 404, detail: 'No resource at /v2/nothing', instance: '/v2/nothing', requestId: String })
    const head = await app.inject({ method: 'HEAD', url: '/v2/nothing?x=1' })
    t.equal(head.statusCode, 404)
    t.equal(head.headers['content-length'], res.headers['content-length'], 'HEAD: the fields a GET gets, its length too (RFC 9110 9.3.2)')
  })

  t.test('a method a path does not take answers 405 with Allow, a problem; a path no route serves, 404', async (t) => {
    for (const [method, url, allow] of [
      ['DELETE', '/v1/site', 'GET, HEAD, OPTIONS'],
      ['PUT', '/v1/posts/some-slug', 'GET, HEAD, PATCH, DELETE, OPTIONS'],
      ['PATCH', '/v1/posts', 'GET, HEAD, POST, OPTIONS'],
      ['POST', '/feed.xml', 'GET, HEAD, OPTIONS'],
      ['TRACE', '/v1/tags/data', 'GET, HEAD, PATCH, DELETE, OPTIONS'],
    ] as const) {
      const res = await app.inject({ method, url })
      t.equal(res.statusCode, 405, `${method} ${url}`)
      t.equal(res.headers.allow, allow, `${method} ${url}`)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.match(res.json(), { type: '/problems/method-not-allowed', status: 405 })
    }
    // Without CORS, no route answers OPTIONS: what a path takes is said all the same (RFC 9110 9.3.7).
    const options = await app.inject({ method: 'OPTIONS', url: '/v1/posts/some-slug' })
    t.equal(options.statusCode, 204)
    t.equal(options.headers.allow, 'GET, HEAD, PATCH, DELETE, OPTIONS')
    t.equal((await app.inject({ method: 'OPTIONS', url: '/v1/nothing/here' })).statusCode, 404)
    const nowhere = await app.inject({ method: 'PUT', url: '/v1/nothing/here' })
    t.equal(nowhere.statusCode, 404)
    t.notOk(nowhere.headers.allow)
    // A route that takes the method and finds nothing (a missing static file of /docs) is a 404, even where
    // another method's route matches the path too.
    for (const method of ['GET', 'HEAD'] as const) {
      const missing = await app.inject({ method, url: '/docs/static/nope.js' })
      t.equal(missing.statusCode, 404, `${method} of a missing file`)
      t.notOk(missing.headers.allow)
    }
  })

  t.test('a body sent where none is taken is not read: the request is answered as it would be without it', async (t) => {
    const headers = { ...(await authHeaders(database.db)), 'content-type': 'application/json' }
    // Not JSON at all: read, it would be a 400. Nested a million deep, parsing it would take half a second.
    for (const payload of ['{"broken', `${'['.repeat(500_000)}${']'.repeat(500_000)}`]) {
      const shown = payload.slice(0, 8)
      for (const [method, url, status] of [
        ['POST', '/v1/nothing', 404], ['PUT', '/v1/posts', 405], ['OPTIONS', '/v1/posts', 204], ['GET', '/v1/site', 200],
        ['DELETE', '/v1/tags/no-such-tag', 404],
      ] as const) {
        const res = await app.inject({ method, url, headers, payload })
        t.equal(res.statusCode, status, `${method} ${url} with ${shown}`)
      }
    }
  })

  t.test('the request id is returned and appears in the problem', async (t) => {
    const res = await app.inject({ url: '/v1/posts?limit=0', headers: { 'x-request-id': 'trace-me-123' } })
    t.equal(res.statusCode, 400)
    t.equal(res.json().requestId, 'trace-me-123')
  })

  t.test('several bad fields are each named', async (t) => {
    const res = await app.inject('/v1/posts?limit=0&page=0&sort=x')
    const names = res.json().errors.map((e: { name: string }) => e.name).sort()
    t.same(names, ['/limit', '/page', '/sort'])
  })

  t.test('every bad field is named once, those the checks before the schema refuse among the others', async (t) => {
    const errorsOf = async (url: string) => (await app.inject(url)).json().errors
    const byName = (errors: { name: string }[]) => [...errors].sort((a, b) => a.name.localeCompare(b.name))
    t.same(byName(await errorsOf('/v1/posts?limit=5&limit=6&page=0x2&sort=newest&q=a%00b&colour=red')), [
      { in: 'query', name: '/colour', message: 'is not a known field' },
      { in: 'query', name: '/limit', message: 'must be given once' },
      { in: 'query', name: '/page', message: 'must be a whole number in decimal digits' },
      { in: 'query', name: '/q', message: 'must not contain the character U+0000' },
      { in: 'query', name: '/sort', message: 'must be one of: -publishedAt, publishedAt, -updatedAt, title' },
    ])
    t.same(await errorsOf('/v1/posts?limit=abc&limit=x'), [{ in: 'query', name: '/limit', message: 'must be given once' }], 'one message for a field refused twice')
    const headers = await authHeaders(database.db)
    const res = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Nul\u0000led', description: 5, 'sh\u0000ape': 'x' } })
    t.equal(res.statusCode, 400)
    t.same(byName(res.json().errors), [
      { in: 'body', name: '/description', message: 'must be string or null' },
      { in: 'body', name: '/name', message: 'must not contain the character U+0000' },
      { in: 'body', name: '/sh\u0000ape', message: 'must not contain the character U+0000' },
    ], 'an unknown key holding U+0000 is named once, for the U+0000')
    t.equal((await app.inject('/v1/tags?limit=100')).json().data.length, 0, 'nothing was stored')
  })

  t.test('a request bad in several parts hears of each of them at once, and changes nothing', async (t) => {
    const headers = await authHeaders(database.db)
    const before = (await app.inject({ url: '/v1/posts?status=all&limit=100', headers })).json()
    const patch = await app.inject({ method: 'PATCH', url: '/v1/posts/nope?colour=red', headers, payload: { title: 5 } })
    t.equal(patch.statusCode, 400)
    t.match(patch.headers['content-type'], /^application\/problem\+json/)
    t.same(patch.json().errors, [
      { in: 'body', name: '/title', message: 'must be string' },
      { in: 'query', name: '/colour', message: 'is not a known field' },
    ])
    t.equal(patch.json().detail, 'body title must be string; query colour is not a known field')
    const read = await app.inject('/v1/posts/nope?limit=1&colour=red')
    t.same(read.json().errors, [
      { in: 'query', name: '/limit', message: 'is not a known field' },
      { in: 'query', name: '/colour', message: 'is not a known field' },
    ])
    const bodiless = await app.inject({ method: 'PATCH', url: '/v1/tags/nope', headers })
    t.same(bodiless.json().errors, [{ in: 'body', name: '/', message: 'is missing: send a JSON object' }])
    // A path that names nothing is a 404 before anything else is looked at.
    const nowhere = await app.inject({ method: 'PATCH', url: '/v1/posts/NOPE?colour=red', headers, payload: { title: 5 } })
    t.equal(nowhere.statusCode, 404)
    t.equal(nowhere.json().detail, 'Nothing answers to /v1/posts/NOPE: its idOrSlug must be an id (a UUID) or a slug (lowercase letters, digits and single hyphens)')
    t.same((await app.inject({ url: '/v1/posts?status=all&limit=100', headers })).json(), before, 'nothing was stored')
  })

  t.test('a write refuses query parameters it does not take, as a read does, and changes nothing', async (t) => {
    const headers = await authHeaders(database.db)
    const tags = async () => (await app.inject({ url: '/v1/tags?limit=100', headers })).json().data.map((tag: { slug: string }) => tag.slug)
    const before = await tags()
    for (const [method, url, payload] of [
      ['POST', '/v1/tags?dryRun=true', { name: 'Not Made' }],
      ['PATCH', `/v1/tags/${before[0]}?force=true`, { description: 'Not changed' }],
      ['DELETE', `/v1/tags/${before[0]}?force=true`, undefined],
      ['POST', '/v1/posts?publish=now', { title: 'Not made', markdown: 'x', authors: ['ada-okafor'] }],
    ] as const) {
      const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) })
      t.equal(res.statusCode, 400, `${method} ${url}`)
      t.match(res.json().errors, [{ in: 'query', message: 'is not a known field' }], `${method} ${url}: the parameter named`)
    }
    t.same(await tags(), before, 'nothing was stored')
    t.equal((await app.inject({ url: '/v1/posts/not-made', headers })).statusCode, 404)
  })

  t.test('each bad field gets one message that says what would do', async (t) => {
    const errorsOf = async (url: string) => (await app.inject(url)).json().errors
    t.same(await errorsOf('/v1/posts?sort=newest'), [{ in: 'query', name: '/sort', message: 'must be one of: -publishedAt, publishedAt, -updatedAt, title' }])
    t.same(await errorsOf('/v1/posts?publishedAfter=2026-01-01T00:00:00'), [{ in: 'query', name: '/publishedAfter', message: 'must be a date (YYYY-MM-DD, years 1000 to 9999) or a date-time with an offset (YYYY-MM-DDThh:mm:ssZ or ±hh:mm, years 1000 to 9999)' }], 'either form of a date, not the first one alone')
    t.same(await errorsOf('/v1/posts?limit=5&limit=6'), [{ in: 'query', name: '/limit', message: 'must be given once' }], 'not "must be integer"')
    t.same(await errorsOf('/v1/posts?tag=data&tag=frontend'), [{ in: 'query', name: '/tag', message: 'must be given once' }])
    // Patterns and formats in words, not as the expression or the format's name.
    t.equal((await app.inject('/v1/posts/NOPE')).json().detail, 'Nothing answers to /v1/posts/NOPE: its idOrSlug must be an id (a UUID) or a slug (lowercase letters, digits and single hyphens)')
    t.same(await errorsOf('/v1/posts?tag=Data'), [{ in: 'query', name: '/tag', message: 'must be slugs (lowercase letters, digits and single hyphens), comma-separated, at most 50' }])
    t.equal((await app.inject('/tags/Data/feed.xml')).json().detail, 'Nothing answers to /tags/Data/feed.xml: its slug must be a slug: lowercase letters, digits and single hyphens')
    t.same(await errorsOf('/v1/posts?cursor=page-two'), [{ in: 'query', name: '/cursor', message: "must be a cursor as a list's meta.nextCursor gives it" }])
    t.same(await errorsOf('/v1/resolve'), [{ in: 'query', name: '/path', message: 'is required' }], "not \"must have required property 'path'\"")
    t.same(await errorsOf('/v1/posts?=x'), [{ in: 'query', name: '/', message: 'is not a known field' }], 'a parameter with no name is unknown too (its pointer, RFC 6901: "/")')
    t.equal((await app.inject('/v1/posts?=x')).json().detail, 'query parameter with no name is not a known field')
    t.match(await errorsOf('/v1/posts?publishedAfter=0001-01-01'), [{ name: '/publishedAfter', message: /^must be a date \(YYYY-MM-DD, years 1000 to 9999\) or a date-time/ }], 'a year out of range: the range is named')
  })

  t.test('messages in words for blank searches, paths, choices of another type, and a body given twice or not at all', async (t) => {
    const errorsOf = async (url: string) => (await app.inject(url)).json().errors
    for (const q of ['', '%20%20']) t.same(await errorsOf(`/v1/posts?q=${q}`), [{ in: 'query', name: '/q', message: 'must have something besides spaces' }], `q=${q}`)
    t.same(await errorsOf('/v1/resolve?path=posts/x'), [{ in: 'query', name: '/path', message: 'must be a path on the site, beginning with / (such as /posts/some-slug)' }])
    const headers = await authHeaders(database.db)
    const post = async (fields: Record<string, unknown>) =>
      (await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Worded', authors: ['someone'], ...fields } })).json().errors
    t.same(await post({ markdown: 'x', status: 4 }), [{ in: 'body', name: '/status', message: 'must be one of: draft, published' }], 'not "must be string or one of"')
    t.same(await post({ markdown: 'x', html: '<p>x</p>' }), [
      { in: 'body', name: '/markdown', message: 'cannot be given with html: give one or the other' },
      { in: 'body', name: '/html', message: 'cannot be given with markdown: give one or the other' },
    ])
    t.same(await post({}), [
      { in: 'body', name: '/markdown', message: 'is missing: a post needs markdown or html' },
      { in: 'body', name: '/html', message: 'is missing: a post needs markdown or html' },
    ])
  })

  t.test('a field that may be null, or one of two shapes, gets the message of what was wrong with the value given', async (t) => {
    const headers = await authHeaders(database.db)
    const errorsOf = async (fields: Record<string, unknown>) =>
      (await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Shapes', authors: ['someone'], ...fields } })).json().errors
    t.same(await errorsOf({ excerpt: 5 }), [{ in: 'body', name: '/excerpt', message: 'must be string or null' }], 'not "must be string,null"')
    t.same(await errorsOf({ featureImage: 'https://example.com/a.png' }), [{ in: 'body', name: '/featureImage', message: 'must be object or null' }])
    t.same(await errorsOf({ featureImage: { url: 'ftp://example.com/a.png' } }), [{ in: 'body', name: '/featureImage/url', message: 'must be an absolute http:// or https:// URL' }],
      'an object with a bad url: not also "featureImage must be null"')
    t.same(await errorsOf({ featureImage: { url: 'https://example.com/a.png', alt: 7 } }), [{ in: 'body', name: '/featureImage/alt', message: 'must be string or null' }])
    t.same(await errorsOf({ featureImage: {} }), [{ in: 'body', name: '/featureImage/url', message: 'is required' }], 'an object missing its url')
    t.same(await errorsOf({ featureImage: { url: 'https://example.com/a.png', caption: 'x' } }), [{ in: 'body', name: '/featureImage/caption', message: 'is not a known field' }])
    t.equal((await app.inject('/v1/posts?limit=100')).json().data.length, 0, 'nothing was stored')
  })

  t.test('an over-long slug is a 404 (nothing has one), not a 500', async (t) => {
    const res = await app.inject(`/v1/posts/${'a'.repeat(121)}`)
    t.equal(res.statusCode, 404)
    t.match(res.json().detail, /its idOrSlug must have at most 120 characters$/)
  })

  /** A problem answered with the status, and the headers every response carries. */
  const assertProblem = (t: Test, res: LightMyRequestResponse, status: number, what: string) => {
    t.equal(res.statusCode, status, what)
    t.match(res.headers['content-type'], /^application\/problem\+json/, what)
    t.equal(res.json().status, status, what)
    t.ok(res.headers['x-request-id'], `${what}: the request id`)
    t.equal(res.json().requestId, res.headers['x-request-id'], what)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: the security headers`)
  }

  t.test('a path that cannot be routed (bad percent-encoding, a segment past 200 characters) is a problem too', async (t) => {
    for (const url of ['/v1/posts/%zz', '/v1/tags/%E0%A4%A', '/feed.xml/%zz']) {
      const res = await app.inject(url)
      assertProblem(t, res, 400, url)
      t.match(res.json(), { type: '/problems/bad-request', title: 'Bad request' }, url)
    }
    const long = await app.inject(`/v1/posts/${'a'.repeat(201)}`)
    assertProblem(t, long, 414, 'a 201-character slug')
    t.match(long.json(), { type: '/problems/uri-too-long', title: 'URI too long', detail: 'A path segment is longer than 200 characters: no id or slug is that long' })
    // The document declares it on every operation with a path parameter.
    const check = responseValidator()
    for (const [method, url] of [['GET', '/v1/posts/'], ['PATCH', '/v1/tags/'], ['GET', '/tags/'], ['GET', '/v1/authors/']] as const) {
      const path = `${url}${'a'.repeat(201)}${url === '/tags/' ? '/feed.xml' : ''}`
      const res = await app.inject({ method, url: path })
      t.equal(res.statusCode, 414, `${method} ${url}`)
      t.same(check(method, path, 414, res.headers['content-type'] as string, res.body, res.headers), [], `${method} ${url}: as the document says`)
    }
  })

  t.test('a query whose percent-encoding is broken is refused, as a path is, not read as the literal text', async (t) => {
    for (const [url, name] of [['/v1/posts?q=%FF', '/q'], ['/v1/posts?q=100%', '/q'], ['/v1/posts?limit=5&q=%E0%A4%A', '/q'], ['/feed.xml?utm_source=%zz', '/utm_source'], ['/v1/posts?a%2Fb%7E=%zz', '/a~1b~0']] as const) {
      const res = await app.inject(url)
      assertProblem(t, res, 400, url)
      t.same(res.json().errors, [{ in: 'query', name, message: 'is not percent-encoded UTF-8: each % takes two hex digits, and escaped bytes must spell UTF-8 (é is %C3%A9)' }], url)
    }
    t.equal((await app.inject('/v1/posts?q=%C3%A9t%C3%A9+100%25')).statusCode, 200, 'well encoded, accents and a percent sign alike')
  })

  t.test('a browser may read those problems too, from an allowed origin', async (t) => {
    const { app } = await build(t, { seed: false, env: { CORS_ORIGINS: 'https://app.example.com' } })
    const allowed = await app.inject({ url: '/v1/posts/%zz', headers: { origin: 'https://app.example.com' } })
    t.equal(allowed.statusCode, 400)
    t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com')
    t.match(allowed.headers['access-control-expose-headers'], /x-request-id/)
    t.match(allowed.headers.vary, /Origin/)
    const other = await app.inject({ url: '/v1/posts/%zz', headers: { origin: 'https://elsewhere.example.net' } })
    t.notOk(other.headers['access-control-allow-origin'])
  })

  t.test('text holding U+0000 is a 400 naming the field, in a query, a path or a body, never a 500', async (t) => {
    for (const url of ['/v1/posts?q=%00', '/v1/posts?q=a%00b', '/v1/posts?tag=a%00', '/v1/resolve?path=/posts/%00', '/v1/posts?q=x&q=%00']) {
      const res = await app.inject(url)
      assertProblem(t, res, 400, url)
      t.match(res.json().detail, /U\+0000/, url)
    }
    // In a path: it names nothing.
    for (const url of ['/v1/posts/a%00b', '/v1/tags/%00']) {
      const res = await app.inject(url)
      assertProblem(t, res, 404, url)
      t.match(res.json().detail, /U\+0000/, url)
    }
    t.match((await app.inject('/v1/posts?q=a%00b')).json().errors, [{ in: 'query', name: '/q' }])
    const headers = await authHeaders(database.db)
    const body = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Nul\u0000led', description: 'fine' } })
    assertProblem(t, body, 400, 'a body')
    t.match(body.json().errors, [{ in: 'body', name: '/name' }])
    t.equal((await app.inject('/v1/tags?limit=100')).json().data.length, 0, 'nothing was stored')
  })

  t.test('a body nested deeper than 32 levels is a 400 naming where, however deep it goes (in time linear in its size)', async (t) => {
    const headers = { ...(await authHeaders(database.db)), 'content-type': 'application/json' }
    const thirtyTwo = `${'['.repeat(31)}"x"${']'.repeat(31)}`
    const fine = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: `{"name":"Deep","description":${thirtyTwo}}` })
    t.same(fine.json().errors, [{ in: 'body', name: '/description', message: 'must be string or null' }], '32 levels: only the schema speaks')
    // As deep as the body limit lets a body go: had the walk the square of the depth's cost, this would take
    // many minutes (and tap's timeout would end the test).
    for (const [what, payload] of [
      ['arrays', `{"name":"Deep","description":${'['.repeat(400_000)}${']'.repeat(400_000)}}`],
      ['objects', `{"name":"Deep","description":${'{"a":'.repeat(150_000)}1${'}'.repeat(150_000)}}`],
      ['a root array', `${'['.repeat(400_000)}${']'.repeat(400_000)}`],
      // Half a surrogate pair at the bottom: looked for by the same walk, not by a recursion of its own.
      ['arrays holding half a surrogate pair', `{"name":"Deep","description":${'['.repeat(400_000)}"\\ud800"${']'.repeat(400_000)}}`],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload })
      assertProblem(t, res, 400, what)
      const nesting = res.json().errors.find((e: { message: string }) => e.message === 'must not nest values more than 32 levels deep')
      const step = what === 'objects' ? '/a' : '/0'
      t.equal(nesting?.name, `${what === 'a root array' ? '' : '/description'}${step.repeat(what === 'a root array' ? 32 : 31)}`, `${what}: the first value too deep is named`)
    }
    t.equal((await app.inject('/v1/tags?limit=100')).json().data.length, 0, 'nothing was stored')
  })

  t.test('a body with thousands of bad values gets a problem naming the first 50, and how many more there are', async (t) => {
    const headers = await authHeaders(database.db)
    const tags = Array.from({ length: 60_000 }, (_, i) => (i % 2 === 0 ? 'Not A Slug' : 'nul\u0000'))
    const res = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Many', markdown: 'x', authors: ['ada-okafor'], tags } })
    assertProblem(t, res, 400, 'many bad tags')
    const { errors, detail } = res.json()
    t.equal(errors.length, 50)
    t.same(errors.slice(0, 2), [{ in: 'body', name: '/tags/1', message: 'must not contain the character U+0000' }, { in: 'body', name: '/tags/3', message: 'must not contain the character U+0000' }], 'in the order written')
    t.match(detail, /; and \d+ more$/)
    t.ok(res.body.length < 20_000, `a problem of ${res.body.length} bytes, not megabytes`)
    t.same(responseValidator()('POST', '/v1/posts', 400, res.headers['content-type'] as string, res.body, res.headers), [], 'as the document says')
  })

  t.test('dates that pass for ISO 8601 but that PostgreSQL cannot hold, or that would come back wrong, are a 400, never a 500', async (t) => {
    for (const value of ['0000-01-01', '0000-12-31T23:59:59Z', '0050-06-01', '0999-12-31T23:59:59Z', '2026-06-30T23:59:60Z', '2026-02-30', '-000001-01-01']) {
      for (const name of ['publishedAfter', 'publishedBefore']) {
        const res = await app.inject(`/v1/posts?${name}=${encodeURIComponent(value)}`)
        assertProblem(t, res, 400, `${name}=${value}`)
        t.match(res.json().errors, [{ in: 'query', name: `/${name}` }], `${name}=${value}`)
      }
    }
    for (const value of ['9999-12-31T23:59:59-01:00', '9999-12-31T23:30:00-00:31']) {
      const res = await app.inject(`/v1/posts?publishedBefore=${encodeURIComponent(value)}`)
      assertProblem(t, res, 400, `${value}: in the year 10000 in UTC`)
    }
    for (const value of ['1000-01-01', '9999-12-31', '2026-06-30T23:59:59.999+14:00', '2026-06-30t10:00:00z', '2026-06-30T10:00:00.123456789+05:30', '9999-12-31T23:59:59+01:00']) {
      t.equal((await app.inject(`/v1/posts?publishedAfter=${encodeURIComponent(value)}`)).statusCode, 200, value)
    }
  })

  t.test('a whole number in a query is decimal digits: no hex, exponent, spaces or fractions read as one', async (t) => {
    for (const [url, name] of [['/v1/posts?limit=0x10', 'limit'], ['/v1/posts?limit=1e1', 'limit'], ['/v1/posts?limit=%201', 'limit'], ['/v1/tags?page=1.0', 'page'], ['/feed.xml?archive=0x1', 'archive'], ['/v1/posts?limit=%2B5', 'limit']] as const) {
      const res = await app.inject(url)
      assertProblem(t, res, 400, url)
      t.match(res.json().errors, [{ in: 'query', name: `/${name}`, message: 'must be a whole number in decimal digits' }], url)
    }
    t.equal((await app.inject('/v1/posts?limit=07')).json().meta.limit, 7, 'leading zeros are still decimal')
    t.match((await app.inject('/v1/posts?limit=-5')).json().errors, [{ name: '/limit', message: 'must be >= 1' }], 'a negative number is one, out of range')
  })

  t.test('unknown query parameters are refused on every JSON read, as on lists; feeds take tracking parameters', async (t) => {
    for (const url of ['/v1/site?x=1', '/v1/archive?limit=3', '/v1/posts/some-slug?fields=title', '/v1/tags/some-tag?foo=1', '/v1/authors/someone?foo=1']) {
      const res = await app.inject(url)
      assertProblem(t, res, 400, url)
      t.match(res.json().errors, [{ in: 'query', message: 'is not a known field' }], url)
    }
    t.equal((await app.inject('/feed.xml?utm_source=newsletter')).statusCode, 200)
  })
})

t.test('every problem type is a page a person can read, and the README lists each', async (t) => {
  const { app } = await build(t, { seed: false })
  const types = [...new Set(Object.values(PROBLEM_TYPES).map((p) => p.type))]
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const listed = [...readme.matchAll(/^\| `(\/problems\/[\w-]+)` \| (\d{3}) \|/gm)].map((m) => m[1]!)
  t.same([...listed].sort(), [...types].sort(), 'the README\'s table names exactly the types the API answers')
  for (const type of types) {
    const res = await app.inject(type)
    t.equal(res.statusCode, 200, type)
    t.match(res.headers['content-type'], /^text\/html/, type)
    const title = Object.values(PROBLEM_TYPES).find((p) => p.type === type)!.title
    t.match(res.body, `<h1>${title}</h1>`, type)
    const status = /^\| `[^`]+` \| (\d{3}) \|/m.exec(readme.slice(readme.indexOf(`| \`${type}\``)))![1]
    t.match(res.body, `HTTP ${status},`, `${type}: the status the README gives`)
    t.match(res.body, /<p>When .*<\/p>/, type)
  }
  const unknown = await app.inject('/problems/no-such-problem')
  t.equal(unknown.statusCode, 404)
  t.match(unknown.headers['content-type'], /^application\/problem\+json/)
})

// The HTTP layer alone: once, on the embedded database.
t.test('a client that sends its headers slowly gets its 408 at the request timeout (30 s), not up to 30 s later', { skip: process.env.TEST_DATABASE_URL ? 'the database plays no part' : false }, async (t) => {
  const { app } = await build(t, { seed: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const started = Date.now()
  // A header line every 5 s: never idle long enough for the connection timeout, never a whole request.
  const answer = await new Promise<string>((resolve, reject) => {
    let received = ''
    let header = 0
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'))
    const trickle = setInterval(() => socket.write(`X-Slow-${header++}: 1\r\n`), 5_000)
    socket.setEncoding('latin1').on('data', (chunk) => (received += chunk))
      .on('close', () => { clearInterval(trickle); resolve(received) }).on('error', (error) => { clearInterval(trickle); reject(error) })
  })
  const took = Date.now() - started
  t.match(answer, /^HTTP\/1.1 408 /, 'a 408')
  t.match(answer, /application\/problem\+json/)
  t.ok(took >= HTTP_TIMEOUT_MS - 1_000 && took <= HTTP_TIMEOUT_MS + 5_000, `at about ${HTTP_TIMEOUT_MS / 1000} s (${took} ms)`)
})

t.test('a request the HTTP parser refuses still gets problem+json with a request id, and the connection closes', async (t) => {
  const { app } = await build(t, { seed: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const exchange = (raw: string) => new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(raw))
    let received = ''
    socket.setEncoding('latin1').on('data', (chunk) => (received += chunk)).on('close', () => resolve(received)).on('error', reject)
  })
  for (const [name, raw, status] of [
    ['headers past 16 kB', `GET /v1/posts?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['a malformed header line', 'GET /v1/posts HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n', 400],
    ['Content-Length with chunked encoding', 'POST /v1/tags HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['a method nobody knows', 'FOO /v1/posts HTTP/1.1\r\nHost: x\r\n\r\n', 501],
  ] as const) {
    const answer = await exchange(raw)
    const [head, body] = answer.split('\r\n\r\n') as [string, string]
    t.match(head, new RegExp(`^HTTP/1.1 ${status} `), name)
    t.match(head, /\r\ncontent-type: application\/problem\+json; charset=utf-8\r\n/i, name)
    t.match(head, /\r\nx-content-type-options: nosniff\r\n/i, `${name}: the security headers too`)
    t.match(head, /\r\nconnection: close(\r\n|$)/i, name)
    const requestId = /\r\nx-request-id: ([^\r]+)/i.exec(head)?.[1]
    t.ok(requestId, name)
    t.match(JSON.parse(body), { type: 'about:blank', status, title: STATUS_CODES[status], detail: String, requestId }, name)
  }
  t.equal((await app.inject('/v1/posts')).statusCode, 200, 'and the server goes on')
})
