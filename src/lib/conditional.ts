import { createHash } from 'node:crypto'
import { PreconditionFailedError } from './errors.js'

/**
 * The ETag of one resource's representation (a hash of its JSON). Detail GETs and write responses send
 * it, and If-Match on PATCH and DELETE is compared with the current representation's.
 */
export function resourceEtag(data: unknown): string {
  return `"${createHash('sha1').update(JSON.stringify(data)).digest('base64url')}"`
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

/** The tag of the uncoded representation: weakness and any coding suffix removed. */
export function uncodedEtag(tag: string): string {
  return tag.trim().replace(/^W\//, '').replace(CODING_SUFFIX, '"')
}

/**
 * RFC 9110 13.1.1: If-Match uses the strong comparison; `*` matches any current representation, and so does
 * the tag of any content coding of it (`"h.br"` names the current `"h"`, compressed).
 */
export function assertIfMatch(header: string | undefined, currentEtag: string): void {
  if (header === undefined) return
  const matches = header.split(',').some((candidate) => {
    const c = candidate.trim()
    return c === '*' || (!c.startsWith('W/') && uncodedEtag(c) === currentEtag)
  })
  if (!matches) {
    throw new PreconditionFailedError('The resource changed since the version in If-Match: fetch it again and reapply your change')
  }
}
