import sanitize from 'sanitize-html'

// The attributes that hold a URL (srcset holds several), on whatever element.
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'poster'])
const MAYBE_URLS = /\s(?:href|src|srcset|cite|poster)\s*=/i

/** `value` resolved against `base`; left as it is when empty, a fragment (a link within the post) or unparsable. */
function resolve(value: string, base: URL): string {
  const v = value.trim()
  if (v === '' || v.startsWith('#')) return value
  try {
    return new URL(v, base).href
  } catch {
    return value
  }
}

// "small.png 480w, large.png 1080w": each candidate's URL resolved, its descriptor kept.
const resolveSrcset = (value: string, base: URL) =>
  value.split(',').map((candidate) => {
    const [url = '', ...descriptors] = candidate.trim().split(/\s+/)
    return [resolve(url, base), ...descriptors].join(' ')
  }).join(', ')

/**
 * An imported body's relative URLs (`/images/q.png`, `../2019/05/queues`) made absolute against the post's
 * address at its source: they were written for pages on the old site, and nowhere else would they lead
 * anywhere, in the API's html or in a feed. Links within the post (`#section`) stay as they are. Only
 * URLs change: the body is sanitised afterwards, as every body is.
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
  return sanitize(html, {
    // Every element and attribute kept: this pass only rewrites URLs; the sanitiser proper comes later.
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    transformTags: {
      '*': (tagName, attribs) => {
        const rewritten: sanitize.Attributes = {}
        for (const [name, value] of Object.entries(attribs)) {
          rewritten[name] = name === 'srcset' ? resolveSrcset(value, baseUrl) : URL_ATTRIBUTES.has(name) ? resolve(value, baseUrl) : value
        }
        return { tagName, attribs: rewritten }
      },
    },
  })
}
