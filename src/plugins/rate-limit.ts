import rateLimit, { normalizeIP } from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest, onRequestHookHandler, onResponseHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { TooManyRequestsError } from '../lib/errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by the rate-limit plugin on routes whose methods have a limit of 0: no limiter runs for them. */
    noLimitSet?: boolean
  }
}

const MINUTE = 60_000
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const isWrite = (request: FastifyRequest) => !READ_METHODS.has(request.method)
// Routes that said `rateLimit: false` themselves, not for want of a limit.
const optedOut = (request: FastifyRequest) => request.routeOptions.config?.rateLimit === false && !request.routeOptions.config.noLimitSet
// An IPv6 client usually holds a whole /64: keyed per address, it could rotate past any limit.
const clientOf = (request: FastifyRequest) => normalizeIP(request.ip, 64)

/**
 * Per client address and minute: reads and writes in separate buckets (a burst of reads never blocks a
 * publishing pipeline's writes, and the other way round), and failed authentication in a third, smaller
 * one. A 429 is problem+json with `Retry-After`; every limited response carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (draft-ietf-httpapi-ratelimit-headers). Health probes and
 * /metrics opt out with `config: { rateLimit: false }`.
 *
 * The counters live in this process: with several replicas each counts alone (give @fastify/rate-limit a
 * Redis store to share them). Behind a proxy, TRUST_PROXY makes `request.ip` the client's, not the proxy's.
 */
export const rateLimitPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const { readsPerMinute, writesPerMinute, authFailuresPerMinute } = config.rateLimit
    const limitOf = (request: FastifyRequest) => (isWrite(request) ? writesPerMinute : readsPerMinute)
    const limitedMethod = (method: string) => (READ_METHODS.has(method) ? readsPerMinute : writesPerMinute) > 0

    // A limit of 0 is no limit: routes whose methods all have none get no limiter hook at all, rather than
    // one that costs a promise per request to let it through. Set before the limiter's own onRoute hook
    // reads it; routes that opted out themselves (health probes, /metrics) stay as they are.
    app.addHook('onRoute', (route) => {
      if (route.config?.rateLimit === undefined && ![route.method].flat().some(limitedMethod)) {
        route.config = { ...route.config, rateLimit: false, noLimitSet: true }
      }
    })
    await app.register(rateLimit, {
      global: true,
      enableDraftSpec: true,
      timeWindow: MINUTE,
      max: (request) => limitOf(request),
      keyGenerator: (request) => `${isWrite(request) ? 'write' : 'read'} ${clientOf(request)}`,
      allowList: (request) => limitOf(request) === 0,
      errorResponseBuilder: (_request, context) => new TooManyRequestsError(context.after),
    })

    if (authFailuresPerMinute === 0) return
    // A request that presents credentials and is refused (401) counts here. Once an address has used up its
    // failures, any request from it that presents credentials is refused before they are checked: guessing
    // a key gets a 429 after a handful of tries, however good the guesses.
    const failures = app.createRateLimit({
      max: authFailuresPerMinute,
      timeWindow: MINUTE,
      keyGenerator: (request) => `auth-failure ${clientOf(request)}`,
      // Not the reads' and writes' (a limit of 0 allows all), which it would inherit: guessing keys with
      // GETs counts even when reads are not limited.
      allowList: () => false,
    })

    const refuseIfFailedTooOften = async (request: FastifyRequest, reply: FastifyReply) => {
      const state = await failures(request, { increment: false })
      if (state.isAllowed || state.remaining > 0) return
      reply
        .header('ratelimit-limit', state.max)
        .header('ratelimit-remaining', 0)
        .header('ratelimit-reset', state.ttlInSeconds)
        .header('retry-after', state.ttlInSeconds)
      throw new TooManyRequestsError(`${state.ttlInSeconds} seconds`)
    }
    // Most requests present no credentials and pass at once (done), without a promise; those that do return
    // one, which Fastify handles as an async hook's. Health probes and /metrics are never limited.
    app.addHook('onRequest', ((request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (request.headers.authorization === undefined || optedOut(request)) return done()
      return refuseIfFailedTooOften(request, reply)
    }) as onRequestHookHandler)

    app.addHook('onResponse', ((request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (reply.statusCode !== 401 || request.headers.authorization === undefined) return done()
      return failures(request).then(() => undefined)
    }) as onResponseHookHandler)
  },
  { name: 'rate-limit' },
)
