import type { Config } from '../../config.js'
import type { authors } from '../../db/schema.js'
import { fillTemplate } from '../../lib/urls.js'
import type { AuthorRow } from './queries.js'
import type { Author, AuthorRef } from './schemas.js'

type Site = Config['site']

export function toAuthorRef(row: Pick<typeof authors.$inferSelect, 'id' | 'slug' | 'name' | 'title' | 'avatarUrl'>, site: Site): AuthorRef {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    title: row.title,
    avatarUrl: row.avatarUrl,
    url: fillTemplate(site.authorUrlTemplate, row),
  }
}

export function toAuthor(row: AuthorRow, site: Site): Author {
  return { ...toAuthorRef(row, site), bio: row.bio, websiteUrl: row.websiteUrl, postCount: row.postCount }
}
