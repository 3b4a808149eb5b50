import { createHash } from 'node:crypto'
import { PreconditionFailedError } from './errors.js'

/**
 * The ETag of one resource's representation (a hash of its JSON). Detail GETs and write responses send
 * it, and If-Match on PATCH and DELETE is compared with the current representation's.
 */
export function resourceEtag(data: unknown): string {
  return `"${createHash('sha1').update(JSON.stringify(data)).digest('base64url')}"`
}

/** RFC 9110 13.1.1: If-Match uses the strong comparison; `*` matches any current representation. */
export function assertIfMatch(header: string | undefined, currentEtag: string): void {
  if (header === undefined) return
  const matches = header.split(',').some((candidate) => {
    const c = candidate.trim()
    return c === '*' || (!c.startsWith('W/') && c === currentEtag)
  })
  if (!matches) {
    throw new PreconditionFailedError('The resource changed since the version in If-Match: fetch it again and reapply your change')
  }
}
