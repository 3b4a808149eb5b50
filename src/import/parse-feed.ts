import { FeedFormatError, type FeedEntry, type ParsedFeed } from './item.js'
import { parseAtom } from './parse-atom.js'
import { parseRss } from './parse-rss.js'
import { isWxr, parseWxr } from './parse-wxr.js'
import { attr, child, NS, parseXml, rootOf } from './xml.js'

/**
 * The text of a feed file, decoded as its byte order mark or XML declaration says (UTF-8 otherwise).
 * Bytes that are not valid in that encoding fail the file, rather than importing posts with mojibake.
 */
export function decodeFeedFile(bytes: Uint8Array): string {
  let label = 'utf-8'
  if (bytes[0] === 0xff && bytes[1] === 0xfe) label = 'utf-16le'
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = 'utf-16be'
  else {
    const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1')
    label = /^(?:\uFEFF|\u00EF\u00BB\u00BF)?<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head)?.[1] ?? label
  }
  let decoder: InstanceType<typeof TextDecoder>
  try {
    decoder = new TextDecoder(label, { fatal: true })
  } catch {
    throw new FeedFormatError(`its encoding "${label}" is not one Node.js can decode`)
  }
  try {
    return decoder.decode(bytes)
  } catch {
    throw new FeedFormatError(`it is not valid ${label} text`)
  }
}

/**
 * Reads a feed file's text into items, detecting the format from the root element. Throws FeedFormatError
 * when the file as a whole cannot be imported; a single bad item is an `invalid` entry instead.
 */
export function parseFeed(text: string): ParsedFeed {
  const { name, node } = rootOf(parseXml(text))
  let feed: ParsedFeed
  if (name === 'rss') {
    if (Object.keys(child(node, 'channel')).length === 0) throw new FeedFormatError('its <rss> element has no <channel>')
    feed = isWxr(node) ? parseWxr(node) : parseRss(node)
  } else if (name === 'feed' && attr(node, 'xmlns') === NS.atom) {
    feed = parseAtom(node)
  } else if (name === 'rdf:RDF' || attr(node, 'xmlns:rdf') === NS.rdf) {
    throw new FeedFormatError('it is RSS 1.0 (RDF), which is not supported: export RSS 2.0 or Atom instead')
  } else {
    throw new FeedFormatError(`its root element is <${name}>, not <rss> (RSS 2.0 or WordPress WXR) or <feed> (Atom 1.0)`)
  }
  if (!feed.source) throw new FeedFormatError('it names no link, id or title for the blog, so a later run could not recognise its posts')
  return { ...feed, entries: withoutRepeats(feed.entries) }
}

/** An id seen twice would make two items fight over one post, each run undoing the other: the second is an error. */
function withoutRepeats(entries: FeedEntry[]): FeedEntry[] {
  const first = new Map<string, number>()
  return entries.map((entry) => {
    if (entry.kind !== 'item') return entry
    const seen = first.get(entry.item.sourceId)
    if (seen !== undefined) return { kind: 'invalid', position: entry.position, label: entry.label, reason: `it has the same id as item ${seen} (${entry.item.sourceId})` }
    first.set(entry.item.sourceId, entry.position)
    return entry
  })
}
