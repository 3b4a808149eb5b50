import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { NoQuerySchema, problemResponses } from '../../lib/schemas.js'
import { readSecurity } from '../../plugins/auth.js'
import { listArchiveMonths } from './queries.js'

const ArchiveResponseSchema = Type.Object({
  data: Type.Array(
    Type.Object({
      year: Type.Integer({ examples: [2026] }),
      month: Type.Integer({ minimum: 1, maximum: 12, examples: [1] }),
      count: Type.Integer({ minimum: 1, description: 'Published posts that month (UTC).', examples: [2] }),
    }),
  ),
})

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
