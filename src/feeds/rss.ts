import escapeHtml from 'escape-html'
import type { FeedItem, FeedModel } from './build-feed.js'
import { featureImage, historyLinks, NS, renderXml, type XmlNode } from './xml.js'

// RFC 822 dates, as RSS 2.0 requires ("Tue, 02 Mar 2027 09:00:00 GMT").
const rfc822 = (date: Date) => date.toUTCString()

function toItem(item: FeedItem): XmlNode {
  return {
    title: item.title,
    link: item.url,
    guid: { '@isPermaLink': 'false', '#text': item.id },
    pubDate: rfc822(item.publishedAt),
    // RSS has no update date of its own; Dublin Core's `modified` is the usual extension.
    'dcterms:modified': item.updatedAt.toISOString(),
    // RSS's own <author> must be an email address; dc:creator carries names, one per author.
    'dc:creator': item.authors.map((a) => ({ '#text': a.name })),
    category: item.categories.map((c) => ({ '#text': c.name })),
    // An item's description is HTML to every reader (RSS 2.0 allows entity-encoded HTML there, and readers
    // take it so): the plain-text excerpt is escaped as HTML, so that `Map<K, V>` shows as written rather
    // than as an unknown tag, and the builder escapes that for XML.
    description: escapeHtml(item.summary),
    'content:encoded': item.html,
    ...featureImage(item),
  }
}

/** Pure: a feed model -> an RSS 2.0 document with the full text in content:encoded. */
export function renderRss(model: FeedModel): string {
  const type = 'application/rss+xml'
  const channel: XmlNode = {
    title: model.title,
    link: model.homePageUrl,
    description: model.description,
    language: model.language,
    lastBuildDate: rfc822(model.updatedAt),
    generator: model.generator,
    docs: 'https://www.rssboard.org/rss-specification',
    'atom:link': [{ '@href': model.self.rss, '@rel': 'self', '@type': type }, ...historyLinks(model, (l) => l.rss, type)],
    ...(model.current ? { 'fh:archive': '' } : {}),
    item: model.items.map(toItem),
  }
  return renderXml({
    rss: {
      '@version': '2.0',
      '@xmlns:atom': NS.atom,
      '@xmlns:content': NS.content,
      '@xmlns:dc': NS.dc,
      '@xmlns:dcterms': NS.dcterms,
      '@xmlns:fh': NS.fh,
      '@xmlns:media': NS.media,
      channel,
    },
  })
}
