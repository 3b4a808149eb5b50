/**
 * The reads the suite measures and explains, over a sample of the archive in the database. The bench and
 * the query-plan test share them, so "the main queries" are named in one place.
 */
import type pg from 'pg'
import { FEED_SIZE } from '../../src/feeds/feed-urls.js'
import { vocabulary } from './words.js'

export interface ArchiveSample {
  /** A public post. */
  slug: string
  /** The tag with the most public posts, and one with few. */
  popularTag: string
  rareTag: string
  author: string
  /** A word some posts contain (a few per cent), and one nearly every post contains. */
  query: string
  commonWord: string
  /** A page number far into the list (offset paging). */
  deepPage: number
}

export async function sampleArchive(pool: pg.Pool, deepPage: number): Promise<ArchiveSample> {
  const one = async (sql: string) => (await pool.query<{ v: string }>(sql)).rows[0]?.v
  const visible = `p.status = 'published' and p.published_at <= now()`
  const tags = `select t.slug as v from tags t join post_tags pt on pt.tag_id = t.id join posts p on p.id = pt.post_id where ${visible} group by t.slug`
  const sample = {
    slug: await one(`select slug as v from posts p where ${visible} order by md5(id::text) limit 1`),
    popularTag: await one(`${tags} order by count(*) desc, t.slug limit 1`),
    rareTag: await one(`${tags} order by count(*), t.slug limit 1`),
    author: await one(`select a.slug as v from authors a join post_authors pa on pa.author_id = a.id group by a.slug order by count(*) desc, a.slug limit 1`),
    query: vocabulary()[1000]!,
    commonWord: vocabulary()[3]!,
    deepPage,
  }
  const missing = Object.entries(sample).filter(([, v]) => v === undefined).map(([k]) => k)
  if (missing.length > 0) throw new Error(`the database has no public posts to sample (${missing.join(', ')}): seed it first`)
  return sample as ArchiveSample
}

export interface Read {
  label: string
  url: string
  /** Why a scan of posts is the right plan for this read, when it is. */
  scanExpected?: string
}

/** The page size of the lists read here: the API's default. */
const LIMIT = 15

/** The archive feed page as far from the oldest post as the deep page is from the newest. */
export const archiveFeedPage = (s: ArchiveSample) => Math.max(1, Math.floor((s.deepPage * LIMIT) / FEED_SIZE))

/** The reads whose plans must use indexes: lists, details, counts and feeds. */
export function mainReads(s: ArchiveSample, deepCursorUrl?: string): Read[] {
  return [
    { label: 'list page 1', url: `/v1/posts?limit=${LIMIT}` },
    { label: `deep page ${s.deepPage} (offset)`, url: `/v1/posts?limit=${LIMIT}&page=${s.deepPage}` },
    ...(deepCursorUrl ? [{ label: `deep page ${s.deepPage} (cursor)`, url: deepCursorUrl }] : []),
    { label: 'tag filter (popular tag)', url: `/v1/posts?limit=${LIMIT}&tag=${s.popularTag}` },
    { label: 'tag filter (rare tag)', url: `/v1/posts?limit=${LIMIT}&tag=${s.rareTag}` },
    { label: 'author filter', url: `/v1/posts?limit=${LIMIT}&author=${s.author}` },
    { label: 'posts by title', url: `/v1/posts?limit=${LIMIT}&sort=title` },
    { label: 'post by slug', url: `/v1/posts/${s.slug}` },
    { label: 'search', url: `/v1/posts?limit=${LIMIT}&q=${encodeURIComponent(s.query)}` },
    {
      label: 'search (a word in nearly every post)',
      url: `/v1/posts?limit=${LIMIT}&q=${encodeURIComponent(s.commonWord)}`,
      scanExpected: 'every post matches: the GIN index cannot narrow the rows, and ranking reads every match',
    },
    { label: 'tags with counts (by name)', url: `/v1/tags?limit=${LIMIT}` },
    { label: 'tags with counts (most posts first)', url: `/v1/tags?limit=${LIMIT}&sort=-postCount` },
    { label: 'tag by slug', url: `/v1/tags/${s.popularTag}` },
    { label: 'authors with counts', url: `/v1/authors?limit=${LIMIT}` },
    { label: 'archive months', url: '/v1/archive' },
    { label: 'site', url: '/v1/site' },
    { label: 'site feed', url: '/feed.xml' },
    { label: 'tag feed', url: `/tags/${s.popularTag}/feed.xml` },
    { label: `archive feed page ${archiveFeedPage(s)}`, url: `/feed.xml?archive=${archiveFeedPage(s)}` },
  ]
}

export type GetJson = (url: string) => Promise<{ status: number; body: unknown }>

interface ListBody { data?: { id: string }[]; meta?: { nextCursor?: string | null } }

/**
 * The URL of the cursor page that holds the same posts as offset page `page` of `limit`, reached by following
 * `meta.nextCursor` in steps of `step` posts (a cursor names the last post seen, not a page size); undefined
 * when the API has no cursors.
 */
export async function deepCursorUrl(get: GetJson, page: number, limit = 15, step = 100): Promise<string | undefined> {
  const probe = await get(`/v1/posts?limit=${limit}&count=false`)
  if (probe.status !== 200 || typeof (probe.body as ListBody).meta?.nextCursor !== 'string') return undefined
  let skip = (page - 1) * limit
  let cursor: string | undefined
  while (skip > 0) {
    const take = Math.min(step, skip)
    const url = `/v1/posts?limit=${take}&count=false${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const { status, body } = await get(url)
    const next = (body as ListBody).meta?.nextCursor
    if (status !== 200 || typeof next !== 'string') throw new Error(`following cursors stopped at ${url}: ${status}`)
    cursor = next
    skip -= take
  }
  return `/v1/posts?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
}
