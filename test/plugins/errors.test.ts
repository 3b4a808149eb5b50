import t from 'tap'
import { build } from '../helper.js'

t.test('errors are RFC 9457 problem+json', async (t) => {
  const { app } = await build(t, { seed: false })

  t.test('an unknown route answers 404 problem+json', async (t) => {
    const res = await app.inject('/v2/nothing?x=1')
    t.equal(res.statusCode, 404)
    t.match(res.headers['content-type'], /^application\/problem\+json; charset=utf-8/)
    t.match(res.json(), { type: '/problems/not-found', title: 'Resource not found', status: 404, detail: 'No resource at GET /v2/nothing', instance: '/v2/nothing', requestId: String })
  })

  t.test('an unsupported method answers a 4xx problem, never a 500', async (t) => {
    const res = await app.inject({ method: 'DELETE', url: '/v1/site' })
    t.equal(res.statusCode, 404)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
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

  t.test('an over-long slug is a 400, not a 500', async (t) => {
    const res = await app.inject(`/v1/posts/${'a'.repeat(121)}`)
    t.equal(res.statusCode, 400)
  })
})
