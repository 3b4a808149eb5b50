import type { Config } from '../../config.js'
import type { Executor } from '../../db/client.js'
import { matchTemplate } from '../../lib/urls.js'
import { findAuthor } from '../authors/queries.js'
import { findPost } from '../posts/queries.js'
import { findCurrentSlug } from '../slugs/queries.js'
import { findTag } from '../tags/queries.js'
import type { Resolved } from './schemas.js'
import { toResolved, type PathMatch } from './serialize.js'

type Site = Config['site']

/** The kinds of page a site path may be, by their URL templates, and how the public's one is found by id or slug. */
function pageKinds(site: Site): (Omit<PathMatch, 'row'> & { find: (db: Executor, ref: string) => Promise<PathMatch['row'] | undefined> })[] {
  return [
    { resource: 'post', template: site.postUrlTemplate, plural: 'posts', find: (db, ref) => findPost(db, ref, 'public') },
    { resource: 'tag', template: site.tagUrlTemplate, plural: 'tags', find: (db, ref) => findTag(db, ref, 'public') },
    { resource: 'author', template: site.authorUrlTemplate, plural: 'authors', find: (db, ref) => findAuthor(db, ref, 'public') },
  ]
}

/** What a path of the site is, as the public sees it (the site's paths are public pages): a post, a tag, an author, a redirect, or nothing. */
export async function resolveSitePath(db: Executor, site: Site, path: string): Promise<Resolved | undefined> {
  for (const { find, ...kind } of pageKinds(site)) {
    const match = matchTemplate(kind.template, path)
    const ref = match?.id ?? match?.slug
    if (!ref) continue
    const row = await find(db, ref)
    if (row) return toResolved({ ...kind, row }, false, path, site)
    const current = match?.slug && (await findCurrentSlug(db, kind.resource, match.slug))
    const moved = current ? await find(db, current) : undefined
    if (moved) return toResolved({ ...kind, row: moved }, true, path, site)
  }
  return undefined
}
