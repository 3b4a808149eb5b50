import { readFileSync } from 'node:fs'
import { validate, compileErrors } from '@readme/openapi-parser'
import t from 'tap'
import { generateOpenapi, openapiPath } from '../src/cli/openapi.js'
import { build } from './helper.js'
import { authHeaders } from './support/auth.js'
import { openapiDocument, responseValidator } from './support/openapi.js'

t.test('openapi/openapi.json is what `npm run openapi` generates now (run it when this fails)', async (t) => {
  t.equal(readFileSync(openapiPath, 'utf8'), await generateOpenapi())
})

t.test('the document is valid OpenAPI 3.1', async (t) => {
  const result = await validate(structuredClone(openapiDocument) as Parameters<typeof validate>[0])
  t.ok(result.valid, result.valid ? 'valid' : compileErrors(result))
  t.equal(openapiDocument.openapi, '3.1.0')
})

t.test('every operation has a unique operationId, tags, a summary and typed responses', async (t) => {
  const ids = new Set<string>()
  for (const [path, item] of Object.entries(openapiDocument.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      t.ok(op.operationId, `${method} ${path} operationId`)
      t.notOk(ids.has(op.operationId), `${op.operationId} is unique`)
      ids.add(op.operationId)
      t.ok(op.tags?.length, `${op.operationId} tags`)
      t.ok(op.summary, `${op.operationId} summary`)
      const success = Object.keys(op.responses).find((status) => status.startsWith('2'))
      t.ok(success, `${op.operationId} declares a success status`)
      if (success !== '204') t.ok(op.responses[success!]?.content, `${op.operationId} declares its ${success} body`)
      for (const [status, response] of Object.entries(op.responses as Record<string, { description: string }>)) {
        t.not(response.description, 'Default Response', `${op.operationId} ${status} says what it is (client comments and /docs show it)`)
      }
      // The headers a client follows: a created resource's Location and ETag, a moved one's Location.
      if (op.responses['201']) t.same(Object.keys(op.responses['201'].headers ?? {}).sort(), ['ETag', 'Location'], `${op.operationId} 201 headers`)
      if (op.responses['301']) t.ok(op.responses['301'].headers?.Location, `${op.operationId} 301 Location`)
    }
  }
})

t.test('a post as generated clients type it: always an author, and a snippet only on search hits', async (t) => {
  const { Post, PostSummary } = openapiDocument.components.schemas as Record<string, { properties: Record<string, any>; required: string[] }>
  for (const [name, schema] of Object.entries({ Post, PostSummary })) {
    t.equal(schema!.properties.authors.minItems, 1, `${name}: authors are at least one`)
    t.same(schema!.properties.primaryAuthor, { $ref: '#/components/schemas/AuthorRef' }, `${name}: the primary author is never null`)
    t.ok(schema!.required.includes('primaryAuthor'), `${name}: and always there`)
  }
  t.notOk(Post!.properties.snippet, 'a post read by itself has no snippet')
  t.ok(PostSummary!.properties.snippet, 'a search hit has')
})

t.test('live responses match the document', async (t) => {
  const { app, database } = await build(t)
  const check = responseValidator()
  const requests = [
    '/v1/site',
    '/v1/posts',
    '/v1/posts?limit=100&sort=title',
    '/v1/posts?tag=architecture&featured=true',
    '/v1/posts/cell-based-architecture-routing-engine',
    '/v1/posts/event-sourcing-paid-off-and-hurt',
    '/v1/posts/no-such-post',
    '/v1/posts?limit=1000',
    '/v1/posts?page=500',
    '/v1/tags',
    '/v1/tags?sort=-postCount',
    '/v1/tags/architecture',
    '/v1/tags/nope',
    '/v1/authors',
    '/v1/authors/ada-okafor',
    '/v1/authors/BAD_SLUG',
    '/v1/archive',
    '/healthz',
    '/readyz',
  ]
  for (const url of requests) {
    const res = await app.inject(url)
    t.same(check('GET', url, res.statusCode, res.headers['content-type'] as string, res.body, res.headers), [], `${url} -> ${res.statusCode}`)
  }

  const headers = await authHeaders(database.db)
  const writes: { method: 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: object | string; headers?: Record<string, string> }[] = [
    { method: 'POST', url: '/v1/posts', payload: { title: 'Checked', markdown: 'Body', authors: ['ada-okafor'], tags: ['new-tag'], status: 'published' } },
    { method: 'POST', url: '/v1/posts', payload: { title: '' } },
    { method: 'POST', url: '/v1/tags', payload: { name: 'Checked tag' } },
    { method: 'POST', url: '/v1/authors', payload: { name: 'Checked Author', title: 'Engineer' } },
    { method: 'POST', url: '/v1/tags', payload: { name: 'x' }, headers: { authorization: 'Bearer nope' } },
    { method: 'POST', url: '/v1/tags', payload: { name: 'x' }, headers: {} },
    { method: 'PATCH', url: '/v1/tags/checked-tag', payload: { description: 'Checked' } },
    { method: 'DELETE', url: '/v1/tags/checked-tag', payload: 'a body', headers: { ...headers, 'content-type': 'text/plain' } },
    { method: 'DELETE', url: '/v1/authors/checked-author', payload: 'a body', headers: { ...headers, 'content-type': 'text/plain' } },
  ]
  for (const w of writes) {
    const res = await app.inject({ method: w.method, url: w.url, payload: w.payload, headers: w.headers ?? headers })
    t.same(check(w.method, w.url, res.statusCode, res.headers['content-type'] as string, res.body, res.headers), [], `${w.method} ${w.url} -> ${res.statusCode}`)
  }
  const post = (await app.inject('/v1/posts/checked')).json().data
  // A moved post's 301, with the Location the document requires.
  const renamed = await app.inject({ method: 'PATCH', url: `/v1/posts/${post.id}`, payload: { slug: 'checked-renamed' }, headers })
  t.equal(renamed.statusCode, 200)
  for (const url of ['/v1/posts/checked', '/v1/posts/checked/related']) {
    const moved = await app.inject(url)
    t.equal(moved.statusCode, 301, url)
    t.same(check('GET', url, moved.statusCode, moved.headers['content-type'] as string, moved.body, moved.headers), [], `${url} -> 301`)
  }
  for (const [method, payload, extra] of [
    ['PATCH', { featured: true }, {}],
    ['PATCH', { featured: false }, { 'if-match': '"stale"' }],
    ['DELETE', undefined, {}],
  ] as const) {
    const res = await app.inject({ method, url: `/v1/posts/${post.id}`, payload, headers: { ...headers, ...extra } })
    t.same(check(method, `/v1/posts/${post.id}`, res.statusCode, res.headers['content-type'] as string, res.body, res.headers), [], `${method} -> ${res.statusCode}`)
  }

  // What every read shares: a 304 to its own validators, on lists, details, feeds and the site alike.
  for (const url of ['/v1/site', '/v1/posts', '/v1/posts/event-sourcing-paid-off-and-hurt', '/v1/tags/architecture', '/v1/archive', '/feed.xml']) {
    const first = await app.inject(url)
    const again = await app.inject({ url, headers: { 'if-none-match': first.headers.etag as string } })
    t.equal(again.statusCode, 304, url)
    t.same(check('GET', url, again.statusCode, again.headers['content-type'] as string, again.body, again.headers), [], `${url} -> 304`)
  }
})

t.test('rate-limited answers match the document too', async (t) => {
  const { app } = await build(t, { seed: false, env: { RATE_LIMIT_READS_PER_MINUTE: '1' } })
  const check = responseValidator()
  const first = await app.inject({ url: '/v1/tags', remoteAddress: '10.3.0.1' })
  t.same(check('GET', '/v1/tags', first.statusCode, first.headers['content-type'] as string, first.body, first.headers), [])
  t.ok(first.headers['ratelimit-limit'], 'the RateLimit headers the document names')
  const limited = await app.inject({ url: '/v1/tags', remoteAddress: '10.3.0.1' })
  t.equal(limited.statusCode, 429)
  t.same(check('GET', '/v1/tags', limited.statusCode, limited.headers['content-type'] as string, limited.body, limited.headers), [])
})

t.test('/openapi.json serves the document and /docs renders it', async (t) => {
  const { app } = await build(t, { seed: false })
  const doc = await app.inject('/openapi.json')
  t.equal(doc.statusCode, 200)
  t.same(doc.json().paths['/v1/posts'].get.operationId, 'listPosts')
  const docs = await app.inject('/docs/')
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
  t.match(docs.body, /swagger-ui/i)
})

t.test('the response check itself rejects what the document forbids', async (t) => {
  const check = responseValidator()
  t.not(check('GET', '/v1/site', 200, 'application/json', '{"data":{"title":1}}').length, 0, 'a wrong body')
  t.not(check('GET', '/v1/posts', 418, 'application/json', '{}').length, 0, 'an undeclared status')
  t.not(check('GET', '/v1/posts/x', 404, 'application/json', '{}').length, 0, 'a problem sent as plain JSON')
  t.not(check('GET', '/v1/unknown', 200, 'application/json', '{}').length, 0, 'an undeclared path')
  const site = '{"data":{"title":"t","description":"d","url":"https://x.example","language":"en","postCount":0,"feeds":{}}}'
  t.match(check('GET', '/v1/site', 200, 'application/json', site, { 'cache-control': 'public, max-age=60' }), [/the required header ETag is missing/], 'a read without its ETag')
  t.match(check('GET', '/v1/tags', 429, 'application/problem+json', '{}', {}), [/the required header Retry-After is missing/], 'a 429 without Retry-After')
})

t.test('every write operation declares the bearer security scheme; reads do not require it', async (t) => {
  t.match(openapiDocument.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer' })
  for (const [path, item] of Object.entries(openapiDocument.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      // Said on each (linters ask it: Redocly's security-defined), none left implied.
      t.ok(Array.isArray(op.security), `${method.toUpperCase()} ${path} declares its security`)
      if (method === 'get') {
        t.ok(op.security.length === 0 || op.security.some((s: object) => Object.keys(s).length === 0), `GET ${path} works without a key`)
      } else {
        t.same(op.security, [{ bearerAuth: [] }], `${method.toUpperCase()} ${path} needs a key`)
        t.ok(op.responses['401'], `${method.toUpperCase()} ${path} documents 401`)
      }
    }
  }
})
