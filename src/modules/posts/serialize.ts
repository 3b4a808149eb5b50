import type { Config } from '../../config.js'
import { snippetHtml } from '../../content/snippet.js'
import { fillTemplate } from '../../lib/urls.js'
import { toAuthorRef } from '../authors/serialize.js'
import { toTagRef } from '../tags/serialize.js'
import type { PostLinks, PostRow, PostSummaryRow } from './queries.js'
import type { Post, PostSummary } from './schemas.js'

type Site = Config['site']

export function postUrl(row: Pick<PostSummaryRow, 'slug' | 'id' | 'publishedAt'>, site: Site): string {
  return fillTemplate(site.postUrlTemplate, { slug: row.slug, id: row.id, date: row.publishedAt })
}

export function toPostSummary(row: PostSummaryRow, links: PostLinks, site: Site, snippet?: string): PostSummary {
  const authors = (links.authors.get(row.id) ?? []).map((a) => toAuthorRef(a, site))
  const tags = (links.tags.get(row.id) ?? []).map((t) => toTagRef(t, site))
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    excerpt: row.excerpt,
    featured: row.featured,
    status: row.status,
    publishedAt: row.publishedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    readingTimeMinutes: row.readingTimeMinutes,
    wordCount: row.wordCount,
    featureImage: row.featureImageUrl ? { url: row.featureImageUrl, alt: row.featureImageAlt } : null,
    canonicalUrl: row.canonicalUrl,
    url: postUrl(row, site),
    authors,
    // Every post has an author: writes take at least one, and an author with posts cannot be deleted.
    primaryAuthor: authors[0]!,
    tags,
    primaryTag: tags[0] ?? null,
    ...(snippet !== undefined ? { snippet: snippetHtml(snippet) } : {}),
  }
}

export function toPost(row: PostRow, links: PostLinks, site: Site): Post {
  return { ...toPostSummary(row, links, site), html: row.html, markdown: row.markdown }
}
