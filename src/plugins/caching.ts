import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export interface CachingOptions {
  /** `max-age` for public responses, in seconds. */
  maxAge: number
}

/** A strong validator from the exact bytes sent. */
export function etagOf(payload: string | Buffer): string {
  return `"${createHash('sha1').update(payload).digest('base64url')}"`
}

// RFC 9110 13.1.2: If-None-Match uses the weak comparison, and `*` matches any current representation.
function matchesIfNoneMatch(header: string, etag: string): boolean {
  const bare = etag.replace(/^W\//, '')
  return header.split(',').some((candidate) => {
    const c = candidate.trim()
    return c === '*' || c.replace(/^W\//, '') === bare
  })
}

function notModifiedSince(request: FastifyRequest, reply: FastifyReply): boolean {
  const since = request.headers['if-modified-since']
  const lastModified = reply.getHeader('last-modified')
  if (!since || typeof lastModified !== 'string') return false
  const sinceMs = Date.parse(since)
  return !Number.isNaN(sinceMs) && Date.parse(lastModified) <= sinceMs
}

/**
 * Conditional GETs for every successful read: an ETag from the body (unless the route set one), Cache-Control,
 * and 304 Not Modified when the client's validators still match. If-None-Match wins over If-Modified-Since.
 */
export const cachingPlugin = fp<CachingOptions>(
  async (app, { maxAge }) => {
    app.addHook('onSend', async (request, reply, payload) => {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) return payload
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload

      if (!reply.hasHeader('etag')) reply.header('etag', etagOf(payload))
      if (!reply.hasHeader('cache-control')) {
        const privacy = request.headers.authorization ? 'private' : 'public'
        reply.header('cache-control', `${privacy}, max-age=${maxAge}`)
      }
      reply.header('vary', 'Accept-Encoding, Authorization')

      const ifNoneMatch = request.headers['if-none-match']
      const fresh = ifNoneMatch ? matchesIfNoneMatch(ifNoneMatch, String(reply.getHeader('etag'))) : notModifiedSince(request, reply)
      if (!fresh) return payload
      reply.code(304)
      reply.removeHeader('content-type')
      reply.removeHeader('content-length')
      return ''
    })
  },
  { name: 'caching' },
)
