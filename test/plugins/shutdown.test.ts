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
 * A request that arrives while the server closes: its head is sent up to the blank line before close()
 * starts (so the connection is busy, not idle, and is not closed under it), and the blank line after.
 * Answers the raw response.
 */
async function requestDuringClose(app: Awaited<ReturnType<typeof build>>['app'], head: string, body = ''): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const socket = net.connect((app.server.address() as AddressInfo).port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
  socket.write(head)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const closed = app.close()
  await new Promise((resolve) => setTimeout(resolve, 100))
  socket.write(`\r\n${body}`)
  await once(socket, 'close')
  await closed
  return received
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
  const raw = await requestDuringClose(
    app,
    `POST /v1/tags HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: late-1\r\n`,
    body,
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
  const res = parse(await requestDuringClose(app, 'GET /readyz HTTP/1.1\r\nHost: localhost\r\n'))
  t.equal(res.status, 503)
  t.match(JSON.parse(res.body), { type: '/problems/shutting-down', status: 503 })
  t.same(check('GET', '/readyz', res.status, res.headers['content-type'], res.body, res.headers), [])
})
