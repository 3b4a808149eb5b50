import fp from 'fastify-plugin'
import { ShuttingDownError } from '../lib/errors.js'

/** Seconds a client is asked to wait before sending again: enough for a load balancer to move on. */
const RETRY_AFTER_SECONDS = '1'

/**
 * While the server closes (SIGTERM, a deploy), requests in flight finish, and those that still arrive on
 * connections already open are answered at once with a 503 problem (`/problems/shutting-down`) and
 * `Retry-After`, without running their route: a client or load balancer sends them again, to another
 * instance or to this one restarted. Fastify's own answer (return503OnClosing, turned off in app.ts) is
 * plain JSON without the headers every response carries. Fastify adds `Connection: close` itself.
 */
export const shutdownPlugin = fp(
  async (app) => {
    let closing = false
    app.addHook('preClose', (done) => {
      closing = true
      done()
    })
    // After the request id's hook, so that the 503 says which request it answered.
    app.addHook('onRequest', (_request, reply, done) => {
      if (!closing) return done()
      reply.header('retry-after', RETRY_AFTER_SECONDS)
      done(new ShuttingDownError())
    })
  },
  { name: 'shutdown', dependencies: ['request-id'] },
)
