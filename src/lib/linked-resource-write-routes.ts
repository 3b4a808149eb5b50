import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import type { TSchema } from 'typebox'
import { bearerSecurity } from '../plugins/auth.js'
import { preconditionsOf, representationEtag } from './conditional.js'
import { createLinked, deleteLinked, updateLinked, type LinkedResourceStore } from './linked-resource-commands.js'
import { withArticle } from './linked-resource-routes.js'
import { NoContentResponse, NoQuerySchema, PreconditionHeadersSchema, problemResponses, RefParamsSchema } from './schemas.js'
import { publicPath } from './urls.js'

interface LinkedWrites<Out> {
  store: LinkedResourceStore<Out>
  /** API_URL's path (config.site.apiPath), below which Location names what a POST creates (see publicPath). */
  apiPath: string
  plural: string
  singular: string
  schemas: { create: TSchema; patch: TSchema; one: TSchema }
  /** What deleting does to posts, for the OpenAPI description. */
  onDelete: string
  deleteStatuses: number[]
}

/** POST, PATCH and DELETE for a resource linked to posts (tags, authors), all behind an API key. */
export function linkedResourceWriteRoutes<Out>(w: LinkedWrites<Out>): FastifyPluginAsyncTypebox {
  const Name = w.singular[0]!.toUpperCase() + w.singular.slice(1)
  const common = { tags: [w.plural], security: bearerSecurity }
  // Tags one as GET /v1/{plural}/{id} would send it.
  const etagFor = (reply: FastifyReply) => representationEtag<Out>(reply, w.schemas.one)
  return async (app) => {
    app.addHook('preParsing', app.requireWriteKey)

    app.post(`/${w.plural}`, {
      schema: {
        ...common,
        operationId: `create${Name}`,
        summary: `Create ${withArticle(w.singular)}`,
        description: 'The slug is derived from the name (and made unique) when none is given.',
        querystring: NoQuerySchema,
        body: w.schemas.create,
        response: { 201: { ...w.schemas.one, description: 'Created: `Location` names it.' }, ...problemResponses(400, 401, 409, 413, 415) },
      },
    }, async (request, reply) => {
      const data = await createLinked(w.store, app.db, request.body as { name: string; slug?: string })
      const slug = (data as { slug: string }).slug
      return reply.code(201).header('location', publicPath(w.apiPath, `/v1/${w.plural}/${slug}`)).header('etag', etagFor(reply)(data)).send({ data })
    })

    app.patch(`/${w.plural}/:idOrSlug`, {
      schema: {
        ...common,
        operationId: `update${Name}`,
        summary: `Change ${withArticle(w.singular)}`,
        description: 'Only the fields given change; a new slug keeps the old one answering 301. Send `If-Match` to avoid lost updates.',
        params: RefParamsSchema,
        querystring: NoQuerySchema,
        headers: PreconditionHeadersSchema,
        body: w.schemas.patch,
        response: { 200: w.schemas.one, ...problemResponses(400, 401, 404, 409, 412, 413, 415) },
      },
    }, async (request, reply) => {
      const etagOf = etagFor(reply)
      const data = await updateLinked(w.store, app.db, request.params.idOrSlug, request.body as { slug?: string }, preconditionsOf(request.headers, etagOf))
      return reply.header('etag', etagOf(data)).send({ data })
    })

    app.delete(`/${w.plural}/:idOrSlug`, {
      schema: {
        ...common,
        operationId: `delete${Name}`,
        summary: `Delete ${withArticle(w.singular)}`,
        description: w.onDelete,
        params: RefParamsSchema,
        querystring: NoQuerySchema,
        headers: PreconditionHeadersSchema,
        response: { 204: NoContentResponse, ...problemResponses(...w.deleteStatuses) },
      },
    }, async (request, reply) => {
      await deleteLinked(w.store, app.db, request.params.idOrSlug, preconditionsOf(request.headers, etagFor(reply)))
      return reply.code(204).send(null)
    })
  }
}
