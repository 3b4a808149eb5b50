import { createHash } from 'node:crypto'
import type { Config } from '../config.js'
import type { Executor } from '../db/client.js'
import { findAuthorRow } from '../modules/authors/queries.js'
import { toAuthorRef } from '../modules/authors/serialize.js'
import { listPosts, loadPostLinks, publicPostStats, type PageOf, type PostFilters } from '../modules/posts/queries.js'
import { findTagRow } from '../modules/tags/queries.js'
import { toTagRef } from '../modules/tags/serialize.js'
import { buildFeed, type FeedChannel, type FeedModel } from './build-feed.js'
import { archivePageCount, FEED_SIZE } from './feed-urls.js'

type Site = Config['site']

export type FeedKind = 'site' | 'tag' | 'author'

/** What one feed follows: its channel (titles, links) and the filter that selects its posts. */
export interface FeedScope { channel: FeedChannel; filters: PostFilters }

/**
 * The feed of the site, a tag or an author; undefined when no tag or author has the slug. `siteId` is the
 * site's permanent id (see feedRoutes), which its feed's Atom id is made from, as a tag's is from the tag's
 * (null: named by its URL).
 */
export async function findFeedScope(db: Executor, site: Site, siteId: string | null, kind: FeedKind, slug = ''): Promise<FeedScope | undefined> {
  if (kind === 'site') {
    return { channel: { prefix: '', title: site.title, description: site.description, homePageUrl: site.url, updatedAt: null, resourceId: siteId }, filters: { visibility: 'public' } }
  }
  if (kind === 'tag') {
    const tag = await findTagRow(db, slug)
    if (!tag) return undefined
    const channel = {
      prefix: `/tags/${tag.slug}`,
      title: `${tag.name} – ${site.title}`,
      description: tag.description ?? `Posts tagged “${tag.name}” on ${site.title}.`,
      homePageUrl: toTagRef(tag, site).url,
      updatedAt: tag.updatedAt,
      resourceId: tag.id,
    }
    return { channel, filters: { visibility: 'public', tag: [tag.slug] } }
  }
  const author = await findAuthorRow(db, slug)
  if (!author) return undefined
  const channel = {
    prefix: `/authors/${author.slug}`,
    title: `${author.name} – ${site.title}`,
    description: author.bio ?? `Posts by ${author.name} on ${site.title}.`,
    homePageUrl: toAuthorRef(author, site).url,
    updatedAt: author.updatedAt,
    resourceId: author.id,
  }
  return { channel, filters: { visibility: 'public', author: [author.slug] } }
}

/** The posts of a feed document: the subscription feed is the newest 20; archive page N is the Nth 20 counted from the oldest. */
function feedPage(archive: number | undefined): PageOf {
  return archive === undefined
    ? { sort: '-publishedAt', page: { page: 1, limit: FEED_SIZE } }
    : { sort: 'publishedAt', page: { page: archive, limit: FEED_SIZE } }
}

/** What a feed's validators are made of, read without touching a single post body. */
export interface FeedState {
  /** When the last write the public can see (edits, unpublishing and deletions included; not a draft's) was made. */
  changedAt: Date
  /** Public posts in the scope (which make the archive pages), and the newest one's publication: a scheduled post going live moves it. */
  total: number
  newestPublishedAt: Date | null
  /** The digest of the rows the document's posts are rendered from (their versions, and their authors' and tags'). */
  pageDigest: string
}

/**
 * Read before the posts themselves: the document sent is then at least as new as its validators, so a
 * write landing in between costs a client one extra download, never a stale 304.
 */
export async function readFeedState(db: Executor, scope: FeedScope, archive: number | undefined): Promise<FeedState> {
  const stats = await publicPostStats(db, scope.filters, feedPage(archive))
  return {
    changedAt: stats.contentChangedAt,
    total: stats.total,
    newestPublishedAt: stats.newestPublishedAt,
    pageDigest: stats.pageDigest,
  }
}

/**
 * Last-Modified and ETag of one feed document.
 * - The ETag names what the document shows: its channel (the tag's or author's name and description), how
 *   many archive pages the scope has (the links to them), and the digest of its posts' rows. A write
 *   elsewhere (a draft saved, a post of another tag) leaves it as it was, so a reader polling with
 *   If-None-Match gets a 304 rather than the whole feed again. It is weak: it names the content, not the
 *   bytes of one rendering.
 *   The feed's own id (a tag's or author's, in urn:uuid form) is part of it, and so is the date an empty
 *   feed shows.
 * - Last-Modified is a date that never goes backwards, which the newest item's update time would when a
 *   post is unpublished or deleted: the last public write, or the newest publication when a scheduled post
 *   went live later (no write announces that), or `renderedSince` (when feeds began to be served with the
 *   settings and rendering `representation` names) if later. So it moves on any public write, anywhere in
 *   the archive, and on a deploy that changes the documents, and a reader polling by date alone downloads
 *   the feed again after one; a draft saved, or a restart, leaves it. Replicas agree on it.
 */
export function feedValidators(scope: FeedScope, state: FeedState, representation: string, renderedSince: Date): { etag: string; lastModified: Date } {
  const newest = state.newestPublishedAt?.getTime() ?? 0
  const lastModified = new Date(Math.max(state.changedAt.getTime(), newest, renderedSince.getTime()))
  const { title, description, homePageUrl, resourceId, updatedAt } = scope.channel
  // What an empty feed shows as its own update (see buildFeed).
  const emptyFeedDate = state.total === 0 ? (updatedAt ?? state.changedAt).toISOString() : null
  const hash = createHash('sha1')
    .update(JSON.stringify([representation, title, description, homePageUrl, resourceId, emptyFeedDate, archivePageCount(state.total), state.pageDigest]))
    .digest('base64url')
  return { etag: `W/"${hash}"`, lastModified }
}

/**
 * Query -> model: one page of posts with full html, their authors and tags, and the archive links around it.
 * The posts are not counted again: the archive links are those of the state the validators were made from
 * (counting the most used tag's posts takes tens of milliseconds at 100,000 posts).
 */
export async function loadFeed(
  db: Executor,
  config: { site: Site; websubHub: string | undefined },
  scope: FeedScope,
  state: Pick<FeedState, 'total' | 'changedAt'>,
  archive: number | undefined,
): Promise<FeedModel> {
  const { sort, page } = feedPage(archive)
  const { rows } = await listPosts(db, scope.filters, sort, page, { html: true, count: false })
  const links = await loadPostLinks(db, rows.map((r) => r.id))
  return buildFeed({
    site: config.site,
    hub: config.websubHub,
    channel: scope.channel,
    archive,
    archivePages: archivePageCount(state.total),
    posts: rows,
    links,
    changedAt: state.changedAt,
  })
}
