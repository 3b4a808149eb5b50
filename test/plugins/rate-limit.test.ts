import t from 'tap'
import { build } from '../helper.js'
import { authHeaders } from '../support/auth.js'

t.test('rate limits', async (t) => {
  const { app, database } = await build(t, {
    seed: false,
    env: { RATE_LIMIT_READS_PER_MINUTE: '3', RATE_LIMIT_WRITES_PER_MINUTE: '2', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '2' },
  })
  const headers = await authHeaders(database.db)
  // Each test uses its own client address, so the buckets of one never fill those of another.
  const get = (remoteAddress: string, url = '/v1/tags', extra: Record<string, string> = {}) =>
    app.inject({ url, remoteAddress, headers: extra })
  const post = (remoteAddress: string, name: string, auth: Record<string, string> = headers) =>
    app.inject({ method: 'POST', url: '/v1/tags', remoteAddress, headers: auth, payload: { name } })

  t.test('reads past the limit answer 429 problem+json with Retry-After and RateLimit headers', async (t) => {
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(await get('10.0.0.1'))
    t.same(answers.map((r) => r.statusCode), [200, 200, 200])
    t.same(answers.map((r) => r.headers['ratelimit-remaining']), ['2', '1', '0'])
    t.equal(answers[0]!.headers['ratelimit-limit'], '3')
    t.match(answers[0]!.headers['ratelimit-reset'], /^\d+$/)

    const refused = await get('10.0.0.1')
    t.equal(refused.statusCode, 429)
    t.match(refused.headers['content-type'], /^application\/problem\+json/)
    t.match(refused.headers['retry-after'], /^\d+$/)
    t.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60, 'within the minute')
    t.equal(refused.headers['ratelimit-limit'], '3')
    t.equal(refused.headers['ratelimit-remaining'], '0')
    t.match(refused.json(), { type: '/problems/rate-limited', title: 'Too many requests', status: 429, detail: /retry in/, requestId: refused.headers['x-request-id'] })

    t.equal((await get('10.0.0.2')).statusCode, 200, 'another address has its own bucket')
  })

  t.test('a path no route serves counts as any other request: 404s and 405s use up the bucket of their method', async (t) => {
    const reads = []
    for (let i = 0; i < 4; i++) reads.push(await get('10.0.5.1', '/v1/nothing'))
    t.same(reads.map((r) => r.statusCode), [404, 404, 404, 429])
    t.same(reads.map((r) => r.headers['ratelimit-remaining']), ['2', '1', '0', '0'])
    t.match(reads[3]!.json(), { type: '/problems/rate-limited', status: 429 })
    t.equal((await get('10.0.5.1')).statusCode, 429, 'and the reads of routes that exist share that bucket')
    const writes = []
    for (let i = 0; i < 3; i++) writes.push((await app.inject({ method: 'PUT', url: '/v1/posts', remoteAddress: '10.0.5.2' })).statusCode)
    t.same(writes, [405, 405, 429])
  })

  t.test('writes have their own, smaller bucket: reads used up do not block them, and the other way round', async (t) => {
    for (let i = 0; i < 4; i++) await get('10.0.1.1')
    t.equal((await get('10.0.1.1')).statusCode, 429, 'reads are used up')
    const writes = [await post('10.0.1.1', 'Limited one'), await post('10.0.1.1', 'Limited two'), await post('10.0.1.1', 'Limited three')]
    t.same(writes.map((r) => r.statusCode), [201, 201, 429])
    t.equal(writes[0]!.headers['ratelimit-limit'], '2')
    t.match(writes[2]!.headers['retry-after'], /^\d+$/)
    t.equal((await get('10.0.1.2', '/v1/tags/limited-three')).statusCode, 404, 'the refused write changed nothing')
  })

  t.test('failed authentication has the smallest bucket: then even a good key gets 429 without being checked', async (t) => {
    const bad = { authorization: `Bearer quire_${'A'.repeat(43)}` }
    t.equal((await post('10.0.2.1', 'Guess one', bad)).statusCode, 401)
    t.equal((await post('10.0.2.1', 'Guess two', bad)).statusCode, 401)
    const third = await post('10.0.2.1', 'Guess three', bad)
    t.equal(third.statusCode, 429, 'the third failure in a minute is refused')
    t.match(third.headers['retry-after'], /^\d+$/)
    t.match(third.json(), { type: '/problems/rate-limited', status: 429 })
    t.equal((await post('10.0.2.1', 'With the real key')).statusCode, 429, 'a valid key from that address waits too')
    t.equal((await get('10.0.2.1')).statusCode, 200, 'reads without credentials go on')
    t.equal((await get('10.0.2.1', '/healthz', headers)).statusCode, 200, 'a probe is never limited, credentials or not')
    t.equal((await post('10.0.2.2', 'Elsewhere')).statusCode, 201, 'another address is not affected')
  })

  t.test('the write limit comes before the key is checked: past it, a write without a key is a 429, not a 401', async (t) => {
    const none = {}
    const answers = [await post('10.0.4.1', 'No key one', none), await post('10.0.4.1', 'No key two', none), await post('10.0.4.1', 'No key three', none)]
    t.same(answers.map((r) => r.statusCode), [401, 401, 429])
    t.equal(answers[0]!.headers['ratelimit-remaining'], '1', 'a 401 carries the limit headers, and counts')
    t.equal((await post('10.0.4.1', 'Real key, too late')).statusCode, 429, 'the bucket is the address\'s, key or not')
  })

  t.test('a request without credentials that is refused does not count as a failed authentication', async (t) => {
    for (let i = 0; i < 3; i++) t.equal((await get('10.0.3.1', '/v1/posts?status=draft')).statusCode, 401)
    t.equal((await post('10.0.3.1', 'Real key')).statusCode, 201, 'the three 401s without a key counted as no failure')
  })

  t.test('health probes are never limited', async (t) => {
    for (let i = 0; i < 6; i++) {
      t.equal((await get('10.0.4.1', '/healthz')).statusCode, 200)
      t.equal((await get('10.0.4.1', '/readyz')).statusCode, 200)
    }
    t.notOk((await get('10.0.4.1', '/healthz')).headers['ratelimit-limit'])
  })
})

t.test('a limit of 0 turns that limit off', async (t) => {
  const { app } = await build(t, { seed: false, env: { RATE_LIMIT_READS_PER_MINUTE: '0' } })
  for (let i = 0; i < 20; i++) {
    const res = await app.inject({ url: '/v1/tags', remoteAddress: '10.1.0.1' })
    if (res.statusCode !== 200) t.fail(`request ${i} answered ${res.statusCode}`)
  }
  t.notOk((await app.inject('/v1/tags')).headers['ratelimit-limit'])
})

t.test('reads unlimited, writes limited: reads carry no limit, and writes to any route share one bucket per client', async (t) => {
  const { app, database } = await build(t, { seed: false, env: { RATE_LIMIT_READS_PER_MINUTE: '0', RATE_LIMIT_WRITES_PER_MINUTE: '2' } })
  const headers = await authHeaders(database.db)
  const write = (url: string, payload: object) => app.inject({ method: 'POST', url, headers, payload, remoteAddress: '10.1.1.1' })
  const first = await write('/v1/tags', { name: 'One' })
  t.equal(first.statusCode, 201)
  t.equal(first.headers['ratelimit-limit'], '2')
  t.equal((await write('/v1/authors', { name: 'Ada' })).statusCode, 201)
  const third = await write('/v1/tags', { name: 'Three' })
  t.equal(third.statusCode, 429, 'the third write, whatever its route, waits')
  t.ok(third.headers['retry-after'])
  for (let i = 0; i < 5; i++) {
    const read = await app.inject({ url: '/v1/tags', remoteAddress: '10.1.1.1' })
    t.equal(read.statusCode, 200)
    t.notOk(read.headers['ratelimit-limit'])
  }
})

t.test('CORS preflights are answered before any route, and never counted', async (t) => {
  const { app } = await build(t, { seed: false, env: { RATE_LIMIT_READS_PER_MINUTE: '2', CORS_ORIGINS: '*' } })
  const preflight = { origin: 'https://app.example.org', 'access-control-request-method': 'POST' }
  for (let i = 0; i < 4; i++) {
    const res = await app.inject({ method: 'OPTIONS', url: '/v1/tags', headers: preflight, remoteAddress: '10.1.2.1' })
    t.equal(res.statusCode, 204)
    t.notOk(res.headers['ratelimit-limit'])
  }
  t.equal((await app.inject({ url: '/v1/tags', remoteAddress: '10.1.2.1' })).headers['ratelimit-remaining'], '1', 'the reads bucket is untouched')
})

t.test('failed keys count on reads too, even with reads unlimited: guessing a key with GETs gets a 429', async (t) => {
  const { app, database } = await build(t, { seed: false, env: { RATE_LIMIT_READS_PER_MINUTE: '0', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '2' } })
  const bad = { authorization: `Bearer quire_${'A'.repeat(43)}` }
  const guesses = []
  for (let i = 0; i < 3; i++) guesses.push((await app.inject({ url: '/v1/posts?limit=1', headers: bad, remoteAddress: '10.2.0.1' })).statusCode)
  t.same(guesses, [401, 401, 429])
  const good = await authHeaders(database.db)
  t.equal((await app.inject({ url: '/v1/posts?limit=1', headers: good, remoteAddress: '10.2.0.1' })).statusCode, 429, 'then a good key waits too')
  t.equal((await app.inject({ url: '/v1/posts?limit=1', remoteAddress: '10.2.0.1' })).statusCode, 200, 'reads without credentials go on')
})

t.test('behind a trusted proxy, the client address from X-Forwarded-For is what is limited', async (t) => {
  const { app } = await build(t, { seed: false, env: { RATE_LIMIT_READS_PER_MINUTE: '1', TRUST_PROXY: '10.9.0.0/16' } })
  const via = (client: string) => app.inject({ url: '/v1/tags', remoteAddress: '10.9.0.5', headers: { 'x-forwarded-for': client } })
  t.equal((await via('203.0.113.7')).statusCode, 200)
  t.equal((await via('203.0.113.7')).statusCode, 429)
  t.equal((await via('203.0.113.8')).statusCode, 200, 'another client behind the same proxy has its own bucket')
  // An untrusted peer cannot pick its bucket by sending the header itself.
  const spoof = (client: string) => app.inject({ url: '/v1/tags', remoteAddress: '198.51.100.1', headers: { 'x-forwarded-for': client } })
  t.equal((await spoof('203.0.113.20')).statusCode, 200)
  t.equal((await spoof('203.0.113.21')).statusCode, 429)
})
