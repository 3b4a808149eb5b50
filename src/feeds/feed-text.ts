import { DomUtils, parseDocument } from 'htmlparser2'

// Everything outside XML 1.0's Char production (section 2.2): C0 controls other than tab, newline and
// carriage return, lone surrogates (the `u` flag sees an unpaired half as a code point of its own), and
// U+FFFE/U+FFFF. An XML library escapes markup but writes these through, and one of them is enough to
// make a whole feed unreadable.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** The text without the characters XML 1.0 cannot carry, so that no stored text can break a feed. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML_CHAR, '')
}

// Attributes that hold one URL, and the ones that hold a list of image candidates.
const URL_ATTRIBUTES = ['href', 'src', 'cite', 'poster'] as const
const SRCSET_ATTRIBUTES = ['srcset'] as const

function absolute(url: string, base: string): string {
  const trimmed = url.trim()
  if (trimmed === '') return url
  try {
    return new URL(trimmed, base).href
  } catch {
    // Not a URL a browser could resolve either: leave it as written.
    return url
  }
}

/**
 * `srcset` is "url [descriptor], url [descriptor]": a URL runs to the next whitespace, and a comma ends a
 * candidate only outside the descriptor. URLs may themselves contain commas, so a plain split would break them.
 */
export function absoluteSrcset(srcset: string, base: string): string {
  const candidates: string[] = []
  let rest = srcset
  while (rest.trim() !== '') {
    rest = rest.replace(/^[\s,]+/, '')
    const urlEnd = rest.search(/\s/)
    let url = urlEnd === -1 ? rest : rest.slice(0, urlEnd)
    rest = urlEnd === -1 ? '' : rest.slice(urlEnd)
    let descriptor = ''
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '')
    } else {
      const comma = rest.indexOf(',')
      descriptor = (comma === -1 ? rest : rest.slice(0, comma)).trim()
      rest = comma === -1 ? '' : rest.slice(comma + 1)
    }
    if (url) candidates.push(descriptor ? `${absolute(url, base)} ${descriptor}` : absolute(url, base))
  }
  return candidates.join(', ')
}

/**
 * The html with every link and image source made absolute. A feed reader shows the html away from the
 * site with no base URL, so `/posts/other` or `#section` would point nowhere. They are resolved as a browser
 * showing the post would resolve them: against the post's own URL (so `#section` stays on the post).
 */
export function absoluteHtml(html: string, base: string): string {
  const document = parseDocument(html)
  const elements = DomUtils.findAll(
    (el) => URL_ATTRIBUTES.some((a) => a in el.attribs) || SRCSET_ATTRIBUTES.some((a) => a in el.attribs),
    document.children,
  )
  if (elements.length === 0) return html
  for (const el of elements) {
    for (const name of URL_ATTRIBUTES) {
      const value = el.attribs[name]
      if (value !== undefined) el.attribs[name] = absolute(value, base)
    }
    for (const name of SRCSET_ATTRIBUTES) {
      const value = el.attribs[name]
      if (value !== undefined) el.attribs[name] = absoluteSrcset(value, base)
    }
  }
  // `utf8` escapes only what markup needs (& < > and quotes in attributes) and keeps every other character as is.
  return DomUtils.getOuterHTML(document.children, { encodeEntities: 'utf8' })
}
