import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { TSchema } from 'typebox'
import type { Config } from '../config.js'
import type { Executor } from '../db/client.js'
import type { ResourceKind } from '../db/schema.js'
import { movedOrNotFound } from '../modules/slugs/moved.js'
import { COUNT_SORT_ARITY, type CountSort, type LinkedVisibility } from '../modules/posts/post-counts.js'
import { readSecurity } from '../plugins/auth.js'
import { cursorScope, pageCursors, requestedKeyset, type CursorCodec, type CursorValue, type KeysetOptions } from './cursor.js'
import { linkHeader, listMeta, type PageRequest } from './paging.js'
import { LinkedListQuerySchema, MovedResponse, NoQuerySchema, problemResponses, RefParamsSchema } from './schemas.js'
import { publicPath } from './urls.js'

/** Listed: a list's row, which carries what its cursor needs besides what the resource shows. */
interface LinkedResource<Row, Out, Listed extends Row = Row> {
  kind: Exclude<ResourceKind, 'post'>
  /** Plural path segment and OpenAPI tag: `tags`, `authors`. */
  plural: string
  singular: string
  /** Which of them the public sees (see shownToPublic in post-counts.ts), for the list's description. */
  shown: string
  schemas: { list: TSchema; one: TSchema }
  list: (db: Executor, sort: CountSort, page: PageRequest, options: KeysetOptions & { visibility: LinkedVisibility }) => Promise<{ rows: Listed[]; total: number | undefined; hasMore: boolean; hasPrevious: boolean }>
  keysetOf: (row: Listed, sort: CountSort) => CursorValue[]
  find: (db: Executor, idOrSlug: string, visibility: LinkedVisibility) => Promise<Row | undefined>
  serialize: (row: Row, site: Config['site']) => Out
}

/** "a tag", "an author": a resource named in a sentence (the OpenAPI summaries, which generated clients show). */
export const withArticle = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`

/** The two read routes every resource linked to posts has: a sorted, paged list and one by slug (301 for an old slug). */
export function linkedResourceRoutes<Row, Out, Listed extends Row>(r: LinkedResource<Row, Out, Listed>): FastifyPluginAsyncTypebox<{ config: Config; cursors: CursorCodec }> {
  const Name = r.singular[0]!.toUpperCase() + r.singular.slice(1)
  const Plural = r.plural[0]!.toUpperCase() + r.plural.slice(1)
  return async (app, { config, cursors }) => {
    app.get(`/${r.plural}`, {
      schema: {
        tags: [r.plural],
        operationId: `list${Plural}`,
        summary: `List ${r.plural} with their published-post counts`,
        description: `${r.shown} Those it does not show are listed and read by key holders only, and have no feed.`,
        querystring: LinkedListQuerySchema,
        security: readSecurity,
        response: { 200: r.schemas.list, ...problemResponses(400, 401) },
      },
      preHandler: app.acceptApiKey,
    }, async (request, reply) => {
      const { page = 1, limit = 15, sort = 'name', count } = request.query
      const scope = cursorScope({ list: r.plural, sort })
      const keyset = requestedKeyset(cursors, scope, request.query, COUNT_SORT_ARITY[sort])
      const listed = await r.list(app.db, sort, { page, limit }, { keyset, count, visibility: request.apiKey ? 'all' : 'public' })
      const { rows, total, hasMore } = listed
      const meta = listMeta({ page, limit }, total, rows.length, hasMore, pageCursors(cursors, scope, listed, (row) => r.keysetOf(row, sort), keyset), keyset !== undefined)
      reply.header('link', linkHeader(publicPath(config.site.apiPath, request.url), meta, keyset ? 'cursor' : 'page'))
      return { data: rows.map((row) => r.serialize(row, config.site)), meta }
    })

    app.get(`/${r.plural}/:idOrSlug`, {
      schema: {
        tags: [r.plural],
        operationId: `get${Name}`,
        summary: `Get ${withArticle(r.singular)} by slug (or id)`,
        description: `A slug the ${r.singular} had before answers 301 to the current one.`,
        params: RefParamsSchema,
        querystring: NoQuerySchema,
        security: readSecurity,
        response: { 200: r.schemas.one, 301: MovedResponse, ...problemResponses(400, 401, 404) },
      },
      preHandler: app.acceptApiKey,
    }, async (request, reply) => {
      const { idOrSlug } = request.params
      const row = await r.find(app.db, idOrSlug, request.apiKey ? 'all' : 'public')
      // The ETag is the hash of the body, set by the caching plugin.
      if (row) return { data: r.serialize(row, config.site) }
      return movedOrNotFound(app.db, request, reply, {
        kind: r.kind, ref: idOrSlug, apiPath: config.site.apiPath, pathOf: (slug) => `/v1/${r.plural}/${slug}`, notFound: `No ${r.singular} has the id or slug "${idOrSlug}"`,
      })
    })
  }
}
