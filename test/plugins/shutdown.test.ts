import { once } from 'node:events'
import net, { type AddressInfo } from 'node:net'
import t from 'tap'
import { eq } from 'drizzle-orm'
import { tags } from '../../src/db/schema.js'
import { build } from '../helper.js'
import { authHeaders } from '../support/auth.js'
import { responseValidator } from '../support/openapi.js'

const check = responseValidator()

/**
 * A request sent across the start of the server's close: `before` is written, then close() starts, then
 * `after`. With the head cut before its blank line, the request arrives during the close (the connection
 * is busy, not idle, so it is not closed under it); with the whole head and part of the body, the request
 * is in flight. Answers the raw response once the server has closed the connection.
 */
async function requestAcrossClose(app: Awaited<ReturnType<typeof build>>['app'], before: string, after: string): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const socket = net.connect((app.server.address() as AddressInfo).port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
  socket.write(before)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const closed = app.close()
  await new Promise((resolve) => setTimeout(resolve, 100))
  socket.write(after)
  // Not the keep-alive timeout (72 s): a server draining for a deploy lets go of each connection once its
  // response is sent.
  const ended = await Promise.race([once(socket, 'close').then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 5000))])
  if (!ended) socket.destroy()
  await closed
  return ended ? received : `${received}\n(the server kept the connection open)`
}

function parse(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}

t.test('a request arriving while the server shuts down gets a 503 problem with Retry-After, and its route does not run', async (t) => {
  const { app, database } = await build(t, { seed: false })
  const { authorization } = await authHeaders(database.db)
  const body = JSON.stringify({ name: 'Late arrival' })
  const raw = await requestAcrossClose(
    app,
    `POST /v1/tags HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: late-1\r\n`,
    `\r\n${body}`,
  )
  const res = parse(raw)
  t.equal(res.status, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(res.headers['retry-after'], '1')
  t.equal(res.headers.connection, 'close')
  t.equal(res.headers['x-request-id'], 'late-1')
  t.equal(res.headers['x-content-type-options'], 'nosniff', 'with the headers every response carries')
  t.match(JSON.parse(res.body), { type: '/problems/shutting-down', title: 'Service unavailable', status: 503, instance: '/v1/tags', requestId: 'late-1' })
  t.same(await database.db.select().from(tags).where(eq(tags.name, 'Late arrival')), [], 'the write was not made')
  t.same(check('POST', '/v1/tags', res.status, res.headers['content-type'], res.body, res.headers), [], 'as the OpenAPI document declares')
})

t.test('the readiness probe says so too, with the problem its 503 declares beside the checks', async (t) => {
  const { app } = await build(t, { seed: false })
  const res = parse(await requestAcrossClose(app, 'GET /readyz HTTP/1.1\r\nHost: localhost\r\n', '\r\n'))
  t.equal(res.status, 503)
  t.match(JSON.parse(res.body), { type: '/problems/shutting-down', status: 503 })
  t.same(check('GET', '/readyz', res.status, res.headers['content-type'], res.body, res.headers), [])
})

t.test('a request in flight when the close begins is answered, then its connection is closed', async (t) => {
  const { app, database } = await build(t, { seed: false })
  const { authorization } = await authHeaders(database.db)
  const body = JSON.stringify({ name: 'In flight' })
  const head = `POST /v1/tags HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`
  const raw = await requestAcrossClose(app, `${head}${body.slice(0, 5)}`, body.slice(5))
  const res = parse(raw)
  t.equal(res.status, 201, 'the write is made')
  t.equal(res.headers.connection, 'close')
  t.notMatch(raw, /kept the connection open/)
  t.equal((await database.db.select().from(tags).where(eq(tags.name, 'In flight'))).length, 1)
})

t.test('a browser may read the 503: it carries the CORS headers', async (t) => {
  const { app } = await build(t, { seed: false, env: { CORS_ORIGINS: 'https://app.example.com' } })
  const res = parse(await requestAcrossClose(app, 'GET /v1/posts HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example.com\r\n', '\r\n'))
  t.equal(res.status, 503)
  t.equal(res.headers['access-control-allow-origin'], 'https://app.example.com')
  t.match(res.headers['access-control-expose-headers'], /Retry-After/)
})
