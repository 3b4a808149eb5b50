import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { publicPath } from '../lib/urls.js'

export const API_TAGS = [
  { name: 'site', description: 'The blog itself: title, feed URLs, counts.' },
  { name: 'posts', description: 'Published posts, newest first, with filters.' },
  { name: 'tags', description: 'Tags with the number of published posts in each.' },
  { name: 'authors', description: 'Authors with their job titles and post counts.' },
  { name: 'archive', description: 'Browse the archive by month.' },
  { name: 'feeds', description: 'Full-text RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, each tag and each author, with RFC 5005 archive pages.' },
  { name: 'health', description: 'Liveness and readiness probes for operators.' },
]

type Json = Record<string, any>

const integer = { type: 'integer', minimum: 0 }
const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }

/** Response headers every route shares, named once in components/headers. */
const SHARED_HEADERS: Json = {
  ETag: { description: "The representation's validator: send it back in `If-None-Match` (reads) or `If-Match` (writes).", required: true, schema: { type: 'string' } },
  'Cache-Control': { description: 'How long caches may keep it: `public, max-age=…` (`private` with an API key); `no-store` on the health probes.', required: true, schema: { type: 'string' } },
  'Last-Modified': {
    description: 'When the resource last changed (an HTTP-date): send it back in `If-Modified-Since`. A post\'s and a feed\'s ' +
      'own; any other public read\'s is when the server learned of the last public change to the content (none with an ' +
      'API key). None in the second the date names: a later change in it would have the same one.',
    schema: { type: 'string' },
  },
  Link: { description: 'RFC 8288 links to the `first`, `prev`, `next` and `last` pages (`first` and `next` when paging by cursor).', schema: { type: 'string' } },
  'RateLimit-Limit': { description: 'Requests allowed per minute from this address (reads and writes apart), when a limit is set.', schema: integer },
  'RateLimit-Remaining': { description: 'Requests left in this minute.', schema: integer },
  'RateLimit-Reset': { description: 'Seconds until the minute ends.', schema: integer },
  'Retry-After': { description: 'Seconds to wait before trying again.', required: true, schema: integer },
  Location: { description: 'Where the resource is: the created one, or the current slug of a moved one.', required: true, schema: { type: 'string' } },
  'WWW-Authenticate': {
    description: 'How to authenticate (RFC 6750): `Bearer realm="quire"`, with `error="invalid_token"` when the key sent is not a valid one.',
    required: true,
    schema: { type: 'string' },
  },
}
const headerRefs = (...names: string[]) => Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]))
const RATE_LIMIT = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']

/** Responses every route shares, named once in components/responses. */
const SHARED_RESPONSES: Json = {
  NotModified: { description: 'Not modified: the `If-None-Match` (or `If-Modified-Since`) validators still match. The headers that guide caches come, the body does not.', headers: headerRefs('ETag', 'Last-Modified', 'Cache-Control') },
  TooManyRequests: { description: 'Too many requests from this address in this minute.', headers: headerRefs('Retry-After', ...RATE_LIMIT), content: problem },
  UriTooLong: { description: 'A path segment (a slug) is longer than 200 characters.', content: problem },
  PreconditionFailed: { description: 'Precondition failed: the representation is not the one `If-Match` names, or changed after `If-Unmodified-Since`.', content: problem },
  Unavailable: { description: 'Unavailable for now (the database is unreachable or busy, a write kept colliding with concurrent ones, or this instance is shutting down): send the request again after `Retry-After` seconds.', headers: headerRefs('Retry-After'), content: problem },
}

/**
 * What every operation shares, added to the generated document in one place rather than written on each
 * route: a GET's 200 carries `ETag`, `Last-Modified` (not the health probes') and `Cache-Control` (and
 * `Link` on a list), a 304 answers matching validators and a 412 failing preconditions; a PATCH's 200
 * carries `ETag`, and a 201 `Location` and `ETag`; a 401 says how to authenticate (`WWW-Authenticate`); a
 * path parameter may be too long (414); every route but the health probes is rate-limited (429, and the RateLimit headers); every route may answer 503
 * (the database is unreachable or busy, a write kept colliding with concurrent ones, or the instance is shutting
 * down); an operation naming no security needs none (`security: []`). What a route declares itself stands.
 */
function withSharedResponses(document: Json): Json {
  document.components = { ...document.components, headers: SHARED_HEADERS, responses: SHARED_RESPONSES }
  for (const operations of Object.values(document.paths ?? {}) as Json[]) {
    for (const [method, operation] of Object.entries(operations) as [string, Json][]) {
      const responses = operation.responses as Json
      const probe = (operation.tags as string[] | undefined)?.includes('health')
      if (method === 'get' && responses[200]) {
        const list = (operation.parameters as Json[] | undefined)?.some((p) => p.in === 'query' && p.name === 'page')
        const shared = headerRefs('ETag', ...(probe ? [] : ['Last-Modified']), 'Cache-Control', ...(list ? ['Link'] : []), ...(probe ? [] : RATE_LIMIT))
        responses[200] = { ...responses[200], headers: { ...shared, ...responses[200].headers } }
        responses[304] ??= { $ref: '#/components/responses/NotModified' }
        if (!probe) responses[412] ??= { $ref: '#/components/responses/PreconditionFailed' }
      }
      // A created resource's Location and ETag (which an If-Match may send back); a moved one's Location.
      if (responses[201]) responses[201] = { ...responses[201], headers: { ...headerRefs('Location', 'ETag'), ...responses[201].headers } }
      if (responses[301]) responses[301] = { ...responses[301], headers: { ...headerRefs('Location'), ...responses[301].headers } }
      // A change answers with the resource as it now is, and the ETag a next If-Match sends back.
      if (method === 'patch' && responses[200]) responses[200] = { ...responses[200], headers: { ...headerRefs('ETag'), ...responses[200].headers } }
      if (responses[401]) responses[401] = { ...responses[401], headers: { ...headerRefs('WWW-Authenticate'), ...responses[401].headers } }
      if ((operation.parameters as Json[] | undefined)?.some((p) => p.in === 'path')) responses[414] ??= { $ref: '#/components/responses/UriTooLong' }
      if (!probe) responses[429] ??= { $ref: '#/components/responses/TooManyRequests' }
      // A route's own 503 (the readiness probe's) says when to try again as well.
      responses[503] = responses[503]
        ? { ...responses[503], headers: { ...headerRefs('Retry-After'), ...responses[503].headers } }
        : { $ref: '#/components/responses/Unavailable' }
      // An operation that names no security needs none (feeds, probes): said, as linters ask, not left implied.
      operation.security ??= []
      // In the order of their codes, as a reader looks for them.
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)))
    }
  }
  return document
}

/**
 * The OpenAPI 3.1 document, built from every route's TypeBox schemas (which also validate requests and
 * serialise responses), served at /openapi.json and rendered at /docs.
 */
export const openapiPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Quire Content API',
          version: '1.0.0',
          description:
            `A headless content API for ${config.site.title}: published posts, tags, authors and the archive as JSON. ` +
            'Lists are paged (`page`, `limit`) and answer a `Link` header; every GET carries an `ETag` and answers ' +
            '`304 Not Modified` to a matching `If-None-Match`; every error is RFC 9457 `application/problem+json`.',
          license: { name: 'MIT', identifier: 'MIT' },
        },
        // Relative, so resolved against where the document is read: below API_URL's path, behind a proxy.
        servers: [{ url: config.site.apiPath || '/', description: 'This server' }],
        tags: API_TAGS,
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description: 'An API key from `npm run apikey -- create --name NAME`. Writes need one; reads never do.',
            },
          },
        },
      },
      // Shared schemas registered with `$id` (Problem, PageMeta) become components/schemas under that name.
      refResolver: { buildLocalReference: (json, _baseUri, fragment, i) => String(json.$id ?? `${fragment}-${i}`) },
      transformObject: (generated) => withSharedResponses((generated as { openapiObject: Json }).openapiObject),
    })
    await app.register(async (docs) => {
      // Its redirect (/docs/static/index.html to /docs/) is path-absolute too: below API_URL's path.
      const { apiPath } = config.site
      if (apiPath) {
        docs.addHook('onSend', (_request, reply, payload, done) => {
          const location = reply.getHeader('location')
          if (typeof location === 'string' && location.startsWith('/')) reply.header('location', publicPath(apiPath, location))
          done(null, payload)
        })
      }
      await docs.register(swaggerUi, {
        routePrefix: '/docs',
        // The page's links to its scripts and styles are path-absolute: below API_URL's path (see publicPath).
        ...(apiPath ? { indexPrefix: apiPath } : {}),
        uiConfig: { deepLinking: true },
        staticCSP: true,
        // Without upgrade-insecure-requests: served over plain HTTP (`docker compose up`, opened from another
        // machine), a browser would fetch the page's scripts over https and render nothing. (Over HTTPS, the
        // HSTS header every response carries keeps the browser there.)
        transformStaticCSP: (csp) => csp.replace(/\s*upgrade-insecure-requests;?/, ''),
      })
    })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'openapi' },
)
