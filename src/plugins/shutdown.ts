import fp from 'fastify-plugin'
import { ShuttingDownError } from '../lib/errors.js'

/** How often connections that have gone idle since the close began are closed. */
const REAP_IDLE_MS = 100

/**
 * While the server closes (SIGTERM, a deploy), requests in flight finish, and those that still arrive on
 * connections already open are answered at once with a 503 problem (`/problems/shutting-down`) and
 * `Retry-After`, without running their route: a client or load balancer sends them again, to another
 * instance or to this one restarted. Fastify's own answer (return503OnClosing, turned off in app.ts) is
 * plain JSON without the headers every response carries.
 *
 * Every response sent meanwhile says `Connection: close`, and connections are closed as soon as they are
 * idle: server.close() closes only those idle when it is called, and one busy then would otherwise stay
 * open for the keep-alive timeout (72 s), past the grace period an orchestrator allows.
 */
export const shutdownPlugin = fp(
  async (app) => {
    let closing = false
    let reaper: NodeJS.Timeout | undefined
    app.addHook('preClose', (done) => {
      closing = true
      reaper = setInterval(() => app.server.closeIdleConnections(), REAP_IDLE_MS).unref()
      done()
    })
    app.addHook('onClose', (_app, done) => {
      clearInterval(reaper)
      done()
    })
    // After the request id's and CORS's hooks, so that the 503 says which request it answered and a
    // browser may read it. The problem carries its Retry-After (lib/errors.ts).
    app.addHook('onRequest', (_request, _reply, done) => {
      if (!closing) return done()
      done(new ShuttingDownError())
    })
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close')
      done(null, payload)
    })
  },
  { name: 'shutdown', dependencies: ['request-id', 'security'] },
)
