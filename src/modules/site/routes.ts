import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../../config.js'
import { NoQuerySchema, problemResponses } from '../../lib/schemas.js'
import { readSecurity } from '../../plugins/auth.js'
import { siteCounts } from './queries.js'
import { SiteResponseSchema } from './schemas.js'
import { toSite } from './serialize.js'

export const siteRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.get('/site', {
    schema: {
      tags: ['site'],
      operationId: 'getSite',
      summary: 'The blog: title, description, URLs, feeds and counts',
      querystring: NoQuerySchema,
      security: readSecurity,
      response: { 200: SiteResponseSchema, ...problemResponses(400, 401) },
    },
    preHandler: app.acceptApiKey,
  }, async () => ({ data: toSite(config.site, await siteCounts(app.db)) }))
}
