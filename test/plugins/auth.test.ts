import t from 'tap'
import { eq } from 'drizzle-orm'
import { apiKeys } from '../../src/db/schema.js'
import { createApiKey, revokeApiKey } from '../../src/modules/apikeys/queries.js'
import { hashApiKey } from '../../src/modules/apikeys/keys.js'
import { build } from '../helper.js'

t.test('API keys', async (t) => {
  const { app, database } = await build(t)
  const post = (headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Auth test' } })

  t.test('a write without a key answers 401 problem+json with WWW-Authenticate', async (t) => {
    const res = await post({})
    t.equal(res.statusCode, 401)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="quire"')
    t.match(res.json(), { type: '/problems/unauthorized', status: 401 })
  })

  t.test('a malformed, unknown or revoked key answers 401 with error="invalid_token"', async (t) => {
    const { key, row } = await createApiKey(database.db, 'soon revoked')
    await revokeApiKey(database.db, row.id)
    for (const authorization of ['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer not-a-key', `Bearer quire_${'A'.repeat(43)}`, `Bearer ${key}`]) {
      const res = await post({ authorization })
      t.equal(res.statusCode, 401, authorization.slice(0, 20))
      t.match(res.headers['www-authenticate'], /error="invalid_token"/)
    }
  })

  t.test('a valid key is accepted, stored only as a hash, and its last use recorded', async (t) => {
    const { key, row } = await createApiKey(database.db, 'editor')
    t.match(key, /^quire_[\w-]{43}$/)
    const [stored] = await database.db.select().from(apiKeys).where(eq(apiKeys.id, row.id))
    t.equal(stored!.hash, hashApiKey(key))
    t.notOk(JSON.stringify(stored).includes(key), 'the key itself is not stored')
    t.equal(stored!.lastUsedAt, null)
    const res = await post({ authorization: `Bearer ${key}` })
    t.equal(res.statusCode, 201)
    const [used] = await database.db.select().from(apiKeys).where(eq(apiKeys.id, row.id))
    t.ok(used!.lastUsedAt instanceof Date, 'lastUsedAt is set')
  })

  t.test('status other than published needs a key', async (t) => {
    for (const status of ['draft', 'all']) {
      const res = await app.inject(`/v1/posts?status=${status}`)
      t.equal(res.statusCode, 401, status)
      t.equal(res.headers['www-authenticate'], 'Bearer realm="quire"')
    }
    t.equal((await app.inject('/v1/posts?status=published')).statusCode, 200)
  })
})

t.test('reads never need a key, but a bad Bearer key on any read of the API is refused', async (t) => {
  // Its own app, with no limit on failed authentication: these are a dozen failures from one address.
  const { app, database } = await build(t, { env: { RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '0' } })
  const { key } = await createApiKey(database.db, 'reader')
  const reads = [
    '/v1/site', '/v1/posts', '/v1/posts/slos-for-internal-platforms', '/v1/posts/slos-for-internal-platforms/related',
    '/v1/tags', '/v1/tags/data', '/v1/authors', '/v1/authors/mateo-ruiz', '/v1/archive', '/v1/resolve?path=/posts/slos-for-internal-platforms',
  ]
  for (const url of reads) {
    t.equal((await app.inject(url)).statusCode, 200, `${url} without a key`)
    const valid = await app.inject({ url, headers: { authorization: `Bearer ${key}` } })
    t.equal(valid.statusCode, 200, `${url} with a valid key`)
    t.match(valid.headers['cache-control'], /^private/, `${url}: private with a key`)
    const refused = await app.inject({ url, headers: { authorization: 'Bearer nope' } })
    t.equal(refused.statusCode, 401, `${url} with a bad key`)
    t.match(refused.headers['www-authenticate'], /error="invalid_token"/)
    t.match(refused.headers['content-type'], /^application\/problem\+json/)
    t.equal((await app.inject({ url, headers: { authorization: 'Bearer' } })).statusCode, 401, `${url} with an empty Bearer key`)
    // A browser sends a staging site's Basic credentials with every request to it: not a key, and ignored.
    const basic = await app.inject({ url, headers: { authorization: 'Basic dXNlcjpwYXNz' } })
    t.equal(basic.statusCode, 200, `${url} with Basic credentials`)
    t.match(basic.headers['cache-control'], /^private/, `${url}: private with credentials`)
  }
  const drafts = await app.inject({ url: '/v1/posts?status=draft', headers: { authorization: 'Basic dXNlcjpwYXNz' } })
  t.equal(drafts.statusCode, 401, 'Basic credentials are no key: drafts stay out of reach')
  t.equal(drafts.headers['www-authenticate'], 'Bearer realm="quire"')
  // Every read the OpenAPI document lists says so: a key is optional, and a bad one is a 401.
  const paths = (app.swagger() as unknown as { paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> }).paths
  const documented = Object.entries(paths).filter(([path, ops]) => path.startsWith('/v1/') && ops.get)
  t.equal(documented.length, 10, documented.map(([path]) => path).join(', '))
  for (const [path, ops] of documented) {
    t.same(ops.get!.security, [{}, { bearerAuth: [] }], `${path}: no key, or a bearer key`)
    t.ok(ops.get!.responses['401'], `${path} documents its 401`)
  }
  // Feeds are read by feed readers, some of which send the credentials a user gave them for any URL.
  t.equal((await app.inject({ url: '/feed.xml', headers: { authorization: 'Basic dXNlcjpwYXNz' } })).statusCode, 200, 'a feed ignores Authorization')
})

t.test('without a valid key a write is a 401 whatever its body: the body is not even read', async (t) => {
  // Its own app, with no limit on failed authentication: these are a dozen failures from one address.
  const { app } = await build(t, { env: { RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '0' } })
  const writes = [
    { method: 'POST', url: '/v1/posts', payload: { title: 'x' } },
    { method: 'POST', url: '/v1/posts', payload: '{not json', headers: { 'content-type': 'application/json' } },
    { method: 'POST', url: '/v1/tags', payload: 'name=x', headers: { 'content-type': 'text/plain' } },
    { method: 'PATCH', url: '/v1/posts/not-a-uuid', payload: { nonsense: true } },
    { method: 'PATCH', url: '/v1/authors/00000000-0000-4000-8000-000000000000', payload: {} },
    { method: 'DELETE', url: '/v1/tags/00000000-0000-4000-8000-000000000000' },
  ] as const
  for (const authorization of [undefined, 'Bearer quire_wrong', 'Basic dXNlcjpwYXNz']) {
    for (const w of writes) {
      const headers = { ...('headers' in w ? w.headers : {}), ...(authorization ? { authorization } : {}) }
      const res = await app.inject({ method: w.method, url: w.url, headers, ...('payload' in w ? { payload: w.payload } : {}) })
      t.equal(res.statusCode, 401, `${w.method} ${w.url} with ${authorization ?? 'no key'}`)
      t.match(res.json(), { type: '/problems/unauthorized' })
    }
  }
})
