import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../../config.js'
import { NotFoundError } from '../../lib/errors.js'
import { problemResponses } from '../../lib/schemas.js'
import { readSecurity } from '../../plugins/auth.js'
import { resolveSitePath } from './resolve.js'
import { ResolvedResponseSchema, ResolveQuerySchema } from './schemas.js'

/** Tells a frontend router what a path of the site is: a post, a tag, an author, or an old slug to redirect. */
export const resolveRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.get('/resolve', {
    schema: {
      tags: ['site'],
      operationId: 'resolvePath',
      summary: 'What a site path is: a post, a tag, an author, or a redirect',
      querystring: ResolveQuerySchema,
      security: readSecurity,
      response: { 200: ResolvedResponseSchema, ...problemResponses(400, 401, 404) },
    },
    preHandler: app.acceptApiKey,
  }, async (request) => {
    const { path } = request.query
    const resolved = await resolveSitePath(app.db, config.site, path)
    if (!resolved) throw new NotFoundError(`Nothing on the site answers to ${path}`)
    return { data: resolved }
  })
}
