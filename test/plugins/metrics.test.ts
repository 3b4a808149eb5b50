import t from 'tap'
import { build } from '../helper.js'

/** The value of one sample of the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const have = (match[2] ?? '').split(',')
    if (wanted.every((w) => have.includes(w))) return Number(match[3])
  }
  return undefined
}

t.test('GET /metrics', async (t) => {
  const { app, database } = await build(t)
  for (const slug of ['slos-for-internal-platforms', 'cell-based-architecture-routing-engine', 'no-such-post']) await app.inject(`/v1/posts/${slug}`)
  await app.inject('/v1/posts')
  await app.inject('/wp-login.php')
  await app.inject('/also/not/here?x=1')

  const res = await app.inject('/metrics')
  const text = res.body

  t.test('is Prometheus text, never cached', async (t) => {
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
    t.equal(res.headers['cache-control'], 'no-store')
    t.match(text, /^# HELP http_requests_total /m)
    t.match(text, /^# TYPE http_request_duration_seconds histogram$/m)
  })

  t.test('counts requests by method, route template and status', async (t) => {
    t.equal(sample(text, 'http_requests_total', { method: 'GET', route: '/v1/posts/:idOrSlug', status_code: '200' }), 2)
    t.equal(sample(text, 'http_requests_total', { method: 'GET', route: '/v1/posts/:idOrSlug', status_code: '404' }), 1)
    t.equal(sample(text, 'http_requests_total', { method: 'GET', route: '/v1/posts', status_code: '200' }), 1)
    t.equal(sample(text, 'http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' }), 2, 'unknown URLs share one series')
    t.notMatch(text, /slos-for-internal-platforms|wp-login|also\/not/, 'no raw URL becomes a label')
  })

  t.test('times them in a histogram', async (t) => {
    const labels = { method: 'GET', route: '/v1/posts/:idOrSlug', status_code: '200' }
    t.equal(sample(text, 'http_request_duration_seconds_count', labels), 2)
    t.ok(sample(text, 'http_request_duration_seconds_sum', labels)! > 0)
    t.equal(sample(text, 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), 2)
  })

  t.test('every scrape counts anew: never answered from the response cache', async (t) => {
    const scrapes: (number | undefined)[] = []
    for (let i = 0; i < 3; i++) {
      await app.inject('/v1/posts')
      scrapes.push(sample((await app.inject('/metrics')).body, 'http_requests_total', { method: 'GET', route: '/v1/posts', status_code: '200' }))
    }
    t.same(scrapes, [2, 3, 4])
  })

  t.test('has the process metrics', async (t) => {
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      t.ok(sample(text, name) !== undefined, name)
    }
  })

  t.test('reports the PostgreSQL pool when there is one', async (t) => {
    if (database.kind !== 'postgres') {
      t.equal(sample(text, 'db_pool_connections'), undefined, 'embedded PGlite has no pool')
      return
    }
    t.ok(sample(text, 'db_pool_connections')! >= 1, 'the pool has opened connections')
    t.ok(sample(text, 'db_pool_idle_connections')! >= 0)
    t.equal(sample(text, 'db_pool_waiting_requests'), 0)
    t.equal(sample(text, 'db_pool_max_connections'), 10)
  })

  t.test('is not in the OpenAPI document and never rate limited', async (t) => {
    const doc = (await app.inject('/openapi.json')).json()
    t.notOk(doc.paths['/metrics'])
    t.notOk(res.headers['ratelimit-limit'])
  })
})

t.test('with METRICS_TOKEN, /metrics needs it', async (t) => {
  const token = 'scrape-4f9a8b7c6d5e'
  const { app } = await build(t, { seed: false, env: { METRICS_TOKEN: token } })
  const none = await app.inject('/metrics')
  t.equal(none.statusCode, 401)
  t.match(none.headers['content-type'], /problem\+json/)
  t.match(none.headers['www-authenticate'], /^Bearer/)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-000000' } })).statusCode, 401)
  const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })
  t.equal(ok.statusCode, 200)
  t.match(ok.body, /http_requests_total\{method="GET",route="\/metrics",status_code="401"\} 2/)
})
