import { timingSafeEqual, createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Config } from '../config.js'
import { UnauthorizedError } from '../lib/errors.js'

// Latencies from a cached 304 (a millisecond) to a cold archive feed (a second or more).
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
  const digest = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/**
 * Prometheus metrics at GET /metrics (prom-client): requests counted and timed by method, route template
 * (`/v1/posts/:slug`, never the raw URL, so the series stay few) and status; the PostgreSQL pool's
 * connections; and the process's own (CPU, memory, event loop lag, GC, handles). Each app has its own
 * registry, so apps built side by side (tests) never share series.
 *
 * The endpoint is open unless METRICS_TOKEN is set: Prometheus usually scrapes over a private network, and
 * the numbers reveal traffic, not content. Exposed to the internet, set the token (or keep /metrics off the
 * proxy). It is not in the OpenAPI document: it is for operators, not API clients.
 */
export const metricsPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    const labelNames = ['method', 'route', 'status_code'] as const
    const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames, registers: [registry] })
    const durations = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to sending the last byte of its response',
      labelNames,
      buckets: BUCKETS,
      registers: [registry],
    })

    const { database } = app
    if (database.kind === 'postgres') {
      const { pool } = database
      const gauge = (name: string, help: string, read: () => number) =>
        new Gauge({ name, help, registers: [registry], collect() { this.set(read()) } })
      gauge('db_pool_connections', 'Connections the pool holds open, busy or idle', () => pool.totalCount)
      gauge('db_pool_idle_connections', 'Open connections waiting for a query', () => pool.idleCount)
      gauge('db_pool_waiting_requests', 'Queries waiting for a connection because all are busy', () => pool.waitingCount)
      gauge('db_pool_max_connections', 'The most connections the pool opens', () => pool.options.max ?? 10)
    }

    app.addHook('onResponse', (request, reply, done) => {
      // No route matched (a 404): one series for all of them, whatever the URL.
      const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }
      requests.inc(labels)
      durations.observe(labels, reply.elapsedTime / 1000)
      done()
    })

    app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false, cache: false } }, async (request, reply) => {
      if (config.metricsToken !== undefined) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
        if (!match || !sameSecret(match[1]!, config.metricsToken)) {
          reply.header('www-authenticate', 'Bearer realm="metrics"')
          throw new UnauthorizedError('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>')
        }
      }
      return reply.header('cache-control', 'no-store').type(registry.contentType).send(await registry.metrics())
    })
  },
  { name: 'metrics', dependencies: ['db'] },
)
