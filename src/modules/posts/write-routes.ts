import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import type { Config } from '../../config.js'
import type { ContentPreparer } from '../../content/prepare-off-thread.js'
import { preconditionsOf, representationEtag } from '../../lib/conditional.js'
import { NoContentResponse, NoQuerySchema, PreconditionHeadersSchema, problemResponses, RefParamsSchema } from '../../lib/schemas.js'
import { publicPath } from '../../lib/urls.js'
import { bearerSecurity } from '../../plugins/auth.js'
import { createPost, deletePost, updatePost } from './commands.js'
import { PostResponseSchema, type Post } from './schemas.js'
import { PostCreateBodySchema, PostPatchBodySchema } from './write-schemas.js'

/** The authenticated write API for posts: every operation needs `Authorization: Bearer <key>`. */
export const postWriteRoutes: FastifyPluginAsyncTypebox<{ config: Config; content: ContentPreparer }> = async (app, { config, content }) => {
  // Tags a post as GET /v1/posts/{id} would send it.
  const etagFor = (reply: FastifyReply) => representationEtag<Post>(reply, PostResponseSchema)

  app.addHook('preParsing', app.requireWriteKey)

  app.post('/posts', {
    schema: {
      tags: ['posts'],
      operationId: 'createPost',
      summary: 'Create a post',
      description:
        'Written in `markdown` or `html` (sanitised before it is stored); authors and tags by slug, unknown tags being created. ' +
        'A draft unless `status` is `published`; a future `publishedAt` schedules it. ' +
        'A body that cannot be rendered within POST_RENDER_TIMEOUT_MS (3 s by default) is a 400.',
      security: bearerSecurity,
      querystring: NoQuerySchema,
      body: PostCreateBodySchema,
      response: { 201: { ...PostResponseSchema, description: 'Created: `Location` names the post.' }, ...problemResponses(400, 401, 409, 413, 415) },
    },
  }, async (request, reply) => {
    const data = await createPost(app.db, content, request.body, config.site)
    return reply.code(201).header('location', publicPath(config.site.apiPath, `/v1/posts/${data.slug}`)).header('etag', etagFor(reply)(data)).send({ data })
  })

  app.patch('/posts/:idOrSlug', {
    schema: {
      tags: ['posts'],
      operationId: 'updatePost',
      summary: 'Change a post',
      description: 'Only the fields given change. A new slug keeps the old one answering 301. Send `If-Match` to avoid lost updates.',
      security: bearerSecurity,
      params: RefParamsSchema,
      querystring: NoQuerySchema,
      headers: PreconditionHeadersSchema,
      body: PostPatchBodySchema,
      response: { 200: PostResponseSchema, ...problemResponses(400, 401, 404, 409, 412, 413, 415) },
    },
  }, async (request, reply) => {
    const etagOf = etagFor(reply)
    const data = await updatePost(app.db, content, request.params.idOrSlug, request.body, preconditionsOf(request.headers, etagOf), config.site)
    return reply.header('etag', etagOf(data)).send({ data })
  })

  app.delete('/posts/:idOrSlug', {
    schema: {
      tags: ['posts'],
      operationId: 'deletePost',
      summary: 'Delete a post',
      security: bearerSecurity,
      params: RefParamsSchema,
      querystring: NoQuerySchema,
      headers: PreconditionHeadersSchema,
      response: { 204: NoContentResponse, ...problemResponses(400, 401, 404, 412, 413, 415) },
    },
  }, async (request, reply) => {
    await deletePost(app.db, request.params.idOrSlug, preconditionsOf(request.headers, etagFor(reply)), config.site)
    return reply.code(204).send(null)
  })
}

