import { parse as parseContentType } from 'content-type'
import parseJson from 'secure-json-parse'
import Fastify, { type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { ContentPreparer } from './content/prepare-off-thread.js'
import type { Database } from './db/client.js'
import { serviceSecret } from './db/secrets.js'
import { feedRoutes } from './feeds/routes.js'
import { HubPublisher } from './feeds/websub.js'
import { CursorCodec } from './lib/cursor.js'
import { InvalidFieldsError, MalformedBodyError, UnsupportedMediaTypeError } from './lib/errors.js'
import { loggedError } from './lib/logged-error.js'
import { PageMetaSchema, ProblemSchema } from './lib/schemas.js'
import { HTTP_TIMEOUT_MS } from './lib/timeouts.js'
import { badlyEncodedParameter, requestValidatorCompiler } from './lib/validation.js'
import { AuthorRefSchema, AuthorSchema } from './modules/authors/schemas.js'
import { FeatureImageSchema, PostSchema, PostSummarySchema } from './modules/posts/schemas.js'
import { TagRefSchema, TagSchema } from './modules/tags/schemas.js'
import { archiveRoutes } from './modules/archive/routes.js'
import { authorRoutes } from './modules/authors/routes.js'
import { authorWriteRoutes } from './modules/authors/write-routes.js'
import { healthRoutes } from './modules/health/routes.js'
import { postRoutes } from './modules/posts/routes.js'
import { problemRoutes } from './modules/problems/routes.js'
import { resolveRoutes } from './modules/resolve/routes.js'
import { postWriteRoutes } from './modules/posts/write-routes.js'
import { siteRoutes } from './modules/site/routes.js'
import { tagRoutes } from './modules/tags/routes.js'
import { tagWriteRoutes } from './modules/tags/write-routes.js'
import { authPlugin } from './plugins/auth.js'
import { cachingPlugin } from './plugins/caching.js'
import { compressionPlugin } from './plugins/compression.js'
import { dbPlugin } from './plugins/db.js'
import { clientErrorProblem, errorsPlugin, frameworkProblem, MAX_PARAM_LENGTH, notFoundPlugin } from './plugins/errors.js'
import { metricsPlugin } from './plugins/metrics.js'
import { openapiPlugin } from './plugins/openapi.js'
import { rateLimitPlugin } from './plugins/rate-limit.js'
import { requestIdOf, requestIdPlugin } from './plugins/request-id.js'
import { corsHeaders, securityHeaders, securityPlugin } from './plugins/security.js'
import { shutdownPlugin } from './plugins/shutdown.js'

/** The charset a Content-Type names, if any (Fastify has matched its media type already). */
function charsetOf(header: string | undefined): string | undefined {
  try {
    return header ? parseContentType(header).parameters.charset : undefined
  } catch {
    return undefined
  }
}

/** Why a JSON body was refused: where the syntax broke (JSON.parse says), or the keys that poison prototypes. */
function malformedJson(error: Error): string {
  if (/forbidden prototype property/.test(error.message)) {
    return 'The body has a "__proto__" key, or a "constructor" key holding "prototype": refused, as they can poison objects; rename them'
  }
  return `The body is not valid JSON: ${error.message}`
}

export interface BuildOptions {
  /** An already open database (tests); otherwise the app opens, migrates and closes its own. */
  database?: Database
}

/** The whole service: every server option, plugin and module, in order. Tests build it the same way. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const security = securityHeaders()
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      serializers: { err: loggedError },
      // Lines for people at a terminal; JSON for everything that collects logs.
      ...(config.logPretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
    },
    // genReqId reads x-request-id itself, so that a malformed one is replaced rather than logged.
    requestIdHeader: false,
    genReqId: requestIdOf,
    trustProxy: config.trustProxy,
    bodyLimit: 1_048_576,
    connectionTimeout: HTTP_TIMEOUT_MS,
    requestTimeout: HTTP_TIMEOUT_MS,
    // Node checks for requests past that time every 30 s by default, so a client sending its headers slowly
    // held a connection up to twice as long: checked each second, it is cut when its time is up.
    http: { connectionsCheckingInterval: 1_000 },
    // No limit on how long a plugin takes to start (Fastify's default is 10 s): the database's takes as long as
    // its migrations and the backfills after them, which may rightly take minutes (an index built over a large
    // table, another replica's migration waited for, an archive's html sanitised again under new rules). Its
    // every wait for the database is bounded otherwise (the pool's connection timeout).
    pluginTimeout: 0,
    // The shutdown plugin answers those with a problem of its own.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkProblem(config.site.apiPath, (request) => ({ ...security, ...corsHeaders(config.corsOrigins, request.headers.origin) })),
    clientErrorHandler: clientErrorProblem(security),
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(requestValidatorCompiler())
  // Bodies are JSON or nothing: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain')
  // An empty body labelled JSON is no body: clients (axios, generated ones) label a DELETE's nothing so. Any
  // other body is parsed by Fastify's parser (secure-json-parse), refusing both __proto__ and constructor
  // poisoning (stricter than its default, which ignores the latter), and saying why a body is refused, which
  // Fastify's own handling does not. A compressed body is refused (RFC 9110 15.5.16) rather than read as
  // broken JSON: inflating it would let a small body past the size limit. JSON is UTF-8 (RFC 8259 8.1):
  // bytes that are not are refused, not stored as U+FFFD in place of what was meant.
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // A body sent where none is taken (a 404, a 405, OPTIONS, GET, DELETE) is ignored, not parsed: parsing
    // one nested a million deep takes half a second, and these requests need no key.
    if (request.routeOptions.schema?.body === undefined) return done(null, undefined)
    const coding = request.headers['content-encoding']
    if (coding && coding.trim().toLowerCase() !== 'identity') {
      const error = new UnsupportedMediaTypeError(`Request bodies are not decoded: send the JSON without Content-Encoding (got ${coding})`)
      return done(Object.assign(error, { unsupportedCoding: true }), undefined)
    }
    const charset = charsetOf(request.headers['content-type'])
    if (charset && !/^utf-?8$/i.test(charset)) {
      return done(new UnsupportedMediaTypeError(`JSON bodies are UTF-8 (RFC 8259): send charset=utf-8 or none (got charset=${charset})`), undefined)
    }
    let text: string
    try {
      text = utf8.decode(body as Buffer)
    } catch {
      return done(new MalformedBodyError('The body is not valid UTF-8, which JSON must be (RFC 8259)'), undefined)
    }
    if (text === '') return done(null, undefined)
    let parsed: unknown
    try {
      parsed = parseJson(text, { protoAction: 'error', constructorAction: 'error' })
    } catch (error) {
      return done(new MalformedBodyError(malformedJson(error as Error)), undefined)
    }
    return done(null, parsed)
  })

  // Registered once by $id: referenced by the routes, and named in the OpenAPI document's components.
  for (const schema of [ProblemSchema, PageMetaSchema, TagRefSchema, TagSchema, AuthorRefSchema, AuthorSchema, FeatureImageSchema, PostSummarySchema, PostSchema]) {
    app.addSchema(schema)
  }

  await app.register(errorsPlugin, { apiPath: config.site.apiPath })
  await app.register(requestIdPlugin)
  await app.register(securityPlugin, { config })
  await app.register(shutdownPlugin)
  await app.register(rateLimitPlugin, { config })
  await app.register(notFoundPlugin, { apiPath: config.site.apiPath, limit: app.rateLimit() })
  await app.register(dbPlugin, { config, database: options.database })
  // Before every other request hook that reads the query (the response cache's): a query whose
  // percent-encoding is broken is refused, as a path's is, rather than read as the literal text.
  app.addHook('preValidation', (request, _reply, done) => {
    const at = request.url.indexOf('?')
    const name = at < 0 ? undefined : badlyEncodedParameter(request.url.slice(at + 1))
    if (name === undefined) return done()
    done(new InvalidFieldsError([{ in: 'query', name: `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: 'is not percent-encoded UTF-8: each % takes two hex digits, and escaped bytes must spell UTF-8 (é is %C3%A9)' }]))
  })
  // Without CURSOR_SECRET, the database's own: every replica, and every restart, signs cursors alike (a
  // list's ETag hashes its body, nextCursor included).
  const cursors = new CursorCodec(config.cursorSecret ? Buffer.from(config.cursorSecret) : await serviceSecret(app.db, 'cursor'))
  await app.register(authPlugin)
  await app.register(cachingPlugin, { maxAge: config.cacheMaxAge, maxBytes: config.responseCacheBytes })
  // After caching, which hashes (and keeps) the uncompressed body.
  await app.register(compressionPlugin)
  await app.register(metricsPlugin, { config })
  await app.register(openapiPlugin, { config })

  // Feeds name the hub (WEBSUB_HUB): it is told which of them changed, on every change to the public content.
  if (config.websubHub && app.contentVersion) {
    const publisher = new HubPublisher(config.websubHub, config.site.apiUrl, app.db, app.log)
    app.contentVersion.onChange(() => publisher.changed())
    app.addHook('onReady', async () => publisher.start())
    app.addHook('onClose', () => publisher.close())
  }

  // Written posts' bodies are prepared in a worker thread, within a time limit (POST_RENDER_TIMEOUT_MS).
  const content = new ContentPreparer(config.postRenderTimeoutMs)
  app.addHook('onClose', () => content.close())

  await app.register(healthRoutes)
  await app.register(problemRoutes)
  // Feeds live at the root (/feed.xml, /tags/{slug}/feed.atom ...): the URLs readers expect and keep.
  await app.register(feedRoutes, { config })
  await app.register(async (v1) => {
    v1.addHook('onRoute', (route) => { route.config = { ...route.config, fromContent: true } })
    await v1.register(siteRoutes, { config })
    await v1.register(postRoutes, { config, cursors })
    await v1.register(tagRoutes, { config, cursors })
    await v1.register(authorRoutes, { config, cursors })
    await v1.register(archiveRoutes)
    await v1.register(resolveRoutes, { config })
    await v1.register(postWriteRoutes, { config, content })
    await v1.register(tagWriteRoutes(config))
    await v1.register(authorWriteRoutes(config))
  }, { prefix: '/v1' })

  return app
}
