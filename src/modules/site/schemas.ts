import { Type, type Static } from 'typebox'

const FeedLinksSchema = Type.Object({
  rss: Type.String({ examples: ['https://blog.example.com/feed.xml'] }),
  atom: Type.String({ examples: ['https://blog.example.com/feed.atom'] }),
  json: Type.String({ examples: ['https://blog.example.com/feed.json'] }),
})

export const SiteSchema = Type.Object({
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
export type Site = Static<typeof SiteSchema>

export const SiteResponseSchema = Type.Object({ data: SiteSchema }, { description: 'The site: its title, links, feeds and counts.' })
