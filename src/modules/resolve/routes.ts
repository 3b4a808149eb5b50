import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Config } from '../../config.js'
import type { ResourceKind } from '../../db/schema.js'
import { NotFoundError } from '../../lib/errors.js'
import { problemResponses, SITE_PATH_PATTERN, StringEnum } from '../../lib/schemas.js'
import { fillTemplate, matchTemplate, pathOf, publicPath } from '../../lib/urls.js'
import { readSecurity } from '../../plugins/auth.js'
import { findAuthor } from '../authors/queries.js'
import { findPost } from '../posts/queries.js'
import { findCurrentSlug } from '../slugs/queries.js'
import { findTag } from '../tags/queries.js'

const ResolvedSchema = Type.Object({
  data: Type.Object({
    type: StringEnum(['post', 'tag', 'author', 'redirect'], { description: 'What the path is; `redirect`: follow `location`.' }),
    resource: StringEnum(['post', 'tag', 'author']),
    id: Type.String({ format: 'uuid' }),
    slug: Type.String(),
    path: Type.String({ description: "The resource's current frontend path.", examples: ['/posts/cell-based-architecture-routing-engine'] }),
    location: Type.Optional(Type.String({ description: "For a redirect: the path to send the reader to (301), with the given path's query and fragment." })),
    api: Type.String({ description: 'Where the API serves the resource.', examples: ['/v1/posts/cell-based-architecture-routing-engine'] }),
  }),
}, { description: 'What the path is.' })

/** Tells a frontend router what a path of the site is: a post, a tag, an author, or an old slug to redirect. */
export const resolveRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  // What the public sees: the site's paths are public pages.
  const kinds: { resource: ResourceKind; template: string; plural: string; find: (slug: string) => Promise<{ id: string; slug: string; publishedAt?: Date | null } | undefined> }[] = [
    { resource: 'post', template: config.site.postUrlTemplate, plural: 'posts', find: (ref) => findPost(app.db, ref, 'public') },
    { resource: 'tag', template: config.site.tagUrlTemplate, plural: 'tags', find: (ref) => findTag(app.db, ref, 'public') },
    { resource: 'author', template: config.site.authorUrlTemplate, plural: 'authors', find: (ref) => findAuthor(app.db, ref, 'public') },
  ]

  app.get('/resolve', {
    schema: {
      tags: ['site'],
      operationId: 'resolvePath',
      summary: 'What a site path is: a post, a tag, an author, or a redirect',
      querystring: Type.Object({ path: Type.String({ pattern: SITE_PATH_PATTERN, maxLength: 2000, examples: ['/posts/old-slug'] }) }, { additionalProperties: false }),
      security: readSecurity,
      response: { 200: ResolvedSchema, ...problemResponses(400, 401, 404) },
    },
    preHandler: app.acceptApiKey,
  }, async (request) => {
    const { path } = request.query
    for (const kind of kinds) {
      const match = matchTemplate(kind.template, path)
      const ref = match?.id ?? match?.slug
      if (!ref) continue
      let row = await kind.find(ref)
      let type: 'post' | 'tag' | 'author' | 'redirect' = kind.resource
      if (!row && match?.slug) {
        const current = await findCurrentSlug(app.db, kind.resource, match.slug)
        row = current ? await kind.find(current) : undefined
        type = 'redirect'
      }
      if (!row) continue
      const canonical = pathOf(fillTemplate(kind.template, { slug: row.slug, id: row.id, date: row.publishedAt ?? null }))
      // A redirect keeps what the path carried besides (campaign parameters, the reader's place), as a web
      // server's does; but a query of the canonical path's own (a template's `?p={id}`) is not mixed with it.
      const [, search = '', fragment = ''] = /^[^?#]*(\?[^#]*)?(#.*)?$/.exec(path)!
      const location = canonical.includes('?') ? `${canonical}${fragment}` : `${canonical}${search}${fragment}`
      // A path that names the resource but not in its canonical form (wrong date, id instead of slug) redirects too.
      if (type !== 'redirect' && canonical.replace(/\/$/, '') !== path.split(/[?#]/)[0]!.replace(/\/$/, '')) type = 'redirect'
      return {
        data: {
          type,
          resource: kind.resource,
          id: row.id,
          slug: row.slug,
          path: canonical,
          ...(type === 'redirect' ? { location } : {}),
          api: publicPath(config.site.apiPath, `/v1/${kind.plural}/${row.slug}`),
        },
      }
    }
    throw new NotFoundError(`Nothing on the site answers to ${path}`)
  })
}
