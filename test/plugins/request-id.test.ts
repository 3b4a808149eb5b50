import t from 'tap'
import { build } from '../helper.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('request ids', async (t) => {
  const { app } = await build(t, { seed: false })

  t.test('an incoming x-request-id is returned and is the problem body\'s requestId', async (t) => {
    const ok = await app.inject({ url: '/v1/tags', headers: { 'x-request-id': 'edge-7f3a:42' } })
    t.equal(ok.headers['x-request-id'], 'edge-7f3a:42')
    const problem = await app.inject({ url: '/v1/tags/NOT_A_SLUG', headers: { 'x-request-id': 'trace-me-123' } })
    t.equal(problem.statusCode, 404)
    t.equal(problem.headers['x-request-id'], 'trace-me-123')
    t.equal(problem.json().requestId, 'trace-me-123')
  })

  t.test('without one, every response gets a fresh UUID, 404s included', async (t) => {
    const a = await app.inject('/v1/tags')
    const b = await app.inject('/nowhere')
    t.match(a.headers['x-request-id'], UUID)
    t.match(b.headers['x-request-id'], UUID)
    t.not(a.headers['x-request-id'], b.headers['x-request-id'])
    t.equal(b.json().requestId, b.headers['x-request-id'])
  })

  t.test('a malformed or oversized id is replaced rather than logged verbatim', async (t) => {
    for (const bad of ['has spaces in it', 'x'.repeat(129), 'semi;colon', '<script>']) {
      const res = await app.inject({ url: '/v1/tags', headers: { 'x-request-id': bad } })
      t.match(res.headers['x-request-id'], UUID, JSON.stringify(bad.slice(0, 20)))
    }
  })
})
