import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../../config.js'
import { cursorScope, pageCursors, requestedKeyset, type CursorCodec } from '../../lib/cursor.js'
import { InvalidFieldsError, UnauthorizedError } from '../../lib/errors.js'
import { readSecurity } from '../../plugins/auth.js'
import { dateResponse } from '../../plugins/caching.js'
import { linkHeader, listMeta } from '../../lib/paging.js'
import { MovedResponse, NoQuerySchema, problemResponses, RefParamsSchema } from '../../lib/schemas.js'
import { publicPath } from '../../lib/urls.js'
import { movedOrNotFound } from '../slugs/moved.js'
import { findPost, findPostWithLinks, KEYSET_ARITY, keysetOf, listPosts, loadPostLinks, relatedPosts, searchSnippets, type PostFilters } from './queries.js'
import { PostListQuerySchema, PostListResponseSchema, PostResponseSchema, RelatedQuerySchema, RelatedResponseSchema, type PostListQuery } from './schemas.js'
import { toPost, toPostSummary } from './serialize.js'
import type { Visibility } from './visibility.js'

const slugs = (value: string | undefined) => (value ? value.split(',') : undefined)
// A bare date means midnight UTC, so `publishedAfter=2026-01-01&publishedBefore=2026-02-01` is January. A
// Date holds milliseconds: a time between two (`.0001`) is the next one, as both bounds compare (a post at
// `.000` is before `.0001`, and not at or after it), publication times being whole milliseconds.
const instant = (value: string | undefined) => {
  if (!value) return undefined
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value)
  return /\.\d{3}\d*[1-9]/.test(value) ? new Date(date.getTime() + 1) : date
}

function postFilters(q: PostListQuery, visibility: Visibility): PostFilters {
  return {
    visibility,
    tag: slugs(q.tag),
    tagsAll: slugs(q.tagsAll),
    excludeTags: slugs(q.excludeTags),
    author: slugs(q.author),
    featured: q.featured,
    publishedAfter: instant(q.publishedAfter),
    publishedBefore: instant(q.publishedBefore),
    // Composed (NFC) as stored text is (COMPOSED_TEXT, lib/schemas.ts): "résumé" typed either way finds the same posts.
    q: q.q?.normalize('NFC').trim() || undefined,
  }
}

export const postRoutes: FastifyPluginAsyncTypebox<{ config: Config; cursors: CursorCodec }> = async (app, { config, cursors }) => {
  const postMoved = (ref: string) => ({ kind: 'post' as const, ref, apiPath: config.site.apiPath, notFound: `No published post has the id or slug "${ref}"` })
  app.get('/posts', {
    schema: {
      tags: ['posts'],
      operationId: 'listPosts',
      summary: 'List published posts',
      description: 'Published posts as summaries (no body), newest first unless `sort` says otherwise. Filters combine with AND.',
      querystring: PostListQuerySchema,
      security: readSecurity,
      response: { 200: PostListResponseSchema, ...problemResponses(400, 401) },
    },
    preHandler: app.acceptApiKey,
  }, async (request, reply) => {
    const { page, limit = 15, status, q, cursor, count } = request.query
    if (status && status !== 'published' && !request.apiKey) {
      reply.header('www-authenticate', 'Bearer realm="quire"')
      throw new UnauthorizedError(`status=${status} needs an API key`)
    }
    const visibility: Visibility = request.apiKey && status ? status : 'public'
    const filters = postFilters(request.query, visibility)
    // Relevance has no keyset to continue from: a ranked search pages by number; any sort can use cursors.
    const sort = request.query.sort ?? (q ? undefined : '-publishedAt')
    const scope = cursorScope({ sort, filters })
    if (cursor !== undefined && page === undefined) {
      if (!sort) throw new InvalidFieldsError([{ in: 'query', name: '/cursor', message: 'cannot be used with a search ranked by relevance: use page, or add sort' }])
      if (visibility === 'draft' || visibility === 'all') throw new InvalidFieldsError([{ in: 'query', name: '/cursor', message: 'cannot be used with status draft or all: drafts are paged with page' }])
    }
    const keyset = requestedKeyset(cursors, scope, request.query, KEYSET_ARITY)
    const listed = await listPosts(app.db, filters, sort, { page: page ?? 1, limit }, { keyset, count })
    const { rows, total, nextPage, truncated } = listed
    // A list of drafts (or a ranked search) has no keyset to go on from: no cursor.
    const cursorsOfPage = sort && visibility !== 'draft' && visibility !== 'all'
      ? pageCursors(cursors, scope, listed, (row) => keysetOf(row, sort), keyset)
      : undefined
    const meta = { ...listMeta({ page: page ?? 1, limit }, total, rows.length, nextPage, cursorsOfPage, keyset !== undefined), ...(truncated ? { truncated } : {}) }
    const ids = rows.map((r) => r.id)
    const [links, snippets] = await Promise.all([loadPostLinks(app.db, ids), filters.q ? searchSnippets(app.db, ids, filters.q) : undefined])
    reply.header('link', linkHeader(publicPath(config.site.apiPath, request.url), meta, keyset ? 'cursor' : 'page'))
    return { data: rows.map((row) => toPostSummary(row, links, config.site, snippets?.get(row.id))), meta }
  })

  app.get('/posts/:idOrSlug', {
    schema: {
      tags: ['posts'],
      operationId: 'getPost',
      summary: 'Get a published post by slug (or id)',
      description:
        'The full post with its sanitised html. A slug the post had before answers 301 to the current one. ' +
        'With an API key, drafts and scheduled posts are found too.',
      params: RefParamsSchema,
      querystring: NoQuerySchema,
      security: readSecurity,
      response: { 200: PostResponseSchema, 301: MovedResponse, ...problemResponses(400, 401, 404) },
    },
    preHandler: app.acceptApiKey,
  }, async (request, reply) => {
    const { idOrSlug } = request.params
    const found = await findPostWithLinks(app.db, idOrSlug, request.apiKey ? 'all' : 'public')
    if (!found) return movedOrNotFound(app.db, request, reply, { ...postMoved(idOrSlug), pathOf: (slug) => `/v1/posts/${slug}` })
    // The ETag is the hash of the body, set by the caching plugin: serialised once, hashed once.
    dateResponse(request, reply, found.changedAt)
    return { data: toPost(found.row, found.links, config.site) }
  })

  app.get('/posts/:idOrSlug/related', {
    schema: {
      tags: ['posts'],
      operationId: 'listRelatedPosts',
      summary: 'Posts related to one: most shared tags first, then the newest',
      params: RefParamsSchema,
      querystring: RelatedQuerySchema,
      security: readSecurity,
      response: { 200: RelatedResponseSchema, 301: MovedResponse, ...problemResponses(400, 401, 404) },
    },
    preHandler: app.acceptApiKey,
  }, async (request, reply) => {
    const { idOrSlug } = request.params
    const post = await findPost(app.db, idOrSlug, request.apiKey ? 'all' : 'public')
    if (!post) return movedOrNotFound(app.db, request, reply, { ...postMoved(idOrSlug), pathOf: (slug) => `/v1/posts/${slug}/related` })
    const rows = await relatedPosts(app.db, post.id, request.query.limit ?? 3)
    const links = await loadPostLinks(app.db, rows.map((r) => r.id))
    return { data: rows.map((row) => toPostSummary(row, links, config.site)) }
  })
}
