import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'
import type { ContentVersion } from '../db/content-version.js'
import { changedSince, codedEtag, etagOf, lastModifiedOnceOver, matchesIfMatch, namesSelected, parseHttpDate } from '../lib/conditional.js'
import { PreconditionFailedError } from '../lib/errors.js'
import { isCompressible, negotiatedCoding, responseCoding, type ContentCoding } from '../lib/content-coding.js'

export interface CachingOptions {
  /** `max-age` for public responses, in seconds. */
  maxAge: number
  /** The response cache's budget in bytes (0: no response cache). */
  maxBytes: number
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: never keep this route's responses (health, metrics). */
    cache?: boolean
    /**
     * Set on the content API's routes (/v1): a public read's Last-Modified, unless the route dates it itself
     * (dateResponse), is dated by the content (see dateIfUndated). Not on documents made from the code alone
     * (the OpenAPI document, /docs, problem pages), which a deploy changes and no content write does.
     */
    fromContent?: boolean
    /**
     * What the route's responses are kept under, when not the whole URL: a feed ignores unknown query
     * parameters (`?utm_source=`), which would otherwise each make and keep a copy of the same feed.
     */
    cacheKey?: (request: FastifyRequest) => string
  }
  interface FastifyRequest {
    /** The content version when the request arrived, if its response may be cached. */
    cacheVersion?: string
    /** What its response is kept under, set with cacheVersion: its URL, or its route's cacheKey. */
    cacheKey?: string
    /** A write's: the newest content version this process knew of when it arrived (see ContentVersion.settle). */
    versionBefore?: number
    /** A read's: the content's Last-Modified when it arrived (older than what the response shows, if anything). */
    contentDate?: Date
    /** When what the response shows last changed, as its route knows it (a post's, a feed's): see dateResponse. */
    modifiedAt?: Date
    cacheHit?: boolean
    /** Set when answered from the response cache: the size of the uncoded body, which may be sent coded. */
    uncodedBytes?: number
    /** Set on the request making a response others may be waiting for (see the response cache's misses). */
    doneMaking?: () => void
    /**
     * Set when the response is in the response cache without the coding this request will get: the
     * compression plugin hands over the coded body it made, to be kept next to the uncoded one.
     */
    keepCoded?: (coding: string, body: Buffer) => void
  }
}

interface CachedResponse {
  version: string
  /** The uncoded bytes: what the ETag hashes. */
  payload: Buffer
  headers: Record<string, string>
  /** The route's date for it (see dateResponse): its Last-Modified, if it was kept before that second was over. */
  modifiedAt?: Date
  /** Compressed copies, by coding (br, gzip): made once, sent to every client that negotiates that coding. */
  coded: Partial<Record<ContentCoding, Buffer>>
}

/** The methods that may change content (OPTIONS, a CORS preflight, does not). */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** URLs longer than this are neither remembered nor kept: their keys alone could fill the memory. */
const MAX_KEPT_URL = 2048

// What an entry holds: its key (two bytes a character), its bytes and copies, and room for the rest.
const entrySize = (e: CachedResponse, url: string): number =>
  url.length * 2 + e.payload.length + (e.coded.br?.length ?? 0) + (e.coded.gzip?.length ?? 0) + 512

/** Bytes of their own: a small Buffer.from() slices Node's shared 8 kB pool, which it would keep alive. */
function ownBytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text))
  bytes.write(text)
  return bytes
}

/** How many URLs read once the response cache remembers, waiting for a second read to keep the response. */
const ADMISSION_KEYS = 10_000

/**
 * The memory for URLs' validators, each kept with the content version it holds under: a conditional GET that
 * matches them is answered 304 at once, without the query its route would make to find them. About 8,000
 * URLs of a hundred characters (some 500 bytes each, as validatorsSize weighs them); fewer, if they are long.
 * Kept only with the response cache, beside its budget (RESPONSE_CACHE_MB).
 */
const VALIDATOR_BYTES = 4 * 1024 * 1024

/**
 * What a 304 for a URL carries (ETag, Last-Modified, Cache-Control), under the content version it was made
 * in, and the route's date (see dateResponse) for one noted before that second was over.
 */
interface KnownValidators {
  version: string
  headers: Record<string, string>
  modifiedAt?: Date
  /** Whether the body is compressed for a client that accepts a coding (isCompressible): which tag a 304 names. */
  compressible: boolean
}

// Its key and header values (two bytes a character), and room for the rest.
const validatorsSize = (v: KnownValidators, url: string): number =>
  (url.length + Object.values(v.headers).reduce((n, value) => n + value.length, 0)) * 2 + 128

/** The longest a request waits for another one making the response it asks for, before making it itself. */
const SHARED_MISS_WAIT_MS = 5_000

/** A response being made for a URL under a content version, and the moment it is done (kept or not). */
interface Making { version: string; done: Promise<void> }

const isConditional = (request: FastifyRequest) =>
  request.headers['if-none-match'] !== undefined || request.headers['if-modified-since'] !== undefined

/** Waits for `done`, or `ms` at most. */
async function waitAtMost(done: Promise<void>, ms: number): Promise<void> {
  const timeout = new AbortController()
  await Promise.race([done, sleep(ms, undefined, { signal: timeout.signal }).catch(() => {})])
  timeout.abort()
}

const KEPT_HEADERS = ['content-type', 'etag', 'last-modified', 'link', 'cache-control']
/** What a 304 from the validators kept carries of them (trimNotModified keeps the rest a 304 needs). */
const VALIDATOR_HEADERS = ['etag', 'last-modified', 'cache-control']

/** The reply's values of these headers, those it has. */
function headersOf(reply: FastifyReply, names: string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const name of names) {
    const value = reply.getHeader(name)
    if (typeof value === 'string') headers[name] = value
  }
  return headers
}

/** Adds fields to `Vary`, keeping those set before (CORS's `Origin`) and listing each once. */
export function varyOn(reply: FastifyReply, ...fields: string[]): void {
  const current = reply.getHeader('vary')
  const given = (Array.isArray(current) ? current.join(',') : String(current ?? '')).split(',').map((f) => f.trim())
  const listed: string[] = []
  for (const field of [...given, ...fields]) {
    if (field && !listed.some((f) => f.toLowerCase() === field.toLowerCase())) listed.push(field)
  }
  reply.header('vary', listed.join(', '))
}

// RFC 9110 15.4.5: a 304 carries the fields a 200 would that guide caches (ETag, Cache-Control, Vary,
// Content-Location, Expires, and Date, which Node adds) and SHOULD NOT carry other representation metadata:
// the client holds the rest. Kept too: Last-Modified (feed readers revalidate by date), the request id,
// CORS (a script reading the 304 needs it) and rate limits. Security headers protect a body, and a 304 has
// none; they came with the stored 200.
const NOT_MODIFIED_FIELDS = /^(etag|cache-control|vary|content-location|expires|date|last-modified|x-request-id|access-control-.*|ratelimit-.*)$/

/** Leaves on a 304 only the fields NOT_MODIFIED_FIELDS names. */
function trimNotModified(reply: FastifyReply): void {
  for (const name of Object.keys(reply.getHeaders())) {
    if (!NOT_MODIFIED_FIELDS.test(name)) reply.removeHeader(name)
  }
  // Headers a plugin set on the raw response (reply.raw.setHeader) bypass reply.getHeaders().
  for (const name of reply.raw.getHeaderNames()) {
    if (!NOT_MODIFIED_FIELDS.test(name)) reply.raw.removeHeader(name)
  }
}

/**
 * A 304's payload: none, so no Content-Length either (RFC 9110 8.6: one in a 304 must be the 200's). For a
 * HEAD, an empty stream, because Fastify's HEAD handling gives a string or no payload a Content-Length of 0.
 */
function notModifiedBody(request: FastifyRequest): Readable | null {
  return request.method === 'HEAD' ? Readable.from([]) : null
}

/**
 * A response's Last-Modified from its route, which knows when what it shows last changed (a post, a feed):
 * `at`, once that second is over (see lastModifiedOnceOver). Until then it has its ETag only; kept in the
 * response cache so, it is dated when answered from there after that second.
 */
export function dateResponse(request: FastifyRequest, reply: FastifyReply, at: Date): void {
  request.modifiedAt = at
  dateBy(reply, at)
}

function dateBy(reply: FastifyReply, at: Date): void {
  const date = lastModifiedOnceOver(at)
  if (date) reply.header('last-modified', date)
}

/**
 * A 200's or a 304's Last-Modified, unless it has one: the route's date (see dateResponse), kept with it if
 * it comes from the caches; else, for a public read of the content, the content's: when this process read
 * the version it was made under (`request.contentDate`). Either once that second is over (see
 * lastModifiedOnceOver).
 */
function dateIfUndated(request: FastifyRequest, reply: FastifyReply): void {
  if (reply.hasHeader('last-modified')) return
  if (request.modifiedAt) return dateBy(reply, request.modifiedAt)
  if (!request.contentDate || request.headers.authorization || !request.routeOptions.config?.fromContent) return
  dateBy(reply, request.contentDate)
}

/**
 * RFC 9110 13.2.2 on a read: If-Match, or without it If-Unmodified-Since, is looked at first, and a read
 * whose representation is not the one named (an editor checking that what it shows is still current) is a 412.
 */
function failedPrecondition(request: FastifyRequest, etag: unknown, lastModified: unknown): Error | undefined {
  const ifMatch = request.headers['if-match']
  if (ifMatch !== undefined) {
    return typeof etag === 'string' && matchesIfMatch(ifMatch, etag) ? undefined : new PreconditionFailedError('The resource is not the version in If-Match')
  }
  const since = request.headers['if-unmodified-since']
  if (since !== undefined && typeof lastModified === 'string' && changedSince(since, new Date(lastModified))) {
    return new PreconditionFailedError(`The resource changed after ${since.trim()} (If-Unmodified-Since)`)
  }
  return undefined
}

/**
 * The tag of the representation this request gets, for a body that is compressible or not (isCompressible):
 * a strong ETag names its coding (see codedEtag).
 */
function selectedEtag(request: FastifyRequest, etag: string, compressible: boolean): string {
  return codedEtag(etag, responseCoding(request, compressible))
}

/**
 * Whether the client's copy is current by these validators: If-None-Match (weak comparison with `selected`,
 * the tag of the representation this request gets) wins over If-Modified-Since. Not when a precondition
 * fails, which comes first (a 412).
 */
function freshBy(request: FastifyRequest, etag: unknown, lastModified: unknown, selected: string | undefined): boolean {
  if (failedPrecondition(request, etag, lastModified)) return false
  const ifNoneMatch = request.headers['if-none-match']
  if (ifNoneMatch) return selected !== undefined && namesSelected(ifNoneMatch, selected)
  const since = request.headers['if-modified-since']
  if (!since || typeof lastModified !== 'string') return false
  // RFC 9110 13.1.3: a value that is not an HTTP-date is ignored. So is a date later than now (RFC 2616
  // 14.25 called it invalid, and Apache ignores it): a client whose clock runs ahead would otherwise be told
  // that every change until then is no change.
  const sinceMs = parseHttpDate(since)
  return sinceMs !== undefined && sinceMs <= Date.now() && Date.parse(lastModified) <= sinceMs
}

/**
 * Whether the client's copy is still current, from the validators the reply carries. A route that can set
 * its validators before doing the expensive part (feeds, whose weak ETag names every coding) asks this and
 * answers 304 itself.
 */
export function isFresh(request: FastifyRequest, reply: FastifyReply): boolean {
  const etag = reply.getHeader('etag')
  return freshBy(request, etag, reply.getHeader('last-modified'), typeof etag === 'string' ? etag : undefined)
}

/**
 * Conditional GETs for every successful read: an ETag from the body (unless the route set one), Cache-Control,
 * and 304 Not Modified when the client's validators still match.
 *
 * And a response cache that is never stale: public GET responses are kept by URL under the content version
 * (src/db/content-version.ts), which every public write advances in the database and announces to every
 * replica. A request under the same version is answered from memory, and its conditional GET costs no
 * query; so does a conditional GET of any URL whose validators were sent under the version, kept or not.
 */
export const cachingPlugin = fp<CachingOptions>(
  async (app, { maxAge, maxBytes }) => {
    const version: ContentVersion | undefined = app.contentVersion
    const cache = version && maxBytes > 0
      ? new LRUCache<string, CachedResponse>({ maxSize: maxBytes, sizeCalculation: entrySize })
      : undefined
    const keyOf = (request: FastifyRequest) => request.cacheKey ?? request.url
    // The coded copy this request will get, once the compression plugin has made it (see keepCoded).
    const keepCodedFor = (request: FastifyRequest, entry: CachedResponse) => {
      request.keepCoded = (coding, body) => {
        if ((coding !== 'br' && coding !== 'gzip') || cache?.peek(keyOf(request)) !== entry) return
        // A new entry, so that the cache counts the copy's size (it does not weigh the same one again).
        cache.set(keyOf(request), { ...entry, coded: { ...entry.coded, [coding]: body } })
      }
    }
    // URLs asked for lately. A response is kept from the second time its URL is asked for: a long tail of
    // URLs read once (posts by slug, searches) would otherwise push out the responses that are read again and
    // again, and keep the garbage collector busy with copies nobody asks for twice.
    const askedOnce = new LRUCache<string, true>({ max: ADMISSION_KEYS })
    // Every URL's validators, read once or not (a few hundred bytes, against kilobytes for a response): a
    // feed reader polls with If-None-Match, and its route's 304 (a count over the archive, for a feed) is never
    // kept as a response. A long tail of URLs read once may push a feed's out: its next poll costs the route's
    // query, as it did before any was kept, and keeps them again.
    const validators = cache && new LRUCache<string, KnownValidators>({ maxSize: VALIDATOR_BYTES, sizeCalculation: validatorsSize })

    if (cache && version) {
      // Responses being made, by URL. Right after a write every response is out of date at once, and readers
      // asking for the same one at the same moment wait for the first of them rather than each make it: a
      // hundred readers of /v1/tags cost one count over the archive, not a hundred queueing for the pool.
      // When the response made is not kept (an error, a redirect), each waiting reader then makes its own,
      // as it would without the cache.
      const making = new Map<string, Making>()
      const makeHere = (request: FastifyRequest, current: string) => {
        let finish!: () => void
        const entry: Making = { version: current, done: new Promise((resolve) => (finish = resolve)) }
        making.set(keyOf(request), entry)
        request.doneMaking = () => {
          if (making.get(keyOf(request)) === entry) making.delete(keyOf(request))
          finish()
        }
      }

      /** Answers from the cache. */
      const sendKept = (request: FastifyRequest, reply: FastifyReply, hit: CachedResponse): void => {
        request.cacheHit = true
        request.uncodedBytes = hit.payload.length
        // One kept while the second of its date still ran has no Last-Modified: the onSend hook dates it, as
        // any response, once that second has passed.
        reply.headers(hit.headers)
        request.modifiedAt = hit.modifiedAt
        const coding = negotiatedCoding(request)
        const coded = coding && hit.coded[coding]
        // Already coded: the compression plugin leaves it as it is, and names its ETag.
        if (coding && coded) {
          reply.code(200).header('content-encoding', coding).send(coded)
          return
        }
        if (coding) keepCodedFor(request, hit)
        reply.code(200).send(hit.payload)
      }

      // After every onRequest hook (rate limits, request ids, CORS): a cached answer is still a request. A
      // callback hook (no promise per request) that answers (and does not call done: the route does not
      // run), or lets the route run (done), or waits.
      app.addHook('preValidation', (request, reply, done) => {
        if ((request.method !== 'GET' && request.method !== 'HEAD') || request.headers.authorization) return done()
        // routeOptions is made anew at each read: read once.
        const route = request.routeOptions
        if (route.config?.cache === false || !route.url) return done()
        // No need to wait for notifications in flight: a write is answered only once every replica has
        // confirmed hearing it (see ContentVersion.settle), so a read that follows it finds the version unknown.
        const current = version.current()
        if (current === undefined) return done()
        request.cacheVersion = current
        const key = (request.cacheKey = route.config?.cacheKey?.(request) ?? request.url)
        if (isConditional(request)) {
          const known = validators?.get(key)
          const etag = known?.version === current ? known.headers.etag : undefined
          const selected = etag === undefined ? undefined : selectedEtag(request, etag, known!.compressible)
          if (known?.version === current && freshBy(request, etag, known.headers['last-modified'], selected)) {
            request.cacheHit = true
            request.modifiedAt = known.modifiedAt
            reply.code(304).headers(known.headers)
            if (selected) reply.header('etag', selected)
            reply.send()
            return
          }
        }
        const hit = cache.get(key)
        if (hit && hit.version === current) {
          sendKept(request, reply, hit)
          return
        }
        if (key.length > MAX_KEPT_URL) return done()
        const other = making.get(key)
        if (other?.version !== current) {
          // A conditional request may get a 304 the route answers itself (feeds), which is not kept (its
          // validators are): it makes its answer without others waiting for it.
          if (!isConditional(request)) makeHere(request, current)
          return done()
        }
        // Asked for twice: worth keeping. Once it is made, answered from the cache; if it was not kept (an
        // error, a change meanwhile), made here after all.
        askedOnce.set(key, true)
        waitAtMost(other.done, SHARED_MISS_WAIT_MS).then(() => {
          const made = cache.get(key)
          if (made && made.version === version.current()) sendKept(request, reply, made)
          else done()
        }, done).catch((error: Error) => reply.send(error))
      })

      // A write made here changes what is current even before the database's notification arrives: forget
      // the version before the write's response leaves, and wait for every replica to have heard of it, so
      // this client's next read, wherever it goes, cannot be served stale.
      app.addHook('onRequest', (request, _reply, done) => {
        if (WRITE_METHODS.has(request.method)) request.versionBefore = version.known()
        done()
      })
      // Most requests pass at once (done); a write returns a promise, which Fastify handles as an async hook's.
      app.addHook('onSend', ((request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void) => {
        if (request.versionBefore === undefined || reply.statusCode >= 400) return done(null, payload)
        return version.settle(request.versionBefore).then(() => payload)
      }) as onSendHookHandler)
    }

    // Taken as the request arrives: a write landing while the response is made must not lend it its date.
    if (version) {
      app.addHook('onRequest', (request, _reply, done) => {
        if (request.method === 'GET' || request.method === 'HEAD') request.contentDate = version.lastModified()
        done()
      })
    }

    /** The content version a response made here may be kept under, if it may be. */
    const keepableUnder = (request: FastifyRequest, reply: FastifyReply): string | undefined => {
      // Kept only if nothing changed while it was made: otherwise it may mix the old and the new.
      if (!version || request.cacheHit || request.cacheVersion === undefined) return undefined
      if (version.current() !== request.cacheVersion || keyOf(request).length > MAX_KEPT_URL) return undefined
      // What the route says no cache may keep (/metrics, which changes with every request), this one does not.
      if (/no-store|private/.test(String(reply.getHeader('cache-control') ?? ''))) return undefined
      return request.cacheVersion
    }

    /**
     * Notes a 200's or a 304's validators under `under` (set before compression: the uncoded ETag), and whether
     * its body is compressible (a 304 the route answered has a weak ETag, which names every coding).
     */
    const noteValidators = (request: FastifyRequest, reply: FastifyReply, under: string, compressible: boolean) => {
      validators?.set(keyOf(request), { version: under, headers: headersOf(reply, VALIDATOR_HEADERS), modifiedAt: request.modifiedAt, compressible })
    }

    /** Keeps a 200 under `under`, from the second time its URL is asked for. */
    const remember = (request: FastifyRequest, reply: FastifyReply, payload: string, under: string) => {
      if (!cache) return
      if (!askedOnce.has(keyOf(request))) {
        askedOnce.set(keyOf(request), true)
        return
      }
      // Bytes, so that each answer from the cache is sent as it is rather than encoded again.
      const entry: CachedResponse = {
        version: under, payload: ownBytes(payload), headers: headersOf(reply, KEPT_HEADERS), modifiedAt: request.modifiedAt, coded: {},
      }
      cache.set(keyOf(request), entry)
      if (negotiatedCoding(request)) keepCodedFor(request, entry)
    }

    const cacheHeaders = (request: FastifyRequest, reply: FastifyReply) => {
      if (!reply.hasHeader('cache-control')) {
        // A key holder's read (an editor's) is revalidated every time: a browser keeping it for max-age would
        // show the editor a post, or a list of drafts, from before the write it just made to another URL.
        reply.header('cache-control', request.headers.authorization ? 'private, no-cache' : `public, max-age=${maxAge}`)
      }
      varyOn(reply, 'Accept-Encoding', 'Authorization')
    }

    const conditionalResponse = (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return payload
      // A 304 the route answered itself carries the same caching headers a 200 would (RFC 9110 15.4.5).
      if (reply.statusCode === 304) {
        dateIfUndated(request, reply)
        cacheHeaders(request, reply)
        const under = keepableUnder(request, reply)
        if (under) noteValidators(request, reply, under, false)
        trimNotModified(reply)
        return notModifiedBody(request)
      }
      // A permanent redirect (an old slug) is cacheable by default, and browsers keep one for good: the old
      // slug may yet be taken by a new post, so it is kept as briefly as any other read.
      if (reply.statusCode === 301 || reply.statusCode === 308) cacheHeaders(request, reply)
      if (reply.statusCode !== 200) return payload
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload

      if (!reply.hasHeader('etag')) reply.header('etag', etagOf(payload))
      // A route that knows when what it shows changed (a post, a feed) says so; any other public read was
      // last modified no later than the content it was made from.
      dateIfUndated(request, reply)
      cacheHeaders(request, reply)
      // By the uncoded body's size: one from the response cache may be its coded copy already.
      const compressible = isCompressible(reply.getHeader('content-type'), request.uncodedBytes ?? Buffer.byteLength(payload))
      const under = keepableUnder(request, reply)
      if (under) {
        noteValidators(request, reply, under, compressible)
        if (typeof payload === 'string') remember(request, reply, payload, under)
      }
      const failed = failedPrecondition(request, reply.getHeader('etag'), reply.getHeader('last-modified'))
      if (failed) {
        // The problem is not the representation they describe.
        for (const name of ['etag', 'last-modified', 'link']) reply.removeHeader(name)
        throw failed
      }
      const etag = reply.getHeader('etag') as string
      const selected = selectedEtag(request, etag, compressible)
      if (!freshBy(request, etag, reply.getHeader('last-modified'), selected)) return payload
      reply.code(304).header('etag', selected)
      trimNotModified(reply)
      return notModifiedBody(request)
    }

    app.addHook('onSend', (request, reply, payload, done) => {
      let answer
      try {
        answer = conditionalResponse(request, reply, payload)
      } catch (error) {
        request.doneMaking?.()
        return done(error as Error)
      }
      // Kept or not: whoever waits for this response can look now.
      request.doneMaking?.()
      done(null, answer)
    })
  },
  { name: 'caching', dependencies: ['db'] },
)
