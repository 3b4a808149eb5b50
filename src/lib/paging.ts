import { PageOutOfRangeError, queryParameterError } from './errors.js'
import type { PageMeta } from './schemas.js'

export interface PageRequest { page: number; limit: number }

export function offsetOf({ page, limit }: PageRequest): number {
  return (page - 1) * limit
}

/** A page's cursors (see pageCursors), or none where the list has no keyset to walk (a search ranked by relevance, drafts). */
export type PageCursors = { nextCursor: string | null; prevCursor: string | null } | undefined

/**
 * The list envelope's meta for a page by number: `total` is undefined when the client asked not to count
 * (`count=false`); `hasNext` says whether the next page has rows, which `nextPage` names, counted or not;
 * `nextCursor` goes on from the page by cursor, where the list has one. A page past the last one is the
 * client's error, counted or not (uncounted, a page after the first with no rows, `rows` being how many
 * this page has).
 */
export function pageMeta({ page, limit }: PageRequest, total: number | undefined, rows: number, hasNext: boolean, nextCursor?: string | null): PageMeta {
  // An empty list has one page, empty, as its `last` link says: "page 1 of 0" reads as a fault.
  const counted = total === undefined ? {} : { total, totalPages: Math.max(1, Math.ceil(total / limit)) }
  if (page > 1) {
    if (counted.totalPages !== undefined && page > counted.totalPages) throw queryParameterError(PageOutOfRangeError, 'page', `${page} is beyond the last page (${counted.totalPages})`)
    if (counted.totalPages === undefined && rows === 0) throw queryParameterError(PageOutOfRangeError, 'page', `${page} is beyond the last page (the list is not counted: count=false)`)
  }
  return { page, limit, ...counted, nextPage: hasNext ? page + 1 : null, ...(nextCursor !== undefined ? { nextCursor } : {}) }
}

/**
 * A list's meta: by page (pageMeta, with the cursor that goes on from it, if the list has cursors), or by
 * cursor: the limit, the total when counted, and the cursors of the next and the previous pages.
 */
export function listMeta(page: PageRequest, total: number | undefined, rows: number, hasNext: boolean, cursors: PageCursors, byCursor: boolean): PageMeta {
  if (byCursor && cursors) return { limit: page.limit, ...(total !== undefined ? { total } : {}), ...cursors }
  return pageMeta(page, total, rows, hasNext, cursors?.nextCursor)
}

function href(url: string, changes: Record<string, string | undefined>): string {
  const [path, search = ''] = url.split('?', 2) as [string, string?]
  const params = new URLSearchParams(search)
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) params.delete(key)
    else params.set(key, value)
  }
  const query = params.toString()
  return `<${path}${query ? `?${query}` : ''}>`
}

/**
 * An RFC 8288 `Link` header as path-absolute references that keep the request's other query parameters
 * (so they stay right behind any proxy that rewrites the host). Pages: first, prev, next (when the meta
 * names a next page) and last (when counted). Cursors: first, prev and next.
 */
export function linkHeader(url: string, meta: PageMeta, mode: 'page' | 'cursor' = 'page'): string {
  if (mode === 'cursor') {
    const links = [`${href(url, { cursor: undefined, page: undefined })}; rel="first"`]
    if (meta.prevCursor) links.push(`${href(url, { cursor: meta.prevCursor })}; rel="prev"`)
    if (meta.nextCursor) links.push(`${href(url, { cursor: meta.nextCursor })}; rel="next"`)
    return links.join(', ')
  }
  const page = meta.page ?? 1
  const last = meta.totalPages
  const links = [`${href(url, { page: '1' })}; rel="first"`]
  if (page > 1) links.push(`${href(url, { page: String(last === undefined ? page - 1 : Math.min(page - 1, last)) })}; rel="prev"`)
  if (meta.nextPage) links.push(`${href(url, { page: String(meta.nextPage) })}; rel="next"`)
  if (last !== undefined) links.push(`${href(url, { page: String(last) })}; rel="last"`)
  return links.join(', ')
}
