import type { Config } from '../../config.js'
import { feedLinks } from '../../feeds/feed-urls.js'
import type { SiteCounts } from './queries.js'
import type { Site } from './schemas.js'

/** The blog as GET /v1/site shows it: its settings, its feeds' URLs and what it holds. */
export function toSite(site: Config['site'], counts: SiteCounts): Site {
  const { title, description, url, language, apiUrl } = site
  return { title, description, url, language, feeds: feedLinks(apiUrl), counts }
}
