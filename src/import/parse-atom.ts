import escapeHtml from 'escape-html'
import { parseRfc3339 } from './dates.js'
import {
  blogBase, entryOf, finishItem, firstImage, ItemError, labelOf, normaliseSource, plainText, resolveUrl, slugFromLink, type ParsedFeed,
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

function alternateLink(node: XmlNode): unknown {
  return all(node.link).find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate')
}

/**
 * The base URI in scope in an element (XML Base, which RFC 4287 section 2 applies to every relative
 * reference in a feed): its own xml:base resolved against the one outside it, else that one. A relative
 * xml:base with no absolute one outside it says nothing usable (the file's own address is unknown here).
 */
function baseIn(node: unknown, outer: string | undefined): string | undefined {
  return resolveUrl(attr(node, 'xml:base'), outer) ?? outer
}

const authorNames = (node: XmlNode) => all(node.author).map((a) => textOf((a as XmlNode | undefined)?.name)).filter(Boolean)

/** Parses an Atom 1.0 document whose root element is `feed` in the Atom namespace. */
export function parseAtom(feed: XmlNode): ParsedFeed {
  // The feed's title is not a stop node, so it arrives decoded; as html it may still carry markup.
  const title = attr(feed.title, 'type') === 'html' ? plainText(textOf(feed.title)) : textOf(feed.title)
  // As written, even when relative: a blog is recognised by its source on every run.
  const source = normaliseSource(attr(alternateLink(feed), 'href') ?? textOf(feed.id))
  const feedBase = baseIn(feed, undefined)
  // RFC 4287 4.2.1: an entry without an author has the feed's.
  const feedAuthors = authorNames(feed)
  const defaultAuthors = feedAuthors.length > 0 ? feedAuthors : [title]
  const media = mediaPrefix(feed)

  const entries = all(feed.entry).map((value, index) => {
    const entry = (typeof value === 'object' && value !== null ? value : {}) as XmlNode
    const entryTitle = atomText(entry.title)
    return entryOf(index + 1, labelOf(index + 1, entryTitle), () => {
      const entryBase = baseIn(entry, feedBase)
      const linkElement = alternateLink(entry)
      const link = attr(linkElement, 'href')
      // The post's old URL: against the xml:base in scope, else the blog's address.
      const url = resolveUrl(link, baseIn(linkElement, entryBase) ?? blogBase(source))
      // Out-of-line content (content with src) has nothing here to import: the summary stands in.
      const content = entry.content !== undefined && !attr(entry.content, 'src') ? atomHtml(entry.content) : ''
      const summary = entry.summary !== undefined ? atomText(entry.summary) : ''
      const body = content ? entry.content : entry.summary
      const updatedAt = atomDate(entry.updated, 'updated')
      // What the entry's images are relative to: the base in scope, else the post's old URL, as for its body.
      const imageBase = (element?: unknown) => baseIn(element, entryBase) ?? url ?? blogBase(source)
      return finishItem(
        {
          sourceId: textOf(entry.id) || link,
          title: entryTitle,
          html: content || (entry.summary !== undefined ? atomHtml(entry.summary) : ''),
          excerpt: content && summary ? summary : null,
          slug: slugFromLink(url) ?? null,
          status: 'published',
          publishedAt: atomDate(entry.published, 'published') ?? updatedAt,
          updatedAt,
          featured: false,
          authors: authorNames(entry),
          tags: all(entry.category).map((c) => ({ name: attr(c, 'label') ?? attr(c, 'term') ?? '', slug: attr(c, 'term') })),
          featureImage: firstImage([
            ...all(entry.link).filter((l) => attr(l, 'rel') === 'enclosure').map((l) => ({ url: resolveUrl(attr(l, 'href'), imageBase(l)), type: attr(l, 'type') })),
            ...mediaImages(entry, media).map((m) => ({ ...m, url: resolveUrl(m.url, imageBase()) })),
          ]),
          // The body's relative URLs: against the xml:base in scope in its element, else the post's old URL.
          baseUrl: baseIn(body, entryBase) ?? url ?? blogBase(source),
        },
        defaultAuthors,
      )
    })
  })
  return { format: 'atom', source, title, entries }
}
