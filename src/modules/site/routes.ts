import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Config } from '../../config.js'
import { feedLinks } from '../../feeds/feed-urls.js'
import { NoQuerySchema, problemResponses } from '../../lib/schemas.js'
import { readSecurity } from '../../plugins/auth.js'
import { siteCounts } from './queries.js'

const FeedLinksSchema = Type.Object({
  rss: Type.String({ examples: ['https://blog.example.com/feed.xml'] }),
  atom: Type.String({ examples: ['https://blog.example.com/feed.atom'] }),
  json: Type.String({ examples: ['https://blog.example.com/feed.json'] }),
})

const SiteSchema = Type.Object({
  title: Type.String({ examples: ['Fernhill Engineering'] }),
  description: Type.String(),
  url: Type.String({ description: 'The public site (SITE_URL).' }),
  language: Type.String({ examples: ['en'] }),
  feeds: FeedLinksSchema,
  counts: Type.Object({
    posts: Type.Integer({ minimum: 0, description: 'Published posts.' }),
    tags: Type.Integer({ minimum: 0 }),
    authors: Type.Integer({ minimum: 0 }),
  }),
})

export const siteRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.get('/site', {
    schema: {
      tags: ['site'],
      operationId: 'getSite',
      summary: 'The blog: title, description, URLs, feeds and counts',
      querystring: NoQuerySchema,
      security: readSecurity,
      response: { 200: Type.Object({ data: SiteSchema }), ...problemResponses(400, 401) },
    },
    preHandler: app.acceptApiKey,
  }, async () => {
    const { title, description, url, language, apiUrl } = config.site
    return { data: { title, description, url, language, feeds: feedLinks(apiUrl), counts: await siteCounts(app.db) } }
  })
}
