import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { uncodedEtag } from '../lib/conditional.js'

export interface CachingOptions {
  /** `max-age` for public responses, in seconds. */
  maxAge: number
}

/** A strong validator from the exact bytes sent. */
export function etagOf(payload: string | Buffer): string {
  return `"${createHash('sha1').update(payload).digest('base64url')}"`
}

// RFC 9110 13.1.2: If-None-Match uses the weak comparison, and `*` matches any current representation; a tag
// of any content coding of it (`"h.gzip"`) is the same content, so it matches too.
function matchesIfNoneMatch(header: string, etag: string): boolean {
  const bare = uncodedEtag(etag)
  return header.split(',').some((candidate) => {
    const c = candidate.trim()
    return c === '*' || uncodedEtag(c) === bare
  })
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

function notModifiedSince(request: FastifyRequest, reply: FastifyReply): boolean {
  const since = request.headers['if-modified-since']
  const lastModified = reply.getHeader('last-modified')
  if (!since || typeof lastModified !== 'string') return false
  const sinceMs = Date.parse(since)
  return !Number.isNaN(sinceMs) && Date.parse(lastModified) <= sinceMs
}

/**
 * Whether the client's copy is still current, from the validators the reply carries: If-None-Match (weak
 * comparison) wins over If-Modified-Since. A route that can set its validators before doing the expensive
 * part (feeds) asks this and answers 304 itself.
 */
export function isFresh(request: FastifyRequest, reply: FastifyReply): boolean {
  const ifNoneMatch = request.headers['if-none-match']
  if (ifNoneMatch) {
    const etag = reply.getHeader('etag')
    return typeof etag === 'string' && matchesIfNoneMatch(ifNoneMatch, etag)
  }
  return notModifiedSince(request, reply)
}

/**
 * Conditional GETs for every successful read: an ETag from the body (unless the route set one), Cache-Control,
 * and 304 Not Modified when the client's validators still match.
 */
export const cachingPlugin = fp<CachingOptions>(
  async (app, { maxAge }) => {
    const cacheHeaders = (request: FastifyRequest, reply: FastifyReply) => {
      if (!reply.hasHeader('cache-control')) {
        const privacy = request.headers.authorization ? 'private' : 'public'
        reply.header('cache-control', `${privacy}, max-age=${maxAge}`)
      }
      varyOn(reply, 'Accept-Encoding', 'Authorization')
    }

    app.addHook('onSend', async (request, reply, payload) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return payload
      // A 304 the route answered itself carries the same caching headers a 200 would (RFC 9110 15.4.5).
      if (reply.statusCode === 304) {
        cacheHeaders(request, reply)
        return payload
      }
      if (reply.statusCode !== 200) return payload
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload

      if (!reply.hasHeader('etag')) reply.header('etag', etagOf(payload))
      cacheHeaders(request, reply)
      if (!isFresh(request, reply)) return payload
      reply.code(304)
      reply.removeHeader('content-type')
      reply.removeHeader('content-length')
      return ''
    })
  },
  { name: 'caching' },
)
