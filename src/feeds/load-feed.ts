import { createHash } from 'node:crypto'
import type { Config } from '../config.js'
import type { Executor } from '../db/client.js'
import { findAuthor } from '../modules/authors/queries.js'
import { toAuthorRef } from '../modules/authors/serialize.js'
import { listPosts, loadPostLinks, publicPostStats, type PostFilters } from '../modules/posts/queries.js'
import { findTag } from '../modules/tags/queries.js'
import { toTagRef } from '../modules/tags/serialize.js'
import { buildFeed, type FeedChannel, type FeedModel } from './build-feed.js'
import { archivePageCount, FEED_SIZE } from './feed-urls.js'

type Site = Config['site']

export type FeedKind = 'site' | 'tag' | 'author'

/** What one feed follows: its channel (titles, links) and the filter that selects its posts. */
export interface FeedScope { channel: FeedChannel; filters: PostFilters }

/** The feed of the site, a tag or an author; undefined when no tag or author has the slug. */
export async function findFeedScope(db: Executor, site: Site, kind: FeedKind, slug = ''): Promise<FeedScope | undefined> {
  if (kind === 'site') {
    return { channel: { prefix: '', title: site.title, description: site.description, homePageUrl: site.url }, filters: { visibility: 'public' } }
  }
  if (kind === 'tag') {
    const tag = await findTag(db, slug)
    if (!tag) return undefined
    const channel = {
      prefix: `/tags/${tag.slug}`,
      title: `${tag.name} – ${site.title}`,
      description: tag.description ?? `Posts tagged “${tag.name}” on ${site.title}.`,
      homePageUrl: toTagRef(tag, site).url,
    }
    return { channel, filters: { visibility: 'public', tag: [tag.slug] } }
  }
  const author = await findAuthor(db, slug)
  if (!author) return undefined
  const channel = {
    prefix: `/authors/${author.slug}`,
    title: `${author.name} – ${site.title}`,
    description: author.bio ?? `Posts by ${author.name} on ${site.title}.`,
    homePageUrl: toAuthorRef(author, site).url,
  }
  return { channel, filters: { visibility: 'public', author: [author.slug] } }
}

/** What a feed's validators are made of, read without touching a single post body. */
export interface FeedState {
  /** Advanced by every content write (triggers): edits, unpublishing and deletions included. */
  version: number
  changedAt: Date
  /** Public posts in the scope, and the newest one's publication: a scheduled post going live moves it. */
  total: number
  newestPublishedAt: Date | null
}

/**
 * Read before the posts themselves: the document sent is then at least as new as its validators, so a
 * write landing in between costs a client one extra download, never a stale 304.
 */
export async function readFeedState(db: Executor, scope: FeedScope): Promise<FeedState> {
  const stats = await publicPostStats(db, scope.filters)
  return { version: stats.contentVersion, changedAt: stats.contentChangedAt, total: stats.total, newestPublishedAt: stats.newestPublishedAt }
}

/**
 * Last-Modified and ETag of one feed document. The newest item's update time alone would not do: it goes
 * backwards when a post is unpublished or deleted. The content version moves on every write, and the newest
 * publication time on every scheduled post that goes live, which no write announces.
 * The ETag is weak: it names the content, not the bytes of one rendering.
 */
export function feedValidators(state: FeedState, representation: string): { etag: string; lastModified: Date } {
  const newest = state.newestPublishedAt?.getTime() ?? 0
  const lastModified = new Date(Math.max(state.changedAt.getTime(), newest))
  const hash = createHash('sha1')
    .update(`${representation}\n${state.version}\n${state.changedAt.getTime()}\n${newest}\n${state.total}`)
    .digest('base64url')
  return { etag: `W/"${hash}"`, lastModified }
}

/** Query -> model: one page of posts with full html, their authors and tags, and the archive links around it. */
export async function loadFeed(
  db: Executor,
  config: { site: Site; websubHub: string | undefined },
  scope: FeedScope,
  archive: number | undefined,
  updatedAt: Date,
): Promise<FeedModel> {
  // The subscription feed is the newest 20; archive page N is the Nth 20 counted from the oldest.
  const { rows, total } = archive === undefined
    ? await listPosts(db, scope.filters, '-publishedAt', { page: 1, limit: FEED_SIZE }, { html: true })
    : await listPosts(db, scope.filters, 'publishedAt', { page: archive, limit: FEED_SIZE }, { html: true })
  const links = await loadPostLinks(db, rows.map((r) => r.id))
  return buildFeed({
    site: config.site,
    hub: config.websubHub,
    channel: scope.channel,
    archive,
    archivePages: archivePageCount(total ?? 0),
    posts: rows,
    links,
    updatedAt,
  })
}
