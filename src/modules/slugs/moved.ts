import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Executor } from '../../db/client.js'
import type { ResourceKind } from '../../db/schema.js'
import { NotFoundError } from '../../lib/errors.js'
import { publicPath } from '../../lib/urls.js'
import { findCurrentSlug } from './queries.js'

interface MovedOptions {
  kind: ResourceKind
  /** The reference in the path, which nothing has now. */
  ref: string
  /** The path of the resource at a slug (`/v1/tags/${slug}`). */
  pathOf: (slug: string) => string
  /** The 404's detail, when nothing had the reference either. */
  notFound: string
  /** API_URL's path, which every path sent starts with (see publicPath). */
  apiPath: string
}

/**
 * What a read answers for a reference no resource has now: a 301 to the one that had it as a slug, at its
 * current slug with the request's query, if the reader may see it (a key holder may see drafts and hidden
 * tags); else a 404.
 */
export async function movedOrNotFound(db: Executor, request: FastifyRequest, reply: FastifyReply, options: MovedOptions): Promise<FastifyReply> {
  const current = await findCurrentSlug(db, options.kind, options.ref, request.apiKey ? 'drafts too' : 'public')
  if (!current) throw new NotFoundError(options.notFound)
  const query = request.url.indexOf('?')
  return reply.redirect(publicPath(options.apiPath, options.pathOf(current) + (query === -1 ? '' : request.url.slice(query))), 301)
}
