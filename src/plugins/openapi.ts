import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'

export const API_TAGS = [
  { name: 'site', description: 'The blog itself: title, feed URLs, counts.' },
  { name: 'posts', description: 'Published posts, newest first, with filters.' },
  { name: 'tags', description: 'Tags with the number of published posts in each.' },
  { name: 'authors', description: 'Authors with their job titles and post counts.' },
  { name: 'archive', description: 'Browse the archive by month.' },
  { name: 'feeds', description: 'Full-text RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, each tag and each author, with RFC 5005 archive pages.' },
  { name: 'health', description: 'Liveness and readiness probes for operators.' },
]

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
        servers: [{ url: '/', description: 'This server' }],
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
    })
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { deepLinking: true },
      staticCSP: true,
      // Without upgrade-insecure-requests: served over plain HTTP (`docker compose up`, opened from another
      // machine), a browser would fetch the page's scripts over https and render nothing. TLS belongs to the
      // proxy in front, which sets HSTS.
      transformStaticCSP: (csp) => csp.replace(/\s*upgrade-insecure-requests;?/, ''),
    })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'openapi' },
)
