import type { FeedModel, FeedPerson } from './build-feed.js'
import type { JsonFeed, JsonFeedAuthor } from './schemas.js'

const toAuthor = (person: FeedPerson): JsonFeedAuthor => ({
  name: person.name,
  url: person.url,
  ...(person.avatarUrl ? { avatar: person.avatarUrl } : {}),
})

/**
 * Pure: a feed model -> a JSON Feed 1.1 document. JSON Feed has no archive links; its `next_url` pages
 * towards older posts, so it points where RFC 5005's prev-archive does in the XML formats. Every page's
 * `feed_url` is the subscription feed's: the spec makes it the feed's identifier, and the pages are one feed.
 */
export function renderJsonFeed(model: FeedModel): JsonFeed {
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: model.title,
    home_page_url: model.homePageUrl,
    feed_url: (model.current ?? model.self).json,
    description: model.description,
    ...(model.prevArchive ? { next_url: model.prevArchive.json } : {}),
    language: model.language,
    authors: [toAuthor(model.author)],
    ...(model.hub ? { hubs: [{ type: 'WebSub', url: model.hub }] } : {}),
    items: model.items.map((item) => ({
      id: item.id,
      url: item.url,
      title: item.title,
      content_html: item.html,
      summary: item.summary,
      ...(item.image ? { image: item.image.url } : {}),
      date_published: item.publishedAt.toISOString(),
      date_modified: item.updatedAt.toISOString(),
      authors: item.authors.map(toAuthor),
      tags: item.categories.map((c) => c.name),
    })),
  }
}
