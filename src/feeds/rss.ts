import { create } from 'xmlbuilder2'
import type { FeedModel } from './build-feed.js'
import type { FeedLinks } from './feed-urls.js'

type XMLBuilder = ReturnType<typeof create>

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  dcterms: 'http://purl.org/dc/terms/',
  // RFC 5005 feed history: <fh:archive/> marks an archive document.
  fh: 'http://purl.org/syndication/history/1.0',
} as const

/**
 * The document every XML feed starts from. The builder escapes text; `invalidCharReplacement` drops any
 * character XML cannot carry that reached it anyway (the model is already stripped: this is the backstop).
 */
export function xmlDocument() {
  return create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '' })
}

/** RFC 5005 links (and WebSub's hub) as Atom link elements, which RSS carries in the Atom namespace. */
export function historyLinks(model: FeedModel, pick: (links: FeedLinks) => string): { rel: string; href: string }[] {
  const links: { rel: string; href: string }[] = []
  if (model.hub) links.push({ rel: 'hub', href: model.hub })
  if (model.current) links.push({ rel: 'current', href: pick(model.current) })
  if (model.prevArchive) links.push({ rel: 'prev-archive', href: pick(model.prevArchive) })
  if (model.nextArchive) links.push({ rel: 'next-archive', href: pick(model.nextArchive) })
  return links
}

// RFC 822 dates, as RSS 2.0 requires ("Tue, 02 Mar 2027 09:00:00 GMT").
const rfc822 = (date: Date) => date.toUTCString()

function addItem(channel: XMLBuilder, item: FeedModel['items'][number]) {
  const el = channel.ele('item')
  el.ele('title').txt(item.title)
  el.ele('link').txt(item.url)
  el.ele('guid', { isPermaLink: 'false' }).txt(item.id)
  el.ele('pubDate').txt(rfc822(item.publishedAt))
  // RSS has no update date of its own; Dublin Core's `modified` is the usual extension.
  el.ele(NS.dcterms, 'dcterms:modified').txt(item.updatedAt.toISOString())
  // RSS's own <author> must be an email address; dc:creator carries names, one per author.
  for (const author of item.authors) el.ele(NS.dc, 'dc:creator').txt(author.name)
  for (const category of item.categories) el.ele('category').txt(category.name)
  el.ele('description').txt(item.summary)
  el.ele(NS.content, 'content:encoded').txt(item.html)
}

/** Pure: a feed model -> an RSS 2.0 document with full text in content:encoded. */
export function renderRss(model: FeedModel): string {
  const rss = xmlDocument().ele('rss', {
    version: '2.0',
    'xmlns:atom': NS.atom,
    'xmlns:content': NS.content,
    'xmlns:dc': NS.dc,
    'xmlns:dcterms': NS.dcterms,
    'xmlns:fh': NS.fh,
  })
  const channel = rss.ele('channel')
  channel.ele('title').txt(model.title)
  channel.ele('link').txt(model.homePageUrl)
  channel.ele('description').txt(model.description)
  channel.ele('language').txt(model.language)
  channel.ele('lastBuildDate').txt(rfc822(model.updatedAt))
  channel.ele('generator').txt(model.generator)
  channel.ele('docs').txt('https://www.rssboard.org/rss-specification')
  channel.ele(NS.atom, 'atom:link', { href: model.self.rss, rel: 'self', type: 'application/rss+xml' })
  for (const link of historyLinks(model, (l) => l.rss)) {
    channel.ele(NS.atom, 'atom:link', link.rel === 'hub' ? link : { ...link, type: 'application/rss+xml' })
  }
  if (model.current) channel.ele(NS.fh, 'fh:archive')
  for (const item of model.items) addItem(channel, item)
  return rss.end({ prettyPrint: false })
}
