import escapeHtml from 'escape-html'
import { parseRfc3339 } from './dates.js'
import {
  entryOf, finishItem, firstImage, itemBase, ItemError, labelOf, normaliseSource, plainText, slugFromLink, type ParsedFeed,
} from './item.js'
import { mediaImages, mediaPrefix } from './parse-rss.js'
import { all, attr, decodeFragment, textOf, type XmlNode } from './xml.js'

/**
 * An Atom text construct (RFC 4287 section 3.1) as html. The parser keeps these raw: type="xhtml" is
 * markup inside a wrapping div; "html" is escaped html; "text" (the default) is plain text.
 */
function atomHtml(node: unknown): string {
  const raw = textOf(node)
  const type = attr(node, 'type') ?? 'text'
  if (type === 'xhtml') return raw.replace(/^<div\b[^>]*>/, '').replace(/<\/div>$/, '').trim()
  const decoded = decodeFragment(raw)
  if (type === 'html' || type === 'text/html') return decoded
  return decoded
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join('\n')
}

function atomText(node: unknown): string {
  const type = attr(node, 'type') ?? 'text'
  return type === 'text' ? decodeFragment(textOf(node)) : plainText(atomHtml(node))
}

function atomDate(value: unknown, element: string): Date | null {
  const raw = textOf(value)
  if (!raw) return null
  const date = parseRfc3339(raw)
  if (!date) throw new ItemError(`its ${element} date "${raw}" is not a valid RFC 3339 date`)
  return date
}

function alternateLink(node: XmlNode): string | undefined {
  const link = all(node.link).find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate')
  return attr(link, 'href')
}

const authorNames = (node: XmlNode) => all(node.author).map((a) => textOf((a as XmlNode | undefined)?.name)).filter(Boolean)

/** Parses an Atom 1.0 document whose root element is `feed` in the Atom namespace. */
export function parseAtom(feed: XmlNode): ParsedFeed {
  // The feed's title is not a stop node, so it arrives decoded; as html it may still carry markup.
  const title = attr(feed.title, 'type') === 'html' ? plainText(textOf(feed.title)) : textOf(feed.title)
  const source = normaliseSource(alternateLink(feed) ?? textOf(feed.id))
  // RFC 4287 4.2.1: an entry without an author has the feed's.
  const feedAuthors = authorNames(feed)
  const defaultAuthors = feedAuthors.length > 0 ? feedAuthors : [title]
  const media = mediaPrefix(feed)

  const entries = all(feed.entry).map((value, index) => {
    const entry = (typeof value === 'object' && value !== null ? value : {}) as XmlNode
    const entryTitle = atomText(entry.title)
    return entryOf(index + 1, labelOf(index + 1, entryTitle), () => {
      const link = alternateLink(entry)
      // Out-of-line content (content with src) has nothing here to import: the summary stands in.
      const content = entry.content !== undefined && !attr(entry.content, 'src') ? atomHtml(entry.content) : ''
      const summary = entry.summary !== undefined ? atomText(entry.summary) : ''
      const updatedAt = atomDate(entry.updated, 'updated')
      return finishItem(
        {
          sourceId: textOf(entry.id) || link,
          title: entryTitle,
          html: content || (entry.summary !== undefined ? atomHtml(entry.summary) : ''),
          excerpt: content && summary ? summary : null,
          slug: slugFromLink(link) ?? null,
          status: 'published',
          publishedAt: atomDate(entry.published, 'published') ?? updatedAt,
          updatedAt,
          featured: false,
          authors: authorNames(entry),
          tags: all(entry.category).map((c) => ({ name: attr(c, 'label') ?? attr(c, 'term') ?? '', slug: attr(c, 'term') })),
          featureImage: firstImage([
            ...all(entry.link).filter((l) => attr(l, 'rel') === 'enclosure').map((l) => ({ url: attr(l, 'href'), type: attr(l, 'type') })),
            ...mediaImages(entry, media),
          ]),
          baseUrl: itemBase(link, source),
        },
        defaultAuthors,
      )
    })
  })
  return { format: 'atom', source, title, entries }
}
