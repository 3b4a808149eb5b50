import { negotiate } from '@fastify/accept-negotiator'
import type { FastifyRequest } from 'fastify'

/** The content codings responses are compressed with, most preferred first (see plugins/compression.ts). */
export const CONTENT_CODINGS = ['br', 'gzip'] as const
export type ContentCoding = (typeof CONTENT_CODINGS)[number]

/**
 * The coding @fastify/compress gives a response to this request (when the body is compressible and large
 * enough), decided the way it decides: `*` and `x-gzip` mean gzip, and `x-no-compression` means none. The
 * response cache uses it to pick the compressed copy it keeps.
 */
export function negotiatedCoding(request: FastifyRequest): ContentCoding | undefined {
  const header = request.headers['accept-encoding']
  if (!header || request.headers['x-no-compression'] !== undefined) return undefined
  return negotiate(header.toLowerCase().replace(/\*|x-gzip/g, 'gzip'), [...CONTENT_CODINGS]) ?? undefined
}
