import type { Config } from '../../config.js'
import { decodeUnreserved, fillTemplate, pathOf, publicPath } from '../../lib/urls.js'
import type { Resolved } from './schemas.js'

/** A resource a site path names: its kind, the template of its pages, and its row. */
export interface PathMatch {
  resource: 'post' | 'tag' | 'author'
  template: string
  plural: string
  row: { id: string; slug: string; publishedAt?: Date | null }
}

/**
 * What `path` is, now that it is known to name `match` (`moved`: by a slug it had before). A path that names
 * the resource but not in its canonical form (a wrong date, an id for a slug) redirects too.
 */
export function toResolved({ resource, template, plural, row }: PathMatch, moved: boolean, path: string, site: Config['site']): Resolved {
  const canonical = pathOf(fillTemplate(template, { slug: row.slug, id: row.id, date: row.publishedAt ?? null }))
  // A redirect keeps what the path carried besides (campaign parameters, the reader's place), as a web
  // server's does; but a query of the canonical path's own (a template's `?p={id}`) is not mixed with it.
  const [, search = '', fragment = ''] = /^[^?#]*(\?[^#]*)?(#.*)?$/.exec(path)!
  const location = canonical.includes('?') ? `${canonical}${fragment}` : `${canonical}${search}${fragment}`
  const redirect = moved || canonical.replace(/\/$/, '') !== decodeUnreserved(path.split(/[?#]/)[0]!).replace(/\/$/, '')
  return {
    type: redirect ? 'redirect' : resource,
    resource,
    id: row.id,
    slug: row.slug,
    path: canonical,
    ...(redirect ? { location } : {}),
    api: publicPath(site.apiPath, `/v1/${plural}/${row.slug}`),
  }
}
