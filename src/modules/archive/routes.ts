import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NoQuerySchema, problemResponses } from '../../lib/schemas.js'
import { readSecurity } from '../../plugins/auth.js'
import { listArchiveMonths } from './queries.js'
import { ArchiveResponseSchema } from './schemas.js'

export const archiveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/archive', {
    schema: {
      tags: ['archive'],
      operationId: 'listArchiveMonths',
      summary: 'Published posts per month, newest first',
      description: 'Each month links to `GET /v1/posts?publishedAfter=YYYY-MM-01&publishedBefore=<first of next month>`.',
      querystring: NoQuerySchema,
      security: readSecurity,
      response: { 200: ArchiveResponseSchema, ...problemResponses(400, 401) },
    },
    preHandler: app.acceptApiKey,
  }, async () => ({ data: await listArchiveMonths(app.db) }))
}
