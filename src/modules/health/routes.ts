import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyBaseLogger } from 'fastify'
import { Type } from 'typebox'
import { pendingMigrations } from '../../db/migrate.js'
import { DATABASE_RETRY_AFTER_SECONDS } from '../../lib/errors.js'
import { ProblemRef } from '../../lib/schemas.js'
import { READINESS_TIMEOUT_MS } from '../../lib/timeouts.js'
import { pingDatabase } from './queries.js'

const HealthSchema = Type.Object({
  status: Type.String({ examples: ['ok'] }),
  checks: Type.Optional(Type.Object({ database: Type.String(), migrations: Type.String() })),
}, { description: 'The service is up; for readiness, `checks` says what was looked at.' })

/** Liveness (the process answers) and readiness (the database answers and its schema is current). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const noStore = { 'cache-control': 'no-store' }

  let inFlight: Promise<{ database: string; migrations: string }> | undefined
  const check = async (log: FastifyBaseLogger) => {
    try {
      await pingDatabase(app.db)
      const pending = await pendingMigrations(app.database)
      return { database: 'ok', migrations: pending === 0 ? 'ok' : `${pending} pending` }
    } catch (error) {
      log.warn({ err: error }, 'readiness check failed')
      return { database: 'unreachable', migrations: 'unknown' }
    }
  }

  // Probes are never rate limited (an orchestrator polling them must not get the service restarted) and
  // never cached (they must ask the database each time).
  const config = { rateLimit: false as const, cache: false }

  app.get('/healthz', {
    config,
    schema: { tags: ['health'], operationId: 'getLiveness', summary: 'Liveness probe', response: { 200: HealthSchema } },
  }, async (_request, reply) => reply.headers(noStore).send({ status: 'ok' }))

  app.get('/readyz', {
    config,
    schema: {
      tags: ['health'],
      operationId: 'getReadiness',
      summary: 'Readiness probe: database reachable, migrations applied',
      response: {
        200: HealthSchema,
        503: {
          description: 'Not ready: `checks` says why. While the instance shuts down, a problem (`/problems/shutting-down`) instead.',
          content: { 'application/json': { schema: HealthSchema }, 'application/problem+json': { schema: ProblemRef } },
        },
      },
    },
  }, async (request, reply) => {
    // Requests that arrive while a check runs share it: the probe is not rate limited, and a flood of them
    // must not become a flood of queries. None is answered from an earlier check.
    inFlight ??= check(request.log).finally(() => { inFlight = undefined })
    // A database that stopped answering without closing its connections holds a check until the query
    // timeout: the probe answers meanwhile.
    const timeout = new AbortController()
    const { database, migrations } = await Promise.race([
      inFlight,
      sleep(READINESS_TIMEOUT_MS, { database: `no answer within ${READINESS_TIMEOUT_MS / 1000} s`, migrations: 'unknown' }, { signal: timeout.signal }),
    ]).finally(() => timeout.abort())
    const ready = database === 'ok' && migrations === 'ok'
    if (!ready) reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
    return reply.code(ready ? 200 : 503).headers(noStore).send({ status: ready ? 'ok' : 'unavailable', checks: { database, migrations } })
  })
}
