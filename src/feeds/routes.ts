import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import { serviceUuid, settingsSince } from '../db/secrets.js'
import { NotFoundError } from '../lib/errors.js'
import { SlugParamsSchema } from '../lib/schemas.js'
import { movedOrNotFound } from '../modules/slugs/moved.js'
import { dateResponse, isFresh } from '../plugins/caching.js'
import { renderAtom } from './atom.js'
import type { FeedModel } from './build-feed.js'
import { archivePageCount, FEED_FILES, FEED_FORMATS, feedLinks, type FeedFormat } from './feed-urls.js'
import { renderJsonFeed } from './json-feed.js'
import { feedValidators, findFeedScope, loadFeed, readFeedState, type FeedKind } from './load-feed.js'
import { renderRss } from './rss.js'
import { FEED_CONTENT_TYPES, FeedQuerySchema, feedResponses } from './schemas.js'

const RENDER: Record<FeedFormat, (model: FeedModel) => unknown> = { rss: renderRss, atom: renderAtom, json: renderJsonFeed }

/**
 * The version of how a feed document is made from its rows (buildFeed, then RENDER), part of every feed's
 * ETag: a deploy that changes a feed's document (a field added, a library's output) with no write to the
 * content then reaches readers polling with If-None-Match, rather than a 304 until one of the feed's posts
 * changes. test/feeds/build-feed.test.ts pins the documents of this version made from fixed rows, and fails
 * on a change that does not come with a new one.
 */
export const FEED_RENDERING_VERSION = 2

/** What drizzle/0014_site_feed_id.sql stores as the site feed's id where the feed was named by its URL. */
const NAMED_BY_URL = 'feed-url'
const FORMAT_NAMES: Record<FeedFormat, string> = { rss: 'Rss', atom: 'Atom', json: 'Json' }
const STANDARDS: Record<FeedFormat, string> = { rss: 'RSS 2.0 feed', atom: 'Atom 1.0 feed', json: 'JSON Feed 1.1' }
/**
 * A feed's key in the response cache: its path and archive page, the only parameter it reads. The tracking
 * parameters it takes (`?utm_source=`) are one feed, not a copy made and kept for each value.
 */
function feedCacheKey(request: FastifyRequest): string {
  const { archive } = request.query as { archive?: unknown }
  const path = request.url.split('?')[0]!
  return archive === undefined ? path : `${path}?archive=${String(archive)}`
}

const LINKED = [
  { kind: 'tag', plural: 'tags', name: 'Tag' },
  { kind: 'author', plural: 'authors', name: 'Author' },
] as const

/**
 * The nine feeds: RSS, Atom and JSON Feed for the site, each tag and each author, with their RFC 5005
 * archive pages. A handler sets only the media type and the caching headers: the validators come from a
 * cheap read first, so a reader polling with If-None-Match costs no post query and no rendering.
 */
export const feedRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  // Part of every ETag: a change of site settings (URLs, titles, hub) or of the rendering changes every feed's content.
  const configKey = createHash('sha1').update(JSON.stringify([config.site, config.websubHub ?? null, FEED_RENDERING_VERSION])).digest('base64url')
  // When feeds began to be served with these settings and this rendering, part of every Last-Modified: a
  // deploy that changes them changes every document, and a reader revalidating by date alone must then get
  // it again. Kept in the database, so that replicas and restarts with the same ones agree on it.
  const renderedSince = await settingsSince(app.db, 'feed-settings', configKey)
  // The site's feeds are named by an id of the database's own, as a tag's are by the tag's: an Atom id must
  // not change when the feed moves (RFC 4287 4.2.6), as it would with API_URL were it the feed's URL. A
  // database that served them before that keeps naming them by their URL (drizzle/0014_site_feed_id.sql).
  const stored = await serviceUuid(app.db, 'site-feed-id')
  const siteId = stored === NAMED_BY_URL ? null : stored

  async function serve(request: FastifyRequest, reply: FastifyReply, format: FeedFormat, kind: FeedKind, slug: string, archive: number | undefined) {
    const scope = await findFeedScope(app.db, config.site, siteId, kind, slug)
    if (!scope) {
      const linked = LINKED.find((l) => l.kind === kind)!
      // Readers follow a permanent redirect and update the subscription.
      return movedOrNotFound(app.db, request, reply, {
        kind: linked.kind, ref: slug, apiPath: config.site.apiPath, pathOf: (current) => `/${linked.plural}/${current}/${FEED_FILES[format]}`, notFound: `No ${kind} has the slug "${slug}"`,
      })
    }
    const state = await readFeedState(app.db, scope, archive)
    const pages = archivePageCount(state.total)
    if (archive !== undefined && archive > pages) throw new NotFoundError(`This feed has ${pages} archive page(s); there is no page ${archive}`)

    const { etag, lastModified } = feedValidators(scope, state, `${configKey} ${format} ${scope.channel.prefix} ${archive ?? 'current'}`, renderedSince)
    reply.header('etag', etag)
    dateResponse(request, reply, lastModified)
    if (isFresh(request, reply)) return reply.code(304).send()

    // Rendered once per content version: the response cache (plugins/caching.ts) keeps the document.
    const document = RENDER[format](await loadFeed(app.db, config, scope, state, archive))
    reply.type(FEED_CONTENT_TYPES[format])
    // WebSub discovery (section 4) by Link headers, which a JSON feed has no other way to give. Not on an
    // archive page, as in the document (see buildFeed).
    if (config.websubHub && archive === undefined) {
      reply.header('link', `<${config.websubHub}>; rel="hub", <${feedLinks(config.site.apiUrl, scope.channel.prefix)[format]}>; rel="self"`)
    }
    return document
  }

  for (const format of FEED_FORMATS) {
    const file = FEED_FILES[format]
    app.get(`/${file}`, {
      schema: {
        tags: ['feeds'],
        operationId: `getSite${FORMAT_NAMES[format]}Feed`,
        summary: `The site's ${STANDARDS[format]}: the 20 newest posts in full`,
        querystring: FeedQuerySchema,
        response: feedResponses(format, { moved: false }),
      },
      config: { cacheKey: feedCacheKey },
    }, async (request, reply) => serve(request, reply, format, 'site', '', request.query.archive))

    for (const linked of LINKED) {
      app.get(`/${linked.plural}/:slug/${file}`, {
        schema: {
          tags: ['feeds'],
          operationId: `get${linked.name}${FORMAT_NAMES[format]}Feed`,
          summary: `A ${linked.kind}'s ${STANDARDS[format]}: its 20 newest posts in full`,
          description: `An unknown slug answers 404; a slug the ${linked.kind} had before answers 301 to its current feed.`,
          params: SlugParamsSchema,
          querystring: FeedQuerySchema,
          response: feedResponses(format, { moved: true }),
        },
        config: { cacheKey: feedCacheKey },
      }, async (request, reply) => serve(request, reply, format, linked.kind, request.params.slug, request.query.archive))
    }
  }
}
