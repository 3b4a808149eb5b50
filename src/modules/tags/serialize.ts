import type { Config } from '../../config.js'
import type { tags } from '../../db/schema.js'
import { fillTemplate } from '../../lib/urls.js'
import type { TagRow } from './queries.js'
import type { Tag, TagRef } from './schemas.js'

type Site = Config['site']

export function toTagRef(row: Pick<typeof tags.$inferSelect, 'id' | 'slug' | 'name'>, site: Site): TagRef {
  return { id: row.id, slug: row.slug, name: row.name, url: fillTemplate(site.tagUrlTemplate, row) }
}

export function toTag(row: TagRow, site: Site): Tag {
  return { ...toTagRef(row, site), description: row.description, postCount: row.postCount }
}
