import sanitize from 'sanitize-html'
import { LINK_SCHEMES } from '../content/sanitize.js'

// The attributes that hold a URL (srcset holds several), on whatever element.
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'poster'])
const MAYBE_URLS = /\s(?:href|src|srcset|cite|poster)\s*=/i
// Already absolute: a scheme (https:, mailto:, data:...) or protocol-relative (//cdn.example/x).
const ABSOLUTE = /^(?:[a-z][a-z\d+.-]*:|\/\/)/i

/**
 * `value` resolved against `base` when it is relative. Anything else is left exactly as it is: an absolute
 * URL, a link within the post (`#section`), an empty or unparsable value.
 */
function resolve(value: string, base: URL): string {
  const v = value.trim()
  if (v === '' || v.startsWith('#') || ABSOLUTE.test(v)) return value
  try {
    return new URL(v, base).href
  } catch {
    return value
  }
}

/**
 * A srcset with each candidate's URL resolved, and its descriptors kept. Split as HTML's "parse a srcset
 * attribute" splits it: a URL runs to the next whitespace (so a comma inside one, `w_400,c_fill`, stays in
 * it) and ends its candidate if it ends with commas; descriptors run to the next comma outside parentheses.
 * (sanitize-html then writes the srcset out again in its own form, as the sanitiser proper does anyway.)
 */
function resolveSrcset(value: string, base: URL): string {
  let out = ''
  let i = 0
  while (i < value.length) {
    const separator = /^[\s,]*/.exec(value.slice(i))![0]
    out += separator
    i += separator.length
    if (i >= value.length) break
    const token = /^\S*/.exec(value.slice(i))![0]
    i += token.length
    const commas = /,*$/.exec(token)![0]
    out += resolve(token.slice(0, token.length - commas.length), base) + commas
    if (commas) continue
    let depth = 0
    let end = i
    for (; end < value.length; end++) {
      const c = value[end]
      if (c === '(') depth++
      else if (c === ')') depth = Math.max(0, depth - 1)
      else if (c === ',' && depth === 0) break
    }
    out += value.slice(i, end)
    i = end
  }
  return out
}

/**
 * An imported body's relative URLs (`/images/q.png`, `../2019/05/queues`) made absolute against the post's
 * address at its source: they were written for pages on the old site, and nowhere else would they lead
 * anywhere, in the API's html or in a feed. A body with no relative URL is returned exactly as it came, so
 * that a re-run of an import sees it unchanged; one with some is re-serialised with them resolved (and is
 * sanitised afterwards, as every body is).
 */
export function absoluteUrls(html: string, base: string | undefined): string {
  if (!base || !MAYBE_URLS.test(html)) return html
  let baseUrl: URL
  try {
    baseUrl = new URL(base)
  } catch {
    return html
  }
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') return html
  let changed = false
  const rewritten = sanitize(html, {
    // Every element and attribute kept: this pass only rewrites URLs; the sanitiser proper comes later.
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    // The sanitiser's schemes, and data: (it decides which elements may have it).
    allowedSchemes: [...LINK_SCHEMES, 'data'],
    transformTags: {
      '*': (tagName, attribs) => {
        const resolved: sanitize.Attributes = {}
        for (const [name, value] of Object.entries(attribs)) {
          const next = name === 'srcset' ? resolveSrcset(value, baseUrl) : URL_ATTRIBUTES.has(name) ? resolve(value, baseUrl) : value
          if (next !== value) changed = true
          resolved[name] = next
        }
        return { tagName, attribs: resolved }
      },
    },
  })
  return changed ? rewritten : html
}
