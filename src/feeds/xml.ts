import { XMLBuilder } from 'fast-xml-parser'
import type { FeedItem, FeedModel } from './build-feed.js'
import { xmlSafe } from './feed-text.js'
import type { FeedLinks } from './feed-urls.js'

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  dcterms: 'http://purl.org/dc/terms/',
  // RFC 5005 feed history: <fh:archive/> marks an archive document.
  fh: 'http://purl.org/syndication/history/1.0',
  // Media RSS: the feature image, which readers show beside the item (in RSS and Atom alike).
  media: 'http://search.yahoo.com/mrss/',
} as const

/** An element as the builder takes it: `@name` keys are attributes, `#text` the text, arrays repeat. */
export type XmlNode = { [name: string]: string | XmlNode | XmlNode[] }

// fast-xml-parser's builder escapes every `&`, `<`, `>` and quote in text and attributes. (xmlbuilder2, the
// first choice, leaves an `&` that looks like an entity alone, so html such as `&lt;b&gt;` would reach readers
// as a tag, and `&nbsp;` would make the feed malformed: its issue #117 is still open.)
const builder = new XMLBuilder({
  attributeNamePrefix: '@',
  textNodeName: '#text',
  ignoreAttributes: false,
  processEntities: true,
  suppressEmptyNode: true,
  format: false,
})

/**
 * Serialises one document. The model's text is XML-safe already; stripping the output as well costs one
 * pass and guarantees that no character XML forbids reaches a reader, whatever a renderer was given.
 */
export function renderXml(root: XmlNode): string {
  return xmlSafe(`<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(root) as string}`)
}

/** RFC 5005 links and WebSub's hub, as Atom link elements (RSS carries them in the Atom namespace). */
export function historyLinks(model: FeedModel, pick: (links: FeedLinks) => string, type: string): XmlNode[] {
  const links: XmlNode[] = []
  if (model.hub) links.push({ '@rel': 'hub', '@href': model.hub })
  if (model.current) links.push({ '@rel': 'current', '@href': pick(model.current), '@type': type })
  if (model.prevArchive) links.push({ '@rel': 'prev-archive', '@href': pick(model.prevArchive), '@type': type })
  if (model.nextArchive) links.push({ '@rel': 'next-archive', '@href': pick(model.nextArchive), '@type': type })
  return links
}

/**
 * An item's feature image as Media RSS has it (`media:content`, an image, with its alt text as a plain
 * description), the form feed readers show beside an item, in RSS and in Atom; nothing without one.
 */
export function featureImage(item: FeedItem): XmlNode {
  const { image } = item
  if (!image) return {}
  const content: XmlNode = { '@url': image.url, '@medium': 'image' }
  if (image.alt) content['media:description'] = { '@type': 'plain', '#text': image.alt }
  return { 'media:content': content }
}
