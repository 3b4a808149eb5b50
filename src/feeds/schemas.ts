import { Type, type Static } from 'typebox'
import { MovedResponse, problemResponses } from '../lib/schemas.js'
import type { FeedFormat } from './feed-urls.js'

/** Media types as served; JSON always gets a charset from Fastify, XML declares UTF-8 in its prolog too. */
export const FEED_CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
}

// Unknown query parameters are ignored rather than refused, unlike the JSON lists: feed URLs get shared
// with tracking parameters (`?utm_source=...`), and a subscription must not break over one.
export const FeedQuerySchema = Type.Object({
  archive: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'An RFC 5005 archive page, numbered from the oldest posts: page 1 holds the oldest 20. Only full pages exist, so an archive page never changes when posts are added. Without it: the subscription feed, the 20 newest posts.',
    }),
  ),
})
export type FeedQuery = Static<typeof FeedQuerySchema>

const JsonFeedAuthorSchema = Type.Object({
  name: Type.String(),
  url: Type.Optional(Type.String()),
  avatar: Type.Optional(Type.String()),
})
export type JsonFeedAuthor = Static<typeof JsonFeedAuthorSchema>

const JsonFeedItemSchema = Type.Object({
  id: Type.String({ description: 'The post id.' }),
  url: Type.String(),
  title: Type.String(),
  content_html: Type.String({ description: 'The full sanitised html, links made absolute.' }),
  summary: Type.String({ description: 'The excerpt.' }),
  image: Type.Optional(Type.String()),
  date_published: Type.String({ format: 'date-time' }),
  date_modified: Type.String({ format: 'date-time' }),
  authors: Type.Array(JsonFeedAuthorSchema),
  tags: Type.Array(Type.String()),
})

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1), the fields Quire fills. */
export const JsonFeedSchema = Type.Object({
  version: Type.Literal('https://jsonfeed.org/version/1.1'),
  title: Type.String(),
  home_page_url: Type.String(),
  feed_url: Type.String(),
  description: Type.String(),
  next_url: Type.Optional(Type.String({ description: 'The next older page of posts (an archive page).' })),
  language: Type.String(),
  authors: Type.Array(JsonFeedAuthorSchema),
  hubs: Type.Optional(Type.Array(Type.Object({ type: Type.String(), url: Type.String() }))),
  items: Type.Array(JsonFeedItemSchema),
}, { description: 'A JSON Feed 1.1 document.' })
export type JsonFeed = Static<typeof JsonFeedSchema>

const DESCRIPTIONS: Record<FeedFormat, string> = {
  rss: 'An RSS 2.0 document, full text in `content:encoded`.',
  atom: 'An Atom 1.0 document, full text in `content`.',
  json: 'A JSON Feed 1.1 document, full text in `content_html`.',
}

/** The responses of one feed route: the document in its media type and the problems it can answer (the 304 every read shares is added to the document with the others: src/plugins/openapi.ts). */
export function feedResponses(format: FeedFormat, options: { moved: boolean }) {
  const media = FEED_CONTENT_TYPES[format].split(';')[0]!
  return {
    200: {
      description: DESCRIPTIONS[format],
      content: { [media]: { schema: format === 'json' ? JsonFeedSchema : Type.String() } },
      // WebSub discovery (section 4), the only one a JSON feed has.
      headers: { Link: { type: 'string', description: 'With a WebSub hub (`WEBSUB_HUB`), on the subscription feed (not an archive page): `<hub>; rel="hub", <this feed>; rel="self"`.' } },
    },
    ...(options.moved ? { 301: MovedResponse } : {}),
    ...problemResponses(400, 404),
  }
}
