import { parseFeed } from '@rowanmanning/feed-parser'
import { eq, inArray } from 'drizzle-orm'
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from 'feedsmith'
import { DomUtils, parseDocument } from 'htmlparser2'
import { SaxesParser } from 'saxes'
import type { Db } from '../../src/db/client.js'
import { authors, postAuthors, posts, postTags, tags } from '../../src/db/schema.js'

export const FORMATS = ['rss', 'atom', 'json'] as const
export type Format = (typeof FORMATS)[number]
export const FILES: Record<Format, string> = { rss: 'feed.xml', atom: 'feed.atom', json: 'feed.json' }
export const MEDIA: Record<Format, RegExp> = {
  rss: /^application\/rss\+xml; charset=utf-8$/,
  atom: /^application\/atom\+xml; charset=utf-8$/,
  json: /^application\/feed\+json; charset=utf-8$/,
}

/** One item as a feed reader sees it, whatever the format. */
export interface ReadItem {
  id: string
  title: string
  url: string
  summary: string
  content: string
  published: string
  updated: string
  authors: string[]
  categories: string[]
  /** The feature image's URL and alt text ('' without; JSON Feed has no alt text). */
  image: string
  imageAlt: string
}

export interface ReadFeed {
  title: string
  items: ReadItem[]
  /** rel -> href, from the format's own link elements (RFC 5005 and WebSub links included). */
  links: Record<string, string>
  /** RFC 5005 <fh:archive/>: XML formats only. */
  archive: boolean
}

/**
 * A strict, conforming XML 1.0 parse: throws on any well-formedness error, including characters XML does
 * not allow. The feed parsers below are lenient on purpose (as readers are), so they cannot prove this.
 */
export function assertWellFormedXml(xml: string): void {
  const parser = new SaxesParser({ xmlns: true })
  parser.on('error', (error) => {
    throw error
  })
  parser.write(xml).close()
}

const iso = (value: Date | string | null | undefined) => (value ? new Date(value).toISOString() : '')

/**
 * Reads a feed with feedsmith, an independent parser from npm that decodes exactly (no second round of
 * entity decoding), after a strict well-formedness check of the XML ones.
 */
export function readFeed(format: Format, body: string): ReadFeed {
  if (format === 'json') {
    const feed = parseJsonFeed(JSON.parse(body))
    const links: Record<string, string> = {}
    if (feed.feed_url) links.self = feed.feed_url
    if (feed.next_url) links.next = feed.next_url
    for (const hub of feed.hubs ?? []) links.hub = hub.url ?? ''
    return {
      title: feed.title ?? '',
      archive: false,
      links,
      items: (feed.items ?? []).map((item) => ({
        id: String(item.id),
        title: item.title ?? '',
        url: item.url ?? '',
        summary: item.summary ?? '',
        content: item.content_html ?? '',
        published: iso(item.date_published),
        updated: iso(item.date_modified),
        authors: (item.authors ?? []).map((a) => a.name ?? ''),
        categories: item.tags ?? [],
        image: item.image ?? '',
        imageAlt: '',
      })),
    }
  }
  assertWellFormedXml(body)
  const archive = /<fh:archive\s*\/>/.test(body)
  if (format === 'rss') {
    const feed = parseRssFeed(body)
    return {
      title: feed.title ?? '',
      archive,
      links: Object.fromEntries((feed.atom?.links ?? []).map((l) => [l.rel ?? 'alternate', l.href ?? ''])),
      items: (feed.items ?? []).map((item) => ({
        id: item.guid?.value ?? '',
        title: item.title ?? '',
        url: item.link ?? '',
        // A reader renders an item's description as HTML: what it shows is the text of that.
        summary: DomUtils.textContent(parseDocument(item.description ?? '')),
        content: item.content?.encoded ?? '',
        published: iso(item.pubDate),
        updated: iso(item.dcterms?.modified?.[0]),
        authors: item.dc?.creators ?? [],
        categories: (item.categories ?? []).map((c) => c.name ?? ''),
        image: item.media?.contents?.[0]?.url ?? '',
        imageAlt: item.media?.contents?.[0]?.description?.value ?? '',
      })),
    }
  }
  const feed = parseAtomFeed(body)
  return {
    title: feed.title?.value ?? '',
    archive,
    links: Object.fromEntries((feed.links ?? []).map((l) => [l.rel ?? 'alternate', l.href ?? ''])),
    items: (feed.entries ?? []).map((entry) => ({
      id: entry.id ?? '',
      title: entry.title?.value ?? '',
      url: entry.links?.find((l) => (l.rel ?? 'alternate') === 'alternate')?.href ?? '',
      summary: entry.summary?.value ?? '',
      content: entry.content?.value ?? '',
      published: iso(entry.published),
      updated: iso(entry.updated),
      authors: (entry.authors ?? []).map((a) => a.name ?? ''),
      categories: (entry.categories ?? []).map((c) => c.term ?? ''),
      image: entry.media?.contents?.[0]?.url ?? '',
      imageAlt: entry.media?.contents?.[0]?.description?.value ?? '',
    })),
  }
}

/**
 * What a typical reader makes of an RSS or Atom feed: @rowanmanning/feed-parser, lenient as readers are
 * (it decodes entities in content a second time, so its content is not compared byte for byte).
 */
export function readAsReader(body: string) {
  return parseFeed(body)
}

/** The id a format gives a post: RSS guid and JSON Feed id are the post id, Atom a urn:uuid. */
export function itemId(format: Format, postId: string): string {
  return format === 'atom' ? `urn:uuid:${postId}` : postId
}

export interface NewPost {
  slug: string
  title: string
  html: string
  publishedAt: Date | null
  status?: 'draft' | 'published'
  excerpt?: string
  authors?: string[]
  tags?: string[]
}

/** Writes a post straight into the database, as another process or a migration might. */
export async function insertPost(db: Db, post: NewPost): Promise<string> {
  const [row] = await db
    .insert(posts)
    .values({
      slug: post.slug,
      title: post.title,
      excerpt: post.excerpt ?? post.title,
      html: post.html,
      status: post.status ?? 'published',
      publishedAt: post.publishedAt,
      wordCount: 10,
      readingTimeMinutes: 1,
      createdAt: post.publishedAt ?? undefined,
      updatedAt: post.publishedAt ?? undefined,
    })
    .returning({ id: posts.id })
  const postId = row!.id
  const authorSlugs = post.authors ?? ['ada-okafor']
  const authorRows = await db.select({ id: authors.id, slug: authors.slug }).from(authors).where(inArray(authors.slug, authorSlugs))
  await db.insert(postAuthors).values(authorSlugs.map((slug, position) => ({ postId, authorId: authorRows.find((a) => a.slug === slug)!.id, position })))
  if (post.tags?.length) {
    const tagRows = await db.select({ id: tags.id, slug: tags.slug }).from(tags).where(inArray(tags.slug, post.tags))
    await db.insert(postTags).values(post.tags.map((slug, position) => ({ postId, tagId: tagRows.find((t) => t.slug === slug)!.id, position })))
  }
  return postId
}

export async function postBySlug(db: Db, slug: string) {
  const [row] = await db.select().from(posts).where(eq(posts.slug, slug))
  if (!row) throw new Error(`no post ${slug}`)
  return row
}
