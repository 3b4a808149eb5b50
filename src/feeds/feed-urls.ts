export const FEED_FORMATS = ['rss', 'atom', 'json'] as const
export type FeedFormat = (typeof FEED_FORMATS)[number]
export type FeedLinks = Record<FeedFormat, string>

export const FEED_FILES: Record<FeedFormat, string> = { rss: 'feed.xml', atom: 'feed.atom', json: 'feed.json' }

/** Posts per feed document: the subscription feed and every archive page alike. */
export const FEED_SIZE = 20

/**
 * The three formats' URLs of one feed document: the subscription feed (`archive` unset) or an archive page.
 * `prefix` is the feed's scope: '' for the site, `/tags/{slug}`, `/authors/{slug}`.
 */
export function feedLinks(apiUrl: string, prefix = '', archive?: number): FeedLinks {
  const query = archive === undefined ? '' : `?archive=${archive}`
  return {
    rss: `${apiUrl}${prefix}/${FEED_FILES.rss}${query}`,
    atom: `${apiUrl}${prefix}/${FEED_FILES.atom}${query}`,
    json: `${apiUrl}${prefix}/${FEED_FILES.json}${query}`,
  }
}

/**
 * RFC 5005 archive pages are numbered from the oldest post: page 1 holds the oldest 20 posts, page 2 the
 * next 20, and so on. A page exists only once it is full, so its contents never change when new posts
 * arrive, and a reader that has fetched it once need not again. Posts not yet on a full page are all among
 * the 20 newest, which the subscription feed carries.
 */
export function archivePageCount(total: number): number {
  return Math.floor(total / FEED_SIZE)
}
