import cors from '@fastify/cors'
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { allowedMethods } from './errors.js'

/** Response headers a browser script may read across origins, beyond the CORS-safelisted ones. */
export const EXPOSED_HEADERS = [
  'ETag',
  'Link',
  'Location',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'WWW-Authenticate',
  'x-request-id',
]

const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  // Cross-Origin-Opener-Policy only concerns documents that open windows: /docs at most.
  referrerPolicy: { policy: 'no-referrer' },
  frameguard: { action: 'deny' },
}

/**
 * The headers helmet sets with these options, asked of it once. With no per-request directive (nonces),
 * they are the same for every response, and helmet's middleware would work them out again for each one
 * (parsing the CSP included): a quarter of the time of a cached 304.
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] },
  }
  let done = false
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error
    done = true
  })
  if (!done) throw new Error('helmet did not set its headers synchronously')
  return headers
}

/**
 * The CORS headers of a simple response to a request from `origin`, as the CORS plugin sets them, for the
 * responses it never sees (see frameworkProblem): none unless the origin is allowed.
 */
export function corsHeaders(allowed: string[], origin: string | undefined): Record<string, string> {
  if (!origin || !(allowed.includes('*') || allowed.includes(origin))) return {}
  const exposed = { 'access-control-expose-headers': EXPOSED_HEADERS.join(', ') }
  return allowed.includes('*') ? { 'access-control-allow-origin': '*', ...exposed } : { 'access-control-allow-origin': origin, vary: 'Origin', ...exposed }
}

/**
 * Security headers for a JSON API (helmet) and CORS for the origins in CORS_ORIGINS.
 *
 * The CSP is the one OWASP suggests for APIs, `default-src 'none'; frame-ancestors 'none'`: a JSON or XML
 * body opened in a browser runs nothing and cannot be framed. /docs (swagger-ui, HTML) sets its own CSP,
 * which replaces this one on its routes. Cross-Origin-Resource-Policy is `cross-origin` because the content
 * is public and meant to be read from other sites; which sites may read it from scripts is CORS's job.
 */
export const securityPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const headers = Object.entries(securityHeaders())
    // As every response (errors, 404s, 429s) is sent, keeping any a route set itself (/docs sets its own
    // CSP). Not on a 304: it has no body to protect, and the client keeps the 200's (see trimNotModified in
    // the caching plugin, which takes them off a 200 that turns into a 304 after this hook).
    app.addHook('onSend', (request, reply, payload, done) => {
      if (reply.statusCode !== 304) {
        for (const [name, value] of headers) if (!reply.hasHeader(name)) reply.header(name, value)
      }
      // An OPTIONS answered (a CORS preflight or not) says what the path takes (RFC 9110 9.3.7).
      if (request.method === 'OPTIONS' && reply.statusCode === 204) {
        const allowed = allowedMethods(app, request.url.split('?')[0]!)
        if (allowed.length > 0) reply.header('allow', allowed.join(', '))
      }
      done(null, payload)
    })

    const origins = config.corsOrigins
    await app.register(cors, {
      // `*` lets any site read the public content; credentials are never needed (keys travel in a header).
      origin: origins.includes('*') ? '*' : origins.length > 0 ? origins : false,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      // Whatever headers the preflight names are allowed (the plugin echoes them, with Vary): no credentials
      // ever travel in cookies, and a fixed list refused what monitoring SDKs add to every fetch (`traceparent`,
      // `sentry-trace`, `baggage`), failing the request itself.
      exposedHeaders: EXPOSED_HEADERS,
      // Browsers cache a preflight for at most 2 hours (Chromium) anyway; 10 minutes spares most of them.
      maxAge: 600,
      // An OPTIONS without the preflight headers is answered like one (204) rather than with a text/plain 400.
      strictPreflight: false,
    })
  },
  { name: 'security' },
)
