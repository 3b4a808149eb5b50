import { parseFeedDate } from './dates.js'
import {
  blogBase, entryOf, finishItem, firstImage, itemBase, ItemError, labelOf, normaliseSource, plainText, resolveUrl, slugFromLink, type ParsedFeed,
} from './item.js'
import { all, attr, child, NS, prefixFor, textOf, type XmlNode } from './xml.js'

/** The namespace prefixes an RSS document uses for the extensions read here. */
export interface RssPrefixes { content: string; dc: string; atom: string; media: string }

export function rssPrefixes(root: XmlNode): RssPrefixes {
  return {
    content: prefixFor(root, (uri) => uri === NS.content, 'content'),
    dc: prefixFor(root, (uri) => uri === NS.dc, 'dc'),
    atom: prefixFor(root, (uri) => uri === NS.atom, 'atom'),
    media: mediaPrefix(root),
  }
}

export function mediaPrefix(root: XmlNode): string {
  return prefixFor(root, (uri) => uri === NS.media, 'media')
}

/** The images an item (RSS) or entry (Atom) carries in Media RSS: media:content, then media:thumbnail. */
export function mediaImages(node: XmlNode, media: string): { url: string | undefined; type?: string; medium?: string }[] {
  return [
    ...all(node[`${media}:content`]).map((m) => ({ url: attr(m, 'url'), type: attr(m, 'type'), medium: attr(m, 'medium') })),
    ...all(node[`${media}:thumbnail`]).map((m) => ({ url: attr(m, 'url'), medium: 'image' })),
  ]
}

/** RSS 2.0's `author` is an email address, by convention followed by the name: "jo@example.com (Jo Doe)". */
export function nameOfRssAuthor(value: string): string {
  const named = /\(([^)]+)\)\s*$/.exec(value)
  return (named?.[1] ?? value).trim()
}

/** The publication date from pubDate, else dc:date; an unreadable one is the item's error. */
export function rssDate(item: XmlNode, p: RssPrefixes): Date | null {
  const raw = textOf(item.pubDate) || textOf(item[`${p.dc}:date`])
  if (!raw) return null
  const date = parseFeedDate(raw)
  if (!date) throw new ItemError(`its date "${raw}" is not a valid RFC 822 or RFC 3339 date`)
  return date
}

/** Where an RSS document's blog is: the channel link, else the feed's own URL, else its title. */
export function channelSource(channel: XmlNode, p: RssPrefixes): string {
  const self = all(channel[`${p.atom}:link`]).find((l) => attr(l, 'rel') === 'self')
  const source = textOf(channel.link) || attr(self, 'href') || textOf(channel.title)
  return normaliseSource(source)
}

/** Parses an RSS 2.0 document whose root element is `rss`. */
export function parseRss(root: XmlNode): ParsedFeed {
  const channel = child(root, 'channel')
  const p = rssPrefixes(root)
  const title = textOf(channel.title)
  const source = channelSource(channel, p)
  // Items without an author of their own are the channel's: its dc:creator, its editor, else the blog.
  const feedAuthors = all(channel[`${p.dc}:creator`]).map(textOf).filter(Boolean)
  const editor = textOf(channel.managingEditor)
  const defaultAuthors = feedAuthors.length > 0 ? feedAuthors : editor ? [nameOfRssAuthor(editor)] : [title]

  const entries = all(channel.item).map((value, index) => {
    const item = (typeof value === 'object' && value !== null ? value : {}) as XmlNode
    const itemTitle = textOf(item.title)
    return entryOf(index + 1, labelOf(index + 1, itemTitle), () => {
      const link = textOf(item.link)
      const content = textOf(item[`${p.content}:encoded`])
      const description = textOf(item.description)
      const creators = all(item[`${p.dc}:creator`]).map(textOf).filter(Boolean)
      return finishItem(
        {
          sourceId: textOf(item.guid) || link,
          title: itemTitle,
          html: content || description,
          // With the full text in content:encoded, the description is the summary the author chose.
          excerpt: content && description ? plainText(description) : null,
          // A relative link (`/2024/queues/`) is the old URL on the blog's site.
          slug: slugFromLink(resolveUrl(link, blogBase(source))) ?? null,
          status: 'published',
          publishedAt: rssDate(item, p),
          updatedAt: null,
          featured: false,
          authors: creators.length > 0 ? creators : all(item.author).map((a) => nameOfRssAuthor(textOf(a))),
          tags: all(item.category).map((c) => ({ name: textOf(c) })),
          featureImage: firstImage([...all(item.enclosure).map((e) => ({ url: attr(e, 'url'), type: attr(e, 'type') })), ...mediaImages(item, p.media)]),
          baseUrl: itemBase(link, source),
        },
        defaultAuthors,
      )
    })
  })
  return { format: 'rss', source, title, entries }
}
