import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser'
import { FeedFormatError } from './item.js'

/** An element as fast-xml-parser gives it: `@name` attributes, `#text` text, repeated children as arrays. */
export type XmlNode = Record<string, unknown>

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  media: 'http://search.yahoo.com/mrss/',
} as const

const options: X2jOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Titles such as "2024" or "1e3" stay strings.
  parseTagValue: false,
  parseAttributeValue: false,
  // Feeds escape html with character references (&#8230;, &#x2014;) and, outside the XML standard, HTML
  // names (&nbsp;): both are decoded, once, so an escaped "&amp;lt;" stays the text "&lt;".
  htmlEntities: true,
  // Atom's content, summary and title are kept raw: type="xhtml" content is markup, not elements to map.
  stopNodes: ['feed.entry.content', 'feed.entry.summary', 'feed.entry.title'],
}

const parser = new XMLParser(options)
const fragmentParser = new XMLParser({ ...options, stopNodes: [] })

/** Parses a whole document, or fails with where and why it is not well-formed. */
export function parseXml(text: string): XmlNode {
  if (!text.trim()) throw new FeedFormatError('the file is empty')
  const valid = XMLValidator.validate(text)
  if (valid !== true) throw new FeedFormatError(`it is not well-formed XML (${describe(valid.err)})`)
  return parser.parse(text) as XmlNode
}

function describe(err: { msg: string; line: number; col: number }): string {
  // Elements left open are reported as "Invalid '[ "rss", "channel" ]' found." at line 1: say it plainly.
  const open = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(err.msg)
  if (open) {
    try {
      const names = JSON.parse(open[1]!) as string[]
      return `it ends with ${names.map((n) => `<${n}>`).join(', ')} still open: is the file cut short?`
    } catch {
      // Not the list it looked like: the message as it is.
    }
  }
  return `line ${err.line}${err.col ? `, column ${err.col}` : ''}: ${err.msg}`
}

/** The text of a raw XML fragment (a stop node's content): entities decoded, CDATA unwrapped. */
export function decodeFragment(raw: string): string {
  const node = fragmentParser.parse(`<x>${raw}</x>`) as { x?: unknown }
  return textOf(node.x)
}

/** The root element: its qualified name and node (the XML declaration and processing instructions aside). */
export function rootOf(doc: XmlNode): { name: string; node: XmlNode } {
  const name = Object.keys(doc).find((key) => !key.startsWith('?') && !key.startsWith('#'))
  if (!name) throw new FeedFormatError('it has no root element')
  const node = doc[name]
  return { name, node: typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as XmlNode) : {} }
}

/**
 * The prefix a document uses for a namespace, from the root's declarations: fast-xml-parser keeps names
 * as written (`content:encoded`), and a file may choose its own prefixes. `fallback` when undeclared.
 */
export function prefixFor(root: XmlNode, matches: (uri: string) => boolean, fallback: string): string {
  for (const [key, value] of Object.entries(root)) {
    if (key.startsWith('@xmlns:') && typeof value === 'string' && matches(value)) return key.slice('@xmlns:'.length)
  }
  return fallback
}

/** A child or children, always as an array of what is there. */
export function all(value: unknown): unknown[] {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? value : [value]
}

/** The text of an element (with or without attributes), trimmed; '' when absent. */
export function textOf(value: unknown): string {
  if (Array.isArray(value)) return textOf(value[0])
  if (typeof value === 'string') return value.trim()
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (typeof value === 'object' && value !== null) return textOf((value as XmlNode)['#text'])
  return ''
}

/** An attribute's value, or undefined. */
export function attr(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const v = (value as XmlNode)[`@${name}`]
  return typeof v === 'string' ? v : undefined
}

/** A child element as a node ({} when absent or text-only). */
export function child(node: unknown, name: string): XmlNode {
  const value = all((node as XmlNode | undefined)?.[name])[0]
  return typeof value === 'object' && value !== null ? (value as XmlNode) : {}
}
