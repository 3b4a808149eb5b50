import { and, eq, gt, inArray, or, sql, type SQL } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import { rowsOf, type Executor } from '../db/client.js'
import { pruneFeedDepartures } from '../db/feed-departures.js'
import { authors, feedDepartures, postAuthors, posts, postTags, slugHistory, tags, websubState } from '../db/schema.js'
import { authorShownToPublic } from '../modules/authors/queries.js'
import { isPublic } from '../modules/posts/visibility.js'
import { tagShownToPublic } from '../modules/tags/queries.js'
import { FEED_FORMATS, feedLinks } from './feed-urls.js'

/** Changes heard within this long go to the hub together: an import's thousand posts make one round of pings. */
export const PUBLISH_DELAY_MS = 1_000
/** How long the hub has to answer a ping, and how long before failed ones are sent again. */
const HUB_TIMEOUT_MS = 10_000
const RETRY_AFTER_MS = 30_000
/** How many pings are in flight at once. */
const PING_CONCURRENCY = 8

/**
 * The feeds (topics) whose content changed since `since`: those of the tags and authors of public posts
 * written, edited, relinked or gone live since, of tags and authors edited since (under their slugs before a
 * rename too: those topics answer a redirect now, which their subscribers' hub must see), and of those a
 * public post left since (unpublished, deleted, or the tag or author taken off it: see feedDepartures); and
 * the site's with any of them, which shows every public post with its tags and authors. A change that
 * touches none (a draft's, which may hide or show a tag without a published post) names no feed.
 */
export async function changedTopics(db: Executor, apiUrl: string, since: Date, until: Date): Promise<string[]> {
  const changedPost = and(isPublic(), or(gt(posts.updatedAt, since), gt(posts.linksChangedAt, since), and(gt(posts.publishedAt, since), sql`${posts.publishedAt} <= ${until}`)))
  const departed = (kind: 'tag' | 'author') =>
    db.select({ id: feedDepartures.targetId }).from(feedDepartures).where(and(eq(feedDepartures.kind, kind), gt(feedDepartures.departedAt, since)))
  const renamed = (kind: 'tag' | 'author', table: typeof tags | typeof authors, shown: SQL) =>
    db.select({ slug: slugHistory.oldSlug }).from(slugHistory).innerJoin(table, eq(table.id, slugHistory.targetId))
      .where(and(eq(slugHistory.kind, kind), gt(slugHistory.createdAt, since), shown))
  const [tagRows, authorRows, postRows, oldTagSlugs, oldAuthorSlugs] = await Promise.all([
    // A tag or author edited since, if the public sees it: one a draft brought in is not named to the hub.
    db.selectDistinct({ slug: tags.slug }).from(tags).where(or(
      and(gt(tags.updatedAt, since), tagShownToPublic(db)),
      inArray(tags.id, db.select({ id: postTags.tagId }).from(postTags).innerJoin(posts, eq(posts.id, postTags.postId)).where(changedPost)),
      inArray(tags.id, departed('tag')),
    )),
    db.selectDistinct({ slug: authors.slug }).from(authors).where(or(
      and(gt(authors.updatedAt, since), authorShownToPublic(db)),
      inArray(authors.id, db.select({ id: postAuthors.authorId }).from(postAuthors).innerJoin(posts, eq(posts.id, postAuthors.postId)).where(changedPost)),
      inArray(authors.id, departed('author')),
    )),
    db.select({ id: posts.id }).from(posts).where(changedPost).limit(1),
    renamed('tag', tags, tagShownToPublic(db)),
    renamed('author', authors, authorShownToPublic(db)),
  ])
  const named = [...tagRows, ...oldTagSlugs].map((t) => `/tags/${t.slug}`).concat([...authorRows, ...oldAuthorSlugs].map((a) => `/authors/${a.slug}`))
  const scopes = named.length > 0 || postRows.length > 0 ? ['', ...named] : []
  return scopes.flatMap((prefix) => FEED_FORMATS.map((format) => feedLinks(apiUrl, prefix)[format]))
}

/** The database's clock now (as JSON: an ISO string, whichever driver reads it). */
export async function databaseClock(db: Executor): Promise<Date> {
  const [row] = rowsOf<{ now: string }>(await db.execute(sql`select to_json(clock_timestamp()) #>> '{}' as now`))
  return new Date(row!.now)
}

/** Up to when the hub was told of changes, by any replica (see websubState). */
async function pingedUntil(db: Executor): Promise<Date | undefined> {
  return (await db.select({ at: websubState.pingedUntil }).from(websubState))[0]?.at
}

/** A round named the changes up to `until`: kept, unless another replica's went further. */
async function keepPingedUntil(db: Executor, until: Date): Promise<void> {
  await db.insert(websubState).values({ id: 1, pingedUntil: until })
    .onConflictDoUpdate({ target: websubState.id, set: { pingedUntil: sql`greatest(${websubState.pingedUntil}, excluded.pinged_until)` } })
}

/**
 * Tells the WebSub hub feeds advertise (WEBSUB_HUB) which of them changed, as the hubs in use take it
 * (`hub.mode=publish`, `hub.url`: the topic), so that subscribers get the change pushed rather than find it
 * when they next poll. Called on every change to the public content (ContentVersion.onChange); the pings
 * wait PUBLISH_DELAY_MS to gather a burst, name the feeds changed since the last round, and are sent again
 * after a failure until the hub takes them. Each replica pings for the changes it hears: a hub fetches a
 * topic once for several.
 * A replica starting makes a round at once (see start), for what changed while none ran.
 */
export class HubPublisher {
  /** Up to when the last round named the changes, by the database's clock; undefined before the first round. */
  #since: Date | undefined
  /** When this publisher was made, by this process's monotonic clock. */
  readonly #made = performance.now()
  #timer: NodeJS.Timeout | undefined
  /** Whether a round waits for the one running. */
  #waiting = false
  /**
   * The pings rounds could not make, made again retryAfterMs after the first of them failed, and again, until
   * the hub takes them. While there are some, this replica leaves the mark of how far the hub was told.
   */
  #failed = new Set<string>()
  #retry: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #closed = false

  constructor(
    private readonly hub: string,
    private readonly apiUrl: string,
    private readonly db: Executor,
    private readonly log: FastifyBaseLogger,
    private readonly retryAfterMs = RETRY_AFTER_MS,
  ) {}

  /** A first round, after PUBLISH_DELAY_MS: the changes since the last round any replica made (see websubState). */
  start(): void {
    this.changed()
  }

  /** The content changed: a round of pings follows, with the changes heard until then. */
  changed(): void {
    if (this.#closed || this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      // One round at a time (a hub may take seconds to answer): a round due meanwhile follows that one, and
      // one already waiting to follow it will name these changes too (it names all since the last round).
      if (this.#waiting) return
      this.#waiting = true
      this.#then(async () => {
        this.#waiting = false
        await this.#publish()
      })
    }, PUBLISH_DELAY_MS)
  }

  /** Runs `work` after the work running, one at a time (a retry too), unless closed meanwhile; close waits for it. */
  #then(work: () => Promise<void>): void {
    const next = (this.#running ?? Promise.resolve()).then(() => (this.#closed ? undefined : work()))
    this.#running = next
    void next.finally(() => { if (this.#running === next) this.#running = undefined })
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    clearTimeout(this.#retry)
    await this.#running
  }

  async #publish(): Promise<void> {
    let topics: string[]
    let until: Date
    try {
      // By the database's clock, which stamps the changes: this process's may run apart from it.
      until = await databaseClock(this.db)
      // The first round goes on from the last round of any replica that the hub took whole: what changed
      // while none ran (an import, a scheduled post going live) is named too.
      const last = this.#since ?? (await pingedUntil(this.db))
      // From a little before: a write stamped before it but committed after is not missed. On the first start
      // with a hub, from when this publisher was made.
      const since = last ? new Date(last.getTime() - PUBLISH_DELAY_MS) : new Date(until.getTime() - (performance.now() - this.#made))
      topics = await changedTopics(this.db, this.apiUrl, since, until)
    } catch (error) {
      this.log.warn({ err: error }, 'could not tell which feeds changed: the WebSub hub is not pinged this time')
      return
    }
    this.#since = until
    for (const topic of await this.#pingAll(topics)) this.#failed.add(topic)
    await this.#settle()
  }

  /**
   * After pings: none outstanding, the mark moves to the last round's end (a replica starting after one that
   * failed names its changes again) and old departures are pruned; otherwise those that failed are made
   * again retryAfterMs (RETRY_AFTER_MS) later.
   */
  async #settle(): Promise<void> {
    if (this.#failed.size === 0) {
      await keepPingedUntil(this.db, this.#since!).catch((error: unknown) => this.log.warn({ err: error }, 'could not keep how far the WebSub hub was told'))
      await pruneFeedDepartures(this.db).catch((error: unknown) => this.log.warn({ err: error }, 'could not prune the feeds\' departures'))
      return
    }
    if (this.#closed) return
    this.#retry ??= setTimeout(() => {
      this.#retry = undefined
      this.#then(async () => {
        const topics = [...this.#failed]
        this.#failed.clear()
        for (const topic of await this.#pingAll(topics)) this.#failed.add(topic)
        await this.#settle()
      })
    }, this.retryAfterMs).unref()
  }

  /** The topics pinged, PING_CONCURRENCY at a time (a replica starting after days may name hundreds); those the hub did not take. */
  async #pingAll(topics: string[]): Promise<string[]> {
    const failed: string[] = []
    for (let start = 0; start < topics.length; start += PING_CONCURRENCY) {
      // Closing waits for one batch at most: those not pinged count as failed (the mark stays).
      if (this.#closed) return [...failed, ...topics.slice(start)]
      const batch = topics.slice(start, start + PING_CONCURRENCY)
      const taken = await Promise.all(batch.map((topic) => this.#ping(topic)))
      failed.push(...batch.filter((_, i) => !taken[i]))
    }
    return failed
  }

  /** One ping; whether the hub took it (a 2xx). */
  async #ping(topic: string): Promise<boolean> {
    try {
      const res = await fetch(this.hub, {
        method: 'POST',
        body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }),
        signal: AbortSignal.timeout(HUB_TIMEOUT_MS),
      })
      await res.body?.cancel()
      if (res.ok) return true
      this.log.warn({ hub: this.hub, topic, status: res.status }, 'the WebSub hub refused a ping')
    } catch (error) {
      this.log.warn({ hub: this.hub, topic, err: error }, 'could not ping the WebSub hub')
    }
    return false
  }
}
