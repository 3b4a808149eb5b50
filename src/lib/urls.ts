/**
 * A path of this API as clients reach it: below API_URL's path (`apiPath`, '' at the root), where a proxy
 * serves the API under one (`/api`) and takes it off the requests it passes on. Every path-absolute link a
 * response carries (Link, Location, problem types and instances, resolve's `api`) is made by it.
 */
export function publicPath(apiPath: string, path: string): string {
  return apiPath + path
}

/** Fills a frontend URL template (`{slug}`, `{id}`, `{year}`, `{month}`, `{day}`) for one resource. */
export function fillTemplate(template: string, values: { slug: string; id?: string; date?: Date | null }): string {
  const date = values.date ?? null
  const pad = (n: number) => String(n).padStart(2, '0')
  return template
    .replaceAll('{slug}', encodeURIComponent(values.slug))
    .replaceAll('{id}', values.id ?? '')
    .replaceAll('{year}', date ? String(date.getUTCFullYear()) : '')
    .replaceAll('{month}', date ? pad(date.getUTCMonth() + 1) : '')
    .replaceAll('{day}', date ? pad(date.getUTCDate()) : '')
}

export interface TemplateMatch { slug?: string; id?: string }

/**
 * A path with its percent-encoded unreserved characters decoded (`%2D` is `-`, `%61` is `a`), which RFC 3986
 * 6.2.2.2 makes the same path: a frontend may pass one still encoded. Others (`%2F`, `%20`) stay as they are.
 */
export function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9a-f]{2})/gi, (escape, hex: string) => {
    const character = String.fromCharCode(parseInt(hex, 16))
    return /^[A-Za-z0-9\-._~]$/.test(character) ? character : escape
  })
}

/**
 * Matches a frontend path against the path part of a URL template (`/posts/{slug}`,
 * `/{year}/{month}/{slug}/`...), returning the slug or id it names. A trailing slash is optional.
 */
export function matchTemplate(template: string, path: string): TemplateMatch | undefined {
  const templatePath = template.replace(/^[a-z]+:\/\/[^/]+/i, '') || '/'
  const pattern = templatePath
    .replace(/\/+$/, '')
    .split(/(\{slug\}|\{id\}|\{year\}|\{month\}|\{day\})/)
    .map((part) => {
      switch (part) {
        case '{slug}': return '(?<slug>[a-z0-9]+(?:-[a-z0-9]+)*)'
        case '{id}': return '(?<id>[0-9a-f-]{36})'
        case '{year}': return '\\d{4}'
        case '{month}':
        case '{day}': return '\\d{2}'
        default: return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      }
    })
    .join('')
  const match = new RegExp(`^${pattern}/?$`).exec(decodeUnreserved(path.split(/[?#]/)[0]!))
  if (!match) return undefined
  return { slug: match.groups?.slug, id: match.groups?.id }
}

/** The path part of a filled template (what a frontend router sees). */
export function pathOf(url: string): string {
  return url.replace(/^[a-z]+:\/\/[^/]+/i, '') || '/'
}
