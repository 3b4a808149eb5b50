import { PageOutOfRangeError } from './errors.js'
import type { PageMeta } from './schemas.js'

export interface PageRequest { page: number; limit: number }

export function offsetOf({ page, limit }: PageRequest): number {
  return (page - 1) * limit
}

/** The list envelope's meta; a page past the last one (when there is one) is the client's error. */
export function pageMeta({ page, limit }: PageRequest, total: number): PageMeta {
  const totalPages = Math.ceil(total / limit)
  if (page > 1 && page > totalPages) throw new PageOutOfRangeError(page, totalPages)
  return { page, limit, total, totalPages }
}

/**
 * An RFC 8288 `Link` header with first, prev, next and last, as path-absolute references that keep the
 * request's other query parameters (so they stay right behind any proxy that rewrites the host).
 */
export function linkHeader(url: string, meta: PageMeta): string {
  const [path, search = ''] = url.split('?', 2) as [string, string?]
  const href = (page: number) => {
    const params = new URLSearchParams(search)
    params.set('page', String(page))
    return `<${path}?${params.toString()}>`
  }
  const last = Math.max(1, meta.totalPages)
  const links = [`${href(1)}; rel="first"`]
  if (meta.page > 1) links.push(`${href(Math.min(meta.page - 1, last))}; rel="prev"`)
  if (meta.page < last) links.push(`${href(meta.page + 1)}; rel="next"`)
  links.push(`${href(last)}; rel="last"`)
  return links.join(', ')
}
