import { Readable } from 'node:stream'
import compress from '@fastify/compress'
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { codedEtag } from '../lib/conditional.js'
import { codingFor, COMPRESSIBLE_TYPES, COMPRESSION_THRESHOLD, CONTENT_CODINGS } from '../lib/content-coding.js'
import { varyOn } from './caching.js'

/**
 * After compression: a strong ETag names the coded bytes (`"h"` becomes `"h.br"`).
 *
 * The caching plugin hashes the uncompressed body, so a Brotli, a gzip and an uncompressed copy of one JSON
 * document have the same hash. Strong ETags are kept (rather than the weak ones nginx makes) because the
 * write API's If-Match uses the strong comparison: a client that read a post with `Accept-Encoding: br` must
 * be able to send that ETag back. So each coding gets its own strong tag, and If-Match accepts the tag of
 * any coding of the current content. If-None-Match is decided before compression, against the tag of the
 * coding this request would get, which a 304 names (see caching.ts). Feeds carry weak ETags, left as they are.
 */
const tagRepresentation: onSendHookHandler<unknown> = (request: FastifyRequest, reply: FastifyReply, payload, done) => {
  if (reply.statusCode === 304 && reply.hasHeader('content-encoding')) {
    // A HEAD's 304 has an empty stream for its payload (see caching.ts), which @fastify/compress codes like any
    // stream. A cache takes a 304's fields for those of the copy it holds (RFC 9111 4.3.4): no coding is named.
    reply.removeHeader('content-encoding')
    // Its coding stream (readable-stream's, not node:stream's) is let go, and its compressor with it.
    const codingStream = payload as { destroy?: () => void } | null
    codingStream?.destroy?.()
    payload = Readable.from([])
    // It also added its own `accept-encoding` to Vary, which names it already: listed once.
    varyOn(reply)
  }
  const etag = reply.getHeader('etag')
  const coding = reply.getHeader('content-encoding')
  if (typeof etag === 'string' && typeof coding === 'string') reply.header('etag', codedEtag(etag, coding))
  if (coding) {
    varyOn(reply, 'Accept-Encoding')
    // A response the cache keeps: it keeps this coded copy too (see caching.ts).
    if (typeof coding === 'string' && Buffer.isBuffer(payload) && reply.statusCode === 200) request.keepCoded?.(coding, payload)
  }
  done(null, payload)
}

/**
 * Brotli or gzip for JSON, problem+json, feeds (RSS, Atom, JSON Feed) and the OpenAPI document, when the
 * client accepts it and the body is 1 kB or more. Registered after the caching plugin, which needs the
 * uncompressed body; request bodies are not decompressed (writes are small JSON, and a compressed body is a
 * way to make the server inflate far more than the body limit it checks).
 */
export const compressionPlugin = fp(
  async (app) => {
    await app.register(compress, {
      encodings: [...CONTENT_CODINGS],
      threshold: COMPRESSION_THRESHOLD,
      customTypes: COMPRESSIBLE_TYPES,
      // Compressed in one go rather than through a stream, up to 1 MB (a feed of twenty long posts): a
      // buffer can be kept by the response cache, so a cached response is compressed once per version, not
      // once per request. (The default, on two cores, streams anything over 8 kB.)
      syncThreshold: 1_048_576,
      globalDecompression: false,
    })
    // @fastify/compress reads `*` as gzip, so `gzip;q=0, *` (anything but gzip) gets gzip; it ignores
    // identity (`identity, gzip;q=0.1` gets gzip). It is handed the coding codingFor chose instead, the one
    // the response cache keeps copies by. Vary still names Accept-Encoding: caches key on what clients send.
    app.addHook('onRequest', (request, _reply, done) => {
      const header = request.headers['accept-encoding']
      if (header) request.headers['accept-encoding'] = codingFor(header)
      done()
    })
    // Route-level onSend hooks run after the instance's (caching), in the order they were added: compress's
    // own hook first, then this one.
    app.addHook('onRoute', (route) => {
      const hooks = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend]
      const onSend = [...hooks, tagRepresentation as never]
      // A HEAD route made from a GET one carries Fastify's hook that drops the body and sends its length. Moved
      // last, after compression's: a HEAD gets the fields its GET would (RFC 9110 9.3.2), coding, tag and length.
      const dropsBody = onSend.findIndex((hook) => (hook as { name?: string }).name === 'headRouteOnSendHandler')
      if (route.method === 'HEAD' && dropsBody >= 0) onSend.push(...onSend.splice(dropsBody, 1))
      route.onSend = onSend
    })
  },
  { name: 'compression', dependencies: ['caching'] },
)
