import { createHash } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import type { TSchema } from 'typebox'
import { PreconditionFailedError } from './errors.js'

/** A strong validator from the exact bytes sent. Every GET's ETag is this hash of its body. */
export function etagOf(payload: string | Buffer): string {
  return `"${createHash('sha1').update(payload).digest('base64url')}"`
}

/**
 * How a route tags one resource's representation without sending it: the ETag of `{ data }` as `schema`
 * (the resource's response schema) serialises it, which is the ETag an uncompressed GET of the resource
 * sends (a compressed one adds its coding: `"h.br"`). Write responses send it, and If-Match is compared
 * with it.
 */
export function representationEtag<T>(reply: FastifyReply, schema: TSchema): (data: T) => string {
  return (data) => etagOf(reply.serializeInput({ data }, schema as Record<string, unknown>))
}

/** A write's preconditions: the headers sent (RFC 9110 13.1), and how to tag the current representation. */
export interface Preconditions<T> {
  ifMatch: string | undefined
  ifNoneMatch: string | undefined
  ifUnmodifiedSince: string | undefined
  etagOf: (data: T) => string
}

/** The preconditions a write request sends. */
export function preconditionsOf<T>(headers: Record<string, string | string[] | undefined>, etagOf: (data: T) => string): Preconditions<T> {
  const one = (name: string) => { const v = headers[name]; return Array.isArray(v) ? v.join(', ') : v }
  return { ifMatch: one('if-match'), ifNoneMatch: one('if-none-match'), ifUnmodifiedSince: one('if-unmodified-since'), etagOf }
}

// A content coding's suffix inside a strong ETag: `"h.br"` is the Brotli-coded form of the representation
// tagged `"h"`. Hashes are base64url, which has no `.`, so the suffix cannot be mistaken for part of one.
const CODING_SUFFIX = /\.(br|gzip)"$/

/**
 * The strong ETag of one content coding of a representation (RFC 9110 8.8.3: a strong validator changes
 * with the bytes, and a gzip body is different bytes). A weak ETag already covers every coding of the same
 * content, so it is returned as it is.
 */
export function codedEtag(etag: string, coding: string): string {
  return etag.startsWith('W/') || coding === 'identity' ? etag : etag.replace(/"$/, `.${coding}"`)
}

/**
 * The entity tags an If-Match or If-None-Match lists (RFC 9110 8.8.3: `*`, or quoted tags, each perhaps
 * `W/`), commas inside quotes included; anything else in the field is skipped.
 */
export function etagList(header: string): string[] {
  return header.match(/\*|(?:W\/)?"[^"]*"/g) ?? []
}

/** The tag of the uncoded representation: weakness and any coding suffix removed. */
export function uncodedEtag(tag: string): string {
  return tag.trim().replace(/^W\//, '').replace(CODING_SUFFIX, '"')
}

/**
 * RFC 9110 13.1.2 on a read: whether If-None-Match names the representation this request would get, by the
 * weak comparison (`selected`: its tag, of the coding it would be sent in; see codedEtag), or is `*`. The tag
 * of another coding of the same content names another representation: a cache holding several copies sends
 * all their tags and serves the one the 304's tag names (RFC 9111 4.3.4), which must be one this client can
 * decode.
 */
export function namesSelected(header: string, selected: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  return etagList(header).some((c) => c === '*' || opaque(c) === opaque(selected))
}

/**
 * RFC 9110 13.1.2 on a write: If-None-Match uses the weak comparison, and `*` matches any current
 * representation; a tag of any content coding of it (`"h.gzip"`) is the same content, so it matches too.
 */
export function matchesIfNoneMatch(header: string, etag: string): boolean {
  const bare = uncodedEtag(etag)
  return etagList(header).some((c) => c === '*' || uncodedEtag(c) === bare)
}

/**
 * RFC 9110 13.1.1: If-Match uses the strong comparison, and `*` matches any current representation; the tag
 * of any content coding of it (`"h.br"` names `"h"`, compressed) matches too. A weak tag matches nothing.
 */
export function matchesIfMatch(header: string, etag: string): boolean {
  const wanted = etagList(header)
  if (wanted.includes('*')) return true
  return !etag.startsWith('W/') && wanted.some((c) => !c.startsWith('W/') && uncodedEtag(c) === uncodedEtag(etag))
}

/**
 * RFC 9110 13.1.4: whether a resource last modified at `lastModified` changed after If-Unmodified-Since's
 * date; a value that is not an HTTP-date is ignored. HTTP dates have whole seconds: a change within the
 * second named is no change since.
 */
export function changedSince(header: string, lastModified: Date): boolean {
  const since = parseHttpDate(header.trim())
  return since !== undefined && Math.floor(lastModified.getTime() / 1000) * 1000 > since
}

/**
 * A write's preconditions, in RFC 9110 13.2.2's order, on a resource the write has found (and locked):
 * - If-Match (13.1.1) uses the strong comparison; `*` matches any current representation, and so does the
 *   tag of any content coding of it (`"h.br"` names the current `"h"`, compressed);
 * - without it, If-Unmodified-Since (13.1.4) fails when the resource changed after that date (`lastModified`,
 *   its Last-Modified); a value that is not an HTTP-date is ignored;
 * - If-None-Match (13.1.2) fails when `*` or a tag of the current representation (weak comparison) is named.
 * `current` reads the representation the write is about to change, only when a tag has to be compared.
 */
export async function assertPreconditions<T>(
  { ifMatch, ifNoneMatch, ifUnmodifiedSince, etagOf }: Preconditions<T>, current: () => Promise<T>, lastModified: Date,
): Promise<void> {
  let currentEtag: string | undefined
  const etag = async () => (currentEtag ??= etagOf(await current()))
  if (ifMatch !== undefined) {
    const tags = etagList(ifMatch)
    if (!tags.includes('*') && !matchesIfMatch(ifMatch, await etag())) {
      // A weak tag never matches (RFC 9110 13.1.1), whatever the resource: "changed since" would not be why.
      if (tags.length > 0 && tags.every((tag) => tag.startsWith('W/'))) {
        throw new PreconditionFailedError('If-Match takes strong tags, and a weak one (W/"…") matches nothing (RFC 9110 13.1.1): send the ETag as a GET of the resource gives it (a proxy that compresses responses may have weakened it)')
      }
      throw new PreconditionFailedError('The resource changed since the version in If-Match: fetch it again and reapply your change')
    }
  } else if (ifUnmodifiedSince !== undefined && changedSince(ifUnmodifiedSince, lastModified)) {
    throw new PreconditionFailedError(`The resource changed after ${ifUnmodifiedSince.trim()} (If-Unmodified-Since): fetch it again and reapply your change`)
  }
  if (ifNoneMatch !== undefined) {
    if (etagList(ifNoneMatch).includes('*')) throw new PreconditionFailedError('The resource exists, and If-None-Match: * asks that it does not')
    if (matchesIfNoneMatch(ifNoneMatch, await etag())) {
      throw new PreconditionFailedError('The resource is still the version in If-None-Match, which asks that it is not')
    }
  }
}

/**
 * The Last-Modified value for what changed at `at`, once the second it names is over; until then none. HTTP
 * dates have whole seconds: sent sooner, the date could name a later change in the same second too, and a
 * client revalidating with it would get a 304 for what it does not have (RFC 9110 8.8.2.2). Such a response
 * has its ETag only.
 */
export function lastModifiedOnceOver(at: Date, now = Date.now()): string | undefined {
  return Math.floor(at.getTime() / 1000) < Math.floor(now / 1000) ? at.toUTCString() : undefined
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const MONTH = `(${MONTHS.join('|')})`
const TIME = '([01]\\d|2[0-3]):([0-5]\\d):([0-5]\\d)'
// RFC 9110 5.6.7: the IMF-fixdate senders write, and the obsolete RFC 850 and asctime forms a recipient must
// read too. Date.parse alone would take anything (`2030`, `2030-01-01`, "hello 1"), as local time at that.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d\\d) ${MONTH} (\\d{4}) ${TIME} GMT$`)
const RFC_850 = new RegExp(`^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (\\d\\d)-${MONTH}-(\\d\\d) ${TIME} GMT$`)
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`)

/** An HTTP-date (RFC 9110 5.6.7) as milliseconds since the epoch; undefined for anything else, which a recipient ignores. */
export function parseHttpDate(value: string): number | undefined {
  let parts: [year: number, month: string, day: string, hour: string, minute: string, second: string] | undefined
  let m: RegExpExecArray | null
  if ((m = IMF_FIXDATE.exec(value))) parts = [Number(m[3]), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!]
  else if ((m = ASCTIME.exec(value))) parts = [Number(m[6]), m[1]!, m[2]!, m[3]!, m[4]!, m[5]!]
  else if ((m = RFC_850.exec(value))) {
    // A two-digit year more than 50 years ahead is the last such year in the past.
    const now = new Date().getUTCFullYear()
    let year = Math.floor(now / 100) * 100 + Number(m[3])
    if (year > now + 50) year -= 100
    parts = [year, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!]
  }
  if (!parts) return undefined
  const [year, month, day, ...time] = parts
  const monthIndex = MONTHS.indexOf(month)
  const ms = Date.UTC(year, monthIndex, Number(day), ...time.map(Number))
  // Not a day of the calendar (31 Feb) rolls over into the next month: refused.
  return new Date(ms).getUTCDate() === Number(day) && new Date(ms).getUTCMonth() === monthIndex ? ms : undefined
}
