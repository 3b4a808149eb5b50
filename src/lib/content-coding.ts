import type { FastifyRequest } from 'fastify'
import Negotiator from 'negotiator'

/** The content codings responses are compressed with, most preferred first (see plugins/compression.ts). */
export const CONTENT_CODINGS = ['br', 'gzip'] as const
export type ContentCoding = (typeof CONTENT_CODINGS)[number]

const CANDIDATES = [...CONTENT_CODINGS, 'identity']

/** negotiator's own API: its types (@types/negotiator 0.6) predate the order of preference for ties (1.0). */
type EncodingNegotiator = { encoding(available: string[], options: { preferred: string[] }): string | undefined }

/** Accept-Encoding values seen lately and the coding each asks for: a client sends the same one with every request. */
const chosen = new Map<string, ContentCoding | 'identity'>()
const CHOSEN_KEPT = 256

/**
 * The coding a response to an Accept-Encoding value gets, as RFC 9110 (12.5.3) has it: `q=0` refuses a
 * coding, `*` stands for those not listed, identity is acceptable unless refused; of the codings the client
 * likes best, ours in order of preference (br, gzip, then none). `x-gzip` is gzip (8.4.1.3). When nothing is
 * acceptable (`identity;q=0` alone), identity all the same: the body as it is, rather than a 406.
 */
export function codingFor(acceptEncoding: string): ContentCoding | 'identity' {
  let coding = chosen.get(acceptEncoding)
  if (coding === undefined) {
    const header = acceptEncoding.toLowerCase().replace(/\bx-gzip\b/g, 'gzip')
    const negotiator = new Negotiator({ headers: { 'accept-encoding': header } }) as unknown as EncodingNegotiator
    coding = (negotiator.encoding(CANDIDATES, { preferred: CANDIDATES }) ?? 'identity') as ContentCoding | 'identity'
    if (chosen.size >= CHOSEN_KEPT) chosen.clear()
    chosen.set(acceptEncoding, coding)
  }
  return coding
}

/**
 * The coding a response to this request is compressed with (when the body is compressible and large
 * enough), if any: codingFor its Accept-Encoding, and none for `x-no-compression`. The compression plugin
 * hands @fastify/compress this choice (see there); the response cache picks the compressed copy it keeps by it.
 */
export function negotiatedCoding(request: FastifyRequest): ContentCoding | undefined {
  const header = request.headers['accept-encoding']
  if (!header || request.headers['x-no-compression'] !== undefined) return undefined
  const coding = codingFor(header)
  return coding === 'identity' ? undefined : coding
}

/** Bodies smaller than this are sent as they are: compressing them saves too little (see plugins/compression.ts). */
export const COMPRESSION_THRESHOLD = 1024

/**
 * The media types compressed: @fastify/compress's default (text, JSON and XML) and JavaScript (the /docs
 * page's), given to it explicitly. (It also compresses what mime-db calls compressible; nothing else the
 * service sends is.)
 */
export const COMPRESSIBLE_TYPES = /^text\/(?!event-stream)|(?:\+|\/)json(?:;|$)|(?:\+|\/)text(?:;|$)|(?:\+|\/)xml(?:;|$)|\/javascript(?:;|$)|octet-stream(?:;|$)/u

/** Whether a body of this media type and size is compressed for a client that accepts a coding. */
export function isCompressible(contentType: unknown, byteLength: number): boolean {
  return byteLength >= COMPRESSION_THRESHOLD && COMPRESSIBLE_TYPES.test(typeof contentType === 'string' ? contentType : 'application/json')
}

/** The coding of the response this request gets, for a body that is compressible or not (isCompressible). */
export function responseCoding(request: FastifyRequest, compressible: boolean): ContentCoding | 'identity' {
  return (compressible && negotiatedCoding(request)) || 'identity'
}
