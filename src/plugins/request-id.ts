import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'

// What a tracing header from a proxy or a client looks like (UUIDs, W3C trace ids, `trace-me-123`). Anything
// else, a 10 kB value or one with spaces or control characters, would end up verbatim in every log line.
const ACCEPTABLE_ID = /^[\w.:@/+=-]{1,128}$/

/**
 * Fastify's `genReqId`: the caller's `x-request-id` when it looks like an id, so a request can be followed
 * through a proxy's logs and ours; a fresh UUID otherwise.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && ACCEPTABLE_ID.test(given) ? given : randomUUID()
}

/**
 * Every response says which request it answered in `x-request-id`, the id every log line of that request and
 * every problem body carry. Set on arrival, so errors, 404s and 429s carry it too.
 */
export const requestIdPlugin = fp(
  async (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id)
      done()
    })
  },
  { name: 'request-id' },
)
