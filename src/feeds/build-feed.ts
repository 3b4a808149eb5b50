import type { Config } from '../config.js'
import { toAuthorRef } from '../modules/authors/serialize.js'
import type { PostLinks, PostWithHtmlRow } from '../modules/posts/queries.js'
import { postUrl } from '../modules/posts/serialize.js'
import { toTagRef } from '../modules/tags/serialize.js'
import { absoluteHtml, xmlSafe } from './feed-text.js'
import { feedLinks, type FeedLinks } from './feed-urls.js'

type Site = Config['site']

/** What a feed follows: the whole site, one tag or one author. */
export interface FeedChannel {
  /** Where the feed lives under the API URL: '' for the site, `/tags/{slug}`, `/authors/{slug}`. */
  prefix: string
  title: string
  description: string
  /** The page on the site the feed mirrors: the home page, a tag page or an author page. */
  homePageUrl: string
  /** When the tag or author itself was last edited (null for the site): how new a feed with no posts is. */
  updatedAt: Date | null
  /**
   * The tag's or author's id, or the site's (see feedRoutes), which its feed's permanent identity is made
   * from: a rename or a new API_URL changes the feed's URL, and RFC 4287 4.2.6 says its atom:id must not
   * change. Null for a site feed named by its URL since before there was a site id.
   */
  resourceId: string | null
}

export interface FeedPerson { name: string; url: string; avatarUrl: string | null }
export interface FeedCategory { slug: string; name: string; url: string }

export interface FeedItem {
  /** The post id: stable across renames, unlike a URL. */
  id: string
  url: string
  title: string
  /** The excerpt, as plain text. */
  summary: string
  /** The full sanitised body, with absolute links. */
  html: string
  publishedAt: Date
  updatedAt: Date
  authors: FeedPerson[]
  categories: FeedCategory[]
  image: { url: string; alt: string | null } | null
}

/** One feed document, whatever its format: every renderer reads only this. All text is XML-safe. */
export interface FeedModel {
  /** The feed's permanent identity, shared by its archive pages (RFC 5005). */
  id: string
  title: string
  description: string
  language: string
  homePageUrl: string
  updatedAt: Date
  generator: string
  /** The site itself as the feed's author, so that an item without authors still has one. */
  author: FeedPerson
  self: FeedLinks
  /** Set on archive pages only: the subscription feed they belong to (marks the document as an archive). */
  current: FeedLinks | null
  /** The next older archive page. */
  prevArchive: FeedLinks | null
  /** The next newer archive page. */
  nextArchive: FeedLinks | null
  hub: string | null
  items: FeedItem[]
}

export interface BuildFeedInput {
  site: Site
  hub: string | undefined
  channel: FeedChannel
  /** The archive page this document is, or undefined for the subscription feed. */
  archive: number | undefined
  /** How many full archive pages the feed has now. */
  archivePages: number
  posts: PostWithHtmlRow[]
  links: PostLinks
  /** The last public change (the feed's Last-Modified): how new the site's feed is with no posts at all. */
  changedAt: Date
}

function toItem(row: PostWithHtmlRow, links: PostLinks, site: Site): FeedItem {
  const url = postUrl(row, site)
  // Only public posts reach a feed, and those always have a publication time.
  const publishedAt = row.publishedAt ?? row.createdAt
  return {
    id: row.id,
    url,
    title: xmlSafe(row.title),
    summary: xmlSafe(row.excerpt),
    html: absoluteHtml(xmlSafe(row.html), url),
    publishedAt,
    // A post written before its scheduled time was last edited "before" it appeared; readers expect updated >= published.
    updatedAt: row.updatedAt > publishedAt ? row.updatedAt : publishedAt,
    authors: (links.authors.get(row.id) ?? []).map((a) => {
      const ref = toAuthorRef(a, site)
      return { name: xmlSafe(ref.name), url: ref.url, avatarUrl: ref.avatarUrl }
    }),
    categories: (links.tags.get(row.id) ?? []).map((t) => {
      const ref = toTagRef(t, site)
      return { slug: ref.slug, name: xmlSafe(ref.name), url: ref.url }
    }),
    image: row.featureImageUrl ? { url: row.featureImageUrl, alt: row.featureImageAlt === null ? null : xmlSafe(row.featureImageAlt) } : null,
  }
}

const newestFirst = (a: FeedItem, b: FeedItem) => b.publishedAt.getTime() - a.publishedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** Pure: the site, one page of posts with their authors and tags, and where the page sits -> a feed model. */
export function buildFeed(input: BuildFeedInput): FeedModel {
  const { site, channel, archive, archivePages } = input
  const at = (page?: number) => feedLinks(site.apiUrl, channel.prefix, page)
  const newestArchive = archivePages > 0 ? archivePages : undefined
  const items = input.posts.map((row) => toItem(row, input.links, site)).sort(newestFirst)
  return {
    id: channel.resourceId ? `urn:uuid:${channel.resourceId}` : at().atom,
    title: xmlSafe(channel.title),
    description: xmlSafe(channel.description),
    language: site.language,
    homePageUrl: channel.homePageUrl,
    // The newest item's update: what the document shows, as its ETag does (not Last-Modified, which moves on
    // any public write). An empty feed shows its tag or author: as new as that was last edited.
    updatedAt: items.length
      ? new Date(Math.max(...items.map((item) => item.updatedAt.getTime())))
      : channel.updatedAt ?? input.changedAt,
    generator: 'Quire',
    author: { name: xmlSafe(site.title), url: site.url, avatarUrl: null },
    self: at(archive),
    current: archive === undefined ? null : at(),
    prevArchive: archive === undefined ? (newestArchive ? at(newestArchive) : null) : archive > 1 ? at(archive - 1) : null,
    nextArchive: archive !== undefined && archive < archivePages ? at(archive + 1) : null,
    // The subscription feed only: an archive page is not subscribed to (RFC 5005: it does not change), and no hub hears of it.
    hub: archive === undefined ? input.hub ?? null : null,
    items,
  }
}
