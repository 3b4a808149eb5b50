import { DomUtils, parseDocument } from 'htmlparser2'
import { LINK_SCHEMES, marksApart } from '../content/sanitize.js'
import { srcsetCandidates } from '../content/srcset.js'

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

// What a browser's URL parser takes off both ends of a URL (C0 controls and space), and nothing more: trim()
// would take no-break and other Unicode spaces too, and make `javascript:` of what a browser reads as a path.
const URL_EDGES = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g

/**
 * The URL resolved against `base`, as a browser would resolve it; undefined when it leads to a scheme a
 * post's links may not have (see LINK_SCHEMES): the html was sanitised before the feed read it, but its
 * rewriting here must not make what the sanitiser would have refused.
 */
function absolute(url: string, base: string): string | undefined {
  if (url.replace(URL_EDGES, '') === '') return url
  let resolved: URL
  try {
    resolved = new URL(url, base)
  } catch {
    // Not a URL a browser could resolve either: leave it as written.
    return url
  }
  return LINK_SCHEMES.includes(resolved.protocol.slice(0, -1)) ? resolved.href : undefined
}

/** A srcset with each candidate's URL made absolute, and the candidates with a refused scheme left out (see absolute). */
export function absoluteSrcset(srcset: string, base: string): string {
  return srcsetCandidates(srcset).flatMap(({ url, descriptor }) => {
    const resolved = absolute(url, base)
    return resolved === undefined ? [] : [descriptor ? `${resolved} ${descriptor}` : resolved]
  }).join(', ')
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
  // A link or a candidate that would lead to a refused scheme goes, as the sanitiser drops one.
  const set = (el: (typeof elements)[number], name: string, value: string | undefined) => {
    if (value === undefined) delete el.attribs[name]
    else el.attribs[name] = value
  }
  for (const el of elements) {
    for (const name of URL_ATTRIBUTES) {
      const value = el.attribs[name]
      if (value !== undefined) set(el, name, absolute(value, base))
    }
    for (const name of SRCSET_ATTRIBUTES) {
      const value = el.attribs[name]
      if (value === undefined) continue
      const resolved = absoluteSrcset(value, base)
      // Every candidate refused: no srcset at all.
      set(el, name, resolved === '' && value.replace(URL_EDGES, '') !== '' ? undefined : resolved)
    }
  }
  // `utf8` escapes only what markup needs (& < > and quotes in attributes) and keeps every other character as
  // is: a combining mark the sanitiser wrote as a reference too, which must stay one (see marksApart).
  return marksApart(DomUtils.getOuterHTML(document.children, { encodeEntities: 'utf8' }))
}
