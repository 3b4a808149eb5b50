import { Type, type Static } from 'typebox'
import { SITE_PATH_PATTERN, StringEnum } from '../../lib/schemas.js'

export const ResolveQuerySchema = Type.Object({
  path: Type.String({ pattern: SITE_PATH_PATTERN, maxLength: 2000, examples: ['/posts/old-slug'] }),
}, { additionalProperties: false })

export const ResolvedSchema = Type.Object({
  type: StringEnum(['post', 'tag', 'author', 'redirect'], { description: 'What the path is; `redirect`: follow `location`.' }),
  resource: StringEnum(['post', 'tag', 'author']),
  id: Type.String({ format: 'uuid' }),
  slug: Type.String(),
  path: Type.String({ description: "The resource's current frontend path.", examples: ['/posts/cell-based-architecture-routing-engine'] }),
  location: Type.Optional(Type.String({ description: "For a redirect: the path to send the reader to (301), with the given path's query and fragment." })),
  api: Type.String({ description: 'Where the API serves the resource.', examples: ['/v1/posts/cell-based-architecture-routing-engine'] }),
})
export type Resolved = Static<typeof ResolvedSchema>

export const ResolvedResponseSchema = Type.Object({ data: ResolvedSchema }, { description: 'What the path is.' })
